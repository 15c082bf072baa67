#!/usr/bin/env bash
# Installs what esekit needs to build, test, fuzz and benchmark on Debian 12.
# Idempotent; runs apt-get only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git gzip
  clang libclang-rt-14-dev                    # libFuzzer + sanitizer runtimes for fuzz/
  libzstd-dev libxxhash-dev libroaring-dev    # compression, hashes, page bitmaps
  doctest-dev libbenchmark-dev libcli11-dev   # tests, bench/, the esekit CLI
  libsqlite3-dev liblmdb-dev                 # bench/: engines esekit is measured against
  libesedb-utils python3-impacket             # independent ESE readers used by tests
  python3 zstd
  g++-mingw-w64-x86-64                        # scripts/check-vss.sh: the VSS snapshot shim (vsbackup.h)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) for apt-get" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
