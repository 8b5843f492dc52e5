#!/usr/bin/env bash
# Runs the health checks of every running container every HEALTHCHECK_EVERY_S seconds (5).
# Podman schedules health checks with systemd timers; on a machine whose PID 1 is not
# systemd they never run, containers stay "starting", and compose's
# `depends_on: condition: service_healthy` waits forever. setup.sh starts this loop there.
# The images' own intervals are not honoured: every check runs at this one pace.
set -uo pipefail
every="${HEALTHCHECK_EVERY_S:-5}"
while :; do
  for id in $(podman ps -q --filter health=starting --filter health=healthy --filter health=unhealthy 2>/dev/null); do
    podman healthcheck run "$id" >/dev/null 2>&1 || true
  done
  sleep "$every"
done
