// The bulk database writer, read back with esekit's own readers: every page
// verifies, the header is a clean ESE header, the catalog and the rows come
// back exactly, and the space trees account for exactly the pages in use.
#include <doctest/doctest.h>

#include "esekit/engine/database_writer.h"
#include "esekit/format/database_header.h"
#include "esekit/format/page.h"
#include "esekit/format/page_verify.h"
#include "esekit/format/table.h"
#include "interop/database_fixtures.h"

using namespace esekit;
using esekit::test::generateTable;

namespace {

engine::DatabaseWriterOptions options(uint32_t pageSize) {
  engine::DatabaseWriterOptions o;
  o.pageSize = pageSize;
  o.signatureRandom = 0x1234567;
  o.creationTime.seconds = 1;
  o.creationTime.minutes = 2;
  o.creationTime.hours = 3;
  o.creationTime.day = 4;
  o.creationTime.month = 5;
  o.creationTime.yearSince1900 = 124;
  o.creationTime.isUtc = true;
  return o;
}

void checkPagesVerify(const engine::WrittenDatabase& db) {
  page::VerifyOptions verify;
  verify.threads = 2;
  const page::DatabaseImageReport report = page::verifyDatabaseImage(db.file, db.pageSize, verify);
  for (const page::PageProblem& p : report.problems) MESSAGE(p.status().toString());
  CHECK(report.clean());
  CHECK(report.totalPages == db.pageCount);
  // Never-used pages stay zero; everything else is a valid ESE page.
  CHECK(report.count(page::PageClass::Ok) + report.count(page::PageClass::Uninitialized) == db.pageCount);
}

}  // namespace

TEST_CASE("an empty database is what ESE creates: header, system tables, 256 pages") {
  for (uint32_t pageSize : test::kAllPageSizes) {
    CAPTURE(pageSize);
    auto written = engine::writeDatabase(options(pageSize), {});
    REQUIRE_MESSAGE(written.isOk(), written.status().toString());
    // 254 database pages + header + shadow (records-and-catalog.md §6.1).
    CHECK(written->pageCount == 254);
    CHECK(written->file.size() == 256u * pageSize);
    CHECK(written->lastObjectId == 7);
    checkPagesVerify(*written);

    auto header = readDatabaseHeader(Bytes(written->file).first(2 * pageSize));
    REQUIRE_MESSAGE(header.isOk(), header.status().toString());
    CHECK(header->check.identical);
    CHECK(header->check.use == HeaderSource::Primary);
    const DatabaseHeader& h = header->header;
    CHECK(h.state == DatabaseState::CleanShutdown);
    CHECK(h.pageSize() == pageSize);
    CHECK(h.formatVersion == 0x620);
    CHECK(h.formatUpdateMajor == 0x14);
    CHECK(h.createFormatUpdateMajor == 0x14);
    CHECK(h.lastObjectId == 7);
    CHECK(h.dbtimeDirtied == written->lastDbtime);
    CHECK(h.databaseSignature.random == 0x1234567);
    CHECK(h.logSignature.isZero());
    CHECK(h.consistentPosition.isZero());
    CHECK(h.minRequiredGeneration == 0);
    CHECK(h.maxRequiredGeneration == 0);
    CHECK(h.fileType == FileType::Database);
    CHECK(h.sortVersion == ~uint64_t{0});
    // libesedb 20181229 checksums only bytes 0-667: everything after must be zero.
    for (size_t i = 668; i < pageSize; ++i) REQUIRE(written->file[i] == 0);

    table::DatabaseImage image{written->file, pageSize};
    auto catalog = table::readCatalog(image);
    REQUIRE_MESSAGE(catalog.isOk(), catalog.status().toString());
    REQUIRE(catalog->tables.size() == 4);
    CHECK(catalog->tables[0].name == "MSysObjects");
    CHECK(catalog->tables[0].rootPage == 4);
    CHECK(catalog->tables[0].columns.size() == 28);
    CHECK(catalog->tables[0].indexes.size() == 3);
    CHECK(catalog->tables[1].name == "MSysObjectsShadow");
    CHECK(catalog->tables[1].rootPage == 24);
    CHECK(catalog->tables[2].name == "MSysObjids");
    CHECK(catalog->tables[2].rootPage == 29);
    CHECK(catalog->tables[3].name == "MSysLocales");
    CHECK(catalog->tables[3].rootPage == 30);
    // The shadow catalog holds the same rows, byte for byte.
    std::vector<std::vector<uint8_t>> catalogRows, shadowRows;
    REQUIRE(table::walkLeaves(image, 4, 2, [&](const page::Node& n, uint32_t) {
              catalogRows.emplace_back(n.data.begin(), n.data.end());
              return Status::ok();
            }).isOk());
    REQUIRE(table::walkLeaves(image, 24, 3, [&](const page::Node& n, uint32_t) {
              shadowRows.emplace_back(n.data.begin(), n.data.end());
              return Status::ok();
            }).isOk());
    CHECK(catalogRows.size() == 72);
    CHECK(catalogRows == shadowRows);
    test::checkSpace(written->file, pageSize);
  }
}

