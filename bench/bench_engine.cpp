// Engine benchmarks: esekit against SQLite and LMDB, same binary, same run
// (bench/README.md, "Engine vs SQLite and LMDB").
//
//   BM_Insert/<engine>/<sequential|random>/<durable|lazy>/batch:<1|1000>
//       inserts N records (16-byte keys, 100-byte values) into an empty store,
//       `batch` records per write transaction.
//   BM_PointRead/<engine>/<sequential|random>
//       loads N records (untimed: sequential, lazy, batches of 1000), closes
//       and reopens the store, then looks every key up once, in key order or
//       in a random permutation, inside one read snapshot.
//
// Each run is one iteration of the whole workload, timed by hand (only the
// inserts/commits or the reads; opening and closing are not in the time;
// closing, which makes a lazy run durable, is reported as close_seconds;
// cpu_seconds is the process CPU time of the timed part).
// Every run gets a fresh directory under $ESEKIT_BENCH_DIR (default /tmp),
// removed afterwards unless ESEKIT_BENCH_KEEP=1.
//
// Options (also as environment variables):
//   --records N                  ESEKIT_BENCH_RECORDS, default 1000000
//   --durable-batch1-records N   ESEKIT_BENCH_DURABLE_BATCH1_RECORDS, default 20000:
//                                durable batch:1 runs do one fsync per record,
//                                so they insert min(N, this) records
//   --dir PATH                   ESEKIT_BENCH_DIR
#include <benchmark/benchmark.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bench_engine_workload.h"

