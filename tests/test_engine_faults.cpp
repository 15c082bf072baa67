// Bad input and faults (issue 3), through the public API:
//  - logs recovery needs: a generation deleted from the middle ->
//    JET_errMissingLogFile naming it; a log of another stream dropped in ->
//    JET_errBadLogSignature; both change no file (hashes before/after), and
//    putting the right file back lets recovery finish;
//  - a dirty database attached without recovery -> JET_errDatabaseInconsistent;
//  - a database page with one flipped bit reads correctly (corrected); with two
//    the read fails with JET_errReadVerifyFailure naming the page, never
//    returning wrong data;
//  - a full disk (a small tmpfs in a user namespace; skipped visibly when not
//    permitted): the workload runs until JET_errLogDiskFull / JET_errDiskFull,
//    then shutdown succeeds or recovery on reopen gives the committed rows;
//  - wrong page size -> JET_errPageSizeMismatch; a second Instance::open of
//    the same log directory -> JET_errFileAccessDenied (in-process and from
//    another process).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstring>
#include <cctype>

#include "corpus.h"
#include "e2e/engine_harness.h"
#include "esekit/format/checkpoint.h"
#include "esekit/format/page.h"

using namespace esekit;
using namespace esekit::test;
using engine::Durability;

namespace {

ByteString rowKey(uint32_t n) {
  return {'k', static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8),
          static_cast<uint8_t>(n)};
}

ByteString rowValue(uint32_t n, size_t size) {
  Random random(n * 2654435761ull + size);
  ByteString v(size);
  random.fill(v);
  return v;
}

engine::InstanceOptions optionsFor(const fs::path& root, uint32_t pageSize = 8192) {
  engine::InstanceOptions o;
  o.logDirectory = root / "logs";
  o.pageSize = pageSize;
  o.logFileSize = 64 * 1024;
  o.checkpointDepth = 1ull << 30;  // no automatic checkpoint: recovery needs every log
  return o;
}

// Creates a database with `rows` rows of `size` bytes and shuts down cleanly.
TableModel createClean(const fs::path& root, uint32_t rows, size_t size, uint32_t pageSize = 8192) {
  auto instance = engine::Instance::open(optionsFor(root, pageSize));
  REQUIRE_MESSAGE(instance.isOk(), instance.status().toString());
  auto db = (*instance)->createDatabase(root / "faults.edb");
  REQUIRE_MESSAGE(db.isOk(), db.status().toString());
  auto table = db->createTable("Rows");
  REQUIRE(table.isOk());
  auto session = (*instance)->beginSession();
  REQUIRE(session.isOk());
  TableModel model;
  REQUIRE((*session)->begin().isOk());
  for (uint32_t n = 0; n < rows; ++n) {
    const ByteString value = rowValue(n, size);
    REQUIRE((*session)->insert(*table, rowKey(n), value).isOk());
    model[rowKey(n)] = std::make_shared<const ByteString>(value);
  }
  REQUIRE((*session)->commit().isOk());
  session->reset();
  REQUIRE((*instance)->shutdown().isOk());
  return model;
}

// A child creates a database and commits `commits` durable transactions of
// 2 KiB rows, then leaves without shutdown: the log spans many 64 KiB
// generations after the checkpoint.
TableModel createDirty(const fs::path& root, uint32_t commits) {
  const int status = runInChild([&]() -> int {
    auto instance = engine::Instance::open(optionsFor(root));
    if (!instance.isOk()) childFail(instance.status().toString());
    auto db = (*instance)->createDatabase(root / "faults.edb");
    if (!db.isOk()) childFail(db.status().toString());
    auto table = db->createTable("Rows");
    if (!table.isOk()) childFail(table.status().toString());
    auto session = (*instance)->beginSession();
    if (!session.isOk()) childFail("session");
    for (uint32_t c = 0; c < commits; ++c) {
      Status st = (*session)->begin();
      for (uint32_t r = 0; r < 4 && st.isOk(); ++r) st = (*session)->insert(*table, rowKey(c * 4 + r), rowValue(c * 4 + r, 2000));
      if (st.isOk()) st = (*session)->commit(Durability::Durable);
      if (!st.isOk()) childFail(st.toString());
    }
    ::_exit(0);
  });
  REQUIRE(status == 0);
  TableModel model;
  for (uint32_t n = 0; n < commits * 4; ++n) model[rowKey(n)] = std::make_shared<const ByteString>(rowValue(n, 2000));
  return model;
}

