// Flipped bits in real pages of every page size: exact location, correction,
// and the cases that must not be corrected (checksums.md §5).
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "esekit/format/page.h"
#include "esekit/format/page_verify.h"
#include "page_test_support.h"

using namespace esekit;
using namespace esekit::page;
using esekit::test::CorpusDatabase;

namespace {

struct Source {
  const char* path;
  uint32_t pageSize;
};
constexpr Source kSources[] = {
    {"dissect-esedb/basic.edb", 4096},
    {"ese_parser-stroz/decompress_test2.edb", 8192},
    {"go-ese/Samples/qmgr.db", 16384},
    {"cortana-akarib/Indexed DB/IndexedDB.edb", 32768},
};
constexpr uint32_t kFlagBit = 301;  // checksum-format flag 0x2000 at offset 36

void flip(std::vector<uint8_t>& page, uint32_t bit) { page[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8)); }

size_t blockSize(size_t pageSize) { return pageSize <= 8192 ? pageSize : (pageSize <= 16384 ? 4096 : 8192); }

// One flipped bit at `bit` of a good page read as `pgno`: where ESE's scheme
// (and our two extensions) can locate it, it is Corrected at exactly that bit
// and the corrected page equals the original.
void checkSingleFlip(const Bytes original, uint32_t pgno, uint32_t bit) {
  CAPTURE(bit);
  std::vector<uint8_t> damaged(original.begin(), original.end());
  flip(damaged, bit);
  std::vector<uint8_t> corrected(original.size(), 0);
  const PageVerdict verdict = verifyPage(damaged, pgno, corrected);
  if (!isLargePage(original.size()) && bit < 32) {
    // XOR half of the stored checksum on a small page: indistinguishable from
    // the page of pgno ^ (1 << bit), checksums.md §5 diagnostic trick.
    CHECK(verdict.pageClass == PageClass::WrongPageNumber);
    CHECK(verdict.error == JetError::ReadPgnoVerifyFailure);
    CHECK(verdict.actualPageNumber == (pgno ^ (1u << bit)));
    return;
  }
  REQUIRE_MESSAGE(verdict.pageClass == PageClass::Corrected, verdict.reason);
  CHECK(verdict.error == JetError::Success);
  REQUIRE(verdict.correctedBits.size() == 1);
  CHECK(verdict.correctedBits[0] == bit);
  CHECK(std::equal(corrected.begin(), corrected.end(), original.begin()));
}

std::vector<uint32_t> somePages(const CorpusDatabase& db, size_t count) {
  std::vector<uint32_t> pages = test::okPages(db, 3);
  if (pages.size() > count) pages.resize(count);
  return pages;
}

}  // namespace

TEST_CASE("every single bit of a 4 KiB page is located exactly") {
  const auto db = test::loadCorpusDatabase(kSources[0].path);
  if (!db) return;
  const std::vector<uint32_t> pages = somePages(*db, 1);
  REQUIRE(pages.size() == 1);
  const Bytes original = db->page(pages[0]);
  for (uint32_t bit = 0; bit < 8 * original.size(); ++bit) checkSingleFlip(original, pages[0], bit);
}

TEST_CASE("single flipped bits at many positions of 4/8/16/32 KiB pages") {
  std::mt19937 random(20240611);
  for (const Source& source : kSources) {
    CAPTURE(source.path);
    const auto db = test::loadCorpusDatabase(source.path);
    if (!db) return;
    REQUIRE(db->pageSize == source.pageSize);
    const std::vector<uint32_t> pages = somePages(*db, 3);
    REQUIRE(pages.size() >= 2);
    for (uint32_t pgno : pages) {
      CAPTURE(pgno);
      const Bytes original = db->page(pgno);
      std::set<uint32_t> bits;
      // Stored checksum(s), header fields, flags (incl. bit 301), and on large
      // pages the block checksums at 40-63, PGHDR2.pgno and reserved bytes.
      const uint32_t headerBits = 8 * static_cast<uint32_t>(headerSize(original.size()));
      for (uint32_t bit = 0; bit < headerBits; ++bit) bits.insert(bit);
      // Both ends of every checksum block, the tag array and the last bit.
      const size_t block = blockSize(original.size());
      for (size_t start = 0; start < original.size(); start += block) {
        bits.insert(static_cast<uint32_t>(8 * start));
        bits.insert(static_cast<uint32_t>(8 * (start + block) - 1));
      }
      std::uniform_int_distribution<uint32_t> anywhere(0, static_cast<uint32_t>(8 * original.size() - 1));
      for (int i = 0; i < 300; ++i) bits.insert(anywhere(random));
      for (uint32_t bit : bits) checkSingleFlip(original, pgno, bit);
    }
  }
}

