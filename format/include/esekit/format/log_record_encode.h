// Encoding of log records into their exact ESE byte form: the inverse of
// decodeLogRecord() (ese-format/log-records.md §1-3), builders for the records
// the engine writes, and ReplaceD diff construction (§3.4).
//
// appendLogRecord() writes one whole record, never fragments (splitting a
// record over log segments, log-format.md §5.2, is the log writer's job).
// decodeLogRecord(encodeLogRecord(r)) gives back r's fields, and for every
// decoded record r, encodeLogRecord(r) == r.bytes.
//
// What the encoder reads: `type` and `body`. `length` and `bytes` are ignored
// (they describe a decoded buffer); builders leave them 0 / empty.
// Count fields are not stored in the structs: every cb* is the size of the
// matching payload view. The explicit counts that remain must agree with
// their payloads (MacroInfoRecord::pageCount; CreateDB version/updateMajor
// present exactly when flag 0x04 is set). ReplaceRecord's oldDataLength and
// newDataLength are not payload counts (cbOldData/cbNewData) and are written
// as given; replaceAfterImage() checks cbNewData at redo.
//
// Lifetime: a LogRecord holds `Bytes` views, not copies. Every view handed to
// a builder (keys, data, paths, before-images, diff streams) must stay alive
// and unchanged until the record has been encoded, and must not point into
// the vector appendLogRecord appends to (it may reallocate). The one case
// handled is a decoded record whose `bytes` lie in that vector.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "esekit/format/log_record_decode.h"

