// libFuzzer target for the integrity check: the input is a database file
// image (header, shadow, pages). So that mutations reach the structural
// checks instead of failing at a checksum, the header checksum is recomputed
// and copied to the shadow, and every non-zero page is re-checksummed.
// Images are cut to 48 pages to keep each run short.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "esekit/format/checksum.h"
#include "esekit/format/integrity.h"
#include "esekit/format/page.h"

using namespace esekit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 240) return 0;
  uint32_t pageSize = loadLittleEndian<uint32_t>(data + 236);
  if (pageSize == 0) pageSize = 4096;
  if (!page::isSupportedPageSize(pageSize) || pageSize < 4096) return 0;
  std::vector<uint8_t> image(data, data + std::min<size_t>(size, size_t{50} * pageSize));
  if (image.size() >= 2 * size_t{pageSize}) {
    checksum::setHeaderChecksum(MutableBytes(image).first(4096));
    std::memcpy(image.data() + pageSize, image.data(), pageSize);
    for (size_t pgno = 1; (pgno + 2) * pageSize <= image.size(); ++pgno) {
      MutableBytes page = MutableBytes(image).subspan((pgno + 1) * pageSize, pageSize);
      if (!page::isAllZero(page)) checksum::setPageChecksum(page, static_cast<uint32_t>(pgno));
    }
  }
  auto report = integrity::checkIntegrity(image);
  if (report.isOk()) {
    (void)integrity::describe(*report);
    (void)integrity::verdict(*report);
  }
  integrity::IntegrityOptions options;
  options.stopAtFirst = true;
  (void)integrity::checkIntegrity(image, options);
  return 0;
}
