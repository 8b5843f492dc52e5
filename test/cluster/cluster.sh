#!/usr/bin/env bash
# A local three-node RabbitMQ cluster beside the broker already running on 5672, for
# `npm run test:cluster`. Debian's rabbitmq-server, each node with its own name, ports, data
# directory and config; a scratch HOME with its own Erlang cookie keeps them apart from the
# running node. Facts this rests on: shared/notes/rabbitmq-local-cluster.md.
#
#   cluster.sh start              start clu1..clu3 and join clu2, clu3 to clu1 (idempotent)
#   cluster.sh stop               stop every node and remove the scratch directory
#   cluster.sh stop-node N        stop node N (1..3); its data stays
#   cluster.sh start-node N       start node N again (it rejoins the cluster)
#   cluster.sh leader QUEUE       print the node that leads QUEUE
#   cluster.sh urls               print RABBITMQ_URL for the three nodes
#
# Environment (defaults): CLUSTER_DIR=/tmp/pipeline-rmq-cluster, CLUSTER_BASE_PORT=5701
# (AMQP ports 5701..5703, distribution ports 25701..25703).
set -euo pipefail

dir="${CLUSTER_DIR:-/tmp/pipeline-rmq-cluster}"
base_port="${CLUSTER_BASE_PORT:-5701}"
bin=/usr/lib/rabbitmq/bin
export HOME="$dir/home"

node_name() { echo "clu$1@localhost"; }
amqp_port() { echo $((base_port + $1 - 1)); }

ctl() { "$bin/rabbitmqctl" "$@"; }

prepare() {
  mkdir -p "$HOME"
  if [ ! -f "$HOME/.erlang.cookie" ]; then
    # A fixed, obviously local cookie: these nodes only ever talk to each other on loopback.
    printf 'PIPELINECLUSTERTESTCOOKIE' >"$HOME/.erlang.cookie"
    chmod 400 "$HOME/.erlang.cookie"
  fi
  : >"$dir/empty-env.conf"
  printf '[].\n' >"$dir/enabled_plugins"
}

launch() {
  local n="$1" node port
  node="$(node_name "$n")"
  port="$(amqp_port "$n")"
  mkdir -p "$dir/clu$n/mnesia" "$dir/clu$n/log"
  cat >"$dir/clu$n/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$port
vm_memory_high_watermark.absolute = 512MB
disk_free_limit.absolute = 50MB
loopback_users = none
CONF
  RABBITMQ_NODENAME="$node" RABBITMQ_NODE_PORT="$port" RABBITMQ_DIST_PORT=$((20000 + port)) \
    RABBITMQ_MNESIA_BASE="$dir/clu$n/mnesia" RABBITMQ_LOG_BASE="$dir/clu$n/log" \
    RABBITMQ_PID_FILE="$dir/clu$n/pid" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
    RABBITMQ_CONFIG_FILE="$dir/clu$n/rabbitmq.conf" RABBITMQ_CONF_ENV_FILE="$dir/empty-env.conf" \
    nohup "$bin/rabbitmq-server" >"$dir/clu$n/stdout.log" 2>&1 &
  echo $! >"$dir/clu$n/wrapper.pid"
  ctl -n "$node" wait "$dir/clu$n/pid" --timeout 60 >/dev/null
}

running() { ctl -n "$(node_name "$1")" -q status >/dev/null 2>&1; }

stop_node() {
  local n="$1"
  running "$n" && ctl -n "$(node_name "$n")" -q stop >/dev/null 2>&1 || true
  # Wait for the node's wrapper (the process this script started) to exit.
  if [ -f "$dir/clu$n/wrapper.pid" ]; then
    local pid
    pid="$(cat "$dir/clu$n/wrapper.pid")"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
}

case "${1:-}" in
  start)
    prepare
    for n in 1 2 3; do running "$n" || launch "$n"; done
    for n in 2 3; do
      if ! ctl -n "$(node_name "$n")" -q cluster_status --formatter json | grep -q "$(node_name 1)"; then
        # Their chatter (expected errors about nodes not yet running) goes to the node's log.
        {
          ctl -n "$(node_name "$n")" -q stop_app
          ctl -n "$(node_name "$n")" -q reset
          ctl -n "$(node_name "$n")" -q join_cluster "$(node_name 1)"
          ctl -n "$(node_name "$n")" -q start_app
        } >>"$dir/clu$n/join.log" 2>&1
      fi
    done
    ctl -n "$(node_name 1)" -q await_online_nodes 3 --timeout 60
    echo "cluster up: $(node_name 1) $(node_name 2) $(node_name 3) on 127.0.0.1:$(amqp_port 1)-$(amqp_port 3)"
    ;;
  stop)
    for n in 3 2 1; do stop_node "$n"; done
    rm -rf "$dir"
    ;;
  stop-node) stop_node "$2" ;;
  start-node)
    prepare
    running "$2" || launch "$2"
    ;;
  leader)
    for n in 1 2 3; do
      if running "$n"; then
        ctl -n "$(node_name "$n")" -q list_queues name leader --formatter json |
          node -e 'let s="";process.stdin.on("data",(d)=>{s+=d}).on("end",()=>{const q=JSON.parse(s).find((x)=>x.name===process.argv[1]);console.log(q?q.leader:"")})' "$2"
        exit 0
      fi
    done
    exit 1
    ;;
  urls)
    echo "amqp://guest:guest@127.0.0.1:$(amqp_port 1),amqp://guest:guest@127.0.0.1:$(amqp_port 2),amqp://guest:guest@127.0.0.1:$(amqp_port 3)"
    ;;
  *)
    echo "usage: $0 start|stop|stop-node N|start-node N|leader QUEUE|urls" >&2
    exit 2
    ;;
esac
