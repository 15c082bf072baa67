// Shared by tests/test_backup_*.cpp: a small instance with one table,
// writer threads whose committed state is known, and a restore of a backup
// set (what restore/ does, reduced to the steps these tests need:
// extract the files, drop the trailer page, make the newest log the current
// one, run hard recovery with locate(), attach and read).
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "corpus.h"
#include "esekit/backup/backup.h"
#include "esekit/backup/manifest.h"
#include "esekit/backup/stored_file.h"
#include "esekit/engine/instance.h"
#include "esekit/engine/recovery.h"

namespace esekit::test {

namespace fs = std::filesystem;
using Bytes8 = std::vector<uint8_t>;

inline Bytes8 rowKey(uint8_t thread, uint32_t batch, uint8_t row) {
  return {'R', thread, static_cast<uint8_t>(batch >> 24), static_cast<uint8_t>(batch >> 16),
          static_cast<uint8_t>(batch >> 8), static_cast<uint8_t>(batch), row};
}
inline Bytes8 rowValue(uint8_t thread, uint32_t batch, uint8_t row) {
  // Some values are long (stored in the long-value tree) to exercise more pages.
  const size_t size = (batch % 7 == 0 && row == 0) ? 3000 : 40 + row * 13;
  Bytes8 value(size);
  for (size_t i = 0; i < size; ++i) value[i] = static_cast<uint8_t>(thread * 31 + batch * 7 + row + i);
  return value;
}
inline Bytes8 counterKey(uint8_t thread) { return {'C', thread}; }
inline Bytes8 counterValue(uint32_t batches) {
  return {static_cast<uint8_t>(batches >> 24), static_cast<uint8_t>(batches >> 16), static_cast<uint8_t>(batches >> 8),
          static_cast<uint8_t>(batches)};
}
inline constexpr uint8_t kRowsPerBatch = 3;

struct TestInstance {
  fs::path root;
  fs::path logs;
  fs::path database;
  std::unique_ptr<engine::Instance> instance;
  engine::Database db;
  engine::Table table;
};

inline engine::InstanceOptions smallOptions(const fs::path& logs, bool circular = false) {
  engine::InstanceOptions options;
  options.logDirectory = logs;
  options.logFileSize = 128 * 1024;  // many generations in a short test
  options.checkpointDepth = 256 * 1024;
  options.cacheSize = 8u << 20;
  options.circularLogging = circular;
  options.reserveLogFiles = 1;
  return options;
}

inline TestInstance openTestInstance(const fs::path& root, bool circular = false) {
  TestInstance t;
  t.root = root;
  t.logs = root / "logs";
  t.database = root / "db" / "data.edb";
  fs::create_directories(t.database.parent_path());
  auto instance = engine::Instance::open(smallOptions(t.logs, circular));
  REQUIRE_MESSAGE(instance.isOk(), instance.status().toString());
  t.instance = std::move(*instance);
  auto db = fs::exists(t.database) ? t.instance->attachDatabase(t.database) : t.instance->createDatabase(t.database);
  REQUIRE_MESSAGE(db.isOk(), db.status().toString());
  t.db = *db;
  auto table = t.db.openTable("rows");
  if (!table.isOk()) table = t.db.createTable("rows");
  REQUIRE_MESSAGE(table.isOk(), table.status().toString());
  t.table = *table;
  return t;
}

// Commits batch `batch` of `thread`: kRowsPerBatch rows and the counter row.
inline Status commitBatch(engine::Session& session, const engine::Table& table, uint8_t thread, uint32_t batch) {
  ESEKIT_RETURN_IF_ERROR(session.begin());
  for (uint8_t row = 0; row < kRowsPerBatch; ++row) {
    const Bytes8 key = rowKey(thread, batch, row);
    const Bytes8 value = rowValue(thread, batch, row);
    ESEKIT_RETURN_IF_ERROR(session.insert(table, key, value));
  }
  const Bytes8 counter = counterKey(thread);
  const Bytes8 count = counterValue(batch + 1);
  ESEKIT_RETURN_IF_ERROR(session.put(table, counter, count));
  return session.commit(engine::Durability::Durable);
}

inline Status commitBatches(TestInstance& t, uint8_t thread, uint32_t from, uint32_t count) {
  auto session = t.instance->beginSession();
  if (!session) return session.status();
  for (uint32_t b = from; b < from + count; ++b) ESEKIT_RETURN_IF_ERROR(commitBatch(**session, t.table, thread, b));
  return Status();
}

// Writer threads committing batches until stop; committed[t] = batches of
// thread t whose commit returned.
class Writers {
 public:
  Writers(TestInstance& t, int threads, uint32_t firstBatch = 0) : committed_(threads) {
    for (int i = 0; i < threads; ++i) {
      committed_[i] = firstBatch;
      threads_.emplace_back([this, &t, i] {
        auto session = t.instance->beginSession();
        if (!session) {
          error_ = session.status().toString();
          return;
        }
        while (!stop_) {
          const uint32_t batch = committed_[i].load();
          Status s = commitBatch(**session, t.table, static_cast<uint8_t>(i), batch);
          if (!s.isOk()) {
            error_ = s.toString();
            return;
          }
          committed_[i] = batch + 1;
        }
      });
    }
  }
  ~Writers() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  std::vector<uint32_t> snapshot() const {
    std::vector<uint32_t> out;
    for (const auto& c : committed_) out.push_back(c.load());
    return out;
  }
  const std::string& error() const { return error_; }

