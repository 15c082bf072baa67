// The rules of checkpoint-and-backup.md §3/§4 as backup() and ExternalBackup
// enforce them: one backup at a time, incremental preconditions, paths,
// grbits, the order of the external API, and damaged sources (a bad page or
// log fails the backup, naming it, and changes nothing).
#include <doctest/doctest.h>

#include <fstream>

#include "backup_test_support.h"
#include "esekit/format/database_header.h"

using namespace esekit;
using namespace esekit::test;
using backup::BackupOptions;
using backup::ExternalBackup;
using Kind = backup::BackupType;

namespace {

DatabaseHeader headerOf(const fs::path& database) {
  std::vector<uint8_t> start = readFile(database);
  start.resize(std::min<size_t>(start.size(), 65536));
  auto read = readDatabaseHeader(start);
  REQUIRE_MESSAGE(read.isOk(), read.status().toString());
  return read->header;
}

std::vector<std::string> logNames(const fs::path& logs) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(logs)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void flipBit(const fs::path& file, uint64_t offset, int bit) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f.good());
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ (1 << bit));
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

BackupOptions fullOptions() {
  BackupOptions options;
  options.createPaths = true;
  return options;
}

}  // namespace

TEST_CASE("one backup at a time: JET_errBackupInProgress") {
  TestInstance t = openTestInstance(freshDir("backup-rules-inprogress"));
  REQUIRE(commitBatches(t, 0, 0, 5).isOk());
  auto running = ExternalBackup::begin(*t.instance, 0);
  REQUIRE(running.isOk());
  auto second = backup::backup(*t.instance, t.root / "b", fullOptions());
  REQUIRE_FALSE(second.isOk());
  CHECK(second.status().code() == JetError::BackupInProgress);
  CHECK_FALSE(fs::exists(t.root / "b"));
  auto third = ExternalBackup::begin(*t.instance, 0);
  CHECK(third.status().code() == JetError::BackupInProgress);
  REQUIRE((*running)->end(backup::kBackupEndAbort).isOk());
  CHECK(backup::backup(*t.instance, t.root / "b", fullOptions()).isOk());
}

TEST_CASE("incremental rules: circular logging, no full backup, a copy does not count") {
  SUBCASE("circular logging -> JET_errInvalidBackup") {
    TestInstance t = openTestInstance(freshDir("backup-rules-circular"), true);
    for (Kind kind : {Kind::Incremental, Kind::LogOnly, Kind::Differential}) {
      BackupOptions options = fullOptions();
      options.type = kind;
      auto result = backup::backup(*t.instance, t.root / "inc", options);
      CHECK(result.status().code() == JetError::InvalidBackup);
    }
    // A full backup is allowed under circular logging.
    CHECK(backup::backup(*t.instance, t.root / "full", fullOptions()).isOk());
  }
  SUBCASE("no full backup yet -> JET_errMissingFullBackup saying why") {
    TestInstance t = openTestInstance(freshDir("backup-rules-nofull"));
    REQUIRE(commitBatches(t, 0, 0, 5).isOk());
    BackupOptions options = fullOptions();
    options.type = Kind::Incremental;
    auto result = backup::backup(*t.instance, t.root / "inc", options);
    CHECK(result.status().code() == JetError::MissingFullBackup);
    CHECK(result.status().message().find("full backup") != std::string::npos);
    CHECK_FALSE(fs::exists(t.root / "inc"));
    // A copy backup does not make an incremental possible.
    BackupOptions copy = fullOptions();
    copy.type = Kind::Copy;
    REQUIRE(backup::backup(*t.instance, t.root / "copy", copy).isOk());
    CHECK(backup::backup(*t.instance, t.root / "inc", options).status().code() == JetError::MissingFullBackup);
    REQUIRE(backup::backup(*t.instance, t.root / "full", fullOptions()).isOk());
    CHECK(backup::backup(*t.instance, t.root / "inc", options).isOk());
  }
}

