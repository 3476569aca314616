package backoffice

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// evidenceLine is one labelled fact of a flag's evidence, as the review
// page shows it: text, links to what it names, or a code (a click id, an
// address) shown as written.
type evidenceLine struct {
	Label string
	Text  string
	Links []evidenceLink
	Code  []string
}

type evidenceLink struct{ Href, Text string }

// evidence is every key a rule writes into a flag's evidence
// (storage/queries/review.sql and commissions.RefundAnomaly); a rule
// fills its own.
type evidence struct {
	Customer string `json:"customer"`
	Email    string `json:"email"`
	ClickIP  string `json:"click_ip"`
	Matches  []struct {
		Kind, Value, Member string
	} `json:"matches"`

	ClickID   string          `json:"click_id"`
	ClickedAt string          `json:"clicked_at"`
	LeadAt    string          `json:"lead_at"`
	Seconds   decimal.Decimal `json:"seconds"`
	Threshold decimal.Decimal `json:"threshold"`

	From      string          `json:"from"`
	To        string          `json:"to"`
	Customers int64           `json:"customers"`
	Unseen    int64           `json:"unseen"`
	Percent   decimal.Decimal `json:"percent"`
	Sample    []string        `json:"sample"`

	Last24h        int64           `json:"last_24h"`
	Previous28Days int64           `json:"previous_28_days"`
	DailyAverage   decimal.Decimal `json:"daily_average"`
	Factor         decimal.Decimal `json:"factor"`

	Method   string `json:"method"`
	Account  string `json:"account"`
	Partners []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
		Ref  string `json:"ref"`
	} `json:"partners"`

	Network string `json:"network"`
	Clicks  int64  `json:"clicks"`

	Currency         string          `json:"currency"`
	Purchases        int64           `json:"purchases"`
	Paid             decimal.Decimal `json:"paid"`
	Refunded         decimal.Decimal `json:"refunded"`
	ProgramPercent   decimal.Decimal `json:"program_percent"`
	ThresholdPercent int64           `json:"threshold_percent"`
	MinPurchases     int64           `json:"min_purchases"`
}

