// Restore round trips (restore/restore.h) of backups made by backup::backup()
// while the instance runs: a full backup restored into a new directory holds
// exactly the model state at backup end; point in time by generation holds
// the state at that generation's end; a full + incrementals chain and a full
// + differential hold the state at the last set's end; a zstd backup
// restores; the restored database forgets the source's backup history
// (checkpoint-and-backup.md §6 step 5). The restored directory opens without
// recovery and the backups are byte- and timestamp-identical afterwards.
#include <doctest/doctest.h>

#include "esekit/restore/restore.h"
#include "restore_test_support.h"

using namespace esekit;
using namespace esekit::test;

namespace {

std::vector<fs::path> list(std::initializer_list<fs::path> paths) { return std::vector<fs::path>(paths); }

DatabaseHeader headerOf(const fs::path& database) {
  std::vector<uint8_t> bytes = readFile(database);
  bytes.resize(std::min<size_t>(bytes.size(), 65536));
  auto header = readDatabaseHeader(bytes);
  REQUIRE_MESSAGE(header.isOk(), header.status().toString());
  return header->header;
}

}  // namespace

TEST_CASE("restore of an online full backup equals the model at backup end") {
  const fs::path root = tempDir("restore_roundtrip");
  Workload work(root / "instance");
  work.run(150);
  RowModel atEnd;
  const BackupMade made = fullBackup(work, root / "full", [&] {
    work.run(150);  // committed while the database is copied: the logs bring the copy up to date
    atEnd = work.model;
  });
  work.run(50);  // after the backup: must not appear
  CHECK(made.end > made.start);
  REQUIRE(made.manifest.databases.size() == 1);
  const auto before = snapshotDirectory(root / "full");

  std::vector<double> percents;
  restore::RestoreOptions options;
  options.progress = [&](const restore::RestoreProgress& p) { percents.push_back(p.percent); };
  const auto sets = list({root / "full"});
  auto report = restore::restore(sets, root / "target", options);
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  CHECK(report->firstGeneration == made.start);
  CHECK(report->lastGeneration == made.end);
  CHECK_FALSE(report->pointInTime);
  CHECK(report->recovery.pagesRedone > 0);
  REQUIRE(report->databases.size() == 1);
  CHECK(report->databases[0].originalPath == (root / "instance" / "data.edb").string());
  CHECK(report->logFileSize == kTestLogFileSize);

  // Progress: non-decreasing real percentages ending at 100.
  REQUIRE(percents.size() > 3);
  for (size_t i = 1; i < percents.size(); ++i) CHECK(percents[i] >= percents[i - 1] - 1e-9);
  CHECK(percents.back() == doctest::Approx(100.0));

  // No staging directory left, clean database, openable without recovery.
  for (const auto& entry : fs::directory_iterator(root / "target"))
    CHECK(entry.path().filename().string().rfind(".esekit-restore-staging-", 0) == std::string::npos);
  CHECK(headerOf(root / "target" / "data.edb").state == DatabaseState::CleanShutdown);
  bool recoveryRan = true;
  const RowModel restored = readRestored(root / "target", &recoveryRan);
  CHECK_FALSE(recoveryRan);
  CHECK(restored == atEnd);
  CHECK(restored != work.model);

  CHECK(snapshotDirectory(root / "full") == before);
  work.shutdown();
}

TEST_CASE("point in time by generation equals the model at that generation's end") {
  const fs::path root = tempDir("restore_pit");
  Workload work(root / "instance");
  work.run(40);
  const BackupMade full = fullBackup(work, root / "full", [&] { work.run(20); });
  // One transaction at a time: the generation holding its commit record is
  // the log's current generation right after the commit (the writer only
  // starts a new generation when a record does not fit, log_writer.cpp).
  std::map<int32_t, RowModel> modelAt;  // generation -> state after its last commit
  const uint32_t until = work.instance->stats().currentGeneration + 4;
  while (work.instance->stats().currentGeneration < until) {
    work.run(1);
    modelAt[static_cast<int32_t>(work.instance->stats().currentGeneration)] = work.model;
  }
  const BackupMade inc = incrementalBackup(work, root / "inc", full);
  const RowModel atInc = work.model;
  work.run(30);
  CHECK(inc.end == modelAt.rbegin()->first);  // the rollover closed the generation of the last commit
  REQUIRE(modelAt.size() >= 4);

  const auto chain = list({root / "full", root / "inc"});
  int index = 0;
  for (const auto& [generation, expected] : modelAt) {
    if (generation <= full.end) continue;  // before what the database copy needs
    CAPTURE(generation);
    restore::RestoreOptions options;
    options.untilGeneration = generation;
    const fs::path target = root / ("target" + std::to_string(index++));
    auto report = restore::restore(chain, target, options);
    REQUIRE_MESSAGE(report.isOk(), report.status().toString());
    CHECK(report->lastGeneration == generation);
    CHECK(report->pointInTime == (generation != inc.end));
    bool recoveryRan = true;
    CHECK(readRestored(target, &recoveryRan) == expected);
    CHECK_FALSE(recoveryRan);
  }
  CHECK(index >= 3);
  CHECK(modelAt.rbegin()->second == atInc);

  // Before the generations the database copy needs: refused, nothing written.
  const auto fullOnly = list({root / "full"});
  restore::RestoreOptions early;
  early.untilGeneration = full.start - 1;
  auto refused = restore::restore(fullOnly, root / "early", early);
  REQUIRE_FALSE(refused.isOk());
  CHECK(refused.status().code() == JetError::EndingRestoreLogTooLow);
  CHECK(emptyOrMissing(root / "early"));
  restore::RestoreOptions late;
  late.untilGeneration = inc.end + 5;
  auto beyond = restore::restore(chain, root / "late", late);
  REQUIRE_FALSE(beyond.isOk());
  CHECK(beyond.status().code() == JetError::MissingLogFile);
  CHECK(emptyOrMissing(root / "late"));
  work.shutdown();
}

