package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/redis/go-redis/v9"
)

// newLogger logs JSON when stderr is not a terminal (a service manager or a
// pipe), readable text when a person is watching.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// redisLogger writes go-redis's own lines (a dial that failed, a pool
// that gave up) through the program's logger, so they are JSON like every
// other line, not plain text between them.
type redisLogger struct{ logger *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.logger.WarnContext(ctx, strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: "), "component", "go-redis")
}

// logRedisTo routes go-redis's lines to logger. go-redis keeps one logger
// for the whole process: the last command to set up logging owns it.
func logRedisTo(logger *slog.Logger) { redis.SetLogger(redisLogger{logger}) }
