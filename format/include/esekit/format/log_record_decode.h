// Decoding of whole (already reassembled) log records into typed fields
// (ese-format/log-records.md §3), uniform accessors for redo, describe() for
// dumps, and ReplaceD diff application (§3.4).
//
// Lifetime: every `Bytes` member of a decoded record is a view into the
// buffer passed to decodeLogRecord(); keep that buffer alive (and unchanged)
// as long as the LogRecord is used. Payloads are never copied.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/checkpoint.h"
#include "esekit/format/fields.h"
#include "esekit/format/log_record.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit {

// dbtimeBefore of operations that did not dirty the page themselves (e.g. the
// insert half of a split), log-records.md §3.1.
inline constexpr int64_t kDbtimeInvalid = -2;  // 0xFFFFFFFFFFFFFFFE

// ---------------------------------------------------------------------------
// Common prefixes

// LRPAGE_ flag bits (offset 31), log-records.md §3.1.
namespace page_record_flag {
inline constexpr uint8_t kVersioned = 0x01;
inline constexpr uint8_t kDeleted = 0x02;
inline constexpr uint8_t kUniqueKeys = 0x04;
inline constexpr uint8_t kSpaceTree = 0x08;
inline constexpr uint8_t kConcurrentCreateIndex = 0x10;
inline constexpr uint8_t kSystemTask = 0x20;
}  // namespace page_record_flag

// LRPAGE_, 32 bytes (§3.1).
struct PageRecordPrefix {
  uint16_t procid = 0;        // session
  uint8_t dbid = 0;
  uint32_t pgno = 0;          // page the operation applies to
  int64_t dbtime = 0;         // page dbtime after the operation
  int64_t dbtimeBefore = 0;   // page dbtime before (kDbtimeInvalid possible)
  uint32_t trxBegin0 = 0;
  uint8_t level = 0;          // transaction level
  uint16_t iline = 0;         // node index on the page
  uint8_t flags = 0;          // page_record_flag bits

  static constexpr size_t kSize = 32;
  bool versioned() const { return flags & page_record_flag::kVersioned; }
  bool uniqueKeys() const { return flags & page_record_flag::kUniqueKeys; }
  bool spaceTree() const { return flags & page_record_flag::kSpaceTree; }
};

// LRNODE_, 44 bytes = LRPAGE_ + rceid, pgnoFDP, objidFDP (§3.2).
struct NodeRecordPrefix {
  PageRecordPrefix page;
  uint32_t rceid = 0;
  uint32_t pgnoFDP = 0;
  uint32_t objidFDP = 0;

  static constexpr size_t kSize = 44;
};

// ---------------------------------------------------------------------------
// Transaction records (§3.6)

struct BeginRecord {  // Begin, Begin0, BeginDT
  uint16_t procid = 0;
  uint8_t levelBeginFrom = 0;  // low nibble of byte 3
  uint8_t levelsToBegin = 0;   // high nibble of byte 3
  std::optional<uint32_t> trxBegin0;  // Begin0 / BeginDT only
};
struct CommitRecord {  // Commit, Commit0
  uint16_t procid = 0;
  uint8_t levelCommitTo = 0;
  std::optional<uint32_t> trxCommit0;  // Commit0 only
};
struct RollbackRecord {
  uint16_t procid = 0;
  uint8_t levels = 0;  // number of levels rolled back
};
struct RefreshRecord {
  uint16_t procid = 0;
  uint32_t trxBegin0 = 0;
};
struct MacroRecord {  // MacroBegin, MacroCommit, MacroAbort
  uint16_t procid = 0;
  int64_t dbtime = 0;  // identifies the macro
};
struct SessionRecord {  // ForceWriteLog
  uint16_t procid = 0;
};
struct PrepareCommitRecord {
  uint16_t procid = 0;
  Bytes data;
};
struct CommitContextRecord {  // CommitCtx (ignorable 69)
  uint16_t procid = 0;
  uint8_t flags = 0;  // 0x1 callback needed, 0x2 customer data, 0x4 pre-commit callback
  Bytes context;
};
struct MacroInfoRecord {  // MacroInfo (67), MacroInfo2 (73)
  std::optional<uint8_t> dbid;  // MacroInfo2 only
  uint32_t pageCount = 0;
  Bytes pageNumbers;            // pageCount little-endian PGNOs
  uint32_t pgno(size_t index) const { return loadLittleEndian<uint32_t>(pageNumbers.data() + 4 * index); }
};
struct JetOpRecord {  // JetOp (21), debug
  uint16_t procid = 0;
  uint8_t operation = 0;
};

