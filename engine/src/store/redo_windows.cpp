// Gate-first redo of real Windows log records, see redo_windows.h and
// ese-format/log-records.md §3-§4.
#include "store/redo_windows.h"

#include <algorithm>
#include <string>

#include "esekit/format/page.h"
#include "store/page_operations.h"
#include "store/redo_windows_internal.h"
#include "store/store_impl.h"

namespace esekit::engine::store {

std::string WindowsRedo::describe(const LogRecord& record, LogPosition position) {
  return std::string(logRecordTypeName(record.type)) + " record (type " + std::to_string(static_cast<int>(record.type)) +
         ") at " + position.toString();
}

int64_t WindowsRedo::recordDbtime(const LogRecord& record) {
  if (const auto* created = record.as<NewPageRecord>()) return created->dbtimeAfter;
  if (const auto prefix = pagePrefix(record)) return prefix->dbtime;
  return 0;
}

std::vector<TouchedPage> touchedPages(const LogRecord& record) {
  std::vector<TouchedPage> pages;
  auto add = [&](uint32_t pgno, int64_t before, bool created) {
    if (pgno == 0) return;  // "no page" (log-records.md §3.5)
    for (const TouchedPage& page : pages)
      if (page.pgno == pgno) return;
    pages.push_back(TouchedPage{pgno, before, created});
  };
  switch (record.type) {
    case LogRecordType::Split:
    case LogRecordType::Split2:
      if (const auto* split = record.as<SplitRecord>()) {
        add(split->page.pgno, split->page.dbtimeBefore, false);
        add(split->pgnoNew, kDbtimeInvalid, true);
        add(split->pgnoRight, split->dbtimeRightBefore, false);
        add(split->pgnoParent, split->dbtimeParentBefore, false);
      }
      return pages;
    case LogRecordType::Merge:
    case LogRecordType::Merge2:
      if (const auto* merge = record.as<MergeRecord>()) {
        add(merge->page.pgno, merge->page.dbtimeBefore, false);
        add(merge->pgnoRight, merge->dbtimeRightBefore, false);
        add(merge->pgnoLeft, merge->dbtimeLeftBefore, false);
        add(merge->pgnoParent, merge->dbtimeParentBefore, false);
      }
      return pages;
    case LogRecordType::PageMove:
      if (const auto* move = record.as<PageMoveRecord>()) {
        add(move->page.pgno, move->page.dbtimeBefore, false);
        add(move->pgnoDestination, kDbtimeInvalid, true);
        add(move->pgnoLeft, move->dbtimeLeftBefore, false);
        add(move->pgnoRight, move->dbtimeRightBefore, false);
        add(move->pgnoParent, move->dbtimeParentBefore, false);
      }
      return pages;
    case LogRecordType::CreateMultipleExtentFDP:
    case LogRecordType::CreateSingleExtentFDP:
      if (const auto* create = record.as<CreateFdpRecord>()) {
        add(create->page.pgno, kDbtimeInvalid, true);
        if (create->multipleExtent) {
          add(create->pgnoOwnedExtents, kDbtimeInvalid, true);
          add(create->pgnoAvailableExtents, kDbtimeInvalid, true);
        }
      }
      return pages;
    case LogRecordType::ConvertFDP:
    case LogRecordType::ConvertFDP2:
      if (const auto* convert = record.as<ConvertFdpRecord>()) {
        add(convert->page.pgno, convert->page.dbtimeBefore, false);
        add(convert->pgnoOwnedExtents, kDbtimeInvalid, true);
        add(convert->pgnoAvailableExtents, kDbtimeInvalid, true);
      }
      return pages;
    case LogRecordType::NewPage:
      if (const auto* created = record.as<NewPageRecord>()) add(created->pgno, kDbtimeInvalid, true);
      return pages;
    case LogRecordType::EmptyTree:
      if (const auto* empty = record.as<EmptyTreeRecord>()) {
        add(empty->node.page.pgno, empty->node.page.dbtimeBefore, false);
        for (const EmptyPage& page : empty->pages) add(page.pgno, page.dbtimeBefore, false);
      }
      return pages;
    case LogRecordType::UndoInfo:
      return pages;  // a deferred before-image: no page changes (§4)
    default:
      break;
  }
  if (const auto node = nodePrefix(record)) add(node->page.pgno, node->page.dbtimeBefore, false);
  return pages;
}

bool isDatabaseChange(const LogRecord& record) {
  switch (record.type) {
    case LogRecordType::ExtendDB:
    case LogRecordType::TrimDB:
    case LogRecordType::ShrinkDB:
    case LogRecordType::ShrinkDB2:
    case LogRecordType::ShrinkDB3:
    case LogRecordType::SetDbVersion:
    case LogRecordType::NewPage:
      return true;
    case LogRecordType::UndoInfo:
      return false;
    default:
      return pagePrefix(record).has_value();
  }
}

// ESE's "contains data from future logs" (logredo.cxx, FLGNeedRedoCheckDbtimeBefore
// and the generation switch): a dirty database may hold pages flushed up to
// its header's le_lGenMaxRequired, so records of those generations may find
// their pages already done; past it, every page a record names must still
// need the record (log-records.md §4.4). The rule holds for headers kept by
// an engine that raises le_lGenMaxRequired before pages of a new generation
// reach the disk and stamps when (logtimeGenMaxRequired, offset 672: ESE
// since Windows 8). esekit's own engine writes the header after flushing the
// pages of a checkpoint (a crash in between leaves pages ahead of the
// header) and leaves that time zero, so its databases are not held to it.
// Clean databases are replayed here only to prove that no page changes.
bool WindowsRedo::beyondMaxRequired(StoreImpl& store, LogPosition position) {
  const DatabaseHeader& header = store.header();
  const bool dirty =
      header.state == DatabaseState::DirtyShutdown || header.state == DatabaseState::DirtyAndPatchedShutdown;
  return dirty && !header.maxRequiredGenerationCreateTime.isZero() && header.maxRequiredGeneration > 0 &&
         position.generation > header.maxRequiredGeneration;
}

Result<WindowsRedo::Gate> WindowsRedo::gate(StoreImpl& store, std::span<const LogRecord> records,
                                            std::span<const LogPosition> positions) {
  Gate result;
  for (size_t i = 0; i < records.size(); ++i) {
    const LogRecord& record = records[i];
    const int64_t dbtime = recordDbtime(record);
    for (const TouchedPage& touched : touchedPages(record)) {
      if (result.pages.count(touched.pgno)) {
        // A later level of the same macro: the first record that names the
        // page carries its dbtime before (a split path names a page as the
        // split page of one level and the parent of the level below).
        continue;
      }
      GatePage page;
      page.pgno = touched.pgno;
      page.dbtimeBefore = touched.dbtimeBefore;
      page.created = touched.created;
      auto handle = store.cache_->get(touched.pgno, touched.created ? ReadMode::NewPage : ReadMode::Verified);
      if (!handle) {
        if (handle.status().code() != JetError::PageNotInitialized)
          return handle.status().withContext(store.path().string() + ": " + describe(record, positions[i]));
        // An all-zero page (never written, or trimmed): only a record that
        // creates it can bring it forward.
        page.pageDbtime = 0;
      } else {
        page.handle = *handle;
        page.pageDbtime = NodePage(Bytes(page.handle->bytes())).dbtime();
      }
      page.needed = dbtime > page.pageDbtime;
      if (page.needed && !touched.created && touched.dbtimeBefore != kDbtimeInvalid &&
          touched.dbtimeBefore != page::kDbtimeNil && touched.dbtimeBefore != page.pageDbtime) {
        const std::string message = store.path().string() + ": page " + std::to_string(touched.pgno) +
                                    " has dbtime " + std::to_string(page.pageDbtime) + ", the " +
                                    describe(record, positions[i]) + " expects dbtime before " +
                                    std::to_string(touched.dbtimeBefore) + " (after " + std::to_string(dbtime) + ")";
        if (page.pageDbtime < touched.dbtimeBefore)
          return Status(JetError::DbTimeTooOld, message + ": a page write was lost");
        return Status(JetError::DbTimeTooNew, message);
      }
      if (!page.needed && !touched.created && touched.dbtimeBefore != kDbtimeInvalid &&
          touched.dbtimeBefore != page::kDbtimeNil && beyondMaxRequired(store, positions[i]))
        return Status(JetError::DbTimeBeyondMaxRequired,
                      store.path().string() + ": page " + std::to_string(touched.pgno) + " has dbtime " +
                          std::to_string(page.pageDbtime) + ", already past the " + describe(record, positions[i]) +
                          " (dbtime after " + std::to_string(dbtime) + "), but generation " +
                          std::to_string(positions[i].generation) + " is beyond the database's max required " +
                          std::to_string(store.header().maxRequiredGeneration) +
                          ": no page can hold changes of logs the header does not require");
      result.anyNeeded = result.anyNeeded || page.needed;
      result.pages.emplace(touched.pgno, std::move(page));
    }
  }
  return result;
}

void WindowsRedo::note(StoreImpl& store, const LogRecord& record) {
  const int64_t dbtime = recordDbtime(record);
  if (dbtime > 0 && dbtime != page::kDbtimeNil) store.dbtime_ = std::max(store.dbtime_, dbtime);
  if (const auto objid = objidOf(record)) store.objidLast_ = std::max(store.objidLast_, *objid);
  if (const auto* create = record.as<CreateFdpRecord>()) store.objidLast_ = std::max(store.objidLast_, create->objidFDP);
}

// What undo needs about a node record, also when its page was not redone.
RedoEffect WindowsRedo::skippedEffect(const LogRecord& record) {
  RedoEffect effect;
  effect.pageRecord = true;
  const auto node = nodePrefix(record);
  if (!node || record.type == LogRecordType::SetExternalHeader) return effect;
  effect.tree = TreeRoot{node->objidFDP, node->pgnoFDP};
  if (const auto* insert = record.as<InsertRecord>()) {
    effect.key.assign(insert->keyPrefix.begin(), insert->keyPrefix.end());
    effect.key.insert(effect.key.end(), insert->keySuffix.begin(), insert->keySuffix.end());
  } else if (const auto* flagInsert = record.as<FlagInsertRecord>()) {
    effect.key.assign(flagInsert->key.begin(), flagInsert->key.end());
  } else if (const auto* delta = record.as<DeltaRecord>()) {
    effect.key.assign(delta->bookmarkKey.begin(), delta->bookmarkKey.end());
  }
  return effect;
}

Result<RedoEffect> WindowsRedo::redo(StoreImpl& store, const LogRecord& record, LogPosition position) {
  ESEKIT_RETURN_IF_ERROR(store.checkWritable());
  note(store, record);
  if (!isDatabaseChange(record)) return RedoEffect{};
  switch (record.type) {
    case LogRecordType::ExtendDB:
      if (const auto* extend = record.as<ExtendDatabaseRecord>()) {
        // The file grows to pgnoLast at the next flush; nothing to do when
        // the database already owns that many pages.
        RedoEffect effect;
        effect.pageRecord = true;
        effect.applied = extend->pgnoLast > store.ownedLast_;
        store.ownedLast_ = std::max(store.ownedLast_, extend->pgnoLast);
        return effect;
      }
      break;
    case LogRecordType::NewPage:
      break;  // gate below, then the store's own redo
    case LogRecordType::SetDbVersion:
      return RedoEffect{};  // header only: the recovered header keeps the version it has (database-header.md §2)
    case LogRecordType::TrimDB:
      // Trimmed pages are free: ESE only releases their storage; their
      // content is never read again before a record creates them anew.
      return RedoEffect{};
    case LogRecordType::ShrinkDB:
    case LogRecordType::ShrinkDB2:
    case LogRecordType::ShrinkDB3:
      return redoShrink(store, record, position);
    default:
      break;
  }
  const LogRecord one[] = {record};
  const LogPosition where[] = {position};
  auto gated = gate(store, one, where);
  if (!gated) return gated.status();
  if (!gated->anyNeeded) {
    RedoEffect effect = skippedEffect(record);
    effect.pageRecord = true;
    return effect;
  }
  return apply(store, record, position, *gated);
}

Result<RedoEffect> WindowsRedo::apply(StoreImpl& store, const LogRecord& record, LogPosition position, Gate& gated) {
  switch (record.type) {
    case LogRecordType::Insert:
    case LogRecordType::FlagInsert:
    case LogRecordType::FlagInsertAndReplaceData:
    case LogRecordType::FlagDelete:
    case LogRecordType::Delete:
    case LogRecordType::Replace:
    case LogRecordType::ReplaceD:
    case LogRecordType::SetExternalHeader:
    case LogRecordType::CreateMultipleExtentFDP:
    case LogRecordType::CreateSingleExtentFDP:
    case LogRecordType::NewPage:
    case LogRecordType::ExtendDB:
      return store.redo(record, position);
    case LogRecordType::Split2:
      // Outside a macro: a split logged whole by this engine (one record
      // with its new page; Windows logs splits inside macros).
      if (const auto* split = record.as<SplitRecord>(); split && split->pgnoNew != 0)
        return store.redo(record, position);
      break;
    case LogRecordType::Delta:
    case LogRecordType::Delta64:
      return redoDelta(store, record, position, gated);
    case LogRecordType::EmptyTree:
      return redoEmptyTree(store, record, position, gated);
    case LogRecordType::ConvertFDP2:
      return redoConvertFdp(store, record, position, gated);
    case LogRecordType::Merge2:
      return redoMerge(store, record, position, gated);  // outside a macro: one level by itself
    default:
      break;
  }
  return unsupported(store, record, position);
}

Status WindowsRedo::unsupported(StoreImpl& store, const LogRecord& record, LogPosition position) {
  return Status(JetError::InvalidLoggedOperation,
                store.path().string() + ": cannot redo the " + describe(record, position) +
                    ": a page needs it and this record type has no redo here");
}

Result<RedoEffect> redoRecord(DatabaseStore& store, const LogRecord& record, LogPosition position) {
  return WindowsRedo::redo(static_cast<StoreImpl&>(store), record, position);
}

Result<std::vector<RedoEffect>> redoMacro(DatabaseStore& store, std::span<const LogRecord> records,
                                          std::span<const LogPosition> positions) {
  return WindowsRedo::redoMacro(static_cast<StoreImpl&>(store), records, positions);
}

void noteSkippedRecord(DatabaseStore& store, const LogRecord& record) {
  WindowsRedo::note(static_cast<StoreImpl&>(store), record);
}

}  // namespace esekit::engine::store
