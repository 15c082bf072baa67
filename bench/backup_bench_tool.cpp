// esekit_backup_bench_tool: data for the backup/restore/replay benchmarks
// (bench/backup_vs_cp.sh, bench/restore_vs_cp.sh, bench/replay.sh; figures in
// bench/README.md).
//
//   make-db DIR SIZE_MIB     DIR/data.edb of about SIZE_MIB, bulk-written
//                            (engine/database_writer.h: table "rows", 8-byte
//                            keys, 1000-byte values of mixed text), then
//                            attached once by an instance logging into
//                            DIR/logs (8 KiB pages, 8 MiB logs) so that it is
//                            a logged database of that instance, clean.
//   write-logs DIR LOG_MIB   attaches DIR/data.edb to the instance of
//                            DIR/logs and commits replaces of existing rows
//                            until LOG_MIB of log were written; clean shutdown.
//   crash-workload DIR LOG_MIB  a child process creates DIR/logs and
//                            DIR/data.edb, inserts then replaces rows over a
//                            256 MiB key space until LOG_MIB of log were
//                            written with no checkpoint (huge checkpoint depth
//                            and cache) and exits without shutdown.
//   recover DIR              engine::recover() of that: replays it all;
//                            prints log bytes, records, pages, wall and CPU
//                            seconds, MiB/s and records/s.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "esekit/engine/database_writer.h"
#include "esekit/engine/instance.h"
#include "esekit/engine/recovery.h"
#include "esekit/engine/session.h"

using namespace esekit;
namespace fs = std::filesystem;

namespace {

constexpr size_t kValueSize = 1000;
constexpr uint32_t kLogFileSize = 8u << 20;

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "esekit_backup_bench_tool: %s\n", message.c_str());
  std::exit(1);
}

void check(const Status& status, const char* what) {
  if (!status.isOk()) fail(std::string(what) + ": " + status.toString());
}

// Mixed text: words from a small vocabulary with numbers, so zstd finds
// about the redundancy of real row data (neither random nor constant).
std::vector<uint8_t> makeText(size_t size, uint64_t seed) {
  static const char* const words[] = {"mail", "folder", "message", "attachment", "subject", "from", "to",
                                      "received", "index", "search", "property", "value", "date", "size",
                                      "status", "read", "flag", "user", "server", "item"};
  std::mt19937_64 random(seed);
  std::vector<uint8_t> text;
  text.reserve(size + 32);
  while (text.size() < size) {
    const char* word = words[random() % (sizeof words / sizeof words[0])];
    text.insert(text.end(), word, word + std::strlen(word));
    const std::string number = std::to_string(random() % 100000);
    text.push_back(' ');
    text.insert(text.end(), number.begin(), number.end());
    text.push_back(random() % 8 == 0 ? '\n' : ' ');
  }
  text.resize(size);
  return text;
}

std::vector<uint8_t> keyOf(uint64_t n) {
  std::vector<uint8_t> key(8);
  for (int i = 0; i < 8; ++i) key[i] = static_cast<uint8_t>(n >> (56 - 8 * i));
  return key;
}

engine::InstanceOptions instanceOptions(const fs::path& dir) {
  engine::InstanceOptions options;
  options.logDirectory = dir / "logs";
  options.logFileSize = kLogFileSize;
  options.pageSize = 8192;
  options.cacheSize = uint64_t{512} << 20;
  options.reserveLogFiles = 0;
  options.defaultDurability = engine::Durability::Lazy;
  return options;
}

uint64_t parseMib(const char* text) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || value == 0) fail(std::string("bad size in MiB: ") + text);
  return value;
}

