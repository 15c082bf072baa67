// Restore and validation of page-level differential sets (backup type
// "pages", doc/pages-differential.md): full + pages restores to the state at
// the pages backup's end, also when writer threads ran during it and when
// the instance crashed between the full and the pages backup; a pages set
// given with the wrong full backup is refused naming both stamps; a flipped
// byte in a .pages file is reported by validate (manifest hash and the
// damaged page) and refused by restore.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "backup_test_support.h"
#include "esekit/backup/pages_file.h"
#include "esekit/format/page.h"
#include "esekit/restore/restore.h"
#include "esekit/restore/validate.h"
#include "restore_test_support.h"

using namespace esekit;
using namespace esekit::test;

namespace {

std::vector<fs::path> list(std::initializer_list<fs::path> paths) { return std::vector<fs::path>(paths); }

backup::BackupOptions pagesOptions() {
  backup::BackupOptions options;
  options.type = backup::BackupType::Pages;
  options.createPaths = true;
  options.readChunkBytes = 16 * 1024;
  return options;
}

// A pages backup of a Workload; `during` runs on the backup's thread once
// the first pages were copied (before the log rollover).
BackupMade pagesBackup(Workload& work, const fs::path& dest, const std::function<void()>& during = {}) {
  backup::BackupOptions options = pagesOptions();
  bool ran = false;
  options.progress = [&](const backup::BackupProgress& p) {
    if (p.phase == backup::BackupPhase::Databases && p.bytesDone > 0 && !ran) {
      ran = true;
      if (during) during();
    }
  };
  const auto result = backup::backup(*work.instance, dest, options);
  if (during) REQUIRE(ran);
  return madeFrom(dest, result);
}

bool hasProblem(const restore::ValidationReport& report, JetError error, const std::string& text) {
  for (const auto& problem : report.problems) {
    if (problem.error == error && problem.status().toString().find(text) != std::string::npos) return true;
  }
  return false;
}

std::string pagesFileOf(const fs::path& set) {
  for (const auto& entry : fs::directory_iterator(set))
    if (entry.path().extension() == backup::kPagesFileSuffix) return entry.path().filename().string();
  FAIL("no .pages file in ", set.string());
  return {};
}

}  // namespace

TEST_CASE("full + pages restores to the model at the pages backup's end; the sets are unchanged") {
  const fs::path root = freshDir("restore_pages_roundtrip");
  Workload work(root / "instance");
  work.run(300);
  const BackupMade full = fullBackup(work, root / "full", [&] { work.run(20); });
  work.run(30);
  REQUIRE(work.instance->checkpoint().isOk());
  work.run(10);  // not yet checkpointed: only in the logs
  const BackupMade pages = pagesBackup(work, root / "pages", [&] { work.run(15); });
  const RowModel atPages = work.model;
  // The same pages, zstd-compressed (nothing committed in between).
  backup::BackupOptions compressed = pagesOptions();
  compressed.compression = backup::Compression::Zstd;
  compressed.compressionLevel = 3;
  const BackupMade zstd = madeFrom(root / "pages-zstd", backup::backup(*work.instance, root / "pages-zstd", compressed));
  work.run(20);  // after the backups: not in the restore
  CHECK(pages.manifest.type == backup::BackupType::Pages);

  const auto fullFacts = snapshotDirectory(root / "full");
  const auto pagesFacts = snapshotDirectory(root / "pages");
  auto validated = restore::validateBackupSets(list({root / "full", root / "pages"}));
  REQUIRE(validated.isOk());
  CHECK_MESSAGE(validated->valid(), validated->status().toString());
  CHECK(validated->firstGeneration == pages.start);
  CHECK(validated->lastGeneration == pages.end);

  auto report = restore::restore(list({root / "full", root / "pages"}), root / "target", {});
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  CHECK(report->firstGeneration == pages.start);
  CHECK(report->lastGeneration == pages.end);
  bool recoveryRan = true;
  CHECK(readRestored(root / "target", &recoveryRan) == atPages);
  CHECK_FALSE(recoveryRan);
  auto fromZstd = restore::restore(list({root / "full", root / "pages-zstd"}), root / "target-zstd", {});
  REQUIRE_MESSAGE(fromZstd.isOk(), fromZstd.status().toString());
  CHECK(fromZstd->lastGeneration == zstd.end);
  CHECK(readRestored(root / "target-zstd") == atPages);
  // The sets were only read.
  CHECK(snapshotDirectory(root / "full") == fullFacts);
  CHECK(snapshotDirectory(root / "pages") == pagesFacts);
  work.shutdown();
}

