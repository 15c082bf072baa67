// One B-tree walk with every structural check that needs only the tree:
// page ownership (objid), flags against the page's role, uniform depth, keys
// strictly ascending inside and across pages and inside their separator
// bounds, child page numbers, each page reached once, sibling chains.
// See ese-format/page-format.md §3-§5 and records-and-catalog.md §7.4.
#include <string>
#include <vector>

#include "esekit/format/checksum.h"
#include "integrity/integrity_internal.h"

namespace esekit::integrity::detail {
namespace {

constexpr uint32_t kMaxDepth = 32;
constexpr uint32_t kTypeFlags = page::flag::SpaceTree | page::flag::Index | page::flag::LongValue | page::flag::NonUniqueKeys;

std::string num(uint64_t value) { return std::to_string(value); }

struct LevelPage {
  uint32_t pgno;
  uint32_t previous;
  uint32_t next;
};

// Tri-state expectation a parent passes down.
enum class Expect : uint8_t { Unknown, Leaf, Internal };

std::string hexKey(Bytes key) { return key.empty() ? "(empty)" : page::hexBytes(key, 24); }

class TreeWalk {
 public:
  TreeWalk(Checker& checker, const TreeSpec& spec, size_t treeIndex, TreeSummary& summary, const LeafVisitor& visit)
      : c_(checker), spec_(spec), treeIndex_(treeIndex), summary_(summary), visit_(visit) {}

  void run() {
    visitPage(spec_.rootPage, 0, nullptr, nullptr, Expect::Unknown, 0);
    checkSiblingChains();
    summary_.depth = static_cast<uint32_t>(levels_.size());
  }

 private:
  void error(JetError code, uint32_t pgno, int node, std::string message) {
    ++summary_.errors;
    c_.error(code, pgno, node, spec_.name, std::move(message));
  }

  // The key leaf entries are ordered and bounded by: the node key, followed
  // by the data in non-unique trees (separators may extend into the
  // bookmark, records-and-catalog.md §7.4).
  std::vector<uint8_t> boundKey(const page::Node& node) const {
    std::vector<uint8_t> key = node.key();
    if (spec_.nonUnique) key.insert(key.end(), node.data.begin(), node.data.end());
    return key;
  }

  void checkFlags(const page::PageView& view, uint32_t pgno, uint32_t depth, Expect expect) {
    const page::PageHeader& h = view.header;
    const bool root = depth == 0;
    if (h.has(page::flag::Root) != root)
      error(JetError::DatabaseCorrupted, pgno, -1,
            root ? "root page lacks the Root flag (flags " + hex32(h.flags) + ")"
                 : "non-root page at depth " + num(depth) + " has the Root flag (flags " + hex32(h.flags) + ")");
    const uint32_t expected = spec_.typeFlags | (spec_.role == TreeRole::SpaceTree ? page::flag::SpaceTree : 0);
    if ((h.flags & kTypeFlags) != expected)
      error(JetError::DatabaseCorrupted, pgno, -1,
            "page flags " + page::describeFlags(h.flags & kTypeFlags) + " do not match the tree's role (expected " +
                page::describeFlags(expected) + ")");
    if (h.has(page::flag::Empty) || h.has(page::flag::PreInit))
      error(JetError::DatabaseCorrupted, pgno, -1,
            "page in use by the tree is marked " + page::describeFlags(h.flags & (page::flag::Empty | page::flag::PreInit)));
    const bool leaf = h.has(page::flag::Leaf);
    if (expect == Expect::Leaf && !leaf)
      error(JetError::DatabaseCorrupted, pgno, -1, "parent is ParentOfLeaf but this page is not a leaf");
    if (expect == Expect::Internal && leaf)
      error(JetError::DatabaseCorrupted, pgno, -1, "parent is not ParentOfLeaf but this page is a leaf");
  }

