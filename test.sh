#!/usr/bin/env bash
# The README's test command: installs what the tests need on a fresh Debian 12 machine, then runs the whole suite
# (the .NET tests and a real single-node Slurm job array) and prints one closing line with the totals.
# Debian packages are installed with apt-get, as root or through sudo: dataset-fashion-mnist (the full data set),
# chromium (the headless-browser tests of the report and of fragility serve, which drive the system browser), and slurm-wlm and munge (the scale-out check).
# Developers who have these can run the inner command alone: dotnet test Fragility.sln
set -euo pipefail
cd "$(dirname "$0")"

export DEBIAN_FRONTEND=noninteractive
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo --preserve-env=DEBIAN_FRONTEND)

need=()
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

dotnet restore Fragility.sln

log=$(mktemp)
set +e
dotnet test Fragility.sln 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# ---- Slurm scale-out check (owner: cluster/; see cluster/README.md) ----
# A real single-node Slurm cluster runs the repository's job array over a tiny sweep and must reproduce a single
# run. It is counted as one more test in the closing line (in the test runner's format), and its failure fails.
set +e
"${as_root[@]}" bash cluster/ci/slurm-check.sh
slurm_status=$?
set -e
if [ "$slurm_status" -eq 0 ]; then
  echo "Passed!  - Failed:     0, Passed:     1, Skipped:     0, Total:     1 - slurm-check" >>"$log"
else
  echo "Failed!  - Failed:     1, Passed:     0, Skipped:     0, Total:     1 - slurm-check" >>"$log"
  [ "$status" -ne 0 ] || status=$slurm_status
fi
# ---- end of the Slurm scale-out check ----

# One plain closing line: totals over all test assemblies and the Slurm check.
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
