// Reading catalogs, rows and long values of real Windows databases.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "corpus.h"
#include "esekit/format/compression.h"
#include "esekit/format/table.h"

using namespace esekit;
using namespace esekit::table;

namespace {

struct Loaded {
  std::vector<uint8_t> bytes;
  DatabaseImage image;
};

std::optional<Loaded> loadDatabase(const std::string& relative) {
  auto path = test::corpusFile(relative);
  if (!path) return std::nullopt;
  Loaded loaded;
  loaded.bytes = test::readFile(test::gunzipped(*path));
  loaded.image.file = loaded.bytes;
  loaded.image.pageSize = loadLittleEndian<uint32_t>(loaded.bytes.data() + 236);
  return loaded;
}

size_t countRows(const DatabaseImage& db, const Table& table, Status* status = nullptr) {
  size_t rows = 0;
  Status s = forEachRow(db, table, [&](const Row&) {
    ++rows;
    return Status::ok();
  });
  if (status) *status = s;
  return rows;
}

}  // namespace

TEST_CASE("catalog of a real SRUM database lists its tables and every row reads") {
  auto db = loadDatabase("museum/SRUM/Win10/RathbunVM/Clean/SRUDB.dat");
  if (!db) return;
  auto catalog = readCatalog(db->image);
  REQUIRE_MESSAGE(catalog.isOk(), catalog.status().toString());
  // INVENTORY.md: esedbinfo sees 11 tables.
  CHECK(catalog->tables.size() == 11);
  const Table* objects = catalog->find("MSysObjects");
  REQUIRE(objects != nullptr);
  CHECK(objects->rootPage == 4);
  CHECK(objects->column("ObjidTable") != nullptr);
  const Table* idMap = catalog->find("SruDbIdMapTable");
  REQUIRE(idMap != nullptr);
  for (const Table& table : catalog->tables) {
    Status status;
    countRows(db->image, table, &status);
    CHECK_MESSAGE(status.isOk(), table.name << ": " << status.toString());
  }
}

TEST_CASE("every table of every readable corpus database reads without error") {
  // Databases esedbexport reads completely (INVENTORY.md) must read here too.
  const char* databases[] = {
      "cortana-akarib/Indexed DB/IndexedDB.edb",
      "museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Dirty/SRUDB.dat",
      "museum/SRUM/Server2022/APTSimulatorVM/Clean/SRU/SRUDB.dat",
      "windowsmail-danyquenneville/Windows Mail/WindowsMail.MSMessageStore",
      "dissect-target/webcache-v1/WebCacheV01.dat.gz",
      "museum/WindowsSearchDB/Win10/RathbunVM/Clean/Windows.edb.gz",
  };
  for (const char* relative : databases) {
    CAPTURE(relative);
    auto db = loadDatabase(relative);
    if (!db) return;
    auto catalog = readCatalog(db->image);
    REQUIRE_MESSAGE(catalog.isOk(), catalog.status().toString());
    CHECK(catalog->tables.size() >= 4);
    for (const Table& table : catalog->tables) {
      Status status;
      countRows(db->image, table, &status);
      CHECK_MESSAGE(status.isOk(), table.name << ": " << status.toString());
    }
  }
}

