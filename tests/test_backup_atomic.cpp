// Atomic backup directories (backup.h BackupOptions::atomic): a failure of
// any kind - an error at any write/fsync/rename (fault injection), or the
// process killed (SIGKILL at random moments) - leaves at the destination the
// previous complete backup or the new complete one, never a mix; staging
// directories are cleaned up. Also: zstd compression round trip.
//
// ESEKIT_SEED replays the kill timings; ESEKIT_BACKUP_KILLS sets the number
// of kills (default 12).
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <random>
#include <set>

#include "backup_test_support.h"
#include "esekit/format/checksum.h"
#include "esekit/format/database_header.h"
#include "esekit/format/log_file.h"

using namespace esekit;
using namespace esekit::test;
using backup::BackupOptions;

namespace {

uint64_t envNumber(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  return text && *text ? std::strtoull(text, nullptr, 0) : fallback;
}

// The destination holds one complete backup whose files match its manifest.
void checkComplete(const fs::path& destination) {
  auto manifest = backup::readManifest(destination);
  REQUIRE_MESSAGE(manifest.isOk(), manifest.status().toString());
  const backup::ManifestCheck check = backup::checkBackupDirectory(destination, *manifest);
  CHECK_MESSAGE(check.ok(), check.status().toString());
  CHECK(manifest->databases.size() == 1);
  CHECK_FALSE(manifest->files.empty());
}

size_t stagingDirectories(const fs::path& parent) {
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(parent)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".new-") != std::string::npos || name.find(".old-") != std::string::npos) ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("fault at any write, fsync, rename or mkdir: old backup intact, no truncation, clear error") {
  const fs::path root = freshDir("backup-atomic-faults");
  TestInstance t = openTestInstance(root / "live");
  REQUIRE(commitBatches(t, 0, 0, 30).isOk());
  const fs::path destination = root / "backup";
  BackupOptions options;
  options.createPaths = true;
  REQUIRE(backup::backup(*t.instance, destination, options).isOk());
  // Count the operations of one backup, then fail each in turn.
  size_t operations = 0;
  options.faultHook = [&](std::string_view, const fs::path&) {
    ++operations;
    return Status();
  };
  REQUIRE(commitBatches(t, 1, 0, 10).isOk());
  REQUIRE(backup::backup(*t.instance, destination, options).isOk());
  REQUIRE(operations > 5);
  for (size_t failAt = 1; failAt <= operations; ++failAt) {
    CAPTURE(failAt);
    REQUIRE(commitBatches(t, 2, static_cast<uint32_t>(failAt * 2), 2).isOk());
    auto before = backup::readManifest(destination);
    REQUIRE(before.isOk());
    size_t seen = 0;
    std::string failedOperation;
    options.faultHook = [&](std::string_view operation, const fs::path& path) {
      if (++seen != failAt) return Status();
      failedOperation = std::string(operation) + " " + path.string();
      return Status(JetError::DiskFull, path.string() + ": injected ENOSPC at " + std::string(operation));
    };
    std::vector<std::string> logsBefore;
    for (const auto& entry : fs::directory_iterator(t.logs)) logsBefore.push_back(entry.path().filename().string());
    auto result = backup::backup(*t.instance, destination, options);
    if (result.isOk()) continue;  // the fault hit an operation after the commit point (removing the old backup)
    CAPTURE(failedOperation);
    CHECK(result.status().code() == JetError::DiskFull);
    CHECK(result.status().message().find("injected") != std::string::npos);
    auto after = backup::readManifest(destination);
    REQUIRE_MESSAGE(after.isOk(), after.status().toString());
    CHECK(backup::serializeManifest(*after) == backup::serializeManifest(*before));
    checkComplete(destination);
    CHECK(stagingDirectories(root) == 0);
    for (const std::string& name : logsBefore) CHECK_MESSAGE(fs::exists(t.logs / name), name, " was deleted");
  }
}

TEST_CASE("SIGKILL at random moments during backups into one destination: always a complete backup") {
  const fs::path root = freshDir("backup-atomic-kill");
  const fs::path instanceRoot = root / "live";
  const fs::path destination = root / "backup";
  {
    TestInstance t = openTestInstance(instanceRoot);
    REQUIRE(commitBatches(t, 0, 0, 20).isOk());
    BackupOptions options;
    options.createPaths = true;
    REQUIRE(backup::backup(*t.instance, destination, options).isOk());
    REQUIRE(t.instance->shutdown().isOk());
  }
  std::mt19937_64 random(testSeedValue());
  const uint64_t kills = envNumber("ESEKIT_BACKUP_KILLS", 12);
  std::set<std::string> marksSeen;
  for (uint64_t round = 0; round < kills; ++round) {
    CAPTURE(round);
    std::fflush(nullptr);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // Child: reopen (recovery after the previous kill), write and back up in a loop.
      auto instance = engine::Instance::open(smallOptions(instanceRoot / "logs"));
      if (!instance) ::_exit(3);
      auto db = (*instance)->attachDatabase(instanceRoot / "db" / "data.edb");
      if (!db) ::_exit(4);
      auto table = db->openTable("rows");
      auto session = (*instance)->beginSession();
      if (!table || !session) ::_exit(5);
      uint32_t batch = static_cast<uint32_t>(1000 + round * 100000);
      BackupOptions options;
      options.compression = (round % 3 == 2) ? backup::Compression::Zstd : backup::Compression::None;
      options.threads = 2;
      for (;;) {
        for (int i = 0; i < 5; ++i) (void)commitBatch(**session, *table, 1, batch++);
        auto result = backup::backup(**instance, destination, options);
        if (!result) {
          std::fprintf(stderr, "child: %s\n", result.status().toString().c_str());
          ::_exit(6);
        }
      }
    }
    std::uniform_int_distribution<int> delay(20, 600);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay(random)));
    ::kill(child, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE_MESSAGE((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL),
                    "the child ended by itself with status ", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    // Old or new, but complete and matching its manifest.
    checkComplete(destination);
    auto manifest = backup::readManifest(destination);
    REQUIRE(manifest.isOk());
    marksSeen.insert(manifest->stamp.mark.toString());
  }
  // The children did complete backups between kills (the destination changed).
  if (kills >= 6) CHECK(marksSeen.size() > 1);
  // The next backup cleans up whatever staging directories the kills left.
  TestInstance t = openTestInstance(instanceRoot);
  BackupOptions options;
  auto result = backup::backup(*t.instance, destination, options);
  REQUIRE_MESSAGE(result.isOk(), result.status().toString());
  CHECK(stagingDirectories(root) == 0);
  checkComplete(destination);
  REQUIRE(t.instance->shutdown().isOk());
}