TEST_CASE("a full backup and two incrementals restore to the last incremental's end") {
  const fs::path root = tempDir("restore_chain");
  Workload work(root / "instance");
  work.run(80);
  RowModel atFull;
  const BackupMade full = fullBackup(work, root / "full", [&] {
    work.run(30);
    atFull = work.model;
  });
  work.run(90);
  const BackupMade inc1 = incrementalBackup(work, root / "inc1", full);
  const RowModel atInc1 = work.model;
  work.run(90);
  const BackupMade inc2 = incrementalBackup(work, root / "inc2", inc1);
  const RowModel atInc2 = work.model;
  work.run(20);
  CHECK(inc1.manifest.type == backup::BackupType::Incremental);
  REQUIRE(inc2.manifest.previous.has_value());
  CHECK(inc2.manifest.previous->stamp.endGeneration == inc1.end);
  // A backup truncates the logs before the checkpoint it started at, so an
  // incremental starts at or before the end of the backup it builds on.
  CHECK(inc1.start <= full.end + 1);
  CHECK(inc2.start <= inc1.end + 1);
  const auto snapshots = std::vector{snapshotDirectory(root / "full"), snapshotDirectory(root / "inc1"),
                                     snapshotDirectory(root / "inc2")};

  const auto chain = list({root / "full", root / "inc1", root / "inc2"});
  auto report = restore::restore(chain, root / "target", {});
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  CHECK(report->firstGeneration == full.start);
  CHECK(report->lastGeneration == inc2.end);
  CHECK(readRestored(root / "target") == atInc2);

  // Every prefix of the chain restores to its own end.
  const auto prefix = list({root / "full", root / "inc1"});
  auto middle = restore::restore(prefix, root / "target-inc1", {});
  REQUIRE_MESSAGE(middle.isOk(), middle.status().toString());
  CHECK(readRestored(root / "target-inc1") == atInc1);
  const auto fullOnly = list({root / "full"});
  auto alone = restore::restore(fullOnly, root / "target-full", {});
  REQUIRE_MESSAGE(alone.isOk(), alone.status().toString());
  CHECK(readRestored(root / "target-full") == atFull);

  CHECK(snapshotDirectory(root / "full") == snapshots[0]);
  CHECK(snapshotDirectory(root / "inc1") == snapshots[1]);
  CHECK(snapshotDirectory(root / "inc2") == snapshots[2]);
  work.shutdown();
}

TEST_CASE("a full backup and a differential restore to the differential's end") {
  const fs::path root = tempDir("restore_differential");
  Workload work(root / "instance");
  work.run(60);
  const BackupMade full = fullBackup(work, root / "full", [&] { work.run(20); });
  work.run(70);
  const BackupMade diff1 = incrementalBackup(work, root / "diff1", full, backup::BackupType::Differential);
  const RowModel atDiff1 = work.model;
  work.run(70);
  const BackupMade diff2 = incrementalBackup(work, root / "diff2", full, backup::BackupType::Differential);
  const RowModel atDiff2 = work.model;
  work.run(10);
  CHECK(diff1.manifest.type == backup::BackupType::Differential);
  // Both differentials hold every log since the full (nothing was truncated in between).
  CHECK(diff2.start == diff1.start);
  CHECK(diff2.end > diff1.end);

  const auto second = list({root / "full", root / "diff2"});
  auto report = restore::restore(second, root / "target2", {});
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  CHECK(report->lastGeneration == diff2.end);
  CHECK(readRestored(root / "target2") == atDiff2);
  const auto first = list({root / "full", root / "diff1"});
  auto earlier = restore::restore(first, root / "target1", {});
  REQUIRE_MESSAGE(earlier.isOk(), earlier.status().toString());
  CHECK(readRestored(root / "target1") == atDiff1);
  work.shutdown();
}

