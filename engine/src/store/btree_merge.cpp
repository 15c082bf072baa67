// B+tree merges (merge_operations.h): the page operations of a Merge2
// (ese-format/log-records.md §3.5, ESE bt.cxx BTIPerformOneMerge,
// BTIMergeMoveNodes, BTIMergeFixSiblings, node.cxx NDEmptyPage), and the
// engine's empty-page merge: a delete that empties a leaf unlinks it, deletes
// its parent's pointer and returns the page to the tree's available space,
// logged as ESE logs it (MacroBegin, Merge2 per level, MacroCommit, then the
// space-tree change) before any page changes.
#include <algorithm>
#include <string>

#include "esekit/format/log_record_encode.h"
#include "esekit/format/page.h"
#include "store/merge_operations.h"
#include "store/page_operations.h"
#include "store/store_impl.h"

namespace esekit::engine::store {
namespace {

constexpr size_t kPrefixOverhead = 2;  // a cbPrefix word (page-format.md §5): compress only above it

Status mergeFailure(const char* what, const std::string& detail) {
  return Status(JetError::DatabaseCorrupted, std::string("Merge2 (") + what + "): " + detail);
}

size_t commonPrefix(Bytes a, Bytes b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// Inserts a node with full key `key`, compressed against the page's key
// prefix when that saves more than the cbPrefix word.
Status insertCompressed(NodePage& page, uint16_t iline, uint8_t flags, Bytes key, Bytes data) {
  size_t common = commonPrefix(page.keyPrefix(), key);
  if (common > 0x1FFF) common = 0x1FFF;
  if (common <= kPrefixOverhead) common = 0;
  return page.insert(iline, static_cast<uint8_t>(flags & ~page::node_flag::Compressed), static_cast<uint16_t>(common),
                     key.subspan(common), data);
}

// NDEmptyPage: no key prefix, no nodes, fPageEmpty. The page keeps its
// other flags and its sibling links (space-trees.md §6.3: freed pages keep
// their old image).
Status emptyPage(NodePage& page) {
  for (uint16_t i = page.nodeCount(); i > 0; --i) page.remove(static_cast<uint16_t>(i - 1));
  ESEKIT_RETURN_IF_ERROR(page.setExternalHeader({}));
  page.reorganize();
  page.setFlags(page.flags() | page::flag::Empty);
  return Status::ok();
}

// The key of internal node `iline` becomes `key` (delete and re-insert,
// ESE BTIChangeKeyOfPagePointer); its data (the child page) stays.
Status changeKey(NodePage& page, uint16_t iline, Bytes key) {
  if (iline >= page.nodeCount())
    return mergeFailure("key change", "node " + std::to_string(iline) + " does not exist (the page has " +
                                          std::to_string(page.nodeCount()) + ")");
  const NodePage::Line line = page.line(iline);
  uint8_t child[4] = {};
  if (line.data.size() != 4)
    return mergeFailure("key change", "node " + std::to_string(iline) + " is not a page pointer");
  std::copy(line.data.begin(), line.data.end(), child);
  page.remove(iline);
  return insertCompressed(page, iline, 0, key, Bytes(child, 4));
}

void setUncommittedFree(NodePage& page, uint16_t value) {
  storeLittleEndian<uint16_t>(page.bytes().data() + 30, value);  // cbUncommittedFree, page-format.md §2
}

}  // namespace

std::optional<std::vector<uint8_t>> rehydratePageImage(Bytes image, uint32_t preimageFlags, size_t pageSize) {
  if (preimageFlags & 0x2) return std::nullopt;  // Xpress-compressed
  if (image.size() == pageSize) return std::vector<uint8_t>(image.begin(), image.end());
  if (!(preimageFlags & 0x1) || image.size() < 40 || image.size() > pageSize) return std::nullopt;
  const uint16_t tags = loadLittleEndian<uint16_t>(image.data() + 34) & 0x0FFF;
  const size_t tagBytes = size_t{tags} * page::kTagSize;
  if (tagBytes > image.size()) return std::nullopt;
  std::vector<uint8_t> out(pageSize, 0);
  const auto cut = image.end() - static_cast<std::ptrdiff_t>(tagBytes);
  std::copy(image.begin(), cut, out.begin());
  std::copy(cut, image.end(), out.end() - static_cast<std::ptrdiff_t>(tagBytes));
  return out;
}

Status applyMergeToDestinationPage(NodePage& page, const MergeRecord& leaf, Bytes source) {
  const MergeType type = mergeTypeOf(leaf);
  if (!movesNodes(type)) return mergeFailure("destination", "merge type " + std::to_string(leaf.mergeType) + " moves no nodes");
  if (source.size() != page.bytes().size())
    return mergeFailure("destination", "source image of " + std::to_string(source.size()) + " bytes");
  const NodePage from(source);
  const uint16_t count = from.nodeCount();
  const bool right = rightMerge(type);
  uint16_t first = 0, end = count;  // [first, end) moves
  if (type == MergeType::PartialRight) first = leaf.ilineMerge;
  if (type == MergeType::PartialLeft) end = static_cast<uint16_t>(leaf.ilineMerge + 1);
  if (first > count || end > count || first >= end)
    return mergeFailure("destination", "ilineMerge " + std::to_string(leaf.ilineMerge) + " outside the " +
                                           std::to_string(count) + " nodes of source page " +
                                           std::to_string(leaf.page.pgno));
  const uint16_t at = right ? 0 : page.nodeCount();
  std::vector<uint8_t> key;
  for (uint16_t i = end; i > first; --i) {
    const uint16_t node = static_cast<uint16_t>(i - 1);
    const NodePage::Line line = from.line(node);
    if (line.deleted()) continue;
    key.clear();
    from.appendKey(node, key);
    const Status status = insertCompressed(page, at, line.flags, key, line.data);
    if (!status.isOk())
      return mergeFailure("destination", "node " + std::to_string(node) + " of page " + std::to_string(leaf.page.pgno) +
                                             ": " + status.message());
  }
  setUncommittedFree(page, leaf.uncommittedFreedDestination);
  page.setDbtime(leaf.page.dbtime);
  return Status::ok();
}

Status applyMergeToSourcePage(NodePage& page, const MergeRecord& leaf) {
  const MergeType type = mergeTypeOf(leaf);
  const uint16_t count = page.nodeCount();
  if (type == MergeType::PartialRight || type == MergeType::PartialLeft) {
    if (leaf.ilineMerge >= count)
      return mergeFailure("source", "ilineMerge " + std::to_string(leaf.ilineMerge) + " outside the " +
                                        std::to_string(count) + " nodes of page " + std::to_string(leaf.page.pgno));
    for (uint16_t i = count; i > 0; --i) {
      const uint16_t node = static_cast<uint16_t>(i - 1);
      if (type == MergeType::PartialRight ? node >= leaf.ilineMerge : node <= leaf.ilineMerge) page.remove(node);
    }
  }
  if (leaf.mergeFlags & merge_flag::kEmptyPage) ESEKIT_RETURN_IF_ERROR(emptyPage(page));
  page.setDbtime(leaf.page.dbtime);
  return Status::ok();
}

Status applyMergeToLeftPage(NodePage& page, const MergeRecord& leaf) {
  if (!partialMerge(mergeTypeOf(leaf))) page.setNext(leaf.pgnoRight);
  page.setDbtime(leaf.page.dbtime);
  return Status::ok();
}

Status applyMergeToRightPage(NodePage& page, const MergeRecord& leaf) {
  if (!partialMerge(mergeTypeOf(leaf))) page.setPrevious(leaf.pgnoLeft);
  page.setDbtime(leaf.page.dbtime);
  return Status::ok();
}

Status applyMergeToInternalPage(NodePage& page, const MergeRecord& level, const MergeRecord* leaf) {
  const uint16_t iline = level.page.iline;
  const uint16_t count = page.nodeCount();
  const uint8_t flags = level.mergeFlags;
  const MergeType leafType = leaf ? mergeTypeOf(*leaf) : MergeType::None;
  auto needLeaf = [&](const char* what) {
    return mergeFailure(what, "page " + std::to_string(level.page.pgno) +
                                  ": the leaf record of the merge (separator, siblings) is missing");
  };
  if (flags & merge_flag::kEmptyPage) {
    ESEKIT_RETURN_IF_ERROR(emptyPage(page));
  } else if ((flags & merge_flag::kDeleteNode) && (flags & merge_flag::kKeyChange)) {
    // Full left merge: the pointer to the merged page now points to the
    // left page (it keeps the merged page's separator), the left page's
    // old pointer goes.
    if (!leaf) return needLeaf("full left");
    if (iline == 0 || iline >= count)
      return mergeFailure("full left", "node " + std::to_string(iline) + " of page " +
                                           std::to_string(level.page.pgno) + " (" + std::to_string(count) + " nodes)");
    uint8_t child[4];
    storeLittleEndian<uint32_t>(child, leaf->pgnoLeft);
    ESEKIT_RETURN_IF_ERROR(page.replaceData(iline, Bytes(child, 4)));
    page.remove(static_cast<uint16_t>(iline - 1));
  } else if (flags & merge_flag::kDeleteNode) {
    if (iline >= count || count < 2)
      return mergeFailure("delete node", "node " + std::to_string(iline) + " of page " +
                                             std::to_string(level.page.pgno) + " (" + std::to_string(count) + " nodes)");
    // The +infinity pointer (last node, empty key) goes: the node before it
    // takes the empty key (ESE FBTINullKeyedLastNode).
    const bool nullLast = iline == count - 1 && page.line(iline).keySize() == 0;
    page.remove(iline);
    if (nullLast) ESEKIT_RETURN_IF_ERROR(changeKey(page, static_cast<uint16_t>(iline - 1), {}));
  } else if (flags & merge_flag::kKeyChange) {
    // ESE puts the separator in the leaf record only; the engine also puts
    // it in the level record so that the level redoes by itself.
    const Bytes separator = !level.parentSeparatorKey.empty() ? level.parentSeparatorKey
                            : leaf                              ? leaf->parentSeparatorKey
                                                                : Bytes{};
    if (separator.empty()) {
      if (!leaf) return needLeaf("key change");
      return mergeFailure("key change", "the leaf record carries no separator key (cbKeyParentSep 0)");
    }
    const bool partialLeft = leafType == MergeType::PartialLeft;
    if (partialLeft && iline == 0) return mergeFailure("key change", "partial left merge at node 0");
    ESEKIT_RETURN_IF_ERROR(changeKey(page, partialLeft ? static_cast<uint16_t>(iline - 1) : iline, separator));
  }
  page.setDbtime(level.page.dbtime);
  return Status::ok();
}

// --- the engine's empty-page merge ------------------------------------------

Status StoreImpl::mergeEmptyLeaf(const TreeInfo& tree, std::vector<PathStep>& steps,
                                 const OperationContext& context) {
  if (tree.spaceTree() || tree.fdpPage == 0 || steps.size() < 2) return Status::ok();
  PathStep& leafStep = steps.back();
  PathStep& parentStep = steps[steps.size() - 2];
  NodePage leaf(leafStep.page->bytes());
  NodePage parent(parentStep.page->bytes());
  if (leaf.root() || !leaf.leaf() || leaf.nodeCount() != 0) return Status::ok();
  const uint16_t at = parentStep.iline;
  const uint16_t count = parent.nodeCount();
  // Left alone (the page stays, empty, as before): the parent would empty
  // too (a multi-level merge).
  if (count < 2 || at >= count || parent.childPage(at) != leafStep.page->pgno) return Status::ok();
  // The parent's last pointer goes: the +infinity one (empty key) passes its
  // empty key to the node before it; one with a real key leaves the node
  // before it last, whose key then becomes the separator of this parent
  // above, up to the first level where the path is not on the last node
  // (ESE ErrBTISelectMergeInternalPages: fDeleteNode, then fKeyChange).
  std::vector<uint8_t> separator;
  std::vector<size_t> keyChanges;  // steps whose node gets `separator`, bottom-up
  if (at == count - 1) {
    if (parent.line(at).keySize() == 0) {
      if (leaf.next() != 0) return Status::ok();
    } else {
      separator = parent.key(static_cast<uint16_t>(at - 1));
      for (size_t k = steps.size() - 2; k-- > 0;) {
        NodePage up(steps[k].page->bytes());
        const uint16_t node = steps[k].iline;
        if (node >= up.nodeCount()) return Status::ok();
        const NodePage::Line line = up.line(node);
        if (line.keySize() == 0) return Status::ok();  // never turn +infinity into a key
        const size_t cost = NodePage::nodeCost(0, separator.size(), 4);
        const size_t old = size_t{line.lineSize} + page::kTagSize;
        if (cost > old && cost - old > up.freeBytes()) return Status::ok();  // ESE: overflow, no merge
        keyChanges.push_back(k);
        if (node != up.nodeCount() - 1) break;
      }
      if (keyChanges.empty()) return Status::ok();
    }
  }

  OperationContext system = context;
  system.versioned = false;
  PageHandle left, right;
  if (leaf.previous() != 0) {
    auto loaded = page(leaf.previous(), tree.root.objectId);
    if (!loaded) return loaded.status();
    left = std::move(*loaded);
  }
  if (leaf.next() != 0) {
    auto loaded = page(leaf.next(), tree.root.objectId);
    if (!loaded) return loaded.status();
    right = std::move(*loaded);
  }
  MergeRecord level;
  level.page = pagePrefix(tree, *parentStep.page, at, system);
  level.pgnoFDP = tree.root.rootPage;
  level.objidFDP = tree.root.objectId;
  level.mergeFlags = merge_flag::kDeleteNode;
  MergeRecord merge;
  merge.page = pagePrefix(tree, *leafStep.page, 0, system);
  merge.pgnoFDP = tree.root.rootPage;
  merge.objidFDP = tree.root.objectId;
  merge.pgnoParent = parentStep.page->pgno;
  merge.dbtimeParentBefore = parent.dbtime();
  if (left) {
    merge.pgnoLeft = left->pgno;
    merge.dbtimeLeftBefore = NodePage(left->bytes()).dbtime();
  }
  if (right) {
    merge.pgnoRight = right->pgno;
    merge.dbtimeRightBefore = NodePage(right->bytes()).dbtime();
  }
  merge.mergeType = static_cast<uint8_t>(MergeType::EmptyPage);
  merge.mergeFlags = merge_flag::kEmptyPage;
  merge.parentSeparatorKey = separator;
  // Upper levels, top-down as ESE logs them.
  std::vector<MergeRecord> upper;
  for (auto k = keyChanges.rbegin(); k != keyChanges.rend(); ++k) {
    MergeRecord change;
    change.page = pagePrefix(tree, *steps[*k].page, steps[*k].iline, system);
    change.pgnoFDP = tree.root.rootPage;
    change.objidFDP = tree.root.objectId;
    change.mergeFlags = merge_flag::kKeyChange;
    change.parentSeparatorKey = separator;
    upper.push_back(change);
  }
  // One dbtime for every page of the merge (ESE BTIMergeUpgradeLatches).
  int64_t newest = std::max({level.page.dbtimeBefore, merge.page.dbtimeBefore, merge.dbtimeLeftBefore, merge.dbtimeRightBefore});
  for (const MergeRecord& change : upper) newest = std::max(newest, change.page.dbtimeBefore);
  const int64_t dbtime = nextDbtime(newest);
  level.page.dbtime = dbtime;
  merge.page.dbtime = dbtime;
  for (MergeRecord& change : upper) change.page.dbtime = dbtime;

  // WAL: the whole macro is in the log before a page changes.
  auto begun = log(makeMacro(LogRecordType::MacroBegin, context.procid, dbtime));
  if (!begun) return begun.status();
  std::vector<LogRecord> upperRecords;
  for (const MergeRecord& change : upper) {
    upperRecords.push_back(makeMerge2(change));
    ESEKIT_RETURN_IF_ERROR(log(upperRecords.back()).status());
  }
  const LogRecord levelRecord = makeMerge2(level);
  const LogRecord leafRecord = makeMerge2(merge);
  ESEKIT_RETURN_IF_ERROR(log(levelRecord).status());
  ESEKIT_RETURN_IF_ERROR(log(leafRecord).status());
  auto committed = log(makeMacro(LogRecordType::MacroCommit, context.procid, dbtime));
  if (!committed) return committed.status();
  const MergeRecord& loggedLevel = *levelRecord.as<MergeRecord>();
  const MergeRecord& loggedLeaf = *leafRecord.as<MergeRecord>();

  for (size_t i = 0; i < upperRecords.size(); ++i) {
    PathStep& step = steps[keyChanges[keyChanges.size() - 1 - i]];
    NodePage up(step.page->bytes());
    ESEKIT_RETURN_IF_ERROR(applyMergeToInternalPage(up, *upperRecords[i].as<MergeRecord>(), &loggedLeaf));
    cache_->markDirty(*step.page, *committed);
  }
  ESEKIT_RETURN_IF_ERROR(applyMergeToInternalPage(parent, loggedLevel, &loggedLeaf));
  ESEKIT_RETURN_IF_ERROR(applyMergeToSourcePage(leaf, loggedLeaf));
  cache_->markDirty(*parentStep.page, *committed);
  cache_->markDirty(*leafStep.page, *committed);
  if (left) {
    NodePage p(left->bytes());
    ESEKIT_RETURN_IF_ERROR(applyMergeToLeftPage(p, loggedLeaf));
    cache_->markDirty(*left, *committed);
  }
  if (right) {
    NodePage p(right->bytes());
    ESEKIT_RETURN_IF_ERROR(applyMergeToRightPage(p, loggedLeaf));
    cache_->markDirty(*right, *committed);
  }
  const uint32_t freed = leafStep.page->pgno;
  steps.clear();  // the path no longer describes the tree
  return freePage(tree, freed, system);
}

// The freed page goes back to the FDP's available space (space-trees.md
// §6.3): one page joined to the AE extent that starts right after it, else a
// one-page extent of its own; a single-extent FDP sets its bit again.
Status StoreImpl::freePage(const TreeInfo& tree, uint32_t pgno, const OperationContext& context) {
  OperationContext system = context;
  system.versioned = false;
  auto rootHandle = page(tree.fdpPage, 0);
  if (!rootHandle) return rootHandle.status();
  NodePage root((*rootHandle)->bytes());
  const Bytes external = root.externalHeader();
  const int offset = spaceHeaderOffset(external);
  if (offset < 0)
    return Status(JetError::DatabaseCorrupted, path().string() + ": page " + std::to_string(tree.fdpPage) +
                                                   " has no SPACE_HEADER to free page " + std::to_string(pgno) + " into");
  SpaceHeader space = parseSpaceHeader(external, offset);
  if (!space.multipleExtent()) {
    if (pgno <= tree.fdpPage || pgno - tree.fdpPage - 1 >= 32)
      return Status(JetError::DatabaseCorrupted, path().string() + ": page " + std::to_string(pgno) +
                                                     " is outside the single extent of the FDP at page " +
                                                     std::to_string(tree.fdpPage));
    space.bitmapOrOwnedExtents |= uint32_t{1} << (pgno - tree.fdpPage - 1);
    std::vector<uint8_t> header(external.begin(), external.end());
    serializeSpaceHeader(space, header.data() + offset);
    TreeInfo owner = tree;
    NodeRecordPrefix prefix = nodePrefix(owner, **rootHandle, 0, system);
    prefix.page.flags |= page_record_flag::kSpaceTree;
    const LogRecord record = makeSetExternalHeader(prefix, header);
    auto position = log(record);
    if (!position) return position.status();
    ESEKIT_RETURN_IF_ERROR(applySetExternalHeader(root, *record.as<SetExternalHeaderRecord>()));
    cache_->markDirty(**rootHandle, *position);
    return Status::ok();
  }
  auto available = spaceTreeInfo(tree.fdpPage, true);
  if (!available) return available.status();
  auto list = extents(available->root);
  if (!list) return list.status();
  uint8_t key[4], data[4];
  for (const auto& [last, pages] : *list) {
    if (last >= pages && last - pages + 1 == pgno + 1) {
      storeBigEndian32(key, last);
      storeLittleEndian<uint32_t>(data, pages + 1);
      return replaceNode(*available, Bytes(key, 4), Bytes(data, 4), system);
    }
  }
  return addExtent(*available, pgno, 1, system);
}

}  // namespace esekit::engine::store