TEST_CASE("full + pages taken while writer threads commit restores to a state between the backup's begin and end") {
  const fs::path root = freshDir("restore_pages_writers");
  TestInstance t = openTestInstance(root / "instance");
  for (uint8_t thread = 0; thread < 3; ++thread) REQUIRE(commitBatches(t, thread, 0, 120).isOk());
  backup::BackupOptions fullOptions;
  fullOptions.createPaths = true;
  auto full = backup::backup(*t.instance, root / "full", fullOptions);
  REQUIRE_MESSAGE(full.isOk(), full.status().toString());
  std::vector<uint32_t> before, after;
  {
    Writers writers(t, 3, 120);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    before = writers.snapshot();
    auto pages = backup::backup(*t.instance, root / "pages", pagesOptions());
    after = writers.snapshot();
    writers.stop();
    REQUIRE_MESSAGE(writers.error().empty(), writers.error());
    REQUIRE_MESSAGE(pages.isOk(), pages.status().toString());
  }
  REQUIRE(t.instance->shutdown().isOk());

  auto report = restore::restore(list({root / "full", root / "pages"}), root / "target", {});
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  REQUIRE(report->databases.size() == 1);
  auto instance = engine::Instance::open(smallOptions(root / "target"));
  REQUIRE_MESSAGE(instance.isOk(), instance.status().toString());
  CHECK_FALSE((*instance)->recovery().ran);
  auto db = (*instance)->attachDatabase(report->databases.front().path);
  REQUIRE_MESSAGE(db.isOk(), db.status().toString());
  const std::map<uint8_t, uint32_t> restored = checkBatches(**instance, *db);
  for (uint8_t thread = 0; thread < 3; ++thread) {
    const uint32_t n = restored.count(thread) ? restored.at(thread) : 0;
    CHECK_MESSAGE(n >= before[thread], "thread ", int(thread), ": ", n, " batches, ", before[thread], " were committed before the backup");
    CHECK_MESSAGE(n <= after[thread], "thread ", int(thread), ": ", n, " batches, only ", after[thread], " committed by its end");
  }
  REQUIRE((*instance)->shutdown().isOk());
}

TEST_CASE("a crash between the full and the pages backup: the tracked pages survive, pages backup and restore are right") {
  const fs::path root = freshDir("restore_pages_crash");
  const fs::path dir = root / "instance";
  {
    TestInstance t = openTestInstance(dir);
    for (uint8_t thread = 0; thread < 2; ++thread) REQUIRE(commitBatches(t, thread, 0, 150).isOk());
    backup::BackupOptions options;
    options.createPaths = true;
    REQUIRE(backup::backup(*t.instance, root / "full", options).isOk());
    REQUIRE(t.instance->shutdown().isOk());
  }
  // The child writes (some pages reach the file through checkpoints, some
  // changes stay in the log only) and dies without shutting down.
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto instance = engine::Instance::open(smallOptions(dir / "logs"));
    if (!instance) ::_exit(2);
    auto db = (*instance)->attachDatabase(dir / "db" / "data.edb");
    if (!db) ::_exit(3);
    auto table = db->openTable("rows");
    if (!table) ::_exit(4);
    auto session = (*instance)->beginSession();
    if (!session) ::_exit(5);
    for (uint32_t b = 0; b < 60; ++b)
      if (!commitBatch(**session, *table, 7, b).isOk()) ::_exit(6);
    if (!(*instance)->checkpoint().isOk()) ::_exit(7);
    for (uint32_t b = 60; b < 90; ++b)
      if (!commitBatch(**session, *table, 7, b).isOk()) ::_exit(8);
    ::_exit(0);  // no shutdown: a crash as far as the files are concerned
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  // Reopen: recovery redoes the log tail and writes through the tracked path.
  TestInstance t = openTestInstance(dir);
  CHECK(t.instance->recovery().ran);
  auto pages = backup::backup(*t.instance, root / "pages", pagesOptions());
  REQUIRE_MESSAGE(pages.isOk(), pages.status().toString());
  // Every page that differs from the full's copy is in the pages set (idle instance).
  {
    const std::string name = pagesFileOf(root / "pages");
    const std::vector<uint8_t> bytes = readFile(root / "pages" / name);
    auto layout = backup::parsePagesFile(bytes, name);
    REQUIRE_MESSAGE(layout.isOk(), layout.status().toString());
    const uint32_t pageSize = layout->header.pageSize;
    const std::vector<uint8_t> fullImage = readFile(root / "full" / "data.edb");
    const std::vector<uint8_t> live = readFile(t.database);
    const uint64_t fullPages = fullImage.size() / pageSize - 3;
    const uint64_t livePages = live.size() / pageSize - 2;
    uint32_t differing = 0;
    for (uint32_t pgno = 1; pgno <= livePages; ++pgno) {
      const uint64_t offset = page::fileOffsetOfPage(pgno, pageSize);
      bool same;
      if (pgno <= fullPages) {
        same = std::equal(live.begin() + static_cast<long>(offset), live.begin() + static_cast<long>(offset + pageSize),
                          fullImage.begin() + static_cast<long>(offset));
      } else {
        same = std::all_of(live.begin() + static_cast<long>(offset), live.begin() + static_cast<long>(offset + pageSize),
                           [](uint8_t b) { return b == 0; });
      }
      if (same) continue;
      ++differing;
      CHECK_MESSAGE(std::binary_search(layout->pages.begin(), layout->pages.end(), pgno), "page ", pgno,
                    " changed before or at the crash but is not tracked");
    }
    MESSAGE("pages changed across the crash: ", differing, " of ", livePages, "; tracked ", layout->pages.size());
    CHECK(differing > 0);
  }
  REQUIRE(t.instance->shutdown().isOk());

  auto report = restore::restore(list({root / "full", root / "pages"}), root / "target", {});
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  auto instance = engine::Instance::open(smallOptions(root / "target"));
  REQUIRE_MESSAGE(instance.isOk(), instance.status().toString());
  auto db = (*instance)->attachDatabase(report->databases.front().path);
  REQUIRE_MESSAGE(db.isOk(), db.status().toString());
  const std::map<uint8_t, uint32_t> restored = checkBatches(**instance, *db);
  CHECK(restored.at(0) == 150);
  CHECK(restored.at(1) == 150);
  CHECK(restored.at(7) == 90);  // every durable commit before the crash
  REQUIRE((*instance)->shutdown().isOk());
}

