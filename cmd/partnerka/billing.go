package main

import (
	"context"
	"time"

	"partnerka"
	"partnerka/backoffice"
	"partnerka/billing"
	"partnerka/tracker"
)

// trackerRecorder records what billing connectors report through the
// tracker's own recording, so a connector's purchase is validated and
// deduplicated exactly as one the vendor's backend posts to the API.
type trackerRecorder struct{ t *tracker.Server }

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func (r trackerRecorder) Lead(ctx context.Context, l billing.Lead) error {
	_, err := r.t.RecordLead(ctx, tracker.LeadInput{CustomerID: l.CustomerID, ClickID: l.ClickID, PromoCode: l.PromoCode,
		PartnerRef: l.PartnerRef, Email: l.Email, Name: l.Name, OccurredAt: when(l.OccurredAt)})
	return err
}

func (r trackerRecorder) Purchase(ctx context.Context, p billing.Purchase) error {
	n, _ := partnerka.MinorUnits(p.Amount.Currency)
	_, _, err := r.t.RecordPurchase(ctx, tracker.PurchaseInput{ID: p.ID, CustomerID: p.CustomerID,
		Amount: p.Amount.Amount.StringFixed(n), Currency: p.Amount.Currency, Product: p.Product, PromoCode: p.PromoCode,
		ClickID: p.ClickID, OccurredAt: when(p.OccurredAt)})
	return err
}

func (r trackerRecorder) Refund(ctx context.Context, f billing.Refund) error {
	// The currency is the purchase's: the amount goes as a decimal string.
	_, _, err := r.t.RecordRefund(ctx, tracker.RefundInput{ID: f.ID, PurchaseID: f.PurchaseID,
		Amount: f.Amount.Amount.String(), OccurredAt: when(f.OccurredAt)})
	return err
}

// connectors are the billing connectors serve offers.
func connectors() map[string]billing.Connector {
	return map[string]billing.Connector{billing.Stripe: billing.StripeConnector{}, billing.YooKassa: billing.YooKassaConnector{},
		billing.CloudPayments: billing.CloudPaymentsConnector{}}
}

// billingAdmin describes the receiver's connectors to the back office.
func billingAdmin(r *billing.Receiver) backoffice.BillingConnectors {
	out := backoffice.BillingConnectors{Reprocess: r.Reprocess, Forget: r.Forget}
	for _, p := range billing.Providers {
		c, ok := r.Connectors[p]
		if !ok {
			continue
		}
		bc := backoffice.BillingConnector{Provider: p, Name: c.Name()}
		for _, f := range billing.Fields[p] {
			bc.Fields = append(bc.Fields, backoffice.BillingField{Key: f.Key, Secret: f.Secret})
		}
		out.Connectors = append(out.Connectors, bc)
	}
	return out
}
