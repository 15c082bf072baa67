// Database pages (pgno >= 1): page header (40-byte PGHDR, 80-byte PGHDR2 on
// 16/32 KiB pages), page flags, the tag array, nodes (lines) and structural
// validation. See ese-format/page-format.md.
//
// Everything here is pure and bounds-checked: a page is a span of exactly one
// page size (2, 4, 8, 16 or 32 KiB); no offset read from the page is trusted
// before it has been checked against the page.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/fields.h"
#include "esekit/format/status.h"

namespace esekit::page {

inline constexpr size_t kSmallHeaderSize = 40;   // PGHDR, §2.1
inline constexpr size_t kLargeHeaderSize = 80;   // PGHDR + PGHDR2, §2.2
inline constexpr size_t kTagSize = 4;            // §4
inline constexpr size_t kLargePageThreshold = 8192;  // FIsSmallPage(cb) is cb <= 8192, §1

// 2048, 4096, 8192, 16384 or 32768.
bool isSupportedPageSize(size_t pageSize);
inline bool isLargePage(size_t pageSize) { return pageSize > kLargePageThreshold; }
inline size_t headerSize(size_t pageSize) { return isLargePage(pageSize) ? kLargeHeaderSize : kSmallHeaderSize; }
// File offset of database page `pgno` ((pgno + 1) * pageSize), database-header.md §1.
inline uint64_t fileOffsetOfPage(uint32_t pgno, size_t pageSize) { return (uint64_t{pgno} + 1) * pageSize; }

// Page flags (fFlags at offset 36), §3.
namespace flag {
inline constexpr uint32_t Root = 0x00000001;
inline constexpr uint32_t Leaf = 0x00000002;
inline constexpr uint32_t ParentOfLeaf = 0x00000004;
inline constexpr uint32_t Empty = 0x00000008;
inline constexpr uint32_t Repair = 0x00000010;
inline constexpr uint32_t SpaceTree = 0x00000020;
inline constexpr uint32_t Index = 0x00000040;
inline constexpr uint32_t LongValue = 0x00000080;
inline constexpr uint32_t SlvAvail = 0x00000100;     // obsolete
inline constexpr uint32_t SlvOwnerMap = 0x00000200;  // obsolete
inline constexpr uint32_t NonUniqueKeys = 0x00000400;
inline constexpr uint32_t NewRecordFormat = 0x00000800;
inline constexpr uint32_t NewChecksumFormat = 0x00002000;
inline constexpr uint32_t Scrubbed = 0x00004000;
inline constexpr uint32_t FlushTypeMask = 0x00018000;  // 2-bit lost-flush type, bits 15-16
inline constexpr uint32_t PreInit = 0x00020000;
inline constexpr uint32_t FdpDelete = 0x00040000;
inline constexpr uint32_t Known = 0x0007EFFF;  // every bit above (0x1000 and bits 19+ are unassigned)
}  // namespace flag

// "Root|Leaf|NewRecordFormat|NewChecksumFormat|FlushType=Paper"; unassigned
// bits are appended as hex ("0x00001000"); "none" for 0.
std::string describeFlags(uint32_t flags);

// Lost-flush detection state (flags bits 15-16), §3: next = (current % 3) + 1.
enum class FlushType : uint8_t { Unknown = 0, Rock = 1, Paper = 2, Scissors = 3 };
const char* flushTypeName(FlushType type);

// DBTIME sentinels that can appear in dbtimeDirtied, §7.
inline constexpr int64_t kDbtimeNil = -1;
inline constexpr int64_t kDbtimeInvalid = -2;
inline constexpr int64_t kDbtimeShrunk = -3;
inline constexpr int64_t kDbtimeRevert = -4;
inline constexpr int64_t kDbtimeRevertRoot = -5;

// PGHDR (and PGHDR2 on large pages), byte-exact: serialize(parse(p)) gives
// back the first size() bytes of p.
struct PageHeader {
  uint64_t checksum = 0;         // 0: block-0 checksum (new format) or XOR|pgno (old)
  int64_t dbtimeDirtied = 0;     // 8
  uint32_t previousPage = 0;     // 16 pgnoPrev
  uint32_t nextPage = 0;         // 20 pgnoNext
  uint32_t objectId = 0;         // 24 objidFDP
  uint16_t freeBytes = 0;        // 28 cbFree
  uint16_t uncommittedFreeBytes = 0;  // 30 cbUncommittedFree
  uint16_t firstFreeOffset = 0;  // 32 ibMicFree, relative to the end of the header
  uint16_t tagState = 0;         // 34 itagState: tag count, reserved-tag count, spare bit
  uint32_t flags = 0;            // 36 fFlags
  // PGHDR2, only on pages > 8 KiB.
  bool large = false;
  std::array<uint64_t, 3> blockChecksums{};  // 40, 48, 56: checksums of blocks 1-3
  uint32_t pageNumber = 0;                   // 64: the page's own pgno
  std::array<uint8_t, 12> reserved{};        // 68: must be zero

