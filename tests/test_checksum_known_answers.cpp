// Known answers of ese-format/checksums.md §10 (from ESE's KnownPageUnitTest).
#include <doctest/doctest.h>

#include <vector>

#include "esekit/format/checksum.h"

using namespace esekit;
using namespace esekit::checksum;

namespace {
std::vector<uint8_t> patternC(size_t size) {
  std::vector<uint8_t> b(size);
  for (size_t i = 0; i < size; ++i) b[i] = static_cast<uint8_t>((i + i / 13) & 0xFF);
  return b;
}
uint64_t at(const std::vector<uint8_t>& b, size_t offset) { return loadLittleEndian<uint64_t>(b.data() + offset); }
}  // namespace

TEST_CASE("A: 8 KiB new-format page, pgno 9876") {
  std::vector<uint8_t> b(8192, 0);
  for (size_t i = 0; i < 4096; ++i) b[i] = static_cast<uint8_t>(i & 0xFF);
  CHECK(xorEcc(b, 9876, true) == 0x0000000004042290ull);
}

TEST_CASE("B: legacy header checksum over 8 KiB") {
  std::vector<uint8_t> b(8192, 0);
  for (size_t i = 0; i < 4096; ++i) b[i] = static_cast<uint8_t>(i & 0xFF);
  b[4] = 0x78; b[5] = 0x56; b[6] = 0x34; b[7] = 0x12;
  CHECK(legacyXor(b) == 0x9F9B9F93u);
}

TEST_CASE("C/D/E: large-page block checksums") {
  struct Case { size_t size; uint64_t expected[4]; };
  const Case cases[] = {
      {32768, {0xf9ce063147b6b865ull, 0x69af69afcdd590e4ull, 0x770988f62ea1a9e2ull, 0x7cb77cb77b839a0eull}},
      {16384, {0x7b807b80651e03fcull, 0x7c347c34bc66a14bull, 0x6c7e6c7ecb3a6c94ull, 0x05d105d19e99a841ull}},
      {28672, {0xf9d80627e9c2387eull, 0x69af69afcdd590e4ull, 0x770988f62ea1a9e2ull, 0x1f311f31b6717993ull}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.size);
    std::vector<uint8_t> page = patternC(c.size);
    setPageChecksum(page, 0x98765431);
    CHECK(at(page, 0) == c.expected[0]);
    CHECK(at(page, 40) == c.expected[1]);
    CHECK(at(page, 48) == c.expected[2]);
    CHECK(at(page, 56) == c.expected[3]);
    CHECK(checkPage(page, 0x98765431).verdict == PageChecksumCheck::Verdict::Ok);
  }
}

TEST_CASE("32 KiB page: one flipped bit per block is corrected, first reported is 8*40+1") {
  std::vector<uint8_t> page = patternC(32768);
  setPageChecksum(page, 0x98765431);
  const std::vector<uint8_t> original = page;
  for (uint32_t bit : {8u * 40 + 1, 8u * 8192 + 2, 8u * 16384 + 3, 8u * 24576 + 4}) page[bit / 8] ^= 1u << (bit % 8);
  PageChecksumCheck check = checkPage(page, 0x98765431);
  REQUIRE(check.verdict == PageChecksumCheck::Verdict::Correctable);
  REQUIRE(check.flippedBits.size() == 4);
  CHECK(check.flippedBits[0] == 8u * 40 + 1);
  REQUIRE(correctPage(page, 0x98765431, check));
  CHECK(page == original);
}
