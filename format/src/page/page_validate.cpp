// Structural validation of a checksum-good page: the consistency checks ESE
// runs on pages it reads (CPAGE::ErrCheckPage; page-format.md §6 step 5).
// Every failure is JET_errDatabaseCorrupted, as in ESE, with the header
// field or tag and its page offsets in the message.
#include <array>

#include "esekit/format/page.h"
#include "page/page_internal.h"

namespace esekit::page {
namespace {

using detail::corrupted;

std::string num(size_t value) { return std::to_string(value); }

// One bit per byte of the data area (at most 32 KiB - 80 bytes).
class UsageMap {
 public:
  explicit UsageMap(size_t bytes) : words_((bytes + 63) / 64) {
    for (size_t i = 0; i < words_; ++i) bits_[i] = 0;
  }
  // Marks [begin, end) used (end > begin); returns true when any byte was
  // already used. Branch-light: it runs for every line of every page.
  bool mark(size_t begin, size_t end) {
    const size_t first = begin / 64, last = (end - 1) / 64;
    const bool oneWord = first == last;
    const uint64_t headMask = ~uint64_t{0} << (begin % 64);
    const uint64_t tailMask = ~uint64_t{0} >> (63 - (end - 1) % 64);
    const uint64_t firstMask = oneWord ? headMask & tailMask : headMask;
    const uint64_t lastMask = oneWord ? 0 : tailMask;
    uint64_t overlap = bits_[first] & firstMask;
    bits_[first] |= firstMask;
    for (size_t word = first + 1; word < last; ++word) {
      overlap |= bits_[word];
      bits_[word] = ~uint64_t{0};
    }
    overlap |= bits_[last] & lastMask;
    bits_[last] |= lastMask;
    return overlap != 0;
  }

