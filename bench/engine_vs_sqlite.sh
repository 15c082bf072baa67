#!/usr/bin/env bash
# esekit against SQLite and LMDB: runs every engine benchmark (inserts and
# point reads, bench_engine.cpp) in one run of one binary, then prints a
# Markdown table of items/s per engine, the esekit/SQLite ratio and each
# engine's disk use, ready for bench/README.md.
#
#   bench/engine_vs_sqlite.sh [BINARY] [BENCHMARK OPTIONS...]
#   bench/engine_vs_sqlite.sh --table RESULTS.json    # only format a saved run
#
# BINARY: default build-bench/bench/esekit_bench_engine (esekit_bench_engine_baseline
# runs SQLite and LMDB only; the esekit columns then say "pending").
# Options after BINARY go to the binary, e.g. --records 100000 or
# --benchmark_filter=PointRead or --benchmark_repetitions=3 (the table then
# shows medians). Environment: ESEKIT_BENCH_DIR (default /tmp; the run
# directories are created and removed there), ESEKIT_BENCH_RECORDS,
# ESEKIT_BENCH_DURABLE_BATCH1_RECORDS, ESEKIT_BENCH_KEEP=1 (keep every run
# directory and print `du -sh` of each), ESEKIT_BENCH_OUT (where the JSON
# goes; default a new directory under /tmp).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)

format_table() {  # $1 = Google Benchmark JSON
  python3 - "$1" <<'PY'
import json, sys

data = json.load(open(sys.argv[1]))
context = data.get("context", {})
engines = ["esekit", "sqlite", "lmdb"]
labels = {"esekit": "esekit", "sqlite": "SQLite", "lmdb": "LMDB"}

# name: BM_Insert/<engine>/<order>/<durability>/batch:<n>/iterations:1/manual_time
#       BM_PointRead/<engine>/<order>/iterations:1/manual_time
results, order, errors = {}, [], []
has_aggregates = any(b.get("run_type") == "aggregate" for b in data["benchmarks"])
for bench in data["benchmarks"]:
    if has_aggregates and bench.get("aggregate_name") != "median":
        continue
    parts = [p for p in bench.get("run_name", bench["name"]).split("/")
             if not p.startswith("iterations:") and p not in ("manual_time", "real_time")]
    engine = parts[1]
    workload = " ".join([parts[0].removeprefix("BM_").replace("PointRead", "point read").lower()] + parts[2:])
    if workload not in order:
        order.append(workload)
    if bench.get("error_occurred"):
        errors.append(f"{bench['name']}: {bench.get('error_message', '')}")
        results[(workload, engine)] = None
        continue
    results[(workload, engine)] = bench

def rate(value):
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value:.3g}"

def size(value):
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value:.0f} B"

def cell(workload, engine, field, show):
    if (workload, engine) not in results:
        return "pending" if engine == "esekit" else "—"
    bench = results[(workload, engine)]
    if bench is None:
        return "failed"
    return show(bench[field])

print(f"records: {context.get('records', '?')}; durable batch:1 runs: "
      f"{context.get('durable_batch1_records', '?')}")
print(f"run: {context.get('date', '?')}, {context.get('num_cpus', '?')} CPUs, "
      f"load average {', '.join(f'{x:.2f}' for x in context.get('load_avg', []))}")
print()
header = (["Workload", "records"] + [f"{labels[e]} items/s" for e in engines] + ["esekit / SQLite"]
          + [f"{labels[e]} disk" for e in engines])
print("| " + " | ".join(header) + " |")
print("|" + "---|" * len(header))
for workload in order:
    records = next((b["records"] for e in engines if (b := results.get((workload, e)))), 0)
    row = [workload, f"{records:,.0f}"]
    row += [cell(workload, e, "items_per_second", rate) for e in engines]
    ours, theirs = results.get((workload, "esekit")), results.get((workload, "sqlite"))
    if ours and theirs:
        ratio = ours["items_per_second"] / theirs["items_per_second"]
        row.append(f"{ratio:.2f}" if ratio >= 1 else f"**{ratio:.2f}** (behind)")
    else:
        row.append("pending" if (workload, "esekit") not in results else "—")
    row += [cell(workload, e, "disk_bytes", size) for e in engines]
    print("| " + " | ".join(row) + " |")
if any(b and "cpu_seconds" in b for b in results.values()):
    # Process CPU time of the timed part per record: less disturbed than the
    # wall-clock rates when the machine is shared.
    print()
    header = ["Workload"] + [f"{labels[e]} CPU µs/record" for e in engines] + ["SQLite CPU / esekit CPU"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for workload in order:
        row = [workload]
        for e in engines:
            b = results.get((workload, e))
            row.append(f"{b['cpu_seconds'] * 1e6 / b['records']:.3g}" if b and "cpu_seconds" in b
                       else "pending" if e == "esekit" and (workload, e) not in results else "—")
        ours, theirs = results.get((workload, "esekit")), results.get((workload, "sqlite"))
        if ours and theirs and "cpu_seconds" in ours and "cpu_seconds" in theirs:
            # CPU per record: lower is better, so SQLite / esekit reads like the throughput ratio.
            row.append(f"{(theirs['cpu_seconds'] / theirs['records']) / (ours['cpu_seconds'] / ours['records']):.2f}")
        else:
            row.append("pending" if (workload, "esekit") not in results else "—")
        print("| " + " | ".join(row) + " |")
if errors:
    print()
    print("Failed runs:")
    for error in errors:
        print(f"- {error}")
PY
}

if [[ ${1:-} == --table ]]; then
  [[ $# -eq 2 ]] || { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
  format_table "$2"
  exit 0
fi
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi

binary=${1:-$repo/build-bench/bench/esekit_bench_engine}
[[ $# -gt 0 ]] && shift
[[ -x $binary ]] || { echo "no benchmark binary at $binary (ninja -C build-bench esekit_bench_engine)" >&2; exit 1; }

out=${ESEKIT_BENCH_OUT:-$(mktemp -d /tmp/engine_vs_sqlite.XXXXXX)}
mkdir -p "$out"
json=$out/engine_vs_sqlite.json
bench_dir=${ESEKIT_BENCH_DIR:-/tmp}

echo "binary:    $binary" >&2
echo "bench dir: $bench_dir ($(stat -f -c %T "$bench_dir"), $(df -h --output=avail "$bench_dir" | tail -1 | tr -d ' ') free)" >&2
echo "results:   $json" >&2
# Console output (progress) to stderr, JSON to the file, the table to stdout.
"$binary" --benchmark_out="$json" --benchmark_out_format=json "$@" >&2

if [[ ${ESEKIT_BENCH_KEEP:-} == 1 ]]; then
  echo >&2
  echo "du -sh of each run directory (kept):" >&2
  du -sh "$bench_dir"/esekit-bench-engine-*/* >&2 || true
fi

format_table "$json"