// edbXXXXX.log generations present (hex names, log-format.md §2).
std::vector<std::pair<uint32_t, fs::path>> archivedLogs(const fs::path& dir) {
  std::vector<std::pair<uint32_t, fs::path>> logs;
  for (const auto& entry : fs::directory_iterator(dir)) {
    // edb + 5..8 hex digits + .log (std::regex trips GCC 12's -Wmaybe-uninitialized under ASan)
    const std::string file = entry.path().filename().string();
    if (file.size() < 12 || file.size() > 15 || file.compare(0, 3, "edb") != 0 ||
        file.compare(file.size() - 4, 4, ".log") != 0)
      continue;
    const std::string digits = file.substr(3, file.size() - 7);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
      continue;
    logs.emplace_back(std::stoul(digits, nullptr, 16), entry.path());
  }
  std::sort(logs.begin(), logs.end());
  return logs;
}

uint32_t checkpointGeneration(const fs::path& chk) {
  const std::vector<uint8_t> bytes = readFile(chk);
  auto checkpoint = parseCheckpoint(bytes);
  REQUIRE_MESSAGE(checkpoint.isOk(), checkpoint.status().toString());
  return static_cast<uint32_t>(checkpoint->checkpoint.generation);
}

void checkTable(engine::Instance& instance, const fs::path& database, const TableModel& model, const std::string& when) {
  auto db = instance.database(database);
  if (!db.isOk()) db = instance.attachDatabase(database);
  REQUIRE_MESSAGE(db.isOk(), when << ": " << db.status().toString());
  auto table = db->openTable("Rows");
  REQUIRE(table.isOk());
  auto session = instance.beginSession();
  REQUIRE(session.isOk());
  auto rows = readTable(**session, *table);
  REQUIRE_MESSAGE(rows.isOk(), when << ": " << rows.status().toString());
  CHECK_MESSAGE(compareRows(model, *rows) == "", when << ": " << compareRows(model, *rows));
}

bool namesGeneration(const std::string& message, uint32_t generation, const fs::path& file) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "%X", generation);
  return message.find(file.filename().string()) != std::string::npos ||
         message.find("generation " + std::to_string(generation)) != std::string::npos ||
         message.find("generation 0x" + std::string(hex)) != std::string::npos;
}

}  // namespace