TEST_CASE("destination rules: missing path, non-empty directories") {
  TestInstance t = openTestInstance(freshDir("backup-rules-paths"));
  REQUIRE(commitBatches(t, 0, 0, 5).isOk());
  BackupOptions options;
  auto missing = backup::backup(*t.instance, t.root / "no" / "such", options);
  CHECK(missing.status().code() == JetError::InvalidPath);
  options.createPaths = true;
  CHECK(backup::backup(*t.instance, t.root / "no" / "such", options).isOk());

  fs::create_directories(t.root / "busy");
  std::ofstream(t.root / "busy" / "keep.txt") << "user data";
  options.atomic = false;
  CHECK(backup::backup(*t.instance, t.root / "busy", options).status().code() == JetError::BackupDirectoryNotEmpty);
  options.atomic = true;
  CHECK(backup::backup(*t.instance, t.root / "busy", options).status().code() == JetError::BackupDirectoryNotEmpty);
  CHECK(fs::exists(t.root / "busy" / "keep.txt"));
  // Atomic replaces an existing backup; non-atomic needs an empty directory.
  CHECK(backup::backup(*t.instance, t.root / "no" / "such", options).isOk());
  options.atomic = false;
  CHECK(backup::backup(*t.instance, t.root / "no" / "such", options).status().code() == JetError::BackupDirectoryNotEmpty);
  fs::create_directories(t.root / "empty");
  CHECK(backup::backup(*t.instance, t.root / "empty", options).isOk());
  CHECK(fs::exists(t.root / "empty" / backup::kManifestFileName));
}

TEST_CASE("bad option combinations: JET_errInvalidGrbit / InvalidParameter") {
  TestInstance t = openTestInstance(freshDir("backup-rules-grbit"));
  BackupOptions options = fullOptions();
  options.previousBackup = t.root / "whatever";
  CHECK(backup::backup(*t.instance, t.root / "b", options).status().code() == JetError::InvalidGrbit);
  BackupOptions copy = fullOptions();
  copy.type = Kind::Copy;
  CHECK(backup::backup(*t.instance, "", copy).status().code() == JetError::InvalidGrbit);
  BackupOptions compressed = fullOptions();
  compressed.compression = backup::Compression::Zstd;
  CHECK(backup::backup(*t.instance, "", compressed).status().code() == JetError::InvalidGrbit);
  compressed.compressionLevel = 99;
  CHECK(backup::backup(*t.instance, t.root / "b", compressed).status().code() == JetError::InvalidParameter);
  CHECK(ExternalBackup::begin(*t.instance, 0x40).status().code() == JetError::InvalidGrbit);
  CHECK_FALSE(fs::exists(t.root / "b"));
}

TEST_CASE("empty destination only truncates the logs older than the checkpoint") {
  TestInstance t = openTestInstance(freshDir("backup-rules-null"));
  REQUIRE(commitBatches(t, 0, 0, 200).isOk());
  REQUIRE(t.instance->checkpoint().isOk());
  const int32_t checkpointGeneration = t.instance->stats().checkpoint.generation;
  REQUIRE(checkpointGeneration > 1);
  auto result = backup::backup(*t.instance, "", BackupOptions{});
  REQUIRE_MESSAGE(result.isOk(), result.status().toString());
  CHECK(result->truncatedBefore == checkpointGeneration);
  for (const std::string& name : logNames(t.logs)) {
    if (name.size() == 12 && name != "edbtmp.log" && name.ends_with(".log"))
      CHECK(std::stoul(name.substr(3, 5), nullptr, 16) >= static_cast<unsigned long>(checkpointGeneration));
  }
  // No header change.
  REQUIRE(t.instance->shutdown().isOk());
  CHECK(headerOf(t.database).previousFullBackup.isZero());
}

