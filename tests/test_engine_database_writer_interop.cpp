// Independent readers of databases written by the bulk writer: Debian's
// esedbexport (libesedb 20181229) and python3-impacket's impacket.ese.
// Both must export exactly the rows written, within the limits of each
// reader, and each limit is shown to hold for a Windows-made file too:
//
// * libesedb 20181229 rebuilds a node key from the page's key prefix and then
//   appends raw bytes from the start of the node (its length words) instead
//   of the stored key suffix, and only when the suffix is longer than the
//   prefix part. Key lookups therefore work only for nodes whose key comes
//   whole from the page prefix, and never on root pages (no prefix there):
//   its descent always takes the first child, then looks at one more leaf.
//   Separated long values (found by key) thus come back only from the first
//   two leaf pages of an LV tree, and only in the OneChunkPerPage layout;
//   other separated values print empty or cut at a chunk boundary. Shown on
//   corpus text.edb, where esedbexport prints LongUnicode (LID 2) empty.
// * impacket 0.10 does not read long-value trees (it returns the LID it finds
//   in the record) and cannot read pages over 8 KiB on Python 3 (ord() on an
//   int in ESENT_PAGE.getTag), which fails the same way on Windows-made 16
//   and 32 KiB files; tests/interop/read_with_impacket.py has a flag that
//   replaces just that function.
//
// A missing reader skips with a message, or fails under CI=true.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "corpus.h"
#include "esekit/engine/database_writer.h"
#include "esekit/format/table.h"
#include "interop/database_fixtures.h"
#include "interop/external_readers.h"

using namespace esekit;
namespace fs = std::filesystem;
using namespace esekit::test::readers;

namespace {

fs::path writeFile(const fs::path& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
  const fs::path path = dir / name;
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
  return path;
}

engine::DatabaseWriterOptions optionsFor(uint32_t pageSize) {
  engine::DatabaseWriterOptions o;
  o.pageSize = pageSize;
  return o;
}

uint32_t chunkSize(uint32_t pageSize) { return engine::longValueChunkSize(pageSize); }

struct ExportCheck {
  size_t rows = 0;
  size_t separated = 0;
  size_t separatedComplete = 0;  // printed in full
};

// esedbexport's lines against the rows written. Keys, NULLs and intrinsic
// values must match exactly; a separated value must print in full, or as a
// prefix ending on a chunk boundary (empty included) — the reader limit above.
ExportCheck checkExport(const std::vector<std::string>& lines, const test::GeneratedTable& data, uint32_t pageSize) {
  ExportCheck check;
  REQUIRE(!lines.empty());
  CHECK(lines[0] == "Key\tValue");
  CHECK(lines.size() == data.size() + 1);
  size_t mismatches = 0;
  for (size_t i = 0; i + 1 < lines.size() && i < data.size(); ++i) {
    const std::vector<std::string> fields = split(lines[i + 1], '\t');
    bool ok = fields.size() == 2 && fields[0] == test::hexOf(data.keys[i]);
    if (ok) {
      const std::string expected = data.isNull[i] ? std::string() : test::hexOf(data.values[i]);
      if (!data.isNull[i] && data.values[i].size() > engine::kLargestIntrinsicValue) {
        ++check.separated;
        const size_t printed = fields[1].size() / 2;
        ok = expected.compare(0, fields[1].size(), fields[1]) == 0 &&
             (printed == data.values[i].size() || printed % chunkSize(pageSize) == 0);
        if (printed == data.values[i].size()) ++check.separatedComplete;
      } else {
        ok = fields[1] == expected;
      }
    }
    if (!ok && ++mismatches <= 3) MESSAGE("esedbexport row " << i << " differs: " << lines[i + 1].substr(0, 120));
    ++check.rows;
  }
  CHECK(mismatches == 0);
  return check;
}

// impacket's rows against the rows written: keys, NULLs and intrinsic values
// exactly; a separated value is the record's LID (the k-th separated value
// has LID k, little-endian, as the writer assigns them in row order).
void checkImpacketRows(const ImpacketResult& result, const test::GeneratedTable& data) {
  REQUIRE_MESSAGE(result.status == "ok", result.detail);
  CHECK(result.columns == std::vector<std::string>{"Key", "Value"});
  CHECK(result.rows.size() == data.size());
  size_t mismatches = 0;
  uint32_t lid = 0;
  for (size_t i = 0; i < result.rows.size() && i < data.size(); ++i) {
    const std::vector<std::string>& row = result.rows[i];
    std::string expected;
    if (data.isNull[i]) {
      expected = "\\N";
    } else if (data.values[i].size() > engine::kLargestIntrinsicValue) {
      ++lid;
      const uint8_t le[4] = {static_cast<uint8_t>(lid), static_cast<uint8_t>(lid >> 8), static_cast<uint8_t>(lid >> 16),
                             static_cast<uint8_t>(lid >> 24)};
      expected = test::hexOf(le);
    } else {
      expected = test::hexOf(data.values[i]);
    }
    const bool ok = row.size() == 2 && row[0] == test::hexOf(data.keys[i]) && row[1] == expected;
    if (!ok && ++mismatches <= 3) MESSAGE("impacket row " << i << " differs");
  }
  CHECK(mismatches == 0);
}

test::GeneratedTable interopRows(size_t count) {
  test::RowShape shape;
  if (count == 1) shape.hugeValues = {2u << 20};  // a single 2 MiB value
  if (count == 1000) shape.hugeValues = {2u << 20, 70000};
  if (count == 100000) shape.largeEvery = 1000;
  return test::generateTable("Data", count, 4242 + count, shape);
}

// The 100,000-row databases take esedbexport ~100 s at 32 KiB pages: by
// default they run at 4 KiB only; ESEKIT_SLOW_TESTS=1 runs every page size.
std::vector<size_t> interopCounts(uint32_t pageSize) {
  const char* slow = std::getenv("ESEKIT_SLOW_TESTS");
  const bool all = slow != nullptr && std::string(slow) == "1";
  if (all || pageSize == 4096) return {0, 1, 1000, 100000};
  return {0, 1, 1000};
}

}  // namespace

