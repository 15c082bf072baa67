// The fast checksum kernels against the reference, and the page verdicts a
// reader relies on: single-bit errors located exactly, double errors never
// "corrected" into a wrong page, bit 301 never corrected, legacy pages bound
// to their page number (ese-format/checksums.md §2-§5, §8).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "corpus.h"
#include "esekit/format/checksum.h"

using namespace esekit;
using namespace esekit::checksum;
using Verdict = PageChecksumCheck::Verdict;

// Counts heap allocations of this program while `countingAllocations` is set,
// to check that verifying a good page allocates nothing (it runs per page).
namespace {
bool countingAllocations = false;
size_t allocations = 0;
}  // namespace
void* operator new(size_t size) {
  if (countingAllocations) ++allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace {

std::vector<uint8_t> randomBytes(std::mt19937_64& rng, size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; i += 8) {
    const uint64_t value = rng();
    std::memcpy(bytes.data() + i, &value, std::min<size_t>(8, size - i));
  }
  return bytes;
}

std::vector<Kernel> availableKernels() {
  std::vector<Kernel> kernels;
  for (Kernel kernel : kAllKernels)
    if (kernelAvailable(kernel)) kernels.push_back(kernel);
  return kernels;
}

// A page as a modern engine writes it: random content, flag 0x2000 set on
// small pages (setPageChecksum does that), PGHDR2.pgno on large pages.
std::vector<uint8_t> newFormatPage(std::mt19937_64& rng, size_t size, uint32_t pgno) {
  std::vector<uint8_t> page = randomBytes(rng, size);
  if (size > 8192) {
    storeLittleEndian<uint32_t>(page.data() + 64, pgno);
    std::fill(page.begin() + 68, page.begin() + 80, 0);
  }
  setPageChecksum(page, pgno);
  return page;
}

// §2: old-format page, flag 0x2000 clear, bytes 4-7 = pgno (itself inside the XOR).
std::vector<uint8_t> legacyPage(std::mt19937_64& rng, size_t size, uint32_t pgno) {
  std::vector<uint8_t> page = randomBytes(rng, size);
  const uint32_t flags = loadLittleEndian<uint32_t>(page.data() + 36) & ~kNewChecksumFormatFlag;
  storeLittleEndian<uint32_t>(page.data() + 36, flags);
  storeLittleEndian<uint32_t>(page.data() + 4, pgno);
  storeLittleEndian<uint32_t>(page.data(), legacyXor(page));
  return page;
}

void flip(std::vector<uint8_t>& page, uint32_t bit) { page[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8)); }

// Bits whose flip must be reported as uncorrectable: the stored block-0
// checksum (bytes 0-7: a damaged checksum is not a damaged page, §5 step 2
// needs both halves to show the error) and the format flag (§5 step 4).
bool uncorrectableBit(uint32_t bit) { return bit < 64 || bit == 301; }

// Flips `bit`, expects checkPage to name exactly that bit (or Bad for the
// bits above), and correctPage to restore the original.
void expectSingleFlipLocated(std::vector<uint8_t>& page, const std::vector<uint8_t>& original, uint32_t pgno,
                             uint32_t bit) {
  flip(page, bit);
  const PageChecksumCheck check = checkPage(page, pgno);
  if (uncorrectableBit(bit)) {
    CHECK_MESSAGE(check.verdict == Verdict::Bad, "bit ", bit);
    CHECK_MESSAGE(!correctPage(page, pgno, check), "bit ", bit);
    flip(page, bit);
    return;
  }
  REQUIRE_MESSAGE(check.verdict == Verdict::Correctable, "bit ", bit);
  REQUIRE_MESSAGE(check.flippedBits.size() == 1, "bit ", bit);
  CHECK_MESSAGE(check.flippedBits[0] == bit, "bit ", bit);
  REQUIRE_MESSAGE(correctPage(page, pgno, check), "bit ", bit);
  REQUIRE_MESSAGE(page == original, "bit ", bit);
}

}  // namespace

TEST_CASE("the kernels on this machine") {
  std::string names;
  for (Kernel kernel : availableKernels()) names += std::string(kernelName(kernel)) + " ";
  MESSAGE("available: ", names, "; active: ", std::string(kernelName(activeKernel())));
  CHECK(kernelAvailable(Kernel::Reference));
  CHECK(kernelAvailable(Kernel::Portable));
  CHECK(kernelAvailable(activeKernel()));
}

