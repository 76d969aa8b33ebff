#!/usr/bin/env bash
# Three Apache Kafka nodes in KRaft mode on 127.0.0.1, as production runs Kafka: each
# node is a broker and one of three controller voters, topics get three copies and
# min.insync.replicas=2, so one node may be lost without losing an acknowledged event or
# stopping writes. An option next to the one-node broker of kafka.sh (same jars), for
# trying broker loss; plain listeners only, no SASL.
#   kafka-cluster.sh start|stop|status|bootstrap|start-node N|kill-node N
# IOC_KAFKA_CLUSTER_HOME (default .local/kafka-cluster) holds the data, logs and pids;
# IOC_KAFKA_CLUSTER_PORT (default 29092) is node 1's client port, node N listens on
# PORT + 10·(N−1) and its controller on the port after it.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLUSTER_HOME=${IOC_KAFKA_CLUSTER_HOME:-$IOC_HOME/kafka-cluster}
BASE_PORT=${IOC_KAFKA_CLUSTER_PORT:-29092}
HEAP=${IOC_KAFKA_CLUSTER_HEAP:-384m}
KAFKA_LIBS=$IOC_HOME/kafka/libs
NODES=(1 2 3)

client_port() { echo $((BASE_PORT + 10 * ($1 - 1))); }
controller_port() { echo $(($(client_port "$1") + 1)); }
node_dir() { echo "$CLUSTER_HOME/node-$1"; }
pid_file() { echo "$(node_dir "$1")/kafka.pid"; }
server_log() { echo "$(node_dir "$1")/server.log"; }

bootstrap() {
  local node servers=()
  for node in "${NODES[@]}"; do servers+=("127.0.0.1:$(client_port "$node")"); done
  (
    IFS=,
    echo "${servers[*]}"
  )
}

voters() {
  local node voters=()
  for node in "${NODES[@]}"; do voters+=("$node@127.0.0.1:$(controller_port "$node")"); done
  (
    IFS=,
    echo "${voters[*]}"
  )
}

render_config() {
  local node=$1
  cat <<EOF
process.roles=broker,controller
node.id=$node
controller.quorum.voters=$(voters)
listeners=PLAINTEXT://127.0.0.1:$(client_port "$node"),CONTROLLER://127.0.0.1:$(controller_port "$node")
advertised.listeners=PLAINTEXT://127.0.0.1:$(client_port "$node")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$(node_dir "$node")/data
auto.create.topics.enable=false
# Three copies of everything, two of which must have a write before acks=all succeeds.
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
# Only a replica in sync may lead: an unclean election would lose acknowledged events.
unclean.leader.election.enable=false
# A node that stops heartbeating is fenced, and its partitions led elsewhere, within 3 s
# (9 s by default): on loopback a lost heartbeat is a lost node.
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
group.initial.rebalance.delay.ms=0
EOF
}

running() {
  local pid
  pid=$(cat "$(pid_file "$1")" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null
}

node_started() {
  running "$1" && port_open "$(client_port "$1")" && grep -q 'Kafka Server started' "$(server_log "$1")"
}

# java with node N's options: node_java N CLASS ARGS...
node_java() {
  local node=$1
  shift
  java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$(node_dir "$node")/log4j2.properties" -cp "$KAFKA_LIBS/*" "$@"
}

write_node() {
  local node=$1 dir
  dir=$(node_dir "$node")
  mkdir -p "$dir/data"
  render_config "$node" >"$dir/server.properties"
  cat >"$dir/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $(server_log "$node")
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

format_nodes() {
  local node cluster_id
  cluster_id=$(cat "$CLUSTER_HOME/cluster.id" 2>/dev/null || true)
  if [ -z "$cluster_id" ]; then
    cluster_id=$(node_java 1 kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
    echo "$cluster_id" >"$CLUSTER_HOME/cluster.id"
  fi
  for node in "${NODES[@]}"; do
    [ -f "$(node_dir "$node")/data/meta.properties" ] && continue
    node_java "$node" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$(node_dir "$node")/server.properties" >>"$CLUSTER_HOME/format.log" 2>&1 ||
      die "formatting node $node failed (see $CLUSTER_HOME/format.log)"
  done
}

launch_node() {
  local node=$1
  if running "$node"; then return 0; fi
  ensure_port_free "$(client_port "$node")" "Kafka node $node (IOC_KAFKA_CLUSTER_PORT)"
  ensure_port_free "$(controller_port "$node")" "Kafka controller $node (IOC_KAFKA_CLUSTER_PORT)"
  : >"$(server_log "$node")"
  # setsid and exec all the way down, as kafka.sh: the pid file names the JVM itself.
  (exec setsid java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$(node_dir "$node")/log4j2.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$(node_dir "$node")/server.properties") \
    >>"$(node_dir "$node")/stdout.log" 2>&1 </dev/null &
  echo $! >"$(pid_file "$node")"
}

wait_node() {
  wait_until "Kafka node $1" "${IOC_KAFKA_START_TIMEOUT:-120}" node_started "$1" || {
    tail -n 30 "$(server_log "$1")" >&2 || true
    die "Kafka node $1 did not become ready (log: $(server_log "$1"))"
  }
}

start() {
  "$(dirname "${BASH_SOURCE[0]}")/kafka.sh" install
  mkdir -p "$CLUSTER_HOME"
  local node
  for node in "${NODES[@]}"; do write_node "$node"; done
  format_nodes
  say "starting three Kafka nodes on $(bootstrap)"
  # All at once: a controller quorum of three needs two voters before anyone is ready.
  for node in "${NODES[@]}"; do launch_node "$node"; done
  for node in "${NODES[@]}"; do wait_node "$node"; done
}

start_node() {
  write_node "$1"
  launch_node "$1"
  wait_node "$1"
}

# SIGKILL: no controlled shutdown, leadership moves only once the node is fenced.
kill_node() {
  if running "$1"; then
    kill -KILL "$(cat "$(pid_file "$1")")"
    while running "$1"; do sleep 0.1; done
  fi
  rm -f "$(pid_file "$1")"
}

stop_node() {
  running "$1" || return 0
  local pid deadline=$((SECONDS + 60))
  pid=$(cat "$(pid_file "$1")")
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.3
  done
  rm -f "$(pid_file "$1")"
}

stop() {
  local node
  for node in "${NODES[@]}"; do stop_node "$node" & done
  wait
}

status() {
  local node stopped=0
  for node in "${NODES[@]}"; do
    if running "$node"; then
      echo "kafka node $node: running (pid $(cat "$(pid_file "$node")"), 127.0.0.1:$(client_port "$node"))"
    else
      echo "kafka node $node: stopped"
      stopped=3
    fi
  done
  return $stopped
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
bootstrap) bootstrap ;;
start-node) start_node "${2:?node number}" ;;
kill-node) kill_node "${2:?node number}" ;;
*)
  echo "usage: $0 start|stop|status|bootstrap|start-node N|kill-node N" >&2
  exit 2
  ;;
esac