int makeDatabase(const fs::path& dir, uint64_t mib) {
  fs::create_directories(dir / "logs");
  // ~7 rows of 1000-byte values per 8 KiB page at 80% density: rows for `mib`.
  const uint64_t rows = mib * (uint64_t{1} << 20) / 8192 * 6;
  const std::vector<uint8_t> text = makeText(64u << 20, 1);
  std::vector<std::vector<uint8_t>> keys(rows);
  std::vector<engine::TableRow> tableRows(rows);
  for (uint64_t i = 0; i < rows; ++i) {
    keys[i] = keyOf(i);
    const size_t offset = (i * 7919) % (text.size() - kValueSize);
    tableRows[i].key = Bytes(keys[i].data(), keys[i].size());
    tableRows[i].value = Bytes(text.data() + offset, kValueSize);
  }
  engine::TableContents table;
  table.name = "rows";
  table.rows = tableRows;
  engine::DatabaseWriterOptions options;
  options.pageSize = 8192;
  auto written = engine::writeDatabase(options, std::span<const engine::TableContents>(&table, 1));
  if (!written.isOk()) fail("writeDatabase: " + written.status().toString());
  {
    std::ofstream out(dir / "data.edb", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(written->file.data()), static_cast<std::streamsize>(written->file.size()));
    if (!out) fail("cannot write " + (dir / "data.edb").string());
  }
  auto instance = engine::Instance::open(instanceOptions(dir));
  if (!instance.isOk()) fail("open: " + instance.status().toString());
  check((*instance)->attachDatabase(dir / "data.edb").status(), "attach");
  check((*instance)->shutdown(), "shutdown");
  std::printf("%s: %llu rows, %llu bytes\n", (dir / "data.edb").c_str(), static_cast<unsigned long long>(rows),
              static_cast<unsigned long long>(fs::file_size(dir / "data.edb")));
  return 0;
}

uint64_t logBytes(const engine::Instance& instance, uint32_t firstGeneration) {
  const engine::InstanceStats stats = instance.stats();
  return uint64_t{stats.currentGeneration - firstGeneration} * kLogFileSize;
}

// Replaces rows 0..keySpace-1 in random order, 8 per transaction, until `mib` of log.
void writeLogs(engine::Instance& instance, engine::Table& table, uint64_t keySpace, uint64_t mib, bool insertFirst) {
  const std::vector<uint8_t> text = makeText(16u << 20, 2);
  auto session = instance.beginSession();
  if (!session.isOk()) fail("session: " + session.status().toString());
  std::mt19937_64 random(3);
  const uint32_t first = instance.stats().currentGeneration;
  uint64_t n = 0;
  while (logBytes(instance, first) < (mib << 20)) {
    check((*session)->begin(), "begin");
    for (int i = 0; i < 8; ++i, ++n) {
      const uint64_t row = insertFirst && n < keySpace ? n : random() % keySpace;
      const std::vector<uint8_t> key = keyOf(row);
      const size_t offset = (random() % (text.size() - kValueSize));
      check((*session)->put(table, Bytes(key.data(), key.size()), Bytes(text.data() + offset, kValueSize)), "put");
    }
    check((*session)->commit(engine::Durability::Lazy), "commit");
  }
}

int writeLogsCommand(const fs::path& dir, uint64_t mib) {
  auto instance = engine::Instance::open(instanceOptions(dir));
  if (!instance.isOk()) fail("open: " + instance.status().toString());
  auto database = (*instance)->attachDatabase(dir / "data.edb");
  if (!database.isOk()) fail("attach: " + database.status().toString());
  auto table = database->openTable("rows");
  if (!table.isOk()) fail("openTable: " + table.status().toString());
  // Rows of the first 64 MiB of the table: the same log volume whatever the database size.
  writeLogs(**instance, *table, (uint64_t{64} << 20) / 8192 * 6, mib, false);
  check((*instance)->shutdown(), "shutdown");
  return 0;
}

double cpuSeconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The crash workload: creates DIR/logs + DIR/data.edb, commits replaces over
// a 256 MiB key space until `mib` of log were written with no checkpoint,
// and exits without shutdown (in a child process, so that nothing is
// flushed at exit).
int crashWorkloadCommand(const fs::path& dir, uint64_t mib) {
  fs::remove_all(dir);
  fs::create_directories(dir / "logs");
  const pid_t child = fork();
  if (child < 0) fail("fork failed");
  if (child == 0) {
    engine::InstanceOptions options = instanceOptions(dir);
    options.checkpointDepth = uint64_t{1} << 40;  // no checkpoint: recovery replays everything
    options.cacheSize = uint64_t{4} << 30;        // dirty pages stay cached until a checkpoint
    auto instance = engine::Instance::open(options);
    if (!instance.isOk()) fail("open: " + instance.status().toString());
    auto database = (*instance)->createDatabase(dir / "data.edb");
    if (!database.isOk()) fail("create: " + database.status().toString());
    auto table = database->createTable("rows");
    if (!table.isOk()) fail("createTable: " + table.status().toString());
    writeLogs(**instance, *table, (uint64_t{256} << 20) / kValueSize, mib, true);
    check((*instance)->flushLog(), "flushLog");
    _exit(0);  // a crash: no shutdown, no checkpoint, the database pages never written
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("the workload process failed");
  return 0;
}

// engine::recover() of DIR/logs (after crash-workload), timed.
int recoverCommand(const fs::path& dir) {
  engine::RecoveryOptions recovery;
  recovery.logDirectory = dir / "logs";
  recovery.cacheSize = uint64_t{1} << 30;
  const double cpuBefore = cpuSeconds(RUSAGE_SELF);
  const auto started = std::chrono::steady_clock::now();
  auto report = engine::recover(recovery);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu = cpuSeconds(RUSAGE_SELF) - cpuBefore;
  if (!report.isOk()) fail("recover: " + report.status().toString());
  // Log volume: the whole generations from the start up to the last one,
  // which is only partly used and not counted (a lower bound).
  const int32_t generations = report->end.generation - report->start.generation;
  const uint64_t bytes = uint64_t(std::max(generations, 0)) * kLogFileSize;
  const double mibs = static_cast<double>(bytes) / (1 << 20);
  std::printf("log replayed:       %.0f MiB (%d generations of %u MiB, %s; the last, partial one not counted)\n",
              mibs, generations, kLogFileSize >> 20, (dir / "logs").c_str());
  std::printf("replayed:           %s .. %s\n", report->start.toString().c_str(), report->end.toString().c_str());
  std::printf("records replayed:   %llu\n", static_cast<unsigned long long>(report->recordsReplayed));
  std::printf("pages redone:       %llu (skipped %llu)\n", static_cast<unsigned long long>(report->pagesRedone),
              static_cast<unsigned long long>(report->pagesSkipped));
  std::printf("transactions:       %llu committed, %llu undone\n",
              static_cast<unsigned long long>(report->transactionsCommitted),
              static_cast<unsigned long long>(report->transactionsUndone));
  std::printf("database after:     %llu bytes\n", static_cast<unsigned long long>(fs::file_size(dir / "data.edb")));
  std::printf("wall:               %.3f s\n", wall);
  std::printf("cpu (user+sys):     %.3f s (%.0f%% of one core)\n", cpu, 100.0 * cpu / wall);
  std::printf("replay rate:        %.1f MiB/s of log, %.0f records/s\n", mibs / wall,
              static_cast<double>(report->recordsReplayed) / wall);
  std::printf("per cpu-second:     %.1f MiB/s of log\n", mibs / cpu);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "recover") return recoverCommand(argv[2]);
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s make-db|write-logs|crash-workload DIR MIB, or %s recover DIR\n", argv[0],
                 argv[0]);
    return 2;
  }
  const std::string command = argv[1];
  const fs::path dir = argv[2];
  const uint64_t mib = parseMib(argv[3]);
  if (command == "make-db") return makeDatabase(dir, mib);
  if (command == "write-logs") return writeLogsCommand(dir, mib);
  if (command == "crash-workload") return crashWorkloadCommand(dir, mib);
  std::fprintf(stderr, "unknown command %s\n", command.c_str());
  return 2;
}
