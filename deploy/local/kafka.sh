#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, broker and controller in one process) on
# 127.0.0.1, built from the broker jars on Maven Central. Idempotent.
# Two client listeners: PLAINTEXT on IOC_KAFKA_PORT (anonymous, a super user: the
# services and tests use it) and SASL_PLAINTEXT with PLAIN on IOC_KAFKA_SASL_PORT, where
# the principals below log in with passwords generated once into .local/kafka-sasl.env
# and are held to the ACLs `ioc-topics acls` applies (StandardAuthorizer).
#   kafka.sh install|start|stop|restart|status|wait|logs|env
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_DIR=$IOC_HOME/kafka
KAFKA_LIBS=$KAFKA_DIR/libs
KAFKA_DATA=$KAFKA_DIR/data
KAFKA_CONF=$KAFKA_DIR/server.properties
KAFKA_PID=$KAFKA_DIR/kafka.pid
KAFKA_LOG=$IOC_LOG_DIR/kafka.log
KAFKA_HEAP=${IOC_KAFKA_HEAP:-512m}
POM=$IOC_ROOT/deploy/local/kafka/pom.xml
KAFKA_SASL_ENV=$IOC_HOME/kafka-sasl.env
# ioc-admin is a super user (it applies the ACLs); the others get only what
# libs/messaging/src/ioc_messaging/acls.py grants them.
KAFKA_PRINCIPALS=(ioc-admin ioc-ingest ioc-aggregator ioc-alerts ioc-derived ioc-lag-exporter agency-so-xd agency-vp-ubnd)

