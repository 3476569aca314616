package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"partnerka"
)

// pageMessages are the English error messages the code of the packages
// pages call can produce: the literal of every FieldError, Errorf,
// Error{Message: …} and LineError{Message: …}, its verbs filled with
// sample values (a message built by concatenation is its first literal
// followed by a sample). The vendor API's and the billing connectors'
// own messages (tracker, billing) answer machines and stay English.
func pageMessages(t *testing.T) map[string]string {
	t.Helper()
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
	fill := func(s string) string {
		return verbs.ReplaceAllStringFunc(s, func(v string) string {
			switch v[len(v)-1] {
			case 'd':
				return "7"
			case 'q':
				return `"x"`
			}
			return "sample"
		})
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, dir := range []string{"..", "../storage", "../cabinet", "../backoffice", ".", "../commissions", "../notify"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, "errortext.go") {
				continue
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(fset, path, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			// lit is a message's text: its literals, with a sample for
			// every piece that is not one ("payout " + id + " is…").
			var lit func(e ast.Expr) (string, bool)
			lit = func(e ast.Expr) (string, bool) {
				if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.ADD {
					x, okx := lit(b.X)
					y, oky := lit(b.Y)
					if !okx && !oky {
						return "", false
					}
					if !okx {
						x = "7"
					}
					if !oky {
						y = "7"
					}
					return x + y, true
				}
				bl, ok := e.(*ast.BasicLit)
				if !ok || bl.Kind != token.STRING {
					return "", false
				}
				s, err := strconv.Unquote(bl.Value)
				if err != nil || s == "" || s == "%s" || s == "%v" {
					return "", false
				}
				return fill(s), true
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					name := identName(n.Fun)
					if (name == "FieldError" || (name == "Errorf" && isDomainCode(n.Args))) && len(n.Args) >= 2 {
						if s, ok := lit(n.Args[1]); ok {
							out[s] = fset.Position(n.Pos()).String()
						}
					}
				case *ast.CompositeLit:
					typ := identName(n.Type)
					if typ != "Error" && typ != "LineError" {
						return true
					}
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Message" {
								if s, ok := lit(kv.Value); ok {
									out[s] = fset.Position(n.Pos()).String()
								}
							}
						}
					}
				}
				return true
			})
		}
	}
	return out
}

// identName is the last name of an identifier or a selector (FieldError
// of partnerka.FieldError), "" for anything else.
func identName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.Ident:
		return e.Name
	}
	return ""
}

// isDomainCode tells partnerka.Errorf(partnerka.EINVALID, …) from
// fmt.Errorf (whose first argument is the format).
func isDomainCode(args []ast.Expr) bool {
	if len(args) == 0 {
		return false
	}
	switch a := args[0].(type) {
	case *ast.SelectorExpr:
		return strings.HasPrefix(a.Sel.Name, "E")
	case *ast.Ident:
		return strings.HasPrefix(a.Name, "E") && strings.ToUpper(a.Name) == a.Name
	}
	return false
}

var englishRun = regexp.MustCompile(`\b[a-z]{2,}(?:[ ,]+[a-z]{2,}){2,}\b`)

// TestErrorCatalogueCoversPages fails when a message a page can show has
// no Russian sentence, or the sentence still reads as English.
func TestErrorCatalogueCoversPages(t *testing.T) {
	msgs := pageMessages(t)
	if len(msgs) < 80 {
		t.Fatalf("only %d messages found: the scan is broken", len(msgs))
	}
	for msg, where := range msgs {
		ru, ok := translateError(msg)
		if !ok {
			t.Errorf("%s: %q has no Russian sentence in the catalogue", where, msg)
			continue
		}
		if s := englishRun.FindString(ru); s != "" {
			t.Errorf("%s: %q reads %q in Russian (English %q left)", where, msg, ru, s)
		}
	}
}

func TestErrorText(t *testing.T) {
	for _, c := range []struct {
		err      error
		ru       string
		asString string // English, unchanged
	}{
		{partnerka.FieldError("amount", "the minimum payout is 1000.00 RUB"), "Минимальная выплата — 1\u00a0000,00\u00a0₽.", "the minimum payout is 1000.00 RUB"},
		{partnerka.FieldError("password", "password must have at least %d characters", 10), "Пароль должен быть не короче 10 символов.", ""},
		{partnerka.FieldError("amount", `amount must be a decimal string such as "123.45"`), "Введите сумму числом, например 2 000,50.", ""},
		{&partnerka.Error{Code: partnerka.EINVALID, Field: "destination", Message: "links may lead only to demo.example.com, example.com"},
			"Ссылки могут вести только на эти домены: demo.example.com, example.com.", ""},
		{partnerka.Errorf(partnerka.ECONFLICT, "the payout is %s and cannot become %s", "paid", "cancelled"), "Выплата в статусе «выплачена» и не может перейти в «отменена».", ""},
		// An unknown message never shows in English on a Russian page.
		{partnerka.FieldError("email", "something nobody wrote a translation for"), "Поле «Эл. почта»: значение не принято. Проверьте его и отправьте форму снова.", ""},
	} {
		if got := ErrorText("ru", c.err); !strings.HasPrefix(got, strings.TrimSuffix(c.ru, ".")) {
			t.Errorf("%v in Russian: %q, want %q", c.err, got, c.ru)
		}
		if c.asString != "" && ErrorText("en", c.err) != c.asString {
			t.Errorf("%v in English: %q", c.err, ErrorText("en", c.err))
		}
	}
}
