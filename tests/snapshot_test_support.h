// Shared by tests/test_backup_snapshot.cpp and tests/test_tools_snapshot.cpp:
// logs to truncate, a restore of a backup made from a snapshot (what
// restore/ does, reduced: extract, newest log becomes <base>.log, hard
// recovery relocating the database, clean attach, read the batches).
#pragma once

#include <sys/statfs.h>

#include <cstring>

#include "backup_test_support.h"
#include "esekit/backup/snapshot.h"
#include "esekit/engine/snapshot_support.h"
#include "esekit/format/database_header.h"

namespace esekit::test {

inline bool generationOnDisk(const fs::path& logs, int32_t generation) {
  char name[32];
  std::snprintf(name, sizeof name, "edb%05X.log", static_cast<unsigned>(generation));
  return fs::exists(logs / name);
}

inline backup::BackupOptions createPathsOptions() {
  backup::BackupOptions options;
  options.createPaths = true;
  return options;
}

// The database header's full backup slot, read from the file (after shutdown).
inline BackupInfo fullSlotOnDisk(const fs::path& database) {
  const std::vector<uint8_t> bytes = readFile(database);
  auto header = readDatabaseHeader(Bytes(bytes.data(), std::min<size_t>(bytes.size(), 65536)));
  REQUIRE_MESSAGE(header.isOk(), header.status().toString());
  return header->header.previousFullBackup;
}

// Fills a few generations and moves the checkpoint past the first ones, so
// that a truncation has something to delete.
inline void fillLogs(TestInstance& t) {
  REQUIRE(commitBatches(t, 9, 0, 300).isOk());
  REQUIRE(t.instance->checkpoint().isOk());
  REQUIRE(commitBatches(t, 9, 300, 20).isOk());
}

// Restores a backup made from a snapshot (no trailer page: the database is
// the frozen file image) as restore/ does: extract, newest log becomes
// <base>.log, hard recovery relocating the database, clean attach.
inline std::map<uint8_t, uint32_t> restoreSnapshotBackup(const fs::path& backupDir, const fs::path& target) {
  const fs::path logs = target / "logs";
  const fs::path dbs = target / "db";
  fs::create_directories(logs);
  fs::create_directories(dbs);
  auto manifest = backup::readManifest(backupDir);
  REQUIRE_MESSAGE(manifest.isOk(), manifest.status().toString());
  REQUIRE(backup::checkBackupDirectory(backupDir, *manifest).ok());
  std::map<std::string, fs::path> located;
  int32_t highest = 0;
  for (const backup::ManifestFile& file : manifest->files) {
    const fs::path out = (file.kind == backup::FileKind::Log ? logs : dbs) / file.name;
    Status extracted = backup::extractStoredFile(backupDir, file, out);
    REQUIRE_MESSAGE(extracted.isOk(), extracted.toString());
    if (file.kind == backup::FileKind::Log) highest = std::max(highest, file.generation);
  }
  REQUIRE(manifest->databases.size() == 1);
  const backup::ManifestDatabase& d = manifest->databases[0];
  CHECK(d.trailer.generationLow == static_cast<uint32_t>(manifest->stamp.startGeneration));
  CHECK(d.trailer.generationHigh == static_cast<uint32_t>(manifest->stamp.endGeneration));
  located[d.originalPath] = dbs / d.file;
  CHECK(highest == manifest->stamp.endGeneration);
  char name[32];
  std::snprintf(name, sizeof name, "edb%05X.log", static_cast<unsigned>(highest));
  fs::rename(logs / name, logs / "edb.log");
  engine::RecoveryOptions recovery;
  recovery.logDirectory = logs;
  recovery.baseName = "edb";
  recovery.continueLog = false;
  recovery.locate = [&](const std::string& logged) {
    auto found = located.find(logged);
    return found != located.end() ? found->second : fs::path(target / "missing" / logged);
  };
  auto report = engine::recover(recovery);
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  AttachedCopy copy = attachCopy(target, dbs / d.file);
  auto batches = checkBatches(*copy.instance, copy.db);
  CHECK(copy.instance->shutdown().isOk());
  return batches;
}

}  // namespace esekit::test
