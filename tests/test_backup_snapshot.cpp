// The snapshot shim's Linux path (backup/include/esekit/backup/snapshot.h,
// engine/include/esekit/engine/snapshot_support.h): freeze semantics, the
// freeze timeout, snapshot -> backup -> restore under writers, truncation
// only on complete(true), the copy fallback when FICLONE is unavailable.
#include <sys/statfs.h>

#include <cstring>

#include "snapshot_test_support.h"

namespace esekit::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("a commit started during the freeze returns only after the thaw") {
  const fs::path root = freshDir("snapshot-freeze");
  TestInstance t = openTestInstance(root);
  REQUIRE(commitBatches(t, 0, 0, 5).isOk());
  auto point = engine::freezeWrites(*t.instance, 10s);
  REQUIRE_MESSAGE(point.isOk(), point.status().toString());
  CHECK(engine::writesFrozen(*t.instance));
  // A second freeze and a second thaw are ordering errors.
  auto again = engine::freezeWrites(*t.instance, 10s);
  CHECK(again.status().code() == JetError::OSSnapshotInvalidSequence);
  std::atomic<bool> returned{false};
  Status committed;
  std::thread writer([&] {
    committed = commitBatches(t, 0, 5, 1);
    returned = true;
  });
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(returned.load());
  // Checkpoints wait too.
  std::atomic<bool> checkpointed{false};
  std::thread checkpointer([&] {
    (void)t.instance->checkpoint();
    checkpointed = true;
  });
  std::this_thread::sleep_for(100ms);
  CHECK_FALSE(checkpointed.load());
  CHECK(engine::thawWrites(*t.instance).isOk());
  writer.join();
  checkpointer.join();
  CHECK(returned.load());
  CHECK_MESSAGE(committed.isOk(), committed.toString());
  CHECK(engine::thawWrites(*t.instance).code() == JetError::OSSnapshotInvalidSequence);
  CHECK(t.instance->shutdown().isOk());
}

TEST_CASE("a freeze that outlives its timeout thaws itself and fails with OSSnapshotTimeOut") {
  const fs::path root = freshDir("snapshot-timeout");
  TestInstance t = openTestInstance(root);
  REQUIRE(commitBatches(t, 0, 0, 5).isOk());
  SUBCASE("engine freeze") {
    auto point = engine::freezeWrites(*t.instance, 250ms);
    REQUIRE(point.isOk());
    const auto started = std::chrono::steady_clock::now();
    // Nobody thaws: the commit goes through once the timeout has elapsed.
    REQUIRE(commitBatches(t, 0, 5, 1).isOk());
    const auto waited = std::chrono::steady_clock::now() - started;
    CHECK(waited >= 200ms);
    CHECK_FALSE(engine::writesFrozen(*t.instance));
    Status thawed = engine::thawWrites(*t.instance);
    CHECK(thawed.code() == JetError::OSSnapshotTimeOut);
  }
  SUBCASE("snapshot: thaw reports the timeout, complete(true) refuses, nothing truncated") {
    fillLogs(t);
    backup::SnapshotOptions options;
    options.directory = root / "snap";
    options.freezeTimeout = 100ms;
    options.duringFreeze = [] { std::this_thread::sleep_for(300ms); };
    auto snapshot = backup::makeLinuxSnapshot(options);
    REQUIRE(snapshot->prepare(*t.instance).isOk());
    REQUIRE(snapshot->freeze().isOk());
    CHECK(snapshot->thaw().code() == JetError::OSSnapshotTimeOut);
    CHECK(snapshot->complete(true).code() == JetError::OSSnapshotInvalidSequence);
    snapshot.reset();
    CHECK(generationOnDisk(t.logs, 1));
    CHECK_FALSE(fs::exists(root / "snap"));
  }
  CHECK(t.instance->shutdown().isOk());
}

TEST_CASE("snapshot calls out of order are OSSnapshotInvalidSequence; one snapshot per instance") {
  const fs::path root = freshDir("snapshot-sequence");
  TestInstance t = openTestInstance(root);
  backup::SnapshotOptions options;
  options.directory = root / "snap";
  auto snapshot = backup::makeLinuxSnapshot(options);
  CHECK(snapshot->freeze().code() == JetError::OSSnapshotInvalidSequence);
  CHECK(snapshot->thaw().code() == JetError::OSSnapshotInvalidSequence);
  REQUIRE(snapshot->prepare(*t.instance).isOk());
  CHECK(snapshot->thaw().code() == JetError::OSSnapshotInvalidSequence);
  CHECK(snapshot->complete(true).code() == JetError::OSSnapshotInvalidSequence);
  backup::SnapshotOptions second = options;
  second.directory = root / "snap2";
  auto other = backup::makeLinuxSnapshot(second);
  CHECK(other->prepare(*t.instance).code() == JetError::OSSnapshotNotAllowed);
  // A regular backup cannot start either while the snapshot is prepared.
  auto full = backup::backup(*t.instance, root / "full", createPathsOptions());
  CHECK(full.status().code() == JetError::BackupInProgress);
  backup::SnapshotOptions incremental = options;
  incremental.type = backup::BackupType::Incremental;
  incremental.directory = root / "snap3";
  CHECK(backup::makeLinuxSnapshot(incremental)->prepare(*t.instance).code() == JetError::InvalidGrbit);
  snapshot.reset();
  CHECK(t.instance->shutdown().isOk());
}

