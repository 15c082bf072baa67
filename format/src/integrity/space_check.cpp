// Space (space-trees.md): each FDP's SPACE_HEADER, its OE/AE trees or its
// single-extent bitmap, the ownership hierarchy (child ⊆ parent OE, disjoint
// from the parent's AE, siblings disjoint, AE ⊆ OE), then §7: every page
// reached from a tree is owned by that tree's FDP and not available; pages
// owned but neither available nor reachable are leaked (a warning).
#include <algorithm>
#include <string>

#include "esekit/format/checksum.h"
#include "integrity/integrity_internal.h"

namespace esekit::integrity::detail {
namespace {

constexpr size_t kSpaceHeaderSize = 16;
constexpr uint8_t kMultipleExtent = 0x01;
constexpr uint8_t kNonUnique = 0x02;
constexpr uint32_t kSingleExtentBits = 32;

std::string num(uint64_t value) { return std::to_string(value); }
std::string range(uint32_t first, uint32_t last) { return first == last ? num(first) : num(first) + "-" + num(last); }

struct SpaceHeader {
  uint32_t primaryPages = 0;
  uint32_t parentPage = 0;
  uint8_t flags = 0;
  uint32_t bitmapOrOe = 0;
};

// The root page, parsed without reporting (the tree walk reported its damage).
std::optional<page::PageView> quietLoad(Checker& c, uint32_t pgno, std::vector<uint8_t>& scratch) {
  auto bytes = c.db.page(pgno);
  if (!bytes) return std::nullopt;
  Bytes source = *bytes;
  const checksum::PageChecksumCheck check = checksum::checkPage(source, pgno);
  if (check.verdict == checksum::PageChecksumCheck::Verdict::Correctable) {
    scratch.assign(source.begin(), source.end());
    if (!checksum::correctPage(scratch, pgno, check)) return std::nullopt;
    source = scratch;
  } else if (check.verdict != checksum::PageChecksumCheck::Verdict::Ok) {
    return std::nullopt;
  }
  if (!page::validatePage(source).isOk()) return std::nullopt;
  auto view = page::parsePage(source);
  if (!view) return std::nullopt;
  return std::move(*view);
}

class SpaceCheck {
 public:
  explicit SpaceCheck(Checker& checker)
      : c_(checker), owner_(checker.filePages + size_t{1}, -1), availableIn_(checker.filePages + size_t{1}, -1) {}

  void run() {
    for (size_t f = 0; f < c_.fdps.size() && !c_.stopped(); ++f) readSpace(static_cast<int>(f));
    if (c_.stopped()) return;
    checkReachedPages();
    reportLeaks();
  }

 private:
  void error(uint32_t pgno, const std::string& tree, std::string message) {
    c_.error(spaceError(tree), pgno, -1, tree, std::move(message));
  }

  // ESE names the damaged space tree in its error: available (AE) or owned.
  static JetError spaceError(const std::string& tree) {
    return tree.size() >= 2 && tree.compare(tree.size() - 2, 2, "AE") == 0 ? JetError::SPAvailExtCorrupted
                                                                            : JetError::SPOwnExtCorrupted;
  }