namespace esekit::bench {
namespace {

struct Settings {
  uint32_t records = 1'000'000;
  uint32_t durableBatch1Records = 20'000;
  std::filesystem::path directory = "/tmp";
  bool keep = false;
};

Settings& settings() {
  static Settings value;
  return value;
}

using EngineFactory = std::unique_ptr<EngineUnderTest> (*)();
struct EngineEntry {
  const char* name;
  EngineFactory make;
};

// esekit first, so that each workload's lines read esekit, sqlite, lmdb.
std::vector<EngineEntry> engines() {
  std::vector<EngineEntry> list;
#if ESEKIT_BENCH_ENGINE_WITH_ESEKIT
  list.push_back({"esekit", &makeEsekitEngine});
#endif
  list.push_back({"sqlite", &makeSqliteEngine});
  list.push_back({"lmdb", &makeLmdbEngine});
  return list;
}

const char* orderName(KeyOrder order) { return order == KeyOrder::Sequential ? "sequential" : "random"; }
const char* commitName(Commit commit) { return commit == Commit::Durable ? "durable" : "lazy"; }

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU time of the whole process (every thread: an engine may work in
// background threads). On a shared machine it moves less than wall time.
double processCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// A fresh, empty directory for one run; removed when the run ends (unless
// ESEKIT_BENCH_KEEP=1, to inspect the files, e.g. with `esekit verify`).
class RunDirectory {
 public:
  explicit RunDirectory(const std::string& benchmarkName) {
    static int serial = 0;
    std::string leaf = benchmarkName;
    for (char& c : leaf) {
      if (c == '/' || c == ':') c = '_';
    }
    path_ = settings().directory / ("esekit-bench-engine-" + std::to_string(getpid())) /
            (std::to_string(++serial) + "-" + leaf);
    std::error_code error;
    std::filesystem::remove_all(path_, error);
    std::filesystem::create_directories(path_, error);
    if (error) failure_ = "cannot create " + path_.string() + ": " + error.message();
  }
  ~RunDirectory() {
    if (settings().keep) return;
    std::error_code error;
    std::filesystem::remove_all(path_, error);
    std::filesystem::remove(path_.parent_path(), error);  // only if empty
  }
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const Failure& failure() const { return failure_; }

 private:
  std::filesystem::path path_;
  Failure failure_;
};

// Inserts records[0..count) in transactions of `batch` records.
Failure insertAll(EngineUnderTest& engine, const std::vector<uint32_t>& records, uint32_t batch) {
  for (size_t start = 0; start < records.size(); start += batch) {
    if (auto failure = engine.begin()) return failure;
    const size_t end = std::min(records.size(), start + batch);
    for (size_t i = start; i < end; ++i) {
      const auto key = makeKey(records[i]);
      const auto value = makeValue(records[i]);
      if (auto failure = engine.insert(key, value)) return "record " + std::to_string(records[i]) + ": " + *failure;
    }
    if (auto failure = engine.commit()) return "commit after record " + std::to_string(records[end - 1]) + ": " + *failure;
  }
  return std::nullopt;
}

void reportCommon(benchmark::State& state, uint64_t records, const RunDirectory& directory, double cpuSeconds,
                  double closeSeconds) {
  state.counters["cpu_seconds"] = cpuSeconds;
  state.SetItemsProcessed(static_cast<int64_t>(records));
  state.SetBytesProcessed(static_cast<int64_t>(records * (kKeySize + kValueSize)));
  state.counters["records"] = static_cast<double>(records);
  state.counters["close_seconds"] = closeSeconds;
  state.counters["disk_bytes"] = static_cast<double>(diskUsage(directory.path()));
}

void runInsert(benchmark::State& state, const std::string& name, EngineFactory make, KeyOrder order, Commit commit,
               uint32_t batch) {
  const uint32_t records = (commit == Commit::Durable && batch == 1)
                               ? std::min(settings().records, settings().durableBatch1Records)
                               : settings().records;
  const std::vector<uint32_t> indices = recordOrder(records, order);
  for (auto _ : state) {
    RunDirectory directory(name);
    auto engine = make();
    Failure failure = directory.failure();
    if (!failure) failure = engine->open(directory.path(), commit);
    if (failure) {
      state.SkipWithError(("open: " + *failure).c_str());
      return;
    }
    const double cpuStart = processCpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    failure = insertAll(*engine, indices, batch);
    const double seconds = secondsSince(start);
    const double cpuSeconds = processCpuSeconds() - cpuStart;
    if (failure) {
      state.SkipWithError(failure->c_str());
      return;
    }
    state.SetIterationTime(seconds);
    const auto closeStart = std::chrono::steady_clock::now();
    failure = engine->close();
    if (failure) {
      state.SkipWithError(("close: " + *failure).c_str());
      return;
    }
    reportCommon(state, records, directory, cpuSeconds, secondsSince(closeStart));
    state.counters["batch"] = batch;
    state.counters["commits"] = static_cast<double>((records + batch - 1) / batch);
  }
}

void runPointRead(benchmark::State& state, const std::string& name, EngineFactory make, KeyOrder order) {
  const uint32_t records = settings().records;
  const std::vector<uint32_t> indices = recordOrder(records, order);
  for (auto _ : state) {
    RunDirectory directory(name);
    Failure failure = directory.failure();
    {
      // The load: sequential, lazy, batches of 1000, then a clean close.
      auto loader = make();
      if (!failure) failure = loader->open(directory.path(), Commit::Lazy);
      if (!failure) failure = insertAll(*loader, recordOrder(records, KeyOrder::Sequential), 1000);
      if (!failure) failure = loader->close();
      if (failure) {
        state.SkipWithError(("load: " + *failure).c_str());
        return;
      }
    }
    auto engine = make();
    failure = engine->open(directory.path(), Commit::Lazy);
    if (failure) {
      state.SkipWithError(("reopen: " + *failure).c_str());
      return;
    }
    const double cpuStart = processCpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    failure = engine->beginReads();
    for (size_t i = 0; !failure && i < indices.size(); ++i) {
      const auto key = makeKey(indices[i]);
      ByteSpan value;
      failure = engine->read(key, value);
      if (failure) {
        failure = "record " + std::to_string(indices[i]) + ": " + *failure;
        break;
      }
      uint64_t tag = 0;
      if (value.size() == kValueSize) std::memcpy(&tag, value.data(), 8);
      if (value.size() != kValueSize || tag != valueTag(indices[i])) {
        failure = "record " + std::to_string(indices[i]) + ": wrong value (" + std::to_string(value.size()) + " bytes)";
      }
    }
    if (!failure) failure = engine->endReads();
    const double seconds = secondsSince(start);
    const double cpuSeconds = processCpuSeconds() - cpuStart;
    if (failure) {
      state.SkipWithError(failure->c_str());
      return;
    }
    state.SetIterationTime(seconds);
    const auto closeStart = std::chrono::steady_clock::now();
    failure = engine->close();
    if (failure) {
      state.SkipWithError(("close: " + *failure).c_str());
      return;
    }
    reportCommon(state, records, directory, cpuSeconds, secondsSince(closeStart));
  }
}

void configure(benchmark::internal::Benchmark* benchmark) {
  benchmark->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond)->ReportAggregatesOnly(true);
}

void registerBenchmarks() {
  const auto list = engines();
  for (const KeyOrder order : {KeyOrder::Sequential, KeyOrder::Random}) {
    for (const Commit commit : {Commit::Durable, Commit::Lazy}) {
      for (const uint32_t batch : {1u, 1000u}) {
        for (const EngineEntry& engine : list) {
          const std::string name = std::string("BM_Insert/") + engine.name + "/" + orderName(order) + "/" +
                                   commitName(commit) + "/batch:" + std::to_string(batch);
          configure(benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
            runInsert(state, name, engine.make, order, commit, batch);
          }));
        }
      }
    }
  }
  for (const KeyOrder order : {KeyOrder::Sequential, KeyOrder::Random}) {
    for (const EngineEntry& engine : list) {
      const std::string name = std::string("BM_PointRead/") + engine.name + "/" + orderName(order);
      configure(benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
        runPointRead(state, name, engine.make, order);
      }));
    }
  }
}

