// Restore round trips (restore/restore.h): a backup taken while the instance
// runs, restored into a new directory, holds exactly the model state at
// backup end; point in time by generation holds the state at that
// generation's end; a full + incrementals chain holds the state at the last
// incremental's end. The restored directory opens without recovery and the
// backups are byte- and timestamp-identical afterwards.
#include <doctest/doctest.h>
#include <zstd.h>

#include "esekit/restore/restore.h"
#include "restore_test_support.h"

using namespace esekit;
using namespace esekit::test;

namespace {

std::vector<fs::path> list(std::initializer_list<fs::path> paths) { return std::vector<fs::path>(paths); }

}  // namespace

TEST_CASE("restore of an online full backup equals the model at backup end") {
  const fs::path root = tempDir("restore_roundtrip");
  Workload work(root / "instance");
  work.run(150);
  RowModel atEnd;
  const BackupMade made = fullBackup(work, root / "full", [&](engine::BackupSession&) {
    work.run(150);  // committed while the backup runs: the logs bring the copy up to date
    atEnd = work.model;
  });
  work.run(50);  // after the backup: must not appear
  CHECK(made.end > made.start);
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
  CHECK(report->databases[0].originalPath == "/original/location/data.edb");
  CHECK(report->logFileSize == kTestLogFileSize);

  // Progress: non-decreasing real percentages ending at 100.
  REQUIRE(percents.size() > 3);
  for (size_t i = 1; i < percents.size(); ++i) CHECK(percents[i] >= percents[i - 1] - 1e-9);
  CHECK(percents.back() == doctest::Approx(100.0));

  // No staging directory left, clean database, openable without recovery.
  for (const auto& entry : fs::directory_iterator(root / "target"))
    CHECK(entry.path().filename().string().rfind(".esekit-restore-staging-", 0) == std::string::npos);
  auto header = readDatabaseHeader(Bytes(readFile(root / "target" / "data.edb")).first(65536));
  REQUIRE(header.isOk());
  CHECK(header->header.state == DatabaseState::CleanShutdown);
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
  std::map<int32_t, RowModel> modelAt;  // generation closed by a rollover -> committed state then
  const BackupMade made = fullBackup(work, root / "full", [&](engine::BackupSession& session) {
    for (int phase = 0; phase < 3; ++phase) {
      work.run(60);
      auto closed = session.rollLog();
      REQUIRE(closed.isOk());
      modelAt[*closed] = work.model;
    }
  });
  REQUIRE(modelAt.size() == 3);
  const auto sets = list({root / "full"});
  int index = 0;
  for (const auto& [generation, expected] : modelAt) {
    CAPTURE(generation);
    restore::RestoreOptions options;
    options.untilGeneration = generation;
    const fs::path target = root / ("target" + std::to_string(index++));
    auto report = restore::restore(sets, target, options);
    REQUIRE_MESSAGE(report.isOk(), report.status().toString());
    CHECK(report->lastGeneration == generation);
    CHECK(report->pointInTime == (generation != made.end));
    bool recoveryRan = true;
    CHECK(readRestored(target, &recoveryRan) == expected);
    CHECK_FALSE(recoveryRan);
  }
  // Before the generations the database copy needs: refused, nothing written.
  restore::RestoreOptions early;
  early.untilGeneration = made.start - 1;
  auto refused = restore::restore(sets, root / "early", early);
  REQUIRE_FALSE(refused.isOk());
  CHECK(refused.status().code() == JetError::EndingRestoreLogTooLow);
  CHECK(emptyOrMissing(root / "early"));
  restore::RestoreOptions late;
  late.untilGeneration = made.end + 5;
  auto beyond = restore::restore(sets, root / "late", late);
  REQUIRE_FALSE(beyond.isOk());
  CHECK(beyond.status().code() == JetError::MissingLogFile);
  CHECK(emptyOrMissing(root / "late"));
  work.shutdown();
}

