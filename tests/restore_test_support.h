// Shared by tests/test_restore_*.cpp: an engine workload with a model of the
// committed rows, backups made with backup::backup() while the instance runs
// (full, incremental, differential), and snapshots of a directory's bytes
// and timestamps to prove that backups are never modified.
#pragma once

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <xxhash.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "corpus.h"
#include "esekit/backup/backup.h"
#include "esekit/backup/manifest.h"
#include "esekit/engine/instance.h"
#include "esekit/format/database_header.h"
#include "esekit/format/log_header.h"

namespace esekit::test {

namespace fs = std::filesystem;

using RowModel = std::map<std::string, std::string>;

inline constexpr uint32_t kTestLogFileSize = 64 * 1024;

inline engine::InstanceOptions instanceOptions(const fs::path& dir) {
  engine::InstanceOptions options;
  options.logDirectory = dir;
  options.logFileSize = kTestLogFileSize;
  options.pageSize = 8192;
  options.cacheSize = 16u << 20;
  options.reserveLogFiles = 0;
  return options;
}

// One instance with one database "data.edb" holding table "rows", and the model.
struct Workload {
  fs::path dir;
  std::unique_ptr<engine::Instance> instance;
  engine::Database database;
  engine::Table table;
  RowModel model;
  std::mt19937_64 random{12345};
  uint64_t next = 0;

  explicit Workload(const fs::path& directory, uint64_t seed = 12345) : dir(directory), random(seed) {
    auto opened = engine::Instance::open(instanceOptions(dir));
    REQUIRE_MESSAGE(opened.isOk(), opened.status().toString());
    instance = std::move(*opened);
    auto created = instance->createDatabase(dir / "data.edb");
    REQUIRE_MESSAGE(created.isOk(), created.status().toString());
    database = *created;
    auto t = database.createTable("rows");
    REQUIRE_MESSAGE(t.isOk(), t.status().toString());
    table = *t;
  }

