# Functions that find, install, start and stop the local PostgreSQL and Redis
# that `make run`, `make test` and the benchmarks use. Source it; it starts
# nothing by itself. Servers listen on 127.0.0.1 only.

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# apt_install PKG...: install Debian packages when we may (root), or say
# exactly what to install.
apt_install() {
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		say "installing $* with apt-get ..."
		if [ ! -f /tmp/.partnerka-apt-updated ]; then
			apt-get update -qq >/dev/null && touch /tmp/.partnerka-apt-updated
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
			|| die "apt-get install $* failed"
	else
		die "please install: $* (for example: sudo apt-get install $*)"
	fi
}

# pg_bindir prints the directory holding initdb, pg_ctl and postgres.
pg_bindir() {
	local d
	for d in "$(pg_config --bindir 2>/dev/null)" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -Vr) /usr/local/pgsql/bin; do
		if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
			echo "$d"; return 0
		fi
	done
	return 1
}

ensure_postgres() {
	PG_BIN=$(pg_bindir) || { apt_install postgresql postgresql-contrib; PG_BIN=$(pg_bindir) || die "PostgreSQL server binaries not found after install"; }
	export PG_BIN
}

ensure_redis() {
	command -v redis-server >/dev/null && command -v redis-cli >/dev/null || apt_install redis-server
}

ensure_chromium() {
	command -v chromium >/dev/null || command -v chromium-browser >/dev/null || apt_install chromium
}

# free_port [EXCEPT] prints a TCP port nothing listens on, below the
# kernel's range for outgoing connections (so no client socket holds it)
# and other than EXCEPT.
free_port() {
	local p lo
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	for _ in $(seq 1 100); do
		p=$(shuf -i 20000-$((lo - 1)) -n 1)
		[ "$p" = "${1:-}" ] && continue
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return 0; fi
	done
	die "no free port found"
}

# PostgreSQL refuses to run as root: run it as the postgres user (or nobody).
pg_user() {
	if [ "$(id -u)" != 0 ]; then id -un; elif id postgres >/dev/null 2>&1; then echo postgres; else echo nobody; fi
}

as_pg() {
	if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$(pg_user)" -- "$@"); else "$@"; fi
}

# pg_datadir DIR: DIR when the PostgreSQL user can reach it, otherwise a
# folder under /var/tmp named after DIR (a checkout inside a private folder).
pg_datadir() {
	local want=$1
	mkdir -p "$(dirname "$want")"
	if [ "$(id -u)" != 0 ] || runuser -u "$(pg_user)" -- test -x "$(dirname "$want")" 2>/dev/null; then
		echo "$want"
	else
		echo "/var/tmp/partnerka-pg-$(printf '%s' "$want" | sha1sum | cut -c1-12)"
	fi
}

# pg_start DATADIR PORT [fast]: initialise DATADIR if new and start the server.
# "fast" turns off durability for throwaway test servers.
pg_start() {
	local dir=$1 port=$2 mode=${3:-}
	ensure_postgres
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown "$(pg_user)" "$dir"
	chmod 700 "$dir"
	if [ ! -f "$dir/PG_VERSION" ]; then
		as_pg "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --no-locale >"$dir.initdb.log" 2>&1 \
			|| { cat "$dir.initdb.log" >&2; die "initdb failed"; }
	fi
	local opts="-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c shared_buffers=256MB"
	if [ "$mode" = fast ]; then
		opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	fi
	opts="$opts ${PARTNERKA_BENCH_PG_OPTS:-}" # e.g. -c shared_preload_libraries=pg_stat_statements
	local clock=()
	if [ -n "${PG_FAKETIME:-}" ]; then
		# The server's clock moved (make test-clock): libfaketime preloaded
		# into the postgres processes only (in Redis or the whole shell it
		# hangs); monotonic clocks stay real so timeouts keep working.
		clock=(env LD_PRELOAD="$(faketime_lib)" FAKETIME="$PG_FAKETIME" FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1)
	fi
	as_pg "${clock[@]}" "$PG_BIN/pg_ctl" -D "$dir" -o "$opts" -l "$dir/server.log" -w -t 60 start >/dev/null \
		|| { tail -20 "$dir/server.log" >&2; die "PostgreSQL did not start (log: $dir/server.log)"; }
}

