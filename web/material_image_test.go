package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"testing"

	"partnerka/web"
	"partnerka/web/webtest"
)

func TestSniffBanner(t *testing.T) {
	var jpg, gf bytes.Buffer
	jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 300, 250)), nil)
	gif.Encode(&gf, image.NewPaletted(image.Rect(0, 0, 120, 600), color.Palette{color.Black, color.White}), nil)
	brokenPNG := append([]byte("\x89PNG\r\n\x1a\n"), []byte("not really an image at all")...)
	for _, tc := range []struct {
		name     string
		data     []byte
		wantType string
		w, h     int
		ok       bool
	}{
		{"png", webtest.PNG(t, 728, 90), "image/png", 728, 90, true},
		{"jpeg", jpg.Bytes(), "image/jpeg", 300, 250, true},
		{"gif", gf.Bytes(), "image/gif", 120, 600, true},
		{"webp lossy", webtest.WebPHeader("VP8 ", 468, 60), "image/webp", 468, 60, true},
		{"webp lossless", webtest.WebPHeader("VP8L", 160, 600), "image/webp", 160, 600, true},
		{"webp extended", webtest.WebPHeader("VP8X", 970, 250), "image/webp", 970, 250, true},
		{"text named .png", []byte("hello, this is a text file named banner.png\n"), "text/plain; charset=utf-8", 0, 0, false},
		{"html", []byte("<html><script>alert(1)</script></html>"), "text/html; charset=utf-8", 0, 0, false},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`), "text/plain; charset=utf-8", 0, 0, false},
		{"png signature, broken header", brokenPNG, "image/png", 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typ, w, h, ok := web.SniffBanner(tc.data)
			if typ != tc.wantType || w != tc.w || h != tc.h || ok != tc.ok {
				t.Errorf("got %q %d×%d %v, want %q %d×%d %v", typ, w, h, ok, tc.wantType, tc.w, tc.h, tc.ok)
			}
		})
	}
}