  void readSpace(int f) {
    Fdp& fdp = c_.fdps[f];
    std::vector<uint8_t> scratch;
    auto view = quietLoad(c_, fdp.rootPage, scratch);
    if (!view || view->header.objectId != fdp.objectId) return;
    const Bytes ext = view->externalHeader();
    // 16 bytes: SPACE_HEADER alone; longer: field mask, then the fields (§2).
    Bytes raw;
    if (ext.size() == kSpaceHeaderSize) {
      raw = ext;
    } else if (ext.size() > kSpaceHeaderSize && (ext[0] & 0x01) != 0) {
      raw = ext.subspan(1, kSpaceHeaderSize);
    } else {
      error(fdp.rootPage, fdp.name, "root page has no SPACE_HEADER (external header of " + num(ext.size()) + " bytes)");
      return;
    }
    SpaceHeader header{loadLittleEndian<uint32_t>(raw.data()), loadLittleEndian<uint32_t>(raw.data() + 4), raw[8],
                       loadLittleEndian<uint32_t>(raw.data() + 12)};
    const uint32_t expectedParent = fdp.parent < 0 ? 0 : c_.fdps[fdp.parent].rootPage;
    if (header.parentPage != expectedParent)
      error(fdp.rootPage, fdp.name, "SPACE_HEADER names parent FDP page " + num(header.parentPage) + ", expected " + num(expectedParent));
    if (((header.flags & kNonUnique) != 0) != ((fdp.typeFlags & page::flag::NonUniqueKeys) != 0))
      error(fdp.rootPage, fdp.name, std::string("SPACE_HEADER non-unique flag is ") + ((header.flags & kNonUnique) ? "set" : "clear") +
                                        " but the catalog says the index is " + ((fdp.typeFlags & page::flag::NonUniqueKeys) ? "non-unique" : "unique"));
    if (header.flags & kMultipleExtent) {
      readExtentTrees(f, header.bitmapOrOe);
    } else {
      readSingleExtent(fdp, header);
    }
    fdp.usable = true;
    applyOwnership(f);
  }

  // §3.1: one extent from the FDP page, availability in a 32-bit bitmap.
  void readSingleExtent(Fdp& fdp, const SpaceHeader& header) {
    if (header.primaryPages == 0) {
      error(fdp.rootPage, fdp.name, "single-extent SPACE_HEADER owns 0 pages");
      return;
    }
    const uint64_t last = uint64_t{fdp.rootPage} + header.primaryPages - 1;
    if (last > c_.filePages) {
      error(fdp.rootPage, fdp.name, "single extent " + num(fdp.rootPage) + "-" + num(last) + " reaches beyond the file (" +
                                        num(c_.filePages) + " pages)");
      return;
    }
    fdp.owned.push_back({fdp.rootPage, static_cast<uint32_t>(last)});
    const uint32_t bitmapPages = std::min(header.primaryPages - 1, kSingleExtentBits);
    if (bitmapPages < kSingleExtentBits && (header.bitmapOrOe >> bitmapPages) != 0)
      error(fdp.rootPage, fdp.name, "availability bitmap " + hex32(header.bitmapOrOe) + " has bits beyond its " +
                                        num(header.primaryPages) + "-page extent");
    for (uint32_t i = 0; i < bitmapPages; ++i)
      if (header.bitmapOrOe & (1u << i)) fdp.available.push_back({fdp.rootPage + 1 + i, fdp.rootPage + 1 + i});
    // Pages above the bitmap's reach count as available (§3.1).
    if (header.primaryPages > kSingleExtentBits + 1)
      fdp.available.push_back({fdp.rootPage + kSingleExtentBits + 1, static_cast<uint32_t>(last)});
  }

  // §4: OE at pgnoOE, AE at pgnoOE + 1; nodes (last page BE -> page count LE).
  void readExtentTrees(int f, uint32_t oeRoot) {
    Fdp& fdp = c_.fdps[f];
    readExtentTree(f, oeRoot, true);
    readExtentTree(f, oeRoot + 1, false);
    std::sort(fdp.owned.begin(), fdp.owned.end(), [](const Fdp::Extent& a, const Fdp::Extent& b) { return a.first < b.first; });
    for (size_t i = 1; i < fdp.owned.size(); ++i)
      if (fdp.owned[i].first <= fdp.owned[i - 1].last)
        error(fdp.rootPage, treePath(fdp.name, "OE"), "owned extents " + range(fdp.owned[i - 1].first, fdp.owned[i - 1].last) +
                                                          " and " + range(fdp.owned[i].first, fdp.owned[i].last) + " overlap");
    std::sort(fdp.available.begin(), fdp.available.end(), [](const Fdp::Extent& a, const Fdp::Extent& b) { return a.first < b.first; });
    for (size_t i = 1; i < fdp.available.size(); ++i)
      if (fdp.available[i].first <= fdp.available[i - 1].last)
        error(fdp.rootPage, treePath(fdp.name, "AE"), "available extents " + range(fdp.available[i - 1].first, fdp.available[i - 1].last) +
                                                          " and " + range(fdp.available[i].first, fdp.available[i].last) + " overlap");
  }

