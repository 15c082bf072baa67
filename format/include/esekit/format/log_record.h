// ESE log record types, names and lengths (ese-format/log-records.md §1-2).
//
// A log record is byte-packed with no length prefix: its length follows from
// its type byte and the count fields of its fixed part. Sizing never needs
// the payload, so a reader can size a record before it has all of it.
// Decoding of whole records is in log_record_decode.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "esekit/format/bytes.h"
#include "esekit/format/status.h"

namespace esekit {

// LRTYP, one byte (log-records.md §1). Values >= kLogRecordTypeCount are corruption.
enum class LogRecordType : uint8_t {
  Nop = 0,
  Init = 1,
  Term = 2,
  MS = 3,
  End = 4,
  Begin = 5,
  Commit = 6,
  Rollback = 7,
  Begin0 = 8,
  Commit0 = 9,
  Refresh = 10,
  MacroBegin = 11,
  MacroCommit = 12,
  MacroAbort = 13,
  CreateDB = 14,
  AttachDB = 15,
  DetachDB = 16,
  RecoveryUndo = 17,
  RecoveryQuit = 18,
  FullBackup = 19,
  IncBackup = 20,
  JetOp = 21,
  Trace = 22,
  ShutDownMark = 23,
  CreateMultipleExtentFDP = 24,
  CreateSingleExtentFDP = 25,
  ConvertFDP = 26,
  Split = 27,
  Merge = 28,
  Insert = 29,
  FlagInsert = 30,
  FlagInsertAndReplaceData = 31,
  FlagDelete = 32,
  Replace = 33,
  ReplaceD = 34,
  Delete = 35,
  UndoInfo = 36,
  Delta = 37,
  SetExternalHeader = 38,
  Undo = 39,
  SLVPageAppend = 40,
  SLVSpace = 41,
  Checksum = 42,
  SLVPageMove = 43,
  ForceDetachDB = 44,
  ExtRestore = 45,
  Backup = 46,
  UpgradeDB = 47,
  EmptyTree = 48,
  Init2 = 49,
  Term2 = 50,
  RecoveryUndo2 = 51,
  RecoveryQuit2 = 52,
  BeginDT = 53,
  PrepCommit = 54,
  PrepRollback = 55,
  DbList = 56,
  ForceWriteLog = 57,
  ConvertFDP2 = 58,
  ExtRestore2 = 59,
  Backup2 = 60,
  ForceLogRollover = 61,
  Split2 = 62,
  Merge2 = 63,
  Scrub = 64,
  PageMove = 65,
  PagePatchRequest = 66,
  MacroInfo = 67,
  ExtendDB = 68,
  CommitCtx = 69,
  ScanCheck = 70,
  Nop2 = 71,
  ReAttach = 72,
  MacroInfo2 = 73,
  FreeFDP = 74,
  Ignored9 = 75,
  FragmentBegin = 76,
  Fragment = 77,
  ShrinkDB = 78,
  CreateDBFinish = 79,
  RecoveryQuitKeepAttachments = 80,
  TrimDB = 81,
  Ignored10 = 82,
  Ignored11 = 83,
  Ignored12 = 84,
  Ignored13 = 85,
  Ignored14 = 86,
  Ignored15 = 87,
  Ignored16 = 88,
  Ignored17 = 89,
  Ignored18 = 90,
  Ignored19 = 91,
  SetDbVersion = 92,
  Delta64 = 93,
  ShrinkDB2 = 94,
  NewPage = 95,
  RootPageMove = 96,
  SignalAttachDb = 97,
  ScanCheck2 = 98,
  ShrinkDB3 = 99,
  ExtentFreed = 100,
  ExtentFreed2 = 101,
};

inline constexpr uint8_t kLogRecordTypeCount = 102;

// "Insert", "Commit0", ... as in the enum; "Unknown" for type >= 102.
std::string_view logRecordTypeName(uint8_t type);
inline std::string_view logRecordTypeName(LogRecordType type) {
  return logRecordTypeName(static_cast<uint8_t>(type));
}
// Like logRecordTypeName, but "Unknown(123)" for type >= 102 (for messages).
std::string logRecordTypeLabel(uint8_t type);

// Size of the fixed part (log-records.md §1); 0 for the obsolete/undefined
// types the engine's size table cannot size (40, 41, 43, 44, 47, 55, 56) and
// for type >= 102.
uint32_t logRecordFixedSize(uint8_t type);

// The LRIGNORED types (67-75, 82-91): lrtyp + ULONG cb of the bytes that follow,
// so that engines that do not know them can skip them.
bool isIgnorableLogRecordType(uint8_t type);

// Total length of the record that starts at bytes[0] (its type byte).
// `bytes` holds everything available and may be shorter than the record: only
// the fixed part must be present; the caller compares the returned length with
// what it has. Never reads past `bytes`. Errors (all JetError::LogCorrupted):
// empty input, type >= 102, a type that cannot be sized, a fixed part that is
// not completely in `bytes`, a length that does not fit 32 bits.
Result<uint32_t> logRecordLength(Bytes bytes);

}  // namespace esekit
