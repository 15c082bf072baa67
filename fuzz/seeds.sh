#!/usr/bin/env bash
# fuzz/seeds.sh TARGET DIR: fills DIR with seed inputs for TARGET from ../shared/corpus
# (nothing when the corpus is absent; libFuzzer then starts from scratch).
set -eu  # no pipefail: find | head may end with SIGPIPE, which is fine here
target=$1
out=$2
corpus=${ESEKIT_CORPUS:-$(dirname "$0")/../../shared/corpus}
mkdir -p "$out"
[ -d "$corpus" ] || exit 0
n=0
add() {  # add FILE BYTES: the first BYTES bytes of FILE as one seed
  head -c "$2" "$1" > "$out/seed-$n"
  n=$((n + 1))
}
case "$target" in
  fuzz_database_header)
    find "$corpus" -type f \( -name '*.edb' -o -name '*.dat' -o -name '*.mdb' -o -name '*.sdb' -o -name '*.MSMessageStore' \) |
      while read -r f; do add "$f" 65536; done ;;
  fuzz_checkpoint)
    find "$corpus" -type f \( -name '*.chk' -o -name '*.jcp' \) | while read -r f; do add "$f" 8192; done ;;
  fuzz_page)
    # pages 1..4 of a few databases of each page size, one page a seed
    find "$corpus" -type f \( -name '*.edb' -o -name '*.dat' \) | sort | awk "NR <= 12" | while read -r f; do
      size=$(stat -c %s "$f"); ps=$(od -An -tu4 -j236 -N4 "$f" | tr -d ' ')
      case "$ps" in 4096|8192|16384|32768) ;; *) continue ;; esac
      for p in 2 3 4 5; do
        [ $(((p + 1) * ps)) -le "$size" ] || break
        { printf "\\x$(printf %02x $((ps / 4096)))"; dd if="$f" bs="$ps" skip="$p" count=1 status=none; } > "$out/seed-$n"
        n=$((n + 1))
      done
    done ;;
  fuzz_integrity)
    # header, shadow and the first 16 pages of the 4 KiB-page databases
    find "$corpus" -type f \( -name '*.edb' -o -name '*.dat' -o -name '*.mdb' \) | sort | while read -r f; do
      ps=$(od -An -tu4 -j236 -N4 "$f" | tr -d ' ')
      [ "$ps" = 4096 ] && add "$f" $((18 * 4096))
    done ;;
  fuzz_log_file|fuzz_log_record)
    find "$corpus" -type f \( -name '*.log' -o -name '*.jtx' \) | sort | awk "NR <= 20" | while read -r f; do add "$f" 262144; done ;;
  fuzz_xpress)
    # MS-XCA §3.1's two examples: byte 0 = flags/page size, 2-byte output size, stream
    printf '\x00\x1a\x00\x3f\x00\x00\x00abcdefghijklmnopqrstuvwxyz' > "$out/seed-0"
    printf '\x00\x2c\x01\xff\xff\xff\x1fabc\x17\x00\x0f\xff\x26\x01' > "$out/seed-1"
    printf '\x02\x00\x00\x18\x2c\x01\xff\xff\xff\x1fabc\x17\x00\x0f\xff\x26\x01' > "$out/seed-2" ;;
  *) ;;
esac
