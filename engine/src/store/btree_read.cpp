// B+tree reads: descent by key through internal pages (separator -> child,
// records-and-catalog.md §7.4; empty last key = +infinity), binary search in
// pages, leaf sibling chains for scans (page-format.md §2.1).
#include <string>

#include "store/store_impl.h"

namespace esekit::engine::store {
namespace {

constexpr int kMaxDepth = 32;

// Appends (keys past the last one, a sequential load) descend the right
// edge: one comparison per page with its last key settles it, instead of a
// binary search. Same results as NodePage::childIndex / lowerBound.
uint16_t childFor(const NodePage& p, Bytes key) {
  const uint16_t count = p.nodeCount();
  // The last node's empty key is +infinity (records-and-catalog.md §7.4).
  const int last = p.line(static_cast<uint16_t>(count - 1)).keySize() == 0 ? count - 2 : count - 1;
  if (last >= 0 && p.compare(static_cast<uint16_t>(last), key) <= 0) return static_cast<uint16_t>(count - 1);
  return p.childIndex(key);
}

uint16_t positionFor(const NodePage& p, Bytes key) {
  const uint16_t count = p.nodeCount();
  if (count > 0 && p.compare(static_cast<uint16_t>(count - 1), key) < 0) return count;
  return p.lowerBound(key);
}

}  // namespace

Result<PageHandle> StoreImpl::page(uint32_t pgno, uint32_t objectId) {
  auto handle = cache_->get(pgno);
  if (!handle) return handle;
  if (objectId != 0) {
    const uint32_t owner = NodePage(Bytes((*handle)->bytes())).objectId();
    if (owner != objectId)
      return Status(JetError::DatabaseCorrupted, path().string() + ": page " + std::to_string(pgno) +
                                                     " belongs to object " + std::to_string(owner) + ", expected " +
                                                     std::to_string(objectId));
  }
  return handle;
}

Status StoreImpl::descend(const TreeRoot& tree, Bytes key, std::vector<PathStep>& path) {
  path.clear();
  path.reserve(8);  // one allocation for any realistic depth, not one per level
  uint32_t pgno = tree.rootPage;
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    auto handle = page(pgno, tree.objectId);
    if (!handle) return handle.status();
    const NodePage p(Bytes((*handle)->bytes()));
    if (p.leaf()) {
      path.push_back(PathStep{std::move(*handle), positionFor(p, key)});
      return Status::ok();
    }
    if (p.nodeCount() == 0)
      return Status(JetError::DatabaseCorrupted,
                    this->path().string() + ": internal page " + std::to_string(pgno) + " has no nodes");
    const uint16_t child = childFor(p, key);
    const uint32_t next = p.childPage(child);
    if (next == 0)
      return Status(JetError::DatabaseCorrupted, this->path().string() + ": internal page " + std::to_string(pgno) +
                                                     " node " + std::to_string(child) + " has no child page number");
    path.push_back(PathStep{std::move(*handle), child});
    pgno = next;
  }
  return Status(JetError::DatabaseCorrupted, this->path().string() + ": B+tree rooted at page " +
                                                 std::to_string(tree.rootPage) + " is deeper than 32 levels");
}

Result<std::optional<TreeEntry>> StoreImpl::scanForward(const TreeRoot& tree, PageHandle leaf, uint32_t position) {
  for (uint64_t pages = 0; pages <= uint64_t{ownedLast_} + 1; ++pages) {
    const NodePage p(Bytes(leaf->bytes()));
    for (uint32_t i = position; i < p.nodeCount(); ++i) {
      const NodePage::Line l = p.line(static_cast<uint16_t>(i));
      if (l.deleted()) continue;
      TreeEntry entry;
      p.appendKey(static_cast<uint16_t>(i), entry.key);
      entry.data.assign(l.data.begin(), l.data.end());
      return std::optional<TreeEntry>(std::move(entry));
    }
    const uint32_t next = p.next();
    if (next == 0) return std::optional<TreeEntry>();
    auto handle = page(next, tree.objectId);
    if (!handle) return handle.status();
    leaf = std::move(*handle);
    position = 0;
  }
  return Status(JetError::DatabaseCorrupted, path().string() + ": leaf chain of the tree at page " +
                                                 std::to_string(tree.rootPage) + " loops");
}

