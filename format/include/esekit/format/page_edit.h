// Changing a page image in place: the node operations the B+tree performs
// and that log redo re-applies (one code path for both). Pure: works on a
// caller-owned page buffer. Layout rules: ese-format/page-format.md §2-§5.
//
// Node indexes count nodes (lines), not tags: node i lives under tag i + 1
// (tag 0 is the external header). Free space is tracked as ESE does: cbFree
// counts every unused byte (holes included); when the contiguous gap between
// the data and the tag array is too small the page is reorganized.
#pragma once

#include <cstdint>

#include "esekit/format/bytes.h"
#include "esekit/format/page.h"
#include "esekit/format/status.h"

namespace esekit::page {

struct NewPage {
  uint32_t pgno = 0;
  uint32_t objectId = 0;
  int64_t dbtime = 0;
  uint32_t flags = 0;  // Root/Leaf/ParentOfLeaf/...; NewRecordFormat is added
  uint32_t previous = 0;
  uint32_t next = 0;
};

// Formats `page` (2..32 KiB) as an empty page with an empty external header.
void initializePage(MutableBytes page, const NewPage& init);

class PageEditor {
 public:
  // `page` must hold a page whose header and tags are sane (see validatePage).
  explicit PageEditor(MutableBytes page);

  uint16_t nodeCount() const;
  size_t freeBytes() const;  // cbFree
  // Bytes a node with this key/data takes on the page, tag included.
  static size_t nodeCost(size_t keySize, size_t dataSize, bool prefixCompressed = false);
  bool fits(size_t keySize, size_t dataSize) const { return nodeCost(keySize, dataSize) <= freeBytes(); }

  Status setExternalHeader(Bytes header);
  // Inserts a node before node `index` (index == nodeCount() appends).
  Status insertNode(uint16_t index, uint8_t flags, Bytes key, Bytes data);
  // Replaces node `index` entirely (key, data and flags).
  Status replaceNode(uint16_t index, uint8_t flags, Bytes key, Bytes data);
  // Replaces only the data of node `index`, keeping key and flags.
  Status replaceData(uint16_t index, Bytes data);
  Status setNodeFlags(uint16_t index, uint8_t flags);
  Status deleteNode(uint16_t index);
  // Moves every line together at the start of the data area.
  void reorganize();

  void setDbtime(int64_t dbtime);
  void setSiblings(uint32_t previous, uint32_t next);
  void setFlags(uint32_t flags);

  // Writes the checksum for page number `pgno` (and PGHDR2.pgno on large pages).
  void seal(uint32_t pgno);

 private:
  size_t headerSize() const { return page::headerSize(page_.size()); }
  uint16_t tagCount() const;
  void setTagCount(uint16_t count);
  Tag tag(uint16_t index) const;
  Bytes line(uint16_t tagIndex) const;
  size_t contiguousFree() const;
  Status placeLine(uint16_t tagIndex, Bytes line, uint8_t tagFlags, bool insert);
  Status removeTag(uint16_t tagIndex);
  Status checkNode(uint16_t index) const;

  MutableBytes page_;
  bool large_;
};

}  // namespace esekit::page
