// Files written through DatabaseStore + TableStore read by independent ESE
// readers, for every page size: Debian's esedbexport (libesedb 20181229) and
// python3-impacket's impacket.ese. Each must return exactly the rows
// written, within its known limits (tests/test_engine_database_writer_interop.cpp
// shows each limit on Windows-made files too):
// * esedbexport finds separated long values only in LV trees it can
//   navigate; elsewhere it prints them empty or cut at a chunk boundary. The
//   store lays LV trees out like ESE (packed), so most separated values come
//   back empty; keys, intrinsic values and the catalog must be exact.
// * impacket does not read LV trees: a separated value comes back as the
//   record's LID (little-endian); on 16/32 KiB pages it needs the
//   --py3-large-page-shim of read_with_impacket.py.
#include <doctest/doctest.h>

#include "corpus.h"
#include "engine_table_support.h"
#include "esekit/engine/database_writer.h"
#include "interop/database_fixtures.h"
#include "interop/external_readers.h"

using namespace esekit;
using namespace esekit::test::readers;
namespace fs = std::filesystem;

namespace {

const engine::store::OperationContext kContext{};

struct Cell {
  std::vector<uint8_t> value;
  uint32_t lid = 0;  // separated values: the LID the record holds
};

struct ExpectedTable {
  std::string name;
  std::map<std::vector<uint8_t>, Cell, test::KeyOrder> rows;
  uint32_t nextLid = 1;  // TableStore hands out LIDs 1, 2, ... in write order
  bool hasLongValueTree = false;
};

void write(engine::table::TableStore& tables, ExpectedTable& t, const std::vector<uint8_t>& key, std::vector<uint8_t> value) {
  const auto info = tables.find(t.name);
  REQUIRE(info);
  const bool exists = t.rows.count(key) != 0;
  const Status status = exists ? tables.replaceRow(*info, key, value, kContext) : tables.insertRow(*info, key, value, kContext);
  REQUIRE_MESSAGE(status.isOk(), status.toString());
  Cell cell;
  if (value.size() > engine::kLargestIntrinsicValue) {
    cell.lid = t.nextLid++;
    t.hasLongValueTree = true;
  }
  cell.value = std::move(value);
  t.rows[key] = std::move(cell);
}

// Three tables with keys of 1..255 random bytes, values 0..300 bytes,
// exactly 1023 / 1024 bytes, 5-40 KB, replaced and erased rows.
std::vector<ExpectedTable> writeTables(test::DiskDatabase& db, uint64_t seed) {
  std::vector<ExpectedTable> tables(3);
  tables[0].name = "Alpha";
  tables[1].name = "Beta";
  tables[2].name = "Gamma";
  test::Random random(seed);
  for (size_t t = 0; t < tables.size(); ++t) {
    REQUIRE(db.tables().createTable(tables[t].name, kContext).isOk());
    const size_t count = t == 0 ? 300 : (t == 1 ? 40 : 1);
    std::vector<std::vector<uint8_t>> keys;
    for (size_t i = 0; i < count; ++i) {
      std::vector<uint8_t> key(1 + random.below(255));
      random.fill(key);
      if (tables[t].rows.count(key)) continue;
      size_t size = random.below(300);
      if (i % 17 == 3) size = 1023;
      if (i % 17 == 4) size = 1024;
      if (i % 23 == 5) size = 5000 + random.below(35000);
      if (t == 2) size = 3000;
      std::vector<uint8_t> value(size);
      random.fill(value);
      write(db.tables(), tables[t], key, std::move(value));
      keys.push_back(key);
    }
    for (size_t i = 0; i < keys.size(); i += 7) {  // replace
      std::vector<uint8_t> value(i % 2 ? 2000 : 10);
      random.fill(value);
      write(db.tables(), tables[t], keys[i], std::move(value));
    }
    for (size_t i = 1; i < keys.size(); i += 9) {  // erase
      REQUIRE(db.tables().eraseRow(*db.tables().find(tables[t].name), keys[i], kContext).isOk());
      tables[t].rows.erase(keys[i]);
    }
  }
  return tables;
}

std::string lidHex(uint32_t lid) {
  const uint8_t le[4] = {static_cast<uint8_t>(lid), static_cast<uint8_t>(lid >> 8), static_cast<uint8_t>(lid >> 16),
                         static_cast<uint8_t>(lid >> 24)};
  return test::hexOf(le);
}

}  // namespace