  void checkLeaf(const page::PageView& view, uint32_t pgno, uint32_t depth, const std::vector<uint8_t>* low,
                 const std::vector<uint8_t>* high) {
    if (leafDepth_ < 0) {
      leafDepth_ = static_cast<int>(depth);
    } else if (static_cast<int>(depth) != leafDepth_) {
      error(JetError::DatabaseCorrupted, pgno, -1,
            "leaf at depth " + num(depth) + ", other leaves are at depth " + num(static_cast<uint32_t>(leafDepth_)));
    }
    for (size_t i = 0; i < view.nodes.size(); ++i) {
      const page::Node& node = view.nodes[i];
      std::vector<uint8_t> key = node.key();
      // Across the whole leaf level, keys strictly ascend (unique trees) or
      // (key, data) pairs do (non-unique trees).
      if (haveLast_) {
        int order = compareBytes(lastKey_, key);
        if (order == 0 && spec_.nonUnique) order = compareBytes(lastData_, node.data);
        if (order > 0) {
          error(JetError::DatabaseCorrupted, pgno, static_cast<int>(i),
                "key " + hexKey(key) + " sorts before the previous key " + hexKey(lastKey_) +
                    (i == 0 ? " (on page " + num(lastPage_) + ")" : ""));
        } else if (order == 0) {
          error(spec_.nonUnique ? JetError::DatabaseCorrupted : JetError::KeyDuplicate, pgno, static_cast<int>(i),
                "duplicate key " + hexKey(key) + (i == 0 ? " (previous on page " + num(lastPage_) + ")" : ""));
        }
      }
      const std::vector<uint8_t> bound = boundKey(node);
      if (low != nullptr && compareBytes(bound, *low) < 0)
        error(JetError::DatabaseCorrupted, pgno, static_cast<int>(i),
              "key " + hexKey(bound) + " sorts before the parent's lower separator " + hexKey(*low));
      if (high != nullptr && compareBytes(bound, *high) >= 0)
        error(JetError::DatabaseCorrupted, pgno, static_cast<int>(i),
              "key " + hexKey(bound) + " does not sort before the parent's separator " + hexKey(*high));
      lastKey_ = std::move(key);
      lastData_.assign(node.data.begin(), node.data.end());
      lastPage_ = pgno;
      haveLast_ = true;
      if (!node.deleted()) ++summary_.entries;
      if (visit_) visit_(view, node, i, pgno);
      if (c_.stopped()) return;
    }
  }

