#!/usr/bin/env bash
# Submits a Fragility sweep as a Slurm job array of N shards, and a merge job that runs when every shard succeeded.
#
#   cluster/slurm/submit.sh --shards N --out DIR [--cpus C] [--time D-HH:MM:SS] [--partition P] [--merged DIR]
#                           [--sbatch "extra sbatch options"] -- [fragility sweep options...]
#
# DIR must be on a file system every node sees. Prints the job ids as 'array_job=ID' and 'merge_job=ID'.
# The CLI is FRAGILITY when set (e.g. FRAGILITY="dotnet /opt/fragility/Fragility.Cli.dll"), else 'fragility' on
# PATH; sbatch passes the environment on to the jobs. Example (the paper's ImageNet grid on 8 nodes of 16 cores):
#   cluster/slurm/submit.sh --shards 8 --cpus 16 --out /shared/imagenet -- --model squeezenet.safetensors \
#       --dataset folder --data /shared/imagenet-val --images 512 --methods gradient,grad_x_input,ig,deeplift
set -euo pipefail

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
shards="" out="" cpus=4 time="" partition="" merged="" extra=""
while [ $# -gt 0 ]; do
  case "$1" in
    --shards) shards=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --cpus) cpus=$2; shift 2 ;;
    --time) time=$2; shift 2 ;;
    --partition) partition=$2; shift 2 ;;
    --merged) merged=$2; shift 2 ;;
    --sbatch) extra=$2; shift 2 ;;
    --) shift; break ;;
    -h | --help) usage ;;
    *) echo "submit.sh: unknown option '$1' (sweep options go after --)" >&2; usage ;;
  esac
done
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: --shards must be a whole number of at least 1, got '$shards'" >&2; exit 2; }
[[ "$cpus" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: --cpus must be a whole number of at least 1, got '$cpus'" >&2; exit 2; }
[ -n "$out" ] || { echo "submit.sh: --out DIR is required (a folder every node sees)" >&2; exit 2; }
command -v sbatch >/dev/null 2>&1 || { echo "submit.sh: sbatch not found: run this on a Slurm login node" >&2; exit 2; }

mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
export FRAGILITY_OUT=$out
[ -z "$merged" ] || export FRAGILITY_MERGED=$merged

common=()
[ -z "$time" ] || common+=(--time "$time")
[ -z "$partition" ] || common+=(--partition "$partition")
# shellcheck disable=SC2206 # extra sbatch options are words by design
[ -z "$extra" ] || common+=($extra)

array_job=$(sbatch --parsable "${common[@]}" --array="0-$((shards - 1))" --cpus-per-task="$cpus" \
  --output="$out/logs/sweep-%A_%a.out" "$here/fragility-array.sbatch" "$@")
array_job=${array_job%%;*}
# kill-on-invalid-dep: if a shard fails, the merge is cancelled instead of pending forever.
merge_job=$(sbatch --parsable "${common[@]}" --dependency="afterok:$array_job" --kill-on-invalid-dep=yes \
  --output="$out/logs/merge-%j.out" "$here/fragility-merge.sbatch")
merge_job=${merge_job%%;*}

echo "array_job=$array_job"
echo "merge_job=$merge_job"
echo "submit.sh: $shards shards of $cpus CPUs writing to $out; merge job $merge_job runs when array $array_job succeeds. Logs: $out/logs/" >&2
