#!/usr/bin/env bash
# Side-by-side timing of every method against its official PyTorch code (issue 23, item 4; README.md beside this
# file). Runs the harness on benchmarks/official/side-by-side.yaml (which also generates the data: one synthetic
# category written as MVTec-layout PNGs), then each official driver on the very same PNG files, one after the
# other, and prints the Markdown table.
#
#   benchmarks/official/compare.sh [--official DIR] [--out DIR] [--train N] [--test N] [--methods "m1 m2 ..."]
#
#   --official  the folder that holds the official work trees, named patchcore-inspection,
#               CFA_for_anomaly_localization, RD4AD, ReContrast, SSM, RegAD (default: $OFFICIAL or /tmp/official)
#   --out       where results, data and logs go (default: results/official_side_by_side)
#   --train/--test  image counts of the generated category (default 32 / 32; the generator needs --test >= 6)
#   --methods   a subset of: patchcore reconpatch cfa fyd rd4ad recontrast ssm
#   --skip-harness / --skip-official  reuse the other side's earlier output in --out
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
official="${OFFICIAL:-/tmp/official}"
out="$repo/results/official_side_by_side"
train=32
test=32
methods="patchcore reconpatch cfa fyd rd4ad recontrast ssm"
run_harness=1
run_official=1
python="${PYTHON:-/usr/bin/python3}"   # Debian's python3 with python3-torch (1.13.1), not a pyenv shim

while [ $# -gt 0 ]; do
  case "$1" in
    --official) official="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --train) train="$2"; shift 2 ;;
    --test) test="$2"; shift 2 ;;
    --methods) methods="$2"; shift 2 ;;
    --skip-harness) run_harness=0; shift ;;
    --skip-official) run_official=0; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"

declare -A repo_of=([patchcore]=patchcore-inspection [reconpatch]=patchcore-inspection
  [cfa]=CFA_for_anomaly_localization [fyd]=RegAD [rd4ad]=RD4AD [recontrast]=ReContrast [ssm]=SSM)
for m in $methods; do
  [ -n "${repo_of[$m]:-}" ] || { echo "compare.sh: unknown method $m" >&2; exit 2; }
  if [ "$run_official" = 1 ] && [ ! -d "$official/${repo_of[$m]}" ]; then
    echo "compare.sh: $official/${repo_of[$m]} is missing (README.md: how to get the official repositories)" >&2; exit 2
  fi
done

# The harness side: the experiment file with this run's counts, paths and methods. ReContrast counts
# iterations: one epoch is ceil(train / 16) of them at batch 16.
iterations=$(( (train + 15) / 16 ))
yaml="$out/side-by-side.yaml"
"$python" - "$here/side-by-side.yaml" "$yaml" "$out" "$train" "$test" "$iterations" "$methods" <<'PY'
import sys, yaml
source, target, out, train, test, iterations, methods = sys.argv[1:]
with open(source) as f:
    config = yaml.safe_load(f)
config["output"] = out + "/harness"
data = config["datasets"][0]
data["root"] = out + "/data"
data["synthetic"]["train_count"] = int(train)
data["synthetic"]["test_count"] = int(test)
keep = methods.split()
config["methods"] = [m for m in config["methods"] if m["key"] in keep]
for m in config["methods"]:
    if m["key"] == "recontrast":
        m["iterations"] = int(iterations)
with open(target, "w") as f:
    yaml.safe_dump(config, f, sort_keys=False)
PY

if [ "$run_harness" = 1 ]; then
  echo "== harness ($(date -u +%H:%M:%S))"
  (cd "$repo" && dotnet run -c Release --project harness -- run "$yaml" --force) 2>&1 | tee "$out/harness.log"
fi

data="$out/data/synthetic-v1-seed0-256px-${train}train-${test}test-pill"
[ -d "$data/pill/train/good" ] || { echo "compare.sh: no generated data at $data (run without --skip-harness)" >&2; exit 1; }

if [ "$run_official" = 1 ]; then
  : > "$out/official.jsonl"
  for m in $methods; do
    echo "== official $m ($(date -u +%H:%M:%S))"
    # The JSON line is on stdout (with what the official code prints); its progress bars go to stderr.
    if "$python" "$here/time_official.py" "$m" --repo "$official/${repo_of[$m]}" --data "$data" --category pill \
      > "$out/official-$m.json" 2> "$out/official-$m.log"; then
      grep "^{" "$out/official-$m.json" | tee -a "$out/official.jsonl" || true
    else
      echo "   failed: see $out/official-$m.log" >&2
    fi
  done
fi

echo
echo "Side by side, $(date -u +%Y-%m-%d), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $train train / $test test images:"
echo
"$python" "$here/side_by_side_table.py" "$out/official.jsonl" "$out/harness/official_side_by_side/synthetic/pill" \
  | tee "$out/table.md"
