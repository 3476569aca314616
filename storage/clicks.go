package storage

import (
	"context"
	"net/netip"

	"partnerka"
)

// InsertClicks stores decoded stream clicks and updates the daily stats, in
// one statement. With skipExisting, clicks stored before are skipped, so a
// batch may be applied any number of times; without, a click stored before
// fails the statement with a unique violation (cheaper when the batch is
// new, as it is unless a reconciler died holding it).
func (db *DB) InsertClicks(ctx context.Context, clicks []StreamClick, skipExisting bool) error {
	var ids, at, links, partners, subs, ips, uas, refs, urls, flags, attributable, prev arrayLiteral
	ids.b = make([]byte, 0, 40*len(clicks))
	urls.b = make([]byte, 0, 64*len(clicks))
	var buf []byte
	for i := range clicks {
		c := &clicks[i]
		id, err := partnerka.ParseClickID(c.ID)
		if err != nil {
			return partnerka.Errorf(partnerka.EINVALID, "click %q: %v", c.ID, err)
		}
		ids.Plain(append(buf[:0], id.UUID()...))
		buf = c.At.UTC().AppendFormat(buf[:0], "2006-01-02T15:04:05.000Z")
		at.Plain(buf)
		links.Int(c.LinkID)
		partners.Int(c.PartnerID)
		subs.Text(c.SubID)
		if a, err := netip.ParseAddr(c.IP); err == nil {
			ips.Plain(a.AppendTo(buf[:0]))
		} else {
			ips.Null()
		}
		uas.Text(c.UserAgent)
		refs.Text(c.Referer)
		urls.Text(c.Landing)
		flags.Int(int64(c.Flags))
		if c.Flags == 0 {
			attributable.Plain([]byte{'t'})
		} else {
			attributable.Plain([]byte{'f'})
		}
		if p, err := partnerka.ParseClickID(c.PrevClick); err == nil {
			prev.Plain(append(buf[:0], p.UUID()...))
		} else {
			prev.Null()
		}
	}
	stmt := db.Q.InsertNewClicks
	if skipExisting {
		stmt = db.Q.InsertClicks
	}
	_, err := stmt.ExecContext(ctx, ids.String(), at.String(), links.String(), partners.String(), subs.String(),
		ips.String(), uas.String(), refs.String(), urls.String(), flags.String(), attributable.String(), prev.String())
	return err
}