// The model at the freeze: `atFreeze` = batches whose commit had returned
// when the freeze began; `settled` = the same a little later, still frozen.
// A commit logged just before the freeze may return during it (its log was
// flushed by the freeze), so a thread may have one batch more than at the
// freeze; nothing that returned during the freeze may be missing, and no
// commit can start and finish while frozen.
void checkStateAtFreeze(const std::map<uint8_t, uint32_t>& restored, const std::vector<uint32_t>& atFreeze,
                        const std::vector<uint32_t>& settled) {
  for (size_t i = 0; i < atFreeze.size(); ++i) {
    auto found = restored.find(static_cast<uint8_t>(i));
    const uint32_t got = found == restored.end() ? 0 : found->second;
    CHECK_MESSAGE((got >= settled[i] && got <= atFreeze[i] + 1), "thread ", i, ": restored ", got, " batches, ",
                  atFreeze[i], " had returned at the freeze, ", settled[i], " during it");
  }
}

void snapshotUnderWriters(bool reflink, const std::string& name, const fs::path& base) {
  const fs::path root = base / name;
  fs::remove_all(root);
  fs::create_directories(root);
  TestInstance t = openTestInstance(root);
  fillLogs(t);
  std::vector<uint32_t> atFreeze, settled;
  std::unique_ptr<backup::SnapshotSource> snapshot;
  {
    Writers writers(t, 4);
    std::this_thread::sleep_for(150ms);
    backup::SnapshotOptions options;
    options.directory = root / "snap";
    options.reflink = reflink;
    options.duringFreeze = [&] {
      atFreeze = writers.snapshot();
      std::this_thread::sleep_for(50ms);
      settled = writers.snapshot();
      for (size_t i = 0; i < settled.size(); ++i) CHECK(settled[i] <= atFreeze[i] + 1);
    };
    snapshot = backup::makeLinuxSnapshot(options);
    REQUIRE(snapshot->prepare(*t.instance).isOk());
    Status frozen = snapshot->freeze();
    REQUIRE_MESSAGE(frozen.isOk(), frozen.toString());
    REQUIRE(snapshot->thaw().isOk());
    std::this_thread::sleep_for(150ms);
    writers.stop();
    REQUIRE_MESSAGE(writers.error().empty(), writers.error());
    const auto after = writers.snapshot();
    uint32_t progressed = 0;
    for (size_t i = 0; i < after.size(); ++i) progressed += after[i] - atFreeze[i];
    CHECK(progressed > 0);  // the writers went on after the thaw
  }
  const backup::SnapshotDescription& d = snapshot->description();
  if (!reflink) CHECK(d.method == "copy");
  MESSAGE(name, ": snapshot method ", d.method, ", generations ", d.stamp.startGeneration, "-", d.stamp.endGeneration);
  CHECK(d.stamp.startGeneration > 1);
  CHECK(d.files.front().kind == backup::FileKind::Database);
  CHECK(d.files.back().current);
  for (const backup::SnapshotFile& file : d.files) CHECK(fs::file_size(file.snapshot) == file.size);

  backup::BackupOptions options;
  options.createPaths = true;
  auto made = backup::backupFromSnapshot(d, root / "backup", options);
  REQUIRE_MESSAGE(made.isOk(), made.status().toString());
  CHECK_FALSE(made->logsTruncated);
  // Not truncated until complete(true).
  CHECK(generationOnDisk(t.logs, 1));
  const int32_t start = d.stamp.startGeneration;
  const fs::path snapDir = d.location;
  REQUIRE(snapshot->complete(true).isOk());
  CHECK_FALSE(generationOnDisk(t.logs, 1));
  CHECK_FALSE(generationOnDisk(t.logs, start - 1));
  CHECK(generationOnDisk(t.logs, start));
  CHECK_FALSE(fs::exists(snapDir));
  CHECK(t.instance->shutdown().isOk());
  // The header's full slot now names the snapshot's range.
  CHECK(fullSlotOnDisk(t.database).generationLow == static_cast<uint32_t>(start));
  checkStateAtFreeze(restoreSnapshotBackup(root / "backup", root / "restored"), atFreeze, settled);
}

TEST_CASE("snapshot under 4 writer threads -> backup -> restore = the state at the freeze; complete truncates") {
  snapshotUnderWriters(true, "reflink-or-copy", freshDir("snapshot-writers"));
}

