// appendLogRecord: type checks, dispatch to the per-family encoders and a
// final self-check with the record sizing (ese-format/log-records.md §1-3).
#include <functional>

#include "logrec/log_record_writer.h"

namespace esekit {
namespace logrec {

void RecordWriter::pagePrefix(const PageRecordPrefix& p) {
  u16(1, p.procid);
  u8(3, p.dbid);
  u32(4, p.pgno);
  i64(8, p.dbtime);
  i64(16, p.dbtimeBefore);
  u32(24, p.trxBegin0);
  u8(28, p.level);
  u16(29, p.iline);
  u8(31, p.flags);
}

void RecordWriter::nodePrefix(const NodeRecordPrefix& n) {
  pagePrefix(n.page);
  u32(32, n.rceid);
  u32(36, n.pgnoFDP);
  u32(40, n.objidFDP);
}

namespace {

// Same families as the decoder's dispatch (log_record_decode.cpp).
Status dispatch(const LogRecord& record, RecordWriter& w) {
  using T = LogRecordType;
  switch (record.type) {
    case T::Begin: case T::Commit: case T::Rollback: case T::Begin0: case T::Commit0: case T::Refresh:
    case T::MacroBegin: case T::MacroCommit: case T::MacroAbort: case T::BeginDT: case T::PrepCommit:
    case T::ForceWriteLog: case T::CommitCtx: case T::MacroInfo: case T::MacroInfo2: case T::JetOp:
      return encodeTransactionRecord(record, w);
    case T::Insert: case T::FlagInsert: case T::FlagInsertAndReplaceData: case T::FlagDelete: case T::Delete:
    case T::Replace: case T::ReplaceD: case T::UndoInfo: case T::Delta: case T::Delta64:
    case T::SetExternalHeader: case T::Undo: case T::Scrub: case T::EmptyTree:
      return encodeNodeRecord(record, w);
    case T::Split: case T::Split2: case T::Merge: case T::Merge2: case T::PageMove: case T::NewPage:
    case T::RootPageMove: case T::CreateMultipleExtentFDP: case T::CreateSingleExtentFDP: case T::ConvertFDP:
    case T::ConvertFDP2:
      return encodeMultiPageRecord(record, w);
    case T::CreateDB: case T::AttachDB: case T::DetachDB: case T::CreateDBFinish: case T::SignalAttachDb:
    case T::ReAttach: case T::SetDbVersion: case T::ExtendDB: case T::ShrinkDB: case T::ShrinkDB2:
    case T::ShrinkDB3: case T::TrimDB: case T::ExtentFreed: case T::ExtentFreed2: case T::FreeFDP:
    case T::PagePatchRequest: case T::ScanCheck: case T::ScanCheck2:
      return encodeDatabaseRecord(record, w);
    case T::Init: case T::Init2: case T::Term: case T::Term2: case T::RecoveryQuit: case T::RecoveryQuit2:
    case T::RecoveryQuitKeepAttachments: case T::RecoveryUndo: case T::RecoveryUndo2: case T::ShutDownMark:
    case T::Trace: case T::ForceLogRollover: case T::ExtRestore: case T::ExtRestore2: case T::FullBackup:
    case T::IncBackup: case T::Backup: case T::Backup2: case T::Checksum: case T::MS:
      return encodeLifecycleRecord(record, w);
    default:
      return encodeOtherRecord(record, w);
  }
}

}  // namespace
}  // namespace logrec

Status appendLogRecord(const LogRecord& record, std::vector<uint8_t>& out) {
  const auto typeNumber = static_cast<uint8_t>(record.type);
  if (typeNumber >= kLogRecordTypeCount || logRecordFixedSize(typeNumber) == 0) {
    return Status(JetError::InvalidParameter, "encoding log record: type " + logRecordTypeLabel(typeNumber) +
                                                  " is obsolete, undefined or invalid and cannot be written");
  }
  // A decoded record whose views point into `out` itself (re-encoding in
  // place): growing `out` would leave them dangling, so encode aside first.
  const std::less<const uint8_t*> below;
  if (!record.bytes.empty() && !out.empty() && !below(record.bytes.data(), out.data()) &&
      below(record.bytes.data(), out.data() + out.size())) {
    std::vector<uint8_t> aside;
    ESEKIT_RETURN_IF_ERROR(appendLogRecord(LogRecord{record.type, record.length, Bytes(), record.body}, aside));
    out.insert(out.end(), aside.begin(), aside.end());
    return Status::ok();
  }
  const size_t base = out.size();
  logrec::RecordWriter writer(out, record.type);
  Status status = logrec::dispatch(record, writer);
  if (status.isOk()) {
    // The record must size back to what was written, exactly as a reader
    // will size it (log_record_size.cpp); anything else is an encoder bug or
    // a payload the count fields cannot describe.
    const Bytes written(out.data() + base, out.size() - base);
    auto length = logRecordLength(written);
    if (writer.overrun() || !length.isOk() || *length != written.size()) {
      status = writer.invalid("length", "encoded " + std::to_string(written.size()) +
                                            " bytes but the record sizes as " +
                                            (length.isOk() ? std::to_string(*length) : length.status().toString()));
    }
  }
  if (!status.isOk()) out.resize(base);
  return status;
}

Result<std::vector<uint8_t>> encodeLogRecord(const LogRecord& record) {
  std::vector<uint8_t> out;
  ESEKIT_RETURN_IF_ERROR(appendLogRecord(record, out));
  return out;
}

}  // namespace esekit
