// see ese-format/space-trees.md §3 (SPACE_HEADER), §5 (database root), §6 (allocation)
#include "layout/space_planner.h"

#include <algorithm>
#include <string>

#include "esekit/format/bytes.h"

namespace esekit::engine::layout {
namespace {

constexpr uint8_t kMultipleExtentFlag = 0x01;  // SPACE_HEADER flags byte, §3
constexpr uint8_t kVersion2Flag = 0x04;
constexpr uint32_t kSmallFdpPages = 16;         // §6.2: FDPs owning <= 16 pages grow by >= 4
constexpr uint32_t kSmallGrowth = 4;
constexpr uint32_t kLargeGrowth = 16;
constexpr uint32_t kLastValidPage = 0x7FEFFFFF;  // pgnoSysMax, §4

}  // namespace

SpacePlanner::SpacePlanner(uint32_t rootPages, uint32_t growthPages) : growthPages_(std::max(growthPages, 1u)) {
  Fdp root;
  root.pgno = kDatabaseRootPage;
  root.objectId = 1;
  root.multipleExtent = true;
  root.primaryPages = rootPages;
  root.initialPages = rootPages;
  root.ownedExtentRoot = kDatabaseRootPage + 1;
  root.owned.push_back({kDatabaseRootPage, rootPages});
  // Pages 1-3 are the root and its OE/AE roots; allocatable pages start at 4 (§5).
  if (rootPages > 3) root.free.push_back({kDatabaseRootPage + 3, rootPages - 3});
  fdps_.push_back(std::move(root));
}

uint32_t SpacePlanner::ownedTotal(const Fdp& fdp) const {
  uint32_t total = 0;
  for (const Extent& e : fdp.owned) total += e.count;
  return total;
}

Result<int> SpacePlanner::createFdp(int parent, uint32_t objectId, uint32_t pages, bool multipleExtent, uint32_t treeFlags) {
  if (pages == 0 || (multipleExtent && pages < 3) || (!multipleExtent && pages > kLargestSingleExtent + 1))
    return Status(JetError::InvalidParameter, "object " + std::to_string(objectId) + ": cannot create a " +
                                                  (multipleExtent ? "multiple" : "single") + "-extent FDP of " +
                                                  std::to_string(pages) + " pages");
  auto extent = takeExtent(parent, pages);
  if (!extent) return extent.status();
  Fdp fdp;
  fdp.pgno = extent->first;
  fdp.objectId = objectId;
  fdp.parent = parent;
  fdp.treeFlags = treeFlags;
  fdp.multipleExtent = multipleExtent;
  fdp.primaryPages = pages;
  fdp.initialPages = pages;
  fdp.owned.push_back(*extent);
  // Created multiple: root, OE root, AE root at the start of the extent (§6.1).
  const uint32_t structural = multipleExtent ? 3 : 1;
  if (multipleExtent) fdp.ownedExtentRoot = extent->first + 1;
  if (pages > structural) fdp.free.push_back({extent->first + structural, pages - structural});
  fdps_.push_back(std::move(fdp));
  return static_cast<int>(fdps_.size() - 1);
}

Status SpacePlanner::grow(int index, uint32_t atLeast) {
  if (index == kRoot) {
    // The database root extends the file by whole extension steps (§5).
    const uint32_t size = (atLeast + growthPages_ - 1) / growthPages_ * growthPages_;
    const uint32_t first = databasePages() + 1;
    if (first > kLastValidPage || size > kLastValidPage - first)
      return Status(JetError::DiskFull, "database would exceed the largest page number");
    fdps_[kRoot].owned.push_back({first, size});
    fdps_[kRoot].free.push_back({first, size});
    return Status::ok();
  }
  const bool convert = !fdps_[static_cast<size_t>(index)].multipleExtent;
  // A conversion needs two more pages for the new OE and AE roots (§6.2).
  const uint32_t request = atLeast + (convert ? 2 : 0);
  const Fdp& current = fdps_[static_cast<size_t>(index)];
  const uint32_t owned = ownedTotal(current);
  // v1 headers grow by a quarter of the primary extent, v2 ones by the last allocation.
  const uint32_t hint = current.version2 ? current.primaryPages : current.primaryPages / 4;
  const uint32_t size = owned <= kSmallFdpPages ? std::max(request, kSmallGrowth)
                                                : std::max({request, kLargeGrowth, hint});
  auto extent = takeExtent(fdps_[static_cast<size_t>(index)].parent, size);
  if (!extent) return extent.status();
  Fdp& fdp = fdps_[static_cast<size_t>(index)];
  fdp.owned.push_back(*extent);
  if (convert) {
    fdp.multipleExtent = true;
    fdp.ownedExtentRoot = extent->first;
    if (extent->count > 2) fdp.free.push_back({extent->first + 2, extent->count - 2});
  } else {
    fdp.free.push_back(*extent);
    // A secondary extent of a new size is remembered in the header, which
    // makes it v2 (§3, §6.2; corpus: the grown Name index of basic.edb has
    // cpgPrimary 4, flags 0x05 after a 4-page extent added to its 3 pages).
    if (extent->count != fdp.primaryPages) {
      fdp.primaryPages = extent->count;
      fdp.version2 = true;
    }
  }
  return Status::ok();
}

Result<Extent> SpacePlanner::takeExtent(int index, uint32_t count) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    Fdp& fdp = fdps_[static_cast<size_t>(index)];
    for (size_t i = 0; i < fdp.free.size(); ++i) {
      Extent& run = fdp.free[i];
      if (run.count < count) continue;
      const Extent taken{run.first, count};
      run.first += count;
      run.count -= count;
      if (run.count == 0) fdp.free.erase(fdp.free.begin() + static_cast<std::ptrdiff_t>(i));
      return taken;
    }
    if (attempt == 0) ESEKIT_RETURN_IF_ERROR(grow(index, count));
  }
  return Status(JetError::DiskFull, "no run of " + std::to_string(count) + " pages after growing FDP " +
                                        std::to_string(fdps_[static_cast<size_t>(index)].pgno));
}