 private:
  std::vector<std::atomic<uint32_t>> committed_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::string error_;
};

// Batches per thread found in a database: every batch must be complete and
// the batches of a thread a prefix 0..n-1 that agrees with its counter row.
// Returns n per thread (threads without rows: 0); a violation fails the test.
inline std::map<uint8_t, uint32_t> checkBatches(engine::Instance& instance, engine::Database& db) {
  auto table = db.openTable("rows");
  REQUIRE_MESSAGE(table.isOk(), table.status().toString());
  auto session = instance.beginSession();
  REQUIRE(session.isOk());
  auto cursor = (*session)->openCursor(*table);
  REQUIRE(cursor.isOk());
  std::map<uint8_t, std::map<uint32_t, int>> rows;
  std::map<uint8_t, uint32_t> counters;
  Status s = cursor->first();
  while (s.isOk()) {
    const Bytes key = cursor->key();
    const Bytes value = cursor->value();
    if (key.size() == 7 && key[0] == 'R') {
      const uint32_t batch = (uint32_t{key[2]} << 24) | (uint32_t{key[3]} << 16) | (uint32_t{key[4]} << 8) | key[5];
      const Bytes8 expected = rowValue(key[1], batch, key[6]);
      CHECK_MESSAGE(Bytes8(value.begin(), value.end()) == expected, "row value differs, thread ", int(key[1]),
                    " batch ", batch, " row ", int(key[6]));
      ++rows[key[1]][batch];
    } else if (key.size() == 2 && key[0] == 'C' && value.size() == 4) {
      counters[key[1]] = (uint32_t{value[0]} << 24) | (uint32_t{value[1]} << 16) | (uint32_t{value[2]} << 8) | value[3];
    }
    s = cursor->next();
  }
  std::map<uint8_t, uint32_t> result;
  for (const auto& [thread, batches] : rows) {
    uint32_t expect = 0;
    for (const auto& [batch, count] : batches) {
      CHECK_MESSAGE(batch == expect, "thread ", int(thread), ": batch ", batch, " present but ", expect, " missing");
      CHECK_MESSAGE(count == kRowsPerBatch, "thread ", int(thread), " batch ", batch, " is partial (", count, " rows)");
      expect = batch + 1;
    }
    CHECK_MESSAGE(counters[thread] == expect, "thread ", int(thread), ": counter row ", counters[thread], ", batches ", expect);
    result[thread] = expect;
  }
  return result;
}

// Restores a chain of backup directories (a full, then incrementals in
// order) into `target`: logs into target/logs, databases into target/db;
// then hard recovery and a clean attach in a fresh instance. Returns the
// restored database path.
inline fs::path restoreChain(const std::vector<fs::path>& backups, const fs::path& target) {
  const fs::path logs = target / "logs";
  const fs::path dbs = target / "db";
  fs::create_directories(logs);
  fs::create_directories(dbs);
  std::map<std::string, fs::path> located;
  std::string baseName = "edb";
  int32_t highest = 0;
  for (const fs::path& dir : backups) {
    auto manifest = backup::readManifest(dir);
    REQUIRE_MESSAGE(manifest.isOk(), manifest.status().toString());
    baseName = manifest->baseName;
    for (const backup::ManifestFile& file : manifest->files) {
      std::string plain = file.name;
      if (file.uncompressedHash && plain.size() > 4 && plain.ends_with(".zst")) plain.resize(plain.size() - 4);
      const fs::path out = (file.kind == backup::FileKind::Log ? logs : dbs) / plain;
      Status extracted = backup::extractStoredFile(dir, file, out);
      REQUIRE_MESSAGE(extracted.isOk(), extracted.toString());
      if (file.kind == backup::FileKind::Log) highest = std::max(highest, file.generation);
    }
    for (const backup::ManifestDatabase& d : manifest->databases) {
      const fs::path file = dbs / d.file;
      // The trailer (checkpoint-and-backup.md §5) is not a database page: drop it.
      fs::resize_file(file, (d.streamPages - 1) * d.pageSize);
      located[d.originalPath] = file;
    }
  }
  REQUIRE(highest > 0);
  char name[32];
  std::snprintf(name, sizeof name, "%s%05X.log", baseName.c_str(), static_cast<unsigned>(highest));
  fs::rename(logs / name, logs / (baseName + ".log"));
  engine::RecoveryOptions recovery;
  recovery.logDirectory = logs;
  recovery.baseName = baseName;
  recovery.continueLog = false;
  recovery.locate = [&](const std::string& logged) {
    auto found = located.find(logged);
    return found != located.end() ? found->second : fs::path(target / "missing" / logged);
  };
  auto report = engine::recover(recovery);
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  REQUIRE(located.size() == 1);
  return located.begin()->second;
}

// Opens a fresh instance on target/newlogs and attaches `database`.
struct AttachedCopy {
  std::unique_ptr<engine::Instance> instance;
  engine::Database db;
};
inline AttachedCopy attachCopy(const fs::path& target, const fs::path& database) {
  AttachedCopy copy;
  auto instance = engine::Instance::open(smallOptions(target / "newlogs"));
  REQUIRE_MESSAGE(instance.isOk(), instance.status().toString());
  copy.instance = std::move(*instance);
  auto db = copy.instance->attachDatabase(database);
  REQUIRE_MESSAGE(db.isOk(), db.status().toString());
  copy.db = *db;
  return copy;
}

// `esekit verify` on a directory when ESEKIT_CLI names the binary; returns
// its exit status (or -1 when skipped).
inline int runVerify(const fs::path& path) {
  const char* cli = std::getenv("ESEKIT_CLI");
  if (cli == nullptr || *cli == '\0') {
    MESSAGE("SKIPPED: ESEKIT_CLI not set, esekit verify not run on ", path.string());
    return -1;
  }
  const std::string command = std::string(cli) + " verify '" + path.string() + "' > /dev/null 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// ESEKIT_SEED replays; otherwise a fresh seed, printed.
inline uint64_t testSeedValue() {
  const char* text = std::getenv("ESEKIT_SEED");
  const uint64_t seed = text && *text ? std::strtoull(text, nullptr, 0)
                                      : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  std::fprintf(stderr, "seed %llu (replay with ESEKIT_SEED=%llu)\n", static_cast<unsigned long long>(seed),
               static_cast<unsigned long long>(seed));
  return seed;
}

inline fs::path freshDir(const std::string& name) {
  fs::path dir = tempDir(name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace esekit::test
