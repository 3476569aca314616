package web

import (
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// TestPageSlots: no more pages are made at once than the slots, and every
// page waiting for one is served.
func TestPageSlots(t *testing.T) {
	for _, n := range []int{1, 3} {
		s := &Site{Concurrency: n}
		s.initSlots()
		app := fiber.New()
		var now, most atomic.Int32
		app.Use(s.pageSlot)
		app.Get("/", func(c *fiber.Ctx) error {
			in := now.Add(1)
			for m := most.Load(); in > m && !most.CompareAndSwap(m, in); m = most.Load() {
			}
			time.Sleep(30 * time.Millisecond) // elapsed: a page's work
			now.Add(-1)
			return c.SendString("ok")
		})
		var wg sync.WaitGroup
		var served atomic.Int32
		for range 8 {
			wg.Go(func() {
				resp, err := app.Test(httptest.NewRequest("GET", "/", nil), 5000)
				if err == nil && resp.StatusCode == 200 {
					served.Add(1)
				}
			})
		}
		wg.Wait()
		if served.Load() != 8 {
			t.Errorf("%d slots: %d of 8 pages served", n, served.Load())
		}
		if m := most.Load(); m > int32(n) || (n > 1 && m < 2) {
			t.Errorf("%d slots: %d pages made at once", n, m)
		}
	}
}
