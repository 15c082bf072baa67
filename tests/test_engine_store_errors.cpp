// DatabaseStore on damaged input: corrected and uncorrectable checksum
// errors, pages read from the wrong place, redo records whose dbtimeBefore
// does not match the page (log-records.md §4), records it cannot redo, a
// full disk, and file-level errors.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/resource.h>

#include <cstring>
#include <string>

#include "corpus.h"
#include "engine_store_support.h"

using namespace esekit;
using namespace esekit::engine;
using namespace esekit::engine::store;
using esekit::test::RecordingSink;

namespace {

// Byte equality without std::vector::operator== (GCC 12 -O3 warns falsely on its memcmp).
bool same(Bytes a, Bytes b) { return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0); }

std::vector<uint8_t> keyOf(int i) {
  std::vector<uint8_t> key{'k', static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
  return key;
}
std::vector<uint8_t> dataOf(int i, size_t size = 40) { return std::vector<uint8_t>(size, static_cast<uint8_t>(i)); }

struct Fixture {
  std::filesystem::path dir;
  std::filesystem::path path;
  std::filesystem::path emptyCopy;
  RecordingSink sink;
  TreeRoot tree;
  uint32_t pageSize;

  Fixture(const std::string& name, uint32_t size, int rows) : pageSize(size) {
    dir = esekit::test::tempDir(name);
    path = dir / "db.edb";
    emptyCopy = dir / "empty.edb";
    StoreOptions options;
    options.path = path;
    options.pageSize = pageSize;
    options.log = &sink;
    auto store = DatabaseStore::create(options, esekit::test::createParameters());
    REQUIRE_MESSAGE(store.isOk(), store.status().toString());
    std::filesystem::copy_file(path, emptyCopy);
    auto created = (*store)->createTree(1, 1, (*store)->newObjectId(), TreeKind::Table, OperationContext{});
    REQUIRE(created.isOk());
    tree = *created;
    for (int i = 0; i < rows; ++i) REQUIRE((*store)->insert(tree, keyOf(i), dataOf(i), OperationContext{}).isOk());
    REQUIRE((*store)->flush().isOk());
  }

  std::unique_ptr<DatabaseStore> open(bool readOnly = true, const std::filesystem::path& file = {}) {
    StoreOptions options;
    options.path = file.empty() ? path : file;
    options.pageSize = pageSize;
    options.readOnly = readOnly;
    options.log = readOnly ? nullptr : &sink;
    auto store = DatabaseStore::open(options);
    REQUIRE_MESSAGE(store.isOk(), store.status().toString());
    return std::move(*store);
  }
  uint64_t pageOffset(uint32_t pgno) const { return (uint64_t{pgno} + 1) * pageSize; }
};

}  // namespace

TEST_CASE("a single flipped bit is corrected on read, two are ReadVerifyFailure naming the page") {
  for (const uint32_t pageSize : {4096u, 8192u, 16384u, 32768u}) {
    CAPTURE(pageSize);
    Fixture f("store-bitflip-" + std::to_string(pageSize), pageSize, 20);  // one leaf: the root
    esekit::test::flipBit(f.path, f.pageOffset(f.tree.rootPage) + 300, 5);
    {
      auto store = f.open();
      auto found = store->find(f.tree, keyOf(7));
      REQUIRE_MESSAGE(found.isOk(), found.status().toString());
      REQUIRE(found->has_value());
      CHECK(same(**found, dataOf(7)));
      CHECK(store->correctedPages() == 1);
    }
    esekit::test::flipBit(f.path, f.pageOffset(f.tree.rootPage) + 301, 2);  // now two bits in one block
    auto store = f.open();
    auto found = store->find(f.tree, keyOf(7));
    REQUIRE_FALSE(found.isOk());
    CHECK(found.status().code() == JetError::ReadVerifyFailure);
    CHECK(found.status().message().find("page " + std::to_string(f.tree.rootPage) + " ") != std::string::npos);
    CHECK(found.status().message().find("db.edb") != std::string::npos);
  }
}

