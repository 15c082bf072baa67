#!/usr/bin/env bash
# Sets up, builds and runs every test.
#   scripts/test.sh              release build (build/), all tests
#   scripts/test.sh --sanitize   ASan+UBSan build (build-asan/), all tests
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

build=build
flags=(-DCMAKE_BUILD_TYPE=Release)
if [ "${1:-}" = "--sanitize" ]; then
  build=build-asan
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DESEKIT_SANITIZE=ON)  # bench/ compiles too
fi
jobs=$(nproc)
cmake -S . -B "$build" -G Ninja "${flags[@]}" >/dev/null
ninja -C "$build" -j"$jobs"
ctest --test-dir "$build" --output-on-failure -j"$jobs"