install() {
  need_cmd java "install a Java 17+ runtime (apt-get install openjdk-17-jre-headless)"
  local version
  version=$(java -version 2>&1 | awk -F'"' '/version/{split($2, v, "."); print v[1]; exit}')
  [ "${version:-0}" -ge 17 ] || die "Kafka 4 needs Java 17 or newer, found $version" "install openjdk-17-jre-headless"
  # The jar list is tied to the pom: a changed pom reinstalls, an unchanged one is reused.
  local stamp=$KAFKA_LIBS/.pom.sha256 want
  want=$(sha256sum "$POM" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  need_cmd mvn "install Maven (apt-get install maven)"
  long_step "resolving the Kafka broker jars with Maven" "one to three minutes" "$IOC_LOG_DIR/kafka-maven.log"
  rm -rf "$KAFKA_LIBS" && mkdir -p "$KAFKA_LIBS"
  mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$KAFKA_LIBS" >"$IOC_LOG_DIR/kafka-maven.log" 2>&1 ||
    die "Maven could not resolve the Kafka broker jars (see $IOC_LOG_DIR/kafka-maven.log)" \
      "check that Maven Central is reachable from this machine (mvn's own settings are used)"
  echo "$want" >"$stamp"
}

# IOC_KAFKA_PASSWORD_<PRINCIPAL>, e.g. ioc-ingest -> IOC_KAFKA_PASSWORD_IOC_INGEST.
password_variable() {
  local name=${1^^}
  echo "IOC_KAFKA_PASSWORD_${name//-/_}"
}

# Passwords are generated once per checkout and kept; a principal added to the list
# gets one on the next start. The address line follows IOC_KAFKA_SASL_PORT.
write_sasl_env() {
  local principal variable value lines=()
  for principal in "${KAFKA_PRINCIPALS[@]}"; do
    variable=$(password_variable "$principal")
    value=$(sed -n "s/^$variable=//p" "$KAFKA_SASL_ENV" 2>/dev/null | tail -n1 || true)
    [ -n "$value" ] || value=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    lines+=("$variable=$value")
  done
  (
    umask 077
    {
      echo "# Kafka's SASL/PLAIN principals on the local broker (deploy/local/kafka.sh)."
      echo "IOC_KAFKA_SASL_BOOTSTRAP_SERVERS=127.0.0.1:$IOC_KAFKA_SASL_PORT"
      printf '%s\n' "${lines[@]}"
    } >"$KAFKA_SASL_ENV.tmp"
  )
  mv "$KAFKA_SASL_ENV.tmp" "$KAFKA_SASL_ENV"
}

sasl_password() {
  sed -n "s/^$(password_variable "$1")=//p" "$KAFKA_SASL_ENV"
}

# The broker's JAAS config for PLAIN: its own login (unused: PLAINTEXT carries the
# inter-broker traffic) and one user_<name>="<password>" per principal.
plain_jaas() {
  local principal users=""
  for principal in "${KAFKA_PRINCIPALS[@]}"; do
    users+=" user_$principal=\"$(sasl_password "$principal")\""
  done
  printf 'org.apache.kafka.common.security.plain.PlainLoginModule required username="ioc-admin" password="%s"%s;' \
    "$(sasl_password ioc-admin)" "$users"
}

render_config() {
  cat <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$IOC_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$IOC_KAFKA_PORT,CONTROLLER://127.0.0.1:$IOC_KAFKA_CONTROLLER_PORT,SASL_PLAINTEXT://127.0.0.1:$IOC_KAFKA_SASL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$IOC_KAFKA_PORT,SASL_PLAINTEXT://127.0.0.1:$IOC_KAFKA_SASL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=$(plain_jaas)
# ACLs live in the KRaft metadata log. The PLAINTEXT and controller listeners stay open
# to everyone on 127.0.0.1 (ANONYMOUS is a super user); SASL principals get their ACLs.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS;User:ioc-admin
log.dirs=$KAFKA_DATA
# Topics are created by ioc-topics with their partitions and retention; a typo in a
# topic name must fail, not silently create a new topic.
auto.create.topics.enable=false
num.partitions=6
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# One node: no reason to wait for more members before the first rebalance.
group.initial.rebalance.delay.ms=0
EOF
}

# Rewritten on every start, so a broker formatted by an older version of this script
# gets the new settings (listeners, authorizer) and keeps its data.
write_config() {
  mkdir -p "$KAFKA_DATA"
  write_sasl_env
  (
    umask 077 # it holds the principals' passwords
    render_config >"$KAFKA_CONF.tmp"
  )
  mv "$KAFKA_CONF.tmp" "$KAFKA_CONF"
  cat >"$KAFKA_DIR/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $IOC_LOG_DIR/kafka-server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = info
logger.apache.name = org.apache.kafka
logger.apache.level = warn
EOF
}

# True when the running broker was started with another configuration than this
# script writes now (by an older version of it, or with other ports).
config_changed() {
  [ -f "$KAFKA_CONF" ] || return 0
  write_sasl_env
  ! cmp -s <(render_config) "$KAFKA_CONF"
}

running() {
  [ -f "$KAFKA_PID" ] && kill -0 "$(cat "$KAFKA_PID")" 2>/dev/null
}

JVM_OPTIONS=(
  -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
  -Djava.awt.headless=true -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties"
  -cp "$KAFKA_LIBS/*"
)

java_cmd() {
  java "${JVM_OPTIONS[@]}" "$@"
}

start() {
  install
  if running; then
    if ! config_changed; then
      # It may still be starting (another ./dev started it a moment ago): ready is
      # what the caller needs.
      say "Kafka already running (pid $(cat "$KAFKA_PID"))"
      wait_ready
      return 0
    fi
    say "Kafka runs with an older configuration (listeners, authorizer or ports): restarting it"
    stop
  fi
  ensure_port_free "$IOC_KAFKA_PORT" "Kafka"
  ensure_port_free "$IOC_KAFKA_CONTROLLER_PORT" "the Kafka controller"
  ensure_port_free "$IOC_KAFKA_SASL_PORT" "Kafka's SASL listener (IOC_KAFKA_SASL_PORT)"
  write_config
  if [ ! -f "$KAFKA_DATA/meta.properties" ]; then
    say "formatting Kafka storage in $KAFKA_DATA"
    local cluster_id
    cluster_id=$(java_cmd kafka.tools.StorageTool random-uuid 2>>"$KAFKA_LOG" | tail -n1)
    java_cmd kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_CONF" >>"$KAFKA_LOG" 2>&1 ||
      die "formatting Kafka storage failed (see $KAFKA_LOG)"
  fi
  say "starting Kafka on 127.0.0.1:$IOC_KAFKA_PORT (SASL_PLAINTEXT on $IOC_KAFKA_SASL_PORT)"
  : >"$IOC_LOG_DIR/kafka-server.log"
  # setsid: the broker outlives the shell that started it and ignores its Ctrl-C.
  # exec all the way down: the background subshell becomes setsid, then java, under
  # one pid, so the pid file names the broker itself and `stop` reaches it.
  (exec setsid java "${JVM_OPTIONS[@]}" kafka.Kafka "$KAFKA_CONF") >>"$KAFKA_LOG" 2>&1 </dev/null &
  echo $! >"$KAFKA_PID"
  wait_ready
}

# The broker logs this line only once it serves clients; an open port alone comes earlier.
broker_started() {
  running && port_open "$IOC_KAFKA_PORT" && port_open "$IOC_KAFKA_SASL_PORT" &&
    grep -q 'Kafka Server started' "$IOC_LOG_DIR/kafka-server.log"
}

wait_ready() {
  wait_until "Kafka" "${IOC_KAFKA_START_TIMEOUT:-120}" broker_started || {
    tail -n 30 "$KAFKA_LOG" "$IOC_LOG_DIR/kafka-server.log" >&2 || true
    die "Kafka did not become ready (logs: $KAFKA_LOG, $IOC_LOG_DIR/kafka-server.log)"
  }
}

stop() {
  if ! running; then
    say "Kafka is not running"
    rm -f "$KAFKA_PID"
    return 0
  fi
  local pid
  pid=$(cat "$KAFKA_PID")
  say "stopping Kafka (pid $pid)"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      warn "Kafka did not stop within 60 s, killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.3
  done
  rm -f "$KAFKA_PID"
}

status() {
  if running && port_open "$IOC_KAFKA_PORT"; then
    local sasl="SASL 127.0.0.1:$IOC_KAFKA_SASL_PORT"
    port_open "$IOC_KAFKA_SASL_PORT" || sasl="no SASL listener: deploy/local/kafka.sh restart"
    echo "kafka: running (pid $(cat "$KAFKA_PID"), 127.0.0.1:$IOC_KAFKA_PORT, $sasl)"
  else
    echo "kafka: stopped"
    return 3
  fi
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop ;;
restart)
  stop
  start
  ;;
status) status ;;
# Whether its process is alive, ready or still starting (status says whether it answers).
running) running ;;
wait) wait_ready ;;
logs) tail -n "${2:-100}" "$IOC_LOG_DIR/kafka-server.log" ;;
env)
  [ -f "$KAFKA_SASL_ENV" ] || write_sasl_env
  cat "$KAFKA_SASL_ENV"
  ;;
*)
  echo "usage: $0 install|start|stop|restart|status|running|wait|logs [lines]|env" >&2
  exit 2
  ;;
esac