TEST_CASE("every kernel equals the reference on random blocks") {
  std::mt19937_64 rng(20240611);
  const std::vector<Kernel> kernels = availableKernels();
  for (size_t size : {2048u, 4096u, 8192u}) {
    for (int round = 0; round < 200; ++round) {
      const std::vector<uint8_t> block = randomBytes(rng, size);
      const uint32_t pgno = static_cast<uint32_t>(rng());
      for (bool header : {false, true}) {
        const uint64_t expected = xorEccWith(Kernel::Reference, block, pgno, header);
        CHECK(xorEcc(block, pgno, header) == expected);
        for (Kernel kernel : kernels) {
          const std::string kernelText = kernelName(kernel);
          CAPTURE(kernelText);
          CAPTURE(size);
          CHECK(xorEccWith(kernel, block, pgno, header) == expected);
        }
      }
    }
  }
}

TEST_CASE("every kernel places every row and column: one odd word at a time") {
  // A single set bit at (row, column) gives p = row, r = column, and checks
  // the row-index bookkeeping of lanes, vectors, groups and super-groups.
  const std::vector<Kernel> kernels = availableKernels();
  for (size_t size : {2048u, 8192u}) {
    std::vector<uint8_t> block(size, 0);
    for (uint32_t row = 0; row < size / 4; ++row) {
      const uint32_t column = row % 32;
      storeLittleEndian<uint32_t>(block.data() + 4 * row, 1u << column);
      for (bool header : {false, true}) {
        const uint64_t expected = xorEccWith(Kernel::Reference, block, 7, header);
        for (Kernel kernel : kernels) {
          const std::string kernelText = kernelName(kernel);
          CAPTURE(kernelText);
          CAPTURE(row);
          CHECK(xorEccWith(kernel, block, 7, header) == expected);
        }
      }
      storeLittleEndian<uint32_t>(block.data() + 4 * row, 0);
    }
  }
  // The closed form for one bit outside the header rows (§3).
  std::vector<uint8_t> block(4096, 0);
  storeLittleEndian<uint32_t>(block.data() + 4 * 300, 1u << 5);
  const uint32_t rowMask = 1023;
  const uint32_t ecc = ((~300u & rowMask) << 21) | ((~5u & 31) << 16) | (300u << 5) | 5u;
  for (Kernel kernel : kernels) CHECK(xorEccWith(kernel, block, 0, true) == ((uint64_t{ecc} << 32) | (1u << 5)));
}

TEST_CASE("every kernel equals the reference on other block sizes (fallbacks)") {
  std::mt19937_64 rng(7);
  const std::vector<Kernel> kernels = availableKernels();
  for (size_t size : {32u, 64u, 128u, 256u, 512u, 1024u, 16384u, 32768u, 65536u}) {
    const std::vector<uint8_t> block = randomBytes(rng, size);
    for (bool header : {false, true}) {
      const uint64_t expected = xorEccWith(Kernel::Reference, block, 0x12345678, header);
      for (Kernel kernel : kernels) {
        const std::string kernelText = kernelName(kernel);
        CAPTURE(kernelText);
        CAPTURE(size);
        CHECK(xorEccWith(kernel, block, 0x12345678, header) == expected);
      }
    }
  }
}

TEST_CASE("legacyXor: every kernel equals the word-by-word form") {
  std::mt19937_64 rng(11);
  const std::vector<Kernel> kernels = availableKernels();
  std::vector<size_t> sizes = {0, 1, 3, 4, 5, 8, 36, 668, 748, 2048, 4096, 8192, 16384, 32768};
  for (int i = 0; i < 50; ++i) sizes.push_back(rng() % 9000);
  for (size_t size : sizes) {
    const std::vector<uint8_t> block = randomBytes(rng, size);
    uint32_t expected = kLegacySeed;  // §2, written out: XOR of words 1..n-1
    for (size_t offset = 4; offset + 4 <= size; offset += 4) expected ^= loadLittleEndian<uint32_t>(block.data() + offset);
    CAPTURE(size);
    CHECK(legacyXor(block) == expected);
    for (Kernel kernel : kernels) {
      const std::string kernelText = kernelName(kernel);
      CAPTURE(kernelText);
      CHECK(legacyXorWith(kernel, block) == expected);
    }
  }
}

