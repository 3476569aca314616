package storage

import (
	"context"
	"strconv"
	"strings"
	"time"

	"partnerka"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"
)

// TrackerLink is a link as the tracker needs it. Active is false when the
// link is disabled or its partner is not active.
type TrackerLink struct {
	ID          int64     `db:"id"`
	PartnerID   int64     `db:"partner_id"`
	Code        string    `db:"code"`
	Destination string    `db:"destination_url"`
	SubID       string    `db:"sub_id"`
	Active      bool      `db:"active"`
	UpdatedAt   time.Time `db:"updated_at"`
}

// EachTrackerLink calls fn for every link, reading in pages so memory stays
// flat however many links there are.
func (db *DB) EachTrackerLink(ctx context.Context, fn func(TrackerLink)) error {
	return eachByID(ctx, db.Q.TrackerLinks, func(l TrackerLink) int64 { return l.ID }, fn)
}

// TrackerLinksChangedSince returns links that changed (or whose partner
// changed) at or after since.
func (db *DB) TrackerLinksChangedSince(ctx context.Context, since time.Time) ([]TrackerLink, error) {
	var rows []TrackerLink
	err := db.Q.TrackerLinksChanged.SelectContext(ctx, &rows, since)
	return rows, err
}

// TrackerLinkByCode returns the link with code in any case, or not_found.
func (db *DB) TrackerLinkByCode(ctx context.Context, code string) (*TrackerLink, error) {
	var l TrackerLink
	if err := db.Q.TrackerLinkByCode.GetContext(ctx, &l, code); err != nil {
		return nil, notFound(err, "link")
	}
	return &l, nil
}

// TrackerPartnerLinks returns a partner's links as the tracker caches them.
func (db *DB) TrackerPartnerLinks(ctx context.Context, partnerID int64) ([]TrackerLink, error) {
	var rows []TrackerLink
	err := db.Q.TrackerPartnerLinks.SelectContext(ctx, &rows, partnerID)
	return rows, err
}

// CreateLink inserts a link. It returns conflict (field code) when the
// code is taken in any case: BETA-SECRET is beta-secret.
func (db *DB) CreateLink(ctx context.Context, l *partnerka.Link) error {
	var created time.Time
	err := db.Q.InsertLink.QueryRowxContext(ctx, l.PartnerID, l.Code, l.Destination, l.SubID, l.Label, l.IsDefault, db.now()).
		Scan(&l.ID, &created)
	if IsUniqueViolation(err, "links_code_lower") {
		return &partnerka.Error{Code: partnerka.ECONFLICT, Field: "code", Message: "this link code is taken"}
	}
	return err
}

// SetLinkDisabled disables or enables a partner's link as the partner
// would, and returns its code; not_found when the link is not that
// partner's.
func (db *DB) SetLinkDisabled(ctx context.Context, partnerID, linkID int64, disabled bool) (string, error) {
	l, err := db.ChangeLink(ctx, LinkChange{PartnerID: partnerID, LinkID: linkID, Disabled: &disabled})
	if err != nil {
		return "", err
	}
	return l.Code, nil
}

// LinkChange is an edit of one link: by its partner (a new label,
// destination or sub ID, disabled or enabled again) or by staff (disabled
// with a reason the partner sees, or enabled again). Nil fields keep their
// value; the code never changes, since it is what the partner shared.
type LinkChange struct {
	PartnerID   int64
	LinkID      int64
	Label       *string
	Destination *string // checked by the caller against the allowed domains
	SubID       *string // checked by the caller (partnerka.ValidSubID)
	Disabled    *bool
	ByStaff     bool
	Reason      string // staff's reason to disable
	Actor       Actor
}

