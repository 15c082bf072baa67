// Record type names and record sizing (ese-format/log-records.md §1-2,
// the engine's CbLGSizeOfRec).
#include <array>
#include <string>

#include "esekit/format/log_record.h"

namespace esekit {
namespace {

struct TypeInfo {
  std::string_view name;
  uint32_t fixedSize;  // 0 = the engine cannot size this type
};

// Indexed by type number; sizes from log-records.md §1.
constexpr std::array<TypeInfo, kLogRecordTypeCount> kTypes = {{
    {"Nop", 1},
    {"Init", 568},
    {"Term", 18},
    {"MS", 9},
    {"End", 1},
    {"Begin", 4},
    {"Commit", 4},
    {"Rollback", 4},
    {"Begin0", 8},
    {"Commit0", 8},
    {"Refresh", 7},
    {"MacroBegin", 11},
    {"MacroCommit", 11},
    {"MacroAbort", 11},
    {"CreateDB", 43},
    {"AttachDB", 75},
    {"DetachDB", 7},
    {"RecoveryUndo", 1},
    {"RecoveryQuit", 18},
    {"FullBackup", 3},
    {"IncBackup", 3},
    {"JetOp", 4},
    {"Trace", 5},
    {"ShutDownMark", 1},
    {"CreateMultipleExtentFDP", 56},
    {"CreateSingleExtentFDP", 48},
    {"ConvertFDP", 60},
    {"Split", 102},
    {"Merge", 88},
    {"Insert", 50},
    {"FlagInsert", 48},
    {"FlagInsertAndReplaceData", 52},
    {"FlagDelete", 44},
    {"Replace", 50},
    {"ReplaceD", 50},
    {"Delete", 44},
    {"UndoInfo", 56},
    {"Delta", 54},
    {"SetExternalHeader", 46},
    {"Undo", 51},
    {"SLVPageAppend", 0},
    {"SLVSpace", 0},
    {"Checksum", 22},
    {"SLVPageMove", 0},
    {"ForceDetachDB", 0},
    {"ExtRestore", 3},
    {"Backup", 5},
    {"UpgradeDB", 0},
    {"EmptyTree", 46},
    {"Init2", 576},
    {"Term2", 26},
    {"RecoveryUndo2", 9},
    {"RecoveryQuit2", 26},
    {"BeginDT", 8},
    {"PrepCommit", 7},
    {"PrepRollback", 0},  // 3 bytes, but the engine's size table has no entry (§1)
    {"DbList", 0},
    {"ForceWriteLog", 3},
    {"ConvertFDP2", 68},
    {"ExtRestore2", 3},
    {"Backup2", 35},
    {"ForceLogRollover", 5},
    {"Split2", 110},
    {"Merge2", 96},
    {"Scrub", 54},
    {"PageMove", 96},
    {"PagePatchRequest", 46},
    {"MacroInfo", 5},
    {"ExtendDB", 5},
    {"CommitCtx", 5},
    {"ScanCheck", 5},
    {"Nop2", 5},
    {"ReAttach", 5},
    {"MacroInfo2", 5},
    {"FreeFDP", 5},
    {"Ignored9", 5},
    {"FragmentBegin", 7},
    {"Fragment", 3},
    {"ShrinkDB", 10},
    {"CreateDBFinish", 4},
    {"RecoveryQuitKeepAttachments", 26},
    {"TrimDB", 10},
    {"Ignored10", 5},
    {"Ignored11", 5},
    {"Ignored12", 5},
    {"Ignored13", 5},
    {"Ignored14", 5},
    {"Ignored15", 5},
    {"Ignored16", 5},
    {"Ignored17", 5},
    {"Ignored18", 5},
    {"Ignored19", 5},
    {"SetDbVersion", 14},
    {"Delta64", 58},
    {"ShrinkDB2", 10},
    {"NewPage", 20},
    {"RootPageMove", 16},
    {"SignalAttachDb", 2},
    {"ScanCheck2", 27},
    {"ShrinkDB3", 18},
    {"ExtentFreed", 11},
    {"ExtentFreed2", 19},
}};

// Bytes after the fixed part, from the count fields of the fixed part
// (log-records.md §1 "Variable part", §3 for the field offsets). The caller
// has checked that the whole fixed part is in `v`.
uint64_t variableLength(LogRecordType type, const ByteView& v) {
  using T = LogRecordType;
  switch (type) {
    case T::CreateDB:  // §3.9: cbPath at 40, flag 0x04 adds 4 bytes of version info
      return uint64_t{v.u16(40)} + ((v.u8(42) & 0x04) ? 4 : 0);
    case T::AttachDB:
      return v.u16(72);
    case T::DetachDB:
      return v.u16(4);
    case T::FullBackup:
    case T::IncBackup:
    case T::ExtRestore:
    case T::ExtRestore2:
    case T::Fragment:
      return v.u16(1);
    case T::Trace:
    case T::ForceLogRollover:
    case T::Backup:
      return v.u16(3);
    case T::PrepCommit:
      return v.u32(3);
    case T::Split:  // same first 102 bytes as Split2 (LRSPLIT_)
      return uint64_t{v.u16(96)} + v.u16(98) + v.u16(100);
    case T::Split2:
      return uint64_t{v.u16(96)} + v.u16(98) + v.u16(100) + v.u32(106);
    case T::Merge:
      return v.u16(86);
    case T::Merge2:
      return uint64_t{v.u16(86)} + v.u32(92);
    case T::Insert:
      return uint64_t{v.u16(44)} + v.u16(46) + v.u16(48);
    case T::FlagInsert:
    case T::FlagInsertAndReplaceData:
    case T::Delta:
    case T::Delta64:
    case T::Undo:
      return uint64_t{v.u16(44)} + v.u16(46);
    case T::Replace:
    case T::ReplaceD:
      return v.u16(44) & 0x7FFF;  // bit 15 is fDiff2, not length
    case T::UndoInfo:
      return uint64_t{v.u16(44)} + v.u16(46) + v.u16(54);
    case T::SetExternalHeader:
    case T::EmptyTree:
      return v.u16(44);
    case T::Backup2:
      return v.u16(33);
    case T::Scrub:
      return v.u16(52);
    case T::PageMove:
      return uint64_t{v.u32(88)} + v.u32(92);
    case T::FragmentBegin:
      return v.u16(5);
    default:
      break;
  }
  if (isIgnorableLogRecordType(static_cast<uint8_t>(type))) return v.u32(1);
  return 0;
}

}  // namespace

std::string_view logRecordTypeName(uint8_t type) {
  return type < kLogRecordTypeCount ? kTypes[type].name : std::string_view("Unknown");
}

std::string logRecordTypeLabel(uint8_t type) {
  if (type < kLogRecordTypeCount) return std::string(kTypes[type].name);
  return "Unknown(" + std::to_string(type) + ")";
}

uint32_t logRecordFixedSize(uint8_t type) { return type < kLogRecordTypeCount ? kTypes[type].fixedSize : 0; }

bool isIgnorableLogRecordType(uint8_t type) { return (type >= 67 && type <= 75) || (type >= 82 && type <= 91); }

Result<uint32_t> logRecordLength(Bytes bytes) {
  if (bytes.empty()) return Status(JetError::LogCorrupted, "log record at offset 0: no bytes (type byte missing)");
  const uint8_t type = bytes[0];
  if (type >= kLogRecordTypeCount) {
    return Status(JetError::LogCorrupted, "log record at offset 0: invalid type " + std::to_string(type) +
                                              " (valid types are 0.." + std::to_string(kLogRecordTypeCount - 1) + ")");
  }
  const uint32_t fixed = kTypes[type].fixedSize;
  if (fixed == 0) {
    return Status(JetError::LogCorrupted, "log record at offset 0: type " + std::to_string(type) + " (" +
                                              std::string(kTypes[type].name) +
                                              ") is obsolete or undefined and cannot be sized");
  }
  if (bytes.size() < fixed) {
    return Status(JetError::LogCorrupted, "log record " + std::string(kTypes[type].name) +
                                              ": truncated fixed part: needs " + std::to_string(fixed) +
                                              " bytes, only " + std::to_string(bytes.size()) +
                                              " available (missing from offset " + std::to_string(bytes.size()) +
                                              ")");
  }
  const ByteView view(bytes.first(fixed));
  const uint64_t total = fixed + variableLength(static_cast<LogRecordType>(type), view);
  if (total > UINT32_MAX) {
    return Status(JetError::LogCorrupted, "log record " + std::string(kTypes[type].name) + ": length " +
                                              std::to_string(total) + " does not fit 32 bits");
  }
  return static_cast<uint32_t>(total);
}

}  // namespace esekit
