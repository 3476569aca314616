package storage

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"partnerka/migrations"
)

// provider returns a goose provider over the embedded migrations. A session
// advisory lock keeps two processes from migrating at once.
func (db *DB) provider(logger *slog.Logger) (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true)}
	if logger != nil {
		opts = append(opts, goose.WithSlog(logger))
	}
	return goose.NewProvider(goose.DialectPostgres, db.DB.DB, migrations.FS, opts...)
}

// Migrate applies every pending migration, each in its own transaction, and
// returns the version before and after.
func (db *DB) Migrate(ctx context.Context, logger *slog.Logger) (from, to int64, err error) {
	p, err := db.provider(logger)
	if err != nil {
		return 0, 0, err
	}
	from, _, err = p.GetVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return from, 0, fmt.Errorf("migrate: %w", err)
	}
	to, _, err = p.GetVersions(ctx)
	return from, to, err
}

// SchemaVersion returns the schema version of the database and the version
// this binary expects.
func (db *DB) SchemaVersion(ctx context.Context) (current, want int64, err error) {
	p, err := db.provider(nil)
	if err != nil {
		return 0, 0, err
	}
	return p.GetVersions(ctx)
}

// CheckSchema returns an error naming the fix when the schema is not the one
// this binary was built for.
func (db *DB) CheckSchema(ctx context.Context) error {
	current, want, err := db.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("cannot read the schema version: %s", firstLine(err))
	}
	switch {
	case current < want:
		return fmt.Errorf("database schema is at version %d but this binary needs %d: run `partnerka migrate`", current, want)
	case current > want:
		return fmt.Errorf("database schema is at version %d, newer than this binary's %d: upgrade partnerka", current, want)
	}
	return nil
}
