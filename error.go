// Package partnerka holds the small set of domain types that every other
// package shares: the error type with its codes, money with its currency,
// and the clock. It imports nothing of the project.
package partnerka

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in one table (see StatusOf).
const (
	EINVALID       = "invalid"
	ENOTFOUND      = "not_found"
	ECONFLICT      = "conflict"
	EUNAUTHORIZED  = "unauthorized"
	EFORBIDDEN     = "forbidden"
	EUNPROCESSABLE = "unprocessable"
	EUNAVAILABLE   = "unavailable"
	EINTERNAL      = "internal"
)

// Error is the one domain error. Message is safe to show to the caller;
// Field names the input that was wrong, when one was.
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("partnerka: %s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("partnerka: %s: %s", e.Code, e.Message)
}

// Errorf builds a domain error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError builds an invalid-input error that names the field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of a domain error, or EINTERNAL for any other
// error (and "" for nil), so unknown failures never leak their text.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of a domain error, or "Internal error"
// for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error"
}

// ErrorField returns the field a domain error names, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// StatusOf maps an error to its HTTP status: the one table for every surface.
func StatusOf(err error) int {
	switch ErrorCode(err) {
	case "":
		return 200
	case EINVALID:
		return 400
	case EUNAUTHORIZED:
		return 401
	case EFORBIDDEN:
		return 403
	case ENOTFOUND:
		return 404
	case ECONFLICT:
		return 409
	case EUNPROCESSABLE:
		return 422
	case EUNAVAILABLE:
		return 503
	default:
		return 500
	}
}
