// Every page of every real database in shared/corpus: verification verdicts,
// parsing, structural validation and byte-exact re-encoding.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "esekit/format/checksum.h"
#include "esekit/format/page.h"
#include "esekit/format/page_verify.h"
#include "page_test_support.h"

using namespace esekit;
using namespace esekit::page;
using esekit::test::CorpusDatabase;

namespace {

// Documented exceptions (page-format.md §6, checksums.md §4.1,
// checkpoint-and-backup.md §5); every other database verifies completely.
constexpr const char* kSrudbWithForeignPages = "dissect-esedb/SRUDB.dat";
constexpr const char* kTempDatabase = "museum/NTDS/Win2012R2/StolenSzechuan/temp.edb";
constexpr const char* kStreamedBackup = "windowsmail-danyquenneville/Windows Mail/Backup/new/WindowsMail.MSMessageStore";

uint64_t countBadKind(const DatabaseImageReport& report, BadKind kind) {
  return std::count_if(report.problems.begin(), report.problems.end(),
                       [kind](const PageProblem& p) { return p.badKind == kind; });
}

}  // namespace

TEST_CASE("every corpus database verifies; only the documented pages fail") {
  uint64_t nonEmptyOkPages = 0;
  std::map<std::string, DatabaseImageReport> reports;
  const size_t databases = test::forEachCorpusDatabase([&](const CorpusDatabase& db) {
    CAPTURE(db.name);
    VerifyOptions options;
    options.threads = 2;
    const DatabaseImageReport report = verifyDatabaseImage(db.image, db.pageSize, options);
    CHECK(report.imageStatus.isOk());
    CHECK(report.trailingBytes == 0);
    CHECK(report.unlistedProblems == 0);
    uint64_t classified = 0;
    for (uint64_t c : report.counts) classified += c;
    CHECK(classified == report.totalPages);
    CHECK(report.count(PageClass::Corrected) == 0);
    CHECK(report.count(PageClass::WrongPageNumber) == 0);
    CHECK(report.count(PageClass::Malformed) == 0);
    nonEmptyOkPages += report.count(PageClass::Ok);

    if (db.name == kSrudbWithForeignPages) {
      // pgno 141-142 zero, 143-158 UTF-16 text / .NET strings (page-format.md §6).
      CHECK(report.totalPages == 158);
      CHECK(report.count(PageClass::Bad) == 16);
      CHECK(report.damagedPages() == 16);
      CHECK_FALSE(report.scratchDatabase);
      REQUIRE(report.problems.size() == 16);
      for (size_t i = 0; i < 16; ++i) {
        CHECK(report.problems[i].pageNumber == 143 + i);
        CHECK(report.problems[i].error == JetError::ReadVerifyFailure);
        CHECK(report.problems[i].badKind == BadKind::NotEsePage);
        CHECK_FALSE(report.problems[i].tolerated);
      }
      CHECK(verifyPage(db.page(141), 141).pageClass == PageClass::Uninitialized);
      CHECK(verifyPage(db.page(142), 142).pageClass == PageClass::Uninitialized);
    } else if (db.name == kTempDatabase) {
      // JustCreated temp database: 27 ESE pages without checksum and 207 pages
      // of non-ESE data (checksums.md §4.1); reported but tolerated.
      CHECK(report.scratchDatabase);
      CHECK(report.count(PageClass::Bad) == 27 + 207);
      CHECK(countBadKind(report, BadKind::NoChecksum) == 27);
      CHECK(countBadKind(report, BadKind::NotEsePage) == 207);
      CHECK(report.toleratedPages == 234);
      CHECK(report.damagedPages() == 0);
      CHECK(std::all_of(report.problems.begin(), report.problems.end(), [](const PageProblem& p) { return p.tolerated; }));
      // Without the scratch allowance they are damage like anywhere else.
      VerifyOptions strict = options;
      strict.strict = true;
      const DatabaseImageReport strictReport = verifyDatabaseImage(db.image, db.pageSize, strict);
      CHECK(strictReport.damagedPages() == 234);
      CHECK(strictReport.toleratedPages == 0);
    } else {
      CHECK(report.count(PageClass::Bad) == 0);
      CHECK(report.problems.empty());
      CHECK(report.clean());
      CHECK_FALSE(report.scratchDatabase);
    }
    // A streamed backup ends with its trailer page (checkpoint-and-backup.md §5).
    CHECK(report.trailerPage == (db.name == kStreamedBackup));
    CHECK(report.totalPages == db.pageCount() - (report.trailerPage ? 1 : 0));
    reports.emplace(db.name, report);
  });
  if (databases == 0) return;  // no corpus (skip reported by corpusFiles)
  CHECK(databases == 43);  // INVENTORY.md: 43 databases
  // README "verification": all 5,070 non-empty ESE pages of the 43 databases verify.
  CHECK(nonEmptyOkPages == 5070);
}

