#!/usr/bin/env bash
# A standalone Kafka Connect worker (Kafka 4.1.1) with Debezium's JDBC sink on its
# plugin path, on 127.0.0.1, for the benchmark's peer (docs/benchmarks.md). Idempotent.
#   kafka-connect.sh install|start [connector.properties ...]|stop|status|wait|logs [lines]
# Connectors are usually created through the REST API once the worker is up
# (PUT http://127.0.0.1:$IOC_CONNECT_PORT/connectors/<name>/config), so no
# database password has to be written to a file.
#
# Settings (environment):
#   IOC_CONNECT_PORT       REST port on 127.0.0.1 (default 8083)
#   IOC_CONNECT_HEAP       worker heap (default 256m)
#   IOC_CONNECT_RUN_DIR    config, pid, offsets and log of one worker (default .local/kafka-connect/run)
#   IOC_CONNECT_OFFSET_FLUSH_MS  how often sink offsets are committed (default 60000, Kafka's own)
#   IOC_KAFKA_PORT         the local broker (deploy/local/kafka.sh), default 9092
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

CONNECT_DIR=$IOC_HOME/kafka-connect
CONNECT_LIBS=$CONNECT_DIR/libs
CONNECT_PLUGINS=$CONNECT_DIR/plugins
CONNECT_PORT=${IOC_CONNECT_PORT:-8083}
CONNECT_HEAP=${IOC_CONNECT_HEAP:-256m}
RUN_DIR=${IOC_CONNECT_RUN_DIR:-$CONNECT_DIR/run}
CONNECT_PID=$RUN_DIR/connect.pid
CONNECT_LOG=$RUN_DIR/connect.log
POM=$IOC_ROOT/deploy/local/kafka-connect/pom.xml

# One Maven profile per destination: the worker's classpath, and the plugin directory
# the worker loads in a class loader of its own (as a production Connect cluster does).
resolve() {
  local profile=$1 target=$2
  rm -rf "$target" && mkdir -p "$target"
  mvn -q -B -f "$POM" -P "$profile" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$target" >>"$IOC_LOG_DIR/kafka-connect-maven.log" 2>&1 ||
    die "Maven could not resolve the '$profile' jars (see $IOC_LOG_DIR/kafka-connect-maven.log)" \
      "check that Maven Central is reachable from this machine (mvn's own settings are used)"
}

install() {
  need_cmd java "install a Java 17+ runtime (apt-get install openjdk-17-jre-headless)"
  local version
  version=$(java -version 2>&1 | awk -F'"' '/version/{split($2, v, "."); print v[1]; exit}')
  [ "${version:-0}" -ge 17 ] || die "Kafka Connect 4 needs Java 17 or newer, found $version" "install openjdk-17-jre-headless"
  # The jars are tied to the pom: a changed pom reinstalls, an unchanged one is reused.
  local stamp=$CONNECT_DIR/.pom.sha256 want
  want=$(sha256sum "$POM" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  need_cmd mvn "install Maven (apt-get install maven)"
  say "resolving Kafka Connect and the Debezium JDBC sink with Maven (first run only)"
  mkdir -p "$CONNECT_DIR"
  : >"$IOC_LOG_DIR/kafka-connect-maven.log"
  resolve worker "$CONNECT_LIBS"
  resolve plugin "$CONNECT_PLUGINS/debezium-connector-jdbc"
  echo "$want" >"$stamp"
}

write_config() {
  mkdir -p "$RUN_DIR"
  cat >"$RUN_DIR/worker.properties" <<EOF
bootstrap.servers=127.0.0.1:$IOC_KAFKA_PORT
listeners=http://127.0.0.1:$CONNECT_PORT
plugin.path=$CONNECT_PLUGINS
# The sink reads schema'd JSON ({"schema": ..., "payload": ...}); keys are plain strings.
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=true
offset.storage.file.filename=$RUN_DIR/offsets
offset.flush.interval.ms=${IOC_CONNECT_OFFSET_FLUSH_MS:-60000}
# The same safety as our consumers: nothing read from aborted transactions.
consumer.isolation.level=read_committed
consumer.auto.offset.reset=earliest
EOF
  cat >"$RUN_DIR/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $RUN_DIR/connect-worker.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.hibernate.name = org.hibernate
logger.hibernate.level = warn
logger.c3p0.name = com.mchange
logger.c3p0.level = warn
EOF
}

running() {
  [ -f "$CONNECT_PID" ] && kill -0 "$(cat "$CONNECT_PID")" 2>/dev/null
}

rest_ready() {
  running && curl -sf "http://127.0.0.1:$CONNECT_PORT/" >/dev/null
}

start() {
  install
  if running; then
    say "Kafka Connect already running (pid $(cat "$CONNECT_PID"))"
    return 0
  fi
  need_cmd curl "install curl (apt-get install curl)"
  port_open "$IOC_KAFKA_PORT" || die "no Kafka broker on 127.0.0.1:$IOC_KAFKA_PORT" "start it with ./dev up"
  ensure_port_free "$CONNECT_PORT" "Kafka Connect"
  write_config
  say "starting a standalone Kafka Connect worker on 127.0.0.1:$CONNECT_PORT (heap $CONNECT_HEAP)"
  # setsid: the worker outlives the shell that started it and ignores its Ctrl-C.
  setsid java -Xms"$CONNECT_HEAP" -Xmx"$CONNECT_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$RUN_DIR/log4j2.properties" \
    -cp "$CONNECT_LIBS/*" org.apache.kafka.connect.cli.ConnectStandalone \
    "$RUN_DIR/worker.properties" "$@" >>"$CONNECT_LOG" 2>&1 </dev/null &
  echo $! >"$CONNECT_PID"
  wait_ready
}

wait_ready() {
  wait_until "Kafka Connect" "${IOC_CONNECT_START_TIMEOUT:-120}" rest_ready || {
    tail -n 30 "$CONNECT_LOG" "$RUN_DIR/connect-worker.log" >&2 || true
    die "Kafka Connect did not become ready (logs: $CONNECT_LOG, $RUN_DIR/connect-worker.log)"
  }
}

stop() {
  if ! running; then
    say "Kafka Connect is not running"
    rm -f "$CONNECT_PID"
    return 0
  fi
  local pid
  pid=$(cat "$CONNECT_PID")
  say "stopping Kafka Connect (pid $pid)"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      warn "Kafka Connect did not stop within 30 s, killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.3
  done
  rm -f "$CONNECT_PID"
}

status() {
  if rest_ready; then
    echo "kafka-connect: running (pid $(cat "$CONNECT_PID"), http://127.0.0.1:$CONNECT_PORT)"
  else
    echo "kafka-connect: stopped"
    return 3
  fi
}

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
install) install ;;
start) start "$@" ;;
stop) stop ;;
status) status ;;
wait) wait_ready ;;
logs) tail -n "${1:-100}" "$RUN_DIR/connect-worker.log" ;;
*)
  echo "usage: $0 install|start [connector.properties ...]|stop|status|wait|logs [lines]" >&2
  exit 2
  ;;
esac