TEST_CASE("zstd compression round trip: both hashes, files restore byte for byte and recover") {
  const fs::path root = freshDir("backup-atomic-zstd");
  TestInstance t = openTestInstance(root / "live");
  for (uint8_t thread = 0; thread < 2; ++thread) REQUIRE(commitBatches(t, thread, 0, 40).isOk());
  REQUIRE(t.instance->checkpoint().isOk());
  BackupOptions options;
  options.createPaths = true;
  options.type = backup::BackupType::Copy;
  REQUIRE(backup::parseCompressionSpec("zstd:5", options.compression, options.compressionLevel).isOk());
  CHECK(options.compressionLevel == 5);
  options.threads = 2;
  auto result = backup::backup(*t.instance, root / "zstd", options);
  REQUIRE_MESSAGE(result.isOk(), result.status().toString());
  const backup::Manifest& m = result->manifest;
  CHECK(m.compression == backup::Compression::Zstd);
  CHECK(m.compressionLevel == 5);
  uint64_t original = 0;
  for (const backup::ManifestFile& f : m.files) {
    CHECK(f.name.ends_with(".zst"));
    REQUIRE(f.uncompressedSize.has_value());
    REQUIRE(f.uncompressedHash.has_value());
    original += *f.uncompressedSize;
    const fs::path out = root / "extract" / f.name.substr(0, f.name.size() - 4);
    fs::create_directories(out.parent_path());
    REQUIRE(backup::extractStoredFile(root / "zstd", f, out).isOk());
    auto digest = backup::hashFile(out);
    REQUIRE(digest.isOk());
    CHECK(digest->size == *f.uncompressedSize);
    CHECK(digest->hash == *f.uncompressedHash);
    const std::vector<uint8_t> bytes = readFile(out);
    if (f.kind == backup::FileKind::Log) {
      CHECK_MESSAGE(scanLogFile(bytes).isOk(), f.name);
    } else {
      // Every page of the extracted stream verifies (header, pages, trailer).
      auto header = readDatabaseHeader(Bytes(bytes.data(), std::min<size_t>(bytes.size(), 65536)));
      REQUIRE(header.isOk());
      CHECK(header->header.currentFullBackup.generationLow == static_cast<uint32_t>(m.stamp.startGeneration));
      const size_t pages = bytes.size() / 8192;
      for (size_t i = 2; i + 1 < pages; ++i) {
        const Bytes page(bytes.data() + i * 8192, 8192);
        if (std::all_of(page.begin(), page.end(), [](uint8_t b) { return b == 0; })) continue;
        CHECK_MESSAGE(checksum::checkPage(page, static_cast<uint32_t>(i - 1)).verdict ==
                          checksum::PageChecksumCheck::Verdict::Ok, "page ", i - 1);
      }
      const Bytes trailer(bytes.data() + (pages - 1) * 8192, 8192);
      CHECK(checksum::legacyXor(trailer) == loadLittleEndian<uint32_t>(trailer.data()));
    }
  }
  CHECK(result->bytesStored < original);  // the rows compress
  REQUIRE(t.instance->shutdown().isOk());
  {
    const fs::path restored = restoreChain({root / "zstd"}, root / "restore");
    AttachedCopy copy = attachCopy(root / "restore", restored);
    const auto batches = checkBatches(*copy.instance, copy.db);
    CHECK(batches.at(0) == 40);
    CHECK(batches.at(1) == 40);
    REQUIRE(copy.instance->shutdown().isOk());
  }
  // A damaged compressed file is caught by its hash.
  const backup::ManifestFile& first = m.files.front();
  {
    std::vector<uint8_t> bytes = readFile(root / "zstd" / first.name);
    bytes[bytes.size() / 2] ^= 0x10;
    std::ofstream(root / "zstd" / first.name, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  CHECK_FALSE(backup::checkBackupDirectory(root / "zstd", m).ok());
  const Status damaged = backup::extractStoredFile(root / "zstd", first, root / "damaged");
  CHECK(damaged.code() == (first.kind == backup::FileKind::Log ? JetError::LogReadVerifyFailure
                                                               : JetError::ReadVerifyFailure));
}
