// Page ownership for a database written whole: the FDP hierarchy (database
// root -> tables -> LV trees / indexes), their owned extents, and which owned
// pages stay available. See ese-format/space-trees.md §1-§6.
//
// Each FDP keeps its owned extents and the runs of owned pages not handed out
// yet (first fit, lowest first: a new database has no freed pages). When it
// runs out it asks its parent for a secondary extent (§6.2 sizes); a
// single-extent FDP is first converted to multiple extent (OE/AE roots = the
// first two pages of the new extent), and the database root grows the file by
// whole extension steps (§5). Whatever an FDP owns but never hands out is its
// available space (AE tree or bitmap), so the pages in use per the space data
// are exactly the pages used (§7).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "esekit/format/status.h"

namespace esekit::engine::layout {

struct Extent {
  uint32_t first = 0;
  uint32_t count = 0;
  uint32_t last() const { return first + count - 1; }
  friend bool operator==(const Extent&, const Extent&) = default;
};

inline constexpr uint32_t kDatabaseRootPage = 1;
inline constexpr size_t kSpaceHeaderSize = 16;
inline constexpr uint32_t kLargestSingleExtent = 32;  // pages an availability bitmap can describe (§3.1)

struct Fdp {
  uint32_t pgno = 0;
  uint32_t objectId = 0;
  int parent = -1;             // index of the parent FDP; -1 for the database root
  uint32_t treeFlags = 0;      // page-type flags of its trees (Index, LongValue)
  bool multipleExtent = false;
  uint32_t initialPages = 0;   // size of the first extent (the catalog's PagesOrLocale)
  uint32_t primaryPages = 0;   // cpgPrimary: first extent, or (v2) last secondary extent
  bool version2 = false;       // SPACE_HEADER v2 flag (0x04)
  uint32_t ownedExtentRoot = 0;  // OE root pgno (AE = +1) when multipleExtent
  std::vector<Extent> owned;   // in the order obtained
  std::vector<Extent> free;    // owned pages not handed out, in the order obtained
};

class SpacePlanner {
 public:
  // The database root at pgno 1 (objid 1): owns [1, rootPages], uses 1-3
  // (root, OE, AE; §5) and grows by `growthPages` steps.
  SpacePlanner(uint32_t rootPages, uint32_t growthPages);

  static constexpr int kRoot = 0;

  // A new FDP whose first extent of `pages` comes from `parent` (§6.1).
  // Multiple-extent FDPs use their next two pages as OE and AE roots.
  Result<int> createFdp(int parent, uint32_t objectId, uint32_t pages, bool multipleExtent, uint32_t treeFlags);
  // `count` pages for the B-tree of `fdp` (not necessarily contiguous).
  Result<std::vector<uint32_t>> allocatePages(int fdp, uint32_t count);

  const Fdp& fdp(int index) const { return fdps_[static_cast<size_t>(index)]; }
  // Owned pages not handed out yet, and the size of the run handed out next.
  uint32_t freePages(int index) const;
  uint32_t firstFreeRun(int index) const;
  size_t fdpCount() const { return fdps_.size(); }
  // Owned extents sorted by page number (the OE tree's content).
  std::vector<Extent> ownedExtents(int index) const;
  // Owned pages never handed out, as extents sorted by page number, split at
  // owned-extent boundaries (the AE tree's content, or the bitmap's bits).
  std::vector<Extent> availableExtents(int index) const;
  // Single-extent FDPs: rgbitAvail (bit i = page pgno + 1 + i available).
  uint32_t availabilityBitmap(int index) const;
  // The 16-byte SPACE_HEADER of the FDP's root page (§3).
  std::array<uint8_t, kSpaceHeaderSize> spaceHeader(int index) const;
  // Pages of the database = last page owned by the root.
  uint32_t databasePages() const;

 private:
  Result<Extent> takeExtent(int index, uint32_t count);
  Result<uint32_t> takePage(int index);
  Status grow(int index, uint32_t atLeast);
  uint32_t ownedTotal(const Fdp& fdp) const;

  std::vector<Fdp> fdps_;
  uint32_t growthPages_;
};

}  // namespace esekit::engine::layout
