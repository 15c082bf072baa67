// see esekit/format/page_before_image.h and ese-format/log-records.md §3.5
#include "esekit/format/page_before_image.h"

#include <algorithm>
#include <string>

#include "esekit/format/xpress.h"

namespace esekit::logrec {
namespace {

Status corrupt(const std::string& what) { return Status(JetError::LogCorrupted, "page before-image: " + what); }

constexpr uint8_t kSchemeXpress = 0x18;  // records-and-catalog.md §4: scheme 3 << 3, 16-bit size follows

}  // namespace

Result<std::vector<uint8_t>> rehydratePage(Bytes image, size_t pageSize) {
  const size_t headerSize = pageSize > 8192 ? 80 : 40;  // page-format.md §2
  if (image.size() < headerSize)
    return corrupt("dehydrated image of " + std::to_string(image.size()) + " bytes is shorter than the " +
                   std::to_string(headerSize) + "-byte page header");
  if (image.size() > pageSize)
    return corrupt("dehydrated image of " + std::to_string(image.size()) + " bytes is longer than the " +
                   std::to_string(pageSize) + "-byte page");
  const size_t tagBytes = size_t{loadLittleEndian<uint16_t>(image.data() + 34) & 0x0FFFu} * 4;
  const size_t dataEnd = headerSize + loadLittleEndian<uint16_t>(image.data() + 32);  // ibMicFree
  if (headerSize + tagBytes > image.size() || dataEnd > image.size() - tagBytes)
    return corrupt("dehydrated image of " + std::to_string(image.size()) + " bytes cannot hold its data (to offset " +
                   std::to_string(dataEnd) + ") and " + std::to_string(tagBytes / 4) + " tags");
  const size_t returned = pageSize - image.size();
  const size_t cbFree = loadLittleEndian<uint16_t>(image.data() + 28) + returned;
  if (cbFree > pageSize)
    return corrupt("cbFree " + std::to_string(cbFree - returned) + " plus the " + std::to_string(returned) +
                   " bytes given back exceeds the page");
  std::vector<uint8_t> page(pageSize, 0);
  const auto front = static_cast<std::ptrdiff_t>(image.size() - tagBytes);
  std::copy(image.begin(), image.begin() + front, page.begin());
  std::copy(image.begin() + front, image.end(), page.end() - static_cast<std::ptrdiff_t>(tagBytes));
  storeLittleEndian<uint16_t>(page.data() + 28, static_cast<uint16_t>(cbFree));
  return page;
}

Result<std::vector<uint8_t>> decodePageBeforeImage(Bytes image, uint32_t flags, size_t pageSize) {
  if (flags & ~(kBeforeImageDehydrated | kBeforeImageXpress))
    return corrupt("unknown flags " + hex32(flags));
  std::vector<uint8_t> bytes;
  if (flags & kBeforeImageXpress) {
    if (image.empty()) return corrupt("empty compressed image");
    if (image[0] != kSchemeXpress) {
      const unsigned scheme = image[0] >> 3;
      if ((scheme == 5 || scheme == 6 || scheme == 7) && (image[0] & 7) == 0)
        return Status(JetError::FeatureNotAvailable,
                      "page before-image compressed with scheme " + std::to_string(scheme) +
                          " (Xpress9/Xpress10/LZ4): only Xpress is supported");
      return corrupt("compressed image starts with scheme byte " + hex32(image[0]) + ", not Xpress (0x18)");
    }
    if (image.size() < 3) return corrupt("compressed image shorter than its 3-byte header");
    const size_t size = loadLittleEndian<uint16_t>(image.data() + 1);
    if (size > pageSize)
      return corrupt("compressed image expands to " + std::to_string(size) + " bytes, more than the " +
                     std::to_string(pageSize) + "-byte page");
    auto expanded = xpress::decompress(image.subspan(3), size, JetError::LogCorrupted);
    if (!expanded) return expanded.status().withContext("page before-image (stream at image offset 3)");
    bytes = std::move(*expanded);
  } else {
    bytes.assign(image.begin(), image.end());
  }
  if (flags & kBeforeImageDehydrated) return rehydratePage(bytes, pageSize);
  if (bytes.size() != pageSize)
    return corrupt("image of " + std::to_string(bytes.size()) + " bytes for a " + std::to_string(pageSize) +
                   "-byte page and no dehydrated flag");
  return bytes;
}

}  // namespace esekit::logrec
