// see ese-format/records-and-catalog.md §4
#include "esekit/format/compression.h"

#include <string>

#include "esekit/format/xpress.h"

namespace esekit::compression {
namespace {

Status corrupt(const std::string& what) { return Status(JetError::DatabaseCorrupted, "compressed value: " + what); }

Result<std::vector<uint8_t>> sevenBit(Bytes in, bool unicode) {
  if (in.size() < 2) return corrupt("7-bit value shorter than 2 bytes");
  const size_t usedBitsInLast = (in[0] & 7) + 1;
  const size_t count = ((in.size() - 2) * 8 + usedBitsInLast) / 7;
  std::vector<uint8_t> out;
  out.reserve(unicode ? 2 * count : count);
  uint32_t buffer = 0;
  size_t bits = 0, next = 1;
  for (size_t k = 0; k < count; ++k) {
    while (bits < 7) {
      buffer |= static_cast<uint32_t>(in[next++]) << bits;
      bits += 8;
    }
    out.push_back(static_cast<uint8_t>(buffer & 0x7F));
    if (unicode) out.push_back(0);
    buffer >>= 7;
    bits -= 7;
  }
  return out;
}

// Xpress (scheme 3): a 16-bit uncompressed size, then an MS-XCA plain LZ77
// stream (decoded by esekit/format/xpress.h).
Result<std::vector<uint8_t>> xpress(Bytes in, size_t maxOutput) {
  if (in.size() < 3) return corrupt("Xpress value shorter than its 3-byte header");
  const size_t expected = loadLittleEndian<uint16_t>(in.data() + 1);
  if (expected > maxOutput) return corrupt("Xpress size " + std::to_string(expected) + " above the limit");
  auto out = esekit::xpress::decompress(in.subspan(3), expected);
  if (!out) return corrupt(out.status().message());
  return out;
}

}  // namespace

Scheme schemeOf(Bytes compressed) {
  if (compressed.empty()) return Scheme::Invalid;
  const uint8_t id = compressed[0] >> 3;
  if (id >= 1 && id <= 7) {
    if (id >= 3 && (compressed[0] & 7) != 0) return Scheme::Invalid;
    return static_cast<Scheme>(id);
  }
  return Scheme::Invalid;
}

Result<std::vector<uint8_t>> decompress(Bytes compressed, size_t maxOutput) {
  switch (schemeOf(compressed)) {
    case Scheme::SevenBitAscii: return sevenBit(compressed, false);
    case Scheme::SevenBitUnicode: return sevenBit(compressed, true);
    case Scheme::Xpress: return xpress(compressed, maxOutput);
    case Scheme::Invalid: return corrupt("unknown scheme byte " + hex32(compressed.empty() ? 0 : compressed[0]));
    default:
      return Status(JetError::FeatureNotAvailable,
                    "compression scheme " + std::to_string(compressed[0] >> 3) + " (Scrub/Xpress9/Xpress10/LZ4) not supported");
  }
}

}  // namespace esekit::compression