TEST_CASE("legacyLogBytes equals the bytewise formula on every sub-range of 200 bytes (§8)") {
  std::mt19937_64 rng(3);
  const std::vector<uint8_t> buffer = randomBytes(rng, 200);
  for (size_t begin = 0; begin <= buffer.size(); ++begin) {
    for (size_t end = begin; end <= buffer.size(); ++end) {
      const uint32_t seed = static_cast<uint32_t>(end) * 0x9E3779B9u;
      uint32_t expected = seed;
      for (size_t k = begin; k < end; ++k) expected ^= static_cast<uint32_t>(buffer[k]) << (8 * ((k - begin) % 4));
      CAPTURE(begin);
      CAPTURE(end);
      REQUIRE(legacyLogBytes(seed, Bytes(buffer).subspan(begin, end - begin)) == expected);
    }
  }
}

TEST_CASE("single-bit flips at every bit of 2, 4 and 8 KiB pages are located exactly") {
  std::mt19937_64 rng(42);
  for (size_t size : {2048u, 4096u, 8192u}) {
    CAPTURE(size);
    const uint32_t pgno = static_cast<uint32_t>(rng()) & 0x7FFFFFFF;
    std::vector<uint8_t> page = newFormatPage(rng, size, pgno);
    const std::vector<uint8_t> original = page;
    REQUIRE(checkPage(page, pgno).verdict == Verdict::Ok);
    REQUIRE(pageScheme(page) == PageScheme::XorEcc);
    for (uint32_t bit = 0; bit < 8 * size; ++bit) expectSingleFlipLocated(page, original, pgno, bit);
    CHECK(page == original);
  }
}

TEST_CASE("single-bit flips on 16 and 32 KiB pages (sampled, every block, stored block checksums)") {
  std::mt19937_64 rng(43);
  for (size_t size : {16384u, 32768u}) {
    CAPTURE(size);
    const uint32_t pgno = 1 + static_cast<uint32_t>(rng() % 100000);
    std::vector<uint8_t> page = newFormatPage(rng, size, pgno);
    const std::vector<uint8_t> original = page;
    REQUIRE(checkPage(page, pgno).verdict == Verdict::Ok);
    std::vector<uint32_t> bits;
    for (uint32_t bit = 0; bit < 8 * 80; ++bit) bits.push_back(bit);  // whole PGHDR2, incl. 40-63
    const uint32_t blockBits = static_cast<uint32_t>(8 * size / 4);
    for (uint32_t block = 1; block < 4; ++block)
      for (uint32_t bit : {0u, 1u, 31u, 32u, 63u, 64u, blockBits - 1}) bits.push_back(block * blockBits + bit);
    for (int i = 0; i < 3000; ++i) bits.push_back(static_cast<uint32_t>(rng() % (8 * size)));
    for (uint32_t bit : bits) expectSingleFlipLocated(page, original, pgno, bit);
    CHECK(page == original);
  }
}

TEST_CASE("two flips in one block are never corrected into a wrong page") {
  std::mt19937_64 rng(44);
  for (size_t size : {4096u, 8192u, 16384u, 32768u}) {
    CAPTURE(size);
    const uint32_t pgno = 1 + static_cast<uint32_t>(rng() % 100000);
    std::vector<uint8_t> page = newFormatPage(rng, size, pgno);
    const std::vector<uint8_t> original = page;
    const uint32_t blockBits = static_cast<uint32_t>(size <= 8192 ? 8 * size : 8 * size / 4);
    int correctableVerdicts = 0;
    for (int i = 0; i < 4000; ++i) {
      const uint32_t block = static_cast<uint32_t>(rng() % (8 * size / blockBits));
      // Half the pairs put one flip in the first 64 bytes (stored checksums).
      const uint32_t first = (i % 2) ? static_cast<uint32_t>(rng() % 512) : block * blockBits + static_cast<uint32_t>(rng() % blockBits);
      const uint32_t firstBlock = first / blockBits;
      const uint32_t second = firstBlock * blockBits + static_cast<uint32_t>(rng() % blockBits);
      if (first == second) continue;
      CAPTURE(first);
      CAPTURE(second);
      flip(page, first);
      flip(page, second);
      const PageChecksumCheck check = checkPage(page, pgno);
      CHECK(check.verdict != Verdict::Ok);
      if (check.verdict == Verdict::Correctable) {
        ++correctableVerdicts;
        CHECK_FALSE(correctPage(page, pgno, check));  // and leaves the page as it was
      }
      flip(page, first);
      flip(page, second);
      REQUIRE(page == original);
    }
    MESSAGE("size ", size, ": ", correctableVerdicts, " double errors looked correctable, all refused");
  }
}

