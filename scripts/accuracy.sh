#!/usr/bin/env bash
# The bounce parser's accuracy on ../shared/corpus/sisimai, scored by
# ../shared/corpus/score.py: the whole corpus, then its two halves.
#
# The halves are fixed by a hash of each file's name (SHA-256 of the path
# inside the corpus; first byte even: half A, odd: half B), so they never
# change. The gauge of fitting: look only at half A's misses while writing
# rules, and compare the halves. With about 250 bounces a half, chance moves
# the gap by about 2 points; a gap of more than 5 means rules were fitted to
# the files looked at.
#
#   scripts/accuracy.sh            # uses target/debug/dix (cargo build first)
#   scripts/accuracy.sh --show 20  # more of the most frequent disagreements
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/corpus
dix=${DIX:-target/debug/dix}
[ -d "$corpus/sisimai" ] || { echo "no corpus at $corpus/sisimai" >&2; exit 1; }
[ -x "$dix" ] || { echo "no $dix: run cargo build first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$dix" parse --json "$corpus/sisimai/maildir" > "$work/out.jsonl"
python3 - "$corpus/sisimai/expected.jsonl" "$work" <<'PY'
import hashlib, json, sys
expected, work = sys.argv[1], sys.argv[2]
halves = {"A": open(f"{work}/A.jsonl", "w"), "B": open(f"{work}/B.jsonl", "w")}
for line in open(expected, encoding="utf-8"):
    if not line.strip():
        continue
    path = json.loads(line)["path"]
    half = "A" if hashlib.sha256(path.encode()).digest()[0] % 2 == 0 else "B"
    halves[half].write(line)
PY
show=(--show 5)
if [ "${1:-}" = "--show" ]; then show=(--show "$2"); fi
for part in whole A B; do
  case $part in
    whole) file="$corpus/sisimai/expected.jsonl"; title="the whole corpus" ;;
    A) file="$work/A.jsonl"; title="half A (the half to look at)" ;;
    B) file="$work/B.jsonl"; title="half B (not to be looked at)" ;;
  esac
  echo "== $title"
  # Half B's misses are not printed: reading them would spoil the gauge.
  if [ $part = B ]; then
    python3 "$corpus/score.py" "$file" "$work/out.jsonl" --show 0
  else
    python3 "$corpus/score.py" "$file" "$work/out.jsonl" "${show[@]}"
  fi
done | tee "$work/report"
a=$(awk '/^== half A/{h=1} h&&/^reason agreement/{print $NF; exit}' "$work/report")
b=$(awk '/^== half B/{h=1} h&&/^reason agreement/{print $NF; exit}' "$work/report")
echo "== gap between the halves: A ${a}, B ${b}"
