#!/usr/bin/env bash
# The bounce parser on bounces nobody here wrote rules from: public
# collections other projects ship (bounce/tests/unseen/README.md says which,
# under what licence, and how each message was labelled). Reports, per
# collection and in all: recipients (exact set), failed vs delayed, reason
# right / undecided / wrong, and non-bounces reported as failures.
#
# Leave-one-source-out: for each collection, the run is repeated with every
# phrase-rule group whose `source` names that collection switched off
# (DIX_PHRASES_WITHOUT, read by classify::rules) — rules written from a
# collection cannot score on it.
#
#   scripts/unseen.sh            # target/debug/dix (cargo build first)
#   scripts/unseen.sh --fetch    # first fetch the collections not committed
#   scripts/unseen.sh --show     # also list every disagreement
# Not part of the test command: it measures, it does not gate.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=bounce/tests/unseen
dix=${DIX:-target/debug/dix}
if [ "${1:-}" = "--fetch" ]; then
  shift
  # Discourse (GPL-2.0): labels only are committed; the files come from the
  # commits the labels were written against.
  mkdir -p "$dir/discourse"
  base=https://raw.githubusercontent.com/discourse/discourse
  for pair in 2445a8ebbd8c61b728461d6503a338d039bccb5d:bounced_email.eml \
              5734c7f3f36a4f1afe3289042b20e955cd745994:bounced_email_2.eml \
              4aa037a11a96343724f9b8ba3ec813491c86b03b:bounced_email_multiple_status_codes.eml; do
    curl -fsSL "$base/${pair%%:*}/spec/fixtures/emails/${pair#*:}" -o "$dir/discourse/${pair#*:}"
  done
fi
[ -x "$dix" ] || { echo "no $dix: run cargo build first" >&2; exit 1; }
show=${1:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sources=$(python3 -c 'import json,sys; print(" ".join(sorted({json.loads(l)["source"] for l in open(sys.argv[1]) if l.strip()})))' "$dir/labels.jsonl")
for src in $sources; do
  [ -d "$dir/$src" ] || { echo "skipping $src: not fetched (scripts/unseen.sh --fetch)" >&2; continue; }
  "$dix" parse --json "$dir/$src" > "$work/$src.all.jsonl" 2>/dev/null || true
  DIX_PHRASES_WITHOUT="$src" "$dix" parse --json "$dir/$src" > "$work/$src.loso.jsonl" 2>/dev/null || true
done
python3 - "$dir" "$work" "$show" <<'PY'
import json, os, sys
from collections import defaultdict
d, work, show = sys.argv[1], sys.argv[2], sys.argv[3] == "--show"
labels = [json.loads(l) for l in open(f"{d}/labels.jsonl") if l.strip()]
def facts(src, run):
    by = defaultdict(list)
    p = f"{work}/{src}.{run}.jsonl"
    if not os.path.exists(p):
        return None
    for line in open(p):
        if line.strip():
            f = json.loads(line)
            by[os.path.relpath(f["source"], f"{d}/{src}")].append(f)
    return by
FAIL = {"failed", "delayed", None}
def score(run):
    rows = defaultdict(lambda: defaultdict(int))
    misses = []
    for lab in labels:
        by = facts(lab["source"], run)
        if by is None:
            continue
        got = [f for f in by.get(lab["file"], [])]
        r = rows[lab["source"]]
        if lab["kind"] == "feedback":
            r["non-bounces"] += 1
            failures = [f for f in got if f.get("reason") not in ("feedback", "vacation", "delivered")]
            if failures:
                r["non-bounce reported as failure"] += 1
                misses.append((lab, "reported as failure", [f.get("reason") for f in got]))
            continue
        r["bounces"] += 1
        if not got:
            r["not found"] += 1
        rcpts = sorted({(f.get("recipient") or "").lower() for f in got if f.get("recipient")})
        if rcpts == lab["recipients"]:
            r["recipients exact"] += 1
        else:
            misses.append((lab, "recipients", rcpts))
        actions = {f.get("action") for f in got}
        if got and actions == {lab["action"]}:
            r["action right"] += 1
        else:
            misses.append((lab, "action", sorted(map(str, actions))))
        reasons = {f.get("reason") for f in got} or {"undefined"}
        want = set(lab["reasons"])
        if not want:
            r["no reason named"] += 1
            if reasons == {"undefined"}:
                r["reason right"] += 1
            else:
                r["reason wrong"] += 1
                misses.append((lab, "reason (guessed)", sorted(reasons)))
        elif reasons <= want:
            r["reason right"] += 1
        elif reasons == {"undefined"}:
            r["reason undecided"] += 1
            misses.append((lab, "reason undecided", sorted(reasons)))
        else:
            r["reason wrong"] += 1
            misses.append((lab, "reason", sorted(reasons)))
    return rows, misses
keys = ["bounces", "not found", "recipients exact", "action right", "no reason named",
        "reason right", "reason undecided", "reason wrong", "non-bounces", "non-bounce reported as failure"]
for run, title in [("all", "every rule"), ("loso", "leave-one-source-out: rules citing the collection switched off")]:
    rows, misses = score(run)
    print(f"== {title}")
    total = defaultdict(int)
    for src in sorted(rows):
        print(f"  {src:20} " + "  ".join(f"{k}: {rows[src][k]}" for k in keys if k in rows[src] or k in ("reason wrong",)))
        for k, v in rows[src].items():
            total[k] += v
    print(f"  {'all':20} " + "  ".join(f"{k}: {total[k]}" for k in keys))
    if show and run == "all":
        for lab, what, got in misses:
            print(f"    {lab['source']}/{lab['file']}: {what}: got {got}, label {lab['recipients'] if what == 'recipients' else lab['action'] if what == 'action' else lab['reasons']}")
PY