  void visitPage(uint32_t pgno, uint32_t depth, const std::vector<uint8_t>* low, const std::vector<uint8_t>* high,
                 Expect expect, uint32_t parent) {
    if (c_.stopped()) return;
    const std::string from = parent == 0 ? "catalog" : "page " + num(parent);
    if (depth > kMaxDepth) {
      error(JetError::DatabaseCorrupted, pgno, -1, "tree deeper than " + num(kMaxDepth) + " levels");
      return;
    }
    if (pgno == 0 || pgno > c_.filePages) {
      error(JetError::BadParentPageLink, parent, -1,
            "page number " + num(pgno) + " (from " + from + ") is outside the file (" + num(c_.filePages) + " pages)");
      return;
    }
    if (c_.reachedBy[pgno] != 0) {
      const uint32_t other = c_.reachedBy[pgno] - 1;
      error(JetError::DatabaseCorrupted, pgno, -1,
            "page reached again from " + from + "; it was already reached " +
                (other == treeIndex_ ? std::string("in this tree") : "as part of " + c_.trees[other].name));
      return;
    }
    std::vector<uint8_t> scratch;
    auto loaded = c_.loadPage(pgno, spec_.name, scratch);
    if (!loaded) {
      ++summary_.errors;
      return;
    }
    const page::PageView& view = *loaded;
    if (view.header.objectId != spec_.objectId) {
      error(JetError::BadParentPageLink, pgno, -1,
            "page (reached from " + from + ") belongs to object " + num(view.header.objectId) + ", not to this tree's object " +
                num(spec_.objectId));
      return;
    }
    c_.reachedBy[pgno] = static_cast<uint32_t>(treeIndex_ + 1);
    ++summary_.pages;
    ++c_.report.pages;
    summary_.nodes += view.nodes.size();
    c_.report.nodes += view.nodes.size();
    if (levels_.size() <= depth) levels_.resize(depth + 1);
    levels_[depth].push_back({pgno, view.header.previousPage, view.header.nextPage});
    checkFlags(view, pgno, depth, expect);

    if (view.header.has(page::flag::Leaf)) {
      checkLeaf(view, pgno, depth, low, high);
      return;
    }
    if (view.nodes.empty()) {
      error(JetError::DatabaseCorrupted, pgno, -1, "internal page without nodes");
      return;
    }
    const Expect childExpect = view.header.has(page::flag::ParentOfLeaf) ? Expect::Leaf : Expect::Internal;
    // Separators: strictly ascending, within the parent's bounds; only the
    // last one of a right-edge page may be empty (+infinity).
    std::vector<std::vector<uint8_t>> separators(view.nodes.size());
    std::vector<uint32_t> children(view.nodes.size(), 0);
    for (size_t i = 0; i < view.nodes.size(); ++i) {
      const page::Node& node = view.nodes[i];
      separators[i] = node.key();
      const bool last = i + 1 == view.nodes.size();
      if (node.data.size() != 4) {
        error(JetError::DatabaseCorrupted, pgno, static_cast<int>(i),
              "internal node data is " + num(node.data.size()) + " bytes, expected a 4-byte child page number");
      } else {
        children[i] = loadLittleEndian<uint32_t>(node.data.data());
      }
      if (separators[i].empty()) {
        if (!last || high != nullptr)
          error(JetError::DatabaseCorrupted, pgno, static_cast<int>(i),
                last ? "empty (+infinity) separator on a page that is not on the right edge"
                     : "empty separator before the last node");
        continue;
      }
      if (last && high == nullptr) {
        // Right edge: ESE writes an empty last key here; a real one only narrows the range.
      }
      if (i > 0 && !separators[i - 1].empty() && compareBytes(separators[i - 1], separators[i]) >= 0)
        error(JetError::DatabaseCorrupted, pgno, static_cast<int>(i),
              "separator " + hexKey(separators[i]) + " does not sort after the previous one " + hexKey(separators[i - 1]));
      if (low != nullptr && compareBytes(separators[i], *low) < 0)
        error(JetError::DatabaseCorrupted, pgno, static_cast<int>(i),
              "separator " + hexKey(separators[i]) + " sorts before the parent's lower separator " + hexKey(*low));
      if (high != nullptr && compareBytes(separators[i], *high) > 0)
        error(JetError::DatabaseCorrupted, pgno, static_cast<int>(i),
              "separator " + hexKey(separators[i]) + " sorts after the parent's separator " + hexKey(*high));
    }
    for (size_t i = 0; i < view.nodes.size() && !c_.stopped(); ++i) {
      if (children[i] == 0 && view.nodes[i].data.size() != 4) continue;
      const std::vector<uint8_t>* childLow = i == 0 ? low : &separators[i - 1];
      const std::vector<uint8_t>* childHigh = separators[i].empty() ? high : &separators[i];
      visitPage(children[i], depth + 1, childLow, childHigh, childExpect, pgno);
    }
  }

  // Each level's pages, in key order, form one doubly linked chain.
  void checkSiblingChains() {
    for (size_t depth = 0; depth < levels_.size(); ++depth) {
      const std::vector<LevelPage>& level = levels_[depth];
      const bool leaves = leafDepth_ >= 0 && depth == static_cast<size_t>(leafDepth_);
      const std::string what = leaves ? "leaf" : "internal page";
      for (size_t i = 0; i < level.size(); ++i) {
        const uint32_t wantPrevious = i == 0 ? 0 : level[i - 1].pgno;
        const uint32_t wantNext = i + 1 == level.size() ? 0 : level[i + 1].pgno;
        // ESE links only leaves; internal pages carry 0 (go-ese SRUDB.dat),
        // so there only a non-zero wrong link is an error.
        if (!leaves && (level[i].previous == 0 || level[i].previous == wantPrevious) &&
            (level[i].next == 0 || level[i].next == wantNext))
          continue;
        if (level[i].previous != wantPrevious)
          error(JetError::BadPageLink, level[i].pgno, -1,
                what + " sibling link pgnoPrev is " + num(level[i].previous) + ", expected " + num(wantPrevious) +
                    (wantPrevious == 0 ? " (first page of its level)" : " (the page before it in key order)"));
        if (level[i].next != wantNext)
          error(JetError::BadPageLink, level[i].pgno, -1,
                what + " sibling link pgnoNext is " + num(level[i].next) + ", expected " + num(wantNext) +
                    (wantNext == 0 ? " (last page of its level)" : " (the page after it in key order)"));
      }
    }
  }

