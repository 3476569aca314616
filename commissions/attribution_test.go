package commissions

import (
	"testing"
	"time"
)

func TestAttribute(t *testing.T) {
	lead := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	window := 90 * 24 * time.Hour
	click := func(partner int64, at time.Time) Click {
		return Click{ID: "c", PartnerID: partner, LinkID: 1, At: at, Attributable: true, PartnerActive: true}
	}
	clickC := func(clicks ...Click) Candidate {
		return Candidate{Source: SourceClick, Claim: "c", Found: len(clicks) > 0, Clicks: clicks}
	}
	promo := func(partner int64, found, active bool) Candidate {
		return Candidate{Source: SourcePromoCode, Claim: "SAVE10", Found: found, PartnerID: partner, PartnerActive: active, PromoCodeID: 7}
	}
	for _, tc := range []struct {
		name        string
		in          AttributionInput
		wantReason  string
		wantPartner int64
		wantSource  string
	}{
		{name: "click inside the window",
			in:         AttributionInput{Candidates: []Candidate{clickC(click(1, lead.Add(-time.Hour)))}},
			wantReason: ReasonAttributed, wantPartner: 1, wantSource: SourceClick},
		{name: "click one second before the window ends",
			in:         AttributionInput{Candidates: []Candidate{clickC(click(1, lead.Add(-window+time.Second)))}},
			wantReason: ReasonAttributed, wantPartner: 1, wantSource: SourceClick},
		{name: "click exactly one window old",
			in:         AttributionInput{Candidates: []Candidate{clickC(click(1, lead.Add(-window)))}},
			wantReason: ReasonExpiredClick, wantSource: SourceClick},
		{name: "click in the same second as the lead",
			in:         AttributionInput{Candidates: []Candidate{clickC(click(1, lead.Add(999*time.Millisecond)))}},
			wantReason: ReasonAttributed, wantPartner: 1, wantSource: SourceClick},
		{name: "click after the lead",
			in:         AttributionInput{Candidates: []Candidate{clickC(click(1, lead.Add(2*time.Second)))}},
			wantReason: ReasonNoEvidence, wantSource: SourceClick},
		{name: "unknown click id",
			in:         AttributionInput{Candidates: []Candidate{clickC()}},
			wantReason: ReasonUnknownCode, wantSource: SourceClick},
		{name: "bot click",
			in:         AttributionInput{Candidates: []Candidate{clickC(Click{PartnerID: 1, At: lead.Add(-time.Hour), PartnerActive: true})}},
			wantReason: ReasonNoEvidence, wantSource: SourceClick},
		{name: "last click wins by default",
			in:         AttributionInput{Candidates: []Candidate{clickC(click(2, lead.Add(-time.Hour)), click(1, lead.Add(-48*time.Hour)))}},
			wantReason: ReasonAttributed, wantPartner: 2, wantSource: SourceClick},
		{name: "first click model takes the earliest in the window",
			in: AttributionInput{FirstClick: true, Candidates: []Candidate{clickC(click(2, lead.Add(-time.Hour)),
				click(1, lead.Add(-48*time.Hour)), click(3, lead.Add(-window-time.Hour)))}},
			wantReason: ReasonAttributed, wantPartner: 1, wantSource: SourceClick},
		{name: "promo code beats a click",
			in:         AttributionInput{Candidates: []Candidate{promo(5, true, true), clickC(click(1, lead.Add(-time.Hour)))}},
			wantReason: ReasonAttributed, wantPartner: 5, wantSource: SourcePromoCode},
		{name: "unknown promo code falls back to the click",
			in:         AttributionInput{Candidates: []Candidate{promo(0, false, false), clickC(click(1, lead.Add(-time.Hour)))}},
			wantReason: ReasonAttributed, wantPartner: 1, wantSource: SourceClick},
		{name: "unknown promo code alone",
			in:         AttributionInput{Candidates: []Candidate{promo(0, false, false)}},
			wantReason: ReasonUnknownCode, wantSource: SourcePromoCode},
		{name: "suspended partner's promo code",
			in:         AttributionInput{Candidates: []Candidate{promo(5, true, false)}},
			wantReason: ReasonPartnerInactive, wantSource: SourcePromoCode},
		{name: "existing customer",
			in:         AttributionInput{ExistingCustomer: true, Candidates: []Candidate{promo(5, true, true)}},
			wantReason: ReasonExistingCustomer},
		{name: "customer recorded as existing earlier",
			in:         AttributionInput{KnownExisting: true, Candidates: []Candidate{promo(5, true, true)}},
			wantReason: ReasonExistingCustomer},
		{name: "already bound customer never moves",
			in:         AttributionInput{BoundPartnerID: 9, BoundAt: lead.Add(-time.Hour), Candidates: []Candidate{promo(5, true, true)}},
			wantReason: ReasonAlreadyBound},
		{name: "self-referral",
			in: AttributionInput{Email: "owner@alpha.test", PartnerEmails: map[int64][]string{5: {"owner@alpha.test"}},
				Candidates: []Candidate{promo(5, true, true)}},
			wantReason: ReasonSelfReferral, wantPartner: 5, wantSource: SourcePromoCode}, // the refusal names the partner refused
		{name: "refused before as a self-referral, now without an email",
			in:         AttributionInput{SelfReferred: map[int64]bool{5: true}, Candidates: []Candidate{promo(5, true, true)}},
			wantReason: ReasonSelfReferral, wantPartner: 5, wantSource: SourcePromoCode},
		{name: "a self-referral of one partner does not stop another",
			in:         AttributionInput{SelfReferred: map[int64]bool{5: true}, Candidates: []Candidate{promo(6, true, true)}},
			wantReason: ReasonAttributed, wantPartner: 6, wantSource: SourcePromoCode},
		{name: "self-referral allowed by the program",
			in: AttributionInput{Email: "owner@alpha.test", AllowSelfReferral: true, PartnerEmails: map[int64][]string{5: {"owner@alpha.test"}},
				Candidates: []Candidate{promo(5, true, true)}},
			wantReason: ReasonAttributed, wantPartner: 5, wantSource: SourcePromoCode},
		{name: "registration first",
			in: AttributionInput{Candidates: []Candidate{{Source: SourceRegistration, Found: true, PartnerID: 4, PartnerActive: true, RegistrationID: 3},
				promo(5, true, true)}},
			wantReason: ReasonAttributed, wantPartner: 4, wantSource: SourceRegistration},
		{name: "no claims", in: AttributionInput{}, wantReason: ReasonNoEvidence},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.OccurredAt, tc.in.Window = lead, window
			d := Attribute(tc.in)
			if d.Reason != tc.wantReason || d.PartnerID != tc.wantPartner || d.Source != tc.wantSource {
				t.Errorf("got %s partner %d source %q (%s), want %s partner %d source %q",
					d.Reason, d.PartnerID, d.Source, d.Detail, tc.wantReason, tc.wantPartner, tc.wantSource)
			}
			if d.Detail == "" && d.Reason != ReasonAttributed {
				t.Error("a refusal without a detail")
			}
		})
	}
}

func TestWebsiteDomain(t *testing.T) {
	for in, want := range map[string]string{
		"acme.com": "acme.com", "https://www.Acme.com/about?x=1": "acme.com", "http://shop.acme.co.uk:8080/": "shop.acme.co.uk",
		"acme.com.": "acme.com", "gmail.com": "", "https://mail.ru": "", "localhost": "", "not a site": "", "..com": "", "": "",
		"user@acme.com": "acme.com", "co.uk": "", "https://www.com.ru/": "", "github.io": "", "acme.github.io": "acme.github.io",
	} {
		got, ok := WebsiteDomain(in)
		if got != want || ok != (want != "") {
			t.Errorf("WebsiteDomain(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
