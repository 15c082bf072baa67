// Page-level checksum rules: scheme selection, verification with single-bit
// correction, and writing. See ese-format/checksums.md §4-§5.
#include <algorithm>
#include <bit>

#include "checksum/checksum_internal.h"
#include "esekit/format/checksum.h"

namespace esekit::checksum {
namespace {

constexpr size_t kFlagsOffset = 36;
constexpr size_t kLargePageThreshold = 8192;
constexpr size_t kBlockChecksumOffset = 40;  // PGHDR2.rgChecksum[3]
constexpr uint32_t kFormatFlagBit = 8 * kFlagsOffset + 13;  // bit 301, never "corrected"

uint32_t flagsOf(Bytes page) {
  return page.size() >= kFlagsOffset + 4 ? loadLittleEndian<uint32_t>(page.data() + kFlagsOffset) : 0;
}

size_t largeBlockSize(size_t pageSize) { return pageSize <= 16384 ? 4096 : 8192; }

// Visits the blocks of a large page in order: equal blocks of 4 or 8 KiB,
// with a final 4 KiB block when the size is not a multiple (28 KiB
// "dehydrated" images), §4.2. No allocation: this is on every page read.
template <typename Visit>
void forEachLargeBlock(Bytes page, Visit&& visit) {
  const size_t blockSize = largeBlockSize(page.size());
  size_t offset = 0;
  for (size_t index = 0; offset < page.size(); ++index) {
    const size_t size = page.size() - offset >= blockSize ? blockSize : 4096;
    visit(index, page.subspan(offset, std::min(size, page.size() - offset)));
    offset += size;
  }
}

struct BlockResult {
  bool ok = true;
  bool correctable = false;
  uint32_t bit = 0;  // within the block
};

// §5 steps 1-3 for one block.
BlockResult judge(uint64_t stored, uint64_t computed, size_t blockSize) {
  BlockResult result;
  if (stored == computed) return result;
  result.ok = false;
  const uint32_t eccDiff = static_cast<uint32_t>(stored >> 32) ^ static_cast<uint32_t>(computed >> 32);
  const uint32_t xorDiff = static_cast<uint32_t>(stored) ^ static_cast<uint32_t>(computed);
  const uint32_t bitCount = static_cast<uint32_t>(8 * blockSize);
  const uint32_t mask = bitCount - 1;
  if ((((eccDiff >> 16) ^ eccDiff) & mask) == mask && std::popcount(xorDiff) == 1) {
    const uint32_t bit = eccDiff & 0xFFFF;
    if (bit < bitCount) {
      result.correctable = true;
      result.bit = bit;
    }
  }
  return result;
}

PageChecksumCheck checkSmall(Bytes page, uint32_t pgno, PageScheme scheme) {
  PageChecksumCheck check;
  check.scheme = scheme;
  check.stored = loadLittleEndian<uint64_t>(page.data());
  if (scheme == PageScheme::Legacy) {
    check.computed = (static_cast<uint64_t>(pgno) << 32) | legacyXor(page);
    check.verdict = check.stored == check.computed ? PageChecksumCheck::Verdict::Ok : PageChecksumCheck::Verdict::Bad;
    return check;
  }
  check.computed = xorEcc(page, pgno, true);
  const BlockResult block = judge(check.stored, check.computed, page.size());
  if (block.ok) return check;
  if (block.correctable && block.bit != kFormatFlagBit) {
    check.verdict = PageChecksumCheck::Verdict::Correctable;
    check.flippedBits.push_back(block.bit);
  } else {
    check.verdict = PageChecksumCheck::Verdict::Bad;
  }
  return check;
}

PageChecksumCheck checkLarge(Bytes page, uint32_t pgno) {
  PageChecksumCheck check;
  check.scheme = PageScheme::LargeBlocks;
  // Expected checksums: block 0 at offset 0, blocks 1..3 at 40/48/56; any
  // further block (odd sizes only) has no stored checksum, i.e. 0.
  uint64_t stored[4] = {loadLittleEndian<uint64_t>(page.data()), 0, 0, 0};
  for (size_t k = 1; k <= 3; ++k) stored[k] = loadLittleEndian<uint64_t>(page.data() + kBlockChecksumOffset + 8 * (k - 1));

  bool anyBad = false, anyMismatch = false;
  forEachLargeBlock(page, [&](size_t k, Bytes block) {
    const uint64_t expected = k <= 3 ? stored[k] : 0;
    const uint64_t computed = xorEcc(block, pgno, k == 0);
    const BlockResult result = judge(expected, computed, block.size());
    if (!result.ok && !anyMismatch) {
      anyMismatch = true;
      check.block = static_cast<uint32_t>(k);
      check.stored = expected;
      check.computed = computed;
    }
    if (result.ok) return;
    if (!result.correctable || (k == 0 && result.bit == kFormatFlagBit)) {
      anyBad = true;
      return;
    }
    const uint32_t blockStartBit = static_cast<uint32_t>(8 * (block.data() - page.data()));
    check.flippedBits.push_back(blockStartBit + result.bit);
    // A flipped bit inside a stored block checksum (bytes 40-63 of block 0)
    // changes what that block is expected to hold: §5 step 5.
    if (k == 0) {
      const uint32_t byte = result.bit / 8;
      if (byte >= kBlockChecksumOffset && byte < kBlockChecksumOffset + 24) {
        const size_t target = 1 + (byte - kBlockChecksumOffset) / 8;
        stored[target] ^= uint64_t{1} << (result.bit - 8 * (kBlockChecksumOffset + 8 * (target - 1)));
      }
    }
  });
  if (!anyMismatch) {
    check.stored = stored[0];
    check.computed = stored[0];
    return check;
  }
  check.verdict = anyBad ? PageChecksumCheck::Verdict::Bad : PageChecksumCheck::Verdict::Correctable;
  if (anyBad) check.flippedBits.clear();
  if (check.verdict == PageChecksumCheck::Verdict::Correctable && check.flippedBits.empty())
    check.verdict = PageChecksumCheck::Verdict::Ok;  // only the stored copy was off and it is now consistent
  return check;
}

}  // namespace

PageScheme pageScheme(Bytes page) {
  if (page.size() > kLargePageThreshold) return PageScheme::LargeBlocks;
  return (flagsOf(page) & kNewChecksumFormatFlag) ? PageScheme::XorEcc : PageScheme::Legacy;
}

PageChecksumCheck checkPage(Bytes page, uint32_t pgno) {
  if (page.size() < 64 || page.size() % 32 != 0) {
    PageChecksumCheck bad;
    bad.verdict = PageChecksumCheck::Verdict::Bad;
    return bad;
  }
  const PageScheme scheme = pageScheme(page);
  return scheme == PageScheme::LargeBlocks ? checkLarge(page, pgno) : checkSmall(page, pgno, scheme);
}

bool correctPage(MutableBytes page, uint32_t pgno, const PageChecksumCheck& check) {
  if (check.verdict != PageChecksumCheck::Verdict::Correctable || check.flippedBits.empty()) return false;
  for (uint32_t bit : check.flippedBits) {
    if (bit / 8 >= page.size()) return false;
  }
  for (uint32_t bit : check.flippedBits) page[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  if (checkPage(page, pgno).verdict == PageChecksumCheck::Verdict::Ok) return true;
  for (uint32_t bit : check.flippedBits) page[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return false;
}

void setPageChecksum(MutableBytes page, uint32_t pgno) {
  if (page.size() < 64) return;
  // ESE sets the new-format flag on every page it writes, large ones too (§4.1, §4.2).
  storeLittleEndian<uint32_t>(page.data() + kFlagsOffset, flagsOf(page) | kNewChecksumFormatFlag);
  if (page.size() <= kLargePageThreshold) {
    storeLittleEndian<uint64_t>(page.data(), xorEcc(page, pgno, true));
    return;
  }
  // Blocks 1..3 first, so that block 0's checksum covers their stored values (§4.2).
  forEachLargeBlock(page, [&](size_t k, Bytes block) {
    if (k >= 1 && k <= 3)
      storeLittleEndian<uint64_t>(page.data() + kBlockChecksumOffset + 8 * (k - 1), xorEcc(block, pgno, false));
  });
  storeLittleEndian<uint64_t>(page.data(), xorEcc(page.first(largeBlockSize(page.size())), pgno, true));
}

}  // namespace esekit::checksum
