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
	pg_serve "$dir" "$port" "$mode"
}

# pg_replica_start PRIMARY_PORT DATADIR PORT [fast]: a streaming replica of
# the server on PRIMARY_PORT (a base backup with -R: standby.signal and
# primary_conninfo), started on PORT with pg_start's options. initdb's
# pg_hba.conf already trusts replication from 127.0.0.1 and wal_level is
# replica by default, so any server pg_start made can have one. The replica
# streams through a physical replication slot (-C -S): the primary keeps
# the WAL until the replica has it. Without one, the tests' burst of
# databases created from a template (each a copy of it in the WAL) could
# recycle segments a replica slowed by a loaded machine had not read yet,
# and it would never catch up again.
pg_replica_start() {
	local primary=$1 dir=$2 port=$3 mode=${4:-}
	local slot="partnerka_replica_$port"
	ensure_postgres
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown "$(pg_user)" "$dir"
	chmod 700 "$dir"
	if [ ! -f "$dir/PG_VERSION" ]; then
		pg_psql "$primary" "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$slot'" >/dev/null
		as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres -D "$dir" -R -X stream -C -S "$slot" \
			--checkpoint=fast --no-sync >"$dir.basebackup.log" 2>&1 \
			|| { cat "$dir.basebackup.log" >&2; die "pg_basebackup from port $primary failed"; }
		rm -f "$dir"/server.log "$dir"/.s.PGSQL.* # the primary's, copied with its data directory
	fi
	pg_serve "$dir" "$port" "$mode"
}

# pg_serve DATADIR PORT [fast]: start the server of an initialised DATADIR.
pg_serve() {
	local dir=$1 port=$2 mode=${3:-}
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

# start_throwaway [fast|durable] [replica]: PostgreSQL and Redis (AOF
# everysec) on free ports in a temporary folder, stopped and removed when
# the script exits; with "replica", a streaming replica of that PostgreSQL
# too (benchmarks go without: replaying would share their cores). Sets
# TEST_PG_URL (the superuser's postgres database), TEST_PG_REPLICA_URL (the
# same on the replica, empty without one) and TEST_REDIS_URL.
start_throwaway() {
	local mode=${1:-fast} replica=${2:-}
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
	TEST_PG_REPLICA_URL=
	if [ "$replica" = replica ]; then
		# Made right away, while the primary is small (a base backup of a
		# fresh cluster takes a second).
		THROWAWAY_PGREPLICADIR=$(pg_datadir "$THROWAWAY_TMP/pg-replica")
		THROWAWAY_PGREPLICAPORT=$(free_port "$THROWAWAY_REDISPORT")
		say "starting its streaming replica on 127.0.0.1:$THROWAWAY_PGREPLICAPORT"
		pg_replica_start "$THROWAWAY_PGPORT" "$THROWAWAY_PGREPLICADIR" "$THROWAWAY_PGREPLICAPORT" "$mode"
		TEST_PG_REPLICA_URL="postgres://postgres@127.0.0.1:$THROWAWAY_PGREPLICAPORT/postgres?sslmode=disable"
	fi
	redis_start "$THROWAWAY_TMP/redis" "$THROWAWAY_REDISPORT" everysec
	TEST_PG_URL="postgres://postgres@127.0.0.1:$THROWAWAY_PGPORT/postgres?sslmode=disable"
	TEST_REDIS_URL="redis://127.0.0.1:$THROWAWAY_REDISPORT/0"
}

stop_throwaway() {
	if [ -n "${THROWAWAY_PGREPLICADIR:-}" ]; then
		pg_stop "$THROWAWAY_PGREPLICADIR"
		rm -rf "$THROWAWAY_PGREPLICADIR" "$THROWAWAY_PGREPLICADIR.basebackup.log"
	fi
	pg_stop "$THROWAWAY_PGDIR"
	redis_stop "$THROWAWAY_TMP/redis" "$THROWAWAY_REDISPORT"
	rm -rf "$THROWAWAY_TMP" "$THROWAWAY_PGDIR"
}

# redis_cluster_start DIR: a Redis Cluster of three primaries with one
# replica each, six redis-server processes in cluster mode on consecutive
# loopback ports (each with its cluster bus at port + 10000, kept below
# the kernel's range for outgoing connections), joined with redis-cli
# --cluster create. Waits until every node sees the cluster ok and every
# replica in sync. Sets TEST_REDIS_CLUSTER_URL and CLUSTER_PORTS.
redis_cluster_start() {
	local dir=$1 base p ok i
	ensure_redis
	for _ in $(seq 1 50); do
		base=$(shuf -i 20000-22700 -n 1)
		ok=1
		for p in $(seq "$base" $((base + 5))) $(seq $((base + 10000)) $((base + 10005))); do
			if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then ok=0; break; fi
		done
		[ $ok = 1 ] && break
	done
	[ $ok = 1 ] || die "no six free ports found for the Redis Cluster"
	CLUSTER_PORTS=$(seq "$base" $((base + 5)) | tr '\n' ' ')
	for p in $CLUSTER_PORTS; do
		mkdir -p "$dir/$p"
		redis-server --port "$p" --bind 127.0.0.1 --dir "$dir/$p" --daemonize yes \
			--pidfile "$dir/$p/redis.pid" --logfile "$dir/$p/redis.log" \
			--cluster-enabled yes --cluster-config-file "$dir/$p/nodes.conf" --cluster-node-timeout 2000 \
			--appendonly no --save "" --repl-diskless-sync-delay 0 --maxmemory-policy noeviction >/dev/null \
			|| die "Redis cluster node $p did not start (log: $dir/$p/redis.log)"
	done
	for p in $CLUSTER_PORTS; do
		for i in $(seq 1 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
	done
	# shellcheck disable=SC2046
	redis-cli --cluster create $(for p in $CLUSTER_PORTS; do printf '127.0.0.1:%s ' "$p"; done) \
		--cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 \
		|| { cat "$dir/create.log" >&2; die "redis-cli --cluster create failed"; }
	for p in $CLUSTER_PORTS; do
		for i in $(seq 1 300); do
			local info repl
			info=$(redis-cli -p "$p" cluster info 2>/dev/null | tr -d '\r')
			repl=$(redis-cli -p "$p" info replication 2>/dev/null | tr -d '\r')
			case "$info" in *cluster_state:ok*cluster_slots_ok:16384*|*cluster_slots_ok:16384*cluster_state:ok*) ;; *) sleep 0.1; continue ;; esac
			case "$repl" in *role:master*connected_slaves:1*|*role:slave*master_link_status:up*) break ;; esac
			sleep 0.1
		done
		[ "$i" -lt 300 ] || die "Redis cluster node $p never became ok (log: $dir/$p/redis.log)"
	done
	set -- $CLUSTER_PORTS
	TEST_REDIS_CLUSTER_URL="redis+cluster://127.0.0.1:$1?addr=127.0.0.1:$2&addr=127.0.0.1:$3"
}

redis_cluster_stop() {
	local dir=$1 p
	for p in ${CLUSTER_PORTS:-}; do
		redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || { [ -f "$dir/$p/redis.pid" ] && kill "$(cat "$dir/$p/redis.pid")" 2>/dev/null; } || true
	done
	rm -rf "$dir"
}
