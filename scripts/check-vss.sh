#!/usr/bin/env bash
# Cross-compiles the Windows VSS snapshot shim (backup/src/snapshot_vss.cpp)
# and what it builds on (backup/src/snapshot_core.cpp) with mingw-w64, so
# that the Windows-only code cannot rot (issue 4 item 9). Object files only:
# the rest of esekit uses POSIX I/O and is not built for Windows; then a
# link of the VSS entry points against vssapi/ole32 proves the imports exist.
# Needs g++-mingw-w64-x86-64 (scripts/setup.sh). Usage: scripts/check-vss.sh [OUTDIR]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/build-vss}"
mkdir -p "$out"

cxx=""
for candidate in x86_64-w64-mingw32-g++-posix x86_64-w64-mingw32-g++; do
  if command -v "$candidate" >/dev/null; then cxx="$candidate"; break; fi
done
if [ -z "$cxx" ]; then
  echo "check-vss: x86_64-w64-mingw32-g++ not found (apt-get install g++-mingw-w64-x86-64)" >&2
  exit 1
fi

flags=(-std=c++20 -Wall -Wextra -Werror -O1
  -I"$root/backup/include" -I"$root/backup/src" -I"$root/engine/include" -I"$root/format/include")

for source in backup/src/snapshot_vss.cpp backup/src/snapshot_core.cpp; do
  object="$out/$(basename "$source" .cpp).o"
  echo "check-vss: $cxx -c $source" >&2
  "$cxx" "${flags[@]}" -c "$root/$source" -o "$object"
done

# The VSS object must really hold the requester (not an empty _WIN32-less unit).
# (nm's output is captured first: `nm | grep -q` under pipefail fails when
# grep exits at the first match and nm gets SIGPIPE.)
symbols="$(x86_64-w64-mingw32-nm "$out/snapshot_vss.o")"
if ! grep -q "CreateVssBackupComponentsInternal" <<<"$symbols"; then
  echo "check-vss: snapshot_vss.o does not reference CreateVssBackupComponentsInternal" >&2
  exit 1
fi

# Link probe: a stub program calling the two vssapi.dll entry points the
# shim imports, linked as the shim would be (-lvssapi -lole32).
cat > "$out/vss_link_probe.cpp" <<'PROBE'
#include <windows.h>
#include <vss.h>
#include <vswriter.h>
#include <vsbackup.h>
extern "C" HRESULT STDAPICALLTYPE CreateVssBackupComponentsInternal(IVssBackupComponents** ppBackup);
extern "C" void STDAPICALLTYPE VssFreeSnapshotPropertiesInternal(VSS_SNAPSHOT_PROP* pProp);
int main() {
  IVssBackupComponents* components = nullptr;
  if (FAILED(CreateVssBackupComponentsInternal(&components))) return 1;
  VSS_SNAPSHOT_PROP properties{};
  VssFreeSnapshotPropertiesInternal(&properties);
  components->Release();
  return 0;
}
PROBE
"$cxx" -std=c++20 -Wall -Wextra -Werror "$out/vss_link_probe.cpp" -o "$out/vss_link_probe.exe" -lvssapi -lole32
echo "check-vss: ok ($out/snapshot_vss.o, $out/snapshot_core.o, vss_link_probe.exe linked)" >&2
