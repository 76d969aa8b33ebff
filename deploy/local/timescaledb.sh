#!/usr/bin/env bash
# PostgreSQL 15 from Debian with the TimescaleDB extension, as a project-local
# cluster on 127.0.0.1. Idempotent.
#   timescaledb.sh install|start|stop|status|wait|superuser-dsn|psql [args]
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_VERSION=15
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
PG_CONFIG=$PG_BIN/pg_config
TSDB_SRC_DIR=$IOC_HOME/build/timescaledb

# Root may not run postgres; the Debian package's own system user does instead.
if [ "$(id -u)" -eq 0 ]; then PG_OWNER=postgres; else PG_OWNER=$(id -un); fi

as_owner() {
  if [ "$(id -un)" = "$PG_OWNER" ]; then "$@"; else (cd / && runuser -u "$PG_OWNER" -- "$@"); fi
}

# The cluster lives in the checkout when the owner can reach it; a checkout under a
# private home (mode 700) cannot be, so the data then goes to /var/tmp, linked back.
pg_root() {
  local local_dir=$IOC_HOME/pg
  if [ -L "$local_dir" ] || [ -d "$local_dir" ]; then
    echo "$local_dir"
    return
  fi
  if as_owner test -x "$IOC_HOME" 2>/dev/null && as_owner test -w "$IOC_HOME" 2>/dev/null; then
    echo "$local_dir"
    return
  fi
  mkdir -p "$IOC_HOME"
  if as_owner test -x "$IOC_HOME" 2>/dev/null; then
    mkdir -p "$local_dir" && chown "$PG_OWNER" "$local_dir"
    echo "$local_dir"
    return
  fi
  local key fallback
  key=$(printf '%s' "$IOC_HOME" | sha256sum | cut -c1-12)
  fallback=/var/tmp/ioc-monitor-$key/pg
  mkdir -p "$fallback" && chown "$PG_OWNER" "$fallback" "$(dirname "$fallback")"
  ln -sfn "$fallback" "$local_dir"
  warn "$IOC_HOME is not reachable by the '$PG_OWNER' user; the cluster lives in $fallback"
  echo "$local_dir"
}

# The real path: the link in .local may sit under a folder the owner cannot enter.
PG_ROOT=$(readlink -f "$(pg_root)")
PG_DATA=$PG_ROOT/data
PG_SOCKET_DIR=$PG_ROOT/run
# Written by the server itself, so it sits beside the data its owner can write.
PG_LOG=$PG_ROOT/postgresql.log

timescaledb_installed() {
  local ext_dir
  ext_dir=$("$PG_CONFIG" --sharedir)/extension
  compgen -G "$ext_dir/timescaledb--*.sql" >/dev/null && [ -f "$ext_dir/timescaledb.control" ] &&
    compgen -G "$("$PG_CONFIG" --pkglibdir)/timescaledb-*.so" >/dev/null
}

# Debian 12 ships no TimescaleDB binary; the next release's source package builds
# against PostgreSQL 15. The apt source line reuses the mirror this machine already uses.
add_source_repository() {
  local list=/etc/apt/sources.list.d/ioc-monitor-timescaledb-src.sources
  [ -f "$list" ] && return 0
  local uri
  uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [ -z "$uri" ]; then
    uri=$(awk '$1=="deb" && $0 !~ /security/ {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' \
      /etc/apt/sources.list 2>/dev/null || true)
  fi
  [ -n "$uri" ] || die "cannot find a Debian mirror in this machine's apt configuration" \
    "add one to /etc/apt/sources.list, or install TimescaleDB for PostgreSQL $PG_VERSION yourself"
  say "adding a deb-src entry for Debian's next release (TimescaleDB source) from $uri"
  as_root tee "$list" >/dev/null <<EOF
Types: deb-src
URIs: $uri
Suites: ${IOC_TIMESCALEDB_SUITE:-trixie}
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -f "$IOC_HOME/.apt-updated"
}