TEST_CASE("the checksum-format flag bit (301) and stored-checksum bits are corrected beyond ESE, and say so") {
  const auto db = test::loadCorpusDatabase(kSources[1].path);
  if (!db) return;
  const uint32_t pgno = somePages(*db, 1).at(0);
  std::vector<uint8_t> page(db->page(pgno).begin(), db->page(pgno).end());
  flip(page, kFlagBit);  // the page now claims the legacy checksum
  const PageVerdict flagFlip = verifyPage(page, pgno);
  CHECK(flagFlip.pageClass == PageClass::Corrected);
  CHECK(flagFlip.correctedBits == std::vector<uint32_t>{kFlagBit});
  CHECK(flagFlip.reason.find("ESE does not correct") != std::string::npos);
  flip(page, kFlagBit);
  flip(page, 8 * 6 + 2);  // ECC half of the stored checksum
  const PageVerdict eccFlip = verifyPage(page, pgno);
  CHECK(eccFlip.pageClass == PageClass::Corrected);
  CHECK(eccFlip.correctedBits == std::vector<uint32_t>{8 * 6 + 2});
}

TEST_CASE("two flipped bits in one checksum block give JET_errReadVerifyFailure") {
  std::mt19937 random(7);
  for (const Source& source : kSources) {
    CAPTURE(source.path);
    const auto db = test::loadCorpusDatabase(source.path);
    if (!db) return;
    const std::vector<uint32_t> pages = somePages(*db, 2);
    const size_t block = blockSize(db->pageSize);
    for (uint32_t pgno : pages) {
      const Bytes original = db->page(pgno);
      for (int trial = 0; trial < 60; ++trial) {
        // Two distinct data bits of one block (bytes 0-7 hold the checksum, see below).
        std::uniform_int_distribution<size_t> whichBlock(0, original.size() / block - 1);
        const size_t start = whichBlock(random) * block;
        std::uniform_int_distribution<uint32_t> inBlock(static_cast<uint32_t>(8 * (start == 0 ? 8 : start)),
                                                        static_cast<uint32_t>(8 * (start + block) - 1));
        const uint32_t a = inBlock(random);
        uint32_t b = inBlock(random);
        while (b == a) b = inBlock(random);
        CAPTURE(a);
        CAPTURE(b);
        std::vector<uint8_t> damaged(original.begin(), original.end());
        flip(damaged, a);
        flip(damaged, b);
        std::vector<uint8_t> out(original.size(), 0x5A);
        const PageVerdict verdict = verifyPage(damaged, pgno, out);
        CHECK(verdict.pageClass == PageClass::Bad);
        CHECK(verdict.error == JetError::ReadVerifyFailure);
        CHECK(verdict.correctedBits.empty());
        CHECK(std::all_of(out.begin(), out.end(), [](uint8_t v) { return v == 0x5A; }));  // untouched
      }
      // The checksum-format flag plus one data bit of the same block: the
      // flag trial must not combine with a correction in that block.
      std::vector<uint8_t> flagAndData(original.begin(), original.end());
      flip(flagAndData, kFlagBit);
      flip(flagAndData, 8 * 100 + 3);
      CHECK(verifyPage(flagAndData, pgno).pageClass == PageClass::Bad);
      // Two bits of the stored ECC half: not a single-bit error either.
      std::vector<uint8_t> damaged(original.begin(), original.end());
      flip(damaged, 8 * 4 + 1);
      flip(damaged, 8 * 7 + 6);
      CHECK(verifyPage(damaged, pgno).pageClass == PageClass::Bad);
    }
  }
}

