package web

import (
	"runtime"

	"github.com/gofiber/fiber/v2"
)

// Pages are served a few at a time: as many as the machine has CPUs
// (Site.Concurrency, PARTNERKA_WEB_CONCURRENCY), the others waiting their
// turn in the process. A page is mostly PostgreSQL's work, which cannot go
// faster than the cores it has, so a crowd of partners refreshing at once
// queues here, not as dozens of queries taking the CPU from everything
// else on the host: the tracker beside the cabinet (make bench-mixed: 50
// users on the largest partner's pages left the tracker 0.07 of its rate
// with twenty queries at once, 0.33 with four, 0.46 with two) and the
// sign-ins, whose argon2id is CPU too. The wait counts in Server-Timing.

func (s *Site) initSlots() {
	n := s.Concurrency
	if n <= 0 {
		n = runtime.NumCPU()
	}
	s.slots = make(chan struct{}, n)
}

// pageSlot holds one of the slots while the page is made.
func (s *Site) pageSlot(c *fiber.Ctx) error {
	s.slots <- struct{}{}
	defer func() { <-s.slots }()
	return c.Next()
}