TEST_CASE("logs recovery needs: missing generation, foreign log, dirty database attach") {
  const fs::path root = tempDir("faults-logs");
  const TableModel model = createDirty(root, 120);
  const fs::path logs = root / "logs";
  auto state = databaseState(root / "faults.edb");
  REQUIRE(state.isOk());
  CHECK(*state == DatabaseState::DirtyShutdown);

  // A dirty database attached to another instance without its logs.
  {
    const fs::path other = tempDir("faults-dirty-attach");
    fs::copy_file(root / "faults.edb", other / "copy.edb");
    auto instance = engine::Instance::open(optionsFor(other));
    REQUIRE(instance.isOk());
    auto db = (*instance)->attachDatabase(other / "copy.edb");
    CHECK(db.status().code() == JetError::DatabaseInconsistent);
    MESSAGE(db.status().toString());
    REQUIRE((*instance)->shutdown().isOk());
  }

  const uint32_t checkpoint = checkpointGeneration(logs / "edb.chk");
  const auto archived = archivedLogs(logs);
  MESSAGE("checkpoint at generation " << checkpoint << ", " << archived.size() << " archived generations");
  std::vector<std::pair<uint32_t, fs::path>> needed;
  for (const auto& log : archived)
    if (log.first > checkpoint) needed.push_back(log);
  REQUIRE_MESSAGE(needed.size() >= 3, "the workload should span several generations after the checkpoint");
  const auto [generation, victim] = needed[needed.size() / 2];
  CAPTURE(generation);
  const std::vector<uint8_t> original = readFile(victim);

  SUBCASE("a generation deleted from the middle") {
    fs::remove(victim);
    const auto before = directoryHashes(root);
    auto instance = engine::Instance::open(optionsFor(root));
    REQUIRE(!instance.isOk());
    CHECK(instance.status().code() == JetError::MissingLogFile);
    CHECK_MESSAGE(namesGeneration(instance.status().message(), generation, victim), instance.status().toString());
    MESSAGE(instance.status().toString());
    CHECK(directoryHashes(root) == before);
  }
  SUBCASE("a log of another stream dropped in") {
    // Another instance writes a stream that reaches the same generation.
    const fs::path other = tempDir("faults-other-stream");
    {
      auto instance = engine::Instance::open(optionsFor(other));
      REQUIRE(instance.isOk());
      auto db = (*instance)->createDatabase(other / "other.edb");
      REQUIRE(db.isOk());
      auto table = db->createTable("Rows");
      REQUIRE(table.isOk());
      auto session = (*instance)->beginSession();
      REQUIRE(session.isOk());
      for (uint32_t n = 0; (*instance)->stats().currentGeneration <= generation + 1 && n < 100000; ++n)
        REQUIRE((*session)->put(*table, rowKey(n), rowValue(n, 3000)).isOk());
      session->reset();
      REQUIRE((*instance)->shutdown().isOk());
    }
    const fs::path foreign = other / "logs" / victim.filename();
    REQUIRE(fs::exists(foreign));
    fs::copy_file(foreign, victim, fs::copy_options::overwrite_existing);
    const auto before = directoryHashes(root);
    auto instance = engine::Instance::open(optionsFor(root));
    REQUIRE(!instance.isOk());
    CHECK(instance.status().code() == JetError::BadLogSignature);
    MESSAGE(instance.status().toString());
    CHECK(directoryHashes(root) == before);
  }
  // The right file back: recovery completes with every durable commit.
  {
    std::ofstream out(victim, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(original.data()), static_cast<std::streamsize>(original.size()));
  }
  auto instance = engine::Instance::open(optionsFor(root));
  REQUIRE_MESSAGE(instance.isOk(), instance.status().toString());
  CHECK((*instance)->recovery().ran);
  checkTable(**instance, root / "faults.edb", model, "after recovery");
  REQUIRE((*instance)->shutdown().isOk());
}

