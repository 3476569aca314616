package tracker

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"partnerka"
	"partnerka/storage"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Server is the tracker: redirects, the vendor-side script and (later) the
// vendor API. It is stateless apart from caches, so any number can run
// behind a load balancer.
type Server struct {
	DB              *storage.DB
	Redis           *storage.Redis
	Logger          *slog.Logger
	Metrics         *Metrics
	Secret          []byte
	RedirectTimeout time.Duration
	Secure          bool          // the tracker is served over TLS: cookies get Secure
	SyncInterval    time.Duration // how often links and promo codes changed in PostgreSQL are re-read
	// FullReloadInterval is how often everything is read again, the
	// safety net under change messages and the sweep (default 10 minutes).
	FullReloadInterval time.Duration
	// Proxies are the reverse proxies whose X-Forwarded-For names the
	// visitor; without them a click records the socket's address.
	Proxies partnerka.TrustedProxies
	Now     partnerka.Clock
	// WaitReplicas: a click is answered once this many Redis replicas hold
	// it (ClickWriter.WaitReplicas); 0 answers on the primary's word.
	WaitReplicas int
	// ClickShards is how many shards of the click stream this tracker
	// spreads its clicks over (storage.ClickShard); 0 or 1: one stream.
	ClickShards int
	// ViewMetrics count the landing page views pk.js confirms (nil:
	// counted but not exported).
	ViewMetrics *ViewMetrics

	views    *ViewWriter
	cache    *LinkCache
	promos   *PromoCache
	writer   *ClickWriter
	cookies  *CookieCodec
	bots     *botFilter
	keys     *apiKeys
	settings atomic.Pointer[trackerSettings]
}

// trackerSettings is the part of the program settings a redirect needs,
// with the cookie attributes rendered once.
type trackerSettings struct {
	partnerka.Settings
	window       time.Duration
	cookieSuffix string       // "; Max-Age=...; Path=/; HttpOnly; SameSite=Lax[; Secure][; Domain=...]"
	landing      *destination // the default landing page, parsed once
	pkJS         []byte
}

// Start loads settings and links and starts the click writer, the view
// writer and the cache sync, which run until ctx ends (Wait waits for the
// view writer's last batch). It fails only if the first load fails.
func (s *Server) Start(ctx context.Context) error {
	if s.Now == nil {
		s.Now = partnerka.SystemClock
	}
	if s.SyncInterval == 0 {
		s.SyncInterval = 5 * time.Second
	}
	if s.FullReloadInterval == 0 {
		s.FullReloadInterval = 10 * time.Minute
	}
	s.cookies = NewCookieCodec(s.Secret)
	s.bots = newBotFilter()
	s.keys = &apiKeys{db: s.DB, seen: map[[32]byte]apiKeySeen{}}
	st, err := s.loadSettings(ctx)
	if err != nil {
		return fmt.Errorf("tracker: load settings: %w", err)
	}
	s.cache = NewLinkCache(st.AllowedDomains)
	if err := s.cache.Load(ctx, s.DB, st.AllowedDomains); err != nil {
		return fmt.Errorf("tracker: load links: %w", err)
	}
	s.promos = NewPromoCache()
	if err := s.promos.Load(ctx, s.DB); err != nil {
		return fmt.Errorf("tracker: load promo codes: %w", err)
	}
	shards := make([]string, max(s.ClickShards, 1))
	for i := range shards {
		shards[i] = s.Redis.Key(storage.ClickShard(i))
	}
	s.writer = NewClickWriter(s.Redis.UniversalClient, shards, s.RedirectTimeout, s.Metrics, s.Logger)
	s.writer.WaitReplicas = s.WaitReplicas
	if s.ViewMetrics == nil {
		s.ViewMetrics = NewViewMetrics(prometheus.NewRegistry())
	}
	s.views = NewViewWriter(s.DB.InsertClickViews, 10*1000, s.ViewMetrics, s.Logger)
	s.writer.Register = func(ctx context.Context) error {
		_, err := s.Redis.RegisterClickShards(ctx, len(shards))
		return err
	}

	// The change subscription is live before the tracker says it is
	// ready, so a change made from then on reaches it (if Redis is down
	// now, the subscription connects when it is back; the sweep covers
	// what it missed meanwhile).
	sub := s.Redis.Subscribe(ctx, s.Redis.Key(storage.LinkChannel))
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	if _, err := sub.Receive(rctx); err != nil {
		s.Logger.Warn("tracker: change messages not subscribed yet", "err", err)
	}
	cancel()
	go s.writer.Run(ctx)
	go s.views.Run(ctx)
	go s.sync(ctx, sub)
	s.Logger.Info("tracker ready", "links", s.cache.Len(), "promo_codes", s.promos.Len())
	return nil
}