TEST_CASE("databases of 1, 1000 and 100000 rows read back exactly, for every page size") {
  for (uint32_t pageSize : test::kAllPageSizes) {
    for (size_t count : {size_t{1}, size_t{1000}, size_t{100000}}) {
      CAPTURE(pageSize);
      CAPTURE(count);
      test::RowShape shape;
      if (count == 1000) shape.hugeValues = {2u << 20};  // one 2 MiB value
      if (count == 100000) shape.largeEvery = 500;
      const test::GeneratedTable data = generateTable("Data", count, 1000 + count, shape);
      const engine::TableContents contents = data.contents();
      auto written = engine::writeDatabase(options(pageSize), std::span(&contents, 1));
      REQUIRE_MESSAGE(written.isOk(), written.status().toString());
      checkPagesVerify(*written);
      CHECK(test::checkRowsWithFormatReader(written->file, pageSize, data) == count);
      test::checkSpace(written->file, pageSize);

      REQUIRE(written->tables.size() == 1);
      const engine::WrittenTable& t = written->tables[0];
      CHECK(t.objectId == 8);
      CHECK(t.rootPage == 31);  // the first user table follows MSysLocales (§6.2)
      size_t separated = 0;
      for (size_t i = 0; i < count; ++i)
        if (!data.isNull[i] && data.values[i].size() > engine::kLargestIntrinsicValue) ++separated;
      CHECK(t.separatedValues == separated);
      CHECK((t.longValueObjectId != 0) == (separated != 0));
      CHECK(written->lastObjectId == (separated != 0 ? 9u : 8u));
      if (count == 100000) CHECK(t.depth >= 2);
    }
  }
}

TEST_CASE("several tables, empty ones included, each with its own FDP and LV tree") {
  for (uint32_t pageSize : {4096u, 32768u}) {
    CAPTURE(pageSize);
    test::RowShape shape;
    shape.largeEvery = 5;
    const test::GeneratedTable a = generateTable("Alpha", 300, 1, shape);
    const test::GeneratedTable b = generateTable("beta", 0, 2);
    const test::GeneratedTable c = generateTable("Gamma Table", 5000, 3);
    const engine::TableContents tables[] = {a.contents(), b.contents(), c.contents()};
    auto written = engine::writeDatabase(options(pageSize), tables);
    REQUIRE_MESSAGE(written.isOk(), written.status().toString());
    checkPagesVerify(*written);
    test::checkRowsWithFormatReader(written->file, pageSize, a);
    test::checkRowsWithFormatReader(written->file, pageSize, b);
    test::checkRowsWithFormatReader(written->file, pageSize, c);
    test::checkSpace(written->file, pageSize);
    // Objids in creation order, each LV tree right after its table.
    REQUIRE(written->tables.size() == 3);
    CHECK(written->tables[0].objectId == 8);
    CHECK(written->tables[0].longValueObjectId == 9);
    CHECK(written->tables[1].objectId == 10);
    CHECK(written->tables[1].longValueObjectId == 0);
    CHECK(written->tables[1].treePages == 1);
    CHECK(written->tables[2].objectId == 11);
  }
}

TEST_CASE("writer options: packed or one-chunk-per-page LVs, LID64, density, no prefix compression") {
  test::RowShape shape;
  shape.largeEvery = 3;
  shape.largeMax = 40000;
  const test::GeneratedTable data = generateTable("Data", 400, 77, shape);
  const engine::TableContents contents = data.contents();
  for (uint32_t pageSize : test::kAllPageSizes) {
    for (int variant = 0; variant < 4; ++variant) {
      CAPTURE(pageSize);
      CAPTURE(variant);
      engine::DatabaseWriterOptions o = options(pageSize);
      if (variant == 0) o.longValueLayout = engine::LongValueLayout::OneChunkPerPage;
      if (variant == 1) o.longValueIds = engine::LongValueIdWidth::Lid64;
      if (variant == 2) {
        o.tableDensity = 100;
        o.prefixCompression = false;
      }
      if (variant == 3) {
        o.tableDensity = 20;
        o.longValueIds = engine::LongValueIdWidth::Lid64;
        o.longValueLayout = engine::LongValueLayout::OneChunkPerPage;
      }
      auto written = engine::writeDatabase(o, std::span(&contents, 1));
      REQUIRE_MESSAGE(written.isOk(), written.status().toString());
      checkPagesVerify(*written);
      test::checkRowsWithFormatReader(written->file, pageSize, data);
      test::checkSpace(written->file, pageSize);
    }
  }
}

TEST_CASE("many tables: the catalog, its indexes and MSysObjids outgrow their first extents") {
  for (uint32_t pageSize : {4096u, 16384u}) {
    CAPTURE(pageSize);
    std::vector<test::GeneratedTable> data;
    for (int i = 0; i < 400; ++i) {
      test::RowShape shape;
      shape.largeEvery = 2;
      shape.largeMax = 3000;
      data.push_back(generateTable("Table" + std::to_string(i), i % 7, 500 + i, shape));
    }
    std::vector<engine::TableContents> tables;
    for (const auto& d : data) tables.push_back(d.contents());
    auto written = engine::writeDatabase(options(pageSize), tables);
    REQUIRE_MESSAGE(written.isOk(), written.status().toString());
    checkPagesVerify(*written);
    for (size_t i = 0; i < data.size(); i += 37) test::checkRowsWithFormatReader(written->file, pageSize, data[i]);
    test::checkSpace(written->file, pageSize);
    table::DatabaseImage image{written->file, pageSize};
    auto catalog = table::readCatalog(image);
    REQUIRE(catalog.isOk());
    CHECK(catalog->tables.size() == 404);
    // MSysObjids (pgno 29) now spans several pages: converted to multiple extent.
    auto objids = image.page(29);
    REQUIRE(objids.isOk());
    auto view = page::parsePage(*objids);
    REQUIRE(view.isOk());
    const Bytes header = view->externalHeader();
    REQUIRE(header.size() == 16);
    if (pageSize == 4096) {
      CHECK((header[8] & 1) == 1);
      CHECK_FALSE(view->header.has(page::flag::Leaf));
    }
  }
}