  // `count` transactions of a few inserts, replaces and erases each, committed.
  void run(int count) {
    auto session = instance->beginSession();
    REQUIRE(session.isOk());
    engine::Session& s = **session;
    for (int i = 0; i < count; ++i) {
      REQUIRE(s.begin().isOk());
      RowModel pending = model;
      std::set<std::string> touched;  // one operation per key and transaction
      for (int op = 0; op < 4; ++op) {
        const int kind = static_cast<int>(random() % 4);
        if (kind == 3 && !model.empty()) {
          auto it = model.begin();
          std::advance(it, static_cast<long>(random() % model.size()));
          const std::string key = it->first;
          if (!touched.insert(key).second) continue;
          REQUIRE(s.erase(table, Bytes(reinterpret_cast<const uint8_t*>(key.data()), key.size())).isOk());
          pending.erase(key);
        } else {
          const std::string key = "key" + std::to_string(random() % 400);
          if (!touched.insert(key).second) continue;
          const std::string value = "value " + std::to_string(next++) + std::string(random() % 300, 'v');
          const Status put = s.put(table, Bytes(reinterpret_cast<const uint8_t*>(key.data()), key.size()),
                                   Bytes(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
          REQUIRE_MESSAGE(put.isOk(), put.toString());
          pending[key] = value;
        }
      }
      const Status committed = s.commit();
      REQUIRE_MESSAGE(committed.isOk(), committed.toString());
      model = std::move(pending);
    }
  }

  // Runs transactions until `count` more log generations were started.
  void runGenerations(uint32_t count) {
    const uint32_t until = instance->stats().currentGeneration + count;
    while (instance->stats().currentGeneration < until) run(10);
  }

  void shutdown() {
    REQUIRE(instance->shutdown().isOk());
    instance.reset();
  }
};

// Every row of "rows" in a database restored into `dir` (opened as an instance).
inline RowModel readRestored(const fs::path& dir, bool* recoveryRan = nullptr) {
  auto opened = engine::Instance::open(instanceOptions(dir));
  REQUIRE_MESSAGE(opened.isOk(), opened.status().toString());
  if (recoveryRan) *recoveryRan = (*opened)->recovery().ran;
  auto database = (*opened)->attachDatabase(dir / "data.edb");
  REQUIRE_MESSAGE(database.isOk(), database.status().toString());
  auto table = database->openTable("rows");
  REQUIRE_MESSAGE(table.isOk(), table.status().toString());
  auto session = (*opened)->beginSession();
  REQUIRE(session.isOk());
  RowModel rows;
  {
    auto cursor = (*session)->openCursor(*table);
    REQUIRE(cursor.isOk());
    Status status = cursor->first();
    while (status.isOk()) {
      rows[std::string(reinterpret_cast<const char*>(cursor->key().data()), cursor->key().size())] =
          std::string(reinterpret_cast<const char*>(cursor->value().data()), cursor->value().size());
      status = cursor->next();
    }
  }
  session->reset();
  REQUIRE((*opened)->shutdown().isOk());
  return rows;
}

inline std::string logName(int32_t generation) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%05X", static_cast<unsigned>(generation));
  return std::string("edb") + digits + ".log";
}

inline void writeFile(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// A backup made by backup::backup() (backup/backup.h) and what its manifest says.
struct BackupMade {
  fs::path directory;
  int32_t start = 0;  // manifest stamp: generations the set holds
  int32_t end = 0;
  Signature logSignature;
  backup::Manifest manifest;
};

inline BackupMade madeFrom(const fs::path& dest, const Result<backup::BackupResult>& result) {
  REQUIRE_MESSAGE(result.isOk(), result.status().toString());
  BackupMade made;
  made.directory = dest;
  made.manifest = result->manifest;
  made.start = result->manifest.stamp.startGeneration;
  made.end = result->manifest.stamp.endGeneration;
  made.logSignature = result->manifest.logSignature;
  return made;
}

// A full backup of the running instance into `dest` through backup::backup().
// `during` runs once on the backup's thread after the first database chunk
// was copied and before the log phase's rollover: writes the copied pages
// miss, which the backup's logs must bring the restored copy up to.
inline BackupMade fullBackup(Workload& work, const fs::path& dest, const std::function<void()>& during = {},
                             backup::BackupOptions options = {}) {
  options.type = backup::BackupType::Full;
  options.createPaths = true;
  options.readChunkBytes = 64 * 1024;  // several chunks even for a small database
  bool ran = false;
  options.progress = [&](const backup::BackupProgress& p) {
    if (p.phase == backup::BackupPhase::Databases && p.bytesDone > 0 && !ran) {
      ran = true;
      if (during) during();
    }
  };
  const auto result = backup::backup(*work.instance, dest, options);
  REQUIRE(ran);
  return madeFrom(dest, result);
}

// An incremental (or another log-only type) building on `after`.
inline BackupMade incrementalBackup(Workload& work, const fs::path& dest, const BackupMade& after,
                                    backup::BackupType type = backup::BackupType::Incremental) {
  backup::BackupOptions options;
  options.type = type;
  options.createPaths = true;
  options.previousBackup = after.directory;
  return madeFrom(dest, backup::backup(*work.instance, dest, options));
}

// Bytes, sizes and modification times of every file below `dir`.
struct FileFacts {
  uint64_t size = 0;
  uint64_t hash = 0;
  int64_t mtimeNanos = 0;
  friend bool operator==(const FileFacts&, const FileFacts&) = default;
};
inline std::map<std::string, FileFacts> snapshotDirectory(const fs::path& dir) {
  std::map<std::string, FileFacts> facts;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    struct stat info {};
    REQUIRE(::stat(entry.path().c_str(), &info) == 0);
    FileFacts f;
    f.mtimeNanos = int64_t{info.st_mtim.tv_sec} * 1000000000 + info.st_mtim.tv_nsec;
    if (entry.is_regular_file()) {
      const std::vector<uint8_t> bytes = readFile(entry.path());
      f.size = bytes.size();
      f.hash = XXH3_64bits(bytes.data(), bytes.size());
    }
    facts[fs::relative(entry.path(), dir).string()] = f;
  }
  return facts;
}

// A copy of a backup set to damage.
inline fs::path copySet(const fs::path& from, const fs::path& to) {
  fs::remove_all(to);
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(from)) fs::copy_file(entry.path(), to / entry.path().filename());
  return to;
}

inline bool emptyOrMissing(const fs::path& dir) { return !fs::exists(dir) || fs::is_empty(dir); }

}  // namespace esekit::test
