#!/usr/bin/env bash
# Starts a PgBouncer in transaction mode in front of the local PostgreSQL, for the tests that
# run the worker and the ledger through a pooler (npm run test:pgbouncer). Idempotent: when one
# started by this script already answers on the port, it does nothing.
#
# Environment (defaults):
#   PGBOUNCER_PORT=6432              where PgBouncer listens (127.0.0.1)
#   PGBOUNCER_DIR=/tmp/pipeline-pgbouncer  config, pid file and log
#   PG_HOST=127.0.0.1 PG_PORT=5432   the PostgreSQL behind it (trust auth, as on this machine)
#   PGBOUNCER_MAX_PREPARED=200       max_prepared_statements: the worker's named statements need it
#   PGBOUNCER_POOL_SIZE=20           default_pool_size (server connections per database and user)
#   PGBOUNCER_ALLOW_OLD=             set to 1 to start a PgBouncer older than 1.21 anyway (to show
#                                    what breaks without prepared-statement support)
set -euo pipefail

port="${PGBOUNCER_PORT:-6432}"
dir="${PGBOUNCER_DIR:-/tmp/pipeline-pgbouncer}"
pg_host="${PG_HOST:-127.0.0.1}"
pg_port="${PG_PORT:-5432}"

if ! command -v pgbouncer >/dev/null; then
  echo "pgbouncer is not installed: apt-get install pgbouncer (1.21 or newer)" >&2
  exit 2
fi

# max_prepared_statements (protocol-level named statements in transaction mode) arrived in 1.21.
version="$(pgbouncer --version | sed -n 's/^PgBouncer \([0-9.]*\).*/\1/p')"
if [ "$(printf '%s\n1.21.0\n' "$version" | sort -V | head -n 1)" != "1.21.0" ]; then
  if [ "${PGBOUNCER_ALLOW_OLD:-}" != "1" ]; then
    echo "PgBouncer $version is too old: max_prepared_statements needs 1.21 or newer, and the worker's named statements need it in transaction mode" >&2
    exit 3
  fi
  echo "warning: PgBouncer $version has no max_prepared_statements; named statements will break in transaction mode" >&2
  prepared_line="; max_prepared_statements: not known to PgBouncer $version"
else
  prepared_line="max_prepared_statements = ${PGBOUNCER_MAX_PREPARED:-200}"
fi

if [ -f "$dir/pgbouncer.pid" ] && kill -0 "$(cat "$dir/pgbouncer.pid")" 2>/dev/null && pg_isready -q -h 127.0.0.1 -p "$port"; then
  echo "PgBouncer already running on 127.0.0.1:$port (pid $(cat "$dir/pgbouncer.pid"))"
  exit 0
fi

mkdir -p "$dir"
# PgBouncer refuses to run as root; the postgres user exists wherever PostgreSQL is installed.
run_as=()
if [ "$(id -u)" = "0" ]; then
  run_as=(-u postgres)
  chown postgres "$dir"
fi

cat >"$dir/pgbouncer.ini" <<INI
[databases]
; Every database, including the ones the tests create per file, goes to the same server.
* = host=$pg_host port=$pg_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
; The tests read SHOW CONFIG on the admin console to prove what they run through.
admin_users = postgres
auth_file = $dir/userlist.txt
pool_mode = transaction
$prepared_line
default_pool_size = ${PGBOUNCER_POOL_SIZE:-20}
max_client_conn = 500
; Tests drop their databases WITH (FORCE); a killed server connection is simply replaced.
server_check_delay = 0
ignore_startup_parameters = extra_float_digits,options
pidfile = $dir/pgbouncer.pid
logfile = $dir/pgbouncer.log
INI
printf '"postgres" ""\n' >"$dir/userlist.txt"

pgbouncer -d "${run_as[@]}" "$dir/pgbouncer.ini"
for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.1
done
pg_isready -h 127.0.0.1 -p "$port"
echo "PgBouncer $version on 127.0.0.1:$port (transaction mode) in front of $pg_host:$pg_port"
