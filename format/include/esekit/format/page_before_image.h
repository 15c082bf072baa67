// Page before-images logged in Split2/Merge2 records (log-records.md §3.5):
// ESE logs the page as it was when the split/merge dirtied it, first
// "dehydrated" (flag 0x1: the free gap between the data area and the tag
// array cut out) when that saves at least a tenth of the page, then
// compressed with its column compressor (flag 0x2: scheme byte 0x18, 16-bit
// uncompressed size, MS-XCA plain LZ77) when that is shorter. Decoding undoes
// both, in the reverse order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/status.h"

namespace esekit::logrec {

inline constexpr uint32_t kBeforeImageDehydrated = 0x1;
inline constexpr uint32_t kBeforeImageXpress = 0x2;

// The full page (`pageSize` bytes) from a logged before-image and its flags.
// Errors: JetError::LogCorrupted for malformed images (message names the
// offset), JetError::FeatureNotAvailable for a compression scheme other than
// Xpress (Xpress10/LZ4, only with non-default engine parameters).
Result<std::vector<uint8_t>> decodePageBeforeImage(Bytes image, uint32_t flags, size_t pageSize);

// Puts a dehydrated page back to `pageSize` bytes: the tag array (the image's
// last itagMicFree * 4 bytes) moves to the end of the page, the gap is
// zeroed, and cbFree (counted against the shorter buffer, page-format.md
// §2.1) grows by the bytes given back.
Result<std::vector<uint8_t>> rehydratePage(Bytes image, size_t pageSize);

}  // namespace esekit::logrec
