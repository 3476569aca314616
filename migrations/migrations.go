// Package migrations holds the SQL schema as numbered files, embedded in the
// binary and applied in order, each in its own transaction.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
