#!/usr/bin/env bash
# The quickstart under load (issue 23): the sweep alone on a quiet machine, its two shards at once, and the sweep
# beside a busy process, each into a fresh results folder. Prints, per phase, the wall time and, over every run's
# train_log.csv, the largest ratio of a training step's time to its run's median step time.
#
#   benchmarks/load/under-load.sh [experiments.yaml] [phase ...]
#
# Phases: alone, shards (two shards started side by side, as a user would by hand; set ANOMALYBENCH_THREADS=1 to
# give each its share), workers (`harness run --workers 2`: the same two shards, one thread each, and the report),
# busy (default: alone, shards, busy). Run it from the repository root after `dotnet build -c Release`;
# set OMP_WAIT_POLICY / GOMP_SPINCOUNT to compare libgomp's policies (the harness's default is GOMP_SPINCOUNT=10000),
# ANOMALYBENCH_OPENBLAS=pthread to compare OpenBLAS's own thread pool with the default OpenMP build, OPENBLAS_CORETYPE
# to compare kernels. Nothing else should run on the machine, apart from what a phase starts itself.
set -euo pipefail
cd "$(dirname "$0")/../.."

config=${1:-experiments.yaml}
shift || true
phases=("$@")
[ ${#phases[@]} -gt 0 ] || phases=(alone shards busy)

harness=harness/bin/Release/net10.0/harness
[ -x "$harness" ] || { echo "build first: dotnet build -c Release" >&2; exit 1; }
work=$(mktemp -d /tmp/anomalybench-load.XXXXXX)
# The runs stay in $work afterwards, so that a slow step can be looked up in its train_log.csv.
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
echo "runs in $work"

# A copy of the experiment file that writes into $work/<phase>/.
experiment() {
  local phase=$1
  mkdir -p "$work/$phase"
  sed -E "s|^output:.*|output: $work/$phase/results|" "$config" > "$work/$phase/experiment.yaml"
  echo "$work/$phase/experiment.yaml"
}

# Largest step time / median step time over the runs' train logs (the last column is cumulative seconds).
steps() {
  local root=$1 worst=0 where=""
  while IFS= read -r log; do
    local ratio
    ratio=$(awk -F, 'NR > 1 { t = $NF; if (NR > 2) { d[n++] = t - prev } prev = t }
      END { if (n < 3) { print 0; exit }
            for (i = 1; i < n; i++) { v = d[i]; for (j = i - 1; j >= 0 && d[j] > v; j--) d[j + 1] = d[j]; d[j + 1] = v }
            m = (n % 2) ? d[(n - 1) / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
            print (m > 0 ? d[n - 1] / m : 0) }' "$log")
    if awk -v a="$ratio" -v b="$worst" 'BEGIN { exit !(a > b) }'; then worst=$ratio; where=${log#"$root"/}; fi
  done < <(find "$root" -name train_log.csv)
  printf 'slowest step / median step: %.2f (%s)\n' "$worst" "${where%/train_log.csv}"
}

for phase in "${phases[@]}"; do
  file=$(experiment "$phase")
  start=$(date +%s.%N)
  case $phase in
    alone)
      "$harness" run "$file" > "$work/$phase/log.txt" 2>&1 ;;
    shards)
      "$harness" run "$file" --shard 0/2 > "$work/$phase/log0.txt" 2>&1 &
      first=$!
      "$harness" run "$file" --shard 1/2 > "$work/$phase/log1.txt" 2>&1
      wait "$first" ;;
    workers)
      "$harness" run "$file" --workers 2 > "$work/$phase/log.txt" 2>&1 ;;
    busy)
      # Another user's job: one thread that never sleeps.
      (while :; do :; done) &
      busy=$!
      "$harness" run "$file" > "$work/$phase/log.txt" 2>&1
      kill "$busy" ;;
    *) echo "unknown phase '$phase' (alone, shards, workers, busy)" >&2; exit 2 ;;
  esac
  end=$(date +%s.%N)
  printf '%-7s %6.1f s  ' "$phase" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
  steps "$work/$phase/results"
done
