package tracker

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"partnerka"
)

// lineError is one bad line of an import.
type lineError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

var importColumns = map[string]bool{"id": true, "customer_id": true, "amount": true, "currency": true,
	"product": true, "promo_code": true, "click_id": true, "occurred_at": true}

// importPurchases is POST /api/v1/purchases/import: a CSV file with a
// header line naming the purchase fields, stored all or nothing. Lines
// that repeat a stored purchase exactly are counted as unchanged; any
// invalid or conflicting line fails the whole file with every bad line
// listed.
func (s *Server) importPurchases(c *fiber.Ctx) error {
	r := csv.NewReader(bytes.NewReader(c.Body()))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return partnerka.Errorf(partnerka.EINVALID, "the file is empty; the first line must name the columns")
	} else if err != nil {
		return partnerka.Errorf(partnerka.EINVALID, "the file is not valid CSV: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !importColumns[h] {
			return partnerka.FieldError(h, "unknown column %q; columns are id, customer_id, amount, currency, product, promo_code, click_id, occurred_at", h)
		}
		col[h] = i
	}
	for _, need := range []string{"id", "customer_id", "amount", "currency"} {
		if _, ok := col[need]; !ok {
			return partnerka.FieldError(need, "the header lacks the %s column", need)
		}
	}
	now := s.Now()
	var ps []partnerka.Purchase
	var hashes [][]byte
	var bad []lineError
	seen := map[string]int{} // id -> index in ps
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bad = append(bad, lineError{Line: line, Message: err.Error()})
			break
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		in := PurchaseInput{ID: get("id"), CustomerID: get("customer_id"), Amount: get("amount"), Currency: get("currency"),
			Product: get("product"), PromoCode: get("promo_code"), ClickID: get("click_id"), OccurredAt: get("occurred_at")}
		p, hash, err := in.validate(now)
		if err != nil {
			bad = append(bad, lineError{Line: line, Field: partnerka.ErrorField(err), Message: partnerka.ErrorMessage(err)})
			continue
		}
		if i, dup := seen[p.ExternalID]; dup {
			if !bytes.Equal(hashes[i], hash) {
				bad = append(bad, lineError{Line: line, Field: "id", Message: "the id appears earlier in the file with another body"})
			}
			continue
		}
		seen[p.ExternalID] = len(ps)
		ps = append(ps, *p)
		hashes = append(hashes, hash)
	}
	if len(bad) == 0 && len(ps) == 0 {
		return partnerka.Errorf(partnerka.EINVALID, "the file has no purchases")
	}
	if len(bad) > 0 {
		return importFailed(c, fiber.StatusUnprocessableEntity, partnerka.EINVALID, bad)
	}
	created, conflicts, err := s.DB.ImportPurchases(c.UserContext(), ps, hashes)
	if err != nil {
		return err
	}
	if len(conflicts) > 0 {
		for _, id := range conflicts {
			bad = append(bad, lineError{Line: seen[id] + 2, Field: "id", Message: "a purchase with this id exists with a different body"})
		}
		return importFailed(c, fiber.StatusConflict, partnerka.ECONFLICT, bad)
	}
	return c.JSON(fiber.Map{"imported": created, "unchanged": len(ps) - created})
}

func importFailed(c *fiber.Ctx, status int, code string, bad []lineError) error {
	return c.Status(status).JSON(fiber.Map{
		"error": fiber.Map{"code": code, "message": "the file has errors; nothing was imported"},
		"lines": bad,
	})
}

func unescapeParam(s string) (string, error) { return url.PathUnescape(s) }
