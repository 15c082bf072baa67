// TableStore on real database files (DatabaseStore): tables, rows and long
// values against a std::map model, through flush and reopen, and the file
// read back by the format readers (verifyDatabaseImage, readCatalog +
// forEachRow, checkIntegrity) for every page size.
#include <doctest/doctest.h>

#include <chrono>

#include "corpus.h"
#include "engine_table_support.h"
#include "esekit/format/integrity.h"
#include "esekit/format/page_verify.h"
#include "esekit/format/table.h"
#include "interop/database_fixtures.h"

using namespace esekit;
using engine::SeekMode;
using engine::table::TableInfo;
namespace fs = std::filesystem;

namespace {

const engine::store::OperationContext kContext{};

std::vector<uint8_t> v(std::initializer_list<uint8_t> bytes) { return bytes; }

struct Tables {
  std::vector<std::string> names;
  std::vector<test::RowModel> models;
};

void put(engine::table::TableStore& tables, const std::string& name, test::RowModel& model, const std::vector<uint8_t>& key,
         const std::vector<uint8_t>& value) {
  const auto info = tables.find(name);
  REQUIRE(info);
  const bool exists = model.count(key) != 0;
  const Status status = exists ? tables.replaceRow(*info, key, value, kContext) : tables.insertRow(*info, key, value, kContext);
  REQUIRE_MESSAGE(status.isOk(), status.toString());
  model[key] = value;
}

void checkModel(engine::table::TableStore& tables, const std::string& name, const test::RowModel& model) {
  const auto info = tables.find(name);
  REQUIRE(info);
  const test::RowModel read = test::readAll(tables, *info);
  CHECK(read.size() == model.size());
  CHECK(read == model);
  for (const auto& [key, value] : model) {
    auto got = tables.getRow(*info, key);
    REQUIRE_MESSAGE(got.isOk(), got.status().toString());
    REQUIRE(got->has_value());
    CHECK(**got == value);
  }
}

// The file through the format readers only.
void checkFile(const std::vector<uint8_t>& file, uint32_t pageSize, const Tables& expected) {
  const page::DatabaseImageReport pages = page::verifyDatabaseImage(file, pageSize);
  CHECK_MESSAGE(pages.clean(), "damaged pages: " << pages.damagedPages() << " first: "
                                                 << (pages.problems.empty() ? std::string() : pages.problems[0].status().toString()));

  table::DatabaseImage image{file, pageSize};
  auto catalog = table::readCatalog(image);
  REQUIRE_MESSAGE(catalog.isOk(), catalog.status().toString());
  size_t userTables = 0;
  for (const table::Table& t : catalog->tables) userTables += (t.flags & 0x80000000u) ? 0 : 1;
  CHECK(userTables == expected.names.size());
  for (size_t i = 0; i < expected.names.size(); ++i) {
    CAPTURE(expected.names[i]);
    const table::Table* t = catalog->find(expected.names[i]);
    REQUIRE(t != nullptr);
    test::RowModel read;
    const Status status = table::forEachRow(image, *t, [&](const table::Row& row) {
      const table::ColumnValue* key = row.find(128);
      const table::ColumnValue* value = row.find(256);
      if (key == nullptr || value == nullptr) return Status(JetError::DatabaseCorrupted, "row without Key or Value");
      read[key->instances.at(0)] = value->instances.at(0);
      return Status::ok();
    });
    CHECK_MESSAGE(status.isOk(), status.toString());
    CHECK(read == expected.models[i]);
  }

  auto report = integrity::checkIntegrity(file);
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  std::string problems;
  for (size_t i = 0; i < report->problems.size() && i < 10; ++i) problems += "\n  " + report->problems[i].toString();
  CHECK_MESSAGE(report->errors == 0, integrity::verdict(*report) << problems);
  if (report->warnings != 0) MESSAGE("integrity warnings: " << integrity::verdict(*report) << problems);
}

// Keys of 1..255 bytes (first byte = length, so all distinct), values of
// 0, 1, 1023, 1024 bytes and, every tenth row, 100 KiB.
void fill(engine::table::TableStore& tables, Tables& t, size_t table, size_t keyStep, uint64_t& seed) {
  static const size_t sizes[] = {0, 1, 1023, 1024, 300, 1023, 1024, 17, 0, 4000};
  size_t i = 0;
  for (size_t keySize = 1; keySize <= 255; keySize += keyStep, ++i) {
    std::vector<uint8_t> key = test::patternBytes(keySize, seed++);
    key[0] = static_cast<uint8_t>(keySize);
    const size_t size = i % 10 == 9 ? 100 * 1024 : sizes[i % 10];
    put(tables, t.names[table], t.models[table], key, test::patternBytes(size, seed++));
  }
}

void replaceAndErase(engine::table::TableStore& tables, Tables& t, size_t table, uint64_t& seed) {
  static const size_t sizes[] = {1024, 0, 100 * 1024, 1023, 5};
  const auto info = tables.find(t.names[table]);
  REQUIRE(info);
  size_t i = 0;
  std::vector<std::vector<uint8_t>> erase;
  for (auto& [key, value] : t.models[table]) {
    if (i % 3 == 0) {
      std::vector<uint8_t> fresh = test::patternBytes(sizes[(i / 3) % 5], seed++);
      const Status status = tables.replaceRow(*info, key, fresh, kContext);
      REQUIRE_MESSAGE(status.isOk(), status.toString());
      value = std::move(fresh);
    }
    if (i % 4 == 1) erase.push_back(key);
    ++i;
  }
  for (const auto& key : erase) {
    const Status status = tables.eraseRow(*info, key, kContext);
    REQUIRE_MESSAGE(status.isOk(), status.toString());
    t.models[table].erase(key);
  }
}

}  // namespace