func (s *Server) loadSettings(ctx context.Context) (*trackerSettings, error) {
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return nil, err
	}
	ts := &trackerSettings{Settings: st, window: st.AttributionWindow()}
	ts.cookieSuffix = "; Max-Age=" + strconv.Itoa(int(ts.window/time.Second)) + "; Path=/; HttpOnly; SameSite=Lax"
	if s.Secure {
		ts.cookieSuffix += "; Secure"
	}
	if st.CookieDomain != "" {
		ts.cookieSuffix += "; Domain=" + st.CookieDomain
	}
	ts.landing = newDestination(st.DefaultLandingURL, st.AllowedDomains)
	ts.pkJS = renderPkJS(st.ClickParam, ts.window)
	s.settings.Store(ts)
	return ts, nil
}

// sync keeps settings, links and promo codes current. Change messages
// (storage.Change) apply at once; every SyncInterval what changed since the
// last pass is re-read, so a lost message heals itself within seconds; and
// every FullReloadInterval everything is read again, whatever the clocks
// of the writers said. A settings change (or a "*" message) reloads
// everything, since the allowed domains may have changed.
func (s *Server) sync(ctx context.Context, sub *redis.PubSub) {
	defer sub.Close()
	msgs := sub.Channel()
	tick := time.NewTicker(s.SyncInterval)
	defer tick.Stop()
	reload := time.NewTicker(s.FullReloadInterval)
	defer reload.Stop()
	// Rows carry the writers' program clock (storage.DB.Now); the sweep
	// asks for changes since its own clock's last pass, less a margin for
	// transactions still committing and for hosts whose clocks differ.
	since := s.Now()
	var lastErr atomic.Int64
	report := func(err error) {
		if ctx.Err() != nil {
			return
		}
		if now := time.Now().UnixNano(); now-lastErr.Load() > int64(30*time.Second) { // elapsed: spacing of log lines
			lastErr.Store(now)
			s.Logger.Error("tracker link sync", "err", err)
		}
	}
	full := func() bool {
		st, err := s.loadSettings(ctx)
		if err == nil {
			err = s.cache.Load(ctx, s.DB, st.AllowedDomains)
		}
		if err == nil {
			err = s.promos.Load(ctx, s.DB)
		}
		if err != nil {
			report(err)
		}
		return err == nil
	}
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-msgs:
			if !ok {
				return
			}
			if err := s.apply(ctx, storage.Change(m.Payload), full); err != nil {
				report(err)
			}
		case <-reload.C:
			start := s.Now()
			if full() {
				since = start
			}
		case <-tick.C:
			start := s.Now()
			st, err := s.DB.Settings(ctx)
			if err != nil {
				report(err)
				continue
			}
			if !st.UpdatedAt.Equal(s.settings.Load().UpdatedAt) {
				if full() {
					since = start
				}
				continue
			}
			if err := s.sweep(ctx, since.Add(-5*time.Second)); err != nil {
				report(err)
				continue
			}
			since = start
		}
	}
}

// apply applies one change message.
func (s *Server) apply(ctx context.Context, m storage.Change, full func() bool) error {
	kind, subject := m.Parse()
	switch kind {
	case "*":
		full()
	case "link":
		l, err := s.DB.TrackerLinkByCode(ctx, subject)
		if err != nil {
			if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
				return nil
			}
			return err
		}
		s.cache.Put(*l)
	case "promo":
		p, err := s.DB.TrackerPromoCodeByCode(ctx, subject)
		switch {
		case partnerka.ErrorCode(err) == partnerka.ENOTFOUND:
			s.promos.Remove(subject)
		case err != nil:
			return err
		default:
			s.promos.Put(*p)
		}
	case "partner":
		id, err := strconv.ParseInt(subject, 10, 64)
		if err != nil {
			return nil // not ours to act on
		}
		links, err := s.DB.TrackerPartnerLinks(ctx, id)
		if err != nil {
			return err
		}
		s.cache.Put(links...)
		codes, err := s.DB.TrackerPartnerPromoCodes(ctx, id)
		if err != nil {
			return err
		}
		s.promos.Put(codes...)
	}
	return nil
}

// sweep re-reads links and promo codes changed at or after since.
func (s *Server) sweep(ctx context.Context, since time.Time) error {
	changed, err := s.DB.TrackerLinksChangedSince(ctx, since)
	if err != nil {
		return err
	}
	if len(changed) > 0 {
		s.cache.Put(changed...)
	}
	codes, err := s.DB.TrackerPromoCodesChangedSince(ctx, since)
	if err != nil {
		return err
	}
	s.promos.Put(codes...)
	return nil
}