TEST_CASE("a pages set on the wrong full backup is refused naming both stamps") {
  const fs::path root = freshDir("restore_pages_wrong_full");
  Workload work(root / "instance");
  work.run(100);
  const BackupMade fullA = fullBackup(work, root / "fullA");
  work.run(40);
  const BackupMade fullB = fullBackup(work, root / "fullB");
  work.run(40);
  const BackupMade pages = pagesBackup(work, root / "pages");
  const RowModel atPages = work.model;
  REQUIRE(pages.manifest.previous.has_value());
  CHECK(pages.manifest.previous->stamp.mark == fullB.manifest.stamp.mark);

  auto validated = restore::validateBackupSets(list({root / "fullA", root / "pages"}));
  REQUIRE(validated.isOk());
  CHECK_FALSE(validated->valid());
  const std::string a = "generations " + std::to_string(fullA.start) + "-" + std::to_string(fullA.end);
  const std::string b = "generations " + std::to_string(fullB.start) + "-" + std::to_string(fullB.end);
  CHECK(hasProblem(*validated, JetError::InvalidBackupSequence, a));
  CHECK(hasProblem(*validated, JetError::InvalidBackupSequence, b));
  auto refused = restore::restore(list({root / "fullA", root / "pages"}), root / "targetA", {});
  REQUIRE_FALSE(refused.isOk());
  CHECK(refused.status().code() == JetError::InvalidBackupSequence);
  MESSAGE(refused.status().toString());
  CHECK(emptyOrMissing(root / "targetA"));

  auto report = restore::restore(list({root / "fullB", root / "pages"}), root / "targetB", {});
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  CHECK(readRestored(root / "targetB") == atPages);
  work.shutdown();
}

TEST_CASE("a flipped byte in a .pages file: validate names it, restore refuses it") {
  const fs::path root = freshDir("restore_pages_damaged");
  Workload work(root / "instance");
  work.run(150);
  fullBackup(work, root / "full");
  work.run(30);
  REQUIRE(work.instance->checkpoint().isOk());  // the changes reach the file: several tracked pages
  pagesBackup(work, root / "pages");
  work.shutdown();

  const fs::path damaged = copySet(root / "pages", root / "damaged");
  const std::string name = pagesFileOf(damaged);
  std::vector<uint8_t> bytes = readFile(damaged / name);
  auto layout = backup::parsePagesFile(bytes, name);
  REQUIRE(layout.isOk());
  REQUIRE(layout->pages.size() >= 2);
  const uint32_t pgno = layout->pages[1];
  bytes[static_cast<size_t>(layout->imageOffset(1) + 200)] ^= 0x24;  // two bits: not correctable
  writeFile(damaged / name, bytes);

  auto validated = restore::validateBackupSets(list({root / "full", damaged}));
  REQUIRE(validated.isOk());
  CHECK_FALSE(validated->valid());
  CHECK(hasProblem(*validated, JetError::ReadVerifyFailure, "XXH3-128"));
  CHECK(hasProblem(*validated, JetError::ReadVerifyFailure, "page " + std::to_string(pgno) + " "));
  for (const auto& problem : validated->problems) MESSAGE(problem.status().toString());
  auto refused = restore::restore(list({root / "full", damaged}), root / "target", {});
  REQUIRE_FALSE(refused.isOk());
  CHECK(refused.status().code() == JetError::ReadVerifyFailure);
  CHECK(emptyOrMissing(root / "target"));

  // A truncated pages file is named as such.
  const fs::path cut = copySet(root / "pages", root / "cut");
  const std::vector<uint8_t> whole = readFile(cut / name);
  REQUIRE(whole.size() > 100);
  writeFile(cut / name, std::vector<uint8_t>(whole.begin(), whole.begin() + static_cast<long>(whole.size() - 100)));
  auto truncated = restore::validateBackupSets(list({root / "full", cut}));
  REQUIRE(truncated.isOk());
  CHECK(hasProblem(*truncated, JetError::ReadVerifyFailure, "truncated"));
}