// ---------------------------------------------------------------------------
// Single-page node records (§3.3)

struct InsertRecord {
  NodeRecordPrefix node;
  Bytes keyPrefix;  // cbPrefix > 0: insert prefix-compressed with this prefix length
  Bytes keySuffix;
  Bytes data;
};
struct FlagInsertRecord {  // FlagInsert, FlagInsertAndReplaceData
  NodeRecordPrefix node;
  Bytes key;
  Bytes data;                            // after-image
  std::optional<uint32_t> rceidReplace;  // FlagInsertAndReplaceData only
};
struct NodeOperationRecord {  // FlagDelete, Delete: the node is `node.page.iline`
  NodeRecordPrefix node;
};

// One entry of a ReplaceD diff stream (§3.4).
struct ReplaceDiffEntry {
  enum class Kind : uint8_t { Insert, ReplaceSameLength, Replace };
  uint32_t streamOffset = 0;  // offset of the entry header inside the diff stream
  uint16_t oldOffset = 0;     // where in the old data the entry applies
  Kind kind = Kind::Replace;
  bool twoByteLengths = false;
  uint16_t newLength = 0;     // bytes written (0 with Replace = deletion)
  uint16_t oldLength = 0;     // old bytes consumed (0 for Insert)
  Bytes newData;
};

struct ReplaceRecord {  // Replace (full after-image), ReplaceD (diff stream)
  NodeRecordPrefix node;
  bool isDiff = false;       // ReplaceD: payload is a diff stream
  bool diff2 = false;        // bit 15 of cb: DIFFHDR2 entry headers
  uint16_t oldDataLength = 0;  // cbOldData
  uint16_t newDataLength = 0;  // cbNewData: length of the after-image
  Bytes payload;             // Replace: the new data; ReplaceD: the diff stream
  std::vector<ReplaceDiffEntry> diffs;  // ReplaceD only, parsed from payload
};
struct DeltaRecord {  // Delta (32-bit), Delta64
  NodeRecordPrefix node;
  Bytes bookmarkKey;
  Bytes bookmarkData;
  int64_t delta = 0;
  bool is64 = false;
  uint16_t valueOffset = 0;  // cbOffset: byte offset of the counter in the node data
};
struct SetExternalHeaderRecord {
  NodeRecordPrefix node;
  Bytes data;
};
struct UndoInfoRecord {
  NodeRecordPrefix node;
  Bytes bookmarkKey;
  Bytes bookmarkData;
  uint16_t operation = 0;  // 2 replace, 3 flag-delete
  int16_t maxSize = 0;     // cbMaxSize
  int16_t sizeDelta = 0;   // cbDelta
  Bytes beforeImage;
};
struct UndoRecord {
  NodeRecordPrefix node;
  Bytes bookmarkKey;
  Bytes bookmarkData;
  uint16_t operation = 0;
  uint8_t level = 0;
};
struct ScrubRecord {
  NodeRecordPrefix node;
  uint32_t flags = 0;  // 0x1 unused page
  uint32_t operationCount = 0;
  Bytes data;
};
struct EmptyPage {  // EMPTYPAGE, 16 bytes
  int64_t dbtimeBefore = 0;
  uint32_t pgno = 0;
  uint32_t flags = 0;
};
struct EmptyTreeRecord {
  NodeRecordPrefix node;
  std::vector<EmptyPage> pages;
};

