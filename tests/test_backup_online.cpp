// Online backups while writer threads commit, restored and compared with
// what the writers had committed (backup.h guarantees): full, incremental
// chain, differential, copy and log-only, with their truncation and header
// bookkeeping (ese-format/checkpoint-and-backup.md §2, database-header.md §7).
#include <doctest/doctest.h>

#include "backup_test_support.h"
#include "esekit/format/database_header.h"

using namespace esekit;
using namespace esekit::test;
using backup::BackupOptions;
using Kind = backup::BackupType;

namespace {

std::vector<int32_t> archivedGenerations(const fs::path& logs) {
  std::vector<int32_t> out;
  for (const auto& entry : fs::directory_iterator(logs)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == 12 && name.starts_with("edb") && name.ends_with(".log") && name != "edbtmp.log")
      out.push_back(static_cast<int32_t>(std::stoul(name.substr(3, 5), nullptr, 16)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

DatabaseHeader headerOf(const fs::path& database) {
  std::vector<uint8_t> start = readFile(database);
  start.resize(std::min<size_t>(start.size(), 65536));
  auto read = readDatabaseHeader(start);
  REQUIRE_MESSAGE(read.isOk(), read.status().toString());
  return read->header;
}

}  // namespace

TEST_CASE("online full backup under 4 writers restores to the state at the rollover") {
  const fs::path root = freshDir("backup-online-full");
  TestInstance t = openTestInstance(root / "live");
  for (uint8_t thread = 0; thread < 4; ++thread) REQUIRE(commitBatches(t, thread, 0, 20).isOk());
  std::vector<uint32_t> atRollover;
  std::vector<uint32_t> atEnd;
  const fs::path destination = root / "backup";
  Result<backup::BackupResult> result = Status();
  {
    Writers writers(t, 4, 20);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    BackupOptions options;
    options.createPaths = true;
    options.readChunkBytes = 64 * 1024;  // many steps, so checkpoints interleave with the copy
    bool logsPhase = false;
    options.progress = [&](const backup::BackupProgress& p) {
      // Every report before the log phase precedes the rollover, so the
      // last of them is a lower bound of what the backup holds. (The first
      // Logs report is not: a commit may return between the rollover and
      // that report, and it is not in the backup.)
      if (p.phase == backup::BackupPhase::Logs) logsPhase = true;
      if (!logsPhase) atRollover = writers.snapshot();
    };
    result = backup::backup(*t.instance, destination, options);
    atEnd = writers.snapshot();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    writers.stop();
    REQUIRE_MESSAGE(writers.error().empty(), writers.error());
  }
  REQUIRE_MESSAGE(result.isOk(), result.status().toString());
  REQUIRE(atRollover.size() == 4);
  const backup::Manifest& manifest = result->manifest;
  CHECK(manifest.type == Kind::Full);
  REQUIRE(manifest.databases.size() == 1);
  CHECK(manifest.stamp.endGeneration >= manifest.stamp.startGeneration);
  CHECK(manifest.databases[0].trailer.generationHigh <= static_cast<uint32_t>(manifest.stamp.endGeneration));
  CHECK(manifest.databases[0].trailer.generationLow == static_cast<uint32_t>(manifest.stamp.startGeneration));
  // The directory is complete and unaltered according to its manifest.
  auto reread = backup::readManifest(destination);
  REQUIRE_MESSAGE(reread.isOk(), reread.status().toString());
  CHECK(backup::serializeManifest(*reread) == backup::serializeManifest(manifest));
  const backup::ManifestCheck check = backup::checkBackupDirectory(destination, *reread);
  CHECK_MESSAGE(check.ok(), check.status().toString());
  CHECK(check.filesChecked == manifest.files.size());
  const int verify = runVerify(destination);
  if (verify >= 0) CHECK_MESSAGE(verify == 0, "esekit verify failed on the backup directory");

  // Truncation happened (full backup) but never past the checkpoint.
  CHECK(result->logsTruncated);
  const auto remaining = archivedGenerations(t.logs);
  if (!remaining.empty()) CHECK(remaining.front() >= result->truncatedBefore);
  CHECK(result->truncatedBefore <= manifest.stamp.endGeneration + 1);
  // Header slot Full records the backup.
  REQUIRE(t.instance->shutdown().isOk());
  const DatabaseHeader header = headerOf(t.database);
  CHECK(header.previousFullBackup.generationLow == static_cast<uint32_t>(manifest.stamp.startGeneration));
  CHECK(header.previousFullBackup.generationHigh == static_cast<uint32_t>(manifest.stamp.endGeneration));
  CHECK(header.previousFullBackup.mark == manifest.stamp.mark);
  CHECK(header.previousCopyBackup.isZero());

  // Restore: everything committed before the rollover, nothing partial.
  const fs::path restored = restoreChain({destination}, root / "restore");
  AttachedCopy copy = attachCopy(root / "restore", restored);
  const auto batches = checkBatches(*copy.instance, copy.db);
  for (uint8_t thread = 0; thread < 4; ++thread) {
    const uint32_t found = batches.count(thread) ? batches.at(thread) : 0;
    CHECK_MESSAGE(found >= atRollover[thread], "thread ", int(thread), ": ", found, " batches restored, ",
                  atRollover[thread], " were committed before the rollover");
    CHECK_MESSAGE(found <= atEnd[thread], "thread ", int(thread), ": ", found, " batches restored, only ",
                  atEnd[thread], " committed when the backup ended");
  }
  REQUIRE(copy.instance->shutdown().isOk());
}

TEST_CASE("incremental after full: logs only, truncation, header slots, the chain restores") {
  const fs::path root = freshDir("backup-online-incremental");
  TestInstance t = openTestInstance(root / "live");
  REQUIRE(commitBatches(t, 0, 0, 30).isOk());
  BackupOptions full;
  full.createPaths = true;
  auto first = backup::backup(*t.instance, root / "full", full);
  REQUIRE_MESSAGE(first.isOk(), first.status().toString());
  const auto afterFull = archivedGenerations(t.logs);

  // Differential: logs since the full, no truncation, Differential slot.
  REQUIRE(commitBatches(t, 1, 0, 30).isOk());
  BackupOptions differential;
  differential.type = Kind::Differential;
  differential.createPaths = true;
  const auto beforeDifferential = archivedGenerations(t.logs);
  auto diff = backup::backup(*t.instance, root / "diff", differential);
  REQUIRE_MESSAGE(diff.isOk(), diff.status().toString());
  CHECK(diff->manifest.databases.empty());
  CHECK_FALSE(diff->logsTruncated);
  CHECK_FALSE(diff->manifest.truncateRequested);
  REQUIRE(diff->manifest.previous.has_value());
  CHECK(diff->manifest.previous->type == Kind::Full);
  CHECK(diff->manifest.previous->stamp.mark == first->manifest.stamp.mark);
  for (int32_t g : beforeDifferential) {
    CHECK_MESSAGE(fs::exists(t.logs / (std::string("edb") + [&] {
                               char n[8];
                               std::snprintf(n, sizeof n, "%05X", g);
                               return std::string(n);
                             }() + ".log")),
                  "differential deleted generation ", g);
  }
  for (const auto& f : diff->manifest.files) CHECK(f.kind == backup::FileKind::Log);

  // Incremental: builds on the full (given explicitly), truncates, Incremental slot.
  REQUIRE(commitBatches(t, 2, 0, 30).isOk());
  REQUIRE(t.instance->checkpoint().isOk());  // so that truncation has something to delete
  BackupOptions incremental;
  incremental.type = Kind::Incremental;
  incremental.createPaths = true;
  incremental.previousBackup = root / "full";
  auto inc = backup::backup(*t.instance, root / "inc1", incremental);
  REQUIRE_MESSAGE(inc.isOk(), inc.status().toString());
  CHECK(inc->manifest.databases.empty());
  CHECK(inc->logsTruncated);
  REQUIRE(inc->manifest.previous.has_value());
  CHECK(inc->manifest.previous->source.starts_with("manifest:"));
  CHECK(inc->manifest.stamp.startGeneration <= first->manifest.stamp.endGeneration + 1);
  const auto afterInc = archivedGenerations(t.logs);
  if (!afterInc.empty()) CHECK(afterInc.front() >= inc->truncatedBefore);
  CHECK(inc->truncatedBefore > (afterFull.empty() ? 0 : afterFull.front()));

  // Log-only: like incremental, builds on the incremental through the header.
  REQUIRE(commitBatches(t, 3, 0, 30).isOk());
  BackupOptions logOnly;
  logOnly.type = Kind::LogOnly;
  logOnly.createPaths = true;
  auto log = backup::backup(*t.instance, root / "inc2", logOnly);
  REQUIRE_MESSAGE(log.isOk(), log.status().toString());
  REQUIRE(log->manifest.previous.has_value());
  CHECK(log->manifest.previous->type == Kind::Incremental);
  CHECK(log->manifest.previous->source.starts_with("header:"));
  CHECK(log->manifest.stamp.startGeneration <= inc->manifest.stamp.endGeneration + 1);

  REQUIRE(t.instance->shutdown().isOk());
  const DatabaseHeader header = headerOf(t.database);
  CHECK(header.previousFullBackup.mark == first->manifest.stamp.mark);
  CHECK(header.previousIncrementalBackup.mark == log->manifest.stamp.mark);
  CHECK(header.previousIncrementalBackup.generationHigh == static_cast<uint32_t>(log->manifest.stamp.endGeneration));
  CHECK(header.previousDifferentialBackup.mark == diff->manifest.stamp.mark);

  // Full + incremental + log-only restore to everything committed (all batches were durable before each backup).
  const fs::path restored = restoreChain({root / "full", root / "inc1", root / "inc2"}, root / "restore");
  AttachedCopy copy = attachCopy(root / "restore", restored);
  const auto batches = checkBatches(*copy.instance, copy.db);
  for (uint8_t thread = 0; thread < 4; ++thread) CHECK(batches.at(thread) == 30);
  REQUIRE(copy.instance->shutdown().isOk());

  // Full + differential restore to the state at the differential.
  const fs::path restoredDiff = restoreChain({root / "full", root / "diff"}, root / "restore-diff");
  AttachedCopy diffCopy = attachCopy(root / "restore-diff", restoredDiff);
  const auto diffBatches = checkBatches(*diffCopy.instance, diffCopy.db);
  CHECK(diffBatches.at(0) == 30);
  CHECK(diffBatches.at(1) == 30);
  CHECK(diffBatches.count(2) == 0);
  REQUIRE(diffCopy.instance->shutdown().isOk());
}

TEST_CASE("copy backup: no truncation, only the Copy slot changes") {
  const fs::path root = freshDir("backup-online-copy");
  TestInstance t = openTestInstance(root / "live");
  REQUIRE(commitBatches(t, 0, 0, 150).isOk());
  REQUIRE(t.instance->checkpoint().isOk());
  const auto before = archivedGenerations(t.logs);
  REQUIRE_FALSE(before.empty());
  BackupOptions copyOptions;
  copyOptions.type = Kind::Copy;
  copyOptions.createPaths = true;
  auto copy = backup::backup(*t.instance, root / "copy", copyOptions);
  REQUIRE_MESSAGE(copy.isOk(), copy.status().toString());
  CHECK_FALSE(copy->logsTruncated);
  const auto after = archivedGenerations(t.logs);
  CHECK(after.front() == before.front());
  REQUIRE(t.instance->shutdown().isOk());
  const DatabaseHeader header = headerOf(t.database);
  CHECK(header.previousFullBackup.isZero());
  CHECK(header.previousCopyBackup.mark == copy->manifest.stamp.mark);
  CHECK(header.previousCopyBackup.generationLow == static_cast<uint32_t>(copy->manifest.stamp.startGeneration));
  // A copy is restorable like a full.
  const fs::path restored = restoreChain({root / "copy"}, root / "restore");
  AttachedCopy attached = attachCopy(root / "restore", restored);
  CHECK(checkBatches(*attached.instance, attached.db).at(0) == 150);
  REQUIRE(attached.instance->shutdown().isOk());
}
