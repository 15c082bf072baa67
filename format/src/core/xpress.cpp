// MS-XCA §2.4 "plain LZ77" decompression, see esekit/format/xpress.h.
#include "esekit/format/xpress.h"

#include <limits>
#include <string>

namespace esekit::xpress {

Result<std::vector<uint8_t>> decompress(Bytes in, size_t outputSize, JetError corruptError) {
  auto corrupt = [&](size_t offset, const std::string& what) {
    return Status(corruptError, "Xpress stream, input offset " + std::to_string(offset) + ": " + what);
  };
  std::vector<uint8_t> out;
  out.reserve(outputSize);
  constexpr size_t kNoNibble = std::numeric_limits<size_t>::max();
  size_t pos = 0;
  size_t sharedNibble = kNoNibble;  // the byte whose high nibble the next length-7 match uses
  uint32_t flags = 0;
  int flagCount = 0;
  while (out.size() < outputSize) {
    if (flagCount == 0) {
      if (in.size() - pos < 4) return corrupt(pos, "truncated flag word");
      flags = loadLittleEndian<uint32_t>(in.data() + pos);
      pos += 4;
      flagCount = 32;
    }
    --flagCount;
    if (((flags >> flagCount) & 1u) == 0) {
      if (pos >= in.size()) return corrupt(pos, "literal past the end of the input");
      out.push_back(in[pos++]);
      continue;
    }
    // A match; the end of the input here is the format's own end marker,
    // which comes too early when bytes are still expected.
    if (in.size() - pos < 2)
      return corrupt(pos, "stream ends after " + std::to_string(out.size()) + " of " + std::to_string(outputSize) +
                              " bytes");
    const size_t tokenAt = pos;
    const uint16_t token = loadLittleEndian<uint16_t>(in.data() + pos);
    pos += 2;
    size_t length = token & 7u;
    const size_t distance = (token >> 3) + 1u;
    if (length == 7) {
      // Lengths of 10 or more: a 4-bit extension shared by two matches,
      // then a byte, a 16-bit and a 32-bit form (MS-XCA §2.3).
      if (sharedNibble == kNoNibble) {
        if (pos >= in.size()) return corrupt(pos, "truncated length nibble");
        sharedNibble = pos;
        length = in[pos++] & 0x0Fu;
      } else {
        length = in[sharedNibble] >> 4;
        sharedNibble = kNoNibble;
      }
      if (length == 15) {
        if (pos >= in.size()) return corrupt(pos, "truncated length byte");
        length = in[pos++];
        if (length == 255) {
          if (in.size() - pos < 2) return corrupt(pos, "truncated 16-bit length");
          length = loadLittleEndian<uint16_t>(in.data() + pos);
          pos += 2;
          if (length == 0) {
            if (in.size() - pos < 4) return corrupt(pos, "truncated 32-bit length");
            length = loadLittleEndian<uint32_t>(in.data() + pos);
            pos += 4;
          }
          if (length < 15 + 7) return corrupt(pos, "extended match length " + std::to_string(length) + " below 22");
          length -= 15 + 7;
        }
        length += 15;
      }
      length += 7;
    }
    length += 3;
    if (distance > out.size())
      return corrupt(tokenAt, "match distance " + std::to_string(distance) + " reaches before the start (" +
                                  std::to_string(out.size()) + " bytes decoded)");
    if (length > outputSize - out.size())
      return corrupt(tokenAt, "match of " + std::to_string(length) + " bytes runs past the expected size " +
                                  std::to_string(outputSize));
    // Byte by byte: a match may overlap the bytes it produces (distance < length).
    for (size_t i = 0; i < length; ++i) out.push_back(out[out.size() - distance]);
  }
  return out;
}

}  // namespace esekit::xpress
