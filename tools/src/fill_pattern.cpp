#include "fill_pattern.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace esekit::tools {

uint8_t fillByte(uint64_t offset, FillKind kind) {
  if (kind == FillKind::Zero) return 0;
  if (offset % 16 != 0) return 0xDA;
  // The first byte of each 16-byte line counts up in its high nibble.
  return static_cast<uint8_t>(0xDA + 0x10 * ((offset / 16) & 0xF));
}

std::optional<uint64_t> firstFillMismatch(Bytes bytes, FillKind kind) {
  // The pattern repeats every 256 bytes; compare block-wise, then find the byte.
  std::array<uint8_t, 256> block{};
  for (size_t i = 0; i < block.size(); ++i) block[i] = fillByte(i, kind);
  size_t offset = 0;
  while (offset < bytes.size()) {
    const size_t length = std::min(block.size(), bytes.size() - offset);
    if (std::memcmp(bytes.data() + offset, block.data(), length) != 0) {
      for (size_t i = 0; i < length; ++i) {
        if (bytes[offset + i] != block[i]) return offset + i;
      }
    }
    offset += length;
  }
  return std::nullopt;
}

}  // namespace esekit::tools
