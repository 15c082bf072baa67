// TableStore on an in-memory DatabaseStore (tests/engine_table_support.h):
// the catalog rows it writes against the bulk writer's (which match
// esent.dll's, test_engine_database_writer_corpus.cpp), rows against a
// std::map model, long-value nodes, seeks, and the errors of createTable /
// deleteTable / row operations. The same behaviour on real files is in
// test_engine_table_store.cpp.
#include <doctest/doctest.h>

#include <sys/mman.h>

#include "corpus.h"
#include "engine_table_support.h"
#include "interop/database_fixtures.h"
#include "esekit/engine/database.h"
#include "esekit/engine/database_writer.h"
#include "esekit/engine/key_normalization.h"
#include "esekit/format/record.h"

using namespace esekit;
using engine::SeekMode;
using engine::table::TableInfo;
using engine::table::TableStore;

namespace {

const engine::store::OperationContext kContext{};

std::vector<uint8_t> v(std::initializer_list<uint8_t> bytes) { return bytes; }

struct Fixture {
  explicit Fixture(uint32_t pageSize = 8192, std::vector<engine::TableContents> initial = {}) {
    engine::DatabaseWriterOptions options;
    options.pageSize = pageSize;
    auto written = engine::writeDatabase(options, initial);
    REQUIRE_MESSAGE(written.isOk(), written.status().toString());
    image = written->file;
    store = test::MemoryStore::fromImage(image, pageSize, written->lastObjectId);
    reload();
  }
  void reload() {
    auto loaded = TableStore::load(*store);
    REQUIRE_MESSAGE(loaded.isOk(), loaded.status().toString());
    tables = std::move(*loaded);
  }
  TableInfo create(const std::string& name) {
    auto info = tables->createTable(name, kContext);
    REQUIRE_MESSAGE(info.isOk(), info.status().toString());
    return *info;
  }
  std::vector<uint8_t> image;
  std::unique_ptr<test::MemoryStore> store;
  std::unique_ptr<TableStore> tables;
};

// Catalog trees of a database: MSysObjects, Name, RootObjects, Shadow, MSysObjids.
struct CatalogTrees {
  test::ByteMap catalog, name, rootObjects, shadow, objids;
  bool operator==(const CatalogTrees&) const = default;
};

CatalogTrees catalogTrees(const test::MemoryStore& store) {
  return {*store.tree(2, 4), *store.tree(4, 7), *store.tree(5, 10), *store.tree(3, 24), *store.tree(6, 29)};
}

// The rows of one table (by objid) as decoded catalog records, keyed like the tree.
std::map<std::vector<uint8_t>, table::CatalogRecord, test::KeyOrder> rowsOf(const test::ByteMap& catalog, uint32_t objid) {
  std::map<std::vector<uint8_t>, table::CatalogRecord, test::KeyOrder> rows;
  for (const auto& [key, data] : catalog) {
    auto row = table::parseCatalogRecord(data, false);
    REQUIRE(row.isOk());
    if (row->objidTable == objid) rows[key] = *row;
  }
  return rows;
}

void put(TableStore& tables, const TableInfo& info, test::RowModel& model, const std::vector<uint8_t>& key,
         const std::vector<uint8_t>& value) {
  const bool exists = model.count(key) != 0;
  const Status status = exists ? tables.replaceRow(info, key, value, kContext) : tables.insertRow(info, key, value, kContext);
  REQUIRE_MESSAGE(status.isOk(), status.toString());
  model[key] = value;
}

void checkAgainstModel(TableStore& tables, const TableInfo& info, const test::RowModel& model) {
  const test::RowModel read = test::readAll(tables, info);
  CHECK(read.size() == model.size());
  CHECK(read == model);
  for (const auto& [key, value] : model) {
    auto got = tables.getRow(info, key);
    REQUIRE(got.isOk());
    REQUIRE(got->has_value());
    CHECK(**got == value);
  }
}

}  // namespace

