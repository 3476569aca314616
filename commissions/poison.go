package commissions

import (
	"errors"

	"github.com/lib/pq"

	"partnerka"
)

// isPoison reports whether an error is about the data itself (it will fail
// the same way every time) rather than the database being unreachable: such
// an entry goes to the dead-letter stream instead of blocking the rest.
func isPoison(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		class := pe.Code.Class()
		return class == "22" || class == "23" // data exception, integrity violation
	}
	return partnerka.ErrorCode(err) == partnerka.EINVALID
}