TEST_CASE("a damaged stored ECC bit outside the checked width looks correctable but is refused") {
  // 4 KiB: q uses bits 21-30 of the ECC word, so bit 31 (page bit 63) is not
  // covered by the §5 step 2 test; with one more data flip the verdict says
  // Correctable and only the re-verification in correctPage catches it.
  std::mt19937_64 rng(45);
  std::vector<uint8_t> page = newFormatPage(rng, 4096, 77);
  const std::vector<uint8_t> original = page;
  flip(page, 63);
  flip(page, 8 * 1000 + 3);
  const PageChecksumCheck check = checkPage(page, 77);
  REQUIRE(check.verdict == Verdict::Correctable);
  CHECK(check.flippedBits == std::vector<uint32_t>{8 * 1000 + 3});
  const std::vector<uint8_t> damaged = page;
  CHECK_FALSE(correctPage(page, 77, check));
  CHECK(page == damaged);
}

TEST_CASE("flips in different blocks of a large page are all corrected") {
  std::mt19937_64 rng(46);
  for (size_t size : {16384u, 32768u}) {
    std::vector<uint8_t> page = newFormatPage(rng, size, 9);
    const std::vector<uint8_t> original = page;
    const uint32_t blockBits = static_cast<uint32_t>(8 * size / 4);
    for (int i = 0; i < 200; ++i) {
      const uint32_t a = blockBits * 1 + static_cast<uint32_t>(rng() % blockBits);
      const uint32_t b = blockBits * 3 + static_cast<uint32_t>(rng() % blockBits);
      flip(page, a);
      flip(page, b);
      const PageChecksumCheck check = checkPage(page, 9);
      REQUIRE(check.verdict == Verdict::Correctable);
      CHECK(check.flippedBits == std::vector<uint32_t>{a, b});
      REQUIRE(correctPage(page, 9, check));
      REQUIRE(page == original);
    }
  }
}

TEST_CASE("bit 301 (the checksum-format flag) is never corrected (§5 step 4)") {
  std::mt19937_64 rng(47);
  for (size_t size : {4096u, 8192u, 16384u, 32768u}) {
    CAPTURE(size);
    std::vector<uint8_t> page = newFormatPage(rng, size, 1234);
    flip(page, 301);
    PageChecksumCheck check = checkPage(page, 1234);
    CHECK(check.verdict == Verdict::Bad);
    CHECK(check.flippedBits.empty());
    CHECK_FALSE(correctPage(page, 1234, check));
    if (size > 8192) {
      // The math does point at bit 301: with the rule it stays Bad even when
      // another block holds a correctable error.
      flip(page, static_cast<uint32_t>(8 * size / 2 + 5));
      check = checkPage(page, 1234);
      CHECK(check.verdict == Verdict::Bad);
      CHECK(check.block == 0);
    }
  }
}

TEST_CASE("old-format pages (flag 0x2000 clear) verify only under their own page number") {
  std::mt19937_64 rng(48);
  for (size_t size : {2048u, 4096u, 8192u}) {
    CAPTURE(size);
    const uint32_t pgno = 1 + static_cast<uint32_t>(rng() % 100000);
    std::vector<uint8_t> page = legacyPage(rng, size, pgno);
    REQUIRE(pageScheme(page) == PageScheme::Legacy);
    PageChecksumCheck check = checkPage(page, pgno);
    CHECK(check.verdict == Verdict::Ok);
    CHECK(check.scheme == PageScheme::Legacy);
    check = checkPage(page, pgno + 1);
    CHECK(check.verdict == Verdict::Bad);
    CHECK(check.stored == ((uint64_t{pgno} << 32) | legacyXor(page)));
    CHECK(check.computed == ((uint64_t{pgno + 1} << 32) | legacyXor(page)));
    // No correction for the old format (§5 step 6).
    flip(page, 8 * 100 + 1);
    check = checkPage(page, pgno);
    CHECK(check.verdict == Verdict::Bad);
    CHECK(check.flippedBits.empty());
  }
}

