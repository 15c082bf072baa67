#!/usr/bin/env bash
# The main job: set up, build, run the embeddable engine end to end
# (`esekit demo` on a temporary directory), then show esekit on real Windows
# ESE files. With ../shared/corpus present it verifies and dumps files from
# it; the paths can be given as arguments instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build -j"$(nproc)" esekit
esekit=build/tools/esekit

demo_dir=$(mktemp -d)
trap 'rm -rf "$demo_dir"' EXIT
echo "== esekit demo $demo_dir/instance --seconds ${ESEKIT_DEMO_SECONDS:-5}"
demo_status=0
"$esekit" demo "$demo_dir/instance" --seconds "${ESEKIT_DEMO_SECONDS:-5}" || demo_status=$?
echo

corpus=${ESEKIT_CORPUS:-../shared/corpus}
if [ $# -gt 0 ]; then
  targets=("$@")
elif [ -d "$corpus" ]; then
  targets=("$corpus/museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Dirty"
           "$corpus/cortana-akarib/Indexed DB"
           "$corpus/windowsmail-danyquenneville/Windows Mail")
else
  echo "demo: no ../shared/corpus here; pass ESE files or directories as arguments" >&2
  exit 2
fi

echo "== esekit verify ${targets[*]}"
status=0
"$esekit" verify "${targets[@]}" || status=$?
for t in "${targets[@]}"; do
  db=$(find "$t" -maxdepth 1 -type f \( -name '*.dat' -o -name '*.edb' -o -name '*.MSMessageStore' \) | head -n 1)
  [ -n "$db" ] || continue
  echo
  echo "== esekit dump header $db"
  "$esekit" dump header "$db" | sed -n '1,40p'
  echo "   ..."
  echo
  echo "== esekit dump tables $db"
  "$esekit" dump tables "$db" | grep -v '^    column' || true
done
[ "$demo_status" -eq 0 ] || status=$demo_status
exit $status
