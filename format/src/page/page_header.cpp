// PGHDR / PGHDR2 parse and serialize, page flags. See ese-format/page-format.md §2-§3.
#include <cstring>

#include "esekit/format/page.h"

namespace esekit::page {

bool isSupportedPageSize(size_t pageSize) {
  return pageSize == 2048 || pageSize == 4096 || pageSize == 8192 || pageSize == 16384 || pageSize == 32768;
}

const char* flushTypeName(FlushType type) {
  switch (type) {
    case FlushType::Unknown: return "Unknown";
    case FlushType::Rock: return "Rock";
    case FlushType::Paper: return "Paper";
    case FlushType::Scissors: return "Scissors";
  }
  return "Unknown";
}

std::string describeFlags(uint32_t flags) {
  struct Name {
    uint32_t mask;
    const char* name;
  };
  static constexpr Name kNames[] = {
      {flag::Root, "Root"},
      {flag::Leaf, "Leaf"},
      {flag::ParentOfLeaf, "ParentOfLeaf"},
      {flag::Empty, "Empty"},
      {flag::Repair, "Repair"},
      {flag::SpaceTree, "SpaceTree"},
      {flag::Index, "Index"},
      {flag::LongValue, "LongValue"},
      {flag::SlvAvail, "SlvAvail"},
      {flag::SlvOwnerMap, "SlvOwnerMap"},
      {flag::NonUniqueKeys, "NonUniqueKeys"},
      {flag::NewRecordFormat, "NewRecordFormat"},
      {flag::NewChecksumFormat, "NewChecksumFormat"},
      {flag::Scrubbed, "Scrubbed"},
      {flag::PreInit, "PreInit"},
      {flag::FdpDelete, "FdpDelete"},
  };
  std::string text;
  auto append = [&text](const std::string& part) {
    if (!text.empty()) text += '|';
    text += part;
  };
  for (const Name& n : kNames) {
    if (flags & n.mask) append(n.name);
  }
  const auto flush = static_cast<FlushType>((flags & flag::FlushTypeMask) >> 15);
  if (flush != FlushType::Unknown) append(std::string("FlushType=") + flushTypeName(flush));
  if (const uint32_t unknown = flags & ~flag::Known) append(hex32(unknown));
  return text.empty() ? "none" : text;
}

std::string describeNodeFlags(uint8_t flags) {
  std::string text;
  auto append = [&text](const char* part) {
    if (!text.empty()) text += '|';
    text += part;
  };
  if (flags & node_flag::Versioned) append("Versioned");
  if (flags & node_flag::Deleted) append("Deleted");
  if (flags & node_flag::Compressed) append("Compressed");
  return text.empty() ? "none" : text;
}

Result<PageHeader> PageHeader::parse(Bytes page) {
  if (!isSupportedPageSize(page.size()))
    return Status(JetError::InvalidParameter,
                  "page of " + std::to_string(page.size()) + " bytes: not a page size (2, 4, 8, 16 or 32 KiB)");
  const ByteView view(page);
  PageHeader header;
  header.checksum = view.u64(0);
  header.dbtimeDirtied = view.i64(8);
  header.previousPage = view.u32(16);
  header.nextPage = view.u32(20);
  header.objectId = view.u32(24);
  header.freeBytes = view.u16(28);
  header.uncommittedFreeBytes = view.u16(30);
  header.firstFreeOffset = view.u16(32);
  header.tagState = view.u16(34);
  header.flags = view.u32(36);
  header.large = isLargePage(page.size());
  if (header.large) {
    for (size_t k = 0; k < 3; ++k) header.blockChecksums[k] = view.u64(40 + 8 * k);
    header.pageNumber = view.u32(64);
    std::memcpy(header.reserved.data(), page.data() + 68, header.reserved.size());
  }
  return header;
}

void PageHeader::serialize(ByteWriter& out) const {
  out.u64(0, checksum);
  out.i64(8, dbtimeDirtied);
  out.u32(16, previousPage);
  out.u32(20, nextPage);
  out.u32(24, objectId);
  out.u16(28, freeBytes);
  out.u16(30, uncommittedFreeBytes);
  out.u16(32, firstFreeOffset);
  out.u16(34, tagState);
  out.u32(36, flags);
  if (!large) return;
  for (size_t k = 0; k < 3; ++k) out.u64(40 + 8 * k, blockChecksums[k]);
  out.u32(64, pageNumber);
  out.copy(68, Bytes(reserved.data(), reserved.size()));
}

}  // namespace esekit::page
