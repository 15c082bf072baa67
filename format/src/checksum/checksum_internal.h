// Private to the checksum component.
#pragma once

#include <cstdint>

#include "esekit/format/bytes.h"

namespace esekit::checksum {

// Straightforward row-by-row form of §3, the oracle for the fast path.
uint64_t xorEccReference(Bytes block, uint32_t pgno, bool headerBlock);
// Word-by-word forms of §2 and §8, oracles for the fast legacyXor and legacyLogBytes.
uint32_t legacyXorReference(Bytes block);
uint32_t legacyLogBytesReference(uint32_t seed, Bytes bytes);

}  // namespace esekit::checksum
