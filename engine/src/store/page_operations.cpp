// see ese-format/log-records.md §3.3 (node records), §3.5 (Split2, FDP
// creation, NewPage), space-trees.md §3-§4, §6.1, page-format.md §4-§5
#include "store/page_operations.h"

#include <optional>
#include <string>
#include <vector>

#include "esekit/format/page.h"
#include "esekit/format/page_edit.h"

namespace esekit::engine::store {
namespace {

Status noSuchNode(const char* what, uint16_t iline, uint16_t count) {
  return Status(JetError::DatabaseCorrupted, std::string(what) + ": node " + std::to_string(iline) +
                                                 " does not exist (the page has " + std::to_string(count) + ")");
}

// Page types that every page of a tree carries (page-format.md §3).
constexpr uint32_t kTreeTypeFlags = page::flag::SpaceTree | page::flag::Index | page::flag::LongValue |
                                    page::flag::NonUniqueKeys;

size_t commonPrefix(Bytes a, Bytes b) {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// Inserts a node with full key `key` at `iline`, compressed against the
// page's key prefix when that saves bytes (a cbPrefix word costs 2).
Status insertWithPrefix(NodePage& page, uint16_t iline, uint8_t flags, Bytes key, Bytes data) {
  const Bytes prefix = page.keyPrefix();
  size_t common = commonPrefix(prefix, key);
  if (common > 0x1FFF) common = 0x1FFF;
  if (common > 2)
    return page.insert(iline, flags, static_cast<uint16_t>(common), key.subspan(common), data);
  return page.insert(iline, flags, 0, key, data);
}

}  // namespace

Status applyInsert(NodePage& page, const InsertRecord& record) {
  const uint16_t iline = record.node.page.iline;
  if (iline > page.nodeCount()) return noSuchNode("Insert", iline, page.nodeCount());
  const Bytes pagePrefix = page.keyPrefix();
  if (record.keyPrefix.size() > pagePrefix.size() ||
      compareBytes(record.keyPrefix, pagePrefix.first(record.keyPrefix.size())) != 0)
    return Status(JetError::DatabaseCorrupted, "Insert: the record's key prefix (" +
                                                   std::to_string(record.keyPrefix.size()) +
                                                   " bytes) is not the page's key prefix");
  ESEKIT_RETURN_IF_ERROR(page.insert(iline, 0, static_cast<uint16_t>(record.keyPrefix.size()), record.keySuffix,
                                     record.data));
  page.setDbtime(record.node.page.dbtime);
  return Status::ok();
}

Status applyFlagInsert(NodePage& page, const FlagInsertRecord& record) {
  const uint16_t iline = record.node.page.iline;
  if (iline >= page.nodeCount()) return noSuchNode("FlagInsert", iline, page.nodeCount());
  const uint8_t flags = page.line(iline).flags;
  ESEKIT_RETURN_IF_ERROR(page.replaceData(iline, record.data));
  page.setNodeFlags(iline, static_cast<uint8_t>(flags & ~page::node_flag::Deleted));
  page.setDbtime(record.node.page.dbtime);
  return Status::ok();
}

Status applyReplace(NodePage& page, const ReplaceRecord& record) {
  const uint16_t iline = record.node.page.iline;
  if (iline >= page.nodeCount()) return noSuchNode("Replace", iline, page.nodeCount());
  if (!record.isDiff) {
    ESEKIT_RETURN_IF_ERROR(page.replaceData(iline, record.payload));
  } else {
    auto after = replaceAfterImage(page.line(iline).data, record, static_cast<uint32_t>(page.bytes().size()));
    if (!after) return after.status();
    ESEKIT_RETURN_IF_ERROR(page.replaceData(iline, *after));
  }
  page.setDbtime(record.node.page.dbtime);
  return Status::ok();
}

Status applyFlagDelete(NodePage& page, const NodeOperationRecord& record) {
  const uint16_t iline = record.node.page.iline;
  if (iline >= page.nodeCount()) return noSuchNode("FlagDelete", iline, page.nodeCount());
  page.setNodeFlags(iline, static_cast<uint8_t>(page.line(iline).flags | page::node_flag::Deleted));
  page.setDbtime(record.node.page.dbtime);
  return Status::ok();
}

Status applyDelete(NodePage& page, const NodeOperationRecord& record) {
  const uint16_t iline = record.node.page.iline;
  if (iline >= page.nodeCount()) return noSuchNode("Delete", iline, page.nodeCount());
  page.remove(iline);
  page.setDbtime(record.node.page.dbtime);
  return Status::ok();
}

Status applySetExternalHeader(NodePage& page, const SetExternalHeaderRecord& record) {
  ESEKIT_RETURN_IF_ERROR(page.setExternalHeader(record.data));
  page.setDbtime(record.node.page.dbtime);
  return Status::ok();
}

void applyNewPage(MutableBytes bytes, const NewPageRecord& record) {
  page::initializePage(bytes, page::NewPage{record.pgno, record.objid, record.dbtimeAfter, page::flag::PreInit, 0, 0});
}

int spaceHeaderOffset(Bytes externalHeader) {
  if (externalHeader.size() == kSpaceHeaderSize) return 0;
  if (externalHeader.size() > kSpaceHeaderSize && (externalHeader[0] & 0x01) != 0) return 1;
  return -1;
}

SpaceHeader parseSpaceHeader(Bytes externalHeader, int offset) {
  SpaceHeader header;
  if (offset < 0 || externalHeader.size() < static_cast<size_t>(offset) + kSpaceHeaderSize) return header;
  const uint8_t* p = externalHeader.data() + offset;
  header.primaryPages = loadLittleEndian<uint32_t>(p);
  header.parentPage = loadLittleEndian<uint32_t>(p + 4);
  header.flags = loadLittleEndian<uint32_t>(p + 8);
  header.bitmapOrOwnedExtents = loadLittleEndian<uint32_t>(p + 12);
  return header;
}

void serializeSpaceHeader(const SpaceHeader& header, uint8_t* out) {
  storeLittleEndian<uint32_t>(out, header.primaryPages);
  storeLittleEndian<uint32_t>(out + 4, header.parentPage);
  storeLittleEndian<uint32_t>(out + 8, header.flags);
  storeLittleEndian<uint32_t>(out + 12, header.bitmapOrOwnedExtents);
}

Status applyCreateFdpRoot(MutableBytes bytes, const CreateFdpRecord& record) {
  const uint32_t flags = page::flag::Root | page::flag::Leaf | (record.pageFlags & kTreeTypeFlags);
  page::initializePage(bytes, page::NewPage{record.page.pgno, record.objidFDP, record.page.dbtime, flags, 0, 0});
  SpaceHeader header;
  header.primaryPages = record.primaryPageCount;
  header.parentPage = record.pgnoFDPParent;
  if (record.pageFlags & page::flag::NonUniqueKeys) header.flags |= 0x02;
  if (record.multipleExtent) {
    header.flags |= 0x01;
    header.bitmapOrOwnedExtents = record.pgnoOwnedExtents;
  } else {
    // Bit i: page pgnoFDP + 1 + i is available (space-trees.md §3.1).
    const uint32_t bits = record.primaryPageCount == 0 ? 0 : record.primaryPageCount - 1;
    header.bitmapOrOwnedExtents = bits >= 32 ? 0xFFFFFFFFu : ((uint32_t{1} << bits) - 1);
  }
  uint8_t raw[kSpaceHeaderSize];
  serializeSpaceHeader(header, raw);
  NodePage page(bytes);
  return page.setExternalHeader(Bytes(raw, sizeof raw));
}

Status applyCreateFdpSpaceTree(MutableBytes bytes, uint32_t pgno, const CreateFdpRecord& record, bool available) {
  const uint32_t flags = page::flag::Root | page::flag::Leaf | page::flag::SpaceTree | (record.pageFlags & kTreeTypeFlags);
  page::initializePage(bytes, page::NewPage{pgno, record.objidFDP, record.page.dbtime, flags, 0, 0});
  NodePage page(bytes);
  const uint8_t splitBuffer[16] = {};  // no pages reserved for space-tree splits (space-trees.md §4)
  ESEKIT_RETURN_IF_ERROR(page.setExternalHeader(Bytes(splitBuffer, sizeof splitBuffer)));
  const uint32_t count = record.primaryPageCount;
  const uint32_t used = available ? 3 : 0;  // FDP root, OE root, AE root
  if (count <= used) return Status::ok();
  uint8_t key[4], data[4];
  storeBigEndian32(key, record.page.pgno + count - 1);
  storeLittleEndian<uint32_t>(data, count - used);
  return page.insert(0, 0, 0, Bytes(key, 4), Bytes(data, 4));
}

Status applySplitToSplitPage(NodePage& page, const SplitRecord& record) {
  const uint16_t count = page.nodeCount();
  if (record.lineCount != count || record.ilineSplit > count)
    return Status(JetError::DatabaseCorrupted, "Split2: split page has " + std::to_string(count) +
                                                   " nodes, the record expects " + std::to_string(record.lineCount) +
                                                   " split at " + std::to_string(record.ilineSplit));
  const bool vertical = record.splitType == 0;
  const uint16_t first = vertical ? 0 : record.ilineSplit;
  for (uint16_t i = count; i > first; --i) page.remove(static_cast<uint16_t>(i - 1));
  if (!record.prefixSplitOld.empty() && !page.root()) {
    // The remaining nodes are recompressed against the page's new prefix.
    std::vector<std::vector<uint8_t>> keys, datas;
    std::vector<uint8_t> flags;
    for (uint16_t i = 0; i < page.nodeCount(); ++i) {
      const NodePage::Line l = page.line(i);
      keys.push_back(page.key(i));
      datas.emplace_back(l.data.begin(), l.data.end());
      flags.push_back(static_cast<uint8_t>(l.flags & ~page::node_flag::Compressed));
    }
    for (uint16_t i = page.nodeCount(); i > 0; --i) page.remove(static_cast<uint16_t>(i - 1));
    ESEKIT_RETURN_IF_ERROR(page.setExternalHeader(record.prefixSplitOld));
    for (size_t i = 0; i < keys.size(); ++i)
      ESEKIT_RETURN_IF_ERROR(insertWithPrefix(page, static_cast<uint16_t>(i), flags[i], keys[i], datas[i]));
  }
  if (vertical) {
    uint8_t child[4];
    storeLittleEndian<uint32_t>(child, record.pgnoNew);
    ESEKIT_RETURN_IF_ERROR(page.insert(0, 0, 0, {}, Bytes(child, 4)));
  } else if (record.splitPageFlags & page::flag::Leaf) {
    page.setNext(record.pgnoNew);  // only leaves are sibling-linked
  }
  page.setFlags(record.splitPageFlags);
  page.setDbtime(record.page.dbtime);
  return Status::ok();
}

Status applySplitToNewPage(MutableBytes bytes, const SplitRecord& record, Bytes source) {
  const bool vertical = record.splitType == 0;
  // No node moves (append split): the source is not read and may be empty.
  const bool moves = vertical || record.ilineSplit < record.lineCount;
  std::optional<NodePage> from;
  if (moves) from.emplace(source);
  const uint16_t count = moves ? from->nodeCount() : record.lineCount;
  if (moves && (record.lineCount != count || record.ilineSplit > count))
    return Status(JetError::DatabaseCorrupted, "Split2: the split page's before-image has " + std::to_string(count) +
                                                   " nodes, the record expects " + std::to_string(record.lineCount));
  const bool linked = !vertical && (record.newPageFlags & page::flag::Leaf);
  const uint32_t previous = linked ? record.page.pgno : 0;
  const uint32_t next = linked ? record.pgnoRight : 0;
  page::initializePage(bytes, page::NewPage{record.pgnoNew, record.objidFDP, record.page.dbtime, record.newPageFlags,
                                            previous, next});
  NodePage page(bytes);
  page.setFlags(record.newPageFlags);
  if (!record.prefixSplitNew.empty()) ESEKIT_RETURN_IF_ERROR(page.setExternalHeader(record.prefixSplitNew));
  std::vector<uint8_t> key;
  const uint16_t first = vertical ? 0 : record.ilineSplit;
  for (uint16_t i = first; moves && i < count; ++i) {
    const NodePage::Line l = from->line(i);
    key.clear();
    from->appendKey(i, key);
    const uint8_t flags = static_cast<uint8_t>(l.flags & ~page::node_flag::Compressed);
    ESEKIT_RETURN_IF_ERROR(insertWithPrefix(page, static_cast<uint16_t>(i - first), flags, key, l.data));
  }
  page.setDbtime(record.page.dbtime);
  return Status::ok();
}

Status applySplitToRightPage(NodePage& page, const SplitRecord& record) {
  page.setPrevious(record.pgnoNew);
  page.setDbtime(record.page.dbtime);
  return Status::ok();
}

Status applySplitToParentPage(NodePage& page, const SplitRecord& record) {
  const uint16_t count = page.nodeCount();
  uint16_t at = count;
  for (uint16_t i = 0; i < count; ++i) {
    if (page.childPage(i) == record.page.pgno) {
      at = i;
      break;
    }
  }
  if (at == count)
    return Status(JetError::DatabaseCorrupted, "Split2: parent page has no node pointing to split page " +
                                                   std::to_string(record.page.pgno));
  uint8_t child[4];
  storeLittleEndian<uint32_t>(child, record.page.pgno);
  ESEKIT_RETURN_IF_ERROR(page.insert(at, 0, 0, record.parentKey, Bytes(child, 4)));
  storeLittleEndian<uint32_t>(child, record.pgnoNew);
  ESEKIT_RETURN_IF_ERROR(page.replaceData(static_cast<uint16_t>(at + 1), Bytes(child, 4)));
  page.setDbtime(record.page.dbtime);
  return Status::ok();
}

}  // namespace esekit::engine::store