TEST_CASE("an empty database lists no user tables but knows the system table names") {
  Fixture f;
  CHECK(f.tables->tables().empty());
  CHECK_FALSE(f.tables->find("MSysObjects"));
  for (const char* name : {"MSysObjects", "msysobjectsshadow", "MSYSOBJIDS", "MSysLocales"}) {
    auto created = f.tables->createTable(name, kContext);
    CHECK(created.status().code() == JetError::TableDuplicate);
  }
}

TEST_CASE("createTable writes the catalog rows the bulk writer writes for the same table") {
  for (uint32_t pageSize : {4096u, 32768u}) {
    CAPTURE(pageSize);
    // Reference: the bulk writer with one table "Data" with a separated value
    // (so it has the LV row and the MSysObjids LV row), objid 8, LV objid 9.
    const std::vector<uint8_t> key{1, 2, 3};
    const std::vector<uint8_t> big = test::patternBytes(5000, 1);
    const engine::TableRow row{key, Bytes(big)};
    const engine::TableContents contents{"Data", std::span(&row, 1)};
    engine::DatabaseWriterOptions options;
    options.pageSize = pageSize;
    auto written = engine::writeDatabase(options, std::span(&contents, 1));
    REQUIRE(written.isOk());
    auto reference = test::MemoryStore::fromImage(written->file, pageSize, written->lastObjectId);

    Fixture f(pageSize);
    const TableInfo info = f.create("Data");
    CHECK(info.objectId == 8);
    CHECK_FALSE(info.longValues);
    REQUIRE(f.tables->insertRow(info, key, big, kContext).isOk());
    const TableInfo after = *f.tables->find("data");
    REQUIRE(after.longValues);
    CHECK(after.longValues->objectId == 9);

    const CatalogTrees ours = catalogTrees(*f.store), theirs = catalogTrees(*reference);
    // Name and RootObjects entries (key -> catalog key) and MSysObjids rows
    // hold no page numbers: byte-identical.
    CHECK(ours.name == theirs.name);
    CHECK(ours.rootObjects == theirs.rootObjects);
    CHECK(ours.objids == theirs.objids);
    CHECK(ours.shadow == ours.catalog);
    // Catalog records: the same rows under the same keys; they differ only in
    // FDP page numbers, the initial-pages hint, and the primary index's KeyMost.
    auto mine = rowsOf(ours.catalog, 8), expected = rowsOf(theirs.catalog, 8);
    REQUIRE(mine.size() == 5);  // table, Key, Value, PrimaryKey, LV
    REQUIRE(expected.size() == 5);
    for (auto& [k, row] : mine) {
      REQUIRE(expected.count(k) == 1);
      table::CatalogRecord other = expected.at(k);
      if (row.type == 1 || row.type == 3) {
        CHECK(row.coltypOrPgnoFdp == info.tree.rootPage);
        other.coltypOrPgnoFdp = row.coltypOrPgnoFdp;
      }
      if (row.type == 4) {
        CHECK(row.coltypOrPgnoFdp == after.longValues->rootPage);
        other.coltypOrPgnoFdp = row.coltypOrPgnoFdp;
      }
      if (row.type == 1) {
        CHECK(row.pagesOrLocale == 0);
        other.pagesOrLocale = 0;
      }
      if (row.type == 3) {
        // 255-byte keys normalize to 289 bytes (§7.2): never truncated.
        CHECK(row.keyMost == std::optional<uint16_t>(289));
        CHECK_FALSE(other.keyMost);
        other.keyMost = row.keyMost;
      }
      CHECK(row.name == other.name);
      CHECK(row.type == other.type);
      CHECK(row.id == other.id);
      CHECK(row.coltypOrPgnoFdp == other.coltypOrPgnoFdp);
      CHECK(row.spaceUsage == other.spaceUsage);
      CHECK(row.flags == other.flags);
      CHECK(row.pagesOrLocale == other.pagesOrLocale);
      CHECK(row.recordOffset == other.recordOffset);
      CHECK(row.keyMost == other.keyMost);
      CHECK(row.keyFieldIds == other.keyFieldIds);
    }
    // The LV tree lives in the table's space (space-trees.md §6.1); the data
    // record and LV nodes are the writer's, byte for byte.
    CHECK(f.store->parents.at(9) == 8);
    CHECK(f.store->parents.at(8) == 1);
    const auto& writtenTable = written->tables[0];
    CHECK(*f.store->tree(9, after.longValues->rootPage) == *reference->tree(9, writtenTable.longValueRoot));
    const test::ByteMap& data = *f.store->tree(8, info.tree.rootPage);
    REQUIRE(data.size() == 1);
    CHECK(data == *reference->tree(8, writtenTable.rootPage));
  }
}

