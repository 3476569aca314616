package web

import (
	"net/netip"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka/storage"
)

// The sign-in policy (README, "Sign-in and account security"). Failures
// are counted over FailureWindow:
//
//   - one address guessing one account: after MaxPairFailures failures
//     that address is refused for that account, the right password too;
//   - one address guessing many accounts: after MaxAddressFailures
//     failures the address is refused for every account;
//   - many addresses guessing one account: after SlowAfterFailures
//     failures from anywhere, the account takes one attempt per SlowEvery
//     from addresses it has not been signed in to from (KnownAddressFor),
//     and none of this slows it from one it has.
//
// So a stranger's wrong passwords refuse only the stranger's own address;
// the owner signs in from anywhere, unless the account is under attack
// from many addresses at once, and then still from every address where
// they signed in before or set a password by the emailed link.
const (
	FailureWindow      = 15 * time.Minute
	MaxPairFailures    = 5  // failed sign-ins of one account from one address before that address waits for it
	MaxAddressFailures = 20 // failed sign-ins from one address, any accounts, before it waits
	SlowAfterFailures  = 10 // failed sign-ins of one account, any addresses, before new addresses are slowed
	SlowEvery          = time.Minute
	KnownAddressFor    = 90 * 24 * time.Hour
)

// Limits of the anonymous requests that email an address: a stranger can
// neither flood a mailbox nor, by the answer, tell whether it has an
// account (the answer is the same within the limits and beyond them).
var (
	ResetLimit       = storage.EmailLimit{Window: time.Hour, PerEmail: 3, PerAddress: 10}
	ApplicationLimit = storage.EmailLimit{Window: time.Hour, PerEmail: 3, PerAddress: 10}
)

// AddressKey is what the limits count an address as: an IPv4 address
// itself, an IPv6 address by its /64 (a subscriber's network, in which a
// host takes any address it likes).
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a = a.Unmap(); a.Is4() {
		return a.String()
	}
	p, _ := a.WithZone("").Prefix(64)
	return p.String()
}

// Address is the request's address as the limits count it.
func (s *Site) Address(c *fiber.Ctx) string { return AddressKey(s.ClientIP(c)) }

// loginWindows are the windows of an attempt at now.
func loginWindows(now time.Time) storage.LoginWindows {
	return storage.LoginWindows{Failures: now.Add(-FailureWindow), Recent: now.Add(-SlowEvery), Known: now.Add(-KnownAddressFor)}
}

// loginRefusal is the message key of why an attempt is refused before its
// password is checked, or "" (the counts include the attempt itself).
func loginRefusal(a *storage.LoginAttempt) string {
	switch {
	case a.ByPair > MaxPairFailures || a.ByAddress > MaxAddressFailures:
		return "too_many"
	case !a.KnownAddress && a.ByEmail > SlowAfterFailures && a.RecentByEmail > 1:
		return "too_many_account"
	}
	return ""
}
