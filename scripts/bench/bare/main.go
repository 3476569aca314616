// Command bare is the benchmark baseline of make bench-tracker: a bare
// fasthttp server that answers every request with the same 302 and
// Set-Cookie the tracker sends, and does nothing else.
package main

import (
	"flag"
	"log"

	"github.com/valyala/fasthttp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "listen address")
	flag.Parse()
	location := []byte("https://example.com/landing?ref=1&pk_click=06F5QJ4M3Z1R8KX9C2H7T0WBNA#top")
	cookie := []byte("pk_ref=AZZ2yNHhdvmQ9mFnzQBqmKM8o1UFAqAB.l2DXbJ0RgzQpM-O3FDO7ZJxvdg1h0Lj9X2mGSMqI6OE" +
		"; Max-Age=7776000; Path=/; HttpOnly; SameSite=Lax")
	h := func(ctx *fasthttp.RequestCtx) {
		ctx.Response.Header.SetBytesV("Cache-Control", []byte("no-store"))
		ctx.Response.Header.SetBytesV("Set-Cookie", cookie)
		ctx.Response.Header.SetBytesV("Location", location)
		ctx.SetStatusCode(fasthttp.StatusFound)
	}
	log.Fatal((&fasthttp.Server{Handler: h, Name: "bare"}).ListenAndServe(*addr))
}
