// In-place access to the nodes of one cached page: key comparison against
// prefix-compressed nodes, binary search, and the node edits the B+tree and
// redo perform (insert, data replace, flag change, delete, external header).
// Allocation-free: the B+tree calls these on every operation.
//
// Layout rules: ese-format/page-format.md §2 (header), §4 (tags: node i is
// tag i + ctagReserved), §5 (node: [cbPrefix] cbSuffix suffix data; flags in
// the tag on small pages, in bits 13-15 of the first word on large pages).
// Free space is kept as ESE keeps it: cbFree counts every unused byte, holes
// included; a line that does not fit the contiguous gap reorganizes the page.
//
// The page must have passed page::validatePage() (the cache validates every
// page it reads); the accessors then trust the tag array.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/page.h"
#include "esekit/format/status.h"

namespace esekit::engine::store {

// memcmp order, shorter first on a common prefix (ESE's key order).
inline int compareBytes(Bytes a, Bytes b) {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  if (n != 0) {
    const int c = std::memcmp(a.data(), b.data(), n);
    if (c != 0) return c < 0 ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

class NodePage {
 public:
  explicit NodePage(MutableBytes page);
  explicit NodePage(Bytes page) : NodePage(MutableBytes(const_cast<uint8_t*>(page.data()), page.size())) {}

  MutableBytes bytes() const { return page_; }
  bool large() const { return large_; }

  // --- header (page-format.md §2) ---
  int64_t dbtime() const { return loadLittleEndian<int64_t>(page_.data() + 8); }
  void setDbtime(int64_t dbtime) { storeLittleEndian<int64_t>(page_.data() + 8, dbtime); }
  uint32_t previous() const { return loadLittleEndian<uint32_t>(page_.data() + 16); }
  uint32_t next() const { return loadLittleEndian<uint32_t>(page_.data() + 20); }
  void setPrevious(uint32_t pgno) { storeLittleEndian<uint32_t>(page_.data() + 16, pgno); }
  void setNext(uint32_t pgno) { storeLittleEndian<uint32_t>(page_.data() + 20, pgno); }
  uint32_t objectId() const { return loadLittleEndian<uint32_t>(page_.data() + 24); }
  uint32_t flags() const { return loadLittleEndian<uint32_t>(page_.data() + 36); }
  void setFlags(uint32_t flags) { storeLittleEndian<uint32_t>(page_.data() + 36, flags); }
  bool leaf() const { return (flags() & page::flag::Leaf) != 0; }
  bool root() const { return (flags() & page::flag::Root) != 0; }
  size_t freeBytes() const { return loadLittleEndian<uint16_t>(page_.data() + 28); }
  uint16_t nodeCount() const { return tagCount() > reserved_ ? static_cast<uint16_t>(tagCount() - reserved_) : 0; }

  // Tag 0's line, and the bytes compressed keys take their prefix from
  // (NDIGetKeydataflags: after the split buffer on space-tree roots, nothing
  // on other roots), page-format.md §5.
  Bytes externalHeader() const;
  Bytes keyPrefix() const;

  struct Line {
    uint8_t flags = 0;        // page::node_flag bits
    uint16_t prefixSize = 0;  // cbPrefix (0 unless Compressed)
    Bytes prefix;             // the prefixSize bytes of keyPrefix()
    Bytes suffix;
    Bytes data;
    uint16_t lineSize = 0;
    size_t keySize() const { return prefix.size() + suffix.size(); }
    bool deleted() const { return (flags & page::node_flag::Deleted) != 0; }
  };
  Line line(uint16_t node) const;
  // Node key (prefix ‖ suffix) compared with `key`.
  int compare(uint16_t node, Bytes key) const;
  void appendKey(uint16_t node, std::vector<uint8_t>& out) const;
  std::vector<uint8_t> key(uint16_t node) const;
  // First node whose key is >= key / > key (nodeCount() when none).
  uint16_t lowerBound(Bytes key) const;
  uint16_t upperBound(Bytes key) const;
  // Internal pages: the child to descend into for `key` (the first separator
  // sorting after it; the empty last key is +infinity), records-and-catalog.md §7.4.
  uint16_t childIndex(Bytes key) const;
  uint32_t childPage(uint16_t node) const;

  // Bytes a line with these parts takes, its tag included.
  static size_t nodeCost(size_t prefixSize, size_t suffixSize, size_t dataSize) {
    return (prefixSize > 0 ? 4 : 2) + suffixSize + dataSize + page::kTagSize;
  }
  // Largest cost a node may have on an empty page of this kind.
  size_t capacity() const;

  // --- edits (never allocate; fail with InvalidParameter when out of room) ---
  // prefixSize > 0 stores the node compressed: its key is the first prefixSize
  // bytes of keyPrefix() followed by `suffix`.
  Status insert(uint16_t node, uint8_t flags, uint16_t prefixSize, Bytes suffix, Bytes data);
  // Keeps key, prefix and flags.
  Status replaceData(uint16_t node, Bytes data);
  void setNodeFlags(uint16_t node, uint8_t flags);
  void remove(uint16_t node);
  Status setExternalHeader(Bytes header);
  // Moves every line together at the start of the data area, in tag order.
  void reorganize();

 private:
  uint16_t tagCount() const { return loadLittleEndian<uint16_t>(page_.data() + 34) & 0x0FFF; }
  void setTagCount(uint16_t count);
  uint16_t micFree() const { return loadLittleEndian<uint16_t>(page_.data() + 32); }
  void setMicFree(size_t value) { storeLittleEndian<uint16_t>(page_.data() + 32, static_cast<uint16_t>(value)); }
  void setFreeBytes(size_t value) { storeLittleEndian<uint16_t>(page_.data() + 28, static_cast<uint16_t>(value)); }
  uint8_t* tagEntry(uint16_t tag) const { return page_.data() + page_.size() - page::kTagSize * (size_t{tag} + 1); }
  uint16_t tagSize(uint16_t tag) const { return loadLittleEndian<uint16_t>(tagEntry(tag)) & mask_; }
  uint16_t tagOffset(uint16_t tag) const { return loadLittleEndian<uint16_t>(tagEntry(tag) + 2) & mask_; }
  uint8_t tagFlags(uint16_t tag) const;
  void writeTag(uint16_t tag, size_t size, size_t offset, uint8_t flags);
  uint8_t* lineStart(uint16_t tag) const { return page_.data() + header_ + tagOffset(tag); }
  size_t contiguousFree() const;
  // Reserves `size` bytes for the line of tag `tag` (a new tag when `newTag`),
  // reorganizing when the gap is too small; returns where to write it.
  uint8_t* placeLine(uint16_t tag, size_t size, uint8_t flags, bool newTag);
  // Frees the bytes of a line (its tag stays).
  void releaseLine(uint16_t tag);
  void writeNode(uint8_t* out, uint8_t flags, uint16_t prefixSize, Bytes suffix, Bytes data) const;

  MutableBytes page_;
  bool large_;
  size_t header_;
  uint16_t mask_;
  uint16_t reserved_;
};

// Big-endian page numbers are the keys of space-tree nodes (space-trees.md §4).
inline void storeBigEndian32(uint8_t* out, uint32_t value) {
  out[0] = static_cast<uint8_t>(value >> 24);
  out[1] = static_cast<uint8_t>(value >> 16);
  out[2] = static_cast<uint8_t>(value >> 8);
  out[3] = static_cast<uint8_t>(value);
}
inline uint32_t loadBigEndian32(const uint8_t* in) {
  return (uint32_t{in[0]} << 24) | (uint32_t{in[1]} << 16) | (uint32_t{in[2]} << 8) | in[3];
}

}  // namespace esekit::engine::store
