// Redo of the single-page record types the store's own redo does not know:
// Delta/Delta64, Undo (compensation), EmptyTree, ConvertFDP2, ShrinkDB.
// See ese-format/log-records.md §3.3-§3.7 and §4.
#include <algorithm>
#include <cstring>
#include <string>

#include "esekit/format/page.h"
#include "esekit/format/page_edit.h"
#include "store/page_operations.h"
#include "store/redo_windows_internal.h"
#include "store/store_impl.h"

namespace esekit::engine::store {
namespace {

constexpr uint16_t kOperInsert = 1;
constexpr uint16_t kOperReplace = 2;
constexpr uint16_t kOperFlagDelete = 3;
constexpr uint16_t kOperDelta = 4;
constexpr uint16_t kOperDelta64 = 9;

Status pageError(StoreImpl& store, uint32_t pgno, const std::string& record, const std::string& what) {
  return Status(JetError::DatabaseCorrupted,
                store.path().string() + ": page " + std::to_string(pgno) + ", " + record + ": " + what);
}

// Adds `delta` to the 32- or 64-bit little-endian counter at `offset` of the
// node's data (NDDelta: escrow columns, e.g. long-value reference counts).
Status addToCounter(NodePage& page, uint16_t iline, uint16_t offset, int64_t delta, bool is64) {
  if (iline >= page.nodeCount())
    return Status(JetError::DatabaseCorrupted, "node " + std::to_string(iline) + " does not exist (the page has " +
                                                   std::to_string(page.nodeCount()) + ")");
  const NodePage::Line line = page.line(iline);
  const size_t width = is64 ? 8 : 4;
  if (size_t{offset} + width > line.data.size())
    return Status(JetError::DatabaseCorrupted, "delta at offset " + std::to_string(offset) + " of node " +
                                                   std::to_string(iline) + " runs past its " +
                                                   std::to_string(line.data.size()) + " data bytes");
  uint8_t* at = const_cast<uint8_t*>(line.data.data()) + offset;
  if (is64) {
    storeLittleEndian<int64_t>(at, static_cast<int64_t>(static_cast<uint64_t>(loadLittleEndian<int64_t>(at)) +
                                                        static_cast<uint64_t>(delta)));
  } else {
    storeLittleEndian<int32_t>(at, static_cast<int32_t>(static_cast<uint32_t>(loadLittleEndian<int32_t>(at)) +
                                                        static_cast<uint32_t>(delta)));
  }
  return Status::ok();
}

}  // namespace

void WindowsRedo::markRedone(StoreImpl& store, GatePage& page, int64_t dbtime, LogPosition position) {
  NodePage(page.handle->bytes()).setDbtime(dbtime);
  store.cache_->markDirty(*page.handle, position);
}

Result<RedoEffect> WindowsRedo::redoDelta(StoreImpl& store, const LogRecord& record, LogPosition position,
                                          Gate& gated) {
  const auto* delta = record.as<DeltaRecord>();
  if (!delta) return unsupported(store, record, position);
  GatePage& target = gated.pages.at(delta->node.page.pgno);
  RedoEffect effect = skippedEffect(record);
  if (!target.needed) return effect;
  if (!target.handle) return pageError(store, target.pgno, describe(record, position), "the page is all zero");
  NodePage page(target.handle->bytes());
  const uint16_t iline = delta->node.page.iline;
  if (iline < page.nodeCount()) {
    const NodePage::Line line = page.line(iline);
    effect.key = page.key(iline);
    effect.dataBefore = std::vector<uint8_t>(line.data.begin(), line.data.end());
  }
  const Status status = addToCounter(page, iline, delta->valueOffset, delta->delta, delta->is64);
  if (!status.isOk()) return pageError(store, target.pgno, describe(record, position), status.message());
  markRedone(store, target, delta->node.page.dbtime, position);
  effect.applied = true;
  return effect;
}

Result<RedoEffect> WindowsRedo::redoUndo(StoreImpl& store, const LogRecord& record, LogPosition position,
                                         const UndoCompensation& compensation) {
  const auto* undo = record.as<UndoRecord>();
  if (!undo) return unsupported(store, record, position);
  const LogRecord one[] = {record};
  const LogPosition where[] = {position};
  auto gated = gate(store, one, where);
  if (!gated) return gated.status();
  RedoEffect effect;
  effect.pageRecord = true;
  if (!gated->anyNeeded) return effect;
  GatePage& target = gated->pages.at(undo->node.page.pgno);
  if (!target.handle) return pageError(store, target.pgno, describe(record, position), "the page is all zero");
  NodePage page(target.handle->bytes());
  const uint16_t iline = undo->node.page.iline;
  if (iline >= page.nodeCount())
    return pageError(store, target.pgno, describe(record, position),
                     "node " + std::to_string(iline) + " does not exist (the page has " +
                         std::to_string(page.nodeCount()) + ")");
  Status status;
  switch (compensation.operation) {
    case kOperInsert:  // an insert rolled back leaves a flag-deleted node for cleanup
      page.setNodeFlags(iline, static_cast<uint8_t>(page.line(iline).flags | page::node_flag::Deleted));
      break;
    case kOperFlagDelete:
      page.setNodeFlags(iline, static_cast<uint8_t>(page.line(iline).flags & ~page::node_flag::Deleted));
      break;
    case kOperReplace:
      if (!compensation.beforeImage)
        return Status(JetError::RecoveredWithErrors,
                      store.path().string() + ": page " + std::to_string(target.pgno) + ", " +
                          describe(record, position) +
                          ": the replace it rolls back has no known before-image (no UndoInfo and the page was "
                          "not redone)");
      status = page.replaceData(iline, *compensation.beforeImage);
      break;
    case kOperDelta:
    case kOperDelta64:
      status = addToCounter(page, iline, compensation.valueOffset, -compensation.delta,
                            compensation.operation == kOperDelta64);
      break;
    default:
      return Status(JetError::InvalidLoggedOperation, store.path().string() + ": " + describe(record, position) +
                                                          " rolls back operation " +
                                                          std::to_string(compensation.operation) +
                                                          ", which has no undo here");
  }
  if (!status.isOk()) return pageError(store, target.pgno, describe(record, position), status.message());
  markRedone(store, target, undo->node.page.dbtime, position);
  effect.applied = true;
  return effect;
}

Result<RedoEffect> WindowsRedo::redoEmptyTree(StoreImpl& store, const LogRecord& record, LogPosition position,
                                              Gate& gated) {
  const auto* empty = record.as<EmptyTreeRecord>();
  if (!empty) return unsupported(store, record, position);
  RedoEffect effect;
  effect.pageRecord = true;
  const int64_t dbtime = empty->node.page.dbtime;
  // The root keeps its external header and becomes an empty leaf root.
  GatePage& root = gated.pages.at(empty->node.page.pgno);
  if (root.needed) {
    if (!root.handle) return pageError(store, root.pgno, describe(record, position), "the page is all zero");
    NodePage page(root.handle->bytes());
    for (uint16_t i = page.nodeCount(); i > 0; --i) page.remove(static_cast<uint16_t>(i - 1));
    page.setFlags((page.flags() & ~page::flag::ParentOfLeaf) | page::flag::Leaf);
    markRedone(store, root, dbtime, position);
    effect.applied = true;
  }
  // Every other page of the tree is released: marked empty (page-format.md §3).
  for (const EmptyPage& listed : empty->pages) {
    GatePage& target = gated.pages.at(listed.pgno);
    if (!target.needed || target.pgno == root.pgno) continue;
    if (!target.handle) return pageError(store, target.pgno, describe(record, position), "the page is all zero");
    NodePage page(target.handle->bytes());
    page.setFlags(page.flags() | page::flag::Empty);
    markRedone(store, target, dbtime, position);
    effect.applied = true;
  }
  return effect;
}

Result<RedoEffect> WindowsRedo::redoConvertFdp(StoreImpl& store, const LogRecord& record, LogPosition position,
                                               Gate& gated) {
  // A single-extent FDP (space in a bitmap of its SPACE_HEADER) becomes a
  // multiple-extent one with OE/AE trees (space-trees.md §3, §6): the root's
  // header points to the OE; the OE holds the primary and secondary extents;
  // the AE holds the pages the bitmap marked available and the secondary
  // extent without the OE and AE roots.
  const auto* convert = record.as<ConvertFdpRecord>();
  if (!convert || !convert->availableBitmap) return unsupported(store, record, position);
  RedoEffect effect;
  effect.pageRecord = true;
  const int64_t dbtime = convert->page.dbtime;
  const uint32_t root = convert->page.pgno;
  const uint32_t typeFlags = convert->pageFlags.value_or(0) &
                             (page::flag::Index | page::flag::LongValue | page::flag::NonUniqueKeys);
  auto extentNode = [](NodePage& page, uint16_t at, uint32_t last, uint32_t count) {
    uint8_t key[4], data[4];
    storeBigEndian32(key, last);
    storeLittleEndian<uint32_t>(data, count);
    return page.insert(at, 0, 0, Bytes(key, 4), Bytes(data, 4));
  };
  auto newSpaceRoot = [&](GatePage& target) -> Status {
    if (!target.handle) target.handle = store.cache_->fresh(target.pgno);
    page::initializePage(target.handle->bytes(),
                         page::NewPage{target.pgno, convert->objidFDP, dbtime,
                                       page::flag::Root | page::flag::Leaf | page::flag::SpaceTree | typeFlags, 0, 0});
    NodePage page(target.handle->bytes());
    const uint8_t splitBuffer[16] = {};
    return page.setExternalHeader(Bytes(splitBuffer, sizeof splitBuffer));
  };
  GatePage& rootPage = gated.pages.at(root);
  if (rootPage.needed) {
    if (!rootPage.handle) return Status(JetError::DatabaseCorrupted, store.path().string() + ": page " +
                                                                        std::to_string(root) + " is all zero, " +
                                                                        describe(record, position));
    NodePage page(rootPage.handle->bytes());
    const Bytes current = page.externalHeader();
    std::vector<uint8_t> header(current.begin(), current.end());
    const int offset = spaceHeaderOffset(current);
    if (offset < 0)
      return Status(JetError::DatabaseCorrupted, store.path().string() + ": page " + std::to_string(root) +
                                                     " has no SPACE_HEADER to convert, " + describe(record, position));
    SpaceHeader space = parseSpaceHeader(current, offset);
    space.flags |= 0x01;
    space.bitmapOrOwnedExtents = convert->pgnoOwnedExtents;
    serializeSpaceHeader(space, header.data() + offset);
    ESEKIT_RETURN_IF_ERROR(page.setExternalHeader(header));
    markRedone(store, rootPage, dbtime, position);
    effect.applied = true;
  }
  if (GatePage& owned = gated.pages.at(convert->pgnoOwnedExtents); owned.needed) {
    ESEKIT_RETURN_IF_ERROR(newSpaceRoot(owned));
    NodePage page(owned.handle->bytes());
    ESEKIT_RETURN_IF_ERROR(extentNode(page, 0, root + convert->primaryPageCount - 1, convert->primaryPageCount));
    if (convert->secondaryPageCount > 0)
      ESEKIT_RETURN_IF_ERROR(extentNode(page, 1, convert->pgnoSecondaryFirst + convert->secondaryPageCount - 1,
                                        convert->secondaryPageCount));
    markRedone(store, owned, dbtime, position);
    effect.applied = true;
  }
  if (GatePage& available = gated.pages.at(convert->pgnoAvailableExtents); available.needed) {
    ESEKIT_RETURN_IF_ERROR(newSpaceRoot(available));
    NodePage page(available.handle->bytes());
    uint16_t at = 0;
    // Bit i of rgbitAvail: page root + 1 + i is available (space-trees.md §3.1).
    const uint32_t bits = std::min<uint32_t>(convert->primaryPageCount > 0 ? convert->primaryPageCount - 1 : 0, 32);
    uint32_t runStart = 0, runLength = 0;
    for (uint32_t i = 0; i <= bits; ++i) {
      const bool free = i < bits && ((*convert->availableBitmap >> i) & 1u);
      if (free) {
        if (runLength == 0) runStart = root + 1 + i;
        ++runLength;
      } else if (runLength > 0) {
        ESEKIT_RETURN_IF_ERROR(extentNode(page, at++, runStart + runLength - 1, runLength));
        runLength = 0;
      }
    }
    const uint32_t secondaryEnd = convert->pgnoSecondaryFirst + convert->secondaryPageCount;
    uint32_t firstFree = convert->pgnoSecondaryFirst;
    while (firstFree < secondaryEnd &&
           (firstFree == convert->pgnoOwnedExtents || firstFree == convert->pgnoAvailableExtents))
      ++firstFree;
    if (convert->secondaryPageCount > 0 && firstFree < secondaryEnd)
      ESEKIT_RETURN_IF_ERROR(extentNode(page, at++, secondaryEnd - 1, secondaryEnd - firstFree));
    markRedone(store, available, dbtime, position);
    effect.applied = true;
  }
  return effect;
}

Result<RedoEffect> WindowsRedo::redoShrink(StoreImpl& store, const LogRecord& record, LogPosition position) {
  const auto* shrink = record.as<ShrinkDatabaseRecord>();
  if (!shrink) return unsupported(store, record, position);
  // Pages past pgnoLast leave the database; the file is cut at the end of
  // recovery only if it still is longer (owned pages follow the space tree).
  if (store.ownedLast_ > shrink->pgnoLast) store.ownedLast_ = shrink->pgnoLast;
  RedoEffect effect;
  effect.pageRecord = true;
  return effect;
}

Result<RedoEffect> redoUndoRecord(DatabaseStore& store, const LogRecord& record, LogPosition position,
                                  const UndoCompensation& compensation) {
  auto& impl = static_cast<StoreImpl&>(store);
  WindowsRedo::note(impl, record);
  return WindowsRedo::redoUndo(impl, record, position, compensation);
}

}  // namespace esekit::engine::store