TEST_CASE("three tables on disk against a std::map model, through replace, erase, flush and reopen") {
  for (uint32_t pageSize : test::kAllPageSizes) {
    CAPTURE(pageSize);
    const fs::path dir = test::tempDir("table-store");
    test::DiskDatabase db(dir / ("model" + std::to_string(pageSize) + ".edb"), pageSize);
    Tables t{{"First", "second", "Third_Table"}, std::vector<test::RowModel>(3)};
    for (const std::string& name : t.names) {
      auto created = db.tables().createTable(name, kContext);
      REQUIRE_MESSAGE(created.isOk(), created.status().toString());
    }
    uint64_t seed = pageSize;
    fill(db.tables(), t, 0, 1, seed);
    fill(db.tables(), t, 1, 3, seed);
    fill(db.tables(), t, 2, 17, seed);
    for (size_t i = 0; i < 3; ++i) checkModel(db.tables(), t.names[i], t.models[i]);
    for (size_t i = 0; i < 3; ++i) replaceAndErase(db.tables(), t, i, seed);
    for (size_t i = 0; i < 3; ++i) checkModel(db.tables(), t.names[i], t.models[i]);
    CHECK(!db.sink().records.empty());  // every change was logged

    db.reopen();
    REQUIRE(db.tables().tables().size() == 3);
    for (size_t i = 0; i < 3; ++i) checkModel(db.tables(), t.names[i], t.models[i]);
    db.markClean();
    checkFile(db.image(), pageSize, t);

    // Keep writing after the reopen: new LIDs follow the ones on disk.
    db.reopen();
    fill(db.tables(), t, 2, 5, seed);
    checkModel(db.tables(), t.names[2], t.models[2]);
    db.reopen();
    for (size_t i = 0; i < 3; ++i) checkModel(db.tables(), t.names[i], t.models[i]);
    db.markClean();
    checkFile(db.image(), pageSize, t);
    fs::remove(db.path());
  }
}