// ---------------------------------------------------------------------------
// Multi-page records (§3.5)

struct SplitRecord {  // Split (old, 27) and Split2 (62)
  PageRecordPrefix page;  // pgno = page being split
  bool hasBeforeImage = false;  // Split2
  uint32_t pgnoNew = 0;
  uint32_t pgnoRight = 0;
  int64_t dbtimeRightBefore = 0;
  uint32_t pgnoParent = 0;
  int64_t dbtimeParentBefore = 0;
  uint32_t pgnoFDP = 0;
  uint32_t objidFDP = 0;
  uint8_t splitType = 0;       // 0 vertical, 1 right, 2 append
  uint8_t splitOperation = 0;  // 0 none, 1 insert, 2 replace, 3 flag-insert-and-replace-data
  uint16_t ilineOperation = 0;
  uint16_t ilineSplit = 0;
  uint16_t lineCount = 0;
  uint32_t newPageFlags = 0;
  uint32_t splitPageFlags = 0;
  int16_t uncommittedFreedSource = 0;
  int16_t uncommittedFreedDestination = 0;
  int32_t ilinePrefixSplit = 0;
  int32_t ilinePrefixNew = 0;
  uint32_t preimageFlags = 0;  // 0x1 dehydrated, 0x2 Xpress-compressed
  Bytes parentKey;
  Bytes prefixSplitOld;
  Bytes prefixSplitNew;
  Bytes pageBeforeImage;
};
struct MergeRecord {  // Merge (old, 28) and Merge2 (63)
  PageRecordPrefix page;
  bool hasBeforeImage = false;  // Merge2
  uint32_t pgnoRight = 0;
  int64_t dbtimeRightBefore = 0;
  uint32_t pgnoLeft = 0;
  int64_t dbtimeLeftBefore = 0;
  uint32_t pgnoParent = 0;
  int64_t dbtimeParentBefore = 0;
  uint32_t pgnoFDP = 0;
  uint32_t objidFDP = 0;
  uint16_t sizeTotal = 0;
  uint16_t sizeMaxTotal = 0;
  uint16_t uncommittedFreedDestination = 0;
  uint16_t ilineMerge = 0;
  uint8_t mergeFlags = 0;  // 0x1 key change, 0x2 delete node, 0x4 empty page
  uint8_t mergeType = 0;   // 0 none .. 7 page move
  uint32_t preimageFlags = 0;
  Bytes parentSeparatorKey;
  Bytes pageBeforeImage;
};
struct PageMoveRecord {
  PageRecordPrefix page;  // pgno = source, dbtime = after for all pages
  uint32_t pgnoDestination = 0;
  uint32_t pgnoLeft = 0;
  uint32_t pgnoRight = 0;
  uint32_t pgnoParent = 0;
  int64_t dbtimeLeftBefore = 0;
  int64_t dbtimeRightBefore = 0;
  int64_t dbtimeParentBefore = 0;
  uint32_t pgnoFDP = 0;
  uint32_t objidFDP = 0;
  int32_t ilineParent = 0;
  uint32_t moveFlags = 0;  // 0x1 root FDP, 0x2 root OE, 0x4 root AE
  Bytes pageHeader;
  Bytes pageTrailer;
};
struct NewPageRecord {
  uint16_t procid = 0;
  uint8_t dbid = 0;
  uint32_t pgno = 0;
  uint32_t objid = 0;
  int64_t dbtimeAfter = 0;
};
struct RootPageMoveRecord {
  int64_t dbtimeAfter = 0;
  uint8_t dbid = 0;
  uint32_t objid = 0;
  uint16_t procid = 0;
};
struct CreateFdpRecord {  // CreateMultipleExtentFDP, CreateSingleExtentFDP
  PageRecordPrefix page;  // pgno = new FDP root
  bool multipleExtent = false;
  uint32_t objidFDP = 0;
  uint32_t pgnoOwnedExtents = 0;      // multiple-extent only
  uint32_t pgnoAvailableExtents = 0;  // multiple-extent only
  uint32_t pgnoFDPParent = 0;
  uint32_t primaryPageCount = 0;
  uint32_t pageFlags = 0;
};
struct ConvertFdpRecord {  // ConvertFDP (old, 26), ConvertFDP2 (58)
  PageRecordPrefix page;
  uint32_t objidFDP = 0;
  uint32_t pgnoOwnedExtents = 0;
  uint32_t pgnoAvailableExtents = 0;
  uint32_t pgnoFDPParent = 0;
  uint32_t pgnoSecondaryFirst = 0;
  uint32_t primaryPageCount = 0;
  uint32_t secondaryPageCount = 0;
  std::optional<uint32_t> availableBitmap;  // ConvertFDP2
  std::optional<uint32_t> pageFlags;        // ConvertFDP2
};

