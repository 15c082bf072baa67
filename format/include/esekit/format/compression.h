// Decompression of compressed column values and long-value chunks.
// See ese-format/records-and-catalog.md §4: the first byte names the scheme.
#pragma once

#include <cstdint>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/status.h"

namespace esekit::compression {

enum class Scheme : uint8_t { SevenBitAscii = 1, SevenBitUnicode = 2, Xpress = 3, Scrub = 4, Xpress9 = 5, Xpress10 = 6, Lz4 = 7, Invalid = 0 };
Scheme schemeOf(Bytes compressed);

// Decompresses 7-bit ASCII, 7-bit Unicode and Xpress (MS-XCA plain LZ77).
// Other schemes: JetError::FeatureNotAvailable naming the scheme; malformed
// input: JetError::DatabaseCorrupted. `maxOutput` bounds the result size.
Result<std::vector<uint8_t>> decompress(Bytes compressed, size_t maxOutput = 64u << 20);

}  // namespace esekit::compression
