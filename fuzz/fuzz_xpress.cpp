// libFuzzer target for the Xpress decoder and the page before-image decoder
// (esekit/format/xpress.h, page_before_image.h). Input: byte 0 = before-image
// flags (low 2 bits) and page-size selector (bits 2-3: 4/8/16/32 KiB), bytes
// 1-2 = expected Xpress output size, the rest the stream / image.
#include <cstddef>
#include <cstdint>

#include "esekit/format/page_before_image.h"
#include "esekit/format/xpress.h"

using namespace esekit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint32_t flags = data[0] & 3u;
  const size_t pageSize = size_t{4096} << ((data[0] >> 2) & 3u);
  const size_t expected = loadLittleEndian<uint16_t>(data + 1);
  const Bytes rest(data + 3, size - 3);
  auto raw = xpress::decompress(rest, expected);
  if (raw.isOk() && raw->size() != expected) __builtin_trap();
  auto image = logrec::decodePageBeforeImage(rest, flags, pageSize);
  if (image.isOk() && image->size() != pageSize) __builtin_trap();
  return 0;
}