// ---------------------------------------------------------------------------
// Database records (§3.9, §3.7)

// A path as logged: UTF-16LE or 8-bit, possibly NUL-terminated.
struct LoggedPath {
  Bytes raw;
  bool utf16 = false;
  // UTF-8, up to the first NUL; invalid UTF-16 becomes U+FFFD, 8-bit bytes
  // are taken as Latin-1.
  std::string toUtf8() const;
};

struct CreateDatabaseRecord {
  uint16_t procid = 0;
  uint8_t dbid = 0;
  uint32_t grbit = 0;
  uint32_t maxPageCount = 0;  // cpgDatabaseSizeMax
  Signature signDb;
  uint8_t flags = 0;  // 0x04 version info, 0x08 UTF-16 names, 0x10 sparse
  std::optional<uint16_t> version;      // flag 0x04
  std::optional<uint16_t> updateMajor;  // flag 0x04
  LoggedPath path;
};
struct AttachDatabaseRecord {
  uint16_t procid = 0;
  uint8_t dbid = 0;
  uint32_t maxPageCount = 0;
  LogPosition lgposConsistent;
  Signature signDb;
  Signature signLog;
  uint8_t flags = 0;  // 0x08 UTF-16, 0x10 sparse
  LoggedPath path;
};
struct DetachDatabaseRecord {
  uint16_t procid = 0;
  uint8_t dbid = 0;
  uint8_t flags = 0;  // 0x10 UTF-16
  LoggedPath path;
};
struct DatabaseSessionRecord {  // CreateDBFinish
  uint16_t procid = 0;
  uint8_t dbid = 0;
};
struct DatabaseIdRecord {  // SignalAttachDb
  uint8_t dbid = 0;
};
struct ReAttachRecord {  // ignorable 72
  uint8_t dbid = 0;
  LogPosition lgposAttach;
  LogPosition lgposConsistent;
  Signature signDb;
  Bytes trailing;  // bytes cb covers beyond the 45 of this layout (normally none)
};
struct SetDbVersionRecord {
  uint8_t dbid = 0;
  uint32_t major = 0;
  uint32_t updateMajor = 0;
  uint32_t updateMinor = 0;
};
struct ExtendDatabaseRecord {  // ignorable 68
  uint8_t dbid = 0;
  uint32_t pgnoLast = 0;
  Bytes trailing;  // bytes cb covers beyond the 5 of this layout (none in real logs)
};
struct ShrinkDatabaseRecord {  // ShrinkDB, ShrinkDB2, ShrinkDB3
  uint8_t dbid = 0;
  uint32_t pgnoLast = 0;
  uint32_t pagesShrunk = 0;
  std::optional<int64_t> dbtime;  // ShrinkDB3
};
struct TrimDatabaseRecord {
  uint8_t dbid = 0;
  uint32_t pgnoStartZeroes = 0;
  uint32_t zeroPageCount = 0;
};
struct ExtentFreedRecord {  // ExtentFreed, ExtentFreed2
  uint8_t dbid = 0;
  uint32_t pgnoFirst = 0;
  uint32_t pageCount = 0;
  uint8_t flags = 0;  // 0x1 table root page, 0x2 empty page FDP deleted
  std::optional<int64_t> dbtime;  // ExtentFreed2
};
struct FreeFdpRecord {  // ignorable 74
  uint8_t dbid = 0;
  uint32_t pgnoFDP = 0;
  uint32_t trxCommitted = 0;
  uint8_t fdpType = 0;  // 1 table, 2 index
  Bytes trailing;  // bytes cb covers beyond the 10 of this layout
};
struct PagePatchRequestRecord {
  uint8_t dbid = 0;
  uint32_t pgno = 0;
  int64_t dbtime = 0;
  Bytes reserved;  // the 32 reserved bytes at offset 14; empty encodes as zeros
};
struct ScanCheckRecord {  // ScanCheck (ignorable 70, legacy) and ScanCheck2 (98)
  bool legacy = false;
  uint8_t dbid = 0;
  uint32_t pgno = 0;
  uint8_t flagsAndSource = 0;  // ScanCheck2: bits 0-1 source, 0x40 empty page, 0x80 objid invalid
  int64_t dbtimePage = 0;
  int64_t dbtimeCurrent = 0;
  uint32_t checksum = 0;       // 16-bit in the legacy record
  Bytes legacyUnused;  // legacy: the 16 unused bytes at offset 10 (two dbtimes); empty encodes as zeros
  Bytes trailing;      // legacy: bytes cb covers beyond the 39 of the layout
};