// ChangeLink applies the change and audits it (on the partner). A link
// staff disabled stays disabled until staff enable it: the partner's
// attempt is forbidden. Not found when the link is not the partner's.
func (db *DB) ChangeLink(ctx context.Context, ch LinkChange) (*partnerka.Link, error) {
	if ch.Label != nil && len(*ch.Label) > 100 {
		return nil, partnerka.FieldError("label", "the label is longer than 100 characters")
	}
	if ch.ByStaff && ch.Disabled != nil && *ch.Disabled && !validReasonText(ch.Reason) {
		return nil, partnerka.FieldError("reason", "give a reason (at most 500 characters): the partner sees it")
	}
	var out partnerka.Link
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		var l struct {
			partnerka.Link
			ByStaff bool   `db:"disabled_by_staff"`
			Reason  string `db:"disabled_reason"`
		}
		if err := tx.Stmtx(db.Q.LinkForUpdate).GetContext(ctx, &l, ch.LinkID, ch.PartnerID); err != nil {
			return notFound(err, "link")
		}
		before := map[string]any{"link": l.Code, "destination": l.Destination, "label": l.Label, "disabled": l.DisabledAt != nil}
		if l.Reason != "" {
			before["reason"] = l.Reason
		}
		if l.SubID != "" { // most links have none: the entry names it only when it has one
			before["sub_id"] = l.SubID
		}
		dest, label, subID, disabled, byStaff, reason := l.Destination, l.Label, l.SubID, l.DisabledAt != nil, l.ByStaff, l.Reason
		if ch.Destination != nil {
			dest = *ch.Destination
		}
		if ch.SubID != nil {
			subID = *ch.SubID
		}
		if ch.Label != nil {
			label = *ch.Label
		}
		if ch.Disabled != nil {
			if l.ByStaff && disabled && !ch.ByStaff {
				return partnerka.Errorf(partnerka.EFORBIDDEN, "the program's team disabled this link: %s", l.Reason)
			}
			if *ch.Disabled != disabled {
				disabled, byStaff, reason = *ch.Disabled, ch.ByStaff, ch.Reason
			}
		}
		out = l.Link
		out.Destination, out.Label, out.SubID = dest, label, subID
		if dest == l.Destination && label == l.Label && subID == l.SubID && disabled == (l.DisabledAt != nil) && reason == l.Reason {
			return nil // nothing changed: nothing to record
		}
		if _, err := tx.Stmtx(db.Q.SetLink).ExecContext(ctx, l.ID, dest, label, disabled, byStaff, reason, db.now(), subID); err != nil {
			return err
		}
		after := map[string]any{"link": l.Code, "destination": dest, "label": label, "disabled": disabled}
		if subID != "" || l.SubID != "" {
			after["sub_id"] = subID
		}
		if disabled && reason != "" {
			after["reason"] = reason
		}
		action := "link.update"
		if disabled != (l.DisabledAt != nil) {
			action = map[bool]string{true: "link.disable", false: "link.enable"}[disabled]
		}
		return db.audit(ctx, tx, ch.Actor.audit(action, "partner", l.PartnerID, before, after))
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// LinkFigures is one of a partner's links with what it brought in a
// period: clicks, leads, paying customers and the partner's earnings on
// them per currency (partner-link-figures says how each is counted).
type LinkFigures struct {
	PartnerLink
	Leads  int64             `db:"leads"`
	Paying int64             `db:"paying"`
	Earned []partnerka.Money // in currency order; none when nothing was earned
}

// PartnerLinkFigures returns the partner's links, default first, each with
// its figures for [from, to), in one query for all of them.
func (db *DB) PartnerLinkFigures(ctx context.Context, partnerID int64, from, to time.Time) ([]LinkFigures, error) {
	var rows []struct {
		LinkFigures
		Currencies pq.StringArray `db:"currencies"`
		Amounts    pq.StringArray `db:"amounts"`
	}
	if err := db.Q.PartnerLinkFigures.SelectContext(ctx, &rows, partnerID, localDate(from), localDate(to), from, to); err != nil {
		return nil, err
	}
	out := make([]LinkFigures, len(rows))
	for i, r := range rows {
		out[i] = r.LinkFigures
		for j, cur := range r.Currencies {
			amount, err := decimal.NewFromString(r.Amounts[j])
			if err != nil {
				return nil, err
			}
			out[i].Earned = append(out[i].Earned, partnerka.Money{Amount: amount, Currency: cur})
		}
	}
	return out, nil
}

func validReasonText(s string) bool {
	return s != "" && partnerka.PlainText("reason", s, 500) == nil
}

// LinkChannel is the Redis channel on which changes the trackers cache are
// announced, so every tracker applies them within a second. A message is
// a Change; the trackers' periodic sweep and full reload catch a message
// that was lost.
const LinkChannel = "links"

// Change is one message on LinkChannel.
type Change string

// ReloadAll tells the trackers to reload settings, links and promo codes
// (settings changed: the allowed domains may have).
const ReloadAll Change = "*"

// LinkChanged says the link with code changed.
func LinkChanged(code string) Change { return Change("link:" + code) }

// PartnerChanged says a partner's status changed: every link and promo
// code of theirs.
func PartnerChanged(id int64) Change { return Change("partner:" + strconv.FormatInt(id, 10)) }

// PromoChanged says the promo code changed.
func PromoChanged(code string) Change { return Change("promo:" + code) }

// Parse splits a change into its kind ("link", "partner", "promo", or
// "*") and subject. A bare code, as earlier versions sent, is a link.
func (c Change) Parse() (kind, subject string) {
	if c == ReloadAll {
		return "*", ""
	}
	if k, s, ok := strings.Cut(string(c), ":"); ok {
		return k, s
	}
	return "link", string(c)
}

// Announce tells every tracker about changes.
func (r *Redis) Announce(ctx context.Context, changes ...Change) error {
	for _, c := range changes {
		if err := r.Publish(ctx, r.Key(LinkChannel), string(c)).Err(); err != nil {
			return err
		}
	}
	return nil
}

// PublishLinkChange tells every tracker that the link with code changed
// ("*": reload everything).
func (r *Redis) PublishLinkChange(ctx context.Context, code string) error {
	if code == string(ReloadAll) {
		return r.Announce(ctx, ReloadAll)
	}
	return r.Announce(ctx, LinkChanged(code))
}

// eachByID calls fn for every row of a query paged by id (its parameters:
// the id to start after, the page size), exportPage rows at a time.
func eachByID[T any](ctx context.Context, stmt *sqlx.Stmt, id func(T) int64, fn func(T)) error {
	return eachPage(int64(0), func(after int64) ([]T, error) {
		var rows []T
		err := stmt.SelectContext(ctx, &rows, after, exportPage)
		return rows, err
	}, id, func(r T) error { fn(r); return nil })
}
