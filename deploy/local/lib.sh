# Shared helpers for the local runner scripts. Sourced, never executed.
# shellcheck shell=bash

IOC_ROOT=${IOC_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# Everything the local runner installs or writes lives here, inside the checkout,
# so a second checkout never shares a broker or a cluster with the first.
IOC_HOME=${IOC_HOME:-$IOC_ROOT/.local}
IOC_LOG_DIR=$IOC_HOME/log
mkdir -p "$IOC_HOME" "$IOC_LOG_DIR"

IOC_KAFKA_PORT=${IOC_KAFKA_PORT:-9092}
IOC_KAFKA_CONTROLLER_PORT=${IOC_KAFKA_CONTROLLER_PORT:-9093}
# The authenticated listener; derived from the plain one so a second broker moved with
# IOC_KAFKA_PORT (CI uses 19092/19093) does not collide with the first.
IOC_KAFKA_SASL_PORT=${IOC_KAFKA_SASL_PORT:-$((IOC_KAFKA_PORT + 2))}
IOC_PG_PORT=${IOC_PG_PORT:-5432}

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }
die() {
  printf '\033[1;31merror:\033[0m %s\n' "$1" >&2
  [ -n "${2:-}" ] && printf '  what to do: %s\n' "$2" >&2
  exit 1
}

# A step that takes minutes the first time: say so, how long, and where its log is.
long_step() {
  say "$1 (first run only, about $2; log: $3)"
}

need_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed" "${2:-install it and run again}"
}

# True when something listens on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The runner of `./dev up` writes its pid here (deploy/local/run_system.py).
RUNNER_PID_FILE=$IOC_HOME/run-system.pid

# A runner of this checkout is alive: its pid file names a process running it (a stale
# file, or a pid the system gave to something else since, does not count).
runner_running() {
  local pid
  [ -f "$RUNNER_PID_FILE" ] || return 1
  pid=$(cat "$RUNNER_PID_FILE")
  [[ "$pid" =~ ^[0-9]+$ ]] && grep -qa "run_system.py" "/proc/$pid/cmdline" 2>/dev/null
}

# A port held by a process that is not ours is a clear error, not a silent clash.
ensure_port_free() {
  local port=$1 what=$2
  if port_open "$port"; then
    die "port $port on 127.0.0.1 is already in use, so $what cannot start" \
      "stop whatever listens there (ss -ltnp 'sport = :$port') or choose another port with the matching IOC_*_PORT variable"
  fi
}

# Polls a readiness probe until it succeeds or the deadline passes; the probe is
# a command, so the wait ends as soon as the service is really ready.
wait_until() {
  local what=$1 timeout=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 0.3
  done
  say "$what is ready"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  need_cmd apt-get "this runner needs a Debian machine"
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  long_step "installing Debian packages: ${missing[*]}" "one to five minutes" "$IOC_LOG_DIR/apt-install.log"
  local stamp=$IOC_HOME/.apt-updated
  if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +720 2>/dev/null)" ]; then
    as_root apt-get update -q >"$IOC_LOG_DIR/apt-update.log" 2>&1 ||
      die "apt-get update failed (see $IOC_LOG_DIR/apt-update.log)" "check that Debian's package mirror is reachable"
    touch "$stamp"
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${missing[@]}" \
    >"$IOC_LOG_DIR/apt-install.log" 2>&1 ||
    die "apt-get install ${missing[*]} failed (see $IOC_LOG_DIR/apt-install.log)" "check that Debian's package mirror is reachable"
}

# The Docker Compose CLI plugin, built from the Go module proxy the machine's Go is set
# up for: with it `docker compose config` reads compose.yaml the way Docker would, even
# where no Docker engine runs. Skipped, with a warning, when the docker client or Go is
# missing (the compose tests then say they were skipped and why).
COMPOSE_PLUGIN_VERSION=v5.6.0
compose_plugin_install() {
  command -v docker >/dev/null 2>&1 || return 0
  docker compose version >/dev/null 2>&1 && return 0
  if ! command -v go >/dev/null 2>&1; then
    warn "the docker compose plugin is missing and Go is not installed to build it: compose.yaml will be checked without it"
    return 0
  fi
  local module=$IOC_HOME/compose-plugin log=$IOC_LOG_DIR/compose-plugin.log
  local plugins=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
  long_step "building the docker compose plugin $COMPOSE_PLUGIN_VERSION" "a minute or two" "$log"
  mkdir -p "$module" "$plugins"
  (
    cd "$module"
    [ -f go.mod ] || go mod init ioc-compose-plugin
    go get "github.com/docker/compose/v5/cmd@$COMPOSE_PLUGIN_VERSION"
    go build -o "$module/docker-compose" github.com/docker/compose/v5/cmd
  ) >"$log" 2>&1 || die "building the docker compose plugin failed (see $log)" "check that the Go module proxy is reachable"
  install -m 0755 "$module/docker-compose" "$plugins/docker-compose"
  docker compose version >/dev/null 2>&1 || die "docker does not find the compose plugin in $plugins" "see $log"
}
