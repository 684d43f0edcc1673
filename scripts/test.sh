#!/usr/bin/env bash
# Runs every test of the project: installs what the tests need (Debian
# packages, as root), starts a throw-away PostgreSQL on loopback, builds the
# binaries the end-to-end tests start, runs the whole suite on SQLite and
# PostgreSQL, and stops PostgreSQL again whatever happens.
#
#   scripts/test.sh            # everything
#   scripts/test.sh -- FILTER  # only tests whose name contains FILTER
set -euo pipefail
cd "$(dirname "$0")/.."

need_packages=()
pg_bin=""
for v in 17 16 15; do
  if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then pg_bin="/usr/lib/postgresql/$v/bin"; break; fi
done
[ -n "$pg_bin" ] || need_packages+=(postgresql)
command -v python3 >/dev/null || need_packages+=(python3)
if [ ${#need_packages[@]} -gt 0 ]; then
  echo "== installing ${need_packages[*]}"
  if [ "$(id -u)" -ne 0 ]; then echo "need root to apt-get install ${need_packages[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
  for v in 17 16 15; do
    if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then pg_bin="/usr/lib/postgresql/$v/bin"; break; fi
  done
fi

# --- PostgreSQL in a temporary folder, as the postgres user -------------------
pg_dir=$(mktemp -d /tmp/dix-pg.XXXXXX)
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir"
stop_pg() {
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_pg EXIT
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on" start >/dev/null
export DIX_TEST_PG_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
echo "== PostgreSQL on 127.0.0.1:$pg_port"

# --- build, then test ----------------------------------------------------------
echo "== building"
cargo build --workspace --bins --locked
echo "== testing"
filter=()
if [ "${1:-}" = "--" ]; then shift; filter=("$@"); fi
cargo test --workspace --locked -- "${filter[@]}"
echo "== all tests passed"
