package web

import (
	"bytes"
	"encoding/binary"
	"image"
	_ "image/gif" // image.DecodeConfig reads the headers of these formats
	_ "image/jpeg"
	_ "image/png"
	"net/http"
)

// MaxBannerBytes is the largest banner the back office accepts.
const MaxBannerBytes = 2 << 20

// BannerTypes are the image types a banner may have: what every browser
// shows. SVG is left out on purpose (it can carry script).
var BannerTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// SniffBanner returns the media type of an uploaded banner judged by its
// content (never its file name or the browser's claim), and its width and
// height read from the image header; ok is false when it is not a PNG,
// JPEG, GIF or WebP image with a readable header.
func SniffBanner(b []byte) (mediaType string, width, height int, ok bool) {
	mediaType = http.DetectContentType(b)
	if !BannerTypes[mediaType] {
		return mediaType, 0, 0, false
	}
	width, height, ok = imageSize(b)
	return mediaType, width, height, ok
}

// imageSize reads the width and height from the header of a PNG, JPEG,
// GIF or WebP image without decoding its pixels.
func imageSize(b []byte) (width, height int, ok bool) {
	if w, h, isWebP := webpSize(b); isWebP {
		return w, h, w > 0 && h > 0
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return 0, 0, false
	}
	return cfg.Width, cfg.Height, true
}

// webpSize reads a WebP header (RIFF container, then a VP8, VP8L or VP8X
// chunk) as the WebP container specification lays it out. isWebP is false
// for anything else; a WebP whose header cannot be read has zero size.
func webpSize(b []byte) (width, height int, isWebP bool) {
	if len(b) < 16 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 0, 0, false
	}
	le16 := func(i int) int { return int(binary.LittleEndian.Uint16(b[i:])) }
	le24 := func(i int) int { return int(b[i]) | int(b[i+1])<<8 | int(b[i+2])<<16 }
	switch string(b[12:16]) {
	case "VP8 ": // lossy: a frame tag, the start code 9d 01 2a, then 14-bit sizes
		if len(b) >= 30 && b[23] == 0x9d && b[24] == 0x01 && b[25] == 0x2a {
			return le16(26) & 0x3fff, le16(28) & 0x3fff, true
		}
	case "VP8L": // lossless: signature 0x2f, then 14 bits each of width-1 and height-1
		if len(b) >= 25 && b[20] == 0x2f {
			bits := binary.LittleEndian.Uint32(b[21:])
			return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, true
		}
	case "VP8X": // extended: flags, then 24 bits each of width-1 and height-1
		if len(b) >= 30 {
			return le24(24) + 1, le24(27) + 1, true
		}
	}
	return 0, 0, true
}
