// Page-level effect of a B+tree merge, one function per page a Merge2
// record (ese-format/log-records.md §3.5) changes. ESE logs a merge as a
// macro: one Merge2 per level of the path, top level first, the leaf level
// last. The leaf record carries the merge type, the siblings, the parent
// separator key (cbKeyParentSep) and the source page before-image; the
// records above it carry only their page, the node `iline` on the path and
// the level flags (0x1 key change, 0x2 delete node, 0x4 empty page).
//
// As for page_operations.h: the engine logs the records, then calls these
// functions on its cached pages; redo calls them on pages read back from
// disk, each page only when it needs the record (log-records.md §4: its
// dbtime is below the record's). Every function sets the page's dbtime to
// the record's. Merges are never versioned: undo has nothing to do.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/log_record_decode.h"
#include "esekit/format/status.h"
#include "store/node_page.h"

namespace esekit::engine::store {

// MERGETYPE (ESE bt.hxx): how the leaf of the path is merged.
enum class MergeType : uint8_t {
  None = 0,          // an upper level of the path
  EmptyPage = 1,     // the page is empty: unlinked, its parent pointer deleted
  FullRight = 2,     // every node moves to the start of the right sibling
  PartialRight = 3,  // nodes [ilineMerge, end) move to the right sibling
  EmptyTree = 4,     // logged as EmptyTree (48), not as a merge
  FullLeft = 5,      // every node moves to the end of the left sibling
  PartialLeft = 6,   // nodes [0, ilineMerge] move to the left sibling
  PageMove = 7,      // logged as PageMove (65)
};

// Merge2 level flags (byte 84).
namespace merge_flag {
inline constexpr uint8_t kKeyChange = 0x01;
inline constexpr uint8_t kDeleteNode = 0x02;
inline constexpr uint8_t kEmptyPage = 0x04;
}  // namespace merge_flag

inline MergeType mergeTypeOf(const MergeRecord& record) { return static_cast<MergeType>(record.mergeType); }
inline bool movesNodes(MergeType type) {
  return type == MergeType::FullRight || type == MergeType::PartialRight || type == MergeType::FullLeft ||
         type == MergeType::PartialLeft;
}
inline bool rightMerge(MergeType type) { return type == MergeType::FullRight || type == MergeType::PartialRight; }
inline bool partialMerge(MergeType type) { return type == MergeType::PartialRight || type == MergeType::PartialLeft; }

// --- leaf level (the record whose mergeType is not None) ------------------

// The destination sibling (right for right merges, left for left merges):
// the source's live nodes of the moved range arrive in order (at the start
// for right merges, at the end for left merges), each compressed against
// the destination's key prefix when that saves more than the cbPrefix word;
// flag-deleted nodes are dropped (recovery has no active versions, ESE
// BTIMergeMoveNodes). cbUncommittedFree becomes the record's cbUncFreeDest.
// `source` is the source page as it was before the merge.
Status applyMergeToDestinationPage(NodePage& page, const MergeRecord& leaf, Bytes source);
// The source page: partial merges delete the moved range; an empty-page
// flag (every non-partial merge) removes every node and the key prefix and
// sets fPageEmpty (ESE NDEmptyPage). Sibling links stay as they were.
Status applyMergeToSourcePage(NodePage& page, const MergeRecord& leaf);
// Non-partial merges unlink the source: the left sibling's next becomes
// pgnoRight, the right sibling's previous becomes pgnoLeft.
Status applyMergeToLeftPage(NodePage& page, const MergeRecord& leaf);
Status applyMergeToRightPage(NodePage& page, const MergeRecord& leaf);

// --- upper levels (mergeType None) -----------------------------------------

// One internal page of the path, per its flags (ESE BTIPerformOneMerge):
//  - empty page: every node removed, fPageEmpty set;
//  - delete node + key change (full left merge): node iline now points to
//    the left page and node iline - 1 goes;
//  - delete node: node iline goes; when it was the last node with the empty
//    (+infinity) key, the new last node gets the empty key;
//  - key change: node iline (iline - 1 for a partial left merge) gets the
//    separator key.
// `leaf` is the path's leaf record (needed for key changes and full left
// merges; may be null otherwise).
Status applyMergeToInternalPage(NodePage& page, const MergeRecord& level, const MergeRecord* leaf);

// A Split2/Merge2 page before-image as a full page: dehydrated images
// (flag 0x1) have the gap between data and tag array cut out. nullopt for
// Xpress-compressed (0x2) or malformed images.
std::optional<std::vector<uint8_t>> rehydratePageImage(Bytes image, uint32_t preimageFlags, size_t pageSize);

}  // namespace esekit::engine::store
