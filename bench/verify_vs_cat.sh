#!/usr/bin/env bash
# Whole-command benchmark: how much slower is `esekit verify` than reading the
# same file with `cat`, page cache warm. Builds nothing.
#
#   bench/verify_vs_cat.sh ESEKIT_BINARY SCRATCH_DIR [SIZE_MIB [PAGE_SIZE]]
#
# Needs esekit_make_bench_db: $MAKE_BENCH_DB, else next to the esekit binary's
# build tree (BUILD/bench/esekit_make_bench_db for BUILD/tools/esekit).
# Uses hyperfine when installed, else the best of 3 runs of each command.
# VERIFY_ARGS adds options to every verify run (e.g. VERIFY_ARGS="--threads 1").
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
esekit=$(realpath "$1")
scratch=$2
size_mib=${3:-1024}
page_size=${4:-4096}
make_db=${MAKE_BENCH_DB:-$(dirname "$esekit")/../bench/esekit_make_bench_db}
read -r -a verify_args <<< "${VERIFY_ARGS:-}"

[[ -x $esekit ]] || { echo "no esekit binary at $esekit" >&2; exit 1; }
[[ -x $make_db ]] || { echo "no esekit_make_bench_db at $make_db (set MAKE_BENCH_DB)" >&2; exit 1; }
"$esekit" verify --help > /dev/null || { echo "$esekit has no verify command" >&2; exit 1; }

mkdir -p "$scratch"
db="$scratch/bench-${size_mib}MiB-${page_size}.edb"
if [[ ! -f $db ]]; then
  "$make_db" "$db" "$size_mib" "$page_size"
fi
bytes=$(stat -c %s "$db")

# Warm the page cache (twice: the first read may still be evicting other data).
cat "$db" > /dev/null
cat "$db" > /dev/null

# The verify run must succeed (exit 0): a benchmark of a failing verify means nothing.
"$esekit" verify -q "${verify_args[@]}" "$db" > /dev/null || { echo "esekit verify failed on $db" >&2; exit 1; }

best_of_3() {  # prints the best wall time in seconds of "$@"
  local best="" start end elapsed
  for _ in 1 2 3; do
    start=$(date +%s.%N)
    "$@" > /dev/null
    end=$(date +%s.%N)
    elapsed=$(echo "$end - $start" | bc -l)
    if [[ -z $best ]] || (( $(echo "$elapsed < $best" | bc -l) )); then best=$elapsed; fi
  done
  printf '%.4f\n' "$best"
}

echo "file: $db ($bytes bytes, page size $page_size)"
echo "cpu:  $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
if command -v hyperfine > /dev/null; then
  hyperfine --warmup 1 --export-json "$scratch/verify_vs_cat.json" \
    "cat '$db'" "'$esekit' verify -q ${verify_args[*]} '$db'"
  cat_seconds=$(python3 -c "import json;r=json.load(open('$scratch/verify_vs_cat.json'))['results'];print(r[0]['min'])")
  verify_seconds=$(python3 -c "import json;r=json.load(open('$scratch/verify_vs_cat.json'))['results'];print(r[1]['min'])")
else
  cat_seconds=$(best_of_3 cat "$db")
  verify_seconds=$(best_of_3 "$esekit" verify -q "${verify_args[@]}" "$db")
fi

gbps() { echo "scale=2; $bytes / $1 / 1000000000" | bc -l; }
echo "cat > /dev/null:  ${cat_seconds} s  ($(gbps "$cat_seconds") GB/s)"
echo "esekit verify:    ${verify_seconds} s  ($(gbps "$verify_seconds") GB/s) ${verify_args[*]}"
printf "verify / cat:     %.2f\n" "$(echo "$verify_seconds / $cat_seconds" | bc -l)"
