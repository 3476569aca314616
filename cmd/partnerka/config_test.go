package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfig(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secretFile, []byte("s3cr3t-from-a-file-0123456789abcdef\n"), 0o600)

	t.Run("defaults", func(t *testing.T) {
		c, err := LoadConfig(env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c != DefaultConfig() {
			t.Errorf("got %+v, want the defaults", c)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("defaults do not validate: %v", err)
		}
	})
	t.Run("environment overrides", func(t *testing.T) {
		c, err := LoadConfig(env(map[string]string{
			"PARTNERKA_TRACKER_ADDR": "0.0.0.0:9000", "PARTNERKA_RECONCILE_INTERVAL": "750ms",
		}))
		if err != nil {
			t.Fatal(err)
		}
		if c.TrackerAddr != "0.0.0.0:9000" || c.ReconcileInterval != 750*time.Millisecond {
			t.Errorf("got %s %s", c.TrackerAddr, c.ReconcileInterval)
		}
	})
	t.Run("secret from file", func(t *testing.T) {
		c, err := LoadConfig(env(map[string]string{"PARTNERKA_SECRET_FILE": secretFile}))
		if err != nil {
			t.Fatal(err)
		}
		if c.Secret != "s3cr3t-from-a-file-0123456789abcdef" {
			t.Errorf("secret %q", c.Secret)
		}
		if err := c.RequireSecret(); err != nil {
			t.Error(err)
		}
	})
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"value and file both set", map[string]string{"PARTNERKA_SECRET": "x", "PARTNERKA_SECRET_FILE": secretFile}, "not both"},
		{"missing file", map[string]string{"PARTNERKA_DATABASE_URL_FILE": "/nonexistent"}, "cannot read"},
		{"bad duration", map[string]string{"PARTNERKA_REDIRECT_TIMEOUT": "fast"}, "must be a duration"},
		{"_FILE on a non-secret is ignored, not an error", map[string]string{"PARTNERKA_TRACKER_ADDR_FILE": "/nonexistent"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(env(tc.env))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"database URL", func(c *Config) { c.DatabaseURL = "localhost" }, "PARTNERKA_DATABASE_URL"},
		{"replica URL", func(c *Config) { c.DatabaseReplicaURL = "replica:5432" }, "PARTNERKA_DATABASE_REPLICA_URL"},
		{"replica is the primary", func(c *Config) { c.DatabaseReplicaURL = c.DatabaseURL }, "PARTNERKA_DATABASE_REPLICA_URL names the primary"},
		{"listen address", func(c *Config) { c.TrackerAddr = "8080" }, "PARTNERKA_TRACKER_ADDR"},
		{"role", func(c *Config) { c.Role = "both" }, "PARTNERKA_ROLE must be all, tracker or web"},
		{"metrics address", func(c *Config) { c.MetricsAddr = "9090" }, "PARTNERKA_METRICS_ADDR"},
		{"public URL", func(c *Config) { c.CabinetURL = "ftp://x" }, "PARTNERKA_CABINET_URL"},
		{"redirect timeout", func(c *Config) { c.RedirectTimeout = 0 }, "PARTNERKA_REDIRECT_TIMEOUT"},
		{"log format", func(c *Config) { c.LogFormat = "xml" }, "PARTNERKA_LOG_FORMAT"},
		{"log level", func(c *Config) { c.LogLevel = "loud" }, "PARTNERKA_LOG_LEVEL"},
		{"trusted proxies", func(c *Config) { c.TrustedProxies = "10.0.0.0/8, proxy.internal" }, "PARTNERKA_TRUSTED_PROXIES"},
		{"SMTP URL", func(c *Config) { c.SMTPURL, c.MailFrom = "mail.example.com:587", "p@example.com" }, "PARTNERKA_SMTP_URL"},
		{"SMTP without a sender", func(c *Config) { c.SMTPURL = "smtp://u:p@mail.example.com:587" }, "PARTNERKA_MAIL_FROM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.change(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v, want one line naming %s", err, tc.want)
			}
		})
	}
	off := DefaultConfig()
	off.MetricsAddr = MetricsOff
	if err := off.Validate(); err != nil {
		t.Errorf("PARTNERKA_METRICS_ADDR=off: %v", err)
	}
	replica := DefaultConfig()
	replica.DatabaseReplicaURL = "postgres://partnerka@127.0.0.1:54321/partnerka?sslmode=disable"
	if err := replica.Validate(); err != nil {
		t.Errorf("PARTNERKA_DATABASE_REPLICA_URL=%s: %v", replica.DatabaseReplicaURL, err)
	}
	if err := (Config{Secret: "short"}).RequireSecret(); err == nil {
		t.Error("a short secret is accepted")
	}
}