TEST_CASE("a zstd-compressed backup restores and validates; a damaged one is refused") {
  const fs::path root = tempDir("restore_zstd");
  Workload work(root / "instance");
  work.run(100);
  RowModel atEnd;
  backup::BackupOptions options;
  options.compression = backup::Compression::Zstd;
  options.compressionLevel = 3;
  const BackupMade made = fullBackup(
      work, root / "zstd", [&] {
        work.run(60);
        atEnd = work.model;
      },
      options);
  work.shutdown();
  CHECK(made.manifest.compression == backup::Compression::Zstd);
  for (const backup::ManifestFile& file : made.manifest.files) {
    CHECK(file.name.ends_with(".zst"));
    CHECK(file.uncompressedHash.has_value());
  }
  const auto before = snapshotDirectory(root / "zstd");

  const auto sets = list({root / "zstd"});
  auto validation = restore::validateBackupSets(sets);
  REQUIRE(validation.isOk());
  CHECK_MESSAGE(validation->valid(), validation->status().toString());
  auto report = restore::restore(sets, root / "target", {});
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  CHECK(readRestored(root / "target") == atEnd);
  CHECK(snapshotDirectory(root / "zstd") == before);

  // A damaged compressed file: its stored hash no longer matches.
  const fs::path damaged = copySet(root / "zstd", root / "damaged");
  std::vector<uint8_t> bytes = readFile(damaged / (logName(made.start) + ".zst"));
  bytes[bytes.size() / 2] ^= 0x40;
  writeFile(damaged / (logName(made.start) + ".zst"), bytes);
  const auto damagedSets = list({damaged});
  auto refused = restore::restore(damagedSets, root / "target2", {});
  REQUIRE_FALSE(refused.isOk());
  CHECK(refused.status().code() == JetError::LogReadVerifyFailure);
  CHECK(emptyOrMissing(root / "target2"));
}

TEST_CASE("a restored database forgets the backup history of its source") {
  // checkpoint-and-backup.md §6 step 5: after the hard recovery of a restore
  // the previous-backup slots are zeroed, so that the restored instance
  // cannot take an incremental on top of the source's full backup.
  const fs::path root = tempDir("restore_history");
  Workload work(root / "instance");
  work.run(40);
  const BackupMade first = fullBackup(work, root / "full1");
  work.run(20);
  (void)incrementalBackup(work, root / "diff", first, backup::BackupType::Differential);
  work.run(20);
  (void)incrementalBackup(work, root / "inc", first);
  work.run(20);
  backup::BackupOptions copy;
  copy.type = backup::BackupType::Copy;
  copy.createPaths = true;
  REQUIRE(backup::backup(*work.instance, root / "copy", copy).isOk());
  work.run(20);
  const BackupMade second = fullBackup(work, root / "full2", [&] { work.run(20); });
  const RowModel atSecond = work.model;
  work.shutdown();

  // The second full's database copy carries the whole history (what backup records).
  const DatabaseHeader copied = headerOf(root / "full2" / "data.edb");
  CHECK_FALSE(copied.previousFullBackup.isZero());
  CHECK_FALSE(copied.previousIncrementalBackup.isZero());
  CHECK_FALSE(copied.previousDifferentialBackup.isZero());
  CHECK_FALSE(copied.previousCopyBackup.isZero());
  CHECK_FALSE(copied.currentFullBackup.isZero());

  const auto sets = list({root / "full2"});
  auto report = restore::restore(sets, root / "target", {});
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  const DatabaseHeader restored = headerOf(root / "target" / "data.edb");
  CHECK(restored.state == DatabaseState::CleanShutdown);
  CHECK(restored.previousFullBackup.isZero());
  CHECK(restored.previousIncrementalBackup.isZero());
  CHECK(restored.previousDifferentialBackup.isZero());
  CHECK(restored.previousCopyBackup.isZero());
  CHECK(restored.currentFullBackup.isZero());
  CHECK(restored.currentSnapshotBackup.isZero());
  CHECK(restored.previousFullBackupType == esekit::BackupType::Normal);
  CHECK(restored.previousIncrementalBackupType == esekit::BackupType::Normal);
  // Header and shadow agree (both copies rewritten with valid checksums).
  const std::vector<uint8_t> bytes = readFile(root / "target" / "data.edb");
  const size_t pageSize = restored.pageSize();
  REQUIRE(bytes.size() >= 2 * pageSize);
  const ShadowedHeaderCheck copies =
      compareHeaderAndShadow(Bytes(bytes.data(), pageSize), Bytes(bytes.data() + pageSize, pageSize));
  CHECK(copies.primary.state == HeaderCopyState::Good);
  CHECK(copies.identical);
  CHECK(readRestored(root / "target") == atSecond);

  // What a user relies on: the restored instance needs a full backup first.
  auto opened = engine::Instance::open(instanceOptions(root / "target"));
  REQUIRE_MESSAGE(opened.isOk(), opened.status().toString());
  REQUIRE((*opened)->attachDatabase(root / "target" / "data.edb").isOk());
  backup::BackupOptions incremental;
  incremental.type = backup::BackupType::Incremental;
  incremental.createPaths = true;
  auto refused = backup::backup(**opened, root / "inc-after-restore", incremental);
  REQUIRE_FALSE(refused.isOk());
  CHECK_MESSAGE(refused.status().code() == JetError::MissingFullBackup, refused.status().toString());
  REQUIRE((*opened)->shutdown().isOk());
  (void)second;
}
