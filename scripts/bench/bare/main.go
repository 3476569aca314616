// Command bare is the benchmark baseline of make bench-tracker: a bare
// fasthttp server that answers every request with the same 302 and
// Set-Cookie the tracker sends, and does nothing else.
//
// With -redis it is the floor instead: before answering, it appends a click
// of the tracker's size and format to a Redis stream with the least
// group commit there is (the first request of a batch writes it, the rest
// wait for the reply), and it does nothing else. No tracker that answers
// only after Redis acknowledged the click can be faster than this on the
// same machine, so tracker/floor shows what the tracker's own work costs and
// floor/bare what waiting for Redis costs.
package main

import (
	"context"
	"flag"
	"log"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"partnerka/storage"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "listen address")
	redisURL := flag.String("redis", "", "Redis URL: be the floor, appending every click to -stream first")
	stream := flag.String("stream", "floor", "stream key for -redis")
	writers := flag.Int("writers", 2, "batches in flight at once, as the tracker's click writer; 0: one XADD per request instead; -1: one XADD per request through go-redis's automatic pipelining")
	flag.Parse()
	location := []byte("https://example.com/landing?ref=1&pk_click=06F5QJ4M3Z1R8KX9C2H7T0WBNA#top")
	cookie := []byte("pk_ref=AZZ2yNHhdvmQ9mFnzQBqmKM8o1UFAqAB.l2DXbJ0RgzQpM-O3FDO7ZJxvdg1h0Lj9X2mGSMqI6OE" +
		"; Max-Age=7776000; Path=/; HttpOnly; SameSite=Lax")
	respond := func(ctx *fasthttp.RequestCtx) {
		ctx.Response.Header.SetBytesV("Cache-Control", []byte("no-store"))
		ctx.Response.Header.SetBytesV("Set-Cookie", cookie)
		ctx.Response.Header.SetBytesV("Location", location)
		ctx.SetStatusCode(fasthttp.StatusFound)
	}
	h := respond
	if *redisURL != "" {
		opt, err := redis.ParseURL(*redisURL)
		if err != nil {
			log.Fatal(err)
		}
		opt.PoolSize = 128 // a connection for every waiting request when each sends its own XADD
		rdb := redis.NewClient(opt)
		gc := &groupCommit{rdb: rdb, stream: *stream, max: *writers, open: newBatch()}
		var single xadder // one XADD per request, plain or automatically pipelined
		switch {
		case *writers == 0:
			single = rdb
		case *writers < 0:
			if single, err = rdb.AutoPipeline(); err != nil {
				log.Fatal(err)
			}
		}
		h = func(ctx *fasthttp.RequestCtx) {
			c := storage.StreamClick{ID: "06F5QJ4M3Z1R8KX9C2H7T0WBNA", LinkID: 1234, PartnerID: 1, At: time.Now(),
				IP: ctx.RemoteIP().String(), UserAgent: string(ctx.UserAgent()), Referer: string(ctx.Referer()),
				Landing: string(location[:len(location)-4])}
			var werr error
			if single != nil {
				werr = single.XAdd(ctx, &redis.XAddArgs{Stream: *stream, Values: storage.ClickBatchFields(1, storage.AppendClick(nil, &c))}).Err()
			} else {
				werr = gc.write(&c)
			}
			if werr == nil {
				respond(ctx)
			}
		}
	}
	log.Fatal((&fasthttp.Server{Handler: h, Name: "bare"}).ListenAndServe(*addr))
}

type xadder interface {
	XAdd(context.Context, *redis.XAddArgs) *redis.StringCmd
}

type batch struct {
	lines  []byte
	n      int
	err    error
	done   chan struct{}
	leader chan struct{} // handed to the batch's first request when a writer is free
}

func newBatch() *batch { return &batch{done: make(chan struct{}), leader: make(chan struct{}, 1)} }

// groupCommit is leader-based: no writer goroutine, so no hand-off to one.
type groupCommit struct {
	rdb      *redis.Client
	stream   string
	mu       sync.Mutex
	open     *batch
	inflight int
	max      int
}

func (g *groupCommit) write(c *storage.StreamClick) error {
	g.mu.Lock()
	b := g.open
	b.lines = storage.AppendClick(b.lines, c)
	b.n++
	first := b.n == 1
	if first && g.inflight < g.max {
		g.inflight++
		g.open = newBatch()
		g.mu.Unlock()
		g.lead(b)
		return b.err
	}
	g.mu.Unlock()
	if first { // b is written once a writer is free, by this request
		<-b.leader
		g.lead(b)
	}
	<-b.done
	return b.err
}

// lead writes b, wakes its requests and hands the free writer slot to the
// batch that filled meanwhile.
func (g *groupCommit) lead(b *batch) {
	b.err = g.rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: g.stream, Values: storage.ClickBatchFields(b.n, b.lines)}).Err()
	close(b.done)
	g.mu.Lock()
	next := g.open
	if next.n == 0 {
		g.inflight--
		g.mu.Unlock()
		return
	}
	g.open = newBatch()
	g.mu.Unlock()
	next.leader <- struct{}{}
}
