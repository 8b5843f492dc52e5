#!/usr/bin/env bash
# npm run test:pgbouncer: starts PgBouncer in a podman container in front of the local
# PostgreSQL, runs test/pgbouncer/vitest.config.ts through it (PGBOUNCER_URL), and removes the
# container again, whatever the result. Extra arguments go to vitest.
#
# The image is trixie's PgBouncer (1.24), built once per machine by
# `IMAGES=pgbouncer scripts/containers/setup.sh`: max_prepared_statements needs 1.21 or later,
# and the host's Debian 12 has 1.18. The container shares the host's network (--network host),
# so it reaches PostgreSQL on 127.0.0.1 and the tests reach it there too.
#
# Environment (defaults):
#   PGBOUNCER_IMAGE=localhost/pipeline-pgbouncer:trixie
#   PGBOUNCER_PORT=6432              where PgBouncer listens (127.0.0.1); must be free
#   PG_HOST=127.0.0.1 PG_PORT=5432   the PostgreSQL behind it (trust auth, as on this machine)
#   PGBOUNCER_MAX_PREPARED=200       max_prepared_statements; 0 shows what breaks without it
#   PGBOUNCER_POOL_SIZE=4            default_pool_size: fewer server connections than the tests'
#                                    clients, so a client's transactions move between them
set -euo pipefail

image="${PGBOUNCER_IMAGE:-localhost/pipeline-pgbouncer:trixie}"
port="${PGBOUNCER_PORT:-6432}"
pg_host="${PG_HOST:-127.0.0.1}"
pg_port="${PG_PORT:-5432}"
max_prepared="${PGBOUNCER_MAX_PREPARED:-200}"
pool_size="${PGBOUNCER_POOL_SIZE:-4}"

fail() { printf 'test:pgbouncer: %s\n' "$*" >&2; exit 2; }

command -v podman >/dev/null || fail "podman is not installed: run scripts/containers/setup.sh (as root) first"
podman image exists "$image" || fail "no image $image: build it with IMAGES=pgbouncer scripts/containers/setup.sh"
for value in "$port" "$pg_port" "$max_prepared" "$pool_size"; do
  [[ "$value" =~ ^[0-9]+$ ]] || fail "PGBOUNCER_PORT, PG_PORT, PGBOUNCER_MAX_PREPARED and PGBOUNCER_POOL_SIZE must be whole numbers (got '$value')"
done
if pg_isready -q -h 127.0.0.1 -p "$port" 2>/dev/null || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  fail "something already listens on 127.0.0.1:$port: stop it or set PGBOUNCER_PORT"
fi

dir="$(mktemp -d /tmp/pipeline-pgbouncer.XXXXXX)"
name="pipeline-pgbouncer-$port-$$"
cleanup() {
  podman rm -f -t 2 "$name" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The container runs as the image's postgres user: the configuration must be readable by it.
chmod 755 "$dir"
cat >"$dir/pgbouncer.ini" <<INI
[databases]
; Every database, including the ones the tests create per file, goes to the same server.
* = host=$pg_host port=$pg_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
; trust still needs the user in auth_file. The tests read SHOW CONFIG on the admin console.
auth_file = /etc/pgbouncer/userlist.txt
admin_users = postgres
pool_mode = transaction
max_prepared_statements = $max_prepared
default_pool_size = $pool_size
max_client_conn = 500
; Tests drop their databases WITH (FORCE); a killed server connection is simply replaced.
server_check_delay = 0
; What node-postgres sends at start-up besides user, database, application_name and
; client_encoding (which PgBouncer tracks itself): the pool's server-side bounds
; (packages/db/src/pool.ts). PgBouncer refuses unknown startup parameters; listed here they
; are accepted and NOT applied (docs/operations.md: set them on the role behind a pooler).
ignore_startup_parameters = extra_float_digits,options,statement_timeout,lock_timeout,idle_in_transaction_session_timeout
INI
printf '"postgres" ""\n' >"$dir/userlist.txt"
chmod 644 "$dir"/*

podman run -d --name "$name" --network host -v "$dir:/etc/pgbouncer:ro" "$image" \
  pgbouncer /etc/pgbouncer/pgbouncer.ini >/dev/null || fail "podman run $image failed"
for _ in $(seq 1 100); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  if [ "$(podman inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" != true ]; then
    podman logs "$name" >&2 || true
    fail "PgBouncer exited at start-up (its log is above)"
  fi
  sleep 0.1
done
pg_isready -q -h 127.0.0.1 -p "$port" || { podman logs "$name" >&2; fail "PgBouncer did not answer on 127.0.0.1:$port within 10 s"; }
version="$(podman exec "$name" pgbouncer --version | head -n 1)"
echo "$version on 127.0.0.1:$port (container $name, transaction mode, max_prepared_statements=$max_prepared, pool $pool_size) in front of $pg_host:$pg_port"

status=0
PGBOUNCER_URL="postgres://postgres@127.0.0.1:$port/postgres" npx vitest run --config test/pgbouncer/vitest.config.ts "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- PgBouncer's log (last 40 lines) ---" >&2
  podman logs --tail 40 "$name" >&2 || true
fi
exit "$status"