TEST_CASE("a page read from another page's place is ReadPgnoVerifyFailure") {
  for (const uint32_t pageSize : {8192u, 16384u}) {
    CAPTURE(pageSize);
    Fixture f("store-pgno-" + std::to_string(pageSize), pageSize, 20);
    // Copy the (valid) page 4 over the table's root.
    std::vector<uint8_t> file = esekit::test::readFile(f.path);
    std::memcpy(file.data() + f.pageOffset(f.tree.rootPage), file.data() + f.pageOffset(4), pageSize);
    {
      std::FILE* out = std::fopen(f.path.c_str(), "wb");
      REQUIRE(out);
      REQUIRE(std::fwrite(file.data(), 1, file.size(), out) == file.size());
      std::fclose(out);
    }
    auto store = f.open();
    auto found = store->find(f.tree, keyOf(1));
    REQUIRE_FALSE(found.isOk());
    CHECK(found.status().code() == JetError::ReadPgnoVerifyFailure);
    CHECK(found.status().message().find("page " + std::to_string(f.tree.rootPage)) != std::string::npos);
  }
}

TEST_CASE("redo: dbtimeBefore above the page's dbtime is DbTimeTooOld, below it DbTimeTooNew") {
  Fixture f("store-dbtime", 8192, 5);
  // Find the first Insert record; everything before it is redone normally.
  size_t insertAt = 0;
  for (; insertAt < f.sink.records.size(); ++insertAt)
    if (f.sink.records[insertAt][0] == static_cast<uint8_t>(LogRecordType::Insert)) break;
  REQUIRE(insertAt < f.sink.records.size());
  for (const int64_t shift : {+3, -1}) {
    CAPTURE(shift);
    const auto copy = f.dir / ("copy" + std::to_string(shift) + ".edb");
    std::filesystem::copy_file(f.emptyCopy, copy);
    auto store = f.open(false, copy);
    for (size_t i = 0; i < insertAt; ++i) {
      auto record = decodeLogRecord(f.sink.records[i]);
      REQUIRE(record.isOk());
      REQUIRE(store->redo(*record, f.sink.positions[i]).isOk());
    }
    std::vector<uint8_t> bytes = f.sink.records[insertAt];
    const int64_t before = loadLittleEndian<int64_t>(bytes.data() + 16);  // LRPAGE_ dbtimeBefore, §3.1
    storeLittleEndian<int64_t>(bytes.data() + 16, before + shift);
    auto record = decodeLogRecord(bytes);
    REQUIRE(record.isOk());
    auto effect = store->redo(*record, f.sink.positions[insertAt]);
    REQUIRE_FALSE(effect.isOk());
    CHECK(effect.status().code() == (shift > 0 ? JetError::DbTimeTooOld : JetError::DbTimeTooNew));
    const uint32_t pgno = loadLittleEndian<uint32_t>(bytes.data() + 4);
    CHECK(effect.status().message().find("page " + std::to_string(pgno)) != std::string::npos);
    CHECK(effect.status().message().find(std::to_string(before + shift)) != std::string::npos);
    // The untouched record still applies.
    auto good = decodeLogRecord(f.sink.records[insertAt]);
    REQUIRE(good.isOk());
    auto applied = store->redo(*good, f.sink.positions[insertAt]);
    REQUIRE_MESSAGE(applied.isOk(), applied.status().toString());
    CHECK(applied->applied);
    REQUIRE(applied->tree.has_value());
    CHECK(applied->tree->rootPage == f.tree.rootPage);
    CHECK(same(applied->key, keyOf(0)));
  }
}