  Checker& c_;
  const TreeSpec& spec_;
  size_t treeIndex_;
  TreeSummary& summary_;
  const LeafVisitor& visit_;
  std::vector<std::vector<LevelPage>> levels_;
  int leafDepth_ = -1;
  bool haveLast_ = false;
  std::vector<uint8_t> lastKey_;
  std::vector<uint8_t> lastData_;
  uint32_t lastPage_ = 0;
};

}  // namespace

int compareBytes(Bytes a, Bytes b) {
  const size_t n = std::min(a.size(), b.size());
  if (n != 0) {
    if (const int c = std::memcmp(a.data(), b.data(), n); c != 0) return c < 0 ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

std::string treePath(const std::string& table, const std::string& part) { return table + " / " + part; }

std::optional<page::PageView> Checker::loadPage(uint32_t pgno, const std::string& tree, std::vector<uint8_t>& scratch) {
  auto bytes = db.page(pgno);
  if (!bytes) {
    error(bytes.status().code(), pgno, -1, tree, bytes.status().message());
    return std::nullopt;
  }
  Bytes source = *bytes;
  if (page::isAllZero(source)) {
    error(JetError::PageNotInitialized, pgno, -1, tree, "page in use by the tree is all zero");
    return std::nullopt;
  }
  const checksum::PageChecksumCheck check = checksum::checkPage(source, pgno);
  if (check.verdict == checksum::PageChecksumCheck::Verdict::Correctable) {
    scratch.assign(source.begin(), source.end());
    if (checksum::correctPage(scratch, pgno, check)) {
      warning(JetError::ReadVerifyFailure, pgno, -1, tree,
              "single-bit checksum error, checked as corrected (esekit verify --fix repairs it)");
      source = scratch;
    } else {
      error(JetError::ReadVerifyFailure, pgno, -1, tree, "checksum mismatch");
      return std::nullopt;
    }
  } else if (check.verdict != checksum::PageChecksumCheck::Verdict::Ok) {
    error(JetError::ReadVerifyFailure, pgno, -1, tree,
          "checksum mismatch (stored " + hex64(check.stored) + ", computed " + hex64(check.computed) + ")");
    return std::nullopt;
  }
  // Tag array, line bounds, overlaps and free-space accounting (page-format.md §4-§6).
  if (Status valid = page::validatePage(source); !valid.isOk()) {
    error(valid.code(), pgno, -1, tree, valid.message());
    return std::nullopt;
  }
  auto view = page::parsePage(source);
  if (!view) {
    error(view.status().code(), pgno, -1, tree, view.status().message());
    return std::nullopt;
  }
  return std::move(*view);
}

size_t Checker::walkTree(const TreeSpec& spec, const LeafVisitor& visit) {
  trees.push_back(spec);
  const size_t treeIndex = trees.size() - 1;
  report.treeSummaries.push_back({});
  const size_t summaryIndex = report.treeSummaries.size() - 1;
  TreeSummary summary;
  summary.name = spec.name;
  summary.objectId = spec.objectId;
  summary.rootPage = spec.rootPage;
  ++report.trees;
  TreeWalk(*this, trees[treeIndex], treeIndex, summary, visit).run();
  report.treeSummaries[summaryIndex] = std::move(summary);
  if (options.progress) options.progress(report.trees, report.trees);
  return summaryIndex;
}

}  // namespace esekit::integrity::detail