TEST_CASE("external backup API: calls out of order -> JET_errInvalidBackupSequence") {
  TestInstance t = openTestInstance(freshDir("backup-rules-sequence"));
  REQUIRE(commitBatches(t, 0, 0, 10).isOk());
  auto begun = ExternalBackup::begin(*t.instance, 0);
  REQUIRE(begun.isOk());
  ExternalBackup& b = **begun;
  auto attached = b.attachInfo();
  REQUIRE(attached.isOk());
  REQUIRE(attached->size() == 1);
  uint64_t size = 0;
  auto handle = b.openFile(attached->front(), size);
  REQUIRE(handle.isOk());
  CHECK(size % 8192 == 0);
  std::vector<uint8_t> odd(8192 + 100);
  CHECK(b.readFile(*handle, odd).status().code() == JetError::InvalidParameter);
  // The log phase needs every database closed.
  CHECK(b.logInfo().status().code() == JetError::InvalidBackupSequence);
  CHECK(b.openFile(attached->front(), size).status().code() == JetError::InvalidBackupSequence);
  std::vector<uint8_t> buffer(size);
  auto got = b.readFile(*handle, buffer);
  REQUIRE(got.isOk());
  CHECK(*got == size);
  REQUIRE(b.closeFile(*handle).isOk());
  auto logs = b.logInfo();
  REQUIRE(logs.isOk());
  CHECK(logs->generationHigh >= logs->generationLow);
  CHECK(logs->files.size() == static_cast<size_t>(logs->generationHigh - logs->generationLow + 1));
  CHECK(b.attachInfo().status().code() == JetError::InvalidBackupSequence);
  CHECK(b.openFile(attached->front(), size).status().code() == JetError::InvalidBackupSequence);
  // Truncation before every log was read.
  CHECK(b.truncateLog().code() == JetError::LogFileNotCopied);
  CHECK(b.end(backup::kBackupEndNormal | backup::kBackupEndAbort).code() == JetError::InvalidParameter);
  REQUIRE(b.end(backup::kBackupEndAbort).isOk());
  CHECK(b.end(backup::kBackupEndAbort).code() == JetError::NoBackup);
  CHECK(b.logInfo().status().code() == JetError::NoBackup);

  // Incremental: no database phase.
  REQUIRE(backup::backup(*t.instance, t.root / "full", fullOptions()).isOk());
  auto incremental = ExternalBackup::begin(*t.instance, backup::kBackupIncremental);
  REQUIRE(incremental.isOk());
  CHECK((*incremental)->attachInfo().status().code() == JetError::InvalidBackupSequence);
  CHECK((*incremental)->openFile(t.database, size).status().code() == JetError::InvalidBackupSequence);
  // A normal end before the log phase is an abort: no header change.
  const BackupInfo before = [&] {
    REQUIRE(t.instance->checkpoint().isOk());
    return headerOf(t.database).previousIncrementalBackup;
  }();
  REQUIRE((*incremental)->end(backup::kBackupEndNormal).isOk());
  CHECK(headerOf(t.database).previousIncrementalBackup == before);
}

TEST_CASE("a damaged database page fails the backup naming it; nothing changes") {
  const fs::path root = freshDir("backup-rules-badpage");
  fs::path database;
  uint32_t victim = 0;
  {
    TestInstance t = openTestInstance(root);
    REQUIRE(commitBatches(t, 0, 0, 60).isOk());
    REQUIRE(backup::backup(*t.instance, root / "previous", fullOptions()).isOk());
    REQUIRE(t.instance->shutdown().isOk());
    database = t.database;
  }
  // The highest non-empty page: a leaf of the rows table, not read at attach.
  const std::vector<uint8_t> bytes = readFile(database);
  const size_t pages = bytes.size() / 8192;
  for (size_t i = pages - 1; i >= 3; --i) {
    if (std::any_of(bytes.begin() + i * 8192, bytes.begin() + (i + 1) * 8192, [](uint8_t b) { return b != 0; })) {
      victim = static_cast<uint32_t>(i - 1);
      break;
    }
  }
  REQUIRE(victim > 4);
  const uint64_t offset = (uint64_t{victim} + 1) * 8192;
  flipBit(database, offset + 3000, 1);
  flipBit(database, offset + 5000, 6);
  TestInstance t = openTestInstance(root);
  const DatabaseHeader headerBefore = headerOf(database);
  const auto logsBefore = logNames(t.logs);
  const auto manifestBefore = backup::readManifest(root / "previous");
  REQUIRE(manifestBefore.isOk());
  auto result = backup::backup(*t.instance, root / "previous", fullOptions());
  REQUIRE_FALSE(result.isOk());
  CHECK(result.status().code() == JetError::ReadVerifyFailure);
  CHECK_MESSAGE(result.status().message().find("page " + std::to_string(victim)) != std::string::npos,
                result.status().message());
  CHECK(result.status().message().find("data.edb") != std::string::npos);
  // Nothing changed: old backup intact, no truncation, header as it was.
  auto manifestAfter = backup::readManifest(root / "previous");
  REQUIRE(manifestAfter.isOk());
  CHECK(backup::serializeManifest(*manifestAfter) == backup::serializeManifest(*manifestBefore));
  CHECK(backup::checkBackupDirectory(root / "previous", *manifestAfter).ok());
  const auto logsAfter = logNames(t.logs);
  for (const std::string& name : logsBefore) {
    if (name.size() == 12 && name != "edbtmp.log")
      CHECK_MESSAGE(std::find(logsAfter.begin(), logsAfter.end(), name) != logsAfter.end(), name, " was deleted");
  }
  const DatabaseHeader headerAfter = headerOf(database);
  CHECK(headerAfter.previousFullBackup == headerBefore.previousFullBackup);
  CHECK(headerAfter.previousCopyBackup == headerBefore.previousCopyBackup);
  for (const auto& entry : fs::directory_iterator(root)) {
    CHECK_MESSAGE(entry.path().filename().string().find(".new-") == std::string::npos, "staging left: ", entry.path());
  }
}