Result<std::optional<TreeEntry>> StoreImpl::scanBackward(const TreeRoot& tree, PageHandle leaf, int64_t position) {
  for (uint64_t pages = 0; pages <= uint64_t{ownedLast_} + 1; ++pages) {
    const NodePage p(Bytes(leaf->bytes()));
    if (position >= p.nodeCount()) position = int64_t{p.nodeCount()} - 1;
    for (int64_t i = position; i >= 0; --i) {
      const NodePage::Line l = p.line(static_cast<uint16_t>(i));
      if (l.deleted()) continue;
      TreeEntry entry;
      p.appendKey(static_cast<uint16_t>(i), entry.key);
      entry.data.assign(l.data.begin(), l.data.end());
      return std::optional<TreeEntry>(std::move(entry));
    }
    const uint32_t previous = p.previous();
    if (previous == 0) return std::optional<TreeEntry>();
    auto handle = page(previous, tree.objectId);
    if (!handle) return handle.status();
    leaf = std::move(*handle);
    position = INT64_MAX;
  }
  return Status(JetError::DatabaseCorrupted, path().string() + ": leaf chain of the tree at page " +
                                                 std::to_string(tree.rootPage) + " loops");
}

Result<PageHandle> StoreImpl::edgeLeaf(const TreeRoot& tree, bool leftmost) {
  uint32_t pgno = tree.rootPage;
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    auto handle = page(pgno, tree.objectId);
    if (!handle) return handle;
    const NodePage p(Bytes((*handle)->bytes()));
    if (p.leaf()) return handle;
    if (p.nodeCount() == 0)
      return Status(JetError::DatabaseCorrupted, path().string() + ": internal page " + std::to_string(pgno) + " has no nodes");
    pgno = p.childPage(leftmost ? 0 : static_cast<uint16_t>(p.nodeCount() - 1));
  }
  return Status(JetError::DatabaseCorrupted, path().string() + ": B+tree rooted at page " +
                                                 std::to_string(tree.rootPage) + " is deeper than 32 levels");
}

Result<std::optional<std::vector<uint8_t>>> StoreImpl::find(const TreeRoot& tree, Bytes key) {
  std::vector<PathStep> path;
  ESEKIT_RETURN_IF_ERROR(descend(tree, key, path));
  const PathStep& leaf = path.back();
  const NodePage p(Bytes(leaf.page->bytes()));
  if (leaf.iline < p.nodeCount() && p.compare(leaf.iline, key) == 0) {
    const NodePage::Line l = p.line(leaf.iline);
    if (!l.deleted()) return std::optional<std::vector<uint8_t>>(std::vector<uint8_t>(l.data.begin(), l.data.end()));
  }
  return std::optional<std::vector<uint8_t>>();
}

Result<std::optional<TreeEntry>> StoreImpl::seek(const TreeRoot& tree, Bytes key, SeekMode mode) {
  std::vector<PathStep> path;
  ESEKIT_RETURN_IF_ERROR(descend(tree, key, path));
  PageHandle leaf = path.back().page;
  const NodePage p(Bytes(leaf->bytes()));
  switch (mode) {
    case SeekMode::Equal: {
      const uint16_t at = path.back().iline;
      if (at < p.nodeCount() && p.compare(at, key) == 0 && !p.line(at).deleted()) {
        TreeEntry entry;
        p.appendKey(at, entry.key);
        const Bytes data = p.line(at).data;
        entry.data.assign(data.begin(), data.end());
        return std::optional<TreeEntry>(std::move(entry));
      }
      return std::optional<TreeEntry>();
    }
    case SeekMode::GreaterOrEqual: return scanForward(tree, leaf, p.lowerBound(key));
    case SeekMode::Greater: return scanForward(tree, leaf, p.upperBound(key));
    case SeekMode::LessOrEqual: return scanBackward(tree, leaf, int64_t{p.upperBound(key)} - 1);
    case SeekMode::Less: return scanBackward(tree, leaf, int64_t{p.lowerBound(key)} - 1);
  }
  return Status(JetError::InvalidParameter, "unknown seek mode");
}

Result<std::optional<TreeEntry>> StoreImpl::first(const TreeRoot& tree) {
  auto leaf = edgeLeaf(tree, true);
  if (!leaf) return leaf.status();
  return scanForward(tree, std::move(*leaf), 0);
}

Result<std::optional<TreeEntry>> StoreImpl::last(const TreeRoot& tree) {
  auto leaf = edgeLeaf(tree, false);
  if (!leaf) return leaf.status();
  return scanBackward(tree, std::move(*leaf), INT64_MAX);
}

}  // namespace esekit::engine::store
