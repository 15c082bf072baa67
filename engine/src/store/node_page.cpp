// see ese-format/page-format.md §2, §4, §5
#include "store/node_page.h"

#include <array>
#include <string>

namespace esekit::engine::store {
namespace {

constexpr uint16_t kKeyLengthMask = 0x1FFF;  // usNDCbKeyMask, page-format.md §5
constexpr size_t kSplitBufferSize = 16;      // space-tree roots, space-trees.md §4

Status noRoom(size_t need, size_t free) {
  return Status(JetError::InvalidParameter,
                "page full: line needs " + std::to_string(need) + " bytes, " + std::to_string(free) + " free");
}

}  // namespace

NodePage::NodePage(MutableBytes page)
    : page_(page),
      large_(page::isLargePage(page.size())),
      header_(page::headerSize(page.size())),
      mask_(large_ ? 0x7FFF : 0x1FFF) {
  const uint8_t stored = (loadLittleEndian<uint16_t>(page.data() + 34) >> 12) & 7;
  reserved_ = stored == 0 ? 1 : stored;
}

void NodePage::setTagCount(uint16_t count) {
  const uint16_t state = loadLittleEndian<uint16_t>(page_.data() + 34);
  storeLittleEndian<uint16_t>(page_.data() + 34, static_cast<uint16_t>((state & 0xF000) | count));
}

uint8_t NodePage::tagFlags(uint16_t tag) const {
  if (!large_) return static_cast<uint8_t>(loadLittleEndian<uint16_t>(tagEntry(tag) + 2) >> 13);
  if (tagSize(tag) < 2) return 0;
  return static_cast<uint8_t>(loadLittleEndian<uint16_t>(lineStart(tag)) >> 13);
}

void NodePage::writeTag(uint16_t tag, size_t size, size_t offset, uint8_t flags) {
  uint8_t* entry = tagEntry(tag);
  storeLittleEndian<uint16_t>(entry, static_cast<uint16_t>(size & mask_));
  const uint16_t flagBits = large_ ? 0 : static_cast<uint16_t>((flags & 7u) << 13);
  storeLittleEndian<uint16_t>(entry + 2, static_cast<uint16_t>((offset & mask_) | flagBits));
}

Bytes NodePage::externalHeader() const {
  if (tagCount() == 0) return {};
  return Bytes(lineStart(0), tagSize(0));
}

Bytes NodePage::keyPrefix() const {
  const Bytes external = externalHeader();
  const uint32_t f = flags();
  if (!(f & page::flag::Root)) return external;
  if (!(f & page::flag::SpaceTree)) return {};
  return external.size() > kSplitBufferSize ? external.subspan(kSplitBufferSize) : Bytes{};
}

NodePage::Line NodePage::line(uint16_t node) const {
  const uint16_t tag = static_cast<uint16_t>(node + reserved_);
  const uint8_t* p = lineStart(tag);
  const size_t size = tagSize(tag);
  Line out;
  out.lineSize = static_cast<uint16_t>(size);
  out.flags = tagFlags(tag);
  size_t at = 0;
  if (out.flags & page::node_flag::Compressed) {
    out.prefixSize = loadLittleEndian<uint16_t>(p) & kKeyLengthMask;
    at = 2;
  }
  const size_t suffixSize = loadLittleEndian<uint16_t>(p + at) & kKeyLengthMask;
  at += 2;
  if (out.prefixSize > 0) out.prefix = keyPrefix().first(out.prefixSize);
  out.suffix = Bytes(p + at, suffixSize);
  out.data = Bytes(p + at + suffixSize, size - at - suffixSize);
  return out;
}

int NodePage::compare(uint16_t node, Bytes key) const {
  const Line l = line(node);
  if (l.prefix.empty()) return compareBytes(l.suffix, key);
  const size_t n = l.prefix.size() < key.size() ? l.prefix.size() : key.size();
  if (n != 0) {
    const int c = std::memcmp(l.prefix.data(), key.data(), n);
    if (c != 0) return c < 0 ? -1 : 1;
  }
  if (key.size() < l.prefix.size()) return 1;
  return compareBytes(l.suffix, key.subspan(l.prefix.size()));
}

void NodePage::appendKey(uint16_t node, std::vector<uint8_t>& out) const {
  const Line l = line(node);
  out.insert(out.end(), l.prefix.begin(), l.prefix.end());
  out.insert(out.end(), l.suffix.begin(), l.suffix.end());
}

std::vector<uint8_t> NodePage::key(uint16_t node) const {
  std::vector<uint8_t> out;
  appendKey(node, out);
  return out;
}

uint16_t NodePage::lowerBound(Bytes key) const {
  uint16_t low = 0, high = nodeCount();
  while (low < high) {
    const uint16_t mid = static_cast<uint16_t>(low + (high - low) / 2);
    if (compare(mid, key) < 0) low = static_cast<uint16_t>(mid + 1);
    else high = mid;
  }
  return low;
}

uint16_t NodePage::upperBound(Bytes key) const {
  uint16_t low = 0, high = nodeCount();
  while (low < high) {
    const uint16_t mid = static_cast<uint16_t>(low + (high - low) / 2);
    if (compare(mid, key) <= 0) low = static_cast<uint16_t>(mid + 1);
    else high = mid;
  }
  return low;
}

uint16_t NodePage::childIndex(Bytes key) const {
  const uint16_t count = nodeCount();
  if (count == 0) return 0;
  // The last node's empty key stands for +infinity: search the others.
  uint16_t high = count;
  if (line(static_cast<uint16_t>(count - 1)).keySize() == 0) high = static_cast<uint16_t>(count - 1);
  uint16_t low = 0;
  while (low < high) {
    const uint16_t mid = static_cast<uint16_t>(low + (high - low) / 2);
    if (compare(mid, key) <= 0) low = static_cast<uint16_t>(mid + 1);
    else high = mid;
  }
  return low < count ? low : static_cast<uint16_t>(count - 1);
}

uint32_t NodePage::childPage(uint16_t node) const {
  const Line l = line(node);
  return l.data.size() == 4 ? loadLittleEndian<uint32_t>(l.data.data()) : 0;
}

size_t NodePage::capacity() const {
  return page_.size() - header_ - page::kTagSize * reserved_ - externalHeader().size();
}

size_t NodePage::contiguousFree() const {
  const size_t used = header_ + micFree() + page::kTagSize * size_t{tagCount()};
  return used <= page_.size() ? page_.size() - used : 0;
}

void NodePage::reorganize() {
  // 32 KiB is the largest page; one scratch copy per thread, no allocation.
  thread_local std::array<uint8_t, 32768> scratch;
  const uint16_t count = tagCount();
  const size_t dataArea = page_.size() - header_;
  std::memcpy(scratch.data(), page_.data() + header_, dataArea);
  size_t offset = 0;
  for (uint16_t tag = 0; tag < count; ++tag) {
    const size_t size = tagSize(tag);
    const size_t from = tagOffset(tag);
    const uint16_t flagWord = loadLittleEndian<uint16_t>(tagEntry(tag) + 2) & static_cast<uint16_t>(~mask_);
    if (size != 0) std::memcpy(page_.data() + header_ + offset, scratch.data() + from, size);
    storeLittleEndian<uint16_t>(tagEntry(tag) + 2, static_cast<uint16_t>((size != 0 ? offset : 0) | flagWord));
    offset += size;
  }
  // Zero the reclaimed gap so no stale bytes reach the disk.
  const size_t tagsStart = page_.size() - page::kTagSize * count;
  std::memset(page_.data() + header_ + offset, 0, tagsStart - header_ - offset);
  setMicFree(offset);
}

uint8_t* NodePage::placeLine(uint16_t tag, size_t size, uint8_t flags, bool newTag) {
  const size_t need = size + (newTag ? page::kTagSize : 0);
  if (need > contiguousFree()) reorganize();
  if (newTag) {
    const uint16_t count = tagCount();
    // Tags sit backwards from the page end: open entry `tag`.
    uint8_t* low = tagEntry(static_cast<uint16_t>(count - 1));
    const size_t moved = page::kTagSize * (size_t{count} - tag);
    std::memmove(low - page::kTagSize, low, moved);
    setTagCount(static_cast<uint16_t>(count + 1));
  }
  const size_t offset = micFree();
  writeTag(tag, size, offset, flags);
  setMicFree(offset + size);
  setFreeBytes(freeBytes() - need);
  return page_.data() + header_ + offset;
}

void NodePage::releaseLine(uint16_t tag) {
  const size_t size = tagSize(tag);
  const size_t offset = tagOffset(tag);
  if (offset + size == micFree()) setMicFree(offset);
  if (size != 0) std::memset(page_.data() + header_ + offset, 0, size);
  setFreeBytes(freeBytes() + size);
  const uint16_t flagWord = loadLittleEndian<uint16_t>(tagEntry(tag) + 2) & static_cast<uint16_t>(~mask_);
  storeLittleEndian<uint16_t>(tagEntry(tag), 0);
  storeLittleEndian<uint16_t>(tagEntry(tag) + 2, flagWord);
}

void NodePage::writeNode(uint8_t* out, uint8_t flags, uint16_t prefixSize, Bytes suffix, Bytes data) const {
  size_t at = 0;
  if (flags & page::node_flag::Compressed) {
    storeLittleEndian<uint16_t>(out, prefixSize & kKeyLengthMask);
    at = 2;
  }
  storeLittleEndian<uint16_t>(out + at, static_cast<uint16_t>(suffix.size() & kKeyLengthMask));
  at += 2;
  if (!suffix.empty()) std::memcpy(out + at, suffix.data(), suffix.size());
  at += suffix.size();
  if (!data.empty()) std::memcpy(out + at, data.data(), data.size());
  // Large pages keep the node flags in the first word of the line, §5.
  if (large_) out[1] = static_cast<uint8_t>((out[1] & 0x1F) | ((flags & 7u) << 5));
}

Status NodePage::insert(uint16_t node, uint8_t flags, uint16_t prefixSize, Bytes suffix, Bytes data) {
  if (node > nodeCount())
    return Status(JetError::InvalidParameter, "insert at node " + std::to_string(node) + " past the end (" +
                                                  std::to_string(nodeCount()) + " nodes)");
  if (prefixSize > keyPrefix().size())
    return Status(JetError::InvalidParameter, "cbPrefix " + std::to_string(prefixSize) +
                                                  " longer than the page's key prefix (" +
                                                  std::to_string(keyPrefix().size()) + " bytes)");
  if (tagCount() >= 0x0FFF) return noRoom(page::kTagSize, 0);
  flags = static_cast<uint8_t>(prefixSize > 0 ? (flags | page::node_flag::Compressed) : (flags & ~page::node_flag::Compressed));
  const size_t size = (prefixSize > 0 ? 4 : 2) + suffix.size() + data.size();
  if (size + page::kTagSize > freeBytes()) return noRoom(size + page::kTagSize, freeBytes());
  uint8_t* out = placeLine(static_cast<uint16_t>(node + reserved_), size, flags, true);
  writeNode(out, flags, prefixSize, suffix, data);
  return Status::ok();
}

Status NodePage::replaceData(uint16_t node, Bytes data) {
  const uint16_t tag = static_cast<uint16_t>(node + reserved_);
  const Line old = line(node);
  const size_t keyPart = old.lineSize - old.data.size();  // cbPrefix/cbSuffix words + suffix
  const size_t size = keyPart + data.size();
  uint8_t* start = lineStart(tag);
  const uint8_t flags = old.flags;
  if (size <= old.lineSize) {
    // Shrinks in place; the tail becomes a hole (or returns to the gap).
    std::memmove(start + keyPart, data.data(), data.size());
    const size_t offset = tagOffset(tag);
    if (offset + old.lineSize == micFree()) setMicFree(offset + size);
    std::memset(start + size, 0, old.lineSize - size);
    writeTag(tag, size, offset, flags);
    setFreeBytes(freeBytes() + old.lineSize - size);
    return Status::ok();
  }
  const size_t growth = size - old.lineSize;
  if (growth > freeBytes()) return noRoom(growth, freeBytes());
  const size_t offset = tagOffset(tag);
  if (offset + old.lineSize == micFree() && growth <= contiguousFree()) {
    // The last line grows into the gap.
    std::memcpy(start + keyPart, data.data(), data.size());
    writeTag(tag, size, offset, flags);
    setMicFree(offset + size);
    setFreeBytes(freeBytes() - growth);
    return Status::ok();
  }
  // Rewrite the line elsewhere; the key part is saved first (the page may be reorganized).
  std::array<uint8_t, 4 + kKeyLengthMask> keyCopy;
  std::memcpy(keyCopy.data(), start, keyPart);
  releaseLine(tag);
  uint8_t* out = placeLine(tag, size, flags, false);
  std::memcpy(out, keyCopy.data(), keyPart);
  std::memcpy(out + keyPart, data.data(), data.size());
  if (large_) out[1] = static_cast<uint8_t>((out[1] & 0x1F) | ((flags & 7u) << 5));
  return Status::ok();
}

void NodePage::setNodeFlags(uint16_t node, uint8_t flags) {
  const uint16_t tag = static_cast<uint16_t>(node + reserved_);
  if (large_) {
    uint8_t* first = lineStart(tag) + 1;
    *first = static_cast<uint8_t>((*first & 0x1F) | ((flags & 7u) << 5));
  } else {
    writeTag(tag, tagSize(tag), tagOffset(tag), flags);
  }
}

void NodePage::remove(uint16_t node) {
  const uint16_t tag = static_cast<uint16_t>(node + reserved_);
  releaseLine(tag);
  const uint16_t count = tagCount();
  uint8_t* low = tagEntry(static_cast<uint16_t>(count - 1));
  const size_t moved = page::kTagSize * (size_t{count} - 1 - tag);
  std::memmove(low + page::kTagSize, low, moved);
  std::memset(low, 0, page::kTagSize);
  setTagCount(static_cast<uint16_t>(count - 1));
  setFreeBytes(freeBytes() + page::kTagSize);
}

Status NodePage::setExternalHeader(Bytes header) {
  if (tagCount() == 0) return Status(JetError::DatabaseCorrupted, "page has no tag 0 for its external header");
  const size_t old = tagSize(0);
  if (header.size() > old && header.size() - old > freeBytes()) return noRoom(header.size() - old, freeBytes());
  std::array<uint8_t, 32768> copy;  // the new header may alias the page
  if (!header.empty()) std::memcpy(copy.data(), header.data(), header.size());  // an empty span may be null
  releaseLine(0);
  uint8_t* out = placeLine(0, header.size(), 0, false);
  if (!header.empty()) std::memcpy(out, copy.data(), header.size());
  return Status::ok();
}

}  // namespace esekit::engine::store
