// Shared by tests/test_restore_*.cpp: an engine workload with a model of the
// committed rows, backups made through the engine's backup support (the
// database read page by page while the instance runs, then the log
// generations from the backup's start to a forced rollover) with an
// esekit-backup.json manifest, and snapshots of a directory's bytes and
// timestamps to prove that backups are never modified.
#pragma once

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <xxhash.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "corpus.h"
#include "esekit/backup/manifest.h"
#include "esekit/engine/backup_support.h"
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

inline backup::Hash128 hashOf(const std::vector<uint8_t>& bytes) {
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  return backup::Hash128{h.high64, h.low64};
}

inline void writeFile(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// Writes esekit-backup.json listing every file of `dir` (databases first).
inline void writeManifest(const fs::path& dir, backup::BackupType type, int32_t start, int32_t end,
                          const Signature& logSignature, const std::optional<backup::BackupStamp>& previous = {}) {
  backup::Manifest manifest;
  manifest.type = type;
  manifest.logFileSize = kTestLogFileSize;
  manifest.logSignature = logSignature;
  manifest.stamp.startGeneration = start;
  manifest.stamp.endGeneration = end;
  manifest.stamp.unixTime = 0;
  if (previous) {
    backup::PreviousBackup base;
    base.type = backup::BackupType::Full;
    base.stamp = *previous;
    base.source = "manifest:test";
    manifest.previous = base;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& path : files) {
    const std::vector<uint8_t> bytes = readFile(path);
    backup::ManifestFile file;
    file.name = path.filename().string();
    file.size = bytes.size();
    file.hash = hashOf(bytes);
    if (path.extension() == ".edb") {
      file.kind = backup::FileKind::Database;
      auto header = readDatabaseHeader(Bytes(bytes.data(), std::min<size_t>(bytes.size(), 65536)));
      REQUIRE(header.isOk());
      backup::ManifestDatabase database;
      database.originalPath = "/original/location/" + file.name;
      database.file = file.name;
      database.pageSize = header->header.pageSize();
      database.databaseSignature = header->header.databaseSignature;
      database.streamPages = bytes.size() / database.pageSize;
      manifest.databases.push_back(database);
      manifest.files.insert(manifest.files.begin() + static_cast<long>(manifest.databases.size() - 1), file);
    } else {
      auto header = parseLogFileHeader(Bytes(bytes.data(), bytes.size()));
      REQUIRE(header.isOk());
      file.kind = backup::FileKind::Log;
      file.generation = header->generation;
      manifest.files.push_back(file);
    }
  }
  std::ofstream(dir / backup::kManifestFileName) << backup::serializeManifest(manifest);
}

struct BackupMade {
  int32_t start = 0;
  int32_t end = 0;
  Signature logSignature;
  backup::BackupStamp stamp() const {
    backup::BackupStamp s;
    s.startGeneration = start;
    s.endGeneration = end;
    return s;
  }
};

// A full backup of the workload's instance into `dest` while it runs:
// `during` runs between the database copy and the closing rollover (online
// writes the logs must bring the copy up to).
inline BackupMade fullBackup(Workload& work, const fs::path& dest,
                             const std::function<void(engine::BackupSession&)>& during = {},
                             bool manifest = true) {
  fs::create_directories(dest);
  auto session = engine::BackupSession::begin(*work.instance);
  REQUIRE_MESSAGE(session.isOk(), session.status().toString());
  BackupMade made;
  made.start = (*session)->startGeneration();
  made.logSignature = (*session)->logSignature();
  for (const engine::BackupDatabaseInfo& info : (*session)->databases()) {
    auto size = (*session)->databaseFileSize(info);
    REQUIRE(size.isOk());
    std::vector<uint8_t> image(*size);
    auto read = (*session)->readDatabase(info, 0, std::span<uint8_t>(image.data(), image.size()));
    REQUIRE_MESSAGE(read.isOk(), read.status().toString());
    image.resize(*read);
    writeFile(dest / info.path.filename(), image);
  }
  if (during) during(**session);
  auto end = (*session)->rollLog();
  REQUIRE_MESSAGE(end.isOk(), end.status().toString());
  made.end = *end;
  for (int32_t g = made.start; g <= made.end; ++g) fs::copy_file(work.dir / logName(g), dest / logName(g));
  session->reset();
  if (manifest) writeManifest(dest, backup::BackupType::Full, made.start, made.end, made.logSignature);
  return made;
}

// An incremental: logs (after, end] where end is closed by a rollover now.
inline BackupMade incrementalBackup(Workload& work, const fs::path& dest, const BackupMade& after) {
  fs::create_directories(dest);
  auto session = engine::BackupSession::begin(*work.instance);
  REQUIRE(session.isOk());
  auto end = (*session)->rollLog();
  REQUIRE(end.isOk());
  BackupMade made;
  made.start = after.end + 1;
  made.end = *end;
  made.logSignature = after.logSignature;
  for (int32_t g = made.start; g <= made.end; ++g) fs::copy_file(work.dir / logName(g), dest / logName(g));
  session->reset();
  writeManifest(dest, backup::BackupType::Incremental, made.start, made.end, made.logSignature, after.stamp());
  return made;
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
