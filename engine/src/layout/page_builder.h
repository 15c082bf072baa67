// Composes one database page from scratch: header, external header, nodes
// appended in key order (optionally prefix-compressed against the page's
// key prefix), then the checksum. Faster and simpler than PageEditor for
// pages written whole; the result is what PageEditor/parsePage expect.
// Layout: ese-format/page-format.md §2 (header), §4 (tags), §5 (nodes).
#pragma once

#include <cstddef>
#include <cstdint>

#include "esekit/format/bytes.h"
#include "esekit/format/page.h"
#include "esekit/format/page_edit.h"

namespace esekit::engine::layout {

// Bytes a node occupies on a page, its tag included (page-format.md §5).
inline size_t nodeCost(size_t keySize, size_t dataSize, size_t prefixSize) {
  return (prefixSize > 0 ? 4 : 2) + (keySize - prefixSize) + dataSize + page::kTagSize;
}

// Space for external header + nodes on an empty page: the data area minus tag 0.
inline size_t pageCapacity(size_t pageSize) {
  return pageSize - page::headerSize(pageSize) - page::kTagSize;
}

class PageBuilder {
 public:
  // Formats `page` (zeroed first) as page `init.pgno`.
  PageBuilder(MutableBytes page, const page::NewPage& init);

  // Sets tag 0; must come before the first node. Root pages carry their
  // SPACE_HEADER here, other pages the key prefix their nodes share.
  void setExternalHeader(Bytes header);
  // Appends a node after the previous ones. `prefixSize` leading key bytes are
  // taken from the external header (must equal them) instead of being stored.
  // Returns false, leaving the page unchanged, when the node does not fit.
  bool appendNode(Bytes key, Bytes data, size_t prefixSize = 0);

  size_t freeBytes() const { return free_; }
  uint16_t nodeCount() const { return static_cast<uint16_t>(tags_ - 1); }

  // Writes the checksum (and PGHDR2.pgno on 16/32 KiB pages).
  void seal();

 private:
  bool place(Bytes line, uint8_t tagFlags);

  MutableBytes page_;
  uint32_t pgno_;
  bool large_;
  size_t header_;
  size_t used_ = 0;   // ibMicFree
  uint16_t tags_ = 1;
  size_t free_ = 0;   // cbFree
};

}  // namespace esekit::engine::layout
