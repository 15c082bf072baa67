#!/usr/bin/env bash
# Recovery replay rate: a crash workload writes LOG_MIB of log with no
# checkpoint (esekit_backup_bench_tool crash-workload), then engine::recover()
# replays all of it; prints MiB of log/s, records/s and CPU use. Then a
# profile of the replay of a smaller log (PROFILE_MIB) with perf (callgrind
# when perf is missing or not permitted): the top functions.
#
#   bench/replay.sh SCRATCH_DIR [LOG_MIB [PROFILE_MIB]]
# Builds build-rb-rel (BUILD_DIR) itself; removes its files when done.
set -euo pipefail
source "$(dirname "$0")/bench_common.sh"
[[ $# -ge 1 ]] || { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
scratch=$(realpath -m "$1")
log_mib=${2:-1024}
profile_mib=${3:-128}
build_tools
mkdir -p "$scratch"
dir=$scratch/replay
trap 'rm -rf "$dir" "$scratch/replay.perf"' EXIT

echo "== recovery replay =="
machine "$scratch"
start=$(date +%s.%N)
"$tool" crash-workload "$dir" "$log_mib"
echo "workload: $(fmt "$(echo "$(date +%s.%N) - $start" | bc -l)") s to write $log_mib MiB of log"
cat "$dir"/logs/*.log > /dev/null
nice -n 5 "$tool" recover "$dir"

echo "== profile: replay of $profile_mib MiB =="
"$tool" crash-workload "$dir" "$profile_mib"
if perf record -g -o "$scratch/replay.perf" "$tool" recover "$dir" > /dev/null 2>&1; then
  perf report -i "$scratch/replay.perf" --no-children --stdio --percent-limit 1.5 2>/dev/null |
    grep -E '^ +[0-9.]+%' | head -25
else
  "$tool" crash-workload "$dir" "$profile_mib"
  valgrind --tool=callgrind --callgrind-out-file="$scratch/replay.callgrind" "$tool" recover "$dir" > /dev/null 2>&1
  callgrind_annotate "$scratch/replay.callgrind" 2>/dev/null | head -40
  rm -f "$scratch/replay.callgrind"
fi
