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
	SyncInterval    time.Duration // how often links changed in PostgreSQL are re-read
	// Proxies are the reverse proxies whose X-Forwarded-For names the
	// visitor; without them a click records the socket's address.
	Proxies partnerka.TrustedProxies
	Now     partnerka.Clock

	cache    *LinkCache
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

// Start loads settings and links and starts the click writer and the cache
// sync, which run until ctx ends. It fails only if the first load fails.
func (s *Server) Start(ctx context.Context) error {
	if s.Now == nil {
		s.Now = partnerka.SystemClock
	}
	if s.SyncInterval == 0 {
		s.SyncInterval = 5 * time.Second
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
	s.writer = NewClickWriter(s.Redis.Client, s.Redis.Key(storage.ClickStream), s.RedirectTimeout, s.Metrics, s.Logger)

	go s.writer.Run(ctx)
	go s.sync(ctx)
	s.Logger.Info("tracker ready", "links", s.cache.Len())
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

// sync keeps settings and links current: change messages apply at once, and
// every SyncInterval links changed since the last pass are re-read, so a
// lost message heals itself. A settings change (or a "*" message) reloads
// every link, since the allowed domains may have changed.
func (s *Server) sync(ctx context.Context) {
	sub := s.Redis.Subscribe(ctx, s.Redis.Key(storage.LinkChannel))
	defer sub.Close()
	msgs := sub.Channel()
	tick := time.NewTicker(s.SyncInterval)
	defer tick.Stop()
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
	full := func() {
		st, err := s.loadSettings(ctx)
		if err == nil {
			err = s.cache.Load(ctx, s.DB, st.AllowedDomains)
		}
		if err != nil {
			report(err)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-msgs:
			if !ok {
				return
			}
			if m.Payload == "*" {
				full()
				continue
			}
			if l, err := s.DB.TrackerLinkByCode(ctx, m.Payload); err == nil {
				s.cache.Put(*l)
			} else if partnerka.ErrorCode(err) != partnerka.ENOTFOUND {
				report(err)
			}
		case <-tick.C:
			start := s.Now()
			st, err := s.DB.Settings(ctx)
			if err != nil {
				report(err)
				continue
			}
			if !st.UpdatedAt.Equal(s.settings.Load().UpdatedAt) {
				full()
				since = start
				continue
			}
			changed, err := s.DB.TrackerLinksChangedSince(ctx, since.Add(-5*time.Second))
			if err != nil {
				report(err)
				continue
			}
			if len(changed) > 0 {
				s.cache.Put(changed...)
			}
			since = start
		}
	}
}