TEST_CASE("a page read under the wrong page number is Bad, not Correctable") {
  std::mt19937_64 rng(49);
  for (size_t size : {4096u, 8192u, 16384u, 32768u}) {
    const std::vector<uint8_t> page = newFormatPage(rng, size, 500);
    for (uint32_t wrong : {501u, 499u, 500u ^ 0x10000u}) {
      const PageChecksumCheck check = checkPage(page, wrong);
      CAPTURE(size);
      CAPTURE(wrong);
      CHECK(check.verdict == Verdict::Bad);
      // Diagnostic of §5: only the XOR halves differ, by old ^ new pgno.
      CHECK((check.stored >> 32) == (check.computed >> 32));
      CHECK((static_cast<uint32_t>(check.stored) ^ static_cast<uint32_t>(check.computed)) == (500u ^ wrong));
    }
  }
}

TEST_CASE("checking and checksumming good pages allocates nothing") {
  std::mt19937_64 rng(50);
  for (size_t size : {4096u, 8192u, 16384u, 32768u}) {
    std::vector<uint8_t> page = newFormatPage(rng, size, 3);
    std::vector<uint8_t> legacy = legacyPage(rng, 8192, 3);
    allocations = 0;
    countingAllocations = true;
    const Verdict verdict = checkPage(page, 3).verdict;
    const Verdict legacyVerdict = checkPage(legacy, 3).verdict;
    setPageChecksum(page, 3);
    countingAllocations = false;
    CAPTURE(size);
    CHECK(verdict == Verdict::Ok);
    CHECK(legacyVerdict == Verdict::Ok);
    CHECK(allocations == 0);
  }
}

TEST_CASE("real pages: every kernel equals the reference, and the verdicts of clean databases") {
  struct Database {
    const char* path;
    size_t pageSize;
    uint32_t badFrom;  // first page number expected to fail (0 = none); see page-format.md §6
  };
  const Database databases[] = {
      {"dissect-esedb/SRUDB.dat", 4096, 143},                // pages 143-158: non-ESE tail garbage
      {"ese_parser-stroz/decompress_test.edb", 8192, 0},
      {"go-ese/Samples/qmgr.db", 16384, 0},
      {"cortana-akarib/Indexed DB/IndexedDB.edb", 32768, 0},
  };
  const std::vector<Kernel> kernels = availableKernels();
  for (const Database& database : databases) {
    const auto path = test::corpusFile(database.path);
    if (!path) return;
    const std::vector<uint8_t> file = test::readFile(*path);
    const std::string databaseText = database.path;
    CAPTURE(databaseText);
    REQUIRE(file.size() % database.pageSize == 0);
    const size_t pages = file.size() / database.pageSize - 2;
    size_t verified = 0, failed = 0;
    for (uint32_t pgno = 1; pgno <= pages; ++pgno) {
      const Bytes page = Bytes(file).subspan((pgno + 1) * database.pageSize, database.pageSize);
      if (std::all_of(page.begin(), page.end(), [](uint8_t b) { return b == 0; })) continue;
      CAPTURE(pgno);
      const size_t blockSize = database.pageSize <= 8192 ? database.pageSize : database.pageSize / 4;
      for (size_t offset = 0; offset < page.size(); offset += blockSize) {
        const uint64_t expected = xorEccWith(Kernel::Reference, page.subspan(offset, blockSize), pgno, offset == 0);
        for (Kernel kernel : kernels) CHECK(xorEccWith(kernel, page.subspan(offset, blockSize), pgno, offset == 0) == expected);
      }
      const Verdict verdict = checkPage(page, pgno).verdict;
      if (database.badFrom && pgno >= database.badFrom) {
        CHECK(verdict == Verdict::Bad);
        ++failed;
      } else {
        CHECK(verdict == Verdict::Ok);
        ++verified;
      }
    }
    MESSAGE(databaseText, ": ", verified, " pages verified, ", failed, " failed as expected");
    CHECK(verified >= 10);
    if (database.badFrom) CHECK(failed == 16);
  }
}

TEST_CASE("real 8 KiB page: the ese_parser test vector verifies as page 1793 only") {
  const auto path = test::corpusFile("ese_parser-stroz/checksum_buffer_12050322830504531039.bin");
  if (!path) return;
  std::vector<uint8_t> page = test::readFile(*path);
  REQUIRE(page.size() == 8192);
  CHECK(loadLittleEndian<uint64_t>(page.data()) == 12050322830504531039ull);
  CHECK(checkPage(page, 1793).verdict == Verdict::Ok);
  CHECK(checkPage(page, 1792).verdict == Verdict::Bad);
  for (Kernel kernel : availableKernels()) CHECK(xorEccWith(kernel, page, 1793, true) == 12050322830504531039ull);
}
