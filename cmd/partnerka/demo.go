package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// DemoPassword is the password of every demo login.
const DemoPassword = "partnerka-demo"

func rub(s string) partnerka.Money {
	return partnerka.Money{Amount: decimal.RequireFromString(s), Currency: "RUB"}
}

// demoSeed is the demo program: two plans, two active partners (one
// recruited by the other), one application waiting, and one staff user of
// each role.
func demoSeed() storage.Seed {
	pct := decimal.RequireFromString
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	site := "https://demo.example.com/"
	return storage.Seed{
		Settings: &partnerka.Settings{
			Name: "Demo CRM partner program", DefaultCurrency: "RUB",
			DefaultLandingURL: site, AllowedDomains: []string{"demo.example.com", "example.com"},
			AttributionWindowDays: 90, AttributionModel: "last_click", HoldDays: 30,
			RegistrationProtectionDays: 90, CookieName: "pk_ref", ClickParam: "pk_click", FourEyesPayouts: true, AllowCodeRequests: true,
			Fraud: partnerka.DefaultFraudRules(),
			Terms: "Earn on every payment of every customer you bring, for as long as they pay. " +
				"Commissions are held for 30 days, then become available for payout. " +
				"Brand bidding, spam and cookie stuffing are forbidden.",
		},
		MinPayouts: []partnerka.Money{rub("1000"), {Amount: pct("20"), Currency: "USD"}, {Amount: pct("20"), Currency: "EUR"}},
		Plans: []storage.SeedPlan{
			{Name: "Referral", Description: "Lifetime revenue share with volume tiers", Version: 1, Rules: []partnerka.Rule{
				{Event: partnerka.EventSale, Level: 1, Kind: partnerka.KindPercent, Percent: pct("20"), Payments: partnerka.PaymentsAll,
					Tiers: []partnerka.Tier{{MinVolume: rub("100000"), Percent: pct("25")}, {MinVolume: rub("500000"), Percent: pct("30")}}},
				{Event: partnerka.EventSale, Level: 2, Kind: partnerka.KindPercent, Percent: pct("5"), Payments: partnerka.PaymentsAll},
			}},
			{Name: "Dealer", Description: "Higher share for the first year, plus a fee per qualified lead", Version: 1, Rules: []partnerka.Rule{
				{Event: partnerka.EventSale, Level: 1, Kind: partnerka.KindPercent, Percent: pct("30"), Payments: partnerka.PaymentsAll, DurationMonths: 12},
				{Event: partnerka.EventLead, Level: 1, Kind: partnerka.KindFlat, Flat: rub("500"), Payments: partnerka.PaymentsAll},
			}},
		},
		PartnerTypes: []storage.SeedPartnerType{
			{Code: "referral", Name: "Referral partner", Plan: "Referral"},
			{Code: "dealer", Name: "Dealer", Plan: "Dealer"},
		},
		Partners: []storage.SeedPartner{
			{
				Partner: partnerka.Partner{Ref: "alpha", Name: "Alpha Media", Kind: "company", Status: partnerka.PartnerActive,
					ContactName: "Anna Petrova", ContactEmail: "anna@alpha.example.com", Website: "https://alpha.example.com", Promotion: "Blog and newsletter"},
				Type: "referral", Plan: "Referral", ContractStart: start,
				Users: []partnerka.User{
					{Email: "alpha@demo.partnerka.test", Name: "Anna Petrova", Role: partnerka.RoleOwner, Locale: "ru"},
					{Email: "alpha-team@demo.partnerka.test", Name: "Ivan Sidorov", Role: partnerka.RoleMember, Locale: "ru"},
				},
				Links: []partnerka.Link{
					{Code: "alpha", Destination: site, IsDefault: true, Label: "Main link"},
					{Code: "alpha-blog", Destination: site + "pricing", SubID: "blog", Label: "Blog: pricing review"},
				},
				PromoCodes: []string{"ALPHA10"},
			},
			{
				Partner: partnerka.Partner{Ref: "beta", Name: "Beta Integrations", Kind: "company", Status: partnerka.PartnerActive,
					ContactName: "Boris Kim", ContactEmail: "boris@beta.example.com", Website: "https://beta.example.com", Promotion: "Implementation projects"},
				Type: "dealer", RecruiterRef: "alpha", Plan: "Dealer", ContractStart: start,
				Users:      []partnerka.User{{Email: "beta@demo.partnerka.test", Name: "Boris Kim", Role: partnerka.RoleOwner, Locale: "en"}},
				Links:      []partnerka.Link{{Code: "beta", Destination: site, IsDefault: true, Label: "Main link"}},
				PromoCodes: []string{"BETA"},
			},
			{
				Partner: partnerka.Partner{Ref: "gamma", Name: "Gamma Blog", Kind: "person", Status: partnerka.PartnerApplied,
					ContactName: "Galina Orlova", ContactEmail: "galina@gamma.example.com", Website: "https://gamma.example.com", Promotion: "YouTube reviews"},
				Type:  "referral",
				Users: []partnerka.User{{Email: "gamma@demo.partnerka.test", Name: "Galina Orlova", Role: partnerka.RoleOwner, Locale: "ru"}},
			},
		},
		Staff: []partnerka.User{
			{Email: "admin@demo.partnerka.test", Name: "Demo admin", Role: partnerka.RoleAdmin},
			{Email: "manager@demo.partnerka.test", Name: "Demo manager", Role: partnerka.RoleManager, Locale: "ru"},
			{Email: "finance@demo.partnerka.test", Name: "Demo finance", Role: partnerka.RoleFinance},
		},
	}
}

