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
source scripts/with-postgres.sh

# The browser tests (tests/tests/pages.rs): Debian's Chromium, a Japanese
# font so the screenshots show Japanese, and playwright-core and axe-core
# from npm (tests/browser/package-lock.json).
if ! [ -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qiE "ipagothic|noto sans cjk" \
   || ! command -v npm >/dev/null; then
  echo "== installing chromium, a Japanese font and npm"
  if [ "$(id -u)" -ne 0 ]; then echo "need root to apt-get install chromium" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  pkgs=(chromium fonts-ipafont-gothic fontconfig)
  command -v npm >/dev/null || pkgs+=(nodejs npm)
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi
echo "== installing the browser tests' packages"
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error

echo "== building"
cargo build --workspace --bins --locked
echo "== testing"
filter=()
if [ "${1:-}" = "--" ]; then shift; filter=("$@"); fi
cargo test --workspace --locked -- "${filter[@]}"

# The parser's accuracy on the labelled corpus, printed for the log (the
# corpus test above enforces the floors).
if [ -d ../shared/corpus/sisimai ]; then
  echo "== bounce parser accuracy on ../shared/corpus/sisimai (whole, and its two fixed halves)"
  scripts/accuracy.sh
fi
echo "== all tests passed"
