// verifyDatabaseImage: misplaced pages, damaged and hostile images, options.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <random>

#include "esekit/format/checksum.h"
#include "esekit/format/page.h"
#include "esekit/format/page_verify.h"
#include "page_test_support.h"

using namespace esekit;
using namespace esekit::page;
using esekit::test::CorpusDatabase;

namespace {

MutableBytes pageOf(std::vector<uint8_t>& image, uint32_t pgno, uint32_t pageSize) {
  return MutableBytes(image).subspan((size_t{pgno} + 1) * pageSize, pageSize);
}

const PageProblem* problemAt(const DatabaseImageReport& report, uint32_t pgno) {
  for (const PageProblem& p : report.problems) {
    if (p.pageNumber == pgno) return &p;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a page copied to the wrong position names both page numbers") {
  for (const char* path : {"dissect-esedb/basic.edb", "ese_parser-stroz/decompress_test.edb", "go-ese/Samples/qmgr.db",
                           "cortana-akarib/Indexed DB/IndexedDB.edb"}) {
    CAPTURE(path);
    const auto db = test::loadCorpusDatabase(path);
    if (!db) return;
    const std::vector<uint32_t> good = test::okPages(*db, 1);
    REQUIRE(good.size() >= 3);
    // Overwrite two other pages (one that was in use, one uninitialized) with copies of good[0].
    const uint32_t source = good[0], inUse = good[2];
    uint32_t unused = 0;
    for (uint32_t pgno = 1; pgno <= db->pageCount(); ++pgno) {
      if (verifyPage(db->page(pgno), pgno).pageClass == PageClass::Uninitialized) unused = pgno;
    }
    REQUIRE(unused != 0);
    std::vector<uint8_t> image = db->image;
    for (uint32_t target : {inUse, unused}) {
      const Bytes from = db->page(source);
      std::copy(from.begin(), from.end(), pageOf(image, target, db->pageSize).begin());
    }
    const DatabaseImageReport report = verifyDatabaseImage(image, db->pageSize);
    CHECK(report.count(PageClass::WrongPageNumber) == 2);
    for (uint32_t target : {inUse, unused}) {
      const PageProblem* problem = problemAt(report, target);
      REQUIRE(problem != nullptr);
      CHECK(problem->pageClass == PageClass::WrongPageNumber);
      CHECK(problem->error == JetError::ReadPgnoVerifyFailure);
      CHECK(problem->actualPageNumber == source);
      const std::string message = problem->status().toString();
      CHECK(message.find("page " + std::to_string(target)) != std::string::npos);
      CHECK(message.find(std::to_string(source)) != std::string::npos);
      CHECK(message.find("-1118") != std::string::npos);
    }
  }
}

TEST_CASE("old-format (legacy XOR) pages: verify, and a misplaced one names its page") {
  const auto db = test::loadCorpusDatabase("dissect-esedb/basic.edb");
  if (!db) return;
  const uint32_t pgno = test::okPages(*db, 2).at(0);
  // Rewrite the page in the old format: flag 0x2000 clear, (pgno << 32) | xor32 (checksums.md §2).
  std::vector<uint8_t> page(db->page(pgno).begin(), db->page(pgno).end());
  storeLittleEndian<uint32_t>(page.data() + 36, loadLittleEndian<uint32_t>(page.data() + 36) & ~flag::NewChecksumFormat);
  storeLittleEndian<uint32_t>(page.data() + 4, pgno);
  storeLittleEndian<uint32_t>(page.data(), checksum::legacyXor(page));
  CHECK(verifyPage(page, pgno).pageClass == PageClass::Ok);
  const PageVerdict misplaced = verifyPage(page, pgno + 7);
  CHECK(misplaced.pageClass == PageClass::WrongPageNumber);
  CHECK(misplaced.actualPageNumber == pgno);
  // No ECC in the old format: a flipped data bit is only detected.
  page[1000] ^= 0x04;
  const PageVerdict damaged = verifyPage(page, pgno);
  CHECK(damaged.pageClass == PageClass::Bad);
  CHECK(damaged.badKind == BadKind::ChecksumMismatch);
}

TEST_CASE("large pages: PGHDR2.pgno must match (JET_errReadPgnoVerifyFailure)") {
  const auto db = test::loadCorpusDatabase("go-ese/Samples/qmgr.db");
  if (!db) return;
  const uint32_t pgno = test::okPages(*db, 1).at(0);
  std::vector<uint8_t> page(db->page(pgno).begin(), db->page(pgno).end());
  storeLittleEndian<uint32_t>(page.data() + 64, pgno + 1000);
  checksum::setPageChecksum(page, pgno);  // checksums consistent with pgno, field says otherwise
  const PageVerdict verdict = verifyPage(page, pgno);
  CHECK(verdict.pageClass == PageClass::WrongPageNumber);
  CHECK(verdict.error == JetError::ReadPgnoVerifyFailure);
  CHECK(verdict.actualPageNumber == pgno + 1000);
}

TEST_CASE("truncated image: whole pages verified, the partial page is an error with its offset") {
  const auto db = test::loadCorpusDatabase("dissect-esedb/basic.edb");
  if (!db) return;
  const size_t cut = db->image.size() - db->pageSize / 2 - db->pageSize;  // one and a half pages missing
  const Bytes truncated = Bytes(db->image).first(cut);
  const DatabaseImageReport report = verifyDatabaseImage(truncated, db->pageSize);
  CHECK(report.imageStatus.code() == JetError::DatabaseCorrupted);
  CHECK(report.trailingBytes == db->pageSize / 2);
  CHECK(report.totalPages == cut / db->pageSize - 2);
  CHECK(report.imageStatus.message().find(hex64(cut - db->pageSize / 2)) != std::string::npos);
  CHECK(report.damagedPages() == 0);
  CHECK_FALSE(report.clean());
}

TEST_CASE("empty, tiny and wrongly sized images give clear statuses") {
  const DatabaseImageReport empty = verifyDatabaseImage({}, 4096);
  CHECK(empty.imageStatus.code() == JetError::InvalidDatabase);
  CHECK(empty.totalPages == 0);
  CHECK_FALSE(empty.clean());

  std::vector<uint8_t> header(4096 + 100);
  const DatabaseImageReport tiny = verifyDatabaseImage(header, 4096);
  CHECK(tiny.imageStatus.code() == JetError::InvalidDatabase);
  CHECK(tiny.imageStatus.message().find("4196") != std::string::npos);

  std::vector<uint8_t> some(5 * 4096);
  CHECK(verifyDatabaseImage(some, 3000).imageStatus.code() == JetError::InvalidParameter);
  CHECK(verifyDatabaseImage(some, 0).imageStatus.code() == JetError::InvalidParameter);

  // Header + shadow only: nothing to verify, nothing wrong.
  std::vector<uint8_t> twoPages(2 * 4096);
  const DatabaseImageReport none = verifyDatabaseImage(twoPages, 4096);
  CHECK(none.imageStatus.isOk());
  CHECK(none.totalPages == 0);

  // An all-zero image is all uninitialized pages.
  const DatabaseImageReport zeros = verifyDatabaseImage(some, 4096);
  CHECK(zeros.count(PageClass::Uninitialized) == 3);
  CHECK(zeros.clean());
}

TEST_CASE("fixedCopy must be a separate buffer of the image's size") {
  std::vector<uint8_t> image(6 * 8192);
  std::vector<uint8_t> small(image.size() - 1);
  VerifyOptions options;
  options.fixedCopy = small;
  CHECK(verifyDatabaseImage(image, 8192, options).imageStatus.code() == JetError::InvalidParameter);
  options.fixedCopy = image;
  CHECK(verifyDatabaseImage(image, 8192, options).imageStatus.code() == JetError::InvalidParameter);
}

TEST_CASE("random bytes: every page bad, listed up to maxProblems, never a crash") {
  for (uint32_t pageSize : {4096u, 8192u, 16384u, 32768u}) {
    CAPTURE(pageSize);
    std::mt19937_64 random(pageSize);
    std::vector<uint8_t> image(size_t{pageSize} * 40 + 123);
    for (auto& b : image) b = static_cast<uint8_t>(random());
    VerifyOptions options;
    options.maxProblems = 10;
    options.threads = 3;
    const DatabaseImageReport report = verifyDatabaseImage(image, pageSize, options);
    CHECK(report.totalPages == 38);
    CHECK(report.count(PageClass::Bad) == 38);
    CHECK(report.problems.size() == 10);
    CHECK(report.unlistedProblems == 28);
    for (size_t i = 0; i < report.problems.size(); ++i) {
      CHECK(report.problems[i].pageNumber == i + 1);  // the lowest page numbers are listed
      CHECK(report.problems[i].error == JetError::ReadVerifyFailure);
      CHECK_FALSE(report.problems[i].reason.empty());
    }
    CHECK(report.imageStatus.code() == JetError::DatabaseCorrupted);  // 123 trailing bytes
    CHECK_FALSE(describe(report).empty());
  }
}

TEST_CASE("threads and progress: same report for 1..4 threads; progress serialized, monotonic, complete") {
  const auto db = test::loadCorpusDatabase("museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Clean/SRUDB.dat");
  if (!db) return;
  std::vector<uint8_t> image = db->image;
  // A few problems spread over the image.
  for (uint32_t pgno : {3u, 400u, 700u}) pageOf(image, pgno, db->pageSize)[2000] ^= 0x40;
  DatabaseImageReport first;
  for (unsigned threads : {1u, 2u, 3u, 4u}) {
    CAPTURE(threads);
    std::mutex mutex;
    std::atomic<int> concurrent{0};
    bool overlapped = false, decreasing = false;
    uint64_t last = 0, calls = 0, total = 0;
    VerifyOptions options;
    options.threads = threads;
    options.progress = [&](uint64_t done, uint64_t all) {
      if (concurrent.fetch_add(1) != 0) overlapped = true;
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (done < last) decreasing = true;
        last = done;
        total = all;
        ++calls;
      }
      concurrent.fetch_sub(1);
    };
    const DatabaseImageReport report = verifyDatabaseImage(image, db->pageSize, options);
    CHECK_FALSE(overlapped);
    CHECK_FALSE(decreasing);
    CHECK(calls >= 1);
    CHECK(last == report.totalPages);
    CHECK(total == report.totalPages);
    CHECK(report.count(PageClass::Corrected) == 3);
    if (threads == 1) {
      first = report;
      continue;
    }
    CHECK(report.counts == first.counts);
    REQUIRE(report.problems.size() == first.problems.size());
    for (size_t i = 0; i < report.problems.size(); ++i) {
      CHECK(report.problems[i].pageNumber == first.problems[i].pageNumber);
      CHECK(report.problems[i].correctedBits == first.problems[i].correctedBits);
    }
  }
}