TEST_CASE("esedbexport exports exactly the rows written, for every page size") {
  if (!esedbexportAvailable()) return readerMissing("esedbexport (Debian package libesedb-utils)");
  const fs::path dir = test::tempDir("writer-esedbexport");
  for (uint32_t pageSize : test::kAllPageSizes) {
    for (size_t count : interopCounts(pageSize)) {
      CAPTURE(pageSize);
      CAPTURE(count);
      const test::GeneratedTable data = interopRows(count);
      const engine::TableContents contents = data.contents();
      auto written = engine::writeDatabase(optionsFor(pageSize), std::span(&contents, 1));
      REQUIRE_MESSAGE(written.isOk(), written.status().toString());
      const fs::path file = writeFile(dir, "db" + std::to_string(pageSize) + "-" + std::to_string(count) + ".edb", written->file);
      auto tables = exportDatabase(file);
      CHECK(tables.size() == 5);
      const ExportCheck check = checkExport(tables["Data"], data, pageSize);
      CHECK(check.rows == count);
      // The catalog exports too: 72 system rows, the user table's table,
      // column (2), index and LV rows, and the header line.
      CHECK(tables["MSysObjects"].size() == 72 + 4 + (written->tables[0].longValueObjectId ? 1 : 0) + 1);
      CHECK(tables["MSysObjectsShadow"] == tables["MSysObjects"]);
      fs::remove(file);
    }
  }
}

TEST_CASE("esedbexport reads separated values back from LV trees it can navigate (OneChunkPerPage)") {
  if (!esedbexportAvailable()) return readerMissing("esedbexport (Debian package libesedb-utils)");
  const fs::path dir = test::tempDir("writer-esedbexport-lv");
  for (uint32_t pageSize : test::kAllPageSizes) {
    CAPTURE(pageSize);
    // LV trees of two leaf pages (all libesedb reaches): one value of two
    // chunks, or two values of one chunk each.
    for (int variant = 0; variant < 2; ++variant) {
      CAPTURE(variant);
      test::RowShape shape;
      shape.largeEvery = 0;
      shape.nullEvery = 0;
      shape.boundaryValues = false;
      shape.hugeValues = variant == 0 ? std::vector<uint32_t>{chunkSize(pageSize) + 1000}
                                      : std::vector<uint32_t>{2000, chunkSize(pageSize)};
      const test::GeneratedTable data = test::generateTable("Data", 40, 99 + variant, shape);
      const engine::TableContents contents = data.contents();
      engine::DatabaseWriterOptions o = optionsFor(pageSize);
      o.longValueLayout = engine::LongValueLayout::OneChunkPerPage;
      auto written = engine::writeDatabase(o, std::span(&contents, 1));
      REQUIRE_MESSAGE(written.isOk(), written.status().toString());
      CHECK(written->tables[0].longValuePages == 3);  // internal root + two leaves
      const fs::path file = writeFile(dir, "lv" + std::to_string(pageSize) + ".edb", written->file);
      const ExportCheck check = checkExport(exportDatabase(file)["Data"], data, pageSize);
      CHECK(check.separated == shape.hugeValues.size());
      CHECK(check.separatedComplete == check.separated);
      fs::remove(file);
    }
  }
}