TEST_CASE("long values: LV root and chunks per LID, replaced and erased with their row") {
  Fixture f(4096);
  const TableInfo info = f.create("T");
  const std::vector<uint8_t> key{7};
  REQUIRE(f.tables->insertRow(info, key, test::patternBytes(1023, 1), kContext).isOk());
  CHECK_FALSE(f.tables->find("T")->longValues);  // intrinsic: no LV tree yet
  REQUIRE(f.tables->replaceRow(info, key, test::patternBytes(1024, 2), kContext).isOk());
  const auto lv = f.tables->find("T")->longValues;
  REQUIRE(lv);
  const test::ByteMap* tree = f.store->tree(lv->objectId, lv->rootPage);
  REQUIRE(tree != nullptr);
  // LID 1: root {1 reference, 1024 bytes} and one chunk at offset 0.
  REQUIRE(tree->size() == 2);
  CHECK(tree->begin()->first == std::vector<uint8_t>{0, 0, 0, 1});
  CHECK(tree->begin()->second == std::vector<uint8_t>{1, 0, 0, 0, 0, 4, 0, 0});
  CHECK(std::next(tree->begin())->first == std::vector<uint8_t>{0, 0, 0, 1, 0, 0, 0, 0});
  CHECK(std::next(tree->begin())->second == test::patternBytes(1024, 2));

  // 100 KiB on 4 KiB pages: LID 2, 26 chunks of 4014 bytes (§8.2), LID 1 gone.
  const std::vector<uint8_t> big = test::patternBytes(100 * 1024, 3);
  REQUIRE(f.tables->replaceRow(info, key, big, kContext).isOk());
  CHECK(tree->size() == 1 + (big.size() + 4013) / 4014);
  CHECK(tree->begin()->first == std::vector<uint8_t>{0, 0, 0, 2});
  CHECK(tree->rbegin()->first == std::vector<uint8_t>{0, 0, 0, 2, 0, 0x01, 0x87, 0xFE});  // 25 * 4014 = 0x187FE
  CHECK(**f.tables->getRow(info, key) == big);
  // The record holds LID 2 with the separated bit (§8.4).
  const test::ByteMap& data = *f.store->tree(info.objectId, info.tree.rootPage);
  auto view = record::parseRecord(data.begin()->second, false);
  REQUIRE(view.isOk());
  const record::TaggedColumn* value = view->findTagged(256);
  REQUIRE(value != nullptr);
  CHECK(value->header == (record::tagged_header::kLongValue | record::tagged_header::kSeparated));
  CHECK(std::vector<uint8_t>(value->data.begin(), value->data.end()) == std::vector<uint8_t>{2, 0, 0, 0});

  REQUIRE(f.tables->replaceRow(info, key, v({}), kContext).isOk());
  CHECK(tree->empty());
  CHECK(**f.tables->getRow(info, key) == std::vector<uint8_t>{});
  REQUIRE(f.tables->replaceRow(info, key, big, kContext).isOk());
  CHECK(tree->begin()->first == std::vector<uint8_t>{0, 0, 0, 3});  // LIDs are not reused
  REQUIRE(f.tables->eraseRow(info, key, kContext).isOk());
  CHECK(tree->empty());
  CHECK(data.empty());

  // After a reload the next LID continues after the largest in the tree.
  REQUIRE(f.tables->insertRow(info, v({1}), big, kContext).isOk());
  f.reload();
  REQUIRE(f.tables->insertRow(info, v({2}), big, kContext).isOk());
  const test::ByteMap* reloaded = f.store->tree(lv->objectId, lv->rootPage);
  CHECK(reloaded->rbegin()->first[3] == 5);
}