TEST_CASE("a 16 MiB value is written in chunks, read back, replaced and erased") {
  for (uint32_t pageSize : {8192u, 32768u}) {
    CAPTURE(pageSize);
    const fs::path dir = test::tempDir("table-store-huge");
    test::DiskDatabase db(dir / ("huge" + std::to_string(pageSize) + ".edb"), pageSize);
    auto info = db.tables().createTable("Huge", kContext);
    REQUIRE(info.isOk());
    Tables t{{"Huge"}, std::vector<test::RowModel>(1)};
    const std::vector<uint8_t> huge = test::patternBytes(16u << 20, 16);
    const auto started = std::chrono::steady_clock::now();
    put(db.tables(), "Huge", t.models[0], v({1}), huge);
    const auto written = std::chrono::steady_clock::now();
    auto readBack = db.tables().getRow(*db.tables().find("Huge"), v({1}));
    const auto read = std::chrono::steady_clock::now();
    REQUIRE(readBack.isOk());
    CHECK(**readBack == huge);
    MESSAGE(pageSize << ": 16 MiB value written in "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(written - started).count() << " ms ("
                     << db.sink().records.size() << " log records so far), read in "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(read - written).count() << " ms");
    put(db.tables(), "Huge", t.models[0], v({2}), test::patternBytes(2000, 2));
    checkModel(db.tables(), "Huge", t.models[0]);
    db.reopen();
    checkModel(db.tables(), "Huge", t.models[0]);
    db.markClean();
    checkFile(db.image(), pageSize, t);

    // Replace by a small value: the LV tree keeps only the 2000-byte value.
    put(db.tables(), "Huge", t.models[0], v({1}), v({7}));
    const auto lv = db.tables().find("Huge")->longValues;
    REQUIRE(lv);
    auto first = db.store().first(*lv);
    REQUIRE(first.isOk());
    REQUIRE(first->has_value());
    CHECK((*first)->key == std::vector<uint8_t>{0, 0, 0, 2});
    REQUIRE(db.tables().eraseRow(*db.tables().find("Huge"), v({2}), kContext).isOk());
    t.models[0].erase(v({2}));
    auto empty = db.store().first(*lv);
    REQUIRE(empty.isOk());
    CHECK_FALSE(empty->has_value());
    db.reopen();
    checkModel(db.tables(), "Huge", t.models[0]);
    db.markClean();
    checkFile(db.image(), pageSize, t);
    fs::remove(db.path());
  }
}

TEST_CASE("createTable errors on disk; deleteTable frees the table and a new one takes the name") {
  const fs::path dir = test::tempDir("table-store-ddl");
  test::DiskDatabase db(dir / "ddl.edb", 8192);
  CHECK(db.tables().createTable("", kContext).status().code() == JetError::InvalidName);
  CHECK(db.tables().createTable("bad.name", kContext).status().code() == JetError::InvalidName);
  CHECK(db.tables().createTable("msyslocales", kContext).status().code() == JetError::TableDuplicate);
  REQUIRE(db.tables().createTable("Keep", kContext).isOk());
  REQUIRE(db.tables().createTable("Drop", kContext).isOk());
  CHECK(db.tables().createTable("DROP", kContext).status().code() == JetError::TableDuplicate);
  Tables t{{"Keep", "Drop"}, std::vector<test::RowModel>(2)};
  uint64_t seed = 3;
  fill(db.tables(), t, 0, 9, seed);
  fill(db.tables(), t, 1, 2, seed);
  db.reopen();
  CHECK(db.tables().createTable("drop", kContext).status().code() == JetError::TableDuplicate);
  const uint32_t ownedBefore = db.store().ownedPages();
  REQUIRE(db.tables().deleteTable("Drop", kContext).isOk());
  CHECK_FALSE(db.tables().find("Drop"));
  t.names.pop_back();
  t.models.pop_back();
  db.reopen();
  CHECK_FALSE(db.tables().find("Drop"));
  db.markClean();
  checkFile(db.image(), 8192, t);

  // The name is free again; the new table reuses freed space rather than growing the file.
  auto recreated = db.tables().createTable("drop", kContext);
  REQUIRE_MESSAGE(recreated.isOk(), recreated.status().toString());
  t.names.push_back("drop");
  t.models.emplace_back();
  fill(db.tables(), t, 1, 2, seed);
  CHECK(db.store().ownedPages() == ownedBefore);
  db.reopen();
  for (size_t i = 0; i < 2; ++i) checkModel(db.tables(), t.names[i], t.models[i]);
  db.markClean();
  checkFile(db.image(), 8192, t);
  fs::remove(db.path());
}

TEST_CASE("objids are not reused when the header's objidLast lags behind the catalog") {
  const fs::path dir = test::tempDir("table-store-objid");
  test::DiskDatabase db(dir / "objid.edb", 4096);
  auto first = db.tables().createTable("A", kContext);
  REQUIRE(first.isOk());
  REQUIRE(db.tables().insertRow(*first, v({1}), test::patternBytes(3000, 1), kContext).isOk());  // LV tree: objid 9
  CHECK(db.store().header().lastObjectId < 9);
  db.reopen(false);
  auto second = db.tables().createTable("B", kContext);
  REQUIRE_MESSAGE(second.isOk(), second.status().toString());
  CHECK(second->objectId == 10);
  fs::remove(db.path());
}
