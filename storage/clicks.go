package storage

import (
	"context"
	"database/sql"
	"net/netip"

	"github.com/lib/pq"

	"partnerka"
)

// InsertClicks stores decoded stream clicks and updates the daily stats, in
// one statement; clicks stored before are skipped, so a batch may be
// applied any number of times.
func (db *DB) InsertClicks(ctx context.Context, clicks []StreamClick) error {
	n := len(clicks)
	ids, at, links, partners := make([]string, n), make([]string, n), make([]int64, n), make([]int64, n)
	subs, ips, uas, refs, urls := make([]string, n), make([]sql.NullString, n), make([]string, n), make([]string, n), make([]string, n)
	flags, attributable, prev := make([]int64, n), make([]bool, n), make([]sql.NullString, n)
	for i := range clicks {
		c := &clicks[i]
		id, err := partnerka.ParseClickID(c.ID)
		if err != nil {
			return partnerka.Errorf(partnerka.EINVALID, "click %q: %v", c.ID, err)
		}
		ids[i] = id.UUID()
		at[i] = c.At.UTC().Format("2006-01-02T15:04:05.000Z")
		links[i], partners[i], subs[i] = c.LinkID, c.PartnerID, c.SubID
		if a, err := netip.ParseAddr(c.IP); err == nil {
			ips[i] = sql.NullString{String: a.String(), Valid: true}
		}
		uas[i], refs[i], urls[i] = c.UserAgent, c.Referer, c.Landing
		flags[i], attributable[i] = int64(c.Flags), c.Flags == 0
		if p, err := partnerka.ParseClickID(c.PrevClick); err == nil {
			prev[i] = sql.NullString{String: p.UUID(), Valid: true}
		}
	}
	_, err := db.Q.InsertClicks.ExecContext(ctx, pq.Array(ids), pq.Array(at), pq.Array(links), pq.Array(partners),
		pq.Array(subs), pq.Array(ips), pq.Array(uas), pq.Array(refs), pq.Array(urls), pq.Array(flags),
		pq.Array(attributable), pq.Array(prev))
	return err
}