TEST_CASE("every non-empty corpus page parses, validates and re-encodes byte for byte") {
  uint64_t pages = 0, nodes = 0, compressedNodes = 0;
  test::forEachCorpusDatabase([&](const CorpusDatabase& db) {
    CAPTURE(db.name);
    for (uint32_t pgno = 1; pgno <= db.pageCount(); ++pgno) {
      const Bytes page = db.page(pgno);
      if (verifyPage(page, pgno, {}, /*checkStructure=*/false).pageClass != PageClass::Ok) continue;
      CAPTURE(pgno);
      const Status valid = validatePage(page);
      CHECK_MESSAGE(valid.isOk(), valid.toString());
      const auto view = parsePage(page);
      REQUIRE_MESSAGE(view.isOk(), view.status().toString());
      ++pages;

      // Header: byte-exact round trip of the 40 / 80 header bytes.
      std::vector<uint8_t> header(view->header.size());
      ByteWriter writer(header);
      view->header.serialize(writer);
      CHECK_FALSE(writer.overrun());
      CHECK(std::memcmp(header.data(), page.data(), header.size()) == 0);
      if (view->large()) CHECK(view->header.pageNumber == pgno);

      // Tags: writing the parsed entries back gives the same tag array.
      std::vector<uint8_t> rebuilt(page.begin(), page.end());
      for (const Tag& tag : view->tags) {
        std::memset(rebuilt.data() + Tag::entryOffset(page.size(), tag.index), 0xEE, kTagSize);
        writeTag(rebuilt, tag);
      }
      CHECK(std::equal(rebuilt.begin(), rebuilt.end(), page.begin()));

      // Nodes: encodeNode() of the decoded parts reproduces every line
      // (small pages keep the flags in the tag, so compare from the line).
      for (const Node& node : view->nodes) {
        ++nodes;
        compressedNodes += node.compressed();
        const std::vector<uint8_t> line =
            encodeNode(node.flags, node.prefixSize, node.suffix, node.data, view->large());
        REQUIRE(line.size() == node.lineSize);
        const Bytes stored = page.subspan(node.lineOffset, node.lineSize);
        CHECK(std::equal(line.begin(), line.end(), stored.begin()));
        // The key prefix comes from the external header (page-format.md §5).
        const Bytes prefix = view->keyPrefix();
        REQUIRE(node.prefixSize <= prefix.size());
        CHECK(std::equal(node.prefix.begin(), node.prefix.end(), prefix.begin()));
      }
      if (view->internal()) {
        for (const Node& node : view->nodes) CHECK(node.data.size() == 4);  // child pgno, §5
      }
      // Describe never fails and names every node.
      CHECK_FALSE(describe(*view).empty());
      CHECK(describeNodes(*view).items().size() >= view->nodes.size());
    }
  });
  if (pages == 0) return;
  CHECK(pages == 5070);
  MESSAGE("parsed " << pages << " pages, " << nodes << " nodes (" << compressedNodes << " prefix-compressed)");
  CHECK(compressedNodes > 0);
}

TEST_CASE("stroz checksum test vector: block 0 of a 32 KiB page, pgno 1793") {
  const auto path = test::corpusFile("ese_parser-stroz/checksum_buffer_12050322830504531039.bin");
  if (!path) return;
  const std::vector<uint8_t> page = test::readFile(*path);
  REQUIRE(page.size() == 8192);
  // The file name is the stored checksum; it verifies as page 1793 (INVENTORY.md).
  CHECK(loadLittleEndian<uint64_t>(page.data()) == 12050322830504531039ull);
  const PageVerdict checksumOnly = verifyPage(page, 1793, {}, /*checkStructure=*/false);
  CHECK(checksumOnly.pageClass == PageClass::Ok);
  CHECK(checksumOnly.error == JetError::Success);
  // Read at another page number, the checksum names the page it belongs to.
  const PageVerdict elsewhere = verifyPage(page, 1792, {}, false);
  CHECK(elsewhere.pageClass == PageClass::WrongPageNumber);
  CHECK(elsewhere.error == JetError::ReadPgnoVerifyFailure);
  CHECK(elsewhere.actualPageNumber == 1793);
  // It is the first 8 KiB block of a 32 KiB page (blocks of 32 KiB pages are
  // 8 KiB, checksums.md §4.2): PGHDR2.pgno at 64 is 1793 and cbFree (20305)
  // only fits a 32 KiB page, so as a stand-alone 8 KiB page it is malformed.
  CHECK(loadLittleEndian<uint32_t>(page.data() + 64) == 1793);
  CHECK(loadLittleEndian<uint16_t>(page.data() + 28) == 20305);
  const PageVerdict structural = verifyPage(page, 1793);
  CHECK(structural.pageClass == PageClass::Malformed);
  CHECK(structural.error == JetError::DatabaseCorrupted);
  CHECK(structural.reason.find("cbFree") != std::string::npos);
}

TEST_CASE("temp.edb: unchecksummed pages carry plausible ESE headers, the others are foreign data") {
  const auto db = test::loadCorpusDatabase(kTempDatabase);
  if (!db) return;
  CHECK(loadLittleEndian<uint32_t>(db->image.data() + 52) == 1);  // JustCreated (database-header.md §6)
  size_t unchecksummed = 0;
  for (uint32_t pgno = 1; pgno <= db->pageCount(); ++pgno) {
    const PageVerdict verdict = verifyPage(db->page(pgno), pgno);
    if (verdict.badKind != BadKind::NoChecksum) continue;
    ++unchecksummed;
    const auto header = PageHeader::parse(db->page(pgno));
    REQUIRE(header.isOk());
    CHECK(header->checksum == 0);
    CHECK_FALSE(header->has(flag::NewChecksumFormat));
    CHECK(header->objectId != 0);
  }
  CHECK(unchecksummed == 27);
}
