// Databases written by esekit's bulk writer pass the integrity check with no
// error and no warning: every page size, empty to 20,000-row tables, long
// values, both LID widths and LV layouts, with and without prefix compression.
#include <doctest/doctest.h>

#include "esekit/engine/database_writer.h"
#include "esekit/format/integrity.h"
#include "interop/database_fixtures.h"

using namespace esekit;
using esekit::test::generateTable;

namespace {

engine::DatabaseWriterOptions options(uint32_t pageSize) {
  engine::DatabaseWriterOptions o;
  o.pageSize = pageSize;
  o.signatureRandom = 0x2468ACE;
  o.creationTime.day = 1;
  o.creationTime.month = 1;
  o.creationTime.yearSince1900 = 124;
  return o;
}

std::string listProblems(const integrity::IntegrityReport& report) {
  std::string text;
  for (size_t i = 0; i < report.problems.size() && i < 20; ++i) text += "\n  " + report.problems[i].toString();
  return text;
}

void checkClean(const engine::WrittenDatabase& written, uint64_t expectedRecords) {
  auto report = integrity::checkIntegrity(written.file);
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  CHECK_MESSAGE(report->errors == 0, integrity::verdict(*report) << listProblems(*report));
  CHECK_MESSAGE(report->warnings == 0, integrity::verdict(*report) << listProblems(*report));
  CHECK(report->databasePages == written.pageCount);
  // User rows plus the system tables' rows (catalog, shadow, MSysObjids, MSysLocales).
  CHECK(report->records > expectedRecords);
  uint64_t separated = 0;
  for (const engine::WrittenTable& t : written.tables) separated += t.separatedValues;
  CHECK(report->longValues == separated);
}

}  // namespace

TEST_CASE("written databases with 0, 1, 1000 and 20000 rows are clean at every page size") {
  for (uint32_t pageSize : test::kAllPageSizes) {
    for (size_t rows : {size_t{0}, size_t{1}, size_t{1000}, size_t{20000}}) {
      CAPTURE(pageSize);
      CAPTURE(rows);
      const auto small = generateTable("Small", rows, 11 + rows);
      const auto other = generateTable("Other", rows / 10, 99 + rows);
      const auto empty = generateTable("Empty", 0, 5);
      const std::vector<engine::TableContents> tables{small.contents(), other.contents(), empty.contents()};
      auto written = engine::writeDatabase(options(pageSize), tables);
      REQUIRE_MESSAGE(written.isOk(), written.status().toString());
      checkClean(*written, rows + rows / 10);
    }
  }
}

TEST_CASE("long-value variants are clean: LID64, one chunk per page, huge values, no prefix compression") {
  test::RowShape shape;
  shape.hugeValues = {2u << 20, 100000, 8150, 8151};
  shape.largeEvery = 5;
  const auto t = generateTable("Values", 300, 42, shape);
  const std::vector<engine::TableContents> tables{t.contents()};
  for (uint32_t pageSize : test::kAllPageSizes) {
    for (int variant = 0; variant < 3; ++variant) {
      CAPTURE(pageSize);
      CAPTURE(variant);
      engine::DatabaseWriterOptions o = options(pageSize);
      if (variant == 0) o.longValueIds = engine::LongValueIdWidth::Lid64;
      if (variant == 1) o.longValueLayout = engine::LongValueLayout::OneChunkPerPage;
      if (variant == 2) o.prefixCompression = false, o.tableDensity = 100;
      auto written = engine::writeDatabase(o, tables);
      REQUIRE_MESSAGE(written.isOk(), written.status().toString());
      checkClean(*written, 300);
    }
  }
}
