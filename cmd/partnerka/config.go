package main

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"partnerka/storage"
	"reflect"
	"strconv"
	"strings"
	"time"

	"partnerka"
)

// Config is the process configuration: defaults in code, overridden by
// PARTNERKA_* environment variables. Fields tagged secret also read
// PARTNERKA_*_FILE, the path of a file holding the value. Program rules
// (attribution window, hold, ...) are not here: they live in the database
// and are edited in the back office.
type Config struct {
	DatabaseURL string `env:"DATABASE_URL" secret:"true" doc:"PostgreSQL URL"`
	RedisURL    string `env:"REDIS_URL" secret:"true" doc:"Redis URL"`
	RedisPrefix string `env:"REDIS_PREFIX" doc:"prefix of every Redis key"`
	Secret      string `env:"SECRET" secret:"true" doc:"key for cookies and sessions, at least 32 characters"`

	// DatabaseReplicaURL is optional: empty, every page reads the primary.
	DatabaseReplicaURL string `env:"DATABASE_REPLICA_URL" secret:"true" doc:"a streaming replica of the PostgreSQL at DATABASE_URL (the same database on it): the cabinet's and back office's read-only pages read there while it keeps up; empty reads everything on the primary"`

	Role        string `env:"ROLE" doc:"what serve runs: all (the tracker and the cabinet with back office), tracker (redirects, vendor API, billing webhooks) or web (the cabinet and back office); serve --role overrides it"`
	TrackerAddr string `env:"TRACKER_ADDR" doc:"listen address of the tracker and vendor API"`
	CabinetAddr string `env:"CABINET_ADDR" doc:"listen address of the cabinet and back office"`
	TrackerURL  string `env:"TRACKER_URL" doc:"public base URL of the tracker (used in partners' links)"`
	CabinetURL  string `env:"CABINET_URL" doc:"public base URL of the cabinet"`

	TrustedProxies string `env:"TRUSTED_PROXIES" doc:"addresses and CIDR ranges of the reverse proxies in front (10.0.0.0/8, 192.168.1.10): their X-Forwarded-For names the visitor; empty uses the connection's address"`

	ReconcileInterval time.Duration `env:"RECONCILE_INTERVAL" doc:"pause between reconciler runs inside serve; 0 turns the loop off"`
	ReconcileBatch    int           `env:"RECONCILE_BATCH" doc:"purchases per reconciler transaction"`
	ReclaimAfter      time.Duration `env:"RECLAIM_AFTER" doc:"how long a stream entry may stay unacknowledged with a reconciler before another takes it over"`
	RedirectTimeout   time.Duration `env:"REDIRECT_TIMEOUT" doc:"longest a redirect waits for Redis before answering without recording"`
	RedisWaitReplicas int           `env:"REDIS_WAIT_REPLICAS" doc:"answer a click only once this many Redis replicas hold it (WAIT), at most until the redirect timeout; 0 answers on the primary's word"`
	ClickShards       int           `env:"CLICK_SHARDS" doc:"shards of the click stream the tracker spreads clicks over (one stream each; in a Redis Cluster each on a slot of its own); the reconciler drains every shard ever used, so the count can grow or shrink"`
	ShutdownTimeout   time.Duration `env:"SHUTDOWN_TIMEOUT" doc:"longest a graceful shutdown waits"`
	WebConcurrency    int           `env:"WEB_CONCURRENCY" doc:"cabinet and back-office pages served at once (the others wait their turn); 0 is one per CPU"`

	SMTPURL  string `env:"SMTP_URL" secret:"true" doc:"SMTP server for email (smtp://user:password@host:587); empty logs email instead of sending it"`
	MailFrom string `env:"MAIL_FROM" doc:"sender of email, such as Partners <partners@example.com>; required with SMTP_URL"`

	MetricsAddr string `env:"METRICS_ADDR" doc:"listen address of serve's Prometheus /metrics, apart from the public ports; off turns it off"`
	DebugAddr   string `env:"DEBUG_ADDR" doc:"listen address of net/http/pprof (and, for a reconcile loop, /metrics); empty turns it off"`

	LogFormat string `env:"LOG_FORMAT" doc:"auto, json or text"`
	LogLevel  string `env:"LOG_LEVEL" doc:"debug, info, warn or error"`
}

