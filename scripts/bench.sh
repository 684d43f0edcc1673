#!/usr/bin/env bash
# Benchmarks of the node (release build): publish throughput and
# GET /v1/incidents latency with 100,000 stored incidents, on SQLite and on
# PostgreSQL. Prints a markdown table; BENCHMARKS.md records the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/with-postgres.sh
cargo build --release --locked --bin dixd
cargo bench --locked -p dix-tests --bench node -- "$@"