// ---------------------------------------------------------------------------
// Lifecycle, backup and log-structure records (§3.7, §3.8)

// DBMS_PARAM (log-format.md §3.1): DbmsParameters from checkpoint.h.
struct InitRecord {  // Init, Init2
  DbmsParameters parameters;
  std::optional<LogTime> time;  // Init2
};
struct TermRecord {  // Term, Term2, RecoveryQuit, RecoveryQuit2, RecoveryQuitKeepAttachments
  LogPosition lgpos;           // start of undo / last begin
  LogPosition lgposRedoFrom;
  uint8_t hard = 0;
  std::optional<LogTime> time;  // the "2" variants
};
struct RecoveryUndoRecord {  // RecoveryUndo, RecoveryUndo2
  std::optional<LogTime> time;
};
struct TraceRecord {  // Trace, ForceLogRollover
  uint16_t procid = 0;
  Bytes text;
};
struct ExternalRestoreRecord {  // ExtRestore, ExtRestore2 (UTF-16)
  LoggedPath info;
};
struct LegacyBackupRecord {  // FullBackup, IncBackup, Backup (46)
  std::optional<uint8_t> backupType;  // Backup (46) only
  uint8_t reserved = 0;               // Backup (46): byte 2
  LoggedPath path;
};
struct Backup2Record {
  uint8_t phase = 0;  // 1 begin .. 6 stop
  uint32_t backupType = 0;
  uint8_t scope = 0;
  uint8_t dbid = 0;
  BackupInfo details;
  uint8_t reserved = 0;
  LoggedPath path;
};
struct ChecksumRecord {  // LRCHECKSUM (v7 logs), checksums.md §8
  uint32_t bytesBackward = 0;  // cbBackwards
  uint32_t bytesForward = 0;   // cbForwards
  uint32_t bytesToNext = 0;    // cbNext
  uint32_t checksum = 0;
  uint32_t shortChecksum = 0;
  uint8_t useShortChecksum = 0;  // 0x9A on, 0xD1 off
};
struct MultiSectorFlushRecord {  // MS (3), obsolete
  uint16_t forwardByteOffset = 0;
  uint32_t checksum = 0;
  uint16_t forwardSector = 0;
};
struct FragmentRecord {  // FragmentBegin, Fragment (log-format.md §5.2)
  std::optional<uint32_t> totalSize;  // FragmentBegin only
  Bytes data;
};
struct IgnoredRecord {  // ignorable types without a known layout (Nop2, Ignored9..19)
  Bytes payload;
};

// ---------------------------------------------------------------------------