bool parseCount(std::string_view text, uint32_t& out) {
  char* end = nullptr;
  const std::string copy(text);
  const unsigned long long value = std::strtoull(copy.c_str(), &end, 10);
  if (copy.empty() || *end != '\0' || value == 0 || value > 0xFFFFFFFFull) return false;
  out = static_cast<uint32_t>(value);
  return true;
}

// Applies the environment, then takes our options out of argv (after
// benchmark::Initialize took its own). Returns false on a bad option.
bool parseSettings(int& argc, char** argv) {
  Settings& s = settings();
  if (const char* value = std::getenv("ESEKIT_BENCH_RECORDS"); value && !parseCount(value, s.records)) {
    std::fprintf(stderr, "bad ESEKIT_BENCH_RECORDS=%s\n", value);
    return false;
  }
  if (const char* value = std::getenv("ESEKIT_BENCH_DURABLE_BATCH1_RECORDS");
      value && !parseCount(value, s.durableBatch1Records)) {
    std::fprintf(stderr, "bad ESEKIT_BENCH_DURABLE_BATCH1_RECORDS=%s\n", value);
    return false;
  }
  if (const char* value = std::getenv("ESEKIT_BENCH_DIR"); value && *value) s.directory = value;
  if (const char* value = std::getenv("ESEKIT_BENCH_KEEP"); value && std::string_view(value) == "1") s.keep = true;

  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto option = [&](std::string_view name, std::string_view& value) {
      if (arg == name && i + 1 < argc) {
        value = argv[++i];
        return true;
      }
      if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=') {
        value = arg.substr(name.size() + 1);
        return true;
      }
      return false;
    };
    std::string_view value;
    if (option("--records", value)) {
      if (!parseCount(value, s.records)) return std::fprintf(stderr, "bad --records %s\n", std::string(value).c_str()), false;
    } else if (option("--durable-batch1-records", value)) {
      if (!parseCount(value, s.durableBatch1Records)) {
        return std::fprintf(stderr, "bad --durable-batch1-records %s\n", std::string(value).c_str()), false;
      }
    } else if (option("--dir", value)) {
      s.directory = std::string(value);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return true;
}

}  // namespace

uint64_t diskUsage(const std::filesystem::path& directory) {
  uint64_t total = 0;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(directory, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    struct stat info {};
    if (::lstat(it->path().c_str(), &info) == 0 && S_ISREG(info.st_mode)) total += static_cast<uint64_t>(info.st_blocks) * 512;
  }
  return total;
}

}  // namespace esekit::bench

int main(int argc, char** argv) {
  using namespace esekit::bench;
  benchmark::Initialize(&argc, argv);
  if (!parseSettings(argc, argv)) return 2;
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  const Settings& s = settings();
  benchmark::AddCustomContext("records", std::to_string(s.records));
  benchmark::AddCustomContext("durable_batch1_records",
                              std::to_string(std::min(s.records, s.durableBatch1Records)) +
                                  " (durable batch:1 runs insert this many records; rates are per record)");
  benchmark::AddCustomContext("bench_dir", s.directory.string());
  benchmark::AddCustomContext("durable", "esekit Durability::Durable; SQLite WAL synchronous=FULL; LMDB default flags (fdatasync per commit)");
  benchmark::AddCustomContext("lazy", "esekit Durability::Lazy; SQLite WAL synchronous=NORMAL; LMDB MDB_NOSYNC");
  registerBenchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
