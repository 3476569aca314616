package cabinet

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// rules shows the program rules: the forbidden methods the program has
// switched on, each under its own anchor (the earnings page and the
// dashboard link a rule holding a commission to it), in the words and
// with the thresholds of the current settings, and what happens when one
// shows in a partner's figures. An applicant reads it too, as the terms.
func (s *Server) rules(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	st, err := s.DB.Settings(c.UserContext())
	if err != nil {
		return err
	}
	return c.Type("html").Send(s.Page(c, "rules", u.Locale, web.T(u.Locale, "rules_title"), fiber.Map{
		"Rules": web.PublishedRules(u.Locale, st.Fraud),
	}))
}

// ruleLink is a program rule as a commission under review names it: its
// anchor on the rules page and its title.
type ruleLink struct{ Rule, Title string }

// ruleLinks are the rules holding a commission, as links to the rules
// page, in its order.
func ruleLinks(locale string, rules []string) []ruleLink {
	rules = slices.Clone(rules)
	slices.SortFunc(rules, func(a, b string) int {
		return slices.Index(partnerka.FraudRuleNames, a) - slices.Index(partnerka.FraudRuleNames, b)
	})
	out := make([]ruleLink, 0, len(rules))
	for _, r := range rules {
		out = append(out, ruleLink{Rule: r, Title: fmt.Sprintf(web.T(locale, "cabrules_quoted"), web.RuleTitle(locale, r))})
	}
	return out
}

// reviewNotice is the dashboard's notice of the money under review: how
// many commissions, their amounts per currency and the rules holding
// them, never the evidence behind them.
type reviewNotice struct {
	Text  string // "Commissions under review: 3 (₽1,500.00, $20.00), under the program rule"
	Rules []ruleLink
}

// underReviewNotice is the notice over storage.PartnerUnderReview's rows
// (one per currency; the main currency's amount first), or nil when
// nothing is under review.
func underReviewNotice(rows []storage.UnderReview, main, locale string) *reviewNotice {
	if len(rows) == 0 {
		return nil
	}
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b storage.UnderReview) int { return cmpBool(b.Currency == main, a.Currency == main) })
	var n int64
	var amounts, rules []string
	for _, r := range rows {
		n += r.Commissions
		amounts = append(amounts, web.FormatMoney(partnerka.Money{Amount: r.Amount, Currency: r.Currency}, locale))
		for _, rule := range r.Rules {
			if !slices.Contains(rules, rule) {
				rules = append(rules, rule)
			}
		}
	}
	key := "cabrules_notice"
	if len(rules) > 1 {
		key = "cabrules_notice_many"
	}
	return &reviewNotice{Text: fmt.Sprintf(web.T(locale, key), web.FormatInt(n, locale), strings.Join(amounts, ", ")),
		Rules: ruleLinks(locale, rules)}
}

var _ = web.AddMessages(map[string]string{
	"cabrules_outcome_title": "What happens then",
	"cabrules_terms":         "The program terms: what you earn, for how long, and when it becomes available.",
	"cabrules_terms_link":    "What the program forbids, and what happens then:",
	"cabrules_quoted":        "“%s”",
	"cabrules_notice":        "Commissions under review: %s (%s), under the program rule",
	"cabrules_notice_many":   "Commissions under review: %s (%s), under the program rules",
	"cabrules_notice_after":  "They stay on hold until a manager decides.",
	"cabrules_under_rule":    "rule",
	"cabrules_under_rules":   "rules",
	"cabrules_after_review":  "after the review",
}, map[string]string{
	"cabrules_outcome_title": "Что происходит при нарушении",
	"cabrules_terms":         "Условия программы: сколько вы зарабатываете, как долго и когда деньги становятся доступны.",
	"cabrules_terms_link":    "Что программа запрещает и что происходит при нарушении:",
	"cabrules_quoted":        "«%s»",
	"cabrules_notice":        "Вознаграждений на проверке: %s (%s) — по правилу программы",
	"cabrules_notice_many":   "Вознаграждений на проверке: %s (%s) — по правилам программы",
	"cabrules_notice_after":  "Они остаются в холде, пока менеджер не примет решение.",
	"cabrules_under_rule":    "правило",
	"cabrules_under_rules":   "правила",
	"cabrules_after_review":  "после проверки",
})