TEST_CASE("three tables against a std::map model, through replace, erase and reload") {
  Fixture f(8192);
  std::vector<TableInfo> infos{f.create("Alpha"), f.create("beta"), f.create("Gamma-3")};
  std::vector<test::RowModel> models(3);
  const size_t valueSizes[] = {0, 1, 1023, 1024, 5000, 100 * 1024};
  uint64_t seed = 1;
  for (size_t t = 0; t < 3; ++t) {
    for (size_t keySize = 1; keySize <= 255; keySize += (t == 0 ? 1 : 7)) {
      std::vector<uint8_t> key = test::patternBytes(keySize, seed++);
      key[0] = static_cast<uint8_t>(keySize);  // distinct keys
      put(*f.tables, infos[t], models[t], key, test::patternBytes(valueSizes[keySize % 6], seed++));
    }
  }
  for (size_t t = 0; t < 3; ++t) checkAgainstModel(*f.tables, infos[t], models[t]);

  // Replace every third row (changing between intrinsic and separated), erase every fifth.
  for (size_t t = 0; t < 3; ++t) {
    size_t i = 0;
    std::vector<std::vector<uint8_t>> erase;
    for (auto& [key, value] : models[t]) {
      if (i % 3 == 0) {
        std::vector<uint8_t> fresh = test::patternBytes(valueSizes[(i / 3) % 6], seed++);
        REQUIRE(f.tables->replaceRow(infos[t], key, fresh, kContext).isOk());
        value = fresh;
      }
      if (i % 5 == 0) erase.push_back(key);
      ++i;
    }
    for (const auto& key : erase) {
      REQUIRE(f.tables->eraseRow(infos[t], key, kContext).isOk());
      models[t].erase(key);
    }
  }
  for (size_t t = 0; t < 3; ++t) checkAgainstModel(*f.tables, infos[t], models[t]);

  f.reload();
  REQUIRE(f.tables->tables().size() == 3);
  for (size_t t = 0; t < 3; ++t) {
    const auto info = f.tables->find(infos[t].name);
    REQUIRE(info);
    CHECK(info->tree.rootPage == infos[t].tree.rootPage);
    checkAgainstModel(*f.tables, *info, models[t]);
  }
}

