// Inputs the bulk writer refuses, and the JET error each one gives.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "esekit/engine/database_writer.h"
#include "esekit/format/table.h"
#include "interop/database_fixtures.h"

using namespace esekit;

namespace {

Status writeRows(const std::vector<std::vector<uint8_t>>& keys, const std::string& name = "Data",
                 uint32_t pageSize = 4096) {
  std::vector<engine::TableRow> rows;
  for (const auto& k : keys) rows.push_back({k, std::nullopt});
  const engine::TableContents table{name, rows};
  engine::DatabaseWriterOptions o;
  o.pageSize = pageSize;
  return engine::writeDatabase(o, std::span(&table, 1)).status();
}

Status writeTables(const std::vector<std::string>& names) {
  std::vector<engine::TableContents> tables;
  for (const std::string& n : names) tables.push_back({n, {}});
  return engine::writeDatabase(engine::DatabaseWriterOptions{}, tables).status();
}

std::vector<uint8_t> bytes(std::string_view s) { return std::vector<uint8_t>(s.begin(), s.end()); }

}  // namespace

TEST_CASE("unsupported page sizes and densities are InvalidParameter") {
  for (uint32_t pageSize : {0u, 2048u, 4095u, 12288u, 65536u}) {
    CAPTURE(pageSize);
    engine::DatabaseWriterOptions o;
    o.pageSize = pageSize;
    const Status s = engine::writeDatabase(o, {}).status();
    CHECK(s.code() == JetError::InvalidParameter);
    CHECK(s.message().find(std::to_string(pageSize)) != std::string::npos);
  }
  for (uint8_t density : {uint8_t{0}, uint8_t{19}, uint8_t{101}}) {
    engine::DatabaseWriterOptions o;
    o.tableDensity = density;
    CHECK(engine::writeDatabase(o, {}).status().code() == JetError::InvalidParameter);
  }
}

TEST_CASE("rows must come in strictly ascending key order") {
  CHECK(writeRows({bytes("a"), bytes("c"), bytes("b")}).code() == JetError::InvalidParameter);
  const Status unsorted = writeRows({bytes("a"), bytes("b"), bytes("ab")});
  CHECK(unsorted.code() == JetError::InvalidParameter);
  CHECK(unsorted.message().find("table 'Data' row 2") != std::string::npos);
  CHECK(writeRows({bytes("ab"), bytes("a")}).code() == JetError::InvalidParameter);  // shorter sorts first
  CHECK(writeRows({bytes("x"), bytes("x")}).code() == JetError::KeyDuplicate);
}

TEST_CASE("keys: at most 255 bytes; keys equal after the 255-byte key limit are duplicates") {
  CHECK(writeRows({std::vector<uint8_t>(256, 'k')}).code() == JetError::InvalidParameter);
  CHECK(writeRows({std::vector<uint8_t>(255, 'k')}).isOk());
  CHECK(writeRows({{}, bytes("a")}).isOk());  // a zero-length key is a value (sorts first)
  // Keys over ~225 bytes keep only their first 226 bytes in the normalized key.
  std::vector<uint8_t> a(240, 'k'), b(240, 'k');
  a[239] = '1';
  b[239] = '2';
  const Status s = writeRows({a, b});
  CHECK(s.code() == JetError::KeyDuplicate);
  CHECK(s.message().find("truncation") != std::string::npos);
  a[200] = '0';  // differs inside the kept part
  CHECK(writeRows({a, b}).isOk());
}

TEST_CASE("table names follow JET's rules and are unique without regard to case") {
  for (const char* bad : {"", " lead", "a.b", "x!", "[x]", "tab\tname"}) {
    CAPTURE(bad);
    CHECK(writeTables({bad}).code() == JetError::InvalidName);
  }
  CHECK(writeTables({std::string(65, 'n')}).code() == JetError::InvalidName);
  CHECK(writeTables({std::string(64, 'n')}).isOk());
  CHECK(writeTables({"Data", "DATA"}).code() == JetError::TableDuplicate);
  CHECK(writeTables({"msysobjects"}).code() == JetError::TableDuplicate);
  CHECK(writeTables({"MSysLocales"}).code() == JetError::TableDuplicate);
  CHECK(writeTables({"Data", "Data2", "data 3"}).isOk());
}

TEST_CASE("boundary values: 1023 bytes stay in the record, 1024 go to the LV tree, 0 bytes is not NULL") {
  const std::vector<uint8_t> v0, v1023(1023, 0xAB), v1024(1024, 0xCD);
  const std::vector<uint8_t> a = bytes("a"), b = bytes("b"), c = bytes("c"), d = bytes("d");
  const std::vector<engine::TableRow> rows{{a, Bytes(v0)}, {b, Bytes(v1023)}, {c, Bytes(v1024)}, {d, std::nullopt}};
  const engine::TableContents table{"Data", rows};
  engine::DatabaseWriterOptions o;
  auto written = engine::writeDatabase(o, std::span(&table, 1));
  REQUIRE_MESSAGE(written.isOk(), written.status().toString());
  CHECK(written->tables[0].separatedValues == 1);
  table::DatabaseImage image{written->file, o.pageSize};
  auto catalog = table::readCatalog(image);
  REQUIRE(catalog.isOk());
  std::vector<std::optional<std::vector<uint8_t>>> values;
  REQUIRE(table::forEachRow(image, *catalog->find("Data"), [&](const table::Row& r) {
            const table::ColumnValue* v = r.find(256);
            values.push_back(v ? std::optional(v->instances[0]) : std::nullopt);
            return Status::ok();
          }).isOk());
  REQUIRE(values.size() == 4);
  CHECK(values[0] == v0);
  CHECK(values[1] == v1023);
  CHECK(values[2] == v1024);
  CHECK(!values[3].has_value());
}

TEST_CASE("describe() lists the database and where each table went") {
  const std::vector<uint8_t> key{1};
  const std::vector<engine::TableRow> rows{{key, std::nullopt}};
  const engine::TableContents table{"Data", rows};
  auto written = engine::writeDatabase(engine::DatabaseWriterOptions{}, std::span(&table, 1));
  REQUIRE(written.isOk());
  std::map<std::string, std::string> fields;
  const FieldList described = engine::describe(*written);
  for (const Field& f : described.items()) fields[f.name] = f.value;
  CHECK(fields["database.pageSize"] == "8192");
  CHECK(fields["database.pageCount"] == "254");
  CHECK(fields["database.tables.0.name"] == "Data");
  CHECK(fields["database.tables.0.rootPage"] == "31");
  CHECK(fields["database.tables.0.objectId"] == "8");
}
