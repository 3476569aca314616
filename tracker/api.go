package tracker

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
)

// maxJSONBody is the largest JSON body the vendor API reads; CSV imports
// may be larger, up to the server's body limit.
const maxJSONBody = 1 << 20

// WriteAPIError answers with the JSON error of the vendor API:
// {"error": {"code", "message", "field"}}. Internal errors are logged with
// a request id and shown only as that id.
func WriteAPIError(c *fiber.Ctx, logger interface{ Error(string, ...any) }, err error) error {
	status := partnerka.StatusOf(err)
	code, msg, field := partnerka.ErrorCode(err), partnerka.ErrorMessage(err), partnerka.ErrorField(err)
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status, code, msg = fe.Code, fiberCode(fe.Code), fe.Message
		if fe.Code == fiber.StatusRequestEntityTooLarge {
			msg = "request body is too large"
		}
	}
	if code == partnerka.EINTERNAL && fe == nil && storage.IsUnavailable(err) {
		// The database is down or restarting: a 503 the vendor retries,
		// as the document promises, not a 500 it may give up on.
		logger.Error("api: database unavailable", "path", c.Path(), "err", err)
		status, code, msg = fiber.StatusServiceUnavailable, partnerka.EUNAVAILABLE, "the database is unavailable; retry later"
	}
	if code == partnerka.EINTERNAL && fe == nil {
		id := make([]byte, 8)
		rand.Read(id)
		rid := hex.EncodeToString(id)
		logger.Error("api internal error", "request_id", rid, "path", c.Path(), "err", err)
		msg = "Internal error (request " + rid + ")"
	}
	body := map[string]any{"code": code, "message": msg}
	if field != "" {
		body["field"] = field
	}
	return c.Status(status).JSON(fiber.Map{"error": body})
}

func fiberCode(status int) string {
	switch {
	case status == 401:
		return partnerka.EUNAUTHORIZED
	case status == 404:
		return partnerka.ENOTFOUND
	case status < 500:
		return partnerka.EINVALID
	}
	return partnerka.EINTERNAL
}

// apiKeys authenticates vendor API keys, remembering a verified key for a
// short while so a busy integration does not cost a query per request.
type apiKeys struct {
	db   *storage.DB
	mu   sync.Mutex
	seen map[[32]byte]apiKeySeen
}

type apiKeySeen struct {
	id      int64
	expires time.Time
}

// apiKeyTTL bounds how long a revoked key may still be accepted.
const apiKeyTTL = 30 * time.Second

func (k *apiKeys) check(ctx context.Context, token string) (int64, error) {
	if token == "" {
		return 0, partnerka.Errorf(partnerka.EUNAUTHORIZED, "send the API key as Authorization: Bearer <key>")
	}
	h := sha256.Sum256([]byte(token))
	now := time.Now() // elapsed: the age of a cached key
	k.mu.Lock()
	s, ok := k.seen[h]
	k.mu.Unlock()
	if ok && now.Before(s.expires) {
		return s.id, nil
	}
	key, err := k.db.APIKeyByHash(ctx, h[:])
	if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
		return 0, partnerka.Errorf(partnerka.EUNAUTHORIZED, "the API key is unknown or revoked")
	} else if err != nil {
		return 0, err
	}
	k.db.TouchAPIKey(ctx, key.ID)
	k.mu.Lock()
	if len(k.seen) > 1000 {
		k.seen = map[[32]byte]apiKeySeen{}
	}
	k.seen[h] = apiKeySeen{id: key.ID, expires: now.Add(apiKeyTTL)}
	k.mu.Unlock()
	return key.ID, nil
}

// requireAPIKey is the vendor API's authentication middleware.
func (s *Server) requireAPIKey(c *fiber.Ctx) error {
	auth := c.Get(fiber.HeaderAuthorization)
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		token = ""
	}
	id, err := s.keys.check(c.UserContext(), strings.TrimSpace(token))
	if err != nil {
		return err
	}
	c.Locals("api_key", id)
	return c.Next()
}

