#!/usr/bin/env bash
# Whole-command benchmark: `esekit restore` of a full backup (validation of
# every page and hash, copy into a staging directory, replay of its logs,
# fsyncs, renames) against `cp` of the same files (and `cp` + `sync`), page
# cache warm, all runs printed, ratio of the best of each.
#
#   bench/restore_vs_cp.sh SCRATCH_DIR [SIZE_MIB]
# Builds build-rb-rel (BUILD_DIR) itself; RUNS=3; removes its files when done.
set -euo pipefail
source "$(dirname "$0")/bench_common.sh"
[[ $# -ge 1 ]] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
scratch=$(realpath -m "$1")
size=${2:-1024}
build_tools
mkdir -p "$scratch"
db=$scratch/rdb-$size
full=$scratch/rfull-$size
trap 'rm -rf "$db" "$full" "$scratch/rt" "$scratch/rc"' EXIT
rm -rf "$db" "$full"

echo "== esekit restore vs cp =="
machine "$scratch"
"$tool" make-db "$db" "$size"
"$tool" write-logs "$db" 64 > /dev/null  # some log, so that the full backup's logs are not empty
"$esekit" backup "$db/logs" "$full" --database "$db/data.edb" --create --quiet
rm -rf "$db"
bytes=$(du -sb "$full" | cut -f1)
cat "$full"/* > /dev/null; cat "$full"/* > /dev/null
echo "backup: $full ($bytes bytes: $(ls "$full" | wc -l) files)"

cp_times=(); cps_times=(); rs_times=()
for ((i = 0; i < runs; i++)); do
  rm -rf "$scratch/rc"
  cp_times+=("$(seconds cp -r "$full" "$scratch/rc")")
  rm -rf "$scratch/rc"
  cps_times+=("$(seconds bash -c "cp -r '$full' '$scratch/rc' && sync '$scratch/rc/'* '$scratch/rc'")")
  rm -rf "$scratch/rc" "$scratch/rt"
  rs_times+=("$(seconds "$esekit" restore "$full" "$scratch/rt")")
done
"$esekit" restore "$full" "$scratch/rt2" --json 2>/dev/null | head -c 600 || true; echo; rm -rf "$scratch/rt2"
cp_best=$(min_of "${cp_times[@]}"); cps_best=$(min_of "${cps_times[@]}"); rs_best=$(min_of "${rs_times[@]}")
echo "cp -r:           ${cp_times[*]} s"
echo "cp -r + sync:    ${cps_times[*]} s"
echo "esekit restore:  ${rs_times[*]} s"
echo "restore / cp:        $(ratio "$rs_best" "$cp_best")  (target <= 1.3)"
echo "restore / cp + sync: $(ratio "$rs_best" "$cps_best")"