// The roles a serve process takes (PARTNERKA_ROLE, serve --role): the
// tracker on its own cores, so nothing a partner does in the cabinet can
// slow a redirect; the cabinet and back office apart; or both, as make run.
const (
	RoleAll     = "all"
	RoleTracker = "tracker"
	RoleWeb     = "web"
)

func validRole(role string) error {
	switch role {
	case RoleAll, RoleTracker, RoleWeb:
		return nil
	}
	return fmt.Errorf("PARTNERKA_ROLE must be all, tracker or web, not %q", role)
}

// MetricsOff as PARTNERKA_METRICS_ADDR serves no metrics.
const MetricsOff = "off"

// DefaultConfig returns the configuration `make run` works with.
func DefaultConfig() Config {
	return Config{
		DatabaseURL:       "postgres://partnerka@127.0.0.1:54320/partnerka?sslmode=disable",
		RedisURL:          "redis://127.0.0.1:63790/0",
		RedisPrefix:       "pk:",
		Role:              RoleAll,
		TrackerAddr:       "127.0.0.1:8080",
		CabinetAddr:       "127.0.0.1:8081",
		TrackerURL:        "http://127.0.0.1:8080",
		CabinetURL:        "http://127.0.0.1:8081",
		MetricsAddr:       "127.0.0.1:8082",
		ReconcileInterval: 5 * time.Second,
		ReclaimAfter:      time.Minute,
		ReconcileBatch:    5000,
		RedirectTimeout:   250 * time.Millisecond,
		ClickShards:       1,
		ShutdownTimeout:   10 * time.Second,
		LogFormat:         "auto",
		LogLevel:          "info",
	}
}

// LoadConfig applies the environment over the defaults.
func LoadConfig(getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	v := reflect.ValueOf(&c).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := "PARTNERKA_" + f.Tag.Get("env")
		raw, set := getenv(name), getenv(name) != ""
		if file := getenv(name + "_FILE"); file != "" && f.Tag.Get("secret") == "true" {
			if set {
				return c, fmt.Errorf("set either %s or %s_FILE, not both", name, name)
			}
			b, err := os.ReadFile(file)
			if err != nil {
				return c, fmt.Errorf("%s_FILE: cannot read %s: %v", name, file, err)
			}
			raw, set = strings.TrimSpace(string(b)), true
		}
		if !set {
			continue
		}
		field := v.Field(i)
		switch field.Interface().(type) {
		case string:
			field.SetString(raw)
		case time.Duration:
			d, err := time.ParseDuration(raw)
			if err != nil {
				return c, fmt.Errorf("%s must be a duration such as 5s or 250ms, not %q", name, raw)
			}
			field.SetInt(int64(d))
		case int:
			n, err := strconv.Atoi(raw)
			if err != nil {
				return c, fmt.Errorf("%s must be a whole number, not %q", name, raw)
			}
			field.SetInt(int64(n))
		}
	}
	return c, nil
}

