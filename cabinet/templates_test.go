package cabinet

import (
	"testing"

	"partnerka/web"
)

// Every message a template asks for exists, in both languages.
func TestTemplateMessages(t *testing.T) {
	for _, m := range web.MissingMessages(templateFS, "templates") {
		t.Errorf("no text for %s", m)
	}
}
