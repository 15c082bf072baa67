// see ese-format/page-format.md §2 (header fields), §4 (tags), §5 (nodes)
#include "esekit/format/page_edit.h"

#include <cstring>
#include <string>
#include <vector>

#include "esekit/format/checksum.h"

namespace esekit::page {
namespace {

// PGHDR field offsets (page-format.md §2.1, §2.2).
constexpr size_t kDbtimeOffset = 8;
constexpr size_t kPreviousOffset = 16;
constexpr size_t kNextOffset = 20;
constexpr size_t kObjectIdOffset = 24;
constexpr size_t kFreeOffset = 28;
constexpr size_t kUncommittedFreeOffset = 30;
constexpr size_t kMicFreeOffset = 32;
constexpr size_t kTagStateOffset = 34;
constexpr size_t kFlagsOffset = 36;
constexpr size_t kLargePgnoOffset = 64;

uint16_t get16(MutableBytes page, size_t offset) { return loadLittleEndian<uint16_t>(page.data() + offset); }
void put16(MutableBytes page, size_t offset, size_t value) {
  storeLittleEndian<uint16_t>(page.data() + offset, static_cast<uint16_t>(value));
}

Status pageFull(size_t need, size_t free) {
  return Status(JetError::InvalidParameter,
                "page full: node needs " + std::to_string(need) + " bytes, " + std::to_string(free) + " free");
}

}  // namespace

void initializePage(MutableBytes page, const NewPage& init) {
  std::memset(page.data(), 0, page.size());
  const size_t header = page::headerSize(page.size());
  storeLittleEndian<int64_t>(page.data() + kDbtimeOffset, init.dbtime);
  storeLittleEndian<uint32_t>(page.data() + kPreviousOffset, init.previous);
  storeLittleEndian<uint32_t>(page.data() + kNextOffset, init.next);
  storeLittleEndian<uint32_t>(page.data() + kObjectIdOffset, init.objectId);
  storeLittleEndian<uint32_t>(page.data() + kFlagsOffset, init.flags | flag::NewRecordFormat);
  // One tag (the empty external header).
  put16(page, kTagStateOffset, 1);
  put16(page, kMicFreeOffset, 0);
  put16(page, kFreeOffset, page.size() - header - kTagSize);
  writeTag(page, Tag::make(0, 0, 0, 0, isLargePage(page.size())));
  if (isLargePage(page.size())) storeLittleEndian<uint32_t>(page.data() + kLargePgnoOffset, init.pgno);
}

PageEditor::PageEditor(MutableBytes page) : page_(page), large_(isLargePage(page.size())) {}

uint16_t PageEditor::tagCount() const { return get16(page_, kTagStateOffset) & 0x0FFF; }

void PageEditor::setTagCount(uint16_t count) {
  put16(page_, kTagStateOffset, (get16(page_, kTagStateOffset) & 0xF000) | count);
}

uint16_t PageEditor::nodeCount() const { return tagCount() > 0 ? tagCount() - 1 : 0; }

size_t PageEditor::freeBytes() const { return get16(page_, kFreeOffset); }

size_t PageEditor::nodeCost(size_t keySize, size_t dataSize, bool prefixCompressed) {
  return (prefixCompressed ? 4 : 2) + keySize + dataSize + kTagSize;
}

Tag PageEditor::tag(uint16_t index) const {
  const size_t at = Tag::entryOffset(page_.size(), index);
  return Tag::decode(get16(page_, at), get16(page_, at + 2), index, large_);
}

Bytes PageEditor::line(uint16_t tagIndex) const {
  const Tag t = tag(tagIndex);
  return Bytes(page_.data() + headerSize() + t.offset, t.size);
}

size_t PageEditor::contiguousFree() const {
  const size_t used = headerSize() + get16(page_, kMicFreeOffset) + kTagSize * tagCount();
  return used <= page_.size() ? page_.size() - used : 0;
}

void PageEditor::reorganize() {
  const uint16_t count = tagCount();
  std::vector<std::vector<uint8_t>> lines;
  std::vector<uint8_t> tagFlags;
  for (uint16_t i = 0; i < count; ++i) {
    const Bytes l = line(i);
    lines.emplace_back(l.begin(), l.end());
    tagFlags.push_back(tag(i).nodeFlags);
  }
  size_t offset = 0;
  for (uint16_t i = 0; i < count; ++i) {
    if (!lines[i].empty()) std::memcpy(page_.data() + headerSize() + offset, lines[i].data(), lines[i].size());
    writeTag(page_, Tag::make(i, static_cast<uint16_t>(lines[i].size()), static_cast<uint16_t>(offset), tagFlags[i], large_));
    offset += lines[i].size();
  }
  // Zero the reclaimed gap so stale bytes never reach disk.
  const size_t tagsStart = page_.size() - kTagSize * count;
  std::memset(page_.data() + headerSize() + offset, 0, tagsStart - headerSize() - offset);
  put16(page_, kMicFreeOffset, offset);
  put16(page_, kUncommittedFreeOffset, 0);
}

Status PageEditor::placeLine(uint16_t tagIndex, Bytes bytes, uint8_t tagFlags, bool insert) {
  const size_t need = bytes.size() + (insert ? kTagSize : 0);
  if (need > freeBytes()) return pageFull(need, freeBytes());
  if (need > contiguousFree()) reorganize();
  const uint16_t count = tagCount();
  if (insert) {
    // Tags sit backwards from the page end: make room for tag `tagIndex`.
    const size_t low = page_.size() - kTagSize * count;
    const size_t high = page_.size() - kTagSize * tagIndex;
    std::memmove(page_.data() + low - kTagSize, page_.data() + low, high - low);
    setTagCount(count + 1);
  }
  const size_t offset = get16(page_, kMicFreeOffset);
  if (!bytes.empty()) std::memcpy(page_.data() + headerSize() + offset, bytes.data(), bytes.size());
  writeTag(page_, Tag::make(tagIndex, static_cast<uint16_t>(bytes.size()), static_cast<uint16_t>(offset), tagFlags, large_));
  put16(page_, kMicFreeOffset, offset + bytes.size());
  put16(page_, kFreeOffset, freeBytes() - need);
  return Status::ok();
}

Status PageEditor::removeTag(uint16_t tagIndex) {
  const Tag t = tag(tagIndex);
  const uint16_t count = tagCount();
  // Give back the line's bytes; trim the data area when it was the last line.
  if (t.offset + t.size == get16(page_, kMicFreeOffset)) put16(page_, kMicFreeOffset, t.offset);
  std::memset(page_.data() + headerSize() + t.offset, 0, t.size);
  const size_t low = page_.size() - kTagSize * count;
  const size_t high = page_.size() - kTagSize * (tagIndex + 1);
  std::memmove(page_.data() + low + kTagSize, page_.data() + low, high - low);
  std::memset(page_.data() + low, 0, kTagSize);
  setTagCount(count - 1);
  put16(page_, kFreeOffset, freeBytes() + t.size + kTagSize);
  return Status::ok();
}

Status PageEditor::checkNode(uint16_t index) const {
  if (index >= nodeCount())
    return Status(JetError::InvalidParameter, "node " + std::to_string(index) + " does not exist (page has " +
                                                  std::to_string(nodeCount()) + ")");
  return Status::ok();
}

Status PageEditor::setExternalHeader(Bytes header) {
  const Tag old = tag(0);
  if (header.size() > old.size && header.size() - old.size > freeBytes()) return pageFull(header.size() - old.size, freeBytes());
  // Free the old line first (it is garbage once replaced), then place the new one.
  std::vector<uint8_t> copy(header.begin(), header.end());
  if (old.offset + old.size == get16(page_, kMicFreeOffset)) put16(page_, kMicFreeOffset, old.offset);
  writeTag(page_, Tag::make(0, 0, 0, 0, large_));
  put16(page_, kFreeOffset, freeBytes() + old.size);
  return placeLine(0, copy, 0, false);
}

Status PageEditor::insertNode(uint16_t index, uint8_t flags, Bytes key, Bytes data) {
  if (index > nodeCount()) return Status(JetError::InvalidParameter, "insert position " + std::to_string(index) + " past the end");
  if (tagCount() >= 0x0FFF) return pageFull(kTagSize, 0);
  const std::vector<uint8_t> bytes = encodeNode(flags & ~node_flag::Compressed, 0, key, data, large_);
  return placeLine(static_cast<uint16_t>(index + 1), bytes, large_ ? 0 : flags, true);
}

Status PageEditor::replaceNode(uint16_t index, uint8_t flags, Bytes key, Bytes data) {
  ESEKIT_RETURN_IF_ERROR(checkNode(index));
  const std::vector<uint8_t> bytes = encodeNode(flags & ~node_flag::Compressed, 0, key, data, large_);
  const Tag old = tag(static_cast<uint16_t>(index + 1));
  if (bytes.size() > old.size && bytes.size() - old.size > freeBytes()) return pageFull(bytes.size() - old.size, freeBytes());
  ESEKIT_RETURN_IF_ERROR(removeTag(static_cast<uint16_t>(index + 1)));
  return placeLine(static_cast<uint16_t>(index + 1), bytes, large_ ? 0 : flags, true);
}

Status PageEditor::replaceData(uint16_t index, Bytes data) {
  ESEKIT_RETURN_IF_ERROR(checkNode(index));
  auto view = parsePage(page_);
  if (!view) return view.status();
  const Node& node = view->nodes[index];
  if (node.compressed())
    return Status(JetError::FeatureNotAvailable, "replacing data of a prefix-compressed node is not supported");
  const std::vector<uint8_t> key(node.suffix.begin(), node.suffix.end());
  return replaceNode(index, node.flags, key, data);
}

Status PageEditor::setNodeFlags(uint16_t index, uint8_t flags) {
  ESEKIT_RETURN_IF_ERROR(checkNode(index));
  const uint16_t tagIndex = static_cast<uint16_t>(index + 1);
  const Tag t = tag(tagIndex);
  if (large_) {
    // Flags live in bits 13-15 of the line's first word (page-format.md §5).
    if (t.size < 2) return Status(JetError::DatabaseCorrupted, "node " + std::to_string(index) + " is shorter than its key length");
    uint8_t* first = page_.data() + headerSize() + t.offset + 1;
    *first = static_cast<uint8_t>((*first & 0x1F) | ((flags & 7u) << 5));
  } else {
    writeTag(page_, Tag::make(tagIndex, t.size, t.offset, flags, false));
  }
  return Status::ok();
}

Status PageEditor::deleteNode(uint16_t index) {
  ESEKIT_RETURN_IF_ERROR(checkNode(index));
  return removeTag(static_cast<uint16_t>(index + 1));
}

void PageEditor::setDbtime(int64_t dbtime) { storeLittleEndian<int64_t>(page_.data() + kDbtimeOffset, dbtime); }

void PageEditor::setSiblings(uint32_t previous, uint32_t next) {
  storeLittleEndian<uint32_t>(page_.data() + kPreviousOffset, previous);
  storeLittleEndian<uint32_t>(page_.data() + kNextOffset, next);
}

void PageEditor::setFlags(uint32_t flags) { storeLittleEndian<uint32_t>(page_.data() + kFlagsOffset, flags); }

void PageEditor::seal(uint32_t pgno) {
  if (large_) storeLittleEndian<uint32_t>(page_.data() + kLargePgnoOffset, pgno);
  checksum::setPageChecksum(page_, pgno);
}

}  // namespace esekit::page
