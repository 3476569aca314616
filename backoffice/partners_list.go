package backoffice

import (
	"context"
	"encoding/csv"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// partnerStatuses are the statuses the list filters by, in its tabs' order.
var partnerStatuses = []string{partnerka.PartnerApplied, partnerka.PartnerActive, partnerka.PartnerSuspended, partnerka.PartnerRejected}

// partnerSortColumns are the list's sortable columns and the direction a
// first click sorts them in: names A to Z, the rest largest (newest) first.
var partnerSortColumns = []struct{ key, first string }{
	{"name", "name"}, {"created", "-created"}, {"revenue", "-revenue"}, {"customers", "-customers"},
}

// partnerListFilter reads the list's filter from the query: a status (""
// for all), a search, and a sort among storage.PartnerSorts; the
// applications queue lists the oldest first, the rest the newest first.
func (s *Server) partnerListFilter(c *fiber.Ctx) (storage.PartnerListFilter, error) {
	f := storage.PartnerListFilter{Status: c.Query("status"), Search: strings.TrimSpace(c.Query("q")), Sort: c.Query("sort")}
	if !slices.Contains(partnerStatuses, f.Status) {
		f.Status = ""
	}
	if r := []rune(f.Search); len(r) > 200 {
		f.Search = string(r[:200])
	}
	if !slices.Contains(storage.PartnerSorts, f.Sort) {
		f.Sort = "-created"
		if f.Status == partnerka.PartnerApplied {
			f.Sort = "created"
		}
	}
	st, err := s.Read(c).Settings(c.UserContext())
	f.Currency = st.DefaultCurrency
	return f, err
}

// query is the filter as URL parameters, for the pager, the sort links
// and the export.
func partnerListQuery(f storage.PartnerListFilter) url.Values {
	q := url.Values{}
	if f.Status != "" {
		q.Set("status", f.Status)
	}
	if f.Search != "" {
		q.Set("q", f.Search)
	}
	q.Set("sort", f.Sort)
	return q
}

// adminPartners lists partners a page at a time with their customers,
// revenue and earnings to date: the applications queue (oldest first) or
// partners filtered by status and a search, sorted by a column.
func (s *Server) adminPartners(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	ctx, db := c.UserContext(), s.Read(c)
	f, err := s.partnerListFilter(c)
	if err != nil {
		return err
	}
	page := pageNumber(c)
	f.Limit, f.Offset = listPage, (page-1)*listPage
	rows, total, err := db.PartnerList(ctx, f)
	if err != nil {
		return err
	}
	if len(rows) == 0 && total > 0 && page > lastPage(total) {
		page = lastPage(total) // past the end (the list shrank): its last page
		f.Offset = (page - 1) * listPage
		if rows, total, err = db.PartnerList(ctx, f); err != nil {
			return err
		}
	}
	loc := web.UserLoc(u)
	type view struct {
		storage.PartnerListRow
		Created, StatusText, Customers string
		Revenue, Earnings              string   // in the program's currency
		OtherRevenue, OtherEarnings    []string // in the others, by currency
	}
	out := make([]view, len(rows))
	for i, r := range rows {
		v := view{PartnerListRow: r, Created: web.FormatDate(r.CreatedAt.In(loc), u.Locale), StatusText: web.T(u.Locale, "ps_"+r.Status),
			Customers: web.FormatInt(r.Customers, u.Locale)}
		v.Revenue, v.OtherRevenue = mainAndOthers(r.Revenue, f.Currency, u.Locale)
		v.Earnings, v.OtherEarnings = mainAndOthers(r.Earnings, f.Currency, u.Locale)
		out[i] = v
	}
	query := partnerListQuery(f)
	var tabs []fiber.Map
	for _, st := range append(slices.Clone(partnerStatuses), "") {
		label := web.T(u.Locale, "ps_"+st)
		if st == "" {
			label = web.T(u.Locale, "all")
		}
		href := "/admin/partners"
		if st != "" {
			href += "?status=" + st
		}
		tabs = append(tabs, fiber.Map{"Href": href, "Label": label, "Current": st == f.Status})
	}
	sorts := map[string]fiber.Map{}
	for _, col := range partnerSortColumns {
		next, aria, arrow := col.first, "none", ""
		switch f.Sort {
		case col.key:
			next, aria, arrow = "-"+col.key, "ascending", " ▲"
		case "-" + col.key:
			next, aria, arrow = col.key, "descending", " ▼"
		}
		q := partnerListQuery(f)
		q.Set("sort", next)
		sorts[col.key] = fiber.Map{"Href": "/admin/partners?" + q.Encode(), "Aria": aria, "Arrow": arrow}
	}
	return c.Type("html").Send(s.Page(c, "admin_partners", u.Locale, web.T(u.Locale, "partners"), fiber.Map{
		"Rows": out, "Tabs": tabs, "Status": f.Status, "Q": f.Search, "Sort": f.Sort, "Sorts": sorts,
		"Applications": f.Status == partnerka.PartnerApplied, "Currency": f.Currency,
		"Pager": pagerView("/admin/partners", query, page, len(rows), total, u.Locale),
		"CSV":   "/admin/partners.csv?" + query.Encode(), "Note": web.Tf(u.Locale, "plist_note", f.Currency),
	}))
}

// mainAndOthers formats amounts: the one in the program's currency (zero
// when there is none), and the others, by currency.
func mainAndOthers(m storage.MoneyList, main, locale string) (string, []string) {
	first := web.FormatMoney(partnerka.Money{Amount: m.In(main), Currency: main}, locale)
	var others []string
	for _, x := range m {
		if x.Currency != main {
			others = append(others, web.FormatMoney(x, locale))
		}
	}
	return first, others
}

// partnersCSV exports the list as filtered and sorted, every page of it:
// one line per partner and currency (the program's currency first), plain
// decimal amounts; a partner without money has one line with none.
func (s *Server) partnersCSV(c *fiber.Ctx) error {
	f, err := s.partnerListFilter(c)
	if err != nil {
		return err
	}
	name := "partners-" + s.Now().UTC().Format(time.DateOnly) + ".csv"
	return s.StreamCSV(c, web.CSVOwner(c), name, func(ctx context.Context, w *csv.Writer) error {
		if err := w.Write(partnersCSVHeader); err != nil {
			return err
		}
		return s.DB.EachPartnerListRow(ctx, f, func(r storage.PartnerListRow) error {
			for _, line := range partnerCSVLines(r, f.Currency) {
				if err := w.Write(line); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

var partnersCSVHeader = []string{"partner_id", "ref", "name", "status", "kind", "type", "plan", "contact_name", "contact_email",
	"created_at", "customers", "currency", "revenue", "earnings"}

func partnerCSVLines(r storage.PartnerListRow, main string) [][]string {
	head := []string{strconv.FormatInt(r.ID, 10), r.Ref, web.CSVSafe(r.Name), r.Status, r.Kind, web.CSVSafe(r.TypeName), web.CSVSafe(r.Plan),
		web.CSVSafe(r.ContactName), web.CSVSafe(r.ContactEmail), r.CreatedAt.UTC().Format(time.RFC3339), strconv.FormatInt(r.Customers, 10)}
	var curs []string
	for _, m := range append(slices.Clone(r.Revenue), r.Earnings...) {
		if !slices.Contains(curs, m.Currency) {
			curs = append(curs, m.Currency)
		}
	}
	slices.SortFunc(curs, func(a, b string) int {
		switch {
		case a == main:
			return -1
		case b == main:
			return 1
		}
		return strings.Compare(a, b)
	})
	if len(curs) == 0 {
		return [][]string{append(head, "", "", "")}
	}
	var out [][]string
	for _, cur := range curs {
		out = append(out, append(slices.Clone(head), cur, repAmount(r.Revenue.In(cur), cur), repAmount(r.Earnings.In(cur), cur)))
	}
	return out
}

var _ = web.AddMessages(map[string]string{
	"plist_partner": "Partner", "plist_customers": "Customers", "plist_revenue": "Revenue", "plist_earnings": "Earnings", "plist_export": "Export CSV",
	"plist_note": "Figures to date. Revenue: what the partner's customers paid, minus refunds; earnings: what the partner earned, net of refunds, whether pending, available or paid out. Sorting by revenue reads it in %s; other currencies are listed below it.",
}, map[string]string{
	"plist_partner": "Партнёр", "plist_customers": "Клиенты", "plist_revenue": "Выручка", "plist_earnings": "Вознаграждение", "plist_export": "Выгрузить CSV",
	"plist_note": "Данные на сегодня. Выручка — оплаты клиентов партнёра за вычетом возвратов; вознаграждение — начисленное партнёру за вычетом сторно, в холде, доступное и выплаченное. Сортировка по выручке — в %s; другие валюты указаны под суммой.",
})
