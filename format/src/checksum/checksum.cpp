// Reference implementation of ese-format/checksums.md. Kept simple and
// obviously correct; the fast paths live in checksum_fast.cpp and are tested
// against these.
#include "esekit/format/checksum.h"

#include <bit>

#include "checksum/checksum_internal.h"

namespace esekit::checksum {

uint32_t legacyXorReference(Bytes block) {
  uint32_t sum = kLegacySeed;
  for (size_t offset = 4; offset + 4 <= block.size(); offset += 4) sum ^= loadLittleEndian<uint32_t>(block.data() + offset);
  return sum;
}

uint64_t xorEccReference(Bytes block, uint32_t pgno, bool headerBlock) {
  const uint32_t rows = static_cast<uint32_t>(block.size() / 4);
  uint32_t columnParity = 0, p = 0, q = 0;
  for (uint32_t row = headerBlock ? 2 : 0; row < rows; ++row) {
    const uint32_t word = loadLittleEndian<uint32_t>(block.data() + 4 * row);
    columnParity ^= word;
    if (std::popcount(word) & 1) {
      p ^= row;
      q ^= ~row;
    }
  }
  uint32_t r = 0, s = 0;
  for (uint32_t column = 0; column < 32; ++column) {
    if ((columnParity >> column) & 1) {
      r ^= column;
      s ^= ~column;
    }
  }
  const uint32_t rowMask = rows - 1;
  const uint32_t ecc = ((q & rowMask) << 21) | ((s & 31) << 16) | ((p & rowMask) << 5) | (r & 31);
  return (static_cast<uint64_t>(ecc) << 32) | (columnParity ^ pgno);
}

uint32_t legacyLogBytesReference(uint32_t seed, Bytes bytes) {
  uint32_t sum = seed;
  for (size_t k = 0; k < bytes.size(); ++k) sum ^= static_cast<uint32_t>(bytes[k]) << (8 * (k % 4));
  return sum;
}

void setHeaderChecksum(MutableBytes block) {
  const uint32_t sum = legacyXor(block);
  if (block.size() >= 4) storeLittleEndian<uint32_t>(block.data(), sum);
}

}  // namespace esekit::checksum
