// Page splits, logged as Split2 (log-records.md §3.5) and applied with the
// functions redo uses (page_operations.h).
//
// One makeRoom() call performs one split: the lowest page on the path that can
// be split with room for its separator in its parent; a full root is split
// vertically (all its nodes move to a new child). The caller then descends
// again and retries, so a deep tree or a huge node simply takes a few rounds.
//
// Shapes (as ESE): a right split moves the nodes from ilineSplit on to a new
// page that follows the split page in the leaf chain; an append split (insert
// past the last key of the rightmost leaf) moves nothing, so the new page
// receives only the new node and sequential inserts fill pages; the parent
// gets (separator, split page) before the node that now points to the new page.
// Separators: the shortest key greater than the left page's last key and not
// greater than the right page's first (leaves), the left page's last
// separator (internal pages). Internal pages are not sibling-linked.
#include <algorithm>
#include <string>

#include "esekit/format/log_record_encode.h"
#include "store/page_operations.h"
#include "store/store_impl.h"

namespace esekit::engine::store {
namespace {

constexpr uint32_t kKeptPageFlags = page::flag::Leaf | page::flag::ParentOfLeaf | page::flag::SpaceTree |
                                    page::flag::Index | page::flag::LongValue | page::flag::NonUniqueKeys |
                                    page::flag::NewRecordFormat | page::flag::NewChecksumFormat;

struct Choice {
  uint16_t ilineSplit = 0;
  std::vector<uint8_t> separator;
};

// The work that needs room on a page: an insert before node `position` of
// `cost` bytes (key `key`), or node `position` growing by `cost` bytes.
struct Pending {
  uint16_t position = 0;
  size_t cost = 0;
  bool inserting = true;
  std::vector<uint8_t> key;
};

size_t uncompressedCost(const NodePage& p, uint16_t node) {
  const NodePage::Line l = p.line(node);
  return NodePage::nodeCost(0, l.keySize(), l.data.size());
}

std::vector<uint8_t> shortestSeparator(Bytes left, Bytes right) {
  size_t common = 0;
  while (common < left.size() && common < right.size() && left[common] == right[common]) ++common;
  const size_t size = std::min(right.size(), common + 1);
  return std::vector<uint8_t>(right.begin(), right.begin() + static_cast<ptrdiff_t>(size));
}

// Leaves: a cut in the sequence of nodes as it will be after the pending
// work (the new node included), balancing bytes with both halves fitting.
Result<Choice> chooseLeafSplit(const NodePage& p, const Pending& pending, size_t newCapacity) {
  const uint16_t count = p.nodeCount();
  const size_t length = pending.inserting ? size_t{count} + 1 : count;
  std::vector<size_t> leftCost(length), rightCost(length);
  std::vector<int> node(length);  // element -> existing node, -1 for the new node
  for (size_t e = 0; e < length; ++e) {
    if (pending.inserting && e == pending.position) {
      node[e] = -1;
      leftCost[e] = rightCost[e] = pending.cost;
      continue;
    }
    const uint16_t i = static_cast<uint16_t>(pending.inserting && e > pending.position ? e - 1 : e);
    node[e] = i;
    leftCost[e] = p.line(i).lineSize + page::kTagSize;
    rightCost[e] = uncompressedCost(p, i);
    if (!pending.inserting && i == pending.position) {
      leftCost[e] += pending.cost;
      rightCost[e] += pending.cost;
    }
  }
  if (length < 2) return Status(JetError::DatabaseCorrupted, "split of a page with a single node");
  const size_t leftCapacity = p.capacity();
  auto keyOf = [&](size_t e) {
    return node[e] < 0 ? pending.key : p.key(static_cast<uint16_t>(node[e]));
  };
  auto ilineOf = [&](size_t cut) {
    return static_cast<uint16_t>(pending.inserting && pending.position < cut ? cut - 1 : cut);
  };
  size_t cut = 0;
  if (pending.inserting && pending.position == count && p.next() == 0) {
    cut = count;  // append: the new page receives only the new node
  } else {
    std::vector<size_t> suffix(length + 1, 0);
    for (size_t e = length; e > 0; --e) suffix[e - 1] = suffix[e] + rightCost[e - 1];
    size_t left = 0, best = SIZE_MAX;
    for (size_t c = 1; c < length; ++c) {
      left += leftCost[c - 1];
      const size_t right = suffix[c];
      if (left > leftCapacity || right > newCapacity) continue;
      const size_t imbalance = left > right ? left - right : right - left;
      if (imbalance < best) {
        best = imbalance;
        cut = c;
      }
    }
    if (cut == 0) {
      // No cut gives the pending work room at once (very large nodes): cut
      // just before it, so a later round can set it apart.
      const size_t target = pending.inserting ? pending.position : pending.position;
      cut = std::clamp<size_t>(target, 1, length - 1);
      // The moved nodes must fit the new page.
      while (cut < length - 1) {
        size_t moved = 0;
        for (size_t e = cut; e < length; ++e)
          if (node[e] >= 0) moved += rightCost[e] - (!pending.inserting && node[e] == pending.position ? pending.cost : 0);
        if (moved <= newCapacity) break;
        ++cut;
      }
    }
  }
  Choice choice;
  choice.ilineSplit = ilineOf(cut);
  const std::vector<uint8_t> leftLast = keyOf(cut - 1);
  const std::vector<uint8_t> rightFirst = keyOf(cut);
  choice.separator = shortestSeparator(leftLast, rightFirst);
  return choice;
}

// Internal pages: nodes [ilineSplit, count) move; the separator for the
// parent is the last remaining node's key (never the empty last key).
Result<Choice> chooseInternalSplit(const NodePage& p, const Pending& pending, size_t newCapacity) {
  const uint16_t count = p.nodeCount();
  if (count < 2) return Status(JetError::DatabaseCorrupted, "split of an internal page with a single node");
  std::vector<size_t> suffix(size_t{count} + 1, 0);
  for (uint16_t i = count; i > 0; --i) suffix[i - 1] = suffix[i] + uncompressedCost(p, static_cast<uint16_t>(i - 1));
  size_t left = 0, best = SIZE_MAX;
  uint16_t chosen = 0;
  for (uint16_t s = 1; s < count; ++s) {
    left += p.line(static_cast<uint16_t>(s - 1)).lineSize + page::kTagSize;
    const size_t l = left + (pending.position < s ? pending.cost : 0);
    const size_t r = suffix[s] + (pending.position >= s ? pending.cost : 0);
    if (l > p.capacity() || r > newCapacity) continue;
    const size_t imbalance = l > r ? l - r : r - l;
    if (imbalance < best) {
      best = imbalance;
      chosen = s;
    }
  }
  if (chosen == 0) return Status(JetError::DatabaseCorrupted, "no split point for an internal page");
  Choice choice;
  choice.ilineSplit = chosen;
  choice.separator = p.key(static_cast<uint16_t>(chosen - 1));
  return choice;
}

// Whether the Split2 record must carry the split page's before-image: only
// when existing nodes move to the new page, so that redo can rebuild the new
// page even when the split page on disk is already past the split. An append
// split (nothing moves; the new node is logged by its own Insert) needs none.
// This is ESE's rule (btsplit: FBTISplitPageBeforeImageRequired, false for
// append splits and for right splits that move only the inserted node; see
// ese-format/log-records.md §3.5). It removes the 8 KiB image from every
// split of a sequential load.
bool splitNeedsBeforeImage(const SplitRecord& split) {
  return split.splitType == 0 || split.ilineSplit < split.lineCount;
}

}  // namespace

Status StoreImpl::makeRoom(const TreeInfo& tree, Bytes key, size_t need, bool inserting,
                           const OperationContext& context) {
  if (tree.fdpPage == 0)
    return Status(JetError::FeatureNotAvailable, path().string() + ": space tree at page " +
                                                     std::to_string(tree.root.rootPage) +
                                                     " needs a split but its owner FDP is unknown");
  OperationContext system = context;
  system.versioned = false;
  // The page first: allocation may itself change pages (space trees).
  auto pgnoNew = allocatePage(tree, system);
  if (!pgnoNew) return pgnoNew.status();
  // Its old image (a freed page keeps it, space-trees.md §6.3) has a dbtime
  // the split's must pass, or redo would skip the new page.
  auto previousImage = cache_->get(*pgnoNew, ReadMode::NewPage);
  if (!previousImage) return previousImage.status();
  const int64_t newPageDbtime = NodePage(Bytes((*previousImage)->bytes())).dbtime();
  previousImage->reset();
  std::vector<PathStep> steps;
  ESEKIT_RETURN_IF_ERROR(descend(tree.root, key, steps));

  const size_t newCapacity = pageSize_ - page::headerSize(pageSize_) - page::kTagSize;
  Pending pending{steps.back().iline, need, inserting, std::vector<uint8_t>(key.begin(), key.end())};
  size_t level = steps.size() - 1;
  for (;;) {
    CachedPage& splitPage = *steps[level].page;
    NodePage p(splitPage.bytes());
    SplitRecord split;
    split.page = pagePrefix(tree, splitPage, 0, system);
    split.pgnoNew = *pgnoNew;
    split.pgnoFDP = tree.spaceTree() ? tree.fdpPage : tree.root.rootPage;
    split.objidFDP = tree.root.objectId;
    split.splitOperation = pending.inserting ? 1 : 2;
    split.ilineOperation = pending.position;
    split.lineCount = p.nodeCount();
    split.ilinePrefixSplit = -1;
    split.ilinePrefixNew = -1;
    // The live split builds the new page from this copy; the record carries
    // it only when nodes move (see splitNeedsBeforeImage).
    scratch_.assign(splitPage.bytes().begin(), splitPage.bytes().end());

    if (level == 0) {
      // Vertical split of the root (splittype 0).
      split.splitType = 0;
      split.ilineSplit = 0;
      split.newPageFlags = p.flags() & kKeptPageFlags;
      split.splitPageFlags = (p.flags() & ~(page::flag::Leaf | page::flag::ParentOfLeaf)) |
                             (p.leaf() ? page::flag::ParentOfLeaf : 0);
      split.page.dbtime = nextDbtime(std::max(split.page.dbtimeBefore, newPageDbtime));
      split.pageBeforeImage = scratch_;  // every node moves
      const LogRecord record = makeSplit2(split);
      auto position = log(record);
      if (!position) return position.status();
      const SplitRecord& logged = *record.as<SplitRecord>();
      PageHandle fresh = cache_->fresh(*pgnoNew);
      ESEKIT_RETURN_IF_ERROR(applySplitToNewPage(fresh->bytes(), logged, scratch_));
      ESEKIT_RETURN_IF_ERROR(applySplitToSplitPage(p, logged));
      cache_->markDirty(*fresh, *position);
      cache_->markDirty(splitPage, *position);
      return Status::ok();
    }

    auto choice = p.leaf() ? chooseLeafSplit(p, pending, newCapacity) : chooseInternalSplit(p, pending, newCapacity);
    if (!choice) return choice.status().withContext(path().string() + ": page " + std::to_string(splitPage.pgno));
    CachedPage& parent = *steps[level - 1].page;
    NodePage parentPage(parent.bytes());
    const size_t separatorCost = NodePage::nodeCost(0, choice->separator.size(), 4);
    if (separatorCost > parentPage.freeBytes()) {
      // The parent splits first; this page's split comes in a later round.
      pending = Pending{steps[level - 1].iline, separatorCost, true, choice->separator};
      --level;
      continue;
    }
    split.splitType = choice->ilineSplit == p.nodeCount() ? 2 : 1;
    split.ilineSplit = choice->ilineSplit;
    split.newPageFlags = p.flags() & kKeptPageFlags;
    split.splitPageFlags = p.flags();
    split.parentKey = choice->separator;
    split.pgnoParent = parent.pgno;
    split.dbtimeParentBefore = parentPage.dbtime();
    PageHandle right;
    if (p.leaf() && p.next() != 0) {
      auto loaded = page(p.next(), tree.root.objectId);
      if (!loaded) return loaded.status();
      right = std::move(*loaded);
      split.pgnoRight = right->pgno;
      split.dbtimeRightBefore = NodePage(right->bytes()).dbtime();
    }
    split.page.dbtime = nextDbtime(std::max({split.page.dbtimeBefore, split.dbtimeParentBefore, split.dbtimeRightBefore,
                                             newPageDbtime}));
    if (splitNeedsBeforeImage(split)) split.pageBeforeImage = scratch_;
    const LogRecord record = makeSplit2(split);
    auto position = log(record);
    if (!position) return position.status();
    const SplitRecord& logged = *record.as<SplitRecord>();
    PageHandle fresh = cache_->fresh(*pgnoNew);
    ESEKIT_RETURN_IF_ERROR(applySplitToNewPage(fresh->bytes(), logged, scratch_));
    ESEKIT_RETURN_IF_ERROR(applySplitToSplitPage(p, logged));
    ESEKIT_RETURN_IF_ERROR(applySplitToParentPage(parentPage, logged));
    cache_->markDirty(*fresh, *position);
    cache_->markDirty(splitPage, *position);
    cache_->markDirty(parent, *position);
    if (right) {
      NodePage rightPage(right->bytes());
      ESEKIT_RETURN_IF_ERROR(applySplitToRightPage(rightPage, logged));
      cache_->markDirty(*right, *position);
    }
    return Status::ok();
  }
}

}  // namespace esekit::engine::store