TEST_CASE("a flipped bit in a leaf page is corrected; two give JET_errReadVerifyFailure naming the page") {
  const fs::path root = tempDir("faults-bits");
  const uint32_t pageSize = 8192;
  const TableModel model = createClean(root, 600, 300, pageSize);
  const fs::path database = root / "faults.edb";

  // Find a leaf page of the table (not its root) in the clean file.
  uint32_t objectId = 0;
  {
    auto instance = engine::Instance::open(optionsFor(root));
    REQUIRE(instance.isOk());
    auto db = (*instance)->attachDatabase(database);
    REQUIRE(db.isOk());
    objectId = db->openTable("Rows")->objectId();
    REQUIRE((*instance)->shutdown().isOk());
  }
  const std::vector<uint8_t> clean = readFile(database);
  // A leaf in the middle of the table, so that a walk reads rows before it.
  std::vector<uint32_t> leaves;
  for (uint32_t pgno = 1; (uint64_t{pgno} + 2) * pageSize <= clean.size(); ++pgno) {
    const Bytes bytes(clean.data() + (uint64_t{pgno} + 1) * pageSize, pageSize);
    auto view = page::parsePage(bytes);
    if (!view.isOk()) continue;
    if (view->header.objectId == objectId && view->header.has(page::flag::Leaf) && !view->header.has(page::flag::Root) &&
        view->nodes.size() > 5)
      leaves.push_back(pgno);
  }
  REQUIRE_MESSAGE(leaves.size() >= 3, "the table should have several leaf pages");
  const std::optional<uint32_t> leaf = leaves[leaves.size() / 2];
  CAPTURE(*leaf);
  const uint64_t pageStart = (uint64_t{*leaf} + 1) * pageSize;

  auto writeFlipped = [&](std::initializer_list<uint32_t> offsets) {
    std::vector<uint8_t> damaged = clean;
    for (uint32_t offset : offsets) damaged[pageStart + offset] ^= 0x08;
    std::ofstream out(database, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(damaged.data()), static_cast<std::streamsize>(damaged.size()));
  };

  SUBCASE("one bit: corrected, every row reads right") {
    writeFlipped({pageSize / 2});
    auto instance = engine::Instance::open(optionsFor(root));
    REQUIRE(instance.isOk());
    checkTable(**instance, database, model, "one flipped bit");
    auto db = (*instance)->database(database);
    REQUIRE(db.isOk());
    auto table = db->openTable("Rows");
    auto session = (*instance)->beginSession();
    for (const auto& [key, value] : model) {
      auto got = (*session)->get(*table, key);
      REQUIRE_MESSAGE(got.isOk(), got.status().toString());
      CHECK((got->has_value() && **got == *value));
    }
    session->reset();
    REQUIRE((*instance)->shutdown().isOk());
  }
  SUBCASE("two bits: JET_errReadVerifyFailure naming the page, never wrong data") {
    writeFlipped({pageSize / 2, pageSize / 2 + 97});
    auto instance = engine::Instance::open(optionsFor(root));
    REQUIRE(instance.isOk());
    auto db = (*instance)->attachDatabase(database);
    REQUIRE_MESSAGE(db.isOk(), db.status().toString());
    auto table = db->openTable("Rows");
    REQUIRE(table.isOk());
    auto session = (*instance)->beginSession();
    REQUIRE(session.isOk());
    // A full walk stops with the error; every row before it is right.
    auto cursor = (*session)->openCursor(*table);
    REQUIRE(cursor.isOk());
    auto expected = model.begin();
    Status st = cursor->first();
    size_t good = 0;
    while (st.isOk()) {
      REQUIRE(expected != model.end());
      CHECK(ByteString(cursor->key().begin(), cursor->key().end()) == expected->first);
      CHECK(ByteString(cursor->value().begin(), cursor->value().end()) == *expected->second);
      ++expected;
      ++good;
      st = cursor->next();
    }
    CHECK_MESSAGE(st.code() == JetError::ReadVerifyFailure, st.toString());
    CHECK_MESSAGE(st.message().find(std::to_string(*leaf)) != std::string::npos, st.toString());
    CHECK(good > 0);  // rows of the pages before the damaged one
    CHECK(good < model.size());
    // Point reads: right value or the error, never another value.
    size_t failures = 0;
    for (const auto& [key, value] : model) {
      auto got = (*session)->get(*table, key);
      if (!got.isOk()) {
        CHECK(got.status().code() == JetError::ReadVerifyFailure);
        ++failures;
      } else {
        CHECK((got->has_value() && **got == *value));
      }
    }
    CHECK(failures > 0);
    MESSAGE("walk stopped after " << good << " rows: " << st.toString() << "; " << failures << " point reads failed");
    session->reset();
    (void)(*instance)->shutdown();
  }
}

TEST_CASE("attach with the wrong page size fails with JET_errPageSizeMismatch") {
  const fs::path root = tempDir("faults-page-size");
  createClean(root, 10, 100, 8192);
  for (uint32_t pageSize : {4096u, 16384u, 32768u}) {
    CAPTURE(pageSize);
    const fs::path other = tempDir("faults-page-size-" + std::to_string(pageSize));
    auto instance = engine::Instance::open(optionsFor(other, pageSize));
    REQUIRE(instance.isOk());
    auto db = (*instance)->attachDatabase(root / "faults.edb");
    CHECK(db.status().code() == JetError::PageSizeMismatch);
    REQUIRE((*instance)->shutdown().isOk());
  }
  CHECK(*databaseState(root / "faults.edb") == DatabaseState::CleanShutdown);
}

TEST_CASE("a second Instance::open of the same log directory fails with JET_errFileAccessDenied") {
  const fs::path root = tempDir("faults-second-open");
  auto first = engine::Instance::open(optionsFor(root));
  REQUIRE(first.isOk());
  auto second = engine::Instance::open(optionsFor(root));
  CHECK(second.status().code() == JetError::FileAccessDenied);
  // From another process too.
  const int status = runInChild([&]() -> int {
    auto other = engine::Instance::open(optionsFor(root));
    if (other.isOk()) return 1;
    return other.status().code() == JetError::FileAccessDenied ? 0 : 2;
  });
  CHECK(status == 0);
  REQUIRE((*first)->shutdown().isOk());
  first->reset();
  auto again = engine::Instance::open(optionsFor(root));
  CHECK_MESSAGE(again.isOk(), again.status().toString());
  if (again.isOk()) CHECK((*again)->shutdown().isOk());
}

