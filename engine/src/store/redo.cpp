// Redo of logged page changes (ese-format/log-records.md §4): a page needs a
// record iff the record's dbtime (after) is greater than the page's; it must
// then be at the record's dbtimeBefore (else DbTimeTooOld / DbTimeTooNew).
// Newly created pages (the new page of a split, FDP pages) go by dbtime
// alone. The change itself is made by the same functions the live B+tree
// uses (page_operations.h).
#include <algorithm>
#include <string>

#include "store/page_operations.h"
#include "store/redo_windows.h"
#include "store/store_impl.h"

namespace esekit::engine::store {
namespace {

std::string describeRecord(const LogRecord& record, LogPosition position) {
  return std::string(logRecordTypeName(record.type)) + " record at " + position.toString();
}

}  // namespace

Result<bool> StoreImpl::needsRedo(const CachedPage& cached, int64_t dbtime, int64_t dbtimeBefore,
                                  const LogRecord& record, LogPosition position) {
  const int64_t pageDbtime = NodePage(Bytes(cached.bytes())).dbtime();
  if (dbtime <= pageDbtime) return false;
  if (dbtimeBefore == kDbtimeInvalid || dbtimeBefore == pageDbtime) return true;
  const std::string message = path().string() + ": page " + std::to_string(cached.pgno) + " has dbtime " +
                              std::to_string(pageDbtime) + ", the " + describeRecord(record, position) +
                              " expects dbtime before " + std::to_string(dbtimeBefore) + " (after " +
                              std::to_string(dbtime) + ")";
  if (pageDbtime < dbtimeBefore) return Status(JetError::DbTimeTooOld, message + ": a page write was lost");
  return Status(JetError::DbTimeTooNew, message);
}

Result<RedoEffect> StoreImpl::redo(const LogRecord& record, LogPosition position) {
  ESEKIT_RETURN_IF_ERROR(checkWritable());
  if (const auto dbid = dbidOf(record); dbid && *dbid != options_.dbid)
    return Status(JetError::InvalidParameter, path().string() + ": " + describeRecord(record, position) +
                                                  " is for dbid " + std::to_string(*dbid) + ", this database is dbid " +
                                                  std::to_string(options_.dbid));
  switch (record.type) {
    case LogRecordType::Insert:
    case LogRecordType::FlagInsert:
    case LogRecordType::FlagInsertAndReplaceData:
    case LogRecordType::FlagDelete:
    case LogRecordType::Delete:
    case LogRecordType::Replace:
    case LogRecordType::ReplaceD:
    case LogRecordType::SetExternalHeader: {
      const auto node = esekit::nodePrefix(record);
      if (!node) break;
      return redoNode(record, *node, position);
    }
    case LogRecordType::Split2:
      if (const auto* split = record.as<SplitRecord>()) return redoSplit(*split, record, position);
      break;
    case LogRecordType::CreateMultipleExtentFDP:
    case LogRecordType::CreateSingleExtentFDP:
      if (const auto* create = record.as<CreateFdpRecord>()) return redoCreateFdp(*create, record, position);
      break;
    case LogRecordType::Merge2:
      return redoRecord(*this, record, position);  // gate per page, then redo_windows_merge.cpp
    case LogRecordType::ExtendDB:
      if (const auto* extend = record.as<ExtendDatabaseRecord>()) {
        ownedLast_ = std::max(ownedLast_, extend->pgnoLast);
        RedoEffect effect;
        effect.applied = true;
        return effect;
      }
      break;
    case LogRecordType::NewPage:
      if (const auto* created = record.as<NewPageRecord>()) {
        RedoEffect effect;
        effect.pageRecord = true;
        auto handle = cache_->get(created->pgno, ReadMode::NewPage);
        if (!handle) return handle.status();
        if (created->dbtimeAfter > NodePage(Bytes((*handle)->bytes())).dbtime()) {
          applyNewPage((*handle)->bytes(), *created);
          cache_->markDirty(**handle, position);
          effect.applied = true;
        }
        dbtime_ = std::max(dbtime_, created->dbtimeAfter);
        return effect;
      }
      break;
    default:
      if (!esekit::pagePrefix(record) && !dbidOf(record)) return RedoEffect{};  // not a change to this database's pages
      break;
  }
  return Status(JetError::InvalidLoggedOperation, path().string() + ": cannot redo the " +
                                                      describeRecord(record, position) + " (type " +
                                                      std::to_string(static_cast<int>(record.type)) + ")");
}

Result<RedoEffect> StoreImpl::redoNode(const LogRecord& record, const NodeRecordPrefix& node, LogPosition position) {
  RedoEffect effect;
  effect.pageRecord = true;
  effect.tree = TreeRoot{node.objidFDP, node.pgnoFDP};
  if (const auto* insert = record.as<InsertRecord>()) {
    effect.key.assign(insert->keyPrefix.begin(), insert->keyPrefix.end());
    effect.key.insert(effect.key.end(), insert->keySuffix.begin(), insert->keySuffix.end());
  } else if (const auto* flagInsert = record.as<FlagInsertRecord>()) {
    effect.key.assign(flagInsert->key.begin(), flagInsert->key.end());
  }
  dbtime_ = std::max(dbtime_, node.page.dbtime);
  auto handle = cache_->get(node.page.pgno);
  if (!handle) return handle.status().withContext(describeRecord(record, position));
  auto need = needsRedo(**handle, node.page.dbtime, node.page.dbtimeBefore, record, position);
  if (!need) return need.status();
  if (!*need) return effect;
  NodePage p((*handle)->bytes());
  const uint16_t iline = node.page.iline;
  if (record.type != LogRecordType::Insert && record.type != LogRecordType::SetExternalHeader && iline < p.nodeCount()) {
    effect.key = p.key(iline);
    const Bytes before = p.line(iline).data;
    effect.dataBefore = std::vector<uint8_t>(before.begin(), before.end());
  }
  Status status;
  switch (record.type) {
    case LogRecordType::Insert: status = applyInsert(p, *record.as<InsertRecord>()); break;
    case LogRecordType::FlagInsert:
    case LogRecordType::FlagInsertAndReplaceData: status = applyFlagInsert(p, *record.as<FlagInsertRecord>()); break;
    case LogRecordType::FlagDelete: status = applyFlagDelete(p, *record.as<NodeOperationRecord>()); break;
    case LogRecordType::Delete: status = applyDelete(p, *record.as<NodeOperationRecord>()); break;
    case LogRecordType::Replace:
    case LogRecordType::ReplaceD: status = applyReplace(p, *record.as<ReplaceRecord>()); break;
    case LogRecordType::SetExternalHeader:
      status = applySetExternalHeader(p, *record.as<SetExternalHeaderRecord>());
      effect.tree.reset();
      break;
    default: break;
  }
  if (!status.isOk())
    return status.withContext(path().string() + ": page " + std::to_string(node.page.pgno) + ", " +
                              describeRecord(record, position));
  cache_->markDirty(**handle, position);
  effect.applied = true;
  return effect;
}

Result<RedoEffect> StoreImpl::redoSplit(const SplitRecord& split, const LogRecord& record, LogPosition position) {
  RedoEffect effect;
  effect.pageRecord = true;
  dbtime_ = std::max(dbtime_, split.page.dbtime);
  const int64_t dbtime = split.page.dbtime;
  auto context = [&](const Status& status, uint32_t pgno) {
    return status.withContext(path().string() + ": page " + std::to_string(pgno) + ", " +
                              describeRecord(record, position));
  };
  auto splitPage = cache_->get(split.page.pgno);
  if (!splitPage) return context(splitPage.status(), split.page.pgno);
  auto needSplit = needsRedo(**splitPage, dbtime, split.page.dbtimeBefore, record, position);
  if (!needSplit) return needSplit.status();
  auto newPage = cache_->get(split.pgnoNew, ReadMode::NewPage);
  if (!newPage) return context(newPage.status(), split.pgnoNew);
  const bool needNew = dbtime > NodePage(Bytes((*newPage)->bytes())).dbtime();
  PageHandle right, parent;
  bool needRight = false, needParent = false;
  if (split.pgnoRight != 0) {
    auto loaded = cache_->get(split.pgnoRight);
    if (!loaded) return context(loaded.status(), split.pgnoRight);
    right = std::move(*loaded);
    auto need = needsRedo(*right, dbtime, split.dbtimeRightBefore, record, position);
    if (!need) return need.status();
    needRight = *need;
  }
  if (split.pgnoParent != 0) {
    auto loaded = cache_->get(split.pgnoParent);
    if (!loaded) return context(loaded.status(), split.pgnoParent);
    parent = std::move(*loaded);
    auto need = needsRedo(*parent, dbtime, split.dbtimeParentBefore, record, position);
    if (!need) return need.status();
    needParent = *need;
  }
  if (needNew) {
    // The new page is rebuilt from the split page as it was before the split:
    // the logged before-image, or the page itself when it still is in that state.
    // An append split moves no node and logs no before-image (btree_split.cpp).
    Bytes source;
    const bool nodesMove = split.splitType == 0 || split.ilineSplit < split.lineCount;
    if (!nodesMove) {
      source = {};
    } else if (split.pageBeforeImage.size() == pageSize_ && split.preimageFlags == 0) {
      source = split.pageBeforeImage;
    } else if (*needSplit) {
      scratch_.assign((*splitPage)->bytes().begin(), (*splitPage)->bytes().end());
      source = scratch_;
    } else {
      return Status(JetError::FeatureNotAvailable,
                    path().string() + ": page " + std::to_string(split.pgnoNew) + " needs the " +
                        describeRecord(record, position) + " but its before-image is " +
                        (split.pageBeforeImage.empty() ? "missing" : "dehydrated or compressed") +
                        " and the split page is already past it");
    }
    ESEKIT_RETURN_IF_ERROR(context(applySplitToNewPage((*newPage)->bytes(), split, source), split.pgnoNew));
    cache_->markDirty(**newPage, position);
  }
  if (*needSplit) {
    NodePage p((*splitPage)->bytes());
    ESEKIT_RETURN_IF_ERROR(context(applySplitToSplitPage(p, split), split.page.pgno));
    cache_->markDirty(**splitPage, position);
  }
  if (needRight) {
    NodePage p(right->bytes());
    ESEKIT_RETURN_IF_ERROR(context(applySplitToRightPage(p, split), split.pgnoRight));
    cache_->markDirty(*right, position);
  }
  if (needParent) {
    NodePage p(parent->bytes());
    ESEKIT_RETURN_IF_ERROR(context(applySplitToParentPage(p, split), split.pgnoParent));
    cache_->markDirty(*parent, position);
  }
  effect.applied = needNew || *needSplit || needRight || needParent;
  return effect;
}

Result<RedoEffect> StoreImpl::redoCreateFdp(const CreateFdpRecord& create, const LogRecord& record,
                                            LogPosition position) {
  RedoEffect effect;
  effect.pageRecord = true;
  dbtime_ = std::max(dbtime_, create.page.dbtime);
  objidLast_ = std::max(objidLast_, create.objidFDP);
  struct Part {
    uint32_t pgno;
    int kind;  // 0 root, 1 OE, 2 AE
  };
  std::vector<Part> parts{{create.page.pgno, 0}};
  if (create.multipleExtent) {
    parts.push_back({create.pgnoOwnedExtents, 1});
    parts.push_back({create.pgnoAvailableExtents, 2});
  }
  for (const Part& part : parts) {
    auto handle = cache_->get(part.pgno, ReadMode::NewPage);
    if (!handle) return handle.status();
    if (create.page.dbtime <= NodePage(Bytes((*handle)->bytes())).dbtime()) continue;
    const Status status = part.kind == 0 ? applyCreateFdpRoot((*handle)->bytes(), create)
                                         : applyCreateFdpSpaceTree((*handle)->bytes(), part.pgno, create, part.kind == 2);
    if (!status.isOk())
      return status.withContext(path().string() + ": page " + std::to_string(part.pgno) + ", " +
                                describeRecord(record, position));
    cache_->markDirty(**handle, position);
    effect.applied = true;
  }
  return effect;
}

}  // namespace esekit::engine::store
