// Private to the table component.
#pragma once

#include <cstring>
#include <vector>

#include "esekit/format/page.h"
#include "esekit/format/table.h"

namespace esekit::table {

// A verified, parsed page; `corrected` owns the bytes when a single-bit error was fixed.
struct LoadedPage {
  std::vector<uint8_t> corrected;
  page::PageView view;
};
Result<LoadedPage> loadPage(const DatabaseImage& db, uint32_t pgno, uint32_t objectId);

// memcmp order, shorter first on a common prefix.
int compareKeys(Bytes a, Bytes b);

// Visits leaf nodes with key >= `key` in order, following the leaf chain,
// until the visitor sets `stop` or returns an error.
using SeekVisitor = std::function<Status(const page::Node& node, uint32_t pgno, bool& stop)>;
Status seekLeaves(const DatabaseImage& db, uint32_t rootPgno, uint32_t objectId, Bytes key, const SeekVisitor& visit);

}  // namespace esekit::table