// Validate checks what every command needs. Secret is checked by the
// commands that sign things (RequireSecret).
func (c Config) Validate() error {
	for _, u := range []struct{ name, value string }{
		{"PARTNERKA_DATABASE_URL", c.DatabaseURL}, {"PARTNERKA_REDIS_URL", c.RedisURL},
	} {
		if _, err := url.Parse(u.value); err != nil || !strings.Contains(u.value, "://") {
			return fmt.Errorf("%s must be a URL such as scheme://host:port/name", u.name)
		}
	}
	if c.DatabaseReplicaURL != "" {
		if u, err := url.Parse(c.DatabaseReplicaURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			return fmt.Errorf("PARTNERKA_DATABASE_REPLICA_URL must be a PostgreSQL URL such as postgres://user@replica-host:5432/partnerka, or empty")
		}
		if c.DatabaseReplicaURL == c.DatabaseURL {
			return fmt.Errorf("PARTNERKA_DATABASE_REPLICA_URL names the primary itself (PARTNERKA_DATABASE_URL); leave it empty to read everything there")
		}
	}
	for _, a := range []struct{ name, value string }{
		{"PARTNERKA_TRACKER_ADDR", c.TrackerAddr}, {"PARTNERKA_CABINET_ADDR", c.CabinetAddr},
	} {
		if _, _, err := net.SplitHostPort(a.value); err != nil {
			return fmt.Errorf("%s must be host:port, not %q", a.name, a.value)
		}
	}
	if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil && c.MetricsAddr != MetricsOff {
		return fmt.Errorf("PARTNERKA_METRICS_ADDR must be host:port (127.0.0.1:8082) or off, not %q", c.MetricsAddr)
	}
	for _, u := range []struct{ name, value string }{
		{"PARTNERKA_TRACKER_URL", c.TrackerURL}, {"PARTNERKA_CABINET_URL", c.CabinetURL},
	} {
		p, err := url.Parse(u.value)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("%s must be an http or https URL, not %q", u.name, u.value)
		}
	}
	if _, err := partnerka.ParseTrustedProxies(c.TrustedProxies); err != nil {
		return fmt.Errorf("PARTNERKA_TRUSTED_PROXIES: %v", err)
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			return fmt.Errorf("PARTNERKA_SMTP_URL must be a URL such as smtp://user:password@mail.example.com:587")
		}
		if _, err := mail.ParseAddress(c.MailFrom); err != nil {
			return fmt.Errorf("PARTNERKA_MAIL_FROM must be an email address such as Partners <partners@example.com> when PARTNERKA_SMTP_URL is set")
		}
	}
	if err := validRole(c.Role); err != nil {
		return err
	}
	if c.ReconcileBatch < 1 || c.ReconcileBatch > 100000 {
		return fmt.Errorf("PARTNERKA_RECONCILE_BATCH must be between 1 and 100000")
	}
	if c.ReclaimAfter <= 0 {
		return fmt.Errorf("PARTNERKA_RECLAIM_AFTER must be positive")
	}
	if c.ReconcileInterval < 0 {
		return fmt.Errorf("PARTNERKA_RECONCILE_INTERVAL must not be negative")
	}
	if c.RedisWaitReplicas < 0 || c.RedisWaitReplicas > 16 {
		return fmt.Errorf("PARTNERKA_REDIS_WAIT_REPLICAS must be between 0 and 16, not %d", c.RedisWaitReplicas)
	}
	if c.ClickShards < 1 || c.ClickShards > storage.MaxClickShards {
		return fmt.Errorf("PARTNERKA_CLICK_SHARDS must be between 1 and %d, not %d", storage.MaxClickShards, c.ClickShards)
	}
	if c.RedirectTimeout <= 0 || c.RedirectTimeout > 10*time.Second {
		return fmt.Errorf("PARTNERKA_REDIRECT_TIMEOUT must be between 1ms and 10s, not %s", c.RedirectTimeout)
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("PARTNERKA_SHUTDOWN_TIMEOUT must be positive")
	}
	if c.WebConcurrency < 0 || c.WebConcurrency > 1000 {
		return fmt.Errorf("PARTNERKA_WEB_CONCURRENCY must be between 0 and 1000, not %d", c.WebConcurrency)
	}
	switch c.LogFormat {
	case "auto", "json", "text":
	default:
		return fmt.Errorf("PARTNERKA_LOG_FORMAT must be auto, json or text, not %q", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("PARTNERKA_LOG_LEVEL must be debug, info, warn or error, not %q", c.LogLevel)
	}
	return nil
}

// RequireSecret checks the signing secret.
func (c Config) RequireSecret() error {
	if len(c.Secret) < 32 {
		return fmt.Errorf("PARTNERKA_SECRET (or PARTNERKA_SECRET_FILE) must hold at least 32 characters; generate one with `openssl rand -hex 32`")
	}
	return nil
}