 private:
  size_t words_;
  std::array<uint64_t, (32768 + 63) / 64> bits_;
};

Status checkHeader(const detail::Layout& layout) {
  const PageHeader& h = layout.header;
  const size_t area = layout.dataAreaSize;
  if (h.freeBytes > area)
    return corrupted("cbFree " + num(h.freeBytes) + " (page offset 28) exceeds the " + num(area) + "-byte data area");
  if (h.uncommittedFreeBytes > h.freeBytes)
    return corrupted("cbUncommittedFree " + num(h.uncommittedFreeBytes) + " (page offset 30) exceeds cbFree " +
                     num(h.freeBytes));
  if (h.firstFreeOffset > area)
    return corrupted("ibMicFree " + num(h.firstFreeOffset) + " (page offset 32) exceeds the " + num(area) +
                     "-byte data area");
  const size_t tagBytes = kTagSize * size_t{h.tagCount()};
  if (tagBytes >= area)
    return corrupted("itagMicFree " + num(h.tagCount()) + " (page offset 34): a tag array of " + num(tagBytes) +
                     " bytes does not fit the " + num(area) + "-byte data area");
  if (h.firstFreeOffset > area - tagBytes)
    return corrupted("ibMicFree " + num(h.firstFreeOffset) + " (page offset 32) reaches into the tag array (data area ends at " +
                     num(area - tagBytes) + " after the header)");
  // Flag coherence (§3 and ESE's checks).
  if (h.has(flag::Empty) && h.has(flag::PreInit))
    return corrupted("flags " + hex32(h.flags) + " (page offset 36): Empty and PreInit both set");
  if (h.has(flag::Leaf) && h.has(flag::ParentOfLeaf))
    return corrupted("flags " + hex32(h.flags) + " (page offset 36): Leaf and ParentOfLeaf both set");
  if (h.has(flag::Index) && h.has(flag::LongValue))
    return corrupted("flags " + hex32(h.flags) + " (page offset 36): Index and LongValue both set");
  if (h.tagCount() == 0 && !h.has(flag::Empty | flag::PreInit))
    return corrupted("itagMicFree 0 (page offset 34) on a page that is neither Empty nor PreInit (flags " +
                     hex32(h.flags) + ")");
  if (h.has(flag::PreInit)) {
    constexpr uint32_t allowed = flag::PreInit | flag::NewRecordFormat | flag::NewChecksumFormat | flag::FlushTypeMask;
    if (h.tagCount() != 0 || !h.has(flag::NewRecordFormat) || (h.flags & ~allowed) != 0 || h.previousPage != 0 ||
        h.nextPage != 0)
      return corrupted("pre-initialized page (flags " + hex32(h.flags) +
                       ") with tags, siblings or flags other than NewRecordFormat/NewChecksumFormat/flush type");
  }
  if (h.tagCount() != 0 && h.reservedTagCount() > h.tagCount())
    return corrupted("itagState " + hex32(h.tagState) + " (page offset 34): " + num(h.reservedTagCount()) +
                     " reserved tags but only " + num(h.tagCount()) + " tags");
  return Status::ok();
}

// Names the earlier tag whose line overlaps `tag`'s (failure path only).
std::string overlapPartner(Bytes page, const detail::Layout& layout, const Tag& tag) {
  for (uint16_t j = 0; j < tag.index; ++j) {
    const Tag other = detail::tagAt(page, layout, j);
    if (other.size == 0) continue;
    if (other.offset < tag.offset + tag.size && tag.offset < other.offset + other.size)
      return detail::describeTagPosition(layout, other);
  }
  return "an earlier tag";
}

}  // namespace

Status validatePage(Bytes page) {
  if (!isSupportedPageSize(page.size()))
    return Status(JetError::InvalidParameter, "page of " + num(page.size()) + " bytes: not a page size");
  const detail::Layout layout = detail::readLayout(page);
  ESEKIT_RETURN_IF_ERROR(checkHeader(layout));
  const PageHeader& h = layout.header;
  const uint16_t tagCount = h.tagCount();
  const uint16_t reserved = h.reservedTagCount();

  Bytes prefix;
  if (tagCount > 0) {
    const Tag external = detail::tagAt(page, layout, 0);
    if (external.size != 0 && external.offset + external.size <= h.firstFreeOffset)
      prefix = detail::keyPrefixOf(h, page.subspan(layout.headerSize + external.offset, external.size));
  }

  // Overlap check: lines stored in tag order (about half the pages) need one
  // comparison each; otherwise a bitmap pass follows the loop.
  size_t lineBytes = 0, previousEnd = 0;
  bool ascending = true;
  for (uint16_t i = 0; i < tagCount; ++i) {
    const Tag tag = detail::tagAt(page, layout, i);
    lineBytes += tag.size;
    if (tag.size == 0) {
      if (i < reserved) continue;  // only reserved tags may be empty; their ib is meaningless
      return corrupted(detail::describeTagPosition(layout, tag) + ": empty line (only reserved tags may be empty)");
    }
    // Lines live below ibMicFree (which may be stale-high, never low).
    if (size_t{tag.offset} + tag.size > h.firstFreeOffset)
      return corrupted(detail::describeTagPosition(layout, tag) + ": line ends at " + num(tag.offset + tag.size) +
                       " after the header, beyond ibMicFree " + num(h.firstFreeOffset));
    ascending = ascending && tag.offset >= previousEnd;
    previousEnd = size_t{tag.offset} + tag.size;
    if (i < reserved) continue;
    detail::NodeLayout node;
    const Bytes line = page.subspan(layout.headerSize + tag.offset, tag.size);
    if (const char* reason = detail::decodeNodeLayout(line, tag.nodeFlags, layout.large, prefix.size(), node))
      return corrupted(detail::describeTagPosition(layout, tag) + ": " + reason);
  }
  if (!ascending) {
    UsageMap used(layout.dataAreaSize);
    for (uint16_t i = 0; i < tagCount; ++i) {
      const Tag tag = detail::tagAt(page, layout, i);
      if (tag.size == 0) continue;
      if (used.mark(tag.offset, size_t{tag.offset} + tag.size))
        return corrupted(detail::describeTagPosition(layout, tag) + ": line overlaps " +
                         overlapPartner(page, layout, tag));
    }
  }
  // All space is accounted for: lines + free bytes + tag array == data area.
  const size_t accounted = lineBytes + h.freeBytes + kTagSize * size_t{tagCount};
  if (accounted != layout.dataAreaSize)
    return corrupted("space mismatch: lines " + num(lineBytes) + " + cbFree " + num(h.freeBytes) + " + tag array " +
                     num(kTagSize * size_t{tagCount}) + " = " + num(accounted) + " bytes, data area is " +
                     num(layout.dataAreaSize));
  return Status::ok();
}

}  // namespace esekit::page