# faketime_lib prints the path of libfaketime, installing it if missing.
faketime_lib() {
	local lib
	for lib in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 /usr/lib/*/faketime/libfaketime.so.1 /usr/local/lib/faketime/libfaketime.so.1; do
		[ -f "$lib" ] && { echo "$lib"; return 0; }
	done
	apt_install faketime >&2
	for lib in /usr/lib/*/faketime/libfaketime.so.1; do
		[ -f "$lib" ] && { echo "$lib"; return 0; }
	done
	die "libfaketime not found after installing faketime"
}

pg_stop() {
	[ -f "$1/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null 2>&1 || true
}

pg_running() {
	[ -n "${PG_BIN:-}" ] || PG_BIN=$(pg_bindir) || return 1
	as_pg "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

# pg_psql PORT SQL: run SQL as the superuser.
pg_psql() {
	as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres -d postgres -tAc "$2"
}

# pg_ensure_app_db PORT: the partnerka role and database `make run` uses.
pg_ensure_app_db() {
	local port=$1
	[ "$(pg_psql "$port" "SELECT 1 FROM pg_roles WHERE rolname = 'partnerka'")" = 1 ] \
		|| pg_psql "$port" "CREATE ROLE partnerka LOGIN CREATEDB"
	[ "$(pg_psql "$port" "SELECT 1 FROM pg_database WHERE datname = 'partnerka'")" = 1 ] \
		|| pg_psql "$port" "CREATE DATABASE partnerka OWNER partnerka"
}

# redis_start DIR PORT [appendfsync]: Redis with AOF and noeviction, as the
# click streams need.
redis_start() {
	local dir=$1 port=$2 fsync=${3:-everysec}
	ensure_redis
	mkdir -p "$dir"
	redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --daemonize yes \
		--pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
		--appendonly yes --appendfsync "$fsync" --save "" --maxmemory-policy noeviction >/dev/null \
		|| die "Redis did not start (log: $dir/redis.log)"
	for _ in $(seq 1 50); do
		redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "Redis did not answer on port $port (log: $dir/redis.log)"
}

redis_stop() {
	redis-cli -p "$2" shutdown nosave >/dev/null 2>&1 || { [ -f "$1/redis.pid" ] && kill "$(cat "$1/redis.pid")" 2>/dev/null; } || true
}

# start_throwaway [fast|durable]: PostgreSQL and Redis (AOF everysec) on free
# ports in a temporary folder, stopped and removed when the script exits.
# Sets TEST_PG_URL (the superuser's postgres database) and TEST_REDIS_URL.
start_throwaway() {
	local mode=${1:-fast}
	ensure_postgres
	ensure_redis
	THROWAWAY_TMP=$(mktemp -d /tmp/partnerka-svc.XXXXXX)
	THROWAWAY_PGDIR=$(pg_datadir "$THROWAWAY_TMP/pg")
	THROWAWAY_PGPORT=$(free_port)
	THROWAWAY_REDISPORT=$(free_port "$THROWAWAY_PGPORT")
	trap stop_throwaway EXIT
	say "starting PostgreSQL on 127.0.0.1:$THROWAWAY_PGPORT and Redis on 127.0.0.1:$THROWAWAY_REDISPORT"
	if [ "$mode" = fast ]; then
		pg_start "$THROWAWAY_PGDIR" "$THROWAWAY_PGPORT" fast
	else
		pg_start "$THROWAWAY_PGDIR" "$THROWAWAY_PGPORT"
	fi
	redis_start "$THROWAWAY_TMP/redis" "$THROWAWAY_REDISPORT" everysec
	TEST_PG_URL="postgres://postgres@127.0.0.1:$THROWAWAY_PGPORT/postgres?sslmode=disable"
	TEST_REDIS_URL="redis://127.0.0.1:$THROWAWAY_REDISPORT/0"
}

stop_throwaway() {
	pg_stop "$THROWAWAY_PGDIR"
	redis_stop "$THROWAWAY_TMP/redis" "$THROWAWAY_REDISPORT"
	rm -rf "$THROWAWAY_TMP" "$THROWAWAY_PGDIR"
}