// demoReport is what `demo --json` prints for scripts.
type demoReport struct {
	Program    string        `json:"program"`
	TrackerURL string        `json:"tracker_url"`
	CabinetURL string        `json:"cabinet_url"`
	AdminURL   string        `json:"admin_url"`
	Password   string        `json:"password"`
	Plans      []demoPlan    `json:"plans"`
	Partners   []demoPartner `json:"partners"`
	Staff      []demoLogin   `json:"staff"`
}

type demoPlan struct {
	Name      string `json:"name"`
	Version   int    `json:"version"`
	VersionID int64  `json:"version_id"`
}

type demoPartner struct {
	ID         int64       `json:"id"`
	Ref        string      `json:"ref"`
	Name       string      `json:"name"`
	Status     string      `json:"status"`
	Plan       string      `json:"plan,omitempty"`
	Logins     []demoLogin `json:"logins"`
	Links      []demoLink  `json:"links"`
	PromoCodes []string    `json:"promo_codes"`
}

type demoLogin struct {
	ID       int64  `json:"id"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Role     string `json:"role"`
}

type demoLink struct {
	ID   int64  `json:"id"`
	Code string `json:"code"`
	URL  string `json:"url"`
}

func runDemo(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the loaded program as JSON")
	activity := fs.Bool("activity", true, "also load six months of clicks, leads, customers, commissions and payouts")
	if err := fs.Parse(args); err != nil {
		return usagef("demo: %v", err)
	}
	db, err := m.openDB(ctx, true)
	if err != nil {
		return err
	}
	seed := demoSeed()
	hash, err := web.HashPassword(DemoPassword)
	if err != nil {
		return err
	}
	for i := range seed.Staff {
		seed.Staff[i].PasswordHash = hash
	}
	for i := range seed.Partners {
		for j := range seed.Partners[i].Users {
			seed.Partners[i].Users[j].PasswordHash = hash
		}
	}
	res, err := db.LoadSeed(ctx, seed)
	if err != nil {
		return fmt.Errorf("load demo: %w", err)
	}
	if err := demoMaterials(ctx, db); err != nil {
		return fmt.Errorf("load demo materials: %w", err)
	}
	act := demoActivity{Skipped: "demo --activity=false"}
	if *activity {
		if act, err = m.loadDemoActivity(ctx, db, seed, res); err != nil {
			return fmt.Errorf("load demo activity: %w", err)
		}
	}
	rep := m.demoReport(seed, res)
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.print(m.Stdout)
	fmt.Fprintf(m.Stdout, "  %s.\n\n", title(act.String()))
	return nil
}

// print writes what a person needs to try the demo: where to go, who to be.
func (rep demoReport) print(w io.Writer) {
	fmt.Fprintf(w, "\nDemo program %q is loaded.\n\n", rep.Program)
	fmt.Fprintf(w, "  Tracker      %s   (for example %s/r/alpha)\n", rep.TrackerURL, rep.TrackerURL)
	fmt.Fprintf(w, "  Vendor API   %s/api/v1/...   (create a key: partnerka apikey create --name demo)\n", rep.TrackerURL)
	fmt.Fprintf(w, "  Cabinet      %s/login   (partners sign in here)\n", rep.CabinetURL)
	fmt.Fprintf(w, "  Back office  %s   (staff sign in at the same /login)\n\n", rep.AdminURL)
	fmt.Fprintf(w, "  Demo logins, password %s:\n", rep.Password)
	for _, s := range rep.Staff {
		fmt.Fprintf(w, "  %-34s staff, %s\n", s.Email, s.Role)
	}
	for _, p := range rep.Partners {
		for _, l := range p.Logins {
			fmt.Fprintf(w, "  %-34s %s of %s (%s)\n", l.Email, l.Role, p.Name, p.Status)
		}
	}
	fmt.Fprintln(w)
}

func (m *Main) demoReport(seed storage.Seed, res *storage.SeedResult) demoReport {
	rep := demoReport{
		Program: seed.Settings.Name, TrackerURL: m.Config.TrackerURL,
		CabinetURL: m.Config.CabinetURL, AdminURL: m.Config.CabinetURL + "/admin", Password: DemoPassword,
	}
	for _, p := range seed.Plans {
		rep.Plans = append(rep.Plans, demoPlan{Name: p.Name, Version: p.Version, VersionID: res.PlanVersions[p.Name]})
	}
	for _, p := range seed.Partners {
		dp := demoPartner{ID: res.Partners[p.Ref], Ref: p.Ref, Name: p.Name, Status: p.Status, PromoCodes: p.PromoCodes, Links: []demoLink{}}
		if p.Plan != "" {
			dp.Plan = fmt.Sprintf("%s v%d", p.Plan, planVersion(seed, p.Plan))
		}
		for _, u := range p.Users {
			dp.Logins = append(dp.Logins, demoLogin{ID: res.Users[u.Email], Email: u.Email, Password: DemoPassword, Role: u.Role})
		}
		for _, l := range p.Links {
			dp.Links = append(dp.Links, demoLink{ID: res.Links[l.Code], Code: l.Code, URL: m.Config.TrackerURL + "/r/" + l.Code})
		}
		rep.Partners = append(rep.Partners, dp)
	}
	for _, u := range seed.Staff {
		rep.Staff = append(rep.Staff, demoLogin{ID: res.Users[u.Email], Email: u.Email, Password: DemoPassword, Role: u.Role})
	}
	return rep
}

func planVersion(seed storage.Seed, name string) int {
	for _, p := range seed.Plans {
		if p.Name == name {
			return p.Version
		}
	}
	return 0
}

// demoMaterials adds a banner, a text and an email template when the
// program has no materials yet (so loading the demo twice adds nothing).
func demoMaterials(ctx context.Context, db *storage.DB) error {
	have, err := db.Materials(ctx)
	if err != nil || len(have) > 0 {
		return err
	}
	img := image.NewRGBA(image.Rect(0, 0, 468, 60))
	for y := 0; y < 60; y++ {
		for x := 0; x < 468; x++ {
			img.Set(x, y, color.RGBA{R: 31, G: uint8(95 + x/8), B: 191, A: 255})
		}
	}
	var banner bytes.Buffer
	if err := png.Encode(&banner, img); err != nil {
		return err
	}
	for _, m := range []storage.NewMaterial{
		{Kind: "banner", Title: "Demo CRM 468×60", Image: banner.Bytes(), ImageType: "image/png"},
		{Kind: "text", Title: "Short post", Body: "We run our sales on Demo CRM. Try it free: {link} (promo code {promo_code} gives 10% off the first year)."},
		{Kind: "email", Title: "Intro email", Body: "Subject: The CRM we use\n\nHi,\n\nwe moved our sales team to Demo CRM last year and never looked back. " +
			"You can try it free here: {link}\nWith the code {promo_code} the first year is 10% cheaper.\n\nBest regards"},
	} {
		m.At = db.Now()
		if _, err := db.CreateMaterial(ctx, storage.Actor{}, m); err != nil {
			return err
		}
	}
	return nil
}