  // Needs a span of a supported page size (the layout depends on it).
  static Result<PageHeader> parse(Bytes page);
  // Writes size() bytes at offset 0.
  void serialize(ByteWriter& out) const;

  size_t size() const { return large ? kLargeHeaderSize : kSmallHeaderSize; }
  bool has(uint32_t mask) const { return (flags & mask) != 0; }
  // itagMicFree: entries in the tag array (bits 0-11 of itagState).
  uint16_t tagCount() const { return tagState & 0x0FFF; }
  // ctagReserved as stored (bits 12-14); 0 is the legacy encoding of 1.
  uint8_t storedReservedTagCount() const { return (tagState >> 12) & 7; }
  // Tags before the first node: tag 0 (external header) and any further reserved tags.
  uint8_t reservedTagCount() const { return storedReservedTagCount() == 0 ? 1 : storedReservedTagCount(); }
  bool tagStateSpareBit() const { return (tagState & 0x8000) != 0; }
  FlushType flushType() const { return static_cast<FlushType>((flags & flag::FlushTypeMask) >> 15); }
  // Nodes ("lines") on the page: tagCount() minus the reserved tags (0 when none).
  uint16_t nodeCount() const { return tagCount() > reservedTagCount() ? tagCount() - reservedTagCount() : 0; }
};

// Node flags, §5 (in the tag on small pages, in the node's first word on large pages).
namespace node_flag {
inline constexpr uint8_t Versioned = 0x1;   // fNDVersion
inline constexpr uint8_t Deleted = 0x2;     // fNDDeleted
inline constexpr uint8_t Compressed = 0x4;  // fNDCompressed: a cbPrefix word is present
}  // namespace node_flag
// "Versioned|Deleted|Compressed", "none" for 0.
std::string describeNodeFlags(uint8_t flags);

// One TAG entry (§4): the two stored words and their decoded meaning.
struct Tag {
  uint16_t index = 0;       // itag
  uint16_t sizeWord = 0;    // cb_ as stored (bytes 0-1 of the entry)
  uint16_t offsetWord = 0;  // ib_ as stored (bytes 2-3)
  uint16_t size = 0;        // line size: cb_ & 0x1FFF (small) / 0x7FFF (large)
  uint16_t offset = 0;      // line offset after the header: ib_ & 0x1FFF / 0x7FFF
  uint8_t nodeFlags = 0;    // small pages: ib_ >> 13; large pages: 0 (flags live in the node)

  static Tag decode(uint16_t sizeWord, uint16_t offsetWord, uint16_t index, bool largePage) {
    const uint16_t mask = largePage ? 0x7FFF : 0x1FFF;  // 15-bit / 13-bit fields, §4
    Tag tag;
    tag.index = index;
    tag.sizeWord = sizeWord;
    tag.offsetWord = offsetWord;
    tag.size = sizeWord & mask;
    tag.offset = offsetWord & mask;
    tag.nodeFlags = largePage ? 0 : static_cast<uint8_t>(offsetWord >> 13);
    return tag;
  }
  // A tag as a writer builds it: unused high bits zero, flags in ib_ on small pages.
  static Tag make(uint16_t index, uint16_t size, uint16_t offset, uint8_t nodeFlags, bool largePage);
  // Page-absolute offset of the 4-byte entry: pageSize - 4 * (index + 1).
  static size_t entryOffset(size_t pageSize, uint16_t index) { return pageSize - kTagSize * (size_t{index} + 1); }
};

// A node (line) on the page, §5. Views point into the page.
struct Node {
  uint16_t tag = 0;        // itag (node index + reserved tags)
  uint16_t lineOffset = 0; // page-absolute offset of the line
  uint16_t lineSize = 0;
  uint8_t flags = 0;       // node_flag bits
  uint16_t prefixSize = 0; // cbPrefix (0 unless Compressed)
  Bytes prefix;            // the prefixSize bytes taken from the page's key prefix
  Bytes suffix;            // key bytes stored in the node
  Bytes data;

