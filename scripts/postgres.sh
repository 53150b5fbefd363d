#!/usr/bin/env bash
# A throwaway PostgreSQL server for the roadmap ledger's tests; prints its URL on stdout.
#
#   scripts/postgres.sh          install Debian's postgresql if missing, start the server, print the URL
#   scripts/postgres.sh stop     stop it
#
# Idempotent: a second call finds the running server and prints the same URL. The cluster lives
# in $CHIKUDEN_PG_DIR (default /tmp/chikuden-pg-$PORT: outside the work tree, so that the
# postgres user can reach it even when the clone sits in a private folder), listens on
# 127.0.0.1:$CHIKUDEN_PG_PORT (default 54329) and its own socket folder, trusts local
# connections and runs without fsync: it holds nothing but test databases. As root (CI), the
# server runs as the `postgres` OS user; as anyone else, as that user.
set -euo pipefail

PORT="${CHIKUDEN_PG_PORT:-54329}"
DIR="${CHIKUDEN_PG_DIR:-/tmp/chikuden-pg-$PORT}"
DIR=$(realpath -m "$DIR")
URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
cd /  # the postgres user may not be allowed into the caller's folder

say() { echo "postgres.sh: $*" >&2; }
die() { say "$*"; exit 1; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

install_postgres() {
  say "PostgreSQL is not installed; installing Debian's postgresql package"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "run as root or install postgresql: apt-get install postgresql"
    sudo="sudo -n"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq --no-install-recommends postgresql >&2
}

BIN=$(pg_bin || true)
if [ -z "$BIN" ]; then
  install_postgres
  BIN=$(pg_bin || true)
  [ -n "$BIN" ] || die "postgresql was installed but no initdb was found under /usr/lib/postgresql/*/bin"
fi

# Run a server command as the postgres OS user when we are root (PostgreSQL refuses root).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "no postgres OS user; reinstall the postgresql package"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ "${1:-start}" = "stop" ]; then
  if [ -f "$DIR/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >&2
  else
    say "no server running in $DIR"
  fi
  exit 0
fi
[ "${1:-start}" = "start" ] || die "usage: scripts/postgres.sh [start|stop]"

if [ ! -f "$DIR/PG_VERSION" ]; then
  say "creating a cluster in $DIR"
  mkdir -p "$DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$DIR"
  chmod 700 "$DIR"
  as_owner "$BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
fi

if as_owner "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
  say "server already running in $DIR"
else
  say "starting the server on 127.0.0.1:$PORT"
  as_owner "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >&2 || { tail -n 20 "$DIR/server.log" >&2 || true; die "the server did not start"; }
fi

for _ in $(seq 1 60); do
  if as_owner "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres; then
    echo "$URL"
    exit 0
  fi
  sleep 0.5
done
die "the server in $DIR does not answer on 127.0.0.1:$PORT (see $DIR/server.log)"
