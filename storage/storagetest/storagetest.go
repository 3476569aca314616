// Package storagetest gives each test a fresh PostgreSQL database with the
// schema applied and its own Redis key space, on the servers `make test`
// starts. Run a single package by hand with PARTNERKA_TEST_DATABASE_URL and
// PARTNERKA_TEST_REDIS_URL set; without them, tests that need services skip,
// except under CI=true where they fail.
package storagetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	"github.com/redis/go-redis/v9"

	"partnerka/migrations"
	"partnerka/storage"
)

// Environment variables `make test` sets.
const (
	EnvDatabaseURL = "PARTNERKA_TEST_DATABASE_URL"
	EnvRedisURL    = "PARTNERKA_TEST_REDIS_URL"
	// EnvSingleRedisURL is a single Redis server, for the tests of one
	// server's behaviour (its replicas) when EnvRedisURL is a cluster
	// (make test runs the tracker, reconciler and cabinet suites again
	// with EnvRedisURL naming a Redis Cluster); unset, EnvRedisURL's.
	EnvSingleRedisURL = "PARTNERKA_TEST_REDIS_SINGLE_URL"
)

func need(t testing.TB, env string) string {
	t.Helper()
	v := os.Getenv(env)
	if v != "" {
		return v
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not set; CI must run tests through `make test`", env)
	}
	t.Skipf("%s is not set: run `make test`, which starts PostgreSQL and Redis", env)
	return ""
}

// DatabaseURL returns a URL of a new, empty, migrated database and drops the
// database when the test ends.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	admin := need(t, EnvDatabaseURL)
	ctx := context.Background()
	a, err := sqlx.Open("postgres", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	name := "t_" + randomHex(8)
	if err := createFromTemplate(ctx, a, admin, name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sqlx.Open("postgres", admin)
		if err != nil {
			return
		}
		defer a.Close()
		a.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	})
	return withDatabase(admin, name)
}

// NewDB returns an open, prepared DB on a fresh database.
func NewDB(t testing.TB) *storage.DB {
	t.Helper()
	dsn := DatabaseURL(t)
	db, err := storage.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// RedisURL returns the test Redis's URL: one server, or a cluster.
func RedisURL(t testing.TB) string {
	t.Helper()
	return need(t, EnvRedisURL)
}

// SingleRedisURL returns the URL of a single test Redis server.
func SingleRedisURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(EnvSingleRedisURL); u != "" {
		return u
	}
	return RedisURL(t)
}

// NewRedis returns a client whose key prefix is unique to the test; the
// test's keys are deleted when it ends.
func NewRedis(t testing.TB) *storage.Redis {
	t.Helper()
	return openRedis(t, RedisURL(t))
}

// NewSingleRedis is NewRedis on a single server (SingleRedisURL).
func NewSingleRedis(t testing.TB) *storage.Redis {
	t.Helper()
	return openRedis(t, SingleRedisURL(t))
}

func openRedis(t testing.TB, u string) *storage.Redis {
	t.Helper()
	r, err := storage.OpenRedis(context.Background(), u, "t"+randomHex(6)+":")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		clean := func(ctx context.Context, c redis.Cmdable) error {
			iter := c.Scan(ctx, 0, r.Prefix+"*", 1000).Iterator()
			for iter.Next(ctx) {
				c.Del(ctx, iter.Val())
			}
			return iter.Err()
		}
		if cc, ok := r.UniversalClient.(*redis.ClusterClient); ok {
			cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return clean(ctx, c) })
		} else {
			clean(ctx, r)
		}
		r.Close()
	})
	return r
}

// createFromTemplate clones a migrated template database, creating the
// template first if this schema has none yet. An advisory lock keeps
// parallel test binaries from building it twice.
func createFromTemplate(ctx context.Context, a *sqlx.DB, admin, name string) error {
	tmpl := "partnerka_tmpl_" + schemaHash()
	conn, err := a.Connx(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(727274)`); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(727274)`)
	var exists bool
	if err := conn.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, tmpl); err != nil {
		return err
	}
	if !exists {
		if err := buildTemplate(ctx, conn, admin, tmpl); err != nil {
			return err
		}
	}
	var lastErr error
	for i := 0; i < 20; i++ {
		_, lastErr = conn.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, tmpl))
		if lastErr == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond) // a straggling connection to the template
	}
	return lastErr
}

func buildTemplate(ctx context.Context, conn *sqlx.Conn, admin, tmpl string) error {
	building := tmpl + "_build"
	conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
		return err
	}
	db, err := storage.Open(ctx, withDatabase(admin, building))
	if err != nil {
		return err
	}
	_, _, err = db.Migrate(ctx, nil)
	db.Close()
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+tmpl)
	return err
}

// schemaHash names the template after the migrations' content, so a changed
// migration gets a new template instead of a stale one.
func schemaHash() string {
	h := sha256.New()
	fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(migrations.FS, path)
			h.Write([]byte(path))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func withDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Earners is the statement that leaves a fixture's purchases as the
// reconciler leaves them for the cabinet's figures: each purchase paid at
// or after its customer's binding earns for the customer's partner
// (purchase_earners). Run it after inserting purchases by hand.
const Earners = `INSERT INTO purchase_earners (purchase_id, partner_id, customer_external_id, occurred_at, amount, currency)
	SELECT p.id, c.partner_id, p.customer_external_id, p.occurred_at, p.amount, p.currency
	  FROM purchases p JOIN customers c ON c.external_id = p.customer_external_id AND p.occurred_at >= c.bound_at
	ON CONFLICT (purchase_id) DO NOTHING`
