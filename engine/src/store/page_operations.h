// One code path for page changes: each function applies one decoded log
// record (log-records.md §3) to the page image(s) it names. The B+tree builds
// a record, logs it, then calls the same function on its cached page; redo
// calls it on the page read back from disk. Every function sets the page's
// dbtime to the record's dbtime (after); the dbtime rule (which pages need
// the record, §4) is the caller's.
#pragma once

#include <cstdint>

#include "esekit/format/bytes.h"
#include "esekit/format/log_record_decode.h"
#include "esekit/format/status.h"
#include "store/node_page.h"

namespace esekit::engine::store {

// --- single-page node records (§3.3) ---------------------------------------
// Insert: cbPrefix > 0 stores the node compressed against the page's prefix.
Status applyInsert(NodePage& page, const InsertRecord& record);
// FlagInsert(AndReplaceData): the flag-deleted node `iline` lives again with the record's data.
Status applyFlagInsert(NodePage& page, const FlagInsertRecord& record);
// Replace / ReplaceD: the node's data becomes the after-image.
Status applyReplace(NodePage& page, const ReplaceRecord& record);
Status applyFlagDelete(NodePage& page, const NodeOperationRecord& record);
Status applyDelete(NodePage& page, const NodeOperationRecord& record);
Status applySetExternalHeader(NodePage& page, const SetExternalHeaderRecord& record);

// --- page creation (§3.5) ---------------------------------------------------
// NewPage: an empty page of the object (flags are those of a fresh page).
void applyNewPage(MutableBytes page, const NewPageRecord& record);
// CreateMultipleExtentFDP / CreateSingleExtentFDP: the FDP root with its
// SPACE_HEADER (space-trees.md §3, §6.1).
Status applyCreateFdpRoot(MutableBytes page, const CreateFdpRecord& record);
// The OE (available = false) or AE root of a multiple-extent FDP: the primary
// extent, minus FDP/OE/AE pages for the AE (space-trees.md §6.1).
Status applyCreateFdpSpaceTree(MutableBytes page, uint32_t pgno, const CreateFdpRecord& record, bool available);

// --- Split2 (§3.5), applied per page --------------------------------------
// The split page: lines [ilineSplit, clines) leave it (vertical: every line,
// then one node with the empty key pointing to pgnoNew), flags become
// fSplitPageFlags, the next sibling becomes pgnoNew (right/append).
Status applySplitToSplitPage(NodePage& page, const SplitRecord& record);
// The new page, from `source`: the split page as it was before the split.
Status applySplitToNewPage(MutableBytes page, const SplitRecord& record, Bytes source);
// The old right sibling now follows the new page.
Status applySplitToRightPage(NodePage& page, const SplitRecord& record);
// The parent: before the node pointing to the split page, a node (key to
// insert in the parent, split page); that node then points to the new page.
Status applySplitToParentPage(NodePage& page, const SplitRecord& record);

// SPACE_HEADER (space-trees.md §3): a 16-byte header, or the field-mask form
// (byte 0 = mask, header at 1) when the external header is longer.
struct SpaceHeader {
  uint32_t primaryPages = 0;  // cpgPrimary
  uint32_t parentPage = 0;    // pgnoParent
  uint32_t flags = 0;         // 0x01 multiple extent, 0x02 non-unique, 0x04 v2
  uint32_t bitmapOrOwnedExtents = 0;
  bool multipleExtent() const { return (flags & 0x01) != 0; }
  uint32_t ownedExtentsRoot() const { return bitmapOrOwnedExtents; }
  uint32_t availableExtentsRoot() const { return bitmapOrOwnedExtents + 1; }
};
inline constexpr size_t kSpaceHeaderSize = 16;
// Offset of the SPACE_HEADER inside a root's external header; -1 when there is none.
int spaceHeaderOffset(Bytes externalHeader);
SpaceHeader parseSpaceHeader(Bytes externalHeader, int offset);
void serializeSpaceHeader(const SpaceHeader& header, uint8_t* out);

}  // namespace esekit::engine::store
