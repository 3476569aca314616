package partnerka

import "time"

// Partner statuses.
const (
	PartnerApplied   = "applied"
	PartnerActive    = "active"
	PartnerSuspended = "suspended"
	PartnerRejected  = "rejected"
)

// Partner is a company or a person who brings customers.
type Partner struct {
	ID            int64      `db:"id" json:"id"`
	Ref           string     `db:"ref" json:"ref"`
	Name          string     `db:"name" json:"name"`
	Kind          string     `db:"kind" json:"kind"`
	Status        string     `db:"status" json:"status"`
	PartnerTypeID *int64     `db:"partner_type_id" json:"partner_type_id,omitempty"`
	RecruiterID   *int64     `db:"recruiter_id" json:"recruiter_id,omitempty"`
	ContactName   string     `db:"contact_name" json:"contact_name"`
	ContactEmail  string     `db:"contact_email" json:"contact_email"`
	Website       string     `db:"website" json:"website"`
	Promotion     string     `db:"promotion" json:"promotion"`
	CertifiedAt   *time.Time `db:"certified_at" json:"certified_at,omitempty"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
}

// Link is a partner's referral link: /r/{Code} redirects to Destination.
type Link struct {
	ID          int64      `db:"id" json:"id"`
	PartnerID   int64      `db:"partner_id" json:"partner_id"`
	Code        string     `db:"code" json:"code"`
	Destination string     `db:"destination_url" json:"destination_url"`
	SubID       string     `db:"sub_id" json:"sub_id"`
	Label       string     `db:"label" json:"label"`
	IsDefault   bool       `db:"is_default" json:"is_default"`
	DisabledAt  *time.Time `db:"disabled_at" json:"disabled_at,omitempty"`
}
