#!/usr/bin/env bash
# Runs fragility-sweep.yaml (N shards as an Indexed Job), waits until every shard succeeded, then runs
# fragility-merge.yaml on the same volume and prints its log. Needs kubectl with a context for the cluster.
#   cluster/kubernetes/run.sh [namespace]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ns=(--namespace "${1:-default}")

# Prints "Complete" or "Failed" once job $1 has that condition, else nothing.
job_state() {
  kubectl "${ns[@]}" get job "$1" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{"\n"}{end}' |
    grep -E '^(Complete|Failed)$' | head -n 1 || true
}

# Waits for job $1 to complete; exits with its pods' logs when it failed.
wait_job() {
  local state=""
  while [ -z "$state" ]; do
    sleep 30
    state=$(job_state "$1")
  done
  if [ "$state" = Failed ]; then
    echo "run.sh: job $1 failed; its pods' logs follow" >&2
    kubectl "${ns[@]}" logs "job/$1" --all-containers --tail=50 >&2 || true
    exit 1
  fi
}

kubectl "${ns[@]}" apply -f "$here/fragility-sweep.yaml"
echo "run.sh: sweep started; waiting for all shards (kubectl get pods -l app=fragility to watch)"
wait_job fragility-sweep
kubectl "${ns[@]}" delete job fragility-merge --ignore-not-found
kubectl "${ns[@]}" apply -f "$here/fragility-merge.yaml"
wait_job fragility-merge
kubectl "${ns[@]}" logs job/fragility-merge
echo "run.sh: merged into /shared/sweeps/imagenet on volume fragility-shared"
