// Private to the page component: the bounds-checked primitives that both
// parsePage() and validatePage() are built from, so the two can never
// disagree about where a tag or node lies.
#pragma once

#include <cstdint>
#include <string>

#include "esekit/format/page.h"

namespace esekit::page::detail {

// Header fields the layout code needs, read without allocation. `page` has a
// supported size (checked by the callers).
struct Layout {
  size_t pageSize = 0;
  size_t headerSize = 0;
  size_t dataAreaSize = 0;  // pageSize - headerSize
  bool large = false;
  PageHeader header;
};
Layout readLayout(Bytes page);

inline Tag tagAt(Bytes page, const Layout& layout, uint16_t index) {
  const size_t at = Tag::entryOffset(layout.pageSize, index);
  return Tag::decode(loadLittleEndian<uint16_t>(page.data() + at), loadLittleEndian<uint16_t>(page.data() + at + 2),
                     index, layout.large);
}

// Key prefix source for compressed nodes (see PageView::keyPrefix), given the
// external header line. Empty when the page has no usable prefix.
Bytes keyPrefixOf(const PageHeader& header, Bytes externalHeader);

inline constexpr uint16_t kKeyLengthMask = 0x1FFF;  // usNDCbKeyMask: node flags share the top 3 bits, §5

// Where the parts of a node's line are (offsets within the line).
struct NodeLayout {
  uint8_t flags = 0;
  uint16_t prefixSize = 0;
  size_t suffixOffset = 0;
  size_t suffixSize = 0;
};

// Decodes the key-length words of a non-reserved line, §5. `tagFlags` are the
// tag's flags (small pages); large pages keep them in the line's first word.
// Returns nullptr or a static reason. Inline: it runs for every node of every
// verified page.
inline const char* decodeNodeLayout(Bytes line, uint8_t tagFlags, bool large, size_t keyPrefixSize, NodeLayout& out) {
  const size_t size = line.size();
  const uint8_t* p = line.data();
  out.flags = large ? (size >= 2 ? static_cast<uint8_t>(loadLittleEndian<uint16_t>(p) >> 13) : 0) : tagFlags;
  size_t at = 0;
  out.prefixSize = 0;
  if (out.flags & node_flag::Compressed) {
    if (size < 2) return "line too short for its cbPrefix word";
    out.prefixSize = loadLittleEndian<uint16_t>(p) & kKeyLengthMask;
    at = 2;
  }
  if (size < at + 2) return "line too short for its cbSuffix word";
  const size_t suffixSize = loadLittleEndian<uint16_t>(p + at) & kKeyLengthMask;
  at += 2;
  if (suffixSize > size - at) return "key suffix longer than the line";
  // A node always carries data (NDIGetKeydataflags treats an all-key line as corrupt), §5.
  if (suffixSize == size - at) return "node has no data (key fills the line)";
  if (out.prefixSize > keyPrefixSize) return "cbPrefix longer than the page's key prefix (external header)";
  out.suffixOffset = at;
  out.suffixSize = suffixSize;
  return nullptr;
}

// decodeNodeLayout() into a Node with views into the line and prefix.
const char* decodeNode(Bytes line, const Tag& tag, bool large, Bytes keyPrefix, Node& node);

// "tag 3 (entry at 0x0ffc, line 0x0100+0x0040)" for messages.
std::string describeTagPosition(const Layout& layout, const Tag& tag);

Status corrupted(std::string message);

}  // namespace esekit::page::detail
