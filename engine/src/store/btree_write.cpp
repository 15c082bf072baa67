// Logged node changes: build the record (log-records.md §3.1-§3.3), append
// it to the log, then apply it to the cached page with the function redo
// uses (page_operations.h). A node that does not fit makes room by a split
// first (btree_split.cpp) and the operation is retried on the new shape.
#include <string>

#include "esekit/format/log_record_encode.h"
#include "store/page_operations.h"
#include "store/store_impl.h"

namespace esekit::engine::store {
namespace {

constexpr int kMaxSplitsPerOperation = 64;
constexpr size_t kLargestKey = 2000;  // JET_cbKeyMostMost

constexpr uint32_t kTreeTypeFlags = page::flag::SpaceTree | page::flag::Index | page::flag::LongValue |
                                    page::flag::NonUniqueKeys;

}  // namespace

Result<TreeInfo> StoreImpl::treeInfo(const TreeRoot& tree) {
  auto root = page(tree.rootPage, tree.objectId);
  if (!root) return root.status();
  const NodePage p(Bytes((*root)->bytes()));
  if (!p.root())
    return Status(JetError::InvalidParameter, path().string() + ": page " + std::to_string(tree.rootPage) +
                                                  " is not the root of a tree");
  TreeInfo info;
  info.root = tree;
  info.typeFlags = p.flags() & kTreeTypeFlags;
  // A space tree's owner is not known from its root; its splits cannot allocate.
  info.fdpPage = info.spaceTree() ? 0 : tree.rootPage;
  info.fdpObjectId = tree.objectId;
  return info;
}

PageRecordPrefix StoreImpl::pagePrefix(const TreeInfo& tree, const CachedPage& cached, uint16_t iline,
                                       const OperationContext& context) {
  PageRecordPrefix prefix;
  prefix.procid = context.procid;
  prefix.dbid = options_.dbid;
  prefix.pgno = cached.pgno;
  prefix.dbtimeBefore = NodePage(Bytes(cached.bytes())).dbtime();
  prefix.trxBegin0 = context.trxBegin0;
  prefix.level = context.level;
  prefix.iline = iline;
  uint8_t flags = 0;
  if (context.versioned && !tree.spaceTree()) flags |= page_record_flag::kVersioned;
  if (!(tree.typeFlags & page::flag::NonUniqueKeys)) flags |= page_record_flag::kUniqueKeys;
  if (tree.spaceTree()) flags |= page_record_flag::kSpaceTree;
  prefix.flags = flags;
  return prefix;
}

NodeRecordPrefix StoreImpl::nodePrefix(const TreeInfo& tree, const CachedPage& cached, uint16_t iline,
                                       const OperationContext& context) {
  NodeRecordPrefix prefix;
  prefix.page = pagePrefix(tree, cached, iline, context);
  prefix.page.dbtime = nextDbtime(prefix.page.dbtimeBefore);
  prefix.rceid = (prefix.page.flags & page_record_flag::kVersioned) ? ++rceid_ : 0;
  prefix.pgnoFDP = tree.spaceTree() ? tree.fdpPage : tree.root.rootPage;
  prefix.objidFDP = tree.root.objectId;
  return prefix;
}

Result<LogPosition> StoreImpl::log(const LogRecord& record) {
  auto position = options_.log->append(record);
  if (!position) return position.status().withContext(path().string() + ": logging " + std::string(logRecordTypeName(record.type)));
  return position;
}

Status StoreImpl::insert(const TreeRoot& tree, Bytes key, Bytes data, const OperationContext& context) {
  ESEKIT_RETURN_IF_ERROR(checkWritable());
  auto info = treeInfo(tree);
  if (!info) return info.status();
  return insertNode(*info, key, data, context);
}

Status StoreImpl::replace(const TreeRoot& tree, Bytes key, Bytes data, const OperationContext& context) {
  ESEKIT_RETURN_IF_ERROR(checkWritable());
  auto info = treeInfo(tree);
  if (!info) return info.status();
  return replaceNode(*info, key, data, context);
}

Status StoreImpl::erase(const TreeRoot& tree, Bytes key, const OperationContext& context) {
  ESEKIT_RETURN_IF_ERROR(checkWritable());
  auto info = treeInfo(tree);
  if (!info) return info.status();
  return eraseNode(*info, key, context);
}

namespace {

Status checkNodeSize(const std::filesystem::path& file, uint32_t pageSize, Bytes key, Bytes data) {
  if (key.empty()) return Status(JetError::InvalidParameter, file.string() + ": empty key");
  if (key.size() > kLargestKey)
    return Status(JetError::KeyTooBig, file.string() + ": key of " + std::to_string(key.size()) + " bytes (at most " +
                                           std::to_string(kLargestKey) + ")");
  // A node always carries data (page-format.md §5).
  if (data.empty()) return Status(JetError::InvalidParameter, file.string() + ": a node needs at least one data byte");
  // Any node must fit alone on a page next to a split-buffer-sized external header.
  const size_t room = pageSize - page::headerSize(pageSize) - 2 * page::kTagSize - 16;
  if (NodePage::nodeCost(0, key.size(), data.size()) > room)
    return Status(JetError::RecordTooBig, file.string() + ": node of " + std::to_string(key.size()) + "-byte key and " +
                                              std::to_string(data.size()) + "-byte data does not fit a " +
                                              std::to_string(pageSize) + "-byte page");
  return Status::ok();
}

}  // namespace

Status StoreImpl::insertNode(const TreeInfo& tree, Bytes key, Bytes data, const OperationContext& context) {
  ESEKIT_RETURN_IF_ERROR(checkNodeSize(path(), pageSize_, key, data));
  std::vector<PathStep> steps;
  for (int attempt = 0; attempt <= kMaxSplitsPerOperation; ++attempt) {
    ESEKIT_RETURN_IF_ERROR(descend(tree.root, key, steps));
    PathStep& leaf = steps.back();
    NodePage p(leaf.page->bytes());
    if (leaf.iline < p.nodeCount() && p.compare(leaf.iline, key) == 0) {
      const NodePage::Line existing = p.line(leaf.iline);
      if (!existing.deleted())
        return Status(JetError::KeyDuplicate, path().string() + ": key already present in the tree at page " +
                                                  std::to_string(tree.root.rootPage));
      // Re-insert over the flag-deleted node (FlagInsert, log-records.md §3.3).
      const size_t growth = data.size() > existing.data.size() ? data.size() - existing.data.size() : 0;
      if (growth > p.freeBytes()) {
        ESEKIT_RETURN_IF_ERROR(makeRoom(tree, key, growth, false, context));
        continue;
      }
      const LogRecord record = makeFlagInsert(nodePrefix(tree, *leaf.page, leaf.iline, context), key, data);
      auto position = log(record);
      if (!position) return position.status();
      ESEKIT_RETURN_IF_ERROR(applyFlagInsert(p, *record.as<FlagInsertRecord>()));
      cache_->markDirty(*leaf.page, *position);
      return Status::ok();
    }
    const size_t cost = NodePage::nodeCost(0, key.size(), data.size());
    if (cost > p.freeBytes()) {
      ESEKIT_RETURN_IF_ERROR(makeRoom(tree, key, cost, true, context));
      continue;
    }
    const LogRecord record = makeInsert(nodePrefix(tree, *leaf.page, leaf.iline, context), {}, key, data);
    auto position = log(record);
    if (!position) return position.status();
    ESEKIT_RETURN_IF_ERROR(applyInsert(p, *record.as<InsertRecord>()));
    cache_->markDirty(*leaf.page, *position);
    return Status::ok();
  }
  return Status(JetError::DatabaseCorrupted, path().string() + ": no room for a node after " +
                                                 std::to_string(kMaxSplitsPerOperation) + " splits");
}

Status StoreImpl::logReplace(const TreeInfo& tree, PathStep& leaf, Bytes data, const OperationContext& context) {
  NodePage p(leaf.page->bytes());
  const Bytes before = p.line(leaf.iline).data;
  const NodeRecordPrefix prefix = nodePrefix(tree, *leaf.page, leaf.iline, context);
  auto diff = chooseReplaceDiff(before, data, pageSize_);
  if (!diff) return diff.status();
  const LogRecord record =
      *diff ? makeReplaceDiff(prefix, (*diff)->stream, (*diff)->diff2, static_cast<uint16_t>(before.size()),
                              static_cast<uint16_t>(data.size()))
            : makeReplace(prefix, data, static_cast<uint16_t>(before.size()));
  auto position = log(record);
  if (!position) return position.status();
  ESEKIT_RETURN_IF_ERROR(applyReplace(p, *record.as<ReplaceRecord>()));
  cache_->markDirty(*leaf.page, *position);
  return Status::ok();
}

Status StoreImpl::replaceNode(const TreeInfo& tree, Bytes key, Bytes data, const OperationContext& context) {
  ESEKIT_RETURN_IF_ERROR(checkNodeSize(path(), pageSize_, key, data));
  std::vector<PathStep> steps;
  for (int attempt = 0; attempt <= kMaxSplitsPerOperation; ++attempt) {
    ESEKIT_RETURN_IF_ERROR(descend(tree.root, key, steps));
    PathStep& leaf = steps.back();
    NodePage p(leaf.page->bytes());
    if (leaf.iline >= p.nodeCount() || p.compare(leaf.iline, key) != 0 || p.line(leaf.iline).deleted())
      return Status(JetError::RecordNotFound, path().string() + ": no such key in the tree at page " +
                                                  std::to_string(tree.root.rootPage));
    const size_t old = p.line(leaf.iline).data.size();
    const size_t growth = data.size() > old ? data.size() - old : 0;
    if (growth > p.freeBytes()) {
      ESEKIT_RETURN_IF_ERROR(makeRoom(tree, key, growth, false, context));
      continue;
    }
    return logReplace(tree, leaf, data, context);
  }
  return Status(JetError::DatabaseCorrupted, path().string() + ": no room for a node after " +
                                                 std::to_string(kMaxSplitsPerOperation) + " splits");
}

Status StoreImpl::eraseNode(const TreeInfo& tree, Bytes key, const OperationContext& context) {
  std::vector<PathStep> steps;
  ESEKIT_RETURN_IF_ERROR(descend(tree.root, key, steps));
  PathStep& leaf = steps.back();
  NodePage p(leaf.page->bytes());
  if (leaf.iline >= p.nodeCount() || p.compare(leaf.iline, key) != 0 || p.line(leaf.iline).deleted())
    return Status(JetError::RecordNotFound, path().string() + ": no such key in the tree at page " +
                                                std::to_string(tree.root.rootPage));
  // Applied at commit: the node goes at once (no flag-delete / cleanup pair).
  // Deviation from ESE, whose Delete is never versioned: ours carries the
  // versioned flag of the user change so that recovery undoes it (re-inserts
  // the node from the before-image) when its transaction has no commit.
  const LogRecord record = makeDelete(nodePrefix(tree, *leaf.page, leaf.iline, context));
  auto position = log(record);
  if (!position) return position.status();
  ESEKIT_RETURN_IF_ERROR(applyDelete(p, *record.as<NodeOperationRecord>()));
  cache_->markDirty(*leaf.page, *position);
  if (p.nodeCount() == 0) return mergeEmptyLeaf(tree, steps, context);
  return Status::ok();
}

}  // namespace esekit::engine::store