  void readExtentTree(int f, uint32_t root, bool owned) {
    const Fdp fdp = c_.fdps[f];  // copy: walkTree must not see a moving vector
    const std::string tree = treePath(fdp.name, owned ? "OE" : "AE");
    std::vector<Fdp::Extent> extents;
    TreeSpec spec{tree, fdp.objectId, root, TreeRole::SpaceTree, fdp.typeFlags & (page::flag::Index | page::flag::LongValue | page::flag::NonUniqueKeys), false, f};
    c_.walkTree(spec, [&](const page::PageView& view, const page::Node& node, size_t i, uint32_t pgno) {
      if (node.deleted()) return;
      const std::vector<uint8_t> key = node.key();
      const int at = static_cast<int>(i);
      size_t offset = 0;
      if (key.size() == 5 && !owned && (key[0] & 0x80) != 0) {
        const uint8_t pool = key[0] & 0x07;
        if ((key[0] & 0x40) != 0 || pool > 2) {
          c_.error(spaceError(tree), pgno, at, tree, "AE pool key flag byte " + hex32(key[0]) + " is invalid");
          return;
        }
        if (pool == 2) return;  // shelved: beyond the end of the file, not available (§4)
        offset = 1;
      } else if (key.size() != 4) {
        c_.error(spaceError(tree), pgno, at, tree, "extent key of " + num(key.size()) + " bytes (expected 4)");
        return;
      }
      if (node.data.size() != 4) {
        c_.error(spaceError(tree), pgno, at, tree, "extent data of " + num(node.data.size()) + " bytes (expected 4)");
        return;
      }
      const uint32_t last = (uint32_t{key[offset]} << 24) | (uint32_t{key[offset + 1]} << 16) | (uint32_t{key[offset + 2]} << 8) | key[offset + 3];
      const uint32_t count = loadLittleEndian<uint32_t>(node.data.data());
      if (count == 0 || count > last) {
        c_.error(spaceError(tree), pgno, at, tree, "extent ending at page " + num(last) + " has " + num(count) + " pages");
        return;
      }
      if (last > c_.filePages) {
        c_.error(spaceError(tree), pgno, at, tree,
                 "extent " + range(last - count + 1, last) + " reaches beyond the last page of the file (" + num(c_.filePages) + ")");
        return;
      }
      extents.push_back({last - count + 1, last});
      (void)view;
    });
    // The space tree root's split buffer: pages reserved for its splits count as available (§4).
    std::vector<uint8_t> scratch;
    if (auto rootView = quietLoad(c_, root, scratch); rootView && rootView->header.objectId == fdp.objectId) {
      const Bytes split = rootView->externalHeader();
      for (size_t at = 0; at + 8 <= std::min<size_t>(split.size(), 16); at += 8) {
        const uint32_t last = loadLittleEndian<uint32_t>(split.data() + at);
        const uint32_t count = loadLittleEndian<uint32_t>(split.data() + at + 4);
        if (last == 0 && count == 0) continue;
        if (count == 0 || count > last || last > c_.filePages) {
          c_.error(spaceError(tree), root, -1, tree, "split buffer (" + num(last) + ", " + num(count) + ") is not a valid extent");
          continue;
        }
        c_.fdps[f].available.push_back({last - count + 1, last});
      }
    }
    auto& target = owned ? c_.fdps[f].owned : c_.fdps[f].available;
    target.insert(target.end(), extents.begin(), extents.end());
  }

