// Redo of merges: the Merge2 records of one MacroBegin..MacroCommit (one per
// level of the path, top level first, the leaf level last: ESE
// ErrLGRIRedoMergeStructures), or a single Merge2 replayed by itself. Each
// page changes only when it needs the record (the gate of redo_windows.cpp,
// log-records.md §4: source, left, right and every level page with its own
// dbtimeBefore), through the page operations the engine uses
// (merge_operations.h). Merges are never versioned: nothing for undo.
#include <string>

#include "esekit/format/page.h"
#include "store/merge_operations.h"
#include "store/redo_windows_internal.h"
#include "store/store_impl.h"

namespace esekit::engine::store {

Result<std::vector<RedoEffect>> WindowsRedo::redoMergePath(StoreImpl& store, std::span<const LogRecord> records,
                                                           std::span<const LogPosition> positions, Gate& gated) {
  const MergeRecord* leaf = nullptr;
  size_t leafIndex = 0;
  std::vector<size_t> levels, others;
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].type == LogRecordType::Merge) return unsupported(store, records[i], positions[i]);
    const auto* merge = records[i].type == LogRecordType::Merge2 ? records[i].as<MergeRecord>() : nullptr;
    if (!merge) {
      others.push_back(i);
      continue;
    }
    if (merge->mergeType == static_cast<uint8_t>(MergeType::None)) {
      levels.push_back(i);
      continue;
    }
    if (leaf)
      return Status(JetError::InvalidLoggedOperation,
                    store.path().string() + ": cannot redo the " + describe(records[i], positions[i]) +
                        ": a second leaf level in one merge macro");
    leaf = merge;
    leafIndex = i;
  }
  const size_t main = leaf ? leafIndex : (levels.empty() ? 0 : levels.front());
  if (leaf) {
    const MergeType type = mergeTypeOf(*leaf);
    if (type == MergeType::EmptyTree || type == MergeType::PageMove || leaf->mergeType > 7)
      return unsupported(store, records[leafIndex], positions[leafIndex]);
  }
  const std::string where = describe(records[main], positions[main]);
  auto fail = [&](uint32_t pgno, const std::string& what) {
    return Status(JetError::DatabaseCorrupted,
                  store.path().string() + ": page " + std::to_string(pgno) + ", " + where + ": " + what);
  };
  auto gatePage = [&](uint32_t pgno) -> GatePage* {
    if (pgno == 0) return nullptr;
    auto found = gated.pages.find(pgno);
    return found == gated.pages.end() ? nullptr : &found->second;
  };
  // A page about to change: it must exist (the gate lets an all-zero page through).
  auto writable = [&](GatePage* page) -> Status {
    if (!page->handle) return fail(page->pgno, "the page is all zero but needs the merge");
    return Status::ok();
  };
  std::vector<RedoEffect> effects(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    effects[i] = skippedEffect(records[i]);
    effects[i].applied = gated.anyNeeded;
  }
  std::vector<GatePage*> path;  // pages whose dbtime the merge sets (ESE LGIRedoMergeUpdateDbtime)

  if (leaf) {
    const MergeType type = mergeTypeOf(*leaf);
    const LogPosition position = positions[leafIndex];
    GatePage* source = gatePage(leaf->page.pgno);
    GatePage* left = gatePage(leaf->pgnoLeft);
    GatePage* right = gatePage(leaf->pgnoRight);
    if (!source) return fail(leaf->page.pgno, "the merged page was not gated");
    GatePage* destination = movesNodes(type) ? (rightMerge(type) ? right : left) : nullptr;
    if (movesNodes(type) && !destination)
      return fail(leaf->page.pgno, std::string("a ") + (rightMerge(type) ? "right" : "left") +
                                       " merge without its destination sibling");
    if (destination && destination->needed) {
      // The nodes come from the source as it was before the merge: the page
      // itself when it needs the merge, else the logged before-image.
      std::vector<uint8_t> before;
      if (source->needed) {
        ESEKIT_RETURN_IF_ERROR(writable(source));
        before.assign(source->handle->bytes().begin(), source->handle->bytes().end());
      } else {
        auto image = rehydratePageImage(leaf->pageBeforeImage, leaf->preimageFlags, store.pageSize());
        if (!image)
          return fail(source->pgno, leaf->pageBeforeImage.empty()
                                        ? "the destination needs the merge, the source page is past it and no "
                                          "before-image was logged (flush dependency broken)"
                                        : "the before-image is Xpress-compressed (not supported)");
        before = std::move(*image);
      }
      ESEKIT_RETURN_IF_ERROR(writable(destination));
      NodePage page(destination->handle->bytes());
      const Status status = applyMergeToDestinationPage(page, *leaf, before);
      if (!status.isOk()) return fail(destination->pgno, status.message());
      markRedone(store, *destination, leaf->page.dbtime, position);
    }
    if (source->needed) {
      ESEKIT_RETURN_IF_ERROR(writable(source));
      NodePage page(source->handle->bytes());
      const Status status = applyMergeToSourcePage(page, *leaf);
      if (!status.isOk()) return fail(source->pgno, status.message());
      markRedone(store, *source, leaf->page.dbtime, position);
    }
    if (left && left->needed) {
      ESEKIT_RETURN_IF_ERROR(writable(left));
      NodePage page(left->handle->bytes());
      ESEKIT_RETURN_IF_ERROR(applyMergeToLeftPage(page, *leaf));
      markRedone(store, *left, leaf->page.dbtime, position);
    }
    if (right && right->needed) {
      ESEKIT_RETURN_IF_ERROR(writable(right));
      NodePage page(right->handle->bytes());
      ESEKIT_RETURN_IF_ERROR(applyMergeToRightPage(page, *leaf));
      markRedone(store, *right, leaf->page.dbtime, position);
    }
    path.push_back(source);
    if (left) path.push_back(left);
    if (right) path.push_back(right);
  }

  for (const size_t i : levels) {
    const MergeRecord& level = *records[i].as<MergeRecord>();
    GatePage* page = gatePage(level.page.pgno);
    if (!page) return fail(level.page.pgno, "the level page was not gated");
    path.push_back(page);
    if (!page->needed) continue;
    ESEKIT_RETURN_IF_ERROR(writable(page));
    NodePage p(page->handle->bytes());
    const Status status = applyMergeToInternalPage(p, level, leaf);
    if (!status.isOk()) return fail(page->pgno, status.message());
    markRedone(store, *page, level.page.dbtime, positions[i]);
  }
  // Pages of the path the merge needed but did not otherwise change.
  const int64_t dbtime = recordDbtime(records[main]);
  for (GatePage* page : path) {
    if (!page->needed || !page->handle) continue;
    if (NodePage(Bytes(page->handle->bytes())).dbtime() < dbtime) markRedone(store, *page, dbtime, positions[main]);
  }
  // Other records of the macro, each by itself after the merge.
  for (const size_t i : others) {
    auto effect = redo(store, records[i], positions[i]);
    if (!effect) return effect.status();
    effects[i] = std::move(*effect);
  }
  return effects;
}

Result<RedoEffect> WindowsRedo::redoMerge(StoreImpl& store, const LogRecord& record, LogPosition position,
                                          Gate& gated) {
  const LogRecord one[] = {record};
  const LogPosition where[] = {position};
  auto effects = redoMergePath(store, one, where, gated);
  if (!effects) return effects.status();
  return std::move(effects->front());
}

}  // namespace esekit::engine::store
