#!/usr/bin/env bash
# A Citus cluster on loopback for tests: one coordinator and two workers (Debian's PostgreSQL 15 with the Citus
# extension that ../shared/tools/citus/install.sh installs).
#
#   scripts/citus-cluster.sh start [dir]   initialise (when new) and start the three nodes; prints the coordinator's URL
#   scripts/citus-cluster.sh stop [dir]    stop the three nodes; with RABITA_CITUS_REMOVE=1 also remove the folder
#   scripts/citus-cluster.sh status [dir]  says which nodes answer
#
# dir: the cluster's folder (default: $RABITA_CITUS_DIR, else a new `mktemp -d` on start; the folder of the last
# start on this port when stopping). RABITA_CITUS_PORT: the coordinator's port (default 9700); the workers take the
# next two. RABITA_CITUS_SHARD_COUNT: shards per distributed table (default 8: the loopback cluster has two workers
# on a small machine; Citus's own default is 32).
#
# As root the nodes run as the `postgres` user; as anyone else, as that user.
set -euo pipefail

pgbin=${RABITA_CITUS_PGBIN:-/usr/lib/postgresql/15/bin}
port=${RABITA_CITUS_PORT:-9700}
shards=${RABITA_CITUS_SHARD_COUNT:-8}
state="${TMPDIR:-/tmp}/rabita-citus-$port.dir"
command=${1:-}
dir=${2:-${RABITA_CITUS_DIR:-}}

as_owner() { # runs a shell command as the user owning the nodes
  if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else bash -c "$1"; fi
}

nodes() { echo "c:$port w1:$((port + 1)) w2:$((port + 2))"; }

psql_at() { # port, sql...
  local p=$1; shift
  local args=()
  for s in "$@"; do args+=(-c "$s"); done
  PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$p" -U postgres -d postgres "${args[@]}"
}

start() {
  if [ ! -x "$pgbin/postgres" ] || [ ! -f "$pgbin/../lib/citus.so" ]; then
    echo "citus-cluster: PostgreSQL 15 with Citus is not installed; run ../shared/tools/citus/install.sh as root" >&2
    exit 1
  fi
  [ -n "$dir" ] || dir=$(mktemp -d "${TMPDIR:-/tmp}/rabita-citus-XXXX")
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  local fresh=0
  for node in $(nodes); do
    local name=${node%%:*} p=${node##*:}
    if [ ! -f "$dir/$name/PG_VERSION" ]; then
      fresh=1
      as_owner "$pgbin/initdb -D '$dir/$name' -A trust -U postgres" >/dev/null
      {
        echo "shared_preload_libraries = 'citus'"
        echo "listen_addresses = '127.0.0.1'"
        echo "max_connections = 200"
        echo "citus.shard_count = $shards"
      } >>"$dir/$name/postgresql.conf"
    fi
    as_owner "$pgbin/pg_ctl -D '$dir/$name' -o '-p $p -k $dir' -l '$dir/$name.log' -w start" >/dev/null
  done
  if [ "$fresh" = 1 ]; then
    for node in $(nodes); do psql_at "${node##*:}" "create extension if not exists citus"; done
    psql_at "$port" "select citus_set_coordinator_host('127.0.0.1', $port)" \
      "select citus_add_node('127.0.0.1', $((port + 1)))" "select citus_add_node('127.0.0.1', $((port + 2)))" >/dev/null
  fi
  echo "$dir" >"$state"
  echo "citus-cluster: coordinator postgres://postgres@127.0.0.1:$port/postgres, workers on $((port + 1)) and $((port + 2)), folder $dir"
}

stop() {
  [ -n "$dir" ] || dir=$(cat "$state" 2>/dev/null || true)
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    echo "citus-cluster: no cluster folder (give it as an argument or RABITA_CITUS_DIR)" >&2
    exit 1
  fi
  for node in $(nodes); do
    local name=${node%%:*}
    if [ -f "$dir/$name/postmaster.pid" ]; then
      as_owner "$pgbin/pg_ctl -D '$dir/$name' -m fast -w stop" >/dev/null || true
    fi
  done
  if [ "${RABITA_CITUS_REMOVE:-0}" = 1 ]; then rm -rf "$dir"; fi
  rm -f "$state"
  echo "citus-cluster: stopped ($dir)"
}

status() {
  local down=0
  for node in $(nodes); do
    if psql_at "${node##*:}" "select 1" >/dev/null 2>&1; then echo "${node%%:*} up on ${node##*:}"; else
      echo "${node%%:*} down on ${node##*:}"
      down=1
    fi
  done
  return $down
}

case "$command" in
start) start ;;
stop) stop ;;
status) status ;;
*)
  echo "usage: $0 start|stop|status [dir]" >&2
  exit 2
  ;;
esac