  // Marks the FDP's pages, checking them against its parent and siblings.
  void applyOwnership(int f) {
    const Fdp& fdp = c_.fdps[f];
    const int parent = fdp.parent;
    // Without a readable parent there is nothing to hold the child against.
    const bool checkParent = parent < 0 || c_.fdps[parent].usable;
    for (const Fdp::Extent& extent : fdp.owned) {
      uint32_t notOwned = 0, inParentAe = 0, otherOwner = 0;
      uint32_t firstNotOwned = 0, firstInAe = 0, firstOther = 0;
      int other = -1;
      for (uint32_t p = extent.first; p <= extent.last && p <= c_.filePages; ++p) {
        const int current = owner_[p];
        if (!checkParent) {
          // skipped
        } else if (parent < 0) {
          if (current >= 0 && !otherOwner++) firstOther = p, other = current;
        } else if (current != parent) {
          if (current < 0) {
            if (!notOwned++) firstNotOwned = p;
          } else if (!otherOwner++) {
            firstOther = p, other = current;
          }
        } else if (availableIn_[p] == parent) {
          if (!inParentAe++) firstInAe = p;
        }
        owner_[p] = f;
        if (p == UINT32_MAX) break;
      }
      const std::string what = "owned extent " + range(extent.first, extent.last);
      if (notOwned)
        error(firstNotOwned, fdp.name, what + ": " + num(notOwned) + " page(s) from " + num(firstNotOwned) +
                                           " are not owned by the parent " + c_.fdps[parent].name);
      if (inParentAe)
        error(firstInAe, fdp.name, what + ": " + num(inParentAe) + " page(s) from " + num(firstInAe) +
                                       " are also available in the parent's AE (" + c_.fdps[parent].name + ")");
      if (otherOwner)
        error(firstOther, fdp.name, what + ": " + num(otherOwner) + " page(s) from " + num(firstOther) + " are also owned by " +
                                        c_.fdps[other].name);
      if (parent < 0) c_.report.databasePages = std::max(c_.report.databasePages, extent.last);
    }
    for (const Fdp::Extent& extent : fdp.available) {
      uint32_t outside = 0, firstOutside = 0;
      for (uint32_t p = extent.first; p <= extent.last && p <= c_.filePages; ++p) {
        if (owner_[p] != f && !outside++) firstOutside = p;
        availableIn_[p] = f;
        if (p == UINT32_MAX) break;
      }
      if (outside)
        error(firstOutside, fdp.name, "available extent " + range(extent.first, extent.last) + ": " + num(outside) +
                                          " page(s) from " + num(firstOutside) + " are not in the FDP's owned extents (AE must be within OE)");
    }
  }

  // §7 step 5: reached pages are owned by their tree's FDP and not available.
  void checkReachedPages() {
    for (uint32_t p = 1; p <= c_.filePages; ++p) {
      if (c_.reachedBy[p] == 0) continue;
      const TreeSpec& tree = c_.trees[c_.reachedBy[p] - 1];
      if (tree.fdp < 0 || !c_.fdps[tree.fdp].usable) continue;
      const int owner = owner_[p];
      if (owner != tree.fdp) {
        error(p, tree.name, "page in use by the tree is " +
                                (owner < 0 ? std::string("not owned by any FDP") : "owned by " + c_.fdps[owner].name) +
                                ", not by " + c_.fdps[tree.fdp].name);
      } else if (availableIn_[p] >= 0) {
        error(p, tree.name, "page in use by the tree is listed as available by " + c_.fdps[availableIn_[p]].name);
      }
    }
  }

  void reportLeaks() {
    if (c_.fdps.empty() || !c_.fdps[0].usable) return;
    for (uint32_t p = 1; p <= c_.filePages; ++p) {
      if (owner_[p] < 0 || availableIn_[p] >= 0 || c_.reachedBy[p] != 0) continue;
      ++c_.report.leakedPages;
      c_.warning(JetError::DatabaseCorrupted, p, -1, c_.fdps[owner_[p]].name,
                 "leaked page: owned, but neither available nor reachable from any tree");
    }
  }

  Checker& c_;
  std::vector<int> owner_;        // deepest FDP owning the page
  std::vector<int> availableIn_;  // FDP whose AE/bitmap/split buffer lists the page
};

}  // namespace

void checkSpace(Checker& checker) { SpaceCheck(checker).run(); }

}  // namespace esekit::integrity::detail
