#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 30),
# seeded from ../shared/corpus when present. Crashes are kept in build-fuzz/crashes/.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# For a long run: scripts/fuzz.sh 3600 fuzz_log_file
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
seconds=${1:-30}
shift || true
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DESEKIT_FUZZ=ON -DESEKIT_TESTS=OFF -DESEKIT_BENCH=OFF >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cd fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//')
fi
# Only the fuzz targets (and the format libraries they link): the rest is
# built and tested by scripts/test.sh.
ninja -C build-fuzz -j"$(nproc)" "${targets[@]}"
mkdir -p build-fuzz/crashes
for t in "${targets[@]}"; do
  seeds=build-fuzz/seeds/$t
  fuzz/seeds.sh "$t" "$seeds"
  echo "== $t for ${seconds}s ($(ls "$seeds" | wc -l) seeds)"
  # Work on a copy of the seeds so the run's discoveries stay out of the tree.
  work=build-fuzz/work/$t
  mkdir -p "$work"
  build-fuzz/fuzz/"$t" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=1048576 \
    -artifact_prefix=build-fuzz/crashes/"$t"- -print_final_stats=1 "$work" "$seeds" 2>&1 | tail -n 40
done
