package tracker

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

var (
	apiDocOnce sync.Once
	apiRouter  routers.Router
	apiDocErr  error
)

// openAPIRouter loads and validates the OpenAPI document once.
func openAPIRouter(t *testing.T) routers.Router {
	t.Helper()
	apiDocOnce.Do(func() {
		openapi3filter.RegisterBodyDecoder("text/csv", func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(body)
			return string(b), err
		})
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(OpenAPI)
		if err == nil {
			err = doc.Validate(loader.Context)
		}
		if err == nil {
			apiRouter, err = legacy.NewRouter(doc)
		}
		apiDocErr = err
	})
	if apiDocErr != nil {
		t.Fatalf("openapi.json: %v", apiDocErr)
	}
	return apiRouter
}

// checkAgainstOpenAPI fails the test when the API answered what the
// document does not describe (a status, a field, a shape), or accepted
// (2xx) a request the document says is invalid.
func checkAgainstOpenAPI(t *testing.T, method, path, contentType, body string, status int, header http.Header, out []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+testKey)
	route, params, err := openAPIRouter(t).FindRoute(req)
	if err != nil {
		t.Errorf("%s %s is not in openapi.json: %v", method, path, err)
		return
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	ctx := context.Background()
	if status < 400 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("%s %s answered %d to a request openapi.json refuses: %v", method, path, status, err)
		}
	}
	res := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header, Options: opts}
	res.SetBodyBytes(bytes.Clone(out))
	if err := openapi3filter.ValidateResponse(ctx, res); err != nil {
		t.Errorf("%s %s: the %d answer is not what openapi.json says: %v\n%s", method, path, status, err, out)
	}
}

// The document is valid OpenAPI 3.1, describes every /api/v1 route the
// tracker serves, and is served at /api/openapi.json without a key.
func TestOpenAPIDocument(t *testing.T) {
	openAPIRouter(t)
	f := newFixture(t, nil)
	req := httptest.NewRequest("GET", "/api/openapi.json", nil)
	resp, err := f.app.Test(req, 10000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Equal(b, OpenAPI) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	loader := openapi3.NewLoader()
	doc, _ := loader.LoadFromData(OpenAPI)
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi %q, want 3.1", doc.OpenAPI)
	}
	for _, r := range f.app.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Method == "HEAD" { // fiber answers HEAD for every GET
			continue
		}
		path := strings.NewReplacer(":customer_id", "{customer_id}", ":code", "{code}").Replace(r.Path)
		if item := doc.Paths.Find(path); item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("%s %s is served but not in openapi.json", r.Method, r.Path)
		}
	}
}
