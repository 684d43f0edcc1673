#!/usr/bin/env bash
# Benchmarks of the node (release build): publish throughput (with and
# without the matching index) and GET /v1/incidents latency with 100,000
# stored incidents, on SQLite and on PostgreSQL; then federation: a sync of
# 200,000 notices and propagation across 30 nodes; then memory and matching
# with 1,000,000 stored incidents, most of them history; then publishing,
# explaining and feed following together (load). Prints markdown tables;
# BENCHMARKS.md records the figures.
#
#   scripts/bench.sh                  # everything
#   scripts/bench.sh federation sync  # one part (node [candidates] | federation [sync|mesh] | memory | load)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/with-postgres.sh
cargo build --release --locked --bin dixd
part=${1:-all}; shift || true
if [ "$part" = all ] || [ "$part" = node ]; then
  cargo bench --locked -p dix-tests --bench node -- "$@"
fi
if [ "$part" = all ] || [ "$part" = federation ]; then
  cargo bench --locked -p dix-tests --bench federation -- "$@"
fi
if [ "$part" = all ] || [ "$part" = memory ]; then
  cargo bench --locked -p dix-tests --bench memory -- "$@"
fi
if [ "$part" = all ] || [ "$part" = load ]; then
  cargo bench --locked -p dix-tests --bench load -- "$@"
fi