TEST_CASE("esedbexport exports the rows written through TableStore, for every page size") {
  if (!esedbexportAvailable()) return readerMissing("esedbexport (Debian package libesedb-utils)");
  for (uint32_t pageSize : test::kAllPageSizes) {
    CAPTURE(pageSize);
    const fs::path dir = test::tempDir("table-esedbexport");
    test::DiskDatabase db(dir / ("t" + std::to_string(pageSize) + ".edb"), pageSize);
    const std::vector<ExpectedTable> tables = writeTables(db, pageSize);
    db.flush();
    db.markClean();

    auto exported = exportDatabase(db.path());
    CHECK(exported.size() == 4 + tables.size());  // MSysObjects, -Shadow, MSysObjids, MSysLocales
    size_t catalogRows = 72;                       // the system tables' own rows
    size_t separated = 0, separatedComplete = 0;
    for (const ExpectedTable& t : tables) {
      CAPTURE(t.name);
      catalogRows += 4 + (t.hasLongValueTree ? 1 : 0);
      const std::vector<std::string>& lines = exported[t.name];
      REQUIRE(!lines.empty());
      CHECK(lines[0] == "Key\tValue");
      CHECK(lines.size() == t.rows.size() + 1);
      size_t line = 1, mismatches = 0;
      for (const auto& [key, cell] : t.rows) {
        if (line >= lines.size()) break;
        const std::vector<std::string> fields = split(lines[line++], '\t');
        bool ok = fields.size() == 2 && fields[0] == test::hexOf(key);
        if (ok && cell.lid != 0) {
          ++separated;
          const std::string expected = test::hexOf(cell.value);
          const size_t printed = fields[1].size() / 2;
          ok = expected.compare(0, fields[1].size(), fields[1]) == 0 &&
               (printed == cell.value.size() || printed % engine::longValueChunkSize(pageSize) == 0);
          if (printed == cell.value.size()) ++separatedComplete;
        } else if (ok) {
          ok = fields[1] == test::hexOf(cell.value);
        }
        if (!ok && ++mismatches <= 3) MESSAGE("row " << line - 1 << " differs: " << lines[line - 1].substr(0, 120));
      }
      CHECK(mismatches == 0);
    }
    MESSAGE(pageSize << ": esedbexport printed " << separatedComplete << " of " << separated
                     << " separated values in full (the rest empty or cut at a chunk boundary: libesedb limit)");
    CHECK(exported["MSysObjects"].size() == catalogRows + 1);
    CHECK(exported["MSysObjectsShadow"] == exported["MSysObjects"]);
    // MSysObjids: 6 system rows, one per table, one per LV tree.
    size_t objids = 6;
    for (const ExpectedTable& t : tables) objids += 1 + (t.hasLongValueTree ? 1 : 0);
    CHECK(exported["MSysObjids"].size() == objids + 1);
    fs::remove(db.path());
  }
}

TEST_CASE("impacket reads the rows written through TableStore, for every page size") {
  const auto python = impacketPython();
  if (!python) return readerMissing("python3-impacket (import impacket.ese)");
  for (uint32_t pageSize : test::kAllPageSizes) {
    CAPTURE(pageSize);
    const fs::path dir = test::tempDir("table-impacket");
    test::DiskDatabase db(dir / ("t" + std::to_string(pageSize) + ".edb"), pageSize);
    const std::vector<ExpectedTable> tables = writeTables(db, pageSize + 1);
    db.flush();
    db.markClean();
    for (const ExpectedTable& t : tables) {
      CAPTURE(t.name);
      const ImpacketResult result = readWithImpacket(*python, db.path(), t.name, pageSize > 8192);
      REQUIRE_MESSAGE(result.status == "ok", result.detail);
      CHECK(result.columns == std::vector<std::string>{"Key", "Value"});
      CHECK(result.rows.size() == t.rows.size());
      size_t index = 0, mismatches = 0;
      for (const auto& [key, cell] : t.rows) {
        if (index >= result.rows.size()) break;
        const std::vector<std::string>& row = result.rows[index++];
        const std::string expected = cell.lid != 0 ? lidHex(cell.lid) : test::hexOf(cell.value);
        const bool ok = row.size() == 2 && row[0] == test::hexOf(key) && row[1] == expected;
        if (!ok && ++mismatches <= 3) MESSAGE("impacket row " << index - 1 << " differs");
      }
      CHECK(mismatches == 0);
    }
    fs::remove(db.path());
  }
}
