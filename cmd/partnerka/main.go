// Command partnerka is the one binary of the partner program engine: it
// serves the tracker, vendor API, cabinet and back office, runs the
// reconciler, migrates the schema and loads the demo program.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"partnerka"
	"partnerka/storage"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, m *Main, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "serve the tracker, vendor API, cabinet and back office; run the reconciler loop", runServe},
		{"migrate", "apply pending schema migrations (--status shows the version only)", runMigrate},
		{"reconcile", "run the reconciler (--once for a single pass)", runReconcile},
		{"demo", "load the demo program, idempotently (--json prints what was loaded)", runDemo},
		{"user", "manage staff and partner users: user add --email E --role R [--partner-ref P]", runUser},
		{"apikey", "create a vendor API key: apikey create --name NAME (shown once)", runAPIKey},
		{"verify", "recompute balances from the ledger and compare with stored figures", runVerify},
		{"help", "list the commands", nil},
	}
}

// usageError is a bad command line or configuration: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// Main holds what every command shares: configuration, logger and the
// connections it opened, closed by Close.
type Main struct {
	Config Config
	Logger *slog.Logger
	Stdout io.Writer
	Stderr io.Writer
	// Clock is the program's one source of "now": the database handle,
	// the servers and the reconciler's steps all take it (nil: the
	// system clock).
	Clock partnerka.Clock

	db    *storage.DB
	redis *storage.Redis
}

func main() {
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := m.Run(ctx, os.Args[1:], os.Getenv)
	stop()
	m.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "partnerka:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// Run parses the configuration and runs the subcommand named by args[0].
func (m *Main) Run(ctx context.Context, args []string, getenv func(string) string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		m.usage(m.Stdout)
		return nil
	}
	if err := m.ParseConfig(getenv); err != nil {
		return err
	}
	for _, c := range commands() {
		if c.name == args[0] && c.run != nil {
			return c.run(ctx, m, args[1:])
		}
	}
	m.usage(m.Stderr)
	return usagef("unknown command %q", args[0])
}

// ParseConfig loads and validates the configuration and sets up logging.
func (m *Main) ParseConfig(getenv func(string) string) error {
	c, err := LoadConfig(getenv)
	if err != nil {
		return usageError{err.Error()}
	}
	if err := c.Validate(); err != nil {
		return usageError{err.Error()}
	}
	m.Config = c
	m.Logger = newLogger(m.Stderr, c.LogFormat, c.LogLevel)
	logRedisTo(m.Logger)
	return nil
}

// Close closes the connections a command opened.
func (m *Main) Close() {
	if m.db != nil {
		m.db.Close()
	}
	if m.redis != nil {
		m.redis.Close()
	}
}

// openDB connects to PostgreSQL; with prepared, it also refuses a stale
// schema and prepares every named query.
func (m *Main) openDB(ctx context.Context, prepared bool) (*storage.DB, error) {
	if m.db == nil {
		db, err := storage.Open(ctx, m.Config.DatabaseURL)
		if err != nil {
			return nil, err
		}
		db.Now = m.clock()
		m.db = db
	}
	if prepared && m.db.Q == nil {
		if err := m.db.CheckSchema(ctx); err != nil {
			return nil, err
		}
		if err := m.db.Prepare(ctx); err != nil {
			return nil, err
		}
	}
	return m.db, nil
}

// clock returns the program's clock.
func (m *Main) clock() partnerka.Clock {
	if m.Clock == nil {
		return partnerka.SystemClock
	}
	return m.Clock
}

func (m *Main) openRedis(ctx context.Context) (*storage.Redis, error) {
	if m.redis == nil {
		r, err := storage.OpenRedis(ctx, m.Config.RedisURL, m.Config.RedisPrefix)
		if err != nil {
			return nil, err
		}
		m.redis = r
	}
	return m.redis, nil
}

func (m *Main) usage(w io.Writer) {
	fmt.Fprintln(w, "partnerka: a self-hosted partner program engine\n\nUsage: partnerka <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nConfiguration comes from PARTNERKA_* environment variables; see README.md.")
}