build_timescaledb() {
  apt_install postgresql-server-dev-$PG_VERSION dpkg-dev cmake gcc make libssl-dev
  add_source_repository
  if [ ! -f "$IOC_HOME/.apt-updated" ]; then
    as_root apt-get update -q >"$IOC_LOG_DIR/apt-update.log" 2>&1 ||
      die "apt-get update failed (see $IOC_LOG_DIR/apt-update.log)"
    touch "$IOC_HOME/.apt-updated"
  fi
  long_step "building TimescaleDB (Apache-licensed edition) from Debian's source package" \
    "five to ten minutes on two cores" "$IOC_LOG_DIR/timescaledb-build.log"
  rm -rf "$TSDB_SRC_DIR" && mkdir -p "$TSDB_SRC_DIR"
  (
    cd "$TSDB_SRC_DIR"
    apt-get source --download-only timescaledb >"$IOC_LOG_DIR/timescaledb-source.log" 2>&1 ||
      die "cannot fetch Debian's timescaledb source package (see $IOC_LOG_DIR/timescaledb-source.log)"
    dpkg-source -x ./timescaledb_*.dsc src >>"$IOC_LOG_DIR/timescaledb-source.log" 2>&1
    if ! {
      cmake -S src -B src/build -DCMAKE_BUILD_TYPE=Release -DAPACHE_ONLY=ON \
        -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF -DWARNINGS_AS_ERRORS=OFF \
        -DPG_CONFIG="$PG_CONFIG" >"$IOC_LOG_DIR/timescaledb-build.log" 2>&1 &&
        make -C src/build -j"$(nproc)" >>"$IOC_LOG_DIR/timescaledb-build.log" 2>&1 &&
        as_root make -C src/build install >>"$IOC_LOG_DIR/timescaledb-build.log" 2>&1
    }; then
      die "building TimescaleDB failed (see $IOC_LOG_DIR/timescaledb-build.log)"
    fi
  )
}

install() {
  apt_install postgresql-$PG_VERSION postgresql-client-$PG_VERSION
  timescaledb_installed || build_timescaledb
  timescaledb_installed || die "TimescaleDB is still missing after the build"
}

running() {
  [ -f "$PG_DATA/postmaster.pid" ] && as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

init_cluster() {
  [ -f "$PG_DATA/PG_VERSION" ] && return 0
  say "creating the PostgreSQL cluster in $PG_DATA"
  mkdir -p "$PG_DATA" "$PG_SOCKET_DIR"
  chown "$PG_OWNER" "$PG_ROOT" "$PG_DATA" "$PG_SOCKET_DIR"
  chmod 700 "$PG_DATA" "$PG_SOCKET_DIR"
  as_owner "$PG_BIN/initdb" -D "$PG_DATA" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >"$IOC_LOG_DIR/initdb.log" 2>&1 ||
    die "initdb failed (see $IOC_LOG_DIR/initdb.log)"
  # Only the owner (and root) may use the socket, which is where the superuser
  # trusts its peer; every service connects over TCP with a password.
  as_owner tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF

# --- IOC monitor local cluster ---
listen_addresses = '127.0.0.1'
port = $IOC_PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
unix_socket_permissions = 0700
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
max_connections = 200
shared_buffers = 512MB
work_mem = 16MB
maintenance_work_mem = 256MB
wal_compression = on
max_wal_size = 2GB
timezone = 'UTC'
log_timezone = 'UTC'
EOF
  as_owner tee "$PG_DATA/pg_hba.conf" >/dev/null <<EOF
local   all   all                 trust
host    all   all   127.0.0.1/32  scram-sha-256
EOF
}

start() {
  install
  if running; then
    say "PostgreSQL already running on 127.0.0.1:$IOC_PG_PORT"
    wait_ready  # it may still be starting, under another ./dev
    return 0
  fi
  init_cluster
  ensure_port_free "$IOC_PG_PORT" "PostgreSQL"
  say "starting PostgreSQL $PG_VERSION with TimescaleDB on 127.0.0.1:$IOC_PG_PORT"
  rm -f "$PG_DATA/postmaster.pid"
  as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null ||
    die "PostgreSQL did not start (see $PG_LOG)"
  wait_ready
}

ready() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$IOC_PG_PORT"
}

wait_ready() {
  wait_until "PostgreSQL" "${IOC_PG_START_TIMEOUT:-60}" ready ||
    die "PostgreSQL did not become ready (see $PG_LOG)"
}

stop() {
  if running; then
    say "stopping PostgreSQL (${1:-fast} mode)"
    as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m "${1:-fast}" -w -t 60 stop >/dev/null
  else
    say "PostgreSQL is not running"
  fi
}

status() {
  if running && ready; then
    echo "postgresql: running (127.0.0.1:$IOC_PG_PORT, data $PG_DATA)"
  else
    echo "postgresql: stopped"
    return 3
  fi
}

# The superuser connects over the owner-only socket; tools that need it (bootstrap,
# tests that stop the server) read this DSN, nothing else does.
superuser_dsn() {
  echo "postgresql://$PG_OWNER@/postgres?host=$PG_SOCKET_DIR&port=$IOC_PG_PORT"
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop "${2:-fast}" ;;
status) status ;;
# Whether its process is alive, ready or still starting (status says whether it answers).
running) running ;;
wait) wait_ready ;;
superuser-dsn) superuser_dsn ;;
psql)
  shift
  as_owner "$PG_BIN/psql" -h "$PG_SOCKET_DIR" -p "$IOC_PG_PORT" -d "${IOC_PG_DB:-postgres}" "$@"
  ;;
*)
  echo "usage: $0 install|start|stop [fast|immediate]|status|running|wait|superuser-dsn|psql [args]" >&2
  exit 2
  ;;
esac