TEST_CASE("seekRow follows user-key order (memcmp, shorter first) in every mode") {
  Fixture f;
  const TableInfo info = f.create("S");
  test::RowModel model;
  // Keys that stress the group encoding: prefixes of each other, zero bytes, 8-byte boundaries.
  std::vector<std::vector<uint8_t>> keys;
  for (size_t n = 1; n <= 20; ++n) {
    keys.push_back(std::vector<uint8_t>(n, 0));
    keys.push_back(std::vector<uint8_t>(n, 0xFF));
    std::vector<uint8_t> k(n, 'a');
    k.back() = 'b';
    keys.push_back(k);
  }
  for (size_t i = 0; i < keys.size(); ++i) put(*f.tables, info, model, keys[i], test::patternBytes(i, i));
  std::vector<std::vector<uint8_t>> probes = keys;
  probes.push_back({0x7F});
  probes.push_back({'a'});
  probes.push_back(std::vector<uint8_t>(255, 0xFF));
  for (const auto& probe : probes) {
    CAPTURE(test::hexOf(probe));
    auto expect = [&](SeekMode mode) -> std::optional<std::vector<uint8_t>> {
      auto it = model.end();
      switch (mode) {
        case SeekMode::Equal: it = model.find(probe); break;
        case SeekMode::GreaterOrEqual: it = model.lower_bound(probe); break;
        case SeekMode::Greater: it = model.upper_bound(probe); break;
        case SeekMode::LessOrEqual:
          it = model.upper_bound(probe);
          it = it == model.begin() ? model.end() : std::prev(it);
          break;
        case SeekMode::Less:
          it = model.lower_bound(probe);
          it = it == model.begin() ? model.end() : std::prev(it);
          break;
      }
      if (it == model.end()) return std::nullopt;
      return it->first;
    };
    for (SeekMode mode : {SeekMode::Equal, SeekMode::GreaterOrEqual, SeekMode::Greater, SeekMode::LessOrEqual, SeekMode::Less}) {
      CAPTURE(static_cast<int>(mode));
      auto row = f.tables->seekRow(info, probe, mode);
      REQUIRE(row.isOk());
      const auto expected = expect(mode);
      REQUIRE(row->has_value() == expected.has_value());
      if (expected) {
        CHECK((*row)->key == *expected);
        CHECK((*row)->value == model.at(*expected));
      }
    }
  }
  CHECK((*f.tables->firstRow(info))->key == model.begin()->first);
  CHECK((*f.tables->lastRow(info))->key == model.rbegin()->first);
}

TEST_CASE("row errors: duplicates, missing rows, key sizes, unknown tables") {
  Fixture f;
  const TableInfo info = f.create("E");
  const std::vector<uint8_t> key{1, 2};
  REQUIRE(f.tables->insertRow(info, key, v({9}), kContext).isOk());
  CHECK(f.tables->insertRow(info, key, test::patternBytes(5000, 1), kContext).code() == JetError::KeyDuplicate);
  CHECK_FALSE(f.tables->find("E")->longValues);  // the refused insert wrote no long value
  CHECK(f.tables->replaceRow(info, v({1}), v({1}), kContext).code() == JetError::RecordNotFound);
  CHECK(f.tables->eraseRow(info, v({1}), kContext).code() == JetError::RecordNotFound);
  CHECK(f.tables->insertRow(info, v({}), v({1}), kContext).code() == JetError::InvalidParameter);
  CHECK(f.tables->insertRow(info, std::vector<uint8_t>(256, 1), v({1}), kContext).code() == JetError::KeyTooBig);
  CHECK(f.tables->insertRow(info, std::vector<uint8_t>(255, 1), v({1}), kContext).isOk());
  CHECK(f.tables->getRow(info, std::vector<uint8_t>(256, 1)).status().code() == JetError::KeyTooBig);
  CHECK_FALSE(f.tables->getRow(info, v({1}))->has_value());
  // 255-byte keys differing only in the last byte are distinct rows (KeyMost 289).
  std::vector<uint8_t> a(255, 0x55), b(255, 0x55);
  b.back() = 0x56;
  REQUIRE(f.tables->insertRow(info, a, v({1}), kContext).isOk());
  REQUIRE(f.tables->insertRow(info, b, v({2}), kContext).isOk());
  CHECK(**f.tables->getRow(info, a) == std::vector<uint8_t>{1});
  CHECK(**f.tables->getRow(info, b) == std::vector<uint8_t>{2});
  TableInfo ghost = info;
  ghost.objectId = 999;
  CHECK(f.tables->insertRow(ghost, v({1}), v({1}), kContext).code() == JetError::ObjectNotFound);
  CHECK(f.tables->getRow(ghost, v({1})).status().code() == JetError::ObjectNotFound);
}

