package partnerka

import "time"

// Clock returns the current time. Every component that reasons about windows,
// holds or periods takes one, so tests can stand at an exact boundary.
type Clock func() time.Time

// SystemClock is the wall clock in UTC.
func SystemClock() time.Time { return time.Now().UTC() } // wall: the one source of the program's instants