namespace esekit {

// Appends the bytes of `record` to `out`. Errors (out is then left as it was):
//   JetError::InvalidParameter naming the type and the field: body
//   alternative that does not match `type`, a payload too long for its count
//   field (e.g. more than 65535 bytes behind a USHORT cb), an inconsistent
//   count (MacroInfo pageCount, CreateDB version info vs flag 0x04), an
//   optional field present/absent against the type (trxBegin0 of Begin vs
//   Begin0, ...), a ReplaceD payload that is not a well-formed diff stream,
//   a type the engine cannot size (40, 41, 43, 44, 47, 55, 56) or >= 102.
Status appendLogRecord(const LogRecord& record, std::vector<uint8_t>& out);

// The bytes of one record (appendLogRecord into a fresh vector).
Result<std::vector<uint8_t>> encodeLogRecord(const LogRecord& record);

// ---------------------------------------------------------------------------
// ReplaceD diffs (§3.4)

// Largest old-data offset a DIFFHDR (diff2 = false) can express: 13 bits.
inline constexpr uint32_t kMaxDiffHeaderOffset = 0x1FFF;

// A diff stream that applyReplaceDiff(before, diff, diff2) turns into exactly
// `after`: common prefix and suffix are kept, the middle becomes a few
// entries (changed runs separated by unchanged stretches long enough to pay
// for an extra entry header). Sizes up to 65535 bytes each.
//
// Returns std::nullopt when no diff should be used, so the caller logs a full
// Replace instead: the stream would not be smaller than `after` (which a full
// Replace carries; no corpus ReplaceD has a stream as long as its cbNewData),
// or diff2 is false and an entry would need an old offset above
// kMaxDiffHeaderOffset. InvalidParameter when before/after exceed 65535 bytes.
Result<std::optional<std::vector<uint8_t>>> encodeReplaceDiff(Bytes before, Bytes after, bool diff2);

// The header form Windows uses for a database page size: in the corpus every
// ReplaceD of a 16 KiB or 32 KiB page database uses DIFFHDR2 (whatever its
// offsets), every one of an 8 KiB page database DIFFHDR.
inline bool replaceDiffUsesDiff2(uint32_t pageSize) { return pageSize > 8192; }

struct ReplaceDiff {
  std::vector<uint8_t> stream;
  bool diff2 = false;
};
// encodeReplaceDiff with the header form of replaceDiffUsesDiff2(pageSize)
// (falling back to DIFFHDR2 if an offset does not fit 13 bits); nullopt when
// a full Replace is smaller (or as small).
Result<std::optional<ReplaceDiff>> chooseReplaceDiff(Bytes before, Bytes after, uint32_t pageSize);

// ---------------------------------------------------------------------------
// Builders. They fill `type` and `body` only (see above). Payload views are
// stored, not copied.

// Transactions (§3.6). Begin0 from level 0 begins `levelsToBegin` levels (1 in
// most corpus records, 2-4 also occur); nested Begin records levelBeginFrom
// and levelsToBegin.
LogRecord makeBegin0(uint16_t procid, uint32_t trxBegin0, uint8_t levelsToBegin = 1);
LogRecord makeBegin(uint16_t procid, uint8_t levelBeginFrom, uint8_t levelsToBegin = 1);
LogRecord makeCommit0(uint16_t procid, uint32_t trxCommit0);  // levelCommitTo = 0
LogRecord makeCommit(uint16_t procid, uint8_t levelCommitTo);
LogRecord makeRollback(uint16_t procid, uint8_t levels);
LogRecord makeRefresh(uint16_t procid, uint32_t trxBegin0);
// type: MacroBegin, MacroCommit or MacroAbort (anything else gives a record
// that appendLogRecord rejects).
LogRecord makeMacro(LogRecordType type, uint16_t procid, int64_t dbtime);
LogRecord makeForceWriteLog(uint16_t procid);
// MacroInfo2 (ignorable 73): `pageNumbers` is pageCount little-endian PGNOs.
LogRecord makeMacroInfo2(uint8_t dbid, Bytes pageNumbers);

// Single-page node operations (§3.3).
LogRecord makeInsert(const NodeRecordPrefix& node, Bytes keyPrefix, Bytes keySuffix, Bytes data);
LogRecord makeFlagInsert(const NodeRecordPrefix& node, Bytes key, Bytes data);
LogRecord makeFlagInsertAndReplaceData(const NodeRecordPrefix& node, Bytes key, Bytes data, uint32_t rceidReplace);
LogRecord makeFlagDelete(const NodeRecordPrefix& node);  // node.page.iline is the node
LogRecord makeDelete(const NodeRecordPrefix& node);
// Full Replace: newData is the whole after-image; oldSize is cbOldData.
LogRecord makeReplace(const NodeRecordPrefix& node, Bytes newData, uint16_t oldSize);
// ReplaceD: `diffStream` from encodeReplaceDiff/chooseReplaceDiff; newSize is
// the after-image length (cbNewData). `diffs` is filled when the stream parses.
LogRecord makeReplaceDiff(const NodeRecordPrefix& node, Bytes diffStream, bool diff2, uint16_t oldSize,
                          uint16_t newSize);
LogRecord makeDelta(const NodeRecordPrefix& node, Bytes bookmarkKey, Bytes bookmarkData, int32_t delta,
                    uint16_t valueOffset);
LogRecord makeDelta64(const NodeRecordPrefix& node, Bytes bookmarkKey, Bytes bookmarkData, int64_t delta,
                      uint16_t valueOffset);
LogRecord makeSetExternalHeader(const NodeRecordPrefix& node, Bytes data);
// operation: 2 replace, 3 flag-delete (§3.3).
LogRecord makeUndoInfo(const NodeRecordPrefix& node, Bytes bookmarkKey, Bytes bookmarkData, uint16_t operation,
                       int16_t maxSize, int16_t sizeDelta, Bytes beforeImage);
LogRecord makeUndo(const NodeRecordPrefix& node, Bytes bookmarkKey, Bytes bookmarkData, uint16_t operation,
                   uint8_t level);
LogRecord makeEmptyTree(const NodeRecordPrefix& node, std::vector<EmptyPage> pages);

// Multi-page and space records (§3.5). Split2/Merge2/PageMove have too many
// fields for a parameter list: fill the struct (payload views included);
// the builder sets the type (and hasBeforeImage).
LogRecord makeSplit2(SplitRecord split);
LogRecord makeMerge2(MergeRecord merge);
LogRecord makePageMove(PageMoveRecord move);
LogRecord makeNewPage(uint16_t procid, uint8_t dbid, uint32_t pgno, uint32_t objid, int64_t dbtimeAfter);
// page.pgno is the new FDP root.
LogRecord makeCreateMultipleExtentFdp(const PageRecordPrefix& page, uint32_t objidFDP, uint32_t pgnoOwnedExtents,
                                      uint32_t pgnoAvailableExtents, uint32_t pgnoFDPParent,
                                      uint32_t primaryPageCount, uint32_t pageFlags);
LogRecord makeCreateSingleExtentFdp(const PageRecordPrefix& page, uint32_t objidFDP, uint32_t pgnoFDPParent,
                                    uint32_t primaryPageCount, uint32_t pageFlags);

// Database records (§3.9, §3.7). Paths are the raw logged bytes; use
// loggedPathUtf16() for a UTF-16LE, NUL-terminated path as Windows logs it.
// CreateDB flags: 0x08 UTF-16 names, 0x10 sparse (0x04 is set by the builder
// when version info is given).
LogRecord makeCreateDatabase(uint16_t procid, uint8_t dbid, uint32_t grbit, uint32_t maxPageCount,
                             const Signature& signDb, Bytes path, uint8_t flags = 0x08,
                             std::optional<uint16_t> version = std::nullopt,
                             std::optional<uint16_t> updateMajor = std::nullopt);
// AttachDB flags: 0x08 UTF-16, 0x10 sparse.
LogRecord makeAttachDatabase(uint16_t procid, uint8_t dbid, uint32_t maxPageCount,
                             const LogPosition& lgposConsistent, const Signature& signDb, const Signature& signLog,
                             Bytes path, uint8_t flags = 0x08);
// DetachDB flags: 0x10 UTF-16.
LogRecord makeDetachDatabase(uint16_t procid, uint8_t dbid, Bytes path, uint8_t flags = 0x10);
LogRecord makeCreateDatabaseFinish(uint16_t procid, uint8_t dbid);
LogRecord makeSetDbVersion(uint8_t dbid, uint32_t major, uint32_t updateMajor, uint32_t updateMinor);
LogRecord makeExtendDatabase(uint8_t dbid, uint32_t pgnoLast);  // ignorable 68, cb = 5
LogRecord makeSignalAttachDb(uint8_t dbid);

// Lifecycle (§3.7).
LogRecord makeInit2(const DbmsParameters& parameters, const LogTime& time);
LogRecord makeTerm2(const LogPosition& lgpos, const LogPosition& lgposRedoFrom, uint8_t hard, const LogTime& time);
LogRecord makeRecoveryQuit2(const LogPosition& lgpos, const LogPosition& lgposRedoFrom, uint8_t hard,
                            const LogTime& time);
LogRecord makeRecoveryQuitKeepAttachments(const LogPosition& lgpos, const LogPosition& lgposRedoFrom, uint8_t hard,
                                          const LogTime& time);
LogRecord makeRecoveryUndo2(const LogTime& time);
LogRecord makeShutDownMark();
LogRecord makeTrace(uint16_t procid, Bytes text);

// UTF-8 -> UTF-16LE with a terminating NUL character, the form Windows logs
// database paths in (flag 0x08/0x10 records). Invalid UTF-8 becomes U+FFFD.
std::vector<uint8_t> loggedPathUtf16(std::string_view utf8);

}  // namespace esekit
