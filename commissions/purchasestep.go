package commissions

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
)

// engine holds what one reconciler pass reads once: plans (immutable once
// published), contracts, and partners' monthly volumes as they are needed.
type engine struct {
	db        *storage.DB
	holdDays  int
	plans     map[int64]*partnerka.PlanVersion
	contracts map[int64][]storage.Contract
	mu        sync.Mutex // guards volumes, shared by the step's workers
	volumes   map[time.Time]map[int64][]partnerka.Money
	// Partners with a postback URL: their new commissions queue a
	// postback (a URL set during a pass counts from the next one).
	postbackPartners []int64
}

func newEngine(ctx context.Context, db *storage.DB) (*engine, error) {
	st, err := db.Settings(ctx)
	if err != nil {
		return nil, err
	}
	plans, err := db.PlanVersions(ctx)
	if err != nil {
		return nil, err
	}
	contracts, err := db.Contracts(ctx)
	if err != nil {
		return nil, err
	}
	postbacks, err := db.PostbackPartners(ctx)
	if err != nil {
		return nil, err
	}
	return &engine{db: db, holdDays: st.HoldDays, plans: plans, contracts: contracts,
		volumes: map[time.Time]map[int64][]partnerka.Money{}, postbackPartners: postbacks}, nil
}

// contractAt returns the partner's contract in force at t, if any.
func (e *engine) contractAt(partnerID int64, t time.Time) *storage.Contract {
	cs := e.contracts[partnerID]
	for i := range cs {
		c := &cs[i]
		if !t.Before(c.StartsAt) && (c.EndsAt == nil || t.Before(*c.EndsAt)) {
			return c
		}
	}
	return nil
}

// recruiterOf returns the partner who recruited partnerID, or 0.
func (e *engine) recruiterOf(partnerID int64) int64 {
	for _, c := range e.contracts[partnerID] {
		if c.RecruiterID != nil {
			return *c.RecruiterID
		}
	}
	return 0
}

// volume returns a partner's paid volume in currency over the calendar
// month before t.
func (e *engine) volume(ctx context.Context, tx *storage.CommissionTx, partnerID int64, t time.Time) (func(string) decimal.Decimal, error) {
	month := previousMonth(t)
	e.mu.Lock()
	v, ok := e.volumes[month]
	if !ok {
		var err error
		if v, err = tx.MonthVolumes(ctx, month, nil); err != nil {
			e.mu.Unlock()
			return nil, err
		}
		e.volumes[month] = v
	}
	e.mu.Unlock()
	return volumeIn(v[partnerID]), nil
}

// volumeIn returns the amount of a partner's volume (one Money per
// currency) in a currency, zero when it has none in it.
func volumeIn(vs []partnerka.Money) func(string) decimal.Decimal {
	return func(currency string) decimal.Decimal {
		for _, m := range vs {
			if m.Currency == currency {
				return m.Amount
			}
		}
		return decimal.Zero
	}
}

func (e *engine) hold(t time.Time) time.Time {
	return t.Add(time.Duration(e.holdDays) * 24 * time.Hour)
}

// row builds the commission row of an earning.
func (e *engine) row(partnerID, customerID, purchaseID int64, event string, level int, c *storage.Contract, earn Earning, at time.Time) storage.CommissionRow {
	r := storage.CommissionRow{PartnerID: partnerID, CustomerID: customerID, PurchaseID: purchaseID, Event: event,
		Level: level, ContractID: c.ID, PlanVersionID: c.PlanVersionID, RuleID: earn.Rule.ID,
		Base: earn.Base.Amount, Unrounded: earn.Unrounded, Amount: earn.Amount, EarnedAt: at, HoldUntil: e.hold(at),
		Explanation: earn.Explanation}
	if earn.Tier != nil {
		r.TierMinVolume = decimal.NewNullDecimal(earn.Tier.MinVolume.Amount)
	}
	if earn.Rule.Kind == partnerka.KindPercent {
		r.Percent = decimal.NewNullDecimal(earn.Percent)
	}
	return r
}