TEST_CASE("a single-bit error in a page is corrected in the copy") {
  const fs::path root = freshDir("backup-rules-onebit");
  fs::path database;
  {
    TestInstance t = openTestInstance(root);
    REQUIRE(commitBatches(t, 0, 0, 60).isOk());
    REQUIRE(t.instance->shutdown().isOk());
    database = t.database;
  }
  const std::vector<uint8_t> bytes = readFile(database);
  uint32_t victim = 0;
  for (size_t i = bytes.size() / 8192 - 1; i >= 3; --i) {
    if (std::any_of(bytes.begin() + i * 8192, bytes.begin() + (i + 1) * 8192, [](uint8_t b) { return b != 0; })) {
      victim = static_cast<uint32_t>(i - 1);
      break;
    }
  }
  flipBit(database, (uint64_t{victim} + 1) * 8192 + 4000, 3);
  TestInstance t = openTestInstance(root);
  auto result = backup::backup(*t.instance, root / "b", fullOptions());
  REQUIRE_MESSAGE(result.isOk(), result.status().toString());
  bool noted = false;
  for (const std::string& note : result->notes) noted |= note.find("page " + std::to_string(victim)) != std::string::npos;
  CHECK(noted);
  const std::vector<uint8_t> copy = readFile(root / "b" / "data.edb");
  const std::vector<uint8_t> original = bytes;  // before the flip
  REQUIRE(copy.size() >= (uint64_t{victim} + 2) * 8192);
  CHECK(std::equal(original.begin() + (victim + 1) * 8192, original.begin() + (victim + 2) * 8192,
                   copy.begin() + (victim + 1) * 8192));
}

TEST_CASE("a damaged archived log fails the backup with JET_errLogReadVerifyFailure; nothing changes") {
  const fs::path root = freshDir("backup-rules-badlog");
  TestInstance t = openTestInstance(root);
  REQUIRE(commitBatches(t, 0, 0, 200).isOk());
  // The full backup copies from the checkpoint's generation: damage that one.
  const int32_t generation = t.instance->stats().checkpoint.generation;
  REQUIRE(static_cast<int32_t>(t.instance->stats().currentGeneration) > generation);
  char name[32];
  std::snprintf(name, sizeof name, "edb%05X.log", static_cast<unsigned>(generation));
  const fs::path victim = t.logs / name;
  REQUIRE(fs::exists(victim));
  flipBit(victim, 2 * 4096 + 100, 2);
  flipBit(victim, 2 * 4096 + 900, 5);
  const DatabaseHeader headerBefore = headerOf(t.database);
  const auto logsBefore = logNames(t.logs);
  auto result = backup::backup(*t.instance, root / "b", fullOptions());
  REQUIRE_FALSE(result.isOk());
  CHECK(result.status().code() == JetError::LogReadVerifyFailure);
  CHECK_MESSAGE(result.status().message().find(name) != std::string::npos, result.status().message());
  CHECK_MESSAGE(result.status().message().find("sector") != std::string::npos, result.status().message());
  CHECK_FALSE(fs::exists(root / "b"));
  const auto logsAfter = logNames(t.logs);
  for (const std::string& name : logsBefore) {
    if (name.size() == 12 && name != "edbtmp.log")
      CHECK_MESSAGE(std::find(logsAfter.begin(), logsAfter.end(), name) != logsAfter.end(), name, " was deleted");
  }
  REQUIRE(t.instance->shutdown().isOk());
  const DatabaseHeader headerAfter = headerOf(t.database);
  CHECK(headerAfter.previousFullBackup == headerBefore.previousFullBackup);
  CHECK(headerAfter.previousCopyBackup == headerBefore.previousCopyBackup);
}