// decodeJSON reads one JSON object into v, strictly: unknown fields, wrong
// types, trailing data and oversized bodies are errors that name the field.
func decodeJSON(body []byte, v any) error {
	if len(body) > maxJSONBody {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return partnerka.Errorf(partnerka.EINVALID, "the request body must be a JSON object")
	}
	// JSON decoding would replace invalid UTF-8 with U+FFFD, so two
	// different ids could be stored as one; and it would keep the last of
	// two equal keys, where a proxy that validated the first saw another
	// value. Both are refused before decoding.
	if !utf8.Valid(body) {
		return partnerka.Errorf(partnerka.EINVALID, "the body is not valid UTF-8")
	}
	if key, dup := duplicateKey(body); dup {
		return partnerka.FieldError(key, "%s is given twice", key)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te) && te.Field == "":
			return partnerka.Errorf(partnerka.EINVALID, "the request body must be a JSON object, not %s", map[string]string{
				"array": "an array", "number": "a number", "string": "a string", "bool": "true or false"}[te.Value])
		case errors.As(err, &te):
			want := "string"
			if te.Type.Kind() == reflect.Bool {
				want = "boolean (true or false)"
			} else if te.Field == "amount" {
				want = `string such as "123.45" (a JSON number would lose exactness)`
			}
			return partnerka.FieldError(te.Field, "%s must be a JSON %s, not a %s", te.Field, want, te.Value)
		case errors.As(err, &se):
			return partnerka.Errorf(partnerka.EINVALID, "the body is not valid JSON (at byte %d)", se.Offset)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return partnerka.FieldError(f, "unknown field %q", f)
		}
		return partnerka.Errorf(partnerka.EINVALID, "the body is not a valid JSON object")
	}
	if dec.More() {
		return partnerka.Errorf(partnerka.EINVALID, "the body must hold exactly one JSON object")
	}
	return nil
}

// duplicateKey reports the first key that appears twice in one object of
// a JSON document (its path, dotted, when nested). Invalid JSON reports
// nothing: the decoder says what is wrong with it.
func duplicateKey(body []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var walk func(path string) (string, bool, error)
	walk = func(path string) (string, bool, error) {
		tok, err := dec.Token()
		if err != nil {
			return "", false, err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return "", false, err
				}
				key, _ := k.(string)
				if path != "" {
					key = path + "." + key
				}
				if seen[key] {
					return key, true, nil
				}
				seen[key] = true
				if dup, found, err := walk(key); err != nil || found {
					return dup, found, err
				}
			}
			_, err = dec.Token() // }
			return "", false, err
		case json.Delim('['):
			for dec.More() {
				if dup, found, err := walk(path); err != nil || found {
					return dup, found, err
				}
			}
			_, err = dec.Token() // ]
			return "", false, err
		}
		return "", false, nil
	}
	dup, found, _ := walk("")
	return dup, found
}

// checkText validates a free-text or identifier field.
func checkText(field, s string, max int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return partnerka.FieldError(field, "%s is required", field)
	}
	if len(s) > max {
		return partnerka.FieldError(field, "%s is longer than %d bytes", field, max)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return partnerka.FieldError(field, "%s contains control characters", field)
		}
	}
	return nil
}

// parseOccurredAt parses an optional RFC 3339 time, defaulting to now and
// refusing times far in the future (a clock or unit error at the vendor).
func parseOccurredAt(raw string, now time.Time) (time.Time, error) {
	if raw == "" {
		return now.Truncate(time.Microsecond), nil
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return time.Time{}, partnerka.FieldError("occurred_at", "occurred_at must be an RFC 3339 time such as 2026-11-23T12:00:00Z")
	}
	if t.After(now.Add(time.Hour)) {
		return time.Time{}, partnerka.FieldError("occurred_at", "occurred_at is more than an hour in the future")
	}
	if t.Year() < 2000 {
		return time.Time{}, partnerka.FieldError("occurred_at", "occurred_at is before the year 2000")
	}
	return t.UTC().Truncate(time.Microsecond), nil // as it is stored: every answer shows the same instant
}

// parseClickParam accepts a click id as the tracker hands it out (26
// characters) or as a UUID, and returns the UUID text.
func parseClickParam(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	if id, err := partnerka.ParseClickID(raw); err == nil {
		return id.UUID(), nil
	}
	if id, err := partnerka.ParseClickUUID(raw); err == nil {
		return id.UUID(), nil
	}
	return "", partnerka.FieldError("click_id", "click_id must be the 26-character id the tracker appended as pk_click")
}

// bodyHash is the fingerprint idempotency compares: the normalised fields,
// so formatting differences of the same request are not conflicts.
func bodyHash(fields ...string) []byte {
	h := sha256.New()
	for _, f := range fields {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return h.Sum(nil)
}
