package partnerka

import "time"

// Clock returns the current time. Every component that reasons about windows,
// holds or periods takes one, so tests can stand at an exact boundary.
type Clock func() time.Time

// SystemClock is the wall clock in UTC, to the microsecond: the precision
// PostgreSQL stores, so an instant the program shows before storing it is
// the one it shows after.
func SystemClock() time.Time { return time.Now().UTC().Truncate(time.Microsecond) } // wall: the one source of the program's instants
