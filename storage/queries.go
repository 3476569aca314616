package storage

import (
	"bufio"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"reflect"
	"strings"

	"github.com/jmoiron/sqlx"
)

//go:embed queries/*.sql
var queryFS embed.FS

// Queries holds every named query of queries/*.sql, prepared at start. The
// field tag names the query ("-- name: get-settings"); every query in the
// files must have a field and every field a query, or Prepare fails.
type Queries struct {
	GetSettings             *sqlx.Stmt `query:"get-settings"`
	InsertUser              *sqlx.Stmt `query:"insert-user"`
	UserByEmail             *sqlx.Stmt `query:"user-by-email"`
	PartnerByRef            *sqlx.Stmt `query:"partner-by-ref"`
	VerifyBalances          *sqlx.Stmt `query:"verify-balances"`
	VerifyCachedBalances    *sqlx.Stmt `query:"verify-cached-balances"`
	VerifyReferences        *sqlx.Stmt `query:"verify-references"`
	VerifySampleCustomers   *sqlx.Stmt `query:"verify-sample-customers"`
	VerifyPayments          *sqlx.Stmt `query:"verify-payments"`
	VerifyMonthVolumes      *sqlx.Stmt `query:"verify-month-volumes"`
	VerifyCustomers         *sqlx.Stmt `query:"verify-customers"`
	VerifyTierMonthsDue     *sqlx.Stmt `query:"verify-tier-months-due"`
	VerifyStoredCommissions *sqlx.Stmt `query:"verify-stored-commissions"`

	UpsertPlan          *sqlx.Stmt `query:"upsert-plan"`
	PlanVersionByNumber *sqlx.Stmt `query:"plan-version-by-number"`
	InsertPlanVersion   *sqlx.Stmt `query:"insert-plan-version"`
	InsertPlanRule      *sqlx.Stmt `query:"insert-plan-rule"`
	InsertPlanTier      *sqlx.Stmt `query:"insert-plan-tier"`
	PublishPlanVersion  *sqlx.Stmt `query:"publish-plan-version"`
	UpsertPartnerType   *sqlx.Stmt `query:"upsert-partner-type"`
	UpsertPartner       *sqlx.Stmt `query:"upsert-partner"`
	EnsureContract      *sqlx.Stmt `query:"ensure-contract"`
	UpsertLink          *sqlx.Stmt `query:"upsert-link"`
	UpsertPromoCode     *sqlx.Stmt `query:"upsert-promo-code"`
	UpsertMinPayout     *sqlx.Stmt `query:"upsert-min-payout"`
	UpdateSettings      *sqlx.Stmt `query:"update-settings"`

	TrackerLinks        *sqlx.Stmt `query:"tracker-links"`
	TrackerLinksChanged *sqlx.Stmt `query:"tracker-links-changed"`
	TrackerPartnerLinks *sqlx.Stmt `query:"tracker-partner-links"`
	LinkForUpdate       *sqlx.Stmt `query:"link-for-update"`
	SetLink             *sqlx.Stmt `query:"set-link"`
	TrackerLinkByCode   *sqlx.Stmt `query:"tracker-link-by-code"`
	InsertLink          *sqlx.Stmt `query:"insert-link"`
	PartnerLinkFigures  *sqlx.Stmt `query:"partner-link-figures"`

	EnsureCustomer *sqlx.Stmt `query:"ensure-customer"`

	MarkEvidenceCheckedMany  *sqlx.Stmt `query:"mark-evidence-checked-many"`
	ReserveCustomerIDs       *sqlx.Stmt `query:"reserve-customer-ids"`
	InsertNewCustomers       *sqlx.Stmt `query:"insert-new-customers"`
	CustomersForUpdate       *sqlx.Stmt `query:"customers-for-update"`
	PromoCodesForUpdate      *sqlx.Stmt `query:"promo-codes-for-update"`
	SelfReferralPartnersMany *sqlx.Stmt `query:"self-referral-partners-many"`
	NoteUnboundCustomers     *sqlx.Stmt `query:"note-unbound-customers"`
	BindCustomers            *sqlx.Stmt `query:"bind-customers"`
	InsertDecisions          *sqlx.Stmt `query:"insert-decisions"`

	CustomerForUpdate     *sqlx.Stmt `query:"customer-for-update"`
	ClickChain            *sqlx.Stmt `query:"click-chain"`
	PromoEvidence         *sqlx.Stmt `query:"promo-evidence"`
	PartnerRefEvidence    *sqlx.Stmt `query:"partner-ref-evidence"`
	RegistrationEvidence  *sqlx.Stmt `query:"registration-evidence"`
	PartnerEmails         *sqlx.Stmt `query:"partner-emails"`
	SelfReferralPartners  *sqlx.Stmt `query:"self-referral-partners"`
	InsertLead            *sqlx.Stmt `query:"insert-lead"`
	NoteUnboundCustomer   *sqlx.Stmt `query:"note-unbound-customer"`
	InsertDecision        *sqlx.Stmt `query:"insert-decision"`
	PurchasesWithEvidence *sqlx.Stmt `query:"purchases-with-evidence"`
	MarkEvidenceChecked   *sqlx.Stmt `query:"mark-evidence-checked"`
	CustomerBinding       *sqlx.Stmt `query:"customer-binding"`
	CustomerDecisions     *sqlx.Stmt `query:"customer-decisions"`

	InsertClicks    *sqlx.Stmt `query:"insert-clicks"`
	InsertNewClicks *sqlx.Stmt `query:"insert-new-clicks"`

	InsertPurchase       *sqlx.Stmt `query:"insert-purchase"`
	PurchaseByExternalID *sqlx.Stmt `query:"purchase-by-external-id"`
	PurchaseForRefund    *sqlx.Stmt `query:"purchase-for-refund"`
	RefundedAmount       *sqlx.Stmt `query:"refunded-amount"`
	InsertRefund         *sqlx.Stmt `query:"insert-refund"`
	RefundByExternalID   *sqlx.Stmt `query:"refund-by-external-id"`
	ImportPurchases      *sqlx.Stmt `query:"import-purchases"`
	PurchaseHashes       *sqlx.Stmt `query:"purchase-hashes"`
	APIKeyByHash         *sqlx.Stmt `query:"api-key-by-hash"`
	InsertAPIKey         *sqlx.Stmt `query:"insert-api-key"`
	TouchAPIKey          *sqlx.Stmt `query:"touch-api-key"`

	LockRegistrationKeys *sqlx.Stmt `query:"lock-registration-keys"`
	RegistrationConflict *sqlx.Stmt `query:"registration-conflict"`
	BoundCustomerByEmail *sqlx.Stmt `query:"bound-customer-by-email"`
	InsertRegistration   *sqlx.Stmt `query:"insert-registration"`
	DecideRegistration   *sqlx.Stmt `query:"decide-registration"`
	InsertAudit          *sqlx.Stmt `query:"insert-audit"`

	PlanVersions            *sqlx.Stmt `query:"plan-versions"`
	PlanRules               *sqlx.Stmt `query:"plan-rules"`
	PlanTiers               *sqlx.Stmt `query:"plan-tiers"`
	AllContracts            *sqlx.Stmt `query:"all-contracts"`
	PurchasesToReconcile    *sqlx.Stmt `query:"purchases-to-reconcile"`
	EarlierBinding          *sqlx.Stmt `query:"earlier-binding"`
	PartnerMonthVolumes     *sqlx.Stmt `query:"partner-month-volumes"`
	InsertCommissions       *sqlx.Stmt `query:"insert-commissions"`
	InsertNewCommissions    *sqlx.Stmt `query:"insert-new-commissions"`
	NoteReconciledPurchases *sqlx.Stmt `query:"note-reconciled-purchases"`
	CustomersForLeadRules   *sqlx.Stmt `query:"customers-for-lead-rules"`
	MarkLeadPaid            *sqlx.Stmt `query:"mark-lead-paid"`
	RefundsToReconcile      *sqlx.Stmt `query:"refunds-to-reconcile"`
	CommissionsOfPurchases  *sqlx.Stmt `query:"commissions-of-purchases"`
	MarkTierMonths          *sqlx.Stmt `query:"mark-tier-months"`
	TierMonthsDue           *sqlx.Stmt `query:"tier-months-due"`
	CommissionsToRerate     *sqlx.Stmt `query:"commissions-to-rerate"`
	InsertRerates           *sqlx.Stmt `query:"insert-rerates"`
	InsertReversals         *sqlx.Stmt `query:"insert-reversals"`
	MarkRefundsReconciled   *sqlx.Stmt `query:"mark-refunds-reconciled"`
	ReleaseHolds            *sqlx.Stmt `query:"release-holds"`
	PartnerBalances         *sqlx.Stmt `query:"partner-balances"`

	InsertManualEntry       *sqlx.Stmt `query:"insert-manual-entry"`
	CommissionForReview     *sqlx.Stmt `query:"commission-for-review"`
	VerifyCommissionEntries *sqlx.Stmt `query:"verify-commission-entries"`

	InsertSession      *sqlx.Stmt `query:"insert-session"`
	SessionUser        *sqlx.Stmt `query:"session-user"`
	DeleteSession      *sqlx.Stmt `query:"delete-session"`
	DashboardClicks    *sqlx.Stmt `query:"dashboard-clicks"`
	DashboardCustomers *sqlx.Stmt `query:"dashboard-customers"`
	DashboardFunnel    *sqlx.Stmt `query:"dashboard-funnel"`
	NextRelease        *sqlx.Stmt `query:"next-release"`
	LatestCommissions  *sqlx.Stmt `query:"latest-commissions"`
	PartnerByID        *sqlx.Stmt `query:"partner-by-id"`
	DefaultLinkCode    *sqlx.Stmt `query:"default-link-code"`

	LockPartner         *sqlx.Stmt `query:"lock-partner"`
	AvailableBalance    *sqlx.Stmt `query:"available-balance"`
	MinPayout           *sqlx.Stmt `query:"min-payout"`
	InsertPayout        *sqlx.Stmt `query:"insert-payout"`
	InsertPayoutEntries *sqlx.Stmt `query:"insert-payout-entries"`
	PayoutForUpdate     *sqlx.Stmt `query:"payout-for-update"`
	FourEyesPayouts     *sqlx.Stmt `query:"four-eyes-payouts"`
	SetPayoutStatus     *sqlx.Stmt `query:"set-payout-status"`
	PartnerPayouts      *sqlx.Stmt `query:"partner-payouts"`
	SetPayoutDetails    *sqlx.Stmt `query:"set-payout-details"`
	PayoutDetailsOf     *sqlx.Stmt `query:"payout-details-of"`
	AdminPayouts        *sqlx.Stmt `query:"admin-payouts"`
	AdminPayoutTotals   *sqlx.Stmt `query:"admin-payout-totals"`

	PartnerLinks         *sqlx.Stmt `query:"partner-links"`
	PartnerCommissions   *sqlx.Stmt `query:"partner-commissions"`
	PartnerManualEntries *sqlx.Stmt `query:"partner-manual-entries"`

	InsertApplication *sqlx.Stmt `query:"insert-application"`
	SetUserLocale     *sqlx.Stmt `query:"set-user-locale"`

	InsertPasswordReset *sqlx.Stmt `query:"insert-password-reset"`
	UsePasswordReset    *sqlx.Stmt `query:"use-password-reset"`
	SetUserPassword     *sqlx.Stmt `query:"set-user-password"`
	DeleteUserSessions  *sqlx.Stmt `query:"delete-user-sessions"`

	ContractAt *sqlx.Stmt `query:"contract-at"`
	MinPayouts *sqlx.Stmt `query:"min-payouts"`

	DashboardDaily *sqlx.Stmt `query:"dashboard-daily"`
	PartnerVolume  *sqlx.Stmt `query:"partner-volume"`

	PartnerLinkCode *sqlx.Stmt `query:"partner-link-code"`

	AdminQueries
	PlanQueries
	ReportQueries
	SettingsQueries
	MaterialQueries
	TeamQueries
	ThrottleQueries
	ReviewQueries
	PostbackQueries
	OutboxQueries
	NoticeQueries
	PromoQueries
	BillingQueries
	CabinetListQueries
	ApplicationQueries
	AdminListQueries
	AuditNameQueries
	ClickViewQueries

	stmts []*sqlx.Stmt
}