TEST_CASE("the esedbexport LV limit holds for a Windows-made database too (text.edb, LID 2)") {
  if (!esedbexportAvailable()) return readerMissing("esedbexport (Debian package libesedb-utils)");
  auto path = test::corpusFile("dissect-esedb/text.edb");
  if (!path) return;
  const fs::path dir = test::tempDir("writer-esedbexport-corpus");
  const fs::path copy = dir / "text.edb";
  fs::copy_file(*path, copy);
  const std::vector<std::string> lines = exportDatabase(copy)["text"];
  fs::remove(copy);
  REQUIRE(lines.size() == 2);
  const std::vector<std::string> header = split(lines[0], '\t'), row = split(lines[1], '\t');
  REQUIRE(header.size() == row.size());
  std::map<std::string, std::string> cells;
  for (size_t i = 0; i < header.size(); ++i) cells[header[i]] = row[i];
  // LongASCII (LID 1: key whole in its page's prefix) reads; LongUnicode
  // (LID 2: uncompressed 1-byte key suffix, not compressed data) prints empty...
  CHECK(cells["LongASCII"].size() == 1040);
  CHECK(cells["LongUnicode"].empty());
  // ... although the value is there: esekit's reader resolves it (2090 bytes).
  const std::vector<uint8_t> file = test::readFile(*path);
  table::DatabaseImage image{file, 4096};
  auto catalog = table::readCatalog(image);
  REQUIRE(catalog.isOk());
  const table::Table* t = catalog->find("text");
  REQUIRE(t != nullptr);
  const table::Column* column = t->column("LongUnicode");
  REQUIRE(column != nullptr);
  size_t size = 0;
  REQUIRE(table::forEachRow(image, *t, [&](const table::Row& r) {
            if (const table::ColumnValue* v = r.find(column->fid)) size = v->instances[0].size();
            return Status::ok();
          }).isOk());
  CHECK(size == 2090);
}

TEST_CASE("impacket reads exactly the rows written, for every page size") {
  const auto python = impacketPython();
  if (!python) return readerMissing("python3-impacket (import impacket.ese)");
  const fs::path dir = test::tempDir("writer-impacket");
  for (uint32_t pageSize : test::kAllPageSizes) {
    for (size_t count : interopCounts(pageSize)) {
      CAPTURE(pageSize);
      CAPTURE(count);
      const test::GeneratedTable data = interopRows(count);
      const engine::TableContents contents = data.contents();
      auto written = engine::writeDatabase(optionsFor(pageSize), std::span(&contents, 1));
      REQUIRE_MESSAGE(written.isOk(), written.status().toString());
      const fs::path file = writeFile(dir, "db" + std::to_string(pageSize) + "-" + std::to_string(count) + ".edb", written->file);
      const bool large = pageSize > 8192;
      if (large && count == 1) {
        // Unpatched impacket fails on our large pages exactly as on Windows-made ones.
        const ImpacketResult plain = readWithImpacket(*python, file, "Data", false);
        CHECK(plain.status == "error");
        CHECK(plain.detail.find("ord() expected string of length 1, but int found") != std::string::npos);
      }
      checkImpacketRows(readWithImpacket(*python, file, "Data", large), data);
      fs::remove(file);
    }
  }
}

TEST_CASE("impacket's large-page failure is impacket's: Windows-made 16 and 32 KiB files fail the same way") {
  const auto python = impacketPython();
  if (!python) return readerMissing("python3-impacket (import impacket.ese)");
  for (const char* relative : {"go-ese/Samples/qmgr.db", "cortana-akarib/Indexed DB/IndexedDB.edb"}) {
    CAPTURE(relative);
    auto path = test::corpusFile(relative);
    if (!path) return;
    const fs::path dir = test::tempDir("writer-impacket-corpus");
    const fs::path copy = dir / "corpus.edb";
    fs::copy_file(*path, copy, fs::copy_options::overwrite_existing);
    const ImpacketResult plain = readWithImpacket(*python, copy, "MSysObjects", false);
    fs::remove(copy);
    CHECK(plain.status == "error");
    CHECK(plain.detail.find("ord() expected string of length 1, but int found") != std::string::npos);
  }
  // With just getTag replaced, impacket reads a real 32 KiB catalog. (qmgr.db,
  // format 0x620/0x12C, then trips over other limits of impacket.)
  auto path = test::corpusFile("cortana-akarib/Indexed DB/IndexedDB.edb");
  if (!path) return;
  const fs::path dir = test::tempDir("writer-impacket-corpus-shim");
  const fs::path copy = dir / "corpus.edb";
  fs::copy_file(*path, copy, fs::copy_options::overwrite_existing);
  const ImpacketResult shimmed = readWithImpacket(*python, copy, "MSysObjects", true);
  fs::remove(copy);
  CHECK_MESSAGE(shimmed.status == "ok", shimmed.detail);
  CHECK(shimmed.rows.size() > 70);
}