TEST_CASE("redo: undo images and records the store does not redo") {
  Fixture f("store-redo-effects", 8192, 3);
  auto store = f.open(false);
  OperationContext context;
  REQUIRE(store->replace(f.tree, keyOf(1), dataOf(9, 60), context).isOk());
  REQUIRE(store->erase(f.tree, keyOf(2), context).isOk());
  const size_t replaceAt = f.sink.records.size() - 2;
  REQUIRE(store->flush().isOk());
  store.reset();

  const auto copy = f.dir / "copy.edb";
  std::filesystem::copy_file(f.emptyCopy, copy);
  auto redone = f.open(false, copy);
  for (size_t i = 0; i < f.sink.records.size(); ++i) {
    auto record = decodeLogRecord(f.sink.records[i]);
    REQUIRE(record.isOk());
    auto effect = redone->redo(*record, f.sink.positions[i]);
    REQUIRE_MESSAGE(effect.isOk(), effect.status().toString());
    if (i == replaceAt) {  // Replace: key and the data before it
      CHECK(effect->applied);
      CHECK(same(effect->key, keyOf(1)));
      REQUIRE(effect->dataBefore.has_value());
      CHECK(same(*effect->dataBefore, dataOf(1)));
    } else if (i == replaceAt + 1) {  // Delete
      CHECK(same(effect->key, keyOf(2)));
      REQUIRE(effect->dataBefore.has_value());
      CHECK(same(*effect->dataBefore, dataOf(2)));
    }
  }
  auto rows = redone->first(f.tree);
  REQUIRE(rows.isOk());
  CHECK(same((*rows)->data, dataOf(0)));

  NodeRecordPrefix node;
  node.page.dbid = 1;
  node.page.pgno = f.tree.rootPage;
  node.page.dbtime = 1000000;
  const std::vector<uint8_t> bookmark{1, 2};
  const LogRecord delta = makeDelta(node, bookmark, {}, 5, 0);
  auto effect = redone->redo(delta, LogPosition{7, 3, 9});
  REQUIRE_FALSE(effect.isOk());
  CHECK(effect.status().code() == JetError::InvalidLoggedOperation);
  CHECK(effect.status().message().find("Delta") != std::string::npos);
  CHECK(effect.status().message().find(LogPosition{7, 3, 9}.toString()) != std::string::npos);
  // Transaction records are not page records: nothing to do, no error.
  auto begin = redone->redo(makeBegin0(1, 5), LogPosition{});
  REQUIRE(begin.isOk());
  CHECK_FALSE(begin->pageRecord);
}

TEST_CASE("file errors: existing file, page size, full disk") {
  Fixture f("store-file-errors", 8192, 3);
  StoreOptions options;
  options.path = f.path;
  options.pageSize = 8192;
  options.log = &f.sink;
  auto again = DatabaseStore::create(options, esekit::test::createParameters());
  REQUIRE_FALSE(again.isOk());
  CHECK(again.status().code() == JetError::DatabaseDuplicate);
  options.pageSize = 4096;
  auto mismatch = DatabaseStore::open(options);
  REQUIRE_FALSE(mismatch.isOk());
  CHECK(mismatch.status().code() == JetError::PageSizeMismatch);
  options.path = f.dir / "missing.edb";
  auto missing = DatabaseStore::open(options);
  REQUIRE_FALSE(missing.isOk());
  CHECK(missing.status().code() == JetError::FileNotFound);

  // A file size limit makes the page writes fail with EFBIG: DiskFull naming
  // the file, and the pages stay dirty.
  auto store = f.open(false);
  for (int i = 100; i < 3000; ++i) REQUIRE(store->insert(f.tree, keyOf(i), dataOf(i, 300), OperationContext{}).isOk());
  const uint64_t size = f.pageOffset(f.tree.rootPage);  // the table's pages lie beyond
  const auto previous = ::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  rlimit limited = old;
  limited.rlim_cur = size;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
  const Status flushed = store->flush();
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, previous);
  CHECK(flushed.code() == JetError::DiskFull);
  CHECK(flushed.message().find("db.edb") != std::string::npos);
  CHECK(store->dirtyPages() > 0);
  REQUIRE(store->flush().isOk());
  CHECK(store->dirtyPages() == 0);
  auto found = store->find(f.tree, keyOf(2999));
  REQUIRE(found.isOk());
  CHECK(same(**found, dataOf(2999, 300)));
}
