package web_test

import (
	"context"
	"encoding/csv"
	"errors"
	"testing"

	"github.com/gofiber/fiber/v2"

	"partnerka/web"
	"partnerka/web/webtest"
)

// An export whose reading fails half way ends with a line saying the file
// is incomplete, so nobody takes a cut file (a bank's list of payouts)
// for a whole one; and it frees its slot.
func TestStreamCSVSaysWhenItIsIncomplete(t *testing.T) {
	var site *web.Site
	f := webtest.New(t, nil, func(s *web.Site, r fiber.Router) error {
		site = s
		r.Get("/broken.csv", func(c *fiber.Ctx) error {
			return s.StreamCSV(c, web.CSVOwner(c), "broken.csv", func(ctx context.Context, w *csv.Writer) error {
				w.Write([]string{"id", "amount"})
				w.Write([]string{"1", "10.00"})
				return errors.New("the database went away")
			})
		})
		return nil
	})
	b := f.Browser(t)
	b.Login("alpha@x.test", webtest.Password)
	resp, body := b.Do("GET", "/broken.csv", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Disposition") != `attachment; filename="broken.csv"` {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	if want := "id,amount\n1,10.00\nВЫГРУЗКА НЕПОЛНАЯ: она прервалась до конца из-за внутренней ошибки. Скачайте её заново.\n"; body != want {
		t.Errorf("got\n%q\nwant\n%q", body, want)
	}
	if n := site.ExportsRunning(); n != 0 {
		t.Errorf("%d exports still hold a slot", n)
	}
}