// PurchaseStep turns purchases into commissions, at level 1 for the
// customer's partner and level 2 for that partner's recruiter, each under
// the contract in force on the purchase date. A batch is one transaction:
// taking the purchases off the waiting queue, their commissions and ledger
// entries, and their notes commit together, so a crash leaves the batch to
// be done again whole.
type PurchaseStep struct {
	DB    *storage.DB
	Batch int
	// Workers is how many batches run at once, each in its own
	// transaction; SKIP LOCKED gives each a different batch.
	Workers int

	afterBatch func() // tests: called after each batch commits
}

// Name implements Step.
func (s *PurchaseStep) Name() string { return "purchases" }

// Run implements Step.
func (s *PurchaseStep) Run(ctx context.Context) (int, error) {
	// The engine keeps the monthly volumes it reads for the pass: no
	// re-rate runs meanwhile (storage.HoldRatings).
	release, err := s.DB.HoldRatings(ctx, false)
	if err != nil {
		return 0, err
	}
	defer release()
	e, err := newEngine(ctx, s.DB)
	if err != nil {
		return 0, err
	}
	batch, workers := s.Batch, s.Workers
	if batch == 0 {
		batch = 5000
	}
	if workers == 0 {
		workers = 2
	}
	var mu sync.Mutex // guards done
	done := 0
	err = parallel(workers, func() (bool, error) {
		n, err := s.batch(ctx, e, batch, false)
		if storage.IsUniqueViolation(err, "commissions_purchase") {
			// A commission of the batch exists although its purchase was
			// waiting (none should): the batch rolled back; do it again,
			// skipping what exists.
			n, err = s.batch(ctx, e, batch, true)
		}
		if err == nil && n > 0 && s.afterBatch != nil {
			s.afterBatch()
		}
		mu.Lock()
		done += n
		mu.Unlock()
		return n > 0, err
	})
	return done, err
}