// parseQueries reads "-- name: x" sections from every embedded file.
func parseQueries() (map[string]string, error) {
	out := map[string]string{}
	files, err := fs.Glob(queryFS, "queries/*.sql")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := queryFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var name string
		var body strings.Builder
		flush := func() error {
			if name == "" {
				return nil
			}
			if _, dup := out[name]; dup {
				return fmt.Errorf("%s: query %q is defined twice", f, name)
			}
			out[name] = strings.TrimSpace(body.String())
			body.Reset()
			return nil
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			line := sc.Text()
			if n, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
				if err := flush(); err != nil {
					return nil, err
				}
				name = strings.TrimSpace(n)
				continue
			}
			if name != "" {
				body.WriteString(line)
				body.WriteByte('\n')
			}
		}
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func prepareQueries(ctx context.Context, db *sqlx.DB) (*Queries, error) {
	texts, err := parseQueries()
	if err != nil {
		return nil, err
	}
	q := &Queries{}
	v := reflect.ValueOf(q).Elem()
	used := map[string]bool{}
	// Fields of embedded structs count too: an area of the code may keep
	// its queries in a struct of its own (AdminQueries, ...).
	for _, f := range reflect.VisibleFields(v.Type()) {
		name := f.Tag.Get("query")
		if name == "" {
			continue
		}
		text, ok := texts[name]
		if !ok {
			q.close()
			return nil, fmt.Errorf("query %q (Queries.%s) is missing from storage/queries", name, f.Name)
		}
		used[name] = true
		// Tag every query with its call site so slow-query logs point at code.
		stmt, err := db.PreparexContext(ctx, "/* storage."+f.Name+" */ "+text)
		if err != nil {
			q.close()
			return nil, fmt.Errorf("prepare query %q: %w", name, err)
		}
		q.stmts = append(q.stmts, stmt)
		v.FieldByIndex(f.Index).Set(reflect.ValueOf(stmt))
	}
	for name := range texts {
		if !used[name] {
			q.close()
			return nil, fmt.Errorf("query %q in storage/queries has no field in storage.Queries", name)
		}
	}
	return q, nil
}

func (q *Queries) close() {
	for _, s := range q.stmts {
		s.Close()
	}
}
