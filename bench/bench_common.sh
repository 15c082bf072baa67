#!/usr/bin/env bash
# Shared by backup_vs_cp.sh, restore_vs_cp.sh and replay.sh: builds the
# Release binaries they need (own build directory, 2 jobs) and times commands.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$repo/build-rb-rel}
runs=${RUNS:-3}

build_tools() {
  esekit=$build/tools/esekit
  tool=$build/bench/esekit_backup_bench_tool
  if [[ ${NO_BUILD:-0} == 1 ]]; then return; fi  # use the binaries already in $build
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DESEKIT_BENCH=ON -DESEKIT_TESTS=OFF > /dev/null
  nice -n 5 ninja -C "$build" -j2 esekit esekit_backup_bench_tool > /dev/null
}

# seconds "$@": wall time of one run of the command (stdout discarded).
# Dirty pages of earlier runs are written out first (sync, not timed), so
# that no run pays for the writeback of the one before.
seconds() {
  local start end
  sync
  start=$(date +%s.%N)
  "$@" > /dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

min_of() { printf '%s\n' "$@" | sort -g | head -1; }
fmt() { printf '%.3f' "$1"; }
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
machine() {
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; $(free -g | awk '/Mem:/{print $2}') GiB RAM"
  echo "disk: $(df -h "$1" | awk 'NR==2{print $1, $2, "free", $4}'); kernel $(uname -r); $(date -u +%FT%TZ)"
}
