// Bottom-up B+tree construction from nodes already in key order: packs leaf
// pages to a density, builds internal levels of separator keys until one
// page (the root) holds a level, then renders the pages once their page
// numbers are known. Shapes depend only on node sizes and keys, so a tree can
// be planned before space is allocated and rendered afterwards.
// See ese-format/page-format.md §4-§5 and records-and-catalog.md §7.4.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/status.h"
#include "layout/image_buffer.h"

namespace esekit::engine::layout {

struct TreeNode {
  std::vector<uint8_t> key;
  std::vector<uint8_t> data;
};

struct TreeShape {
  size_t pageSize = 0;
  uint8_t density = 100;         // fill limit (percent) of non-root pages
  bool prefixCompression = true; // non-root pages share a key prefix (roots cannot, page-format.md §5)
  size_t rootHeaderSize = 16;    // the root's external header (SPACE_HEADER)
};

struct PlannedPage {
  size_t first = 0;       // index of the page's first node in its level
  size_t count = 0;
  // Key prefix in the external header: the first prefixSize bytes of the key
  // of node prefixNode (a node of this page). Each node stores only what
  // follows its common prefix with it (page-format.md §5).
  size_t prefixSize = 0;
  size_t prefixNode = 0;
};

struct PlannedLevel {
  std::vector<TreeNode> nodes;  // internal levels: separator -> 4-byte child pgno
  std::vector<PlannedPage> pages;
};

struct TreePlan {
  std::vector<PlannedLevel> levels;  // [0] leaves ... back() the root level (one page)
  size_t pageCount() const;
  size_t depth() const { return levels.size(); }
};

// Plans a tree over `leaves` (strictly ascending keys, checked). An empty
// tree is one empty root leaf. InvalidParameter when a node cannot fit a page.
Result<TreePlan> planTree(std::vector<TreeNode> leaves, const TreeShape& shape);
// Same, with the leaf pages chosen by the caller (checked to cover the nodes
// in order and to fit); they are never merged into the root, so the root is
// always internal.
Result<TreePlan> planTree(std::vector<TreeNode> leaves, std::vector<PlannedPage> leafPages, const TreeShape& shape);

// Bytes the nodes [first, first + count) take on a non-root page with the given prefix.
size_t plannedPageBytes(const std::vector<TreeNode>& nodes, const PlannedPage& page);

struct TreeIdentity {
  uint32_t objectId = 0;
  uint32_t treeFlags = 0;  // Index / LongValue / SpaceTree page flags
};

// Writes every page of `plan`: the root at `rootPgno` with `rootHeader` as its
// external header, the other pageCount() - 1 pages at `pages` (leaves left to
// right, then each internal level upwards). Leaves are chained through their
// sibling pointers; internal pages are not (as ESE leaves them).
Status renderTree(TreePlan& plan, uint32_t rootPgno, std::span<const uint32_t> pages, Bytes rootHeader,
                  const TreeIdentity& identity, ImageBuffer& image);

}  // namespace esekit::engine::layout