TEST_CASE("compressed columns decode to their uncompressed twin") {
  // ese_parser-stroz decompress_test*.edb: test_table holds the same text in
  // compressed_unicode (UTF-16), compressed_ascii, compressed_binary and the
  // uncompressed usual_text (records-and-catalog.md §4, "Verified").
  int compared = 0;
  for (const char* name : {"ese_parser-stroz/decompress_test.edb", "ese_parser-stroz/decompress_test2.edb"}) {
    CAPTURE(name);
    auto db = loadDatabase(name);
    if (!db) return;
    auto catalog = readCatalog(db->image);
    REQUIRE_MESSAGE(catalog.isOk(), catalog.status().toString());
    const Table* table = catalog->find("test_table");
    REQUIRE(table != nullptr);
    const Column* plain = table->column("usual_text");
    REQUIRE(plain != nullptr);
    auto narrow = [](const Column& column, const std::vector<uint8_t>& value) {
      if (column.codePage != 1200) return value;
      std::vector<uint8_t> out;
      for (size_t i = 0; i + 1 < value.size(); i += 2) out.push_back(value[i]);  // ASCII test text: high bytes are 0
      return out;
    };
    Status status = forEachRow(db->image, *table, [&](const Row& row) {
      const ColumnValue* expected = row.find(plain->fid);
      if (expected == nullptr) return Status::ok();
      for (const char* packed : {"compressed_unicode", "compressed_ascii", "compressed_binary"}) {
        const Column* column = table->column(packed);
        REQUIRE(column != nullptr);
        const ColumnValue* actual = row.find(column->fid);
        if (actual == nullptr) continue;
        REQUIRE(actual->instances.size() == 1);
        CHECK_MESSAGE(narrow(*column, actual->instances[0]) == narrow(*plain, expected->instances[0]), packed);
        ++compared;
      }
      return Status::ok();
    });
    CHECK_MESSAGE(status.isOk(), status.toString());
  }
  MESSAGE("compressed/plain value pairs compared: " << compared);
  CHECK(compared >= 60);  // 2 files x rows x 3 compressed columns
}

TEST_CASE("7-bit ASCII decompression") {
  // "abc": 3 chars * 7 bits = 21 bits -> 3 bytes; 21 - 16 = 5 bits used in the last byte.
  const uint8_t data[] = {static_cast<uint8_t>(0x08 | (5 - 1)), static_cast<uint8_t>('a' | (('b' << 7) & 0xFF)),
                          static_cast<uint8_t>(('b' >> 1) | (('c' << 6) & 0xFF)), static_cast<uint8_t>('c' >> 2)};
  auto out = compression::decompress(Bytes(data, sizeof data));
  REQUIRE(out.isOk());
  CHECK(std::string(out->begin(), out->end()) == "abc");
  const uint8_t bad[] = {0x18, 0x10, 0x00, 0xFF};
  CHECK_FALSE(compression::decompress(Bytes(bad, sizeof bad)).isOk());
}

TEST_CASE("row counts agree with esedbexport (libesedb) on every table") {
  if (std::system("command -v esedbexport >/dev/null 2>&1") != 0) {
    if (std::getenv("CI") != nullptr && std::string(std::getenv("CI")) == "true") FAIL("esedbexport missing under CI");
    MESSAGE("SKIPPED: esedbexport (libesedb-utils) not installed");
    return;
  }
  for (const char* relative : {"museum/SRUM/Win10/RathbunVM/Clean/SRUDB.dat", "cortana-akarib/Indexed DB/IndexedDB.edb",
                               "dissect-esedb/basic.edb", "plaso/Catalog1.edb"}) {
    CAPTURE(relative);
    auto db = loadDatabase(relative);
    if (!db) return;
    auto catalog = readCatalog(db->image);
    REQUIRE_MESSAGE(catalog.isOk(), catalog.status().toString());
    const auto dir = test::tempDir("esedbexport");
    const std::string command = "cd '" + dir.string() + "' && esedbexport -t out '" +
                                test::corpusFile(relative)->string() + "' >/dev/null 2>&1";
    REQUIRE(std::system(command.c_str()) == 0);
    size_t index = 0;
    for (const Table& table : catalog->tables) {
      // esedbexport names files "<table>.<n>" in catalog order; first line is a header.
      const auto exported = dir / "out.export" / (table.name + "." + std::to_string(index++));
      REQUIRE_MESSAGE(std::filesystem::exists(exported), exported.string());
      const std::vector<uint8_t> text = test::readFile(exported);
      const size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
      CHECK_MESSAGE(countRows(db->image, table) == lines - 1, table.name);
    }
  }
}