TEST_CASE("large pages: one flipped bit in each of the four blocks is corrected") {
  for (const Source& source : {kSources[2], kSources[3]}) {
    CAPTURE(source.path);
    const auto db = test::loadCorpusDatabase(source.path);
    if (!db) return;
    const uint32_t pgno = somePages(*db, 1).at(0);
    const Bytes original = db->page(pgno);
    const size_t block = blockSize(original.size());
    // Block 0's bit lies in the stored checksum of block 2 (bytes 48-55).
    const std::vector<uint32_t> bits = {8 * 50 + 3, static_cast<uint32_t>(8 * block + 77),
                                        static_cast<uint32_t>(8 * 2 * block + 5),
                                        static_cast<uint32_t>(8 * (4 * block) - 1)};
    std::vector<uint8_t> damaged(original.begin(), original.end());
    for (uint32_t bit : bits) flip(damaged, bit);
    std::vector<uint8_t> corrected(original.size());
    const PageVerdict verdict = verifyPage(damaged, pgno, corrected);
    REQUIRE_MESSAGE(verdict.pageClass == PageClass::Corrected, verdict.reason);
    CHECK(verdict.correctedBits == bits);
    CHECK(std::equal(corrected.begin(), corrected.end(), original.begin()));
  }
}

TEST_CASE("whole image: fixedCopy restores every corrected page, bad pages stay as read") {
  std::mt19937 random(99);
  for (const Source& source : kSources) {
    CAPTURE(source.path);
    const auto db = test::loadCorpusDatabase(source.path);
    if (!db) return;
    const std::vector<uint32_t> pages = somePages(*db, 6);
    REQUIRE(pages.size() >= 4);
    std::vector<uint8_t> image = db->image;
    std::map<uint32_t, uint32_t> flipped;  // pgno -> bit
    for (size_t i = 0; i + 1 < pages.size(); ++i) {
      std::uniform_int_distribution<uint32_t> dataBit(64, static_cast<uint32_t>(8 * db->pageSize - 1));
      uint32_t bit = dataBit(random);
      if (bit == kFlagBit) ++bit;
      flipped[pages[i]] = bit;
      image[(size_t{pages[i]} + 1) * db->pageSize + bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    }
    // The last chosen page gets two bits in one block: uncorrectable.
    const uint32_t badPage = pages.back();
    const size_t badOffset = (size_t{badPage} + 1) * db->pageSize;
    image[badOffset + 100] ^= 0x01;
    image[badOffset + 200] ^= 0x10;
    const std::vector<uint8_t> damagedImage = image;

    std::vector<uint8_t> fixed(image.size());
    VerifyOptions options;
    options.fixedCopy = fixed;
    options.threads = 2;
    const DatabaseImageReport report = verifyDatabaseImage(image, db->pageSize, options);
    CHECK(image == damagedImage);  // the input is never modified
    CHECK(report.fixedCopyWritten);
    CHECK(report.count(PageClass::Corrected) == flipped.size());
    CHECK(report.count(PageClass::Bad) == 1);
    CHECK(report.damagedPages() == 1);
    CHECK_FALSE(report.clean());
    REQUIRE(report.problems.size() == flipped.size() + 1);
    for (const PageProblem& problem : report.problems) {
      CAPTURE(problem.pageNumber);
      CHECK(problem.fileOffset == (uint64_t{problem.pageNumber} + 1) * db->pageSize);
      if (problem.pageNumber == badPage) {
        CHECK(problem.pageClass == PageClass::Bad);
        CHECK(problem.status().code() == JetError::ReadVerifyFailure);
        CHECK(problem.status().message().find("page " + std::to_string(badPage) + " ") != std::string::npos);
        continue;
      }
      REQUIRE(flipped.count(problem.pageNumber) == 1);
      CHECK(problem.pageClass == PageClass::Corrected);
      CHECK(problem.correctedBits == std::vector<uint32_t>{flipped[problem.pageNumber]});
    }
    // Fixed copy: the original everywhere except the uncorrectable page, which is as read.
    for (size_t i = 0; i < fixed.size(); ++i) {
      const bool inBadPage = i >= badOffset && i < badOffset + db->pageSize;
      if ((inBadPage ? damagedImage[i] : db->image[i]) != fixed[i]) {
        FAIL("fixed copy differs at file offset " << i);
        break;
      }
    }
  }
}