using LogRecordBody = std::variant<
    std::monostate,  // no fields: Nop, End, ShutDownMark
    BeginRecord, CommitRecord, RollbackRecord, RefreshRecord, MacroRecord, SessionRecord, PrepareCommitRecord,
    CommitContextRecord, MacroInfoRecord, JetOpRecord,
    InsertRecord, FlagInsertRecord, NodeOperationRecord, ReplaceRecord, DeltaRecord, SetExternalHeaderRecord,
    UndoInfoRecord, UndoRecord, ScrubRecord, EmptyTreeRecord,
    SplitRecord, MergeRecord, PageMoveRecord, NewPageRecord, RootPageMoveRecord, CreateFdpRecord, ConvertFdpRecord,
    CreateDatabaseRecord, AttachDatabaseRecord, DetachDatabaseRecord, DatabaseSessionRecord, DatabaseIdRecord,
    ReAttachRecord, SetDbVersionRecord, ExtendDatabaseRecord, ShrinkDatabaseRecord, TrimDatabaseRecord,
    ExtentFreedRecord, FreeFdpRecord, PagePatchRequestRecord, ScanCheckRecord,
    InitRecord, TermRecord, RecoveryUndoRecord, TraceRecord, ExternalRestoreRecord, LegacyBackupRecord,
    Backup2Record, ChecksumRecord, MultiSectorFlushRecord, FragmentRecord, IgnoredRecord>;

struct LogRecord {
  LogRecordType type = LogRecordType::Nop;
  uint32_t length = 0;
  Bytes bytes;  // the whole record (view into the decoded buffer)
  LogRecordBody body;

  template <typename T>
  const T* as() const { return std::get_if<T>(&body); }
};

// Decodes exactly one whole record: `record` must hold the record and nothing
// else (its length as logRecordLength() computes it). Errors are
// JetError::LogCorrupted naming the type and the offset inside the record:
// invalid or unsizable type, truncated record, trailing bytes, and
// inconsistent inner counts (e.g. a malformed ReplaceD diff stream).
Result<LogRecord> decodeLogRecord(Bytes record);

// Uniform accessors for redo. Empty when the record has no such field.
std::optional<PageRecordPrefix> pagePrefix(const LogRecord& record);  // every LRPAGE_-based record
std::optional<NodeRecordPrefix> nodePrefix(const LogRecord& record);  // LRNODE_-based records (§3.2-3.3)
std::optional<uint8_t> dbidOf(const LogRecord& record);
std::optional<uint16_t> procidOf(const LogRecord& record);
std::optional<uint32_t> objidOf(const LogRecord& record);  // objidFDP / objid of page and FDP records

// Key fields for `esekit dump records` (type, length, dbid, pgno, objid,
// dbtimes, trx, procid, lengths, names).
FieldList describe(const LogRecord& record);

// Parses a ReplaceD diff stream into its entries (§3.4); LogCorrupted with the
// stream offset when an entry runs past the end.
Result<std::vector<ReplaceDiffEntry>> parseReplaceDiff(Bytes diffs, bool diff2);

inline constexpr uint32_t kMaxPageSize = 32768;

// Applies a diff stream to `before` (the current node data) and returns the
// after-image, with the checks of the engine's ErrLGGetAfterImage: any offset
// or length out of range, and a result longer than `pageSize`, are
// JetError::LogFileCorrupt.
Result<std::vector<uint8_t>> applyReplaceDiff(Bytes before, Bytes diffs, bool diff2,
                                              uint32_t pageSize = kMaxPageSize);

// The after-image of a Replace/ReplaceD record as redo builds it: ReplaceD goes
// through applyReplaceDiff; then, as the engine's redo does, a result of
// `pageSize` bytes or more, or one whose length is not cbNewData, is
// JetError::LogCorrupted.
Result<std::vector<uint8_t>> replaceAfterImage(Bytes before, const ReplaceRecord& record,
                                               uint32_t pageSize = kMaxPageSize);

}  // namespace esekit