TEST_CASE("a full backup and two incrementals restore to the last incremental's end") {
  const fs::path root = tempDir("restore_chain");
  Workload work(root / "instance");
  work.run(80);
  const BackupMade full = fullBackup(work, root / "full", [&](engine::BackupSession&) { work.run(30); });
  const RowModel atFull = work.model;
  work.run(90);
  const BackupMade inc1 = incrementalBackup(work, root / "inc1", full);
  work.run(90);
  const BackupMade inc2 = incrementalBackup(work, root / "inc2", inc1);
  const RowModel atInc2 = work.model;
  work.run(20);
  CHECK(inc1.start == full.end + 1);
  CHECK(inc2.start == inc1.end + 1);
  const auto snapshots = std::vector{snapshotDirectory(root / "full"), snapshotDirectory(root / "inc1"),
                                     snapshotDirectory(root / "inc2")};

  const auto chain = list({root / "full", root / "inc1", root / "inc2"});
  auto report = restore::restore(chain, root / "target", {});
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  CHECK(report->firstGeneration == full.start);
  CHECK(report->lastGeneration == inc2.end);
  CHECK(readRestored(root / "target") == atInc2);

  // The full alone still restores to its own end.
  const auto fullOnly = list({root / "full"});
  auto alone = restore::restore(fullOnly, root / "target-full", {});
  REQUIRE_MESSAGE(alone.isOk(), alone.status().toString());
  CHECK(readRestored(root / "target-full") == atFull);

  CHECK(snapshotDirectory(root / "full") == snapshots[0]);
  CHECK(snapshotDirectory(root / "inc1") == snapshots[1]);
  CHECK(snapshotDirectory(root / "inc2") == snapshots[2]);
  work.shutdown();
}

TEST_CASE("a zstd-compressed backup (manifest with both hashes) restores and validates") {
  const fs::path root = tempDir("restore_zstd");
  Workload work(root / "instance");
  work.run(100);
  RowModel atEnd;
  const BackupMade made = fullBackup(
      work, root / "plain", [&](engine::BackupSession&) { work.run(60); atEnd = work.model; }, false);
  work.shutdown();
  // Compress every file and list stored and original size and hash (backup/manifest.h).
  fs::create_directories(root / "zstd");
  backup::Manifest manifest;
  manifest.compression = backup::Compression::Zstd;
  manifest.compressionLevel = 3;
  manifest.logFileSize = kTestLogFileSize;
  manifest.logSignature = made.logSignature;
  manifest.stamp.startGeneration = made.start;
  manifest.stamp.endGeneration = made.end;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(root / "plain")) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& path : files) {
    const std::vector<uint8_t> original = readFile(path);
    std::vector<uint8_t> compressed(ZSTD_compressBound(original.size()));
    const size_t size = ZSTD_compress(compressed.data(), compressed.size(), original.data(), original.size(), 3);
    REQUIRE_FALSE(ZSTD_isError(size));
    compressed.resize(size);
    backup::ManifestFile file;
    file.name = path.filename().string() + ".zst";
    file.size = compressed.size();
    file.hash = hashOf(compressed);
    file.uncompressedSize = original.size();
    file.uncompressedHash = hashOf(original);
    if (path.extension() == ".edb") {
      file.kind = backup::FileKind::Database;
      backup::ManifestDatabase database;
      database.file = path.filename().string();
      database.originalPath = "/srv/data.edb";
      database.pageSize = 8192;
      manifest.databases.push_back(database);
    } else {
      file.kind = backup::FileKind::Log;
      file.generation = static_cast<int32_t>(std::stoul(path.stem().string().substr(3), nullptr, 16));
    }
    manifest.files.push_back(file);
    writeFile(root / "zstd" / file.name, compressed);
  }
  std::ofstream(root / "zstd" / backup::kManifestFileName) << backup::serializeManifest(manifest);
  const auto before = snapshotDirectory(root / "zstd");

  const auto sets = list({root / "zstd"});
  auto validation = restore::validateBackupSets(sets);
  REQUIRE(validation.isOk());
  CHECK_MESSAGE(validation->valid(), validation->status().toString());
  auto report = restore::restore(sets, root / "target", {});
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  CHECK(fs::file_size(root / "target" / "data.edb") == fs::file_size(root / "plain" / "data.edb"));
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