  bool versioned() const { return flags & node_flag::Versioned; }
  bool deleted() const { return flags & node_flag::Deleted; }
  bool compressed() const { return flags & node_flag::Compressed; }
  size_t keySize() const { return prefix.size() + suffix.size(); }
  std::vector<uint8_t> key() const;  // prefix ‖ suffix
};

// A parsed page. Holds views into `bytes`, which must outlive it.
struct PageView {
  Bytes bytes;
  PageHeader header;
  std::vector<Tag> tags;    // every entry of the tag array, index order
  std::vector<Node> nodes;  // one per non-reserved tag, node order

  size_t pageSize() const { return bytes.size(); }
  bool large() const { return header.large; }
  // Tag 0's line (SPACE_HEADER, split buffer and/or key prefix); empty when there are no tags.
  Bytes externalHeader() const;
  // The bytes compressed keys take their prefix from (NDIGetKeydataflags, §5):
  // the external header, after the 16-byte split buffer on space-tree roots,
  // empty on other root pages.
  Bytes keyPrefix() const;
  // Internal (non-leaf, non-pre-init) pages hold 4-byte child page numbers.
  bool internal() const { return !header.has(flag::Leaf) && !header.has(flag::PreInit); }
};

// Parses the header, every tag and every node. Fails (JET_errDatabaseCorrupted,
// message naming the tag and offsets) when the tag array or any line or key
// lies outside the page; see validatePage() for the consistency checks.
// `page` must be one whole page of a supported size.
Result<PageView> parsePage(Bytes page);

// Structural validation of a page whose checksum is good (page-format.md §6
// step 5; the checks of ESE's CPAGE::ErrCheckPage): header counters in range,
// tag count fits, only reserved tags empty, every line inside the used data
// area, no two lines overlap, cbFree + lines + tag array == data area, flag
// combinations coherent, node keys/data inside their lines.
// Failure: JET_errDatabaseCorrupted naming the tag / offset. Allocation-free.
Status validatePage(Bytes page);
inline Status validatePage(const PageView& view) { return validatePage(view.bytes); }

// True when every byte is zero (ESE: JET_errPageNotInitialized, §6 step 1).
bool isAllZero(Bytes page);

// --- Writing (symmetric with parsing, for the engine) ---------------------
// Writes tag entry `tag.index` (both stored words) into `page`.
void writeTag(MutableBytes page, const Tag& tag);
// Encodes a line: [cbPrefix] cbSuffix suffix data. On large pages the flags go
// into bits 13-15 of the first word; on small pages they belong in the tag.
// prefixSize is written only when flags has Compressed.
std::vector<uint8_t> encodeNode(uint8_t flags, uint16_t prefixSize, Bytes suffix, Bytes data, bool largePage);

// --- Describing -------------------------------------------------------------
FieldList describe(const PageHeader& header);
// Header fields, tag/node counts, external header (hex) under "page.".
FieldList describe(const PageView& view);
// One entry group per node under "nodes.<i>.": tag, flags, offset, size,
// key (hex), data size, data (hex, first 64 bytes) or child page on internal pages.
FieldList describeNodes(const PageView& view);
// "01 2a ff" style hex; longer input is cut at maxBytes and marked " ...(+N bytes)".
std::string hexBytes(Bytes bytes, size_t maxBytes = SIZE_MAX);

}  // namespace esekit::page
