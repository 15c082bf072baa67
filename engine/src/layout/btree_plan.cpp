// see ese-format/page-format.md §3-§5, records-and-catalog.md §7.4
#include "layout/btree_plan.h"

#include <algorithm>
#include <string>

#include "esekit/engine/key_normalization.h"
#include "esekit/format/page.h"
#include "layout/page_builder.h"

namespace esekit::engine::layout {
namespace {

size_t commonPrefix(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, size_t limit) {
  size_t n = std::min({a.size(), b.size(), limit});
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

int64_t plainCost(const TreeNode& node) { return static_cast<int64_t>(nodeCost(node.key.size(), node.data.size(), 0)); }

int64_t plainTotal(const std::vector<TreeNode>& nodes) {
  int64_t total = 0;
  for (const TreeNode& n : nodes) total += plainCost(n);
  return total;
}

// Greedy packing of non-root pages: a page takes nodes while its bytes stay
// within the density limit (a first node only has to fit). With prefix
// compression a page shares the longest prefix of all its keys whenever that
// saves bytes: each node then stores a 2-byte cbPrefix and only its suffix.
Result<std::vector<PlannedPage>> pack(const std::vector<TreeNode>& nodes, const TreeShape& shape) {
  const int64_t capacity = static_cast<int64_t>(pageCapacity(shape.pageSize));
  const int64_t limit = capacity * shape.density / 100;
  std::vector<PlannedPage> pages;
  size_t i = 0;
  while (i < nodes.size()) {
    PlannedPage page{i, 0, 0, i};
    int64_t plain = 0;
    size_t lcp = nodes[i].key.size();
    for (size_t j = i; j < nodes.size(); ++j) {
      const size_t count = j - i + 1;
      const int64_t newPlain = plain + plainCost(nodes[j]);
      const size_t newLcp = j == i ? lcp : commonPrefix(nodes[i].key, nodes[j].key, lcp);
      int64_t best = newPlain;
      size_t prefix = 0;
      if (shape.prefixCompression && newLcp > 0) {
        const int64_t n = static_cast<int64_t>(count), p = static_cast<int64_t>(newLcp);
        const int64_t compressed = newPlain + 2 * n - n * p + p;
        if (compressed < best) {
          best = compressed;
          prefix = newLcp;
        }
      }
      if (best > capacity || (count > 1 && best > limit)) {
        if (count == 1)
          return Status(JetError::InvalidParameter, "node of " + std::to_string(nodes[j].key.size()) + "-byte key and " +
                                                        std::to_string(nodes[j].data.size()) + " data bytes does not fit a " +
                                                        std::to_string(shape.pageSize) + "-byte page");
        break;
      }
      plain = newPlain;
      lcp = newLcp;
      page.count = count;
      page.prefixSize = prefix;
    }
    pages.push_back(page);
    i += page.count;
  }
  return pages;
}

// One internal node per page of `child`: the separator between that page and
// the next (records-and-catalog.md §7.4); the rightmost gets the empty key (+inf).
std::vector<TreeNode> parentNodes(const PlannedLevel& child, bool childIsLeaf) {
  std::vector<TreeNode> parents;
  parents.reserve(child.pages.size());
  for (size_t k = 0; k < child.pages.size(); ++k) {
    TreeNode node;
    node.data.assign(4, 0);  // child pgno, filled in when rendering
    if (k + 1 < child.pages.size()) {
      const PlannedPage& page = child.pages[k];
      const TreeNode& last = child.nodes[page.first + page.count - 1];
      if (childIsLeaf) {
        const TreeNode& next = child.nodes[child.pages[k + 1].first];
        node.key = keys::separator(last.key, next.key);
      } else {
        node.key = last.key;  // already the separator after this subtree
      }
    }
    parents.push_back(std::move(node));
  }
  return parents;
}

}  // namespace

size_t TreePlan::pageCount() const {
  size_t count = 0;
  for (const PlannedLevel& level : levels) count += level.pages.size();
  return count;
}

size_t plannedPageBytes(const std::vector<TreeNode>& nodes, const PlannedPage& page) {
  const std::vector<uint8_t>& prefixKey = nodes[page.prefixNode].key;
  size_t bytes = page.prefixSize;
  for (size_t m = page.first; m < page.first + page.count; ++m)
    bytes += nodeCost(nodes[m].key.size(), nodes[m].data.size(), commonPrefix(nodes[m].key, prefixKey, page.prefixSize));
  return bytes;
}

namespace {

Status checkAscending(const std::vector<TreeNode>& nodes) {
  for (size_t i = 1; i < nodes.size(); ++i)
    if (keys::compare(nodes[i - 1].key, nodes[i].key) >= 0)
      return Status(JetError::InvalidParameter, "B-tree node " + std::to_string(i) + ": keys not strictly ascending");
  return Status::ok();
}

// Internal levels above a complete leaf level, until one root page holds a level.
Result<TreePlan> planAbove(PlannedLevel leafLevel, const TreeShape& shape) {
  const int64_t rootCapacity = static_cast<int64_t>(pageCapacity(shape.pageSize) - shape.rootHeaderSize);
  TreePlan plan;
  std::vector<TreeNode> nodes = parentNodes(leafLevel, true);
  plan.levels.push_back(std::move(leafLevel));
  for (;;) {
    if (plainTotal(nodes) <= rootCapacity) {
      PlannedLevel root;
      root.pages.push_back({0, nodes.size(), 0, 0});
      root.nodes = std::move(nodes);
      plan.levels.push_back(std::move(root));
      return plan;
    }
    auto pages = pack(nodes, shape);
    if (!pages) return pages.status();
    PlannedLevel level;
    level.nodes = std::move(nodes);
    level.pages = std::move(*pages);
    nodes = parentNodes(level, false);
    plan.levels.push_back(std::move(level));
  }
}

}  // namespace

Result<TreePlan> planTree(std::vector<TreeNode> leaves, const TreeShape& shape) {
  ESEKIT_RETURN_IF_ERROR(checkAscending(leaves));
  const int64_t rootCapacity = static_cast<int64_t>(pageCapacity(shape.pageSize) - shape.rootHeaderSize);
  if (plainTotal(leaves) <= rootCapacity) {
    TreePlan plan;
    PlannedLevel root;
    root.pages.push_back({0, leaves.size(), 0, 0});
    root.nodes = std::move(leaves);
    plan.levels.push_back(std::move(root));
    return plan;
  }
  auto pages = pack(leaves, shape);
  if (!pages) return pages.status();
  PlannedLevel level;
  level.nodes = std::move(leaves);
  level.pages = std::move(*pages);
  return planAbove(std::move(level), shape);
}

Result<TreePlan> planTree(std::vector<TreeNode> leaves, std::vector<PlannedPage> leafPages, const TreeShape& shape) {
  ESEKIT_RETURN_IF_ERROR(checkAscending(leaves));
  size_t next = 0;
  for (const PlannedPage& page : leafPages) {
    if (page.first != next || page.count == 0 || page.first + page.count > leaves.size() || page.prefixNode < page.first ||
        page.prefixNode >= page.first + page.count || page.prefixSize > leaves[page.prefixNode].key.size())
      return Status(JetError::InvalidParameter, "leaf page at node " + std::to_string(page.first) + " is not a valid range");
    if (plannedPageBytes(leaves, page) > pageCapacity(shape.pageSize))
      return Status(JetError::InvalidParameter, "leaf page at node " + std::to_string(page.first) + " overflows a " +
                                                    std::to_string(shape.pageSize) + "-byte page");
    next += page.count;
  }
  if (next != leaves.size() || leafPages.empty())
    return Status(JetError::InvalidParameter, "leaf pages cover " + std::to_string(next) + " of " +
                                                  std::to_string(leaves.size()) + " nodes");
  PlannedLevel level;
  level.nodes = std::move(leaves);
  level.pages = std::move(leafPages);
  return planAbove(std::move(level), shape);
}

Status renderTree(TreePlan& plan, uint32_t rootPgno, std::span<const uint32_t> pages, Bytes rootHeader,
                  const TreeIdentity& identity, ImageBuffer& image) {
  if (pages.size() + 1 != plan.pageCount())
    return Status(JetError::InvalidParameter, "tree of object " + std::to_string(identity.objectId) + " has " +
                                                  std::to_string(plan.pageCount()) + " pages but " +
                                                  std::to_string(pages.size() + 1) + " page numbers");
  // Page numbers per level: leaves first, the root last.
  std::vector<std::vector<uint32_t>> numbers(plan.levels.size());
  size_t next = 0;
  for (size_t l = 0; l < plan.levels.size(); ++l) {
    for (size_t k = 0; k < plan.levels[l].pages.size(); ++k)
      numbers[l].push_back(l + 1 == plan.levels.size() ? rootPgno : pages[next++]);
  }
  for (size_t l = 0; l < plan.levels.size(); ++l) {
    PlannedLevel& level = plan.levels[l];
    const bool rootLevel = l + 1 == plan.levels.size();
    if (l > 0)
      for (size_t m = 0; m < level.nodes.size(); ++m) storeLittleEndian<uint32_t>(level.nodes[m].data.data(), numbers[l - 1][m]);
    for (size_t k = 0; k < level.pages.size(); ++k) {
      const PlannedPage& planned = level.pages[k];
      const uint32_t pgno = numbers[l][k];
      MutableBytes target = image.page(pgno);
      if (target.empty()) return Status(JetError::InvalidParameter, "page " + std::to_string(pgno) + " is outside the image");
      page::NewPage init;
      init.pgno = pgno;
      init.objectId = identity.objectId;
      init.dbtime = image.nextDbtime();
      init.flags = identity.treeFlags | (rootLevel ? page::flag::Root : 0) |
                   (l == 0 ? page::flag::Leaf : (l == 1 ? page::flag::ParentOfLeaf : 0));
      if (l == 0 && !rootLevel) {
        init.previous = k > 0 ? numbers[l][k - 1] : 0;
        init.next = k + 1 < numbers[l].size() ? numbers[l][k + 1] : 0;
      }
      PageBuilder builder(target, init);
      if (rootLevel) {
        builder.setExternalHeader(rootHeader);
      } else {
        builder.setExternalHeader(Bytes(level.nodes[planned.prefixNode].key.data(), planned.prefixSize));
      }
      for (size_t m = planned.first; m < planned.first + planned.count; ++m) {
        // Root pages cannot share a prefix: their external header is the SPACE_HEADER.
        const size_t shared =
            rootLevel ? 0 : commonPrefix(level.nodes[m].key, level.nodes[planned.prefixNode].key, planned.prefixSize);
        if (!builder.appendNode(level.nodes[m].key, level.nodes[m].data, shared))
          return Status(JetError::InvalidParameter, "page " + std::to_string(pgno) + " of object " +
                                                        std::to_string(identity.objectId) + " overflows at node " +
                                                        std::to_string(m - planned.first));
      }
      builder.seal();
    }
  }
  return Status::ok();
}

}  // namespace esekit::engine::layout
