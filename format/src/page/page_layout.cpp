// Tag array and node layout, parsePage(). See ese-format/page-format.md §4-§5.
#include <cstdio>
#include <cstring>

#include "esekit/format/page.h"
#include "page/page_internal.h"

namespace esekit::page {
namespace {

constexpr uint16_t kSmallFieldMask = 0x1FFF;  // 13-bit tag fields on pages <= 8 KiB, §4
constexpr uint16_t kLargeFieldMask = 0x7FFF;  // 15-bit tag fields on 16/32 KiB pages, §4
using detail::kKeyLengthMask;
constexpr size_t kSplitBufferSize = 16;       // space-tree root external header prefix, §4

}  // namespace

Tag Tag::make(uint16_t index, uint16_t size, uint16_t offset, uint8_t nodeFlags, bool largePage) {
  const uint16_t mask = largePage ? kLargeFieldMask : kSmallFieldMask;
  const uint16_t flagBits = largePage ? 0 : static_cast<uint16_t>((nodeFlags & 7u) << 13);
  return decode(size & mask, static_cast<uint16_t>((offset & mask) | flagBits), index, largePage);
}

void writeTag(MutableBytes page, const Tag& tag) {
  if (page.size() < kTagSize * (size_t{tag.index} + 1)) return;
  const size_t at = Tag::entryOffset(page.size(), tag.index);
  storeLittleEndian<uint16_t>(page.data() + at, tag.sizeWord);
  storeLittleEndian<uint16_t>(page.data() + at + 2, tag.offsetWord);
}

std::vector<uint8_t> encodeNode(uint8_t flags, uint16_t prefixSize, Bytes suffix, Bytes data, bool largePage) {
  const bool compressed = flags & node_flag::Compressed;
  std::vector<uint8_t> line((compressed ? 4 : 2) + suffix.size() + data.size());
  size_t at = 0;
  if (compressed) {
    storeLittleEndian<uint16_t>(line.data(), prefixSize & kKeyLengthMask);
    at = 2;
  }
  storeLittleEndian<uint16_t>(line.data() + at, static_cast<uint16_t>(suffix.size() & kKeyLengthMask));
  at += 2;
  if (!suffix.empty()) std::memcpy(line.data() + at, suffix.data(), suffix.size());
  at += suffix.size();
  if (!data.empty()) std::memcpy(line.data() + at, data.data(), data.size());
  // Large pages keep the node flags in the first word of the line, §5.
  if (largePage) line[1] = static_cast<uint8_t>((line[1] & 0x1F) | ((flags & 7u) << 5));
  return line;
}

std::vector<uint8_t> Node::key() const {
  std::vector<uint8_t> key(prefix.begin(), prefix.end());
  key.insert(key.end(), suffix.begin(), suffix.end());
  return key;
}

bool isAllZero(Bytes page) {
  // Word-wise OR: this runs on every page that fails its checksum.
  size_t i = 0;
  uint64_t accumulated = 0;
  for (; i + 64 <= page.size(); i += 64) {
    for (size_t k = 0; k < 64; k += 8) accumulated |= loadLittleEndian<uint64_t>(page.data() + i + k);
    if (accumulated) return false;
  }
  for (; i < page.size(); ++i) accumulated |= page[i];
  return accumulated == 0;
}

Bytes PageView::externalHeader() const {
  if (tags.empty()) return {};
  const Tag& tag = tags.front();
  if (tag.size == 0) return {};
  return bytes.subspan(header.size() + tag.offset, tag.size);  // checked by parsePage
}

Bytes PageView::keyPrefix() const { return detail::keyPrefixOf(header, externalHeader()); }

namespace detail {

Layout readLayout(Bytes page) {
  Layout layout;
  layout.pageSize = page.size();
  layout.large = isLargePage(page.size());
  layout.headerSize = layout.large ? kLargeHeaderSize : kSmallHeaderSize;
  layout.dataAreaSize = page.size() - layout.headerSize;
  auto parsed = PageHeader::parse(page);
  if (parsed) layout.header = parsed.value();
  return layout;
}

Bytes keyPrefixOf(const PageHeader& header, Bytes externalHeader) {
  if (!header.has(flag::Root)) return externalHeader;
  if (!header.has(flag::SpaceTree)) return {};  // root external header is the SPACE_HEADER
  return externalHeader.size() > kSplitBufferSize ? externalHeader.subspan(kSplitBufferSize) : Bytes{};
}

const char* decodeNode(Bytes line, const Tag& tag, bool large, Bytes keyPrefix, Node& node) {
  NodeLayout layout;
  if (const char* reason = decodeNodeLayout(line, tag.nodeFlags, large, keyPrefix.size(), layout)) return reason;
  node.tag = tag.index;
  node.lineSize = static_cast<uint16_t>(line.size());
  node.flags = layout.flags;
  node.prefixSize = layout.prefixSize;
  node.prefix = keyPrefix.first(layout.prefixSize);
  node.suffix = line.subspan(layout.suffixOffset, layout.suffixSize);
  node.data = line.subspan(layout.suffixOffset + layout.suffixSize);
  return nullptr;
}

std::string describeTagPosition(const Layout& layout, const Tag& tag) {
  char text[96];
  std::snprintf(text, sizeof text, "tag %u (entry at page offset %zu: cb %u, ib %u -> line at page offset %zu)",
                unsigned{tag.index}, Tag::entryOffset(layout.pageSize, tag.index), unsigned{tag.size},
                unsigned{tag.offset}, layout.headerSize + tag.offset);
  return text;
}

Status corrupted(std::string message) { return Status(JetError::DatabaseCorrupted, std::move(message)); }

}  // namespace detail

Result<PageView> parsePage(Bytes page) {
  auto header = PageHeader::parse(page);
  if (!header) return header.status();
  const detail::Layout layout = detail::readLayout(page);
  PageView view;
  view.bytes = page;
  view.header = header.value();
  const size_t tagCount = view.header.tagCount();
  if (kTagSize * tagCount > layout.dataAreaSize)
    return detail::corrupted("itagMicFree " + std::to_string(tagCount) + " (page offset 34): a tag array of " +
                             std::to_string(kTagSize * tagCount) + " bytes does not fit the " +
                             std::to_string(layout.dataAreaSize) + "-byte data area");
  const size_t tagArrayStart = layout.pageSize - kTagSize * tagCount;
  view.tags.reserve(tagCount);
  for (size_t i = 0; i < tagCount; ++i) {
    const Tag tag = detail::tagAt(page, layout, static_cast<uint16_t>(i));
    // Empty lines (legal for reserved tags) may carry any ib; nothing to bound.
    if (tag.size != 0 && layout.headerSize + tag.offset + tag.size > tagArrayStart)
      return detail::corrupted(detail::describeTagPosition(layout, tag) + ": line ends at page offset " +
                               std::to_string(layout.headerSize + tag.offset + tag.size) +
                               ", beyond the data area (tag array starts at " + std::to_string(tagArrayStart) + ")");
    view.tags.push_back(tag);
  }
  const size_t reserved = view.header.reservedTagCount();
  if (tagCount == 0 || tagCount <= reserved) return view;
  const Bytes prefix = view.keyPrefix();
  view.nodes.reserve(tagCount - reserved);
  for (size_t i = reserved; i < tagCount; ++i) {
    const Tag& tag = view.tags[i];
    if (tag.size == 0)
      return detail::corrupted(detail::describeTagPosition(layout, tag) + ": empty line (only reserved tags may be empty)");
    Node node;
    const Bytes line = page.subspan(layout.headerSize + tag.offset, tag.size);
    if (const char* reason = detail::decodeNode(line, tag, layout.large, prefix, node))
      return detail::corrupted(detail::describeTagPosition(layout, tag) + ": " + reason);
    node.lineOffset = static_cast<uint16_t>(layout.headerSize + tag.offset);
    view.nodes.push_back(node);
  }
  return view;
}

}  // namespace esekit::page