TEST_CASE("createTable names: InvalidName, TableDuplicate without case; deleteTable then re-create") {
  Fixture f;
  const CatalogTrees initial = catalogTrees(*f.store);
  for (const std::string& bad : {std::string(), std::string(65, 'x'), std::string(" lead"), std::string("a.b"),
                                 std::string("a!b"), std::string("[x]"), std::string("tab\there")}) {
    CAPTURE(bad);
    CHECK(f.tables->createTable(bad, kContext).status().code() == JetError::InvalidName);
  }
  CHECK(f.tables->createTable(std::string(64, 'x'), kContext).isOk());
  const TableInfo info = f.create("Orders");
  CHECK(f.tables->createTable("ORDERS", kContext).status().code() == JetError::TableDuplicate);
  CHECK(f.tables->createTable("orders", kContext).status().code() == JetError::TableDuplicate);
  REQUIRE(f.tables->insertRow(info, v({1}), test::patternBytes(70000, 5), kContext).isOk());
  const auto lv = f.tables->find("Orders")->longValues;
  REQUIRE(lv);

  CHECK(f.tables->deleteTable("nope", kContext).code() == JetError::ObjectNotFound);
  CHECK(f.tables->deleteTable("MSysObjects", kContext).code() == JetError::InvalidParameter);
  REQUIRE(f.tables->deleteTable(std::string(64, 'x'), kContext).isOk());
  REQUIRE(f.tables->deleteTable("oRdErS", kContext).isOk());
  // Every catalog row, index entry, shadow row and MSysObjids row is gone, and both trees.
  CHECK(catalogTrees(*f.store) == initial);
  CHECK(f.store->tree(info.objectId, info.tree.rootPage) == nullptr);
  CHECK(f.store->tree(lv->objectId, lv->rootPage) == nullptr);
  CHECK(f.tables->tables().empty());
  CHECK(f.tables->insertRow(info, v({1}), v({1}), kContext).code() == JetError::ObjectNotFound);

  const TableInfo again = f.create("Orders");
  CHECK(again.objectId > lv->objectId);  // objids are never reused
  CHECK(test::readAll(*f.tables, again).empty());
  REQUIRE(f.tables->insertRow(again, v({1}), v({2}), kContext).isOk());
  f.reload();
  CHECK(test::readAll(*f.tables, *f.tables->find("orders")).size() == 1);
}

TEST_CASE("tables the bulk writer made are read, written and deleted") {
  test::GeneratedTable generated;
  generated.name = "Bulk";
  for (size_t i = 0; i < 50; ++i) {
    std::vector<uint8_t> key{static_cast<uint8_t>(i), 1};
    generated.keys.push_back(key);
    generated.values.push_back(test::patternBytes(i == 3 ? 9000 : i, i));
    generated.isNull.push_back(false);
  }
  for (size_t i = 0; i < 50; ++i) generated.rows.push_back({generated.keys[i], Bytes(generated.values[i])});
  Fixture f(8192, {generated.contents()});
  const auto info = f.tables->find("bulk");
  REQUIRE(info);
  REQUIRE(info->longValues);
  test::RowModel model;
  for (size_t i = 0; i < 50; ++i) model[generated.keys[i]] = generated.values[i];
  checkAgainstModel(*f.tables, *info, model);
  // New LIDs continue after the writer's (LID 1).
  put(*f.tables, *info, model, v({200}), test::patternBytes(3000, 7));
  const test::ByteMap* lv = f.store->tree(info->longValues->objectId, info->longValues->rootPage);
  CHECK(lv->rbegin()->first[3] == 2);
  put(*f.tables, *info, model, generated.keys[3], v({1}));
  checkAgainstModel(*f.tables, *info, model);
  REQUIRE(f.tables->deleteTable("Bulk", kContext).isOk());
  CHECK(f.tables->tables().empty());
}

TEST_CASE("tables of other schemas are listed but their rows are refused (corpus basic.edb)") {
  auto path = test::corpusFile("dissect-esedb/basic.edb");
  if (!path) return;
  const std::vector<uint8_t> file = test::readFile(*path);
  auto store = test::MemoryStore::fromImage(file, 4096, 8);
  auto tables = TableStore::load(*store);
  REQUIRE_MESSAGE(tables.isOk(), tables.status().toString());
  REQUIRE((*tables)->tables().size() == 1);
  const TableInfo info = (*tables)->tables()[0];
  CHECK(info.name == "basic");
  CHECK((*tables)->getRow(info, v({1})).status().code() == JetError::FeatureNotAvailable);
  CHECK((*tables)->insertRow(info, v({1}), v({1}), kContext).code() == JetError::FeatureNotAvailable);
  CHECK((*tables)->createTable("BASIC", kContext).status().code() == JetError::TableDuplicate);
}

