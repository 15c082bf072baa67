// see ese-format/records-and-catalog.md §4
#include "esekit/format/compression.h"

#include <string>

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

// MS-XCA "plain LZ77" (LZXPRESS) decoder: 32-bit flag words, literals and
// (length, distance) matches with nibble-shared extended lengths.
Result<std::vector<uint8_t>> xpress(Bytes in, size_t maxOutput) {
  if (in.size() < 3) return corrupt("Xpress value shorter than its 3-byte header");
  const size_t expected = loadLittleEndian<uint16_t>(in.data() + 1);
  if (expected > maxOutput) return corrupt("Xpress size " + std::to_string(expected) + " above the limit");
  std::vector<uint8_t> out;
  out.reserve(expected);
  size_t pos = 3, sharedNibble = 0;
  uint32_t flags = 0;
  int flagCount = 0;
  auto need = [&](size_t n) { return pos + n <= in.size(); };
  while (out.size() < expected) {
    if (flagCount == 0) {
      if (!need(4)) break;
      flags = loadLittleEndian<uint32_t>(in.data() + pos);
      pos += 4;
      flagCount = 32;
    }
    --flagCount;
    if (((flags >> flagCount) & 1) == 0) {
      if (!need(1)) break;
      out.push_back(in[pos++]);
      continue;
    }
    if (!need(2)) break;
    const uint16_t token = loadLittleEndian<uint16_t>(in.data() + pos);
    pos += 2;
    size_t length = token % 8;
    const size_t distance = token / 8 + 1;
    if (length == 7) {
      if (sharedNibble == 0) {
        if (!need(1)) return corrupt("truncated length nibble");
        sharedNibble = pos;
        length = in[pos++] % 16;
      } else {
        length = in[sharedNibble] / 16;
        sharedNibble = 0;
      }
      if (length == 15) {
        if (!need(1)) return corrupt("truncated length byte");
        length = in[pos++];
        if (length == 255) {
          if (!need(2)) return corrupt("truncated length word");
          length = loadLittleEndian<uint16_t>(in.data() + pos);
          pos += 2;
          if (length == 0) {
            if (!need(4)) return corrupt("truncated length dword");
            length = loadLittleEndian<uint32_t>(in.data() + pos);
            pos += 4;
          }
          if (length < 15 + 7) return corrupt("extended match length too small");
          length -= 15 + 7;
        }
        length += 15;
      }
      length += 7;
    }
    length += 3;
    if (distance > out.size()) return corrupt("match distance " + std::to_string(distance) + " before the start");
    if (length > expected - out.size()) length = expected - out.size();
    for (size_t i = 0; i < length; ++i) out.push_back(out[out.size() - distance]);
  }
  if (out.size() != expected)
    return corrupt("Xpress stream ended after " + std::to_string(out.size()) + " of " + std::to_string(expected) + " bytes");
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