// evidenceLines turns a flag's rule and evidence into labelled lines in
// the reader's language, instants in their zone (loc). Evidence the page
// cannot read is shown as stored, in one line.
func evidenceLines(lc string, loc *time.Location, f storage.ReviewFlag) []evidenceLine {
	var e evidence
	if err := json.Unmarshal(f.Evidence, &e); err != nil {
		return []evidenceLine{{Label: web.T(lc, "review_ev_raw"), Code: []string{string(f.Evidence)}}}
	}
	var out []evidenceLine
	line := func(key, text string) { out = append(out, evidenceLine{Label: web.T(lc, key), Text: text}) }
	code := func(key string, codes ...string) {
		if len(codes) > 0 && codes[0] != "" {
			out = append(out, evidenceLine{Label: web.T(lc, key), Code: codes})
		}
	}
	at := func(s string) string { return evInstant(s, lc, loc, false) }
	window := func() { line("review_ev_window", at(e.From)+" – "+at(e.To)) }
	customer := func() {
		if e.Customer == "" {
			return
		}
		l := evidenceLine{Label: web.T(lc, "customer")}
		if f.CustomerID != nil {
			l.Links = []evidenceLink{{Href: "/admin/customers/" + strconv.FormatInt(*f.CustomerID, 10), Text: e.Customer}}
		} else {
			l.Text = e.Customer
		}
		out = append(out, l)
	}

	switch f.Rule {
	case partnerka.RuleSelfReferral:
		customer()
		if e.Email != "" {
			line("email", e.Email)
		}
		code("review_ev_click_ip", e.ClickIP)
		for _, m := range e.Matches {
			line("review_ev_match_"+m.Kind, web.Tf(lc, "review_ev_match_of", m.Value, m.Member))
		}
	case partnerka.RuleFastLead:
		customer()
		code("review_ev_click", e.ClickID)
		line("review_ev_clicked_at", evInstant(e.ClickedAt, lc, loc, true))
		line("review_ev_lead_at", evInstant(e.LeadAt, lc, loc, true))
		line("review_ev_seconds", web.Tf(lc, "review_ev_n_seconds", evNumber(e.Seconds, lc)))
		line("review_ev_threshold", web.Tf(lc, "review_ev_under_seconds", evNumber(e.Threshold, lc)))
	case partnerka.RuleCookieStuffing:
		window()
		line("review_ev_click_customers", web.FormatInt(e.Customers, lc))
		line("review_ev_unseen", web.Tf(lc, "review_ev_n_of", web.FormatInt(e.Unseen, lc), evShare(e.Percent, lc)))
		line("review_ev_threshold", web.Tf(lc, "review_ev_over", evPercent(e.Threshold, lc)))
		code("review_ev_sample", e.Sample...)
	case partnerka.RuleSpike:
		line("review_ev_day_to", at(e.To))
		line("review_ev_last_24h", web.FormatInt(e.Last24h, lc))
		line("review_ev_previous", web.Tf(lc, "review_ev_average", web.FormatInt(e.Previous28Days, lc), evNumber(e.DailyAverage, lc)))
		line("review_ev_threshold", web.Tf(lc, "review_ev_times_average", evNumber(e.Factor, lc)))
	case partnerka.RuleSharedDetails:
		if e.Method != "" {
			line("payout_method", web.T(lc, "m_"+e.Method))
		}
		code("account", e.Account)
		l := evidenceLine{Label: web.T(lc, "review_ev_same_account")}
		for _, p := range e.Partners {
			l.Links = append(l.Links, evidenceLink{Href: "/admin/partners/" + strconv.FormatInt(p.ID, 10), Text: p.Name + " (" + p.Ref + ")"})
		}
		if len(l.Links) == 0 {
			l.Text = "—"
		}
		out = append(out, l)
	case partnerka.RuleClickSpam:
		code("review_ev_network", e.Network)
		window()
		line("clicks", web.FormatInt(e.Clicks, lc))
		line("review_ev_threshold", web.Tf(lc, "review_ev_over", evNumber(e.Threshold, lc)))
	case partnerka.RuleRefundAnomaly:
		money := func(d decimal.Decimal) string {
			if !partnerka.ValidCurrency(e.Currency) {
				return d.String() + " " + e.Currency
			}
			return web.FormatMoney(partnerka.Money{Amount: d, Currency: e.Currency}, lc)
		}
		window()
		line("review_ev_purchases", web.FormatInt(e.Purchases, lc))
		line("review_ev_paid", money(e.Paid))
		line("review_ev_refunded", web.Tf(lc, "review_ev_share", money(e.Refunded), evShare(e.Percent, lc)))
		line("review_ev_program_share", evShare(e.ProgramPercent, lc))
		line("review_ev_threshold", web.Tf(lc, "review_ev_refund_threshold", evPercent(decimal.NewFromInt(e.ThresholdPercent), lc),
			evNumber(e.Factor, lc), web.FormatInt(e.MinPurchases, lc)))
	default:
		return []evidenceLine{{Label: web.T(lc, "review_ev_raw"), Code: []string{string(f.Evidence)}}}
	}
	return out
}

// evInstant shows an instant of the evidence in the reader's zone, with
// seconds where they matter (a click and its lead); "—" for none.
func evInstant(s, lc string, loc *time.Location, seconds bool) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if s == "" {
			return "—"
		}
		return s
	}
	t = t.In(loc)
	if seconds {
		return web.FormatDate(t, lc) + " " + t.Format("15:04:05 MST")
	}
	return web.FormatDateTime(t, lc)
}

// evNumber shows a decimal as the locale writes it: "2,5" or "2.5",
// thousands grouped.
func evNumber(d decimal.Decimal, lc string) string { return evDigits(d.String(), lc) }

// evDigits shows a number written with a point the locale's way.
func evDigits(s, lc string) string {
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	out := web.FormatInt(n, lc)
	if frac != "" {
		point := "."
		if lc == "ru" {
			point = ","
		}
		out += point + frac
	}
	if neg {
		out = "−" + out
	}
	return out
}

// evPercent shows a percentage as stored: "62,5 %" or "62.5%" (a
// threshold is a whole number).
func evPercent(d decimal.Decimal, lc string) string { return percentSign(evNumber(d, lc), lc) }

// evShare shows a share the rules computed, to one decimal as they round
// it: "75,0 %".
func evShare(d decimal.Decimal, lc string) string {
	return percentSign(evDigits(d.StringFixed(1), lc), lc)
}

func percentSign(n, lc string) string {
	if lc == "ru" {
		return n + "\u00a0%"
	}
	return n + "%"
}
