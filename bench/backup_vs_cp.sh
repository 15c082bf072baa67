#!/usr/bin/env bash
# Whole-command benchmarks of `esekit backup` against cp / zstd of the same
# files, page cache warm, all runs printed (the ratio uses the best of each):
#   1. full backup (every page checksum-verified, files and directory
#      fsynced) of a SIZE_MIB database vs `cp` of the database and its logs,
#      and vs `cp` + `sync` of the copies (the backup's durability);
#   2. `--compress zstd:1` vs `zstd -1 -T0` of the same files (throughput);
#   3. incremental backup of LOG_MIB of log on a SIZE_MIB and a BIG_MIB
#      database (same log volume: the time should not depend on the size).
#
#   bench/backup_vs_cp.sh SCRATCH_DIR [SIZE_MIB [BIG_MIB [LOG_MIB]]]
# Builds build-rb-rel (BUILD_DIR) itself (NO_BUILD=1: use what is there);
# RUNS=3 runs of each; PARTS="full zstd incremental" selects parts; removes
# its big files when done. Needs SIZE_MIB*3 + BIG_MIB*2 MiB of free disk.
set -euo pipefail
source "$(dirname "$0")/bench_common.sh"
[[ $# -ge 1 ]] || { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
scratch=$(realpath -m "$1")
size=${2:-1024}
big=${3:-4096}
log_mib=${4:-128}
build_tools
mkdir -p "$scratch"
trap 'rm -rf "$scratch/db-$size" "$scratch/db-$big" "$scratch/out"' EXIT

echo "== esekit backup vs cp / zstd =="
machine "$scratch"
db=$scratch/db-$size
rm -rf "$db" "$scratch/out"
"$tool" make-db "$db" "$size"
files=("$db/data.edb" "$db"/logs/*.log)
bytes=$(du -cb "${files[@]}" | tail -1 | cut -f1)
cat "${files[@]}" > /dev/null; cat "${files[@]}" > /dev/null
echo "files: ${#files[@]} ($bytes bytes: data.edb $(stat -c %s "$db/data.edb") + logs)"

parts=${PARTS:-full zstd incremental}
if [[ $parts == *full* ]]; then
cp_times=(); cps_times=(); bk_times=()
for ((i = 0; i < runs; i++)); do
  rm -rf "$scratch/out"; mkdir -p "$scratch/out"
  cp_times+=("$(seconds cp "${files[@]}" "$scratch/out/")")
  rm -rf "$scratch/out"; mkdir -p "$scratch/out"
  cps_times+=("$(seconds bash -c "cp \"\$@\" '$scratch/out/' && sync '$scratch/out/'* '$scratch/out'" _ "${files[@]}")")
  rm -rf "$scratch/out"
  bk_times+=("$(seconds "$esekit" backup "$db/logs" "$scratch/out" --database "$db/data.edb" --create --quiet)")
done
cp_best=$(min_of "${cp_times[@]}"); cps_best=$(min_of "${cps_times[@]}"); bk_best=$(min_of "${bk_times[@]}")
echo "cp:                 ${cp_times[*]} s"
echo "cp + sync:          ${cps_times[*]} s"
echo "esekit backup full: ${bk_times[*]} s"
echo "full backup / cp:        $(ratio "$bk_best" "$cp_best")  (target <= 1.2)"
echo "full backup / cp + sync: $(ratio "$bk_best" "$cps_best")"
fi

if [[ $parts == *zstd* ]]; then
zs_times=(); bz_times=()
for ((i = 0; i < runs; i++)); do
  rm -rf "$scratch/out"; mkdir -p "$scratch/out"
  zs_times+=("$(seconds bash -c "for f in \"\$@\"; do zstd -1 -T0 -q -c \"\$f\" > '$scratch/out/'\$(basename \"\$f\").zst; done" _ "${files[@]}")")
  rm -rf "$scratch/out"
  bz_times+=("$(seconds "$esekit" backup "$db/logs" "$scratch/out" --database "$db/data.edb" --create --quiet --compress zstd:1)")
done
zs_best=$(min_of "${zs_times[@]}"); bz_best=$(min_of "${bz_times[@]}")
echo "zstd -1 -T0:               ${zs_times[*]} s  ($(du -cb "$scratch"/out/* | tail -1 | cut -f1) bytes stored by the last backup)"
echo "esekit backup zstd:1:      ${bz_times[*]} s"
echo "throughput zstd / esekit:  $(printf '%.0f' "$(echo "$bytes / $zs_best / 1048576" | bc -l)") / $(printf '%.0f' "$(echo "$bytes / $bz_best / 1048576" | bc -l)") MiB/s"
echo "esekit / zstd throughput:  $(ratio "$zs_best" "$bz_best")  (target >= 0.9)"
fi
rm -rf "$scratch/out"
[[ $parts == *incremental* ]] || exit 0

incremental() {  # incremental DB_MIB: prints the incremental times
  local mib=$1 dir=$scratch/db-$1 times=()
  [[ -d $dir ]] || "$tool" make-db "$dir" "$mib" > /dev/null
  rm -rf "$scratch/out"
  "$esekit" backup "$dir/logs" "$scratch/out" --database "$dir/data.edb" --create --quiet > /dev/null
  rm -rf "$scratch/out"
  for ((i = 0; i < runs; i++)); do
    "$tool" write-logs "$dir" "$log_mib" > /dev/null
    cat "$dir"/logs/*.log > /dev/null
    rm -rf "$scratch/inc"
    times+=("$(seconds "$esekit" backup "$dir/logs" "$scratch/inc" --database "$dir/data.edb" --type incremental --create --quiet)")
    echo "  run $i: $(du -sb "$scratch/inc" | cut -f1) bytes in the incremental" >&2
  done
  rm -rf "$scratch/inc"
  echo "${times[*]}"
}
inc_small=$(incremental "$size")
rm -rf "$db"
inc_big=$(incremental "$big")
rm -rf "$scratch/db-$big"
# shellcheck disable=SC2086
small_best=$(min_of $inc_small); big_best=$(min_of $inc_big)
echo "incremental, $log_mib MiB of log, $size MiB database: $inc_small s"
echo "incremental, $log_mib MiB of log, $big MiB database: $inc_big s"
echo "big / small:               $(ratio "$big_best" "$small_best")  (target within 10%)"