TEST_CASE("FICLONE fallback: tmpfs (no reflink) and a forced copy give the same result") {
  snapshotUnderWriters(false, "forced-copy", freshDir("snapshot-copy"));
  struct statfs info {};
  if (::statfs("/dev/shm", &info) == 0 && info.f_type == 0x01021994 /* TMPFS_MAGIC */) {
    const fs::path shm = fs::path("/dev/shm") / ("esekit-snapshot-" + std::to_string(::getpid()));
    snapshotUnderWriters(true, "tmpfs", shm);
    fs::remove_all(shm);
  } else {
    MESSAGE("SKIPPED: /dev/shm is not tmpfs, the EOPNOTSUPP fallback ran only as the forced copy");
  }
}

TEST_CASE("an abandoned snapshot never truncates nor records a backup") {
  const fs::path root = freshDir("snapshot-abandon");
  TestInstance t = openTestInstance(root);
  fillLogs(t);
  SUBCASE("destroyed without complete") {
    backup::SnapshotOptions options;
    options.directory = root / "snap";
    auto snapshot = backup::makeLinuxSnapshot(options);
    REQUIRE(snapshot->prepare(*t.instance).isOk());
    REQUIRE(snapshot->freeze().isOk());
    REQUIRE(snapshot->thaw().isOk());
    auto made = backup::backupFromSnapshot(snapshot->description(), root / "backup", createPathsOptions());
    REQUIRE(made.isOk());
    snapshot.reset();
  }
  SUBCASE("complete(false), destroyed while frozen") {
    backup::SnapshotOptions options;
    options.directory = root / "snap";
    auto snapshot = backup::makeLinuxSnapshot(options);
    REQUIRE(snapshot->prepare(*t.instance).isOk());
    REQUIRE(snapshot->freeze().isOk());
    REQUIRE(snapshot->thaw().isOk());
    CHECK(snapshot->complete(false).isOk());
    auto frozen = backup::makeLinuxSnapshot(options);
    REQUIRE(frozen->prepare(*t.instance).isOk());
    REQUIRE(frozen->freeze().isOk());
    frozen.reset();  // thaws
    CHECK_FALSE(engine::writesFrozen(*t.instance));
  }
  CHECK(generationOnDisk(t.logs, 1));
  CHECK_FALSE(fs::exists(root / "snap"));
  // Writes go on.
  CHECK(commitBatches(t, 1, 0, 3).isOk());
  CHECK(t.instance->shutdown().isOk());
  CHECK(fullSlotOnDisk(t.database).generationLow == 0);
}

TEST_CASE("a damaged or altered snapshot file fails the backup, the destination is not created") {
  const fs::path root = freshDir("snapshot-damage");
  TestInstance t = openTestInstance(root);
  REQUIRE(commitBatches(t, 0, 0, 50).isOk());
  REQUIRE(t.instance->checkpoint().isOk());
  backup::SnapshotOptions options;
  options.directory = root / "snap";
  auto snapshot = backup::makeLinuxSnapshot(options);
  REQUIRE(snapshot->prepare(*t.instance).isOk());
  REQUIRE(snapshot->freeze().isOk());
  REQUIRE(snapshot->thaw().isOk());
  backup::SnapshotDescription d = snapshot->description();
  const backup::SnapshotFile& database = d.files.front();
  REQUIRE(database.kind == backup::FileKind::Database);
  // Flip bytes in page 3 (offset (3 + 1) * pageSize + 100) of the frozen copy.
  const uint64_t offset = uint64_t{4} * database.pageSize + 100;
  {
    std::FILE* f = std::fopen(database.snapshot.c_str(), "r+b");
    REQUIRE(f != nullptr);
    std::fseek(f, static_cast<long>(offset), SEEK_SET);
    const uint8_t junk[4] = {0xde, 0xad, 0xbe, 0xef};
    std::fwrite(junk, 1, sizeof junk, f);
    std::fclose(f);
  }
  auto made = backup::backupFromSnapshot(d, root / "backup", createPathsOptions());
  REQUIRE_FALSE(made.isOk());
  CHECK(made.status().code() == JetError::ReadVerifyFailure);
  CHECK_MESSAGE(made.status().message().find("page 3") != std::string::npos, made.status().toString());
  CHECK_FALSE(fs::exists(root / "backup"));
  // With the hash of the undamaged file listed (a transported document), the
  // alteration is caught by the hash first.
  REQUIRE(backup::hashSnapshotFiles(d).isOk());
  d.files.front().hash->low ^= 1;
  auto altered = backup::backupFromSnapshot(d, root / "backup", createPathsOptions());
  CHECK(altered.status().code() == JetError::ReadVerifyFailure);
  CHECK_MESSAGE(altered.status().message().find("altered") != std::string::npos, altered.status().toString());
  REQUIRE(snapshot->complete(false).isOk());
  CHECK(t.instance->shutdown().isOk());
}

}  // namespace
}  // namespace esekit::test
