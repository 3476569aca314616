package commissions

import (
	"context"
	"strings"
	"time"

	"partnerka"
	"partnerka/storage"
)

// RegistrationInput is what a partner fills in to register a lead by hand.
type RegistrationInput = partnerka.LeadRegistration

// LeadRegistrar is RegisterLead on db as the cabinet's form calls it:
// answering until when the lead is protected.
func LeadRegistrar(db *storage.DB) func(ctx context.Context, partnerID int64, in partnerka.LeadRegistration, now time.Time) (time.Time, error) {
	return func(ctx context.Context, partnerID int64, in partnerka.LeadRegistration, now time.Time) (time.Time, error) {
		reg, err := RegisterLead(ctx, db, partnerID, in, now)
		if err != nil {
			return time.Time{}, err
		}
		return reg.ProtectedUntil, nil
	}
}

// RegisterLead records a partner's claim on a prospect, protected for the
// program's registration period. It is refused, with the reason, when
// another partner protects the same email or company domain, or when the
// email is already a bound customer. Errors: invalid (with the field),
// conflict (refused: a *partnerka.RegistrationTaken).
func RegisterLead(ctx context.Context, db *storage.DB, partnerID int64, in RegistrationInput, now time.Time) (*storage.Registration, error) {
	st, err := db.Settings(ctx)
	if err != nil {
		return nil, err
	}
	email := partnerka.NormalizeEmail(in.Email)
	if email != "" && (strings.Count(email, "@") != 1 || strings.HasPrefix(email, "@") || strings.HasSuffix(email, "@") || len(email) > 254) {
		return nil, partnerka.FieldError("email", "enter an email such as name@company.com")
	}
	company := strings.TrimSpace(in.Company)
	domain := CompanyDomain(email)
	if site := strings.TrimSpace(in.Website); site != "" {
		d, ok := WebsiteDomain(site)
		if !ok {
			return nil, partnerka.FieldError("website", "enter the company's site such as acme.com or https://acme.com")
		}
		if domain == "" {
			domain = d
		}
	}
	// A registration protects an email or a company domain: a company
	// name alone could never match a lead.
	if email == "" && domain == "" {
		return nil, partnerka.FieldError("website", "enter the prospect's email or the company's site: a company name alone matches no lead")
	}
	for _, f := range []struct{ field, v string }{{"company", company}, {"contact_name", in.ContactName},
		{"phone", in.Phone}} {
		if len(f.v) > 200 {
			return nil, partnerka.FieldError(f.field, "%s is longer than 200 characters", f.field)
		}
	}
	if len(in.Comment) > 2000 {
		return nil, partnerka.FieldError("comment", "the comment is longer than 2000 characters")
	}
	r := &storage.Registration{PartnerID: partnerID, Company: company, ContactName: strings.TrimSpace(in.ContactName),
		Email: email, CompanyDomain: domain, Phone: strings.TrimSpace(in.Phone),
		Comment: strings.TrimSpace(in.Comment), CreatedAt: now,
		ProtectedUntil: now.Add(time.Duration(st.RegistrationProtectionDays) * 24 * time.Hour)}
	conflict, bound, err := db.CreateRegistration(ctx, r)
	switch {
	case err != nil:
		return nil, err
	case bound:
		return nil, &partnerka.RegistrationTaken{Err: &partnerka.Error{Code: partnerka.ECONFLICT, Field: "email",
			Message: "this customer is already attributed in the program"}}
	case conflict != nil:
		refused := &partnerka.RegistrationTaken{Until: conflict.ProtectedUntil, Err: &partnerka.Error{Code: partnerka.ECONFLICT, Field: "email"}}
		what := "this email"
		if email == "" || conflict.Email != email {
			refused.Domain, what = conflict.CompanyDomain, "the company domain "+conflict.CompanyDomain
			if strings.TrimSpace(in.Website) != "" && domain != CompanyDomain(email) {
				refused.Err.Field = "website" // the domain came from the site typed
			}
		}
		refused.Err.Message = what + " is registered by another partner and protected until " + conflict.ProtectedUntil.UTC().Format("2006-01-02")
		return nil, refused
	}
	return r, nil
}