// batch reconciles up to size purchases in one transaction and returns how
// many it took.
func (s *PurchaseStep) batch(ctx context.Context, e *engine, size int, skipExisting bool) (int, error) {
	n := 0
	err := s.DB.InCommissionTx(ctx, func(tx *storage.CommissionTx) error {
		ps, err := tx.PurchasesToReconcile(ctx, size)
		if err != nil {
			return err
		}
		n = len(ps)
		rows := make([]storage.CommissionRow, 0, 2*n)
		var notes []storage.PurchaseNote
		for i := range ps {
			p := &ps[i]
			var note string
			var partner, noted int64 // partner: the one it earns for, 0 if none
			if rows, note, partner, err = e.purchase(ctx, tx, p, rows); err != nil {
				return err
			}
			if p.NotedPartnerID != nil {
				noted = *p.NotedPartnerID
			}
			if partner != noted || note != p.Noted {
				notes = append(notes, storage.PurchaseNote{Purchase: p, Note: note != p.Noted, NoteText: note,
					Partner: partner != noted, PartnerID: partner})
			}
		}
		if err := tx.NotePurchases(ctx, notes); err != nil {
			return err
		}
		// Each payment counts in its month's volume: the next month's
		// commissions already rated on it are re-rated (RerateStep).
		all := make([]int64, len(ps))
		for i := range ps {
			all[i] = ps[i].ID
		}
		if err := tx.MarkTierMonths(ctx, all, nil, e.holdDays); err != nil {
			return err
		}
		// In partner and time order: the indexes by partner (the cabinet's,
		// and the ledger's pending entries) then take each partner's rows
		// at one place, instead of one scattered page per row.
		slices.SortStableFunc(rows, func(a, b storage.CommissionRow) int {
			return cmp.Or(cmp.Compare(a.PartnerID, b.PartnerID), a.EarnedAt.Compare(b.EarnedAt))
		})
		// Last: the ledger's balance rows stay locked until the commit, and
		// the other workers' batches wait on them.
		return tx.InsertCommissions(ctx, rows, skipExisting, e.postbackPartners)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// parallel runs work on workers goroutines until each reports there is no
// more (or an error); it returns the first error.
func parallel(workers int, work func() (more bool, err error)) error {
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				more, err := work()
				if err != nil {
					errs <- err
					return
				}
				if !more {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// purchase appends the commissions of one purchase to rows and returns the
// partner it earns for (the customer's on the purchase date), or returns
// the note saying why it earns nothing (and partner 0).
func (e *engine) purchase(ctx context.Context, tx *storage.CommissionTx, p *storage.PurchaseToReconcile, rows []storage.CommissionRow) ([]storage.CommissionRow, string, int64, error) {
	switch {
	case p.CustomerID == nil:
		return rows, "the customer was never reported as a lead", 0, nil
	case p.PartnerID == nil:
		return rows, "the customer is not attributed to a partner", 0, nil
	}
	partner, bound, index := *p.PartnerID, *p.BoundAt, p.PaymentIndex
	if p.OccurredAt.Before(bound) {
		// A reassignment is not retroactive: a payment made before it,
		// even one reported after it, earns for the partner the customer
		// was bound to then.
		var b *storage.EarlierBinding
		if p.Reassigned {
			var err error
			if b, err = tx.EarlierBinding(ctx, *p.CustomerID, p.ID, p.OccurredAt); err != nil {
				return rows, "", 0, err
			}
		}
		if b == nil {
			return rows, "paid before the customer was bound to the partner", 0, nil
		}
		partner, bound, index = b.PartnerID, b.BoundAt, b.PaymentIndex
	}
	pay := Payment{Amount: partnerka.Money{Amount: p.Amount, Currency: p.Currency}, Product: p.Product,
		Index: index, BoundAt: bound, OccurredAt: p.OccurredAt}
	before := len(rows)
	c := e.contractAt(partner, p.OccurredAt)
	if c == nil {
		return rows, "the partner had no contract in force on the purchase date", 0, nil
	}
	for i, earner := range []int64{partner, e.recruiterOf(partner)} {
		level := i + 1
		if earner == 0 {
			continue
		}
		ec := c
		if level == 2 { // the recruiter earns under their own contract
			if ec = e.contractAt(earner, p.OccurredAt); ec == nil {
				continue
			}
		}
		pv := e.plans[ec.PlanVersionID]
		if pv == nil {
			return rows[:before], "", 0, fmt.Errorf("contract %d names plan version %d, which is not published", ec.ID, ec.PlanVersionID)
		}
		vol, err := e.volume(ctx, tx, earner, p.OccurredAt)
		if err != nil {
			return rows[:before], "", 0, err
		}
		if earn, ok := EarnSale(pv, level, pay, vol); ok {
			rows = append(rows, e.row(earner, *p.CustomerID, p.ID, partnerka.EventSale, level, ec, earn, p.OccurredAt))
		}
	}
	if len(rows) == before {
		pv := e.plans[c.PlanVersionID]
		return rows, fmt.Sprintf("no rule of plan %s v%d matches this payment", pv.Plan, pv.Version), 0, nil
	}
	return rows, "", partner, nil
}

// LeadRuleStep pays lead (CPL) rules once per bound customer, under the
// contract in force when the customer was bound.
type LeadRuleStep struct {
	DB *storage.DB
}

// Name implements Step.
func (s *LeadRuleStep) Name() string { return "lead_rules" }

// Run implements Step.
func (s *LeadRuleStep) Run(ctx context.Context) (int, error) {
	e, err := newEngine(ctx, s.DB)
	if err != nil {
		return 0, err
	}
	done := 0
	for {
		n := 0
		err := s.DB.InCommissionTx(ctx, func(tx *storage.CommissionTx) error {
			cs, err := tx.CustomersForLeadRules(ctx, 2000)
			if err != nil {
				return err
			}
			n = len(cs)
			var rows []storage.CommissionRow
			ids := make([]int64, 0, n)
			for _, cu := range cs {
				ids = append(ids, cu.ID)
				for level, earner := range []int64{cu.PartnerID, e.recruiterOf(cu.PartnerID)} {
					if earner == 0 {
						continue
					}
					c := e.contractAt(earner, cu.BoundAt)
					if c == nil || e.plans[c.PlanVersionID] == nil {
						continue
					}
					if earn, ok := EarnLead(e.plans[c.PlanVersionID], level+1); ok {
						rows = append(rows, e.row(earner, cu.ID, 0, partnerka.EventLead, level+1, c, earn, cu.BoundAt))
					}
				}
			}
			if err := tx.InsertCommissions(ctx, rows, true, e.postbackPartners); err != nil {
				return err
			}
			return tx.MarkLeadPaid(ctx, ids)
		})
		done += n
		if err != nil || n < 2000 {
			return done, err
		}
	}
}

// RefundStep reverses commissions in proportion to refunds.
type RefundStep struct {
	DB *storage.DB
}

// Name implements Step.
func (s *RefundStep) Name() string { return "refunds" }

// Run implements Step.
func (s *RefundStep) Run(ctx context.Context) (int, error) {
	postbacks, err := s.DB.PostbackPartners(ctx)
	if err != nil {
		return 0, err
	}
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return 0, err
	}
	done := 0
	for {
		n := 0
		err := s.DB.InCommissionTx(ctx, func(tx *storage.CommissionTx) error {
			rs, err := tx.RefundsToReconcile(ctx, 2000)
			if err != nil {
				return err
			}
			n = len(rs)
			if n == 0 {
				return nil
			}
			purchases := make([]int64, 0, n)
			ids := make([]int64, 0, n)
			for _, r := range rs {
				purchases, ids = append(purchases, r.PurchaseID), append(ids, r.ID)
			}
			cs, err := tx.CommissionsOfPurchases(ctx, purchases)
			if err != nil {
				return err
			}
			byPurchase := map[int64][]storage.CommissionOfPurchase{}
			for _, c := range cs {
				byPurchase[c.PurchaseID] = append(byPurchase[c.PurchaseID], c)
			}
			var rows []storage.ReversalRow
			for _, r := range rs {
				for _, c := range byPurchase[r.PurchaseID] {
					rev := ReversalFor(partnerka.Money{Amount: c.Amount, Currency: c.Currency}, r.PurchaseAmount, r.RefundedBefore, r.Amount)
					if !rev.Amount.IsPositive() {
						continue
					}
					rows = append(rows, storage.ReversalRow{CommissionID: c.ID, RefundID: r.ID, Amount: rev,
						Explanation: fmt.Sprintf("refund of %s of a %s payment takes back %s",
							r.Amount.String(), r.PurchaseAmount.String(), rev)})
				}
			}
			if err := tx.InsertReversals(ctx, rows, postbacks); err != nil {
				return err
			}
			// A refund lowers its payment's month volume (tiers are net
			// of refunds): the next month's commissions are re-rated.
			if err := tx.MarkTierMonths(ctx, purchases, ids, st.HoldDays); err != nil {
				return err
			}
			return tx.MarkRefundsReconciled(ctx, ids)
		})
		done += n
		if err != nil || n < 2000 {
			return done, err
		}
	}
}

// ReleaseStep makes commissions available once their hold has passed. A
// commission's money is available from its hold's end by itself (its ledger
// entry carries that instant); the step moves the kept balances up to now.
type ReleaseStep struct {
	DB  *storage.DB
	Now partnerka.Clock
}

// Name implements Step.
func (s *ReleaseStep) Name() string { return "release" }

// Run implements Step.
func (s *ReleaseStep) Run(ctx context.Context) (int, error) {
	return s.DB.ReleaseHolds(ctx, s.Now())
}