TEST_CASE("decodeRecord turns a logged data-tree node back into the user's row") {
  Fixture f;
  const TableInfo info = f.create("U");
  const std::vector<uint8_t> big = test::patternBytes(20000, 4);
  REQUIRE(f.tables->insertRow(info, v({5, 6}), big, kContext).isOk());
  REQUIRE(f.tables->insertRow(info, v({7}), v({1, 2, 3}), kContext).isOk());
  const test::ByteMap& data = *f.store->tree(info.objectId, info.tree.rootPage);
  REQUIRE(data.size() == 2);
  auto separated = f.tables->decodeRecord(info, data.begin()->first, data.begin()->second);
  REQUIRE_MESSAGE(separated.isOk(), separated.status().toString());
  CHECK(separated->key == v({5, 6}));
  CHECK(separated->value == big);
  auto intrinsic = f.tables->decodeRecord(info, data.rbegin()->first, data.rbegin()->second);
  REQUIRE(intrinsic.isOk());
  CHECK(intrinsic->key == v({7}));
  CHECK(intrinsic->value == v({1, 2, 3}));
  // A record under another row's key is corruption, not a row.
  CHECK(f.tables->decodeRecord(info, data.begin()->first, data.rbegin()->second).status().code() ==
        JetError::DatabaseCorrupted);
  CHECK(f.tables->decodeRecord(info, data.begin()->first, v({1, 2})).status().code() == JetError::DatabaseCorrupted);
}

TEST_CASE("a value over 1 GiB is RecordTooBig and writes nothing") {
  Fixture f;
  const TableInfo info = f.create("Big");
  // Address space only: the size is refused before a byte is read.
  const size_t size = engine::kMaxValueSize + 1;
  void* memory = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  REQUIRE(memory != MAP_FAILED);
  const Bytes huge(static_cast<const uint8_t*>(memory), size);
  const uint64_t before = f.store->operations;
  CHECK(f.tables->insertRow(info, v({1}), huge, kContext).code() == JetError::RecordTooBig);
  REQUIRE(f.tables->insertRow(info, v({1}), v({1}), kContext).isOk());
  CHECK(f.tables->replaceRow(info, v({1}), huge, kContext).code() == JetError::RecordTooBig);
  CHECK(f.store->operations == before + 1);
  munmap(memory, size);
}

TEST_CASE("deleting a table of another schema removes its catalog rows and all its trees (corpus binary.edb)") {
  auto path = test::corpusFile("dissect-esedb/binary.edb");
  if (!path) return;
  const std::vector<uint8_t> file = test::readFile(*path);
  auto store = test::MemoryStore::fromImage(file, 4096, 9);
  const size_t trees = store->treeCount();
  auto tables = TableStore::load(*store);
  REQUIRE(tables.isOk());
  const auto info = (*tables)->find("binary");
  REQUIRE(info);
  REQUIRE(info->longValues);
  REQUIRE((*tables)->deleteTable("binary", kContext).isOk());
  CHECK(store->treeCount() == trees - 2);  // the table and its LV tree
  for (const auto& [key, data] : *store->tree(2, 4)) {
    auto row = table::parseCatalogRecord(data, false);
    REQUIRE(row.isOk());
    CHECK(row->objidTable != 8);
  }
  CHECK(store->tree(6, 29)->size() == 6);  // MSysObjids: the system rows only
  auto reloaded = TableStore::load(*store);
  REQUIRE(reloaded.isOk());
  CHECK((*reloaded)->tables().empty());
}