namespace {

// In a child: a user + mount namespace with a 3 MiB tmpfs at `dir`.
// Returns false (with the reason in `why`) when not permitted.
bool mountSmallTmpfs(const fs::path& dir, std::string& why) {
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
    why = std::string("unshare: ") + std::strerror(errno);
    return false;
  }
  auto writeText = [](const char* path, const std::string& text) {
    const int fd = ::open(path, O_WRONLY);
    if (fd < 0) return false;
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
  };
  writeText("/proc/self/setgroups", "deny");
  if (!writeText("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n") ||
      !writeText("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n")) {
    why = "uid/gid map";
    return false;
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    why = std::string("mount private: ") + std::strerror(errno);
    return false;
  }
  if (::mount("esekit-test", dir.c_str(), "tmpfs", 0, "size=3m") != 0) {
    why = std::string("mount tmpfs: ") + std::strerror(errno);
    return false;
  }
  return true;
}

constexpr int kSkipped = 77;

int fullDiskChild(const fs::path& dir) {
  std::string why;
  if (!mountSmallTmpfs(dir, why)) {
    std::fprintf(stderr, "full disk: %s\n", why.c_str());
    return kSkipped;
  }
  engine::InstanceOptions o = optionsFor(dir);
  o.checkpointDepth = 256 * 1024;
  o.circularLogging = true;
  TableModel model;
  Status failure;
  {
    auto instance = engine::Instance::open(o);
    if (!instance.isOk()) childFail("open: " + instance.status().toString());
    auto db = (*instance)->createDatabase(dir / "full.edb");
    if (!db.isOk()) childFail("create: " + db.status().toString());
    auto table = db->createTable("Rows");
    if (!table.isOk()) childFail("table: " + table.status().toString());
    auto session = (*instance)->beginSession();
    for (uint32_t c = 0; c < 100000 && failure.isOk(); ++c) {
      TableModel pending;
      Status st = (*session)->begin();
      for (uint32_t r = 0; r < 8 && st.isOk(); ++r) {
        const uint32_t n = c * 8 + r;
        st = (*session)->insert(*table, rowKey(n), rowValue(n, 3000));
        pending[rowKey(n)] = std::make_shared<const ByteString>(rowValue(n, 3000));
      }
      if (st.isOk()) st = (*session)->commit(Durability::Durable);
      if (st.isOk()) {
        model.insert(pending.begin(), pending.end());
      } else {
        failure = st;
        if ((*session)->inTransaction()) (void)(*session)->rollback();
      }
    }
    std::fprintf(stderr, "full disk: stopped after %zu rows: %s\n", model.size(), failure.toString().c_str());
    if (failure.code() != JetError::LogDiskFull && failure.code() != JetError::DiskFull)
      childFail("the workload did not end with a full disk: " + failure.toString());
    session->reset();
    const Status down = (*instance)->shutdown();
    std::fprintf(stderr, "full disk: shutdown: %s\n", down.isOk() ? "ok" : down.toString().c_str());
  }
  // Clean or recovered, the reopened instance has exactly the committed rows.
  auto instance = engine::Instance::open(o);
  if (!instance.isOk()) childFail("reopen: " + instance.status().toString());
  std::fprintf(stderr, "full disk: reopen, recovery %s\n", (*instance)->recovery().ran ? "ran" : "not needed");
  auto db = (*instance)->database(dir / "full.edb");
  if (!db.isOk()) db = (*instance)->attachDatabase(dir / "full.edb");
  if (!db.isOk()) childFail("attach: " + db.status().toString());
  auto table = db->openTable("Rows");
  auto session = (*instance)->beginSession();
  auto rows = readTable(**session, *table);
  if (!rows.isOk()) childFail("read: " + rows.status().toString());
  const std::string diff = compareRows(model, *rows);
  if (!diff.empty()) childFail("after the full disk: " + diff);
  session->reset();
  (void)(*instance)->shutdown();
  return 0;
}

}  // namespace

TEST_CASE("a full disk stops the workload with JET_errLogDiskFull/JET_errDiskFull and loses no commit") {
  const fs::path dir = tempDir("faults-full-disk");
  const int status = runInChild([&]() -> int { return fullDiskChild(dir); });
  if (status == kSkipped) {
    MESSAGE("SKIPPED (no user namespace / tmpfs mount permitted here): full-disk test");
    return;
  }
  CHECK_MESSAGE(status == 0, "full-disk child failed with status " << status << " (see its output above)");
}
