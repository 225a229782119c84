#!/usr/bin/env bash
# CI check of the Slurm launch files on a real (single-node) Slurm cluster:
#   1. publishes the CLI and runs a tiny sweep once, as a single run;
#   2. starts a throw-away cluster (cluster/ci/slurm-cluster.sh), submits the same sweep with the repository's own
#      cluster/slurm/submit.sh as a 3-task job array plus the merge job, and waits for both;
#   3. requires the merged results.jsonl to hold the single run's lines (as a set, without the wall-clock "seconds"
#      field) and summary.csv to equal the single run's (without the wall-clock "seconds_mean" column), then stops
#      the daemons it started by their process ids.
# Exits non-zero when anything fails, including a cluster that cannot start. Needs root (apt-get, slurmd).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

log() { echo "slurm-check: $*"; }
fail() { echo "slurm-check: FAILED: $*" >&2; exit 1; }

need=()
command -v slurmctld >/dev/null 2>&1 || need+=(slurm-wlm)
command -v munged >/dev/null 2>&1 || need+=(munge)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/fragility-slurm-check.XXXXXX)
chmod 0755 "$work"   # munged runs as the munge user and must reach its folder inside
cluster=$work/cluster
started=0
cleanup() {
  local code=$?
  if [ "$started" = 1 ]; then bash "$repo/cluster/ci/slurm-cluster.sh" stop "$cluster" || code=1; fi
  if [ "$code" != 0 ] && [ -d "$cluster/log" ]; then
    echo "---- slurmctld.log (last 20 lines)"; tail -n 20 "$cluster/log/slurmctld.log" 2>/dev/null || true
    echo "---- slurmd.log (last 20 lines)"; tail -n 20 "$cluster/log/slurmd.log" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$code"
}
trap cleanup EXIT

# The tiny sweep: shipped model, shipped sample, 6 images in 3 batches of 2, so 3 shards own one batch each.
# shellcheck disable=SC2054 # the commas belong to the option values
sweep=(--dataset sample --images 6 --batch-size 2 --methods gradient --attacks random,topk --epsilons 2,8 --iterations 3)

log "publishing the CLI"
dotnet publish src/Fragility.Cli -c Release -o "$work/cli" -nologo -v quiet >"$work/publish.log" 2>&1 ||
  { cat "$work/publish.log"; fail "dotnet publish src/Fragility.Cli failed"; }
export FRAGILITY="dotnet $work/cli/Fragility.Cli.dll"

log "single run"
clock=$SECONDS
# shellcheck disable=SC2086 # FRAGILITY is a command line by design
$FRAGILITY sweep "${sweep[@]}" --threads 1 --out "$work/single" >"$work/single.log" 2>&1 ||
  { cat "$work/single.log"; fail "the single run failed"; }
log "single run took $((SECONDS - clock)) s"

log "starting the cluster"
started=1
bash cluster/ci/slurm-cluster.sh start "$cluster" || fail "the Slurm cluster did not start"
# shellcheck source=/dev/null
source "$cluster/env"
timeout 30 srun --quiet hostname >/dev/null || fail "srun hostname does not run on the cluster"

clock=$SECONDS
ids=$(cluster/slurm/submit.sh --shards 3 --cpus 1 --time 00:15:00 --out "$work/sharded" -- "${sweep[@]}") ||
  fail "cluster/slurm/submit.sh failed"
array_job=$(sed -n 's/^array_job=//p' <<<"$ids")
merge_job=$(sed -n 's/^merge_job=//p' <<<"$ids")
if [ -z "$array_job" ] || [ -z "$merge_job" ]; then fail "submit.sh printed no job ids: $ids"; fi
log "array job $array_job, merge job $merge_job"

# Job states come from slurmctld (no accounting here); MinJobAge keeps finished jobs visible for 5 minutes.
state() { scontrol show job "$1" -o 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort | uniq -c | tr -s ' ' | xargs; }
deadline=$((SECONDS + 900))
while :; do
  merge_state=$(scontrol show job "$merge_job" -o 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 || true)
  case "$merge_state" in
    COMPLETED) break ;;
    FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
      for f in "$work/sharded/logs/"*; do echo "---- $f"; tail -n 30 "$f"; done
      fail "merge job $merge_job ended $merge_state; array tasks: $(state "$array_job")" ;;
  esac
  if [ "$SECONDS" -gt "$deadline" ]; then
    for f in "$work/sharded/logs/"*; do echo "---- $f"; tail -n 30 "$f"; done
    squeue
    fail "jobs did not finish in 900 s (merge $merge_state; array tasks: $(state "$array_job"))"
  fi
  sleep 1
done
array_states=$(state "$array_job")
[ "$array_states" = "3 COMPLETED" ] || fail "array tasks ended as '$array_states', expected 3 COMPLETED"
log "array and merge finished in $((SECONDS - clock)) s"

# The same sweep, by its settings' fingerprint.
fingerprint() { grep -o '"fingerprint": *"[0-9a-f]*"' "$1" | grep -o '[0-9a-f]*"$' | tr -d '"'; }
[ -n "$(fingerprint "$work/single/run.json")" ] || fail "single run wrote no fingerprint in run.json"
[ "$(fingerprint "$work/single/run.json")" = "$(fingerprint "$work/sharded/run.json")" ] ||
  fail "merged run.json has another fingerprint than the single run"

# results.jsonl: the same lines as a set, once each, without the wall-clock time.
strip_seconds() { sed -E 's/,?"seconds":[^,}]*//' "$1" | sort; }
strip_seconds "$work/single/results.jsonl" >"$work/single.lines"
strip_seconds "$work/sharded/results.jsonl" >"$work/merged.lines"
[ "$(wc -l <"$work/single.lines")" -eq 24 ] || fail "single run has $(wc -l <"$work/single.lines") result lines, expected 6 images x 1 method x 2 attacks x 2 epsilons = 24"
[ -z "$(uniq -d "$work/merged.lines")" ] || fail "merged results.jsonl repeats lines"
diff -u "$work/single.lines" "$work/merged.lines" >"$work/results.diff" ||
  { head -n 40 "$work/results.diff"; fail "merged results.jsonl differs from the single run's"; }

# summary.csv: identical, without the wall-clock column.
drop_seconds() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds_mean") c = i }
           { out = ""; sep = ""; for (i = 1; i <= NF; i++) if (i != c) { out = out sep $i; sep = "," } print out }' "$1"
}
drop_seconds "$work/single/summary.csv" >"$work/single.csv"
drop_seconds "$work/sharded/summary.csv" >"$work/merged.csv"
diff -u "$work/single.csv" "$work/merged.csv" || fail "merged summary.csv differs from the single run's"
[ -s "$work/sharded/figure.png" ] || fail "the merge wrote no figure.png"

log "PASSED: 3 Slurm array tasks + merge job reproduce the single run (24 result lines, $(($(wc -l <"$work/single.csv") - 1)) summary rows)"