Result<uint32_t> SpacePlanner::takePage(int index) {
  auto extent = takeExtent(index, 1);
  if (!extent) return extent.status();
  return extent->first;
}

uint32_t SpacePlanner::freePages(int index) const {
  uint32_t total = 0;
  for (const Extent& e : fdp(index).free) total += e.count;
  return total;
}

uint32_t SpacePlanner::firstFreeRun(int index) const {
  const Fdp& f = fdp(index);
  return f.free.empty() ? 0 : f.free.front().count;
}

Result<std::vector<uint32_t>> SpacePlanner::allocatePages(int index, uint32_t count) {
  // Ask for the whole shortage at once: one secondary extent, not one per page.
  const uint32_t available = freePages(index);
  if (count > available) ESEKIT_RETURN_IF_ERROR(grow(index, count - available));
  std::vector<uint32_t> pages;
  pages.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    auto page = takePage(index);
    if (!page) return page.status();
    pages.push_back(*page);
  }
  return pages;
}

std::vector<Extent> SpacePlanner::ownedExtents(int index) const {
  std::vector<Extent> owned = fdp(index).owned;
  std::sort(owned.begin(), owned.end(), [](const Extent& a, const Extent& b) { return a.first < b.first; });
  return owned;
}

std::vector<Extent> SpacePlanner::availableExtents(int index) const {
  std::vector<Extent> runs;
  for (const Extent& e : fdp(index).free)
    if (e.count > 0) runs.push_back(e);
  std::sort(runs.begin(), runs.end(), [](const Extent& a, const Extent& b) { return a.first < b.first; });
  // Merge touching runs, but never across an owned-extent boundary: an AE
  // extent describes part of one OE extent.
  const std::vector<Extent> owned = ownedExtents(index);
  auto ownerOf = [&](uint32_t pgno) {
    for (size_t i = 0; i < owned.size(); ++i)
      if (pgno >= owned[i].first && pgno <= owned[i].last()) return i;
    return owned.size();
  };
  std::vector<Extent> merged;
  for (const Extent& run : runs) {
    if (!merged.empty() && merged.back().last() + 1 == run.first && ownerOf(merged.back().first) == ownerOf(run.first))
      merged.back().count += run.count;
    else
      merged.push_back(run);
  }
  return merged;
}

uint32_t SpacePlanner::availabilityBitmap(int index) const {
  const Fdp& f = fdp(index);
  uint32_t bits = 0;
  for (const Extent& run : availableExtents(index))
    for (uint32_t p = run.first; p <= run.last(); ++p)
      if (p > f.pgno && p - f.pgno - 1 < 32) bits |= 1u << (p - f.pgno - 1);
  return bits;
}

std::array<uint8_t, kSpaceHeaderSize> SpacePlanner::spaceHeader(int index) const {
  const Fdp& f = fdp(index);
  std::array<uint8_t, kSpaceHeaderSize> header{};
  storeLittleEndian<uint32_t>(header.data() + 0, f.primaryPages);
  storeLittleEndian<uint32_t>(header.data() + 4, f.parent < 0 ? 0 : fdp(f.parent).pgno);
  header[8] = static_cast<uint8_t>((f.multipleExtent ? kMultipleExtentFlag : 0) | (f.version2 ? kVersion2Flag : 0));
  storeLittleEndian<uint32_t>(header.data() + 12, f.multipleExtent ? f.ownedExtentRoot : availabilityBitmap(index));
  return header;
}

uint32_t SpacePlanner::databasePages() const {
  uint32_t last = 0;
  for (const Extent& e : fdps_[kRoot].owned) last = std::max(last, e.last());
  return last;
}

}  // namespace esekit::engine::layout
