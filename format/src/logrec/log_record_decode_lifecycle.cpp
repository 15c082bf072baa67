// Lifecycle, marker and backup records: Init/Term/RecoveryUndo/RecoveryQuit,
// trace, external restore, backup markers, LRCHECKSUM, MS
// (log-records.md §3.7-3.8, log-format.md §3.1 for DBMS_PARAM).
#include "logrec/log_record_reader.h"

namespace esekit::logrec {
namespace {

}  // namespace

Result<LogRecordBody> decodeLifecycleRecord(RecordReader& r) {
  using T = LogRecordType;
  switch (r.type()) {
    case T::Init:
    case T::Init2: {
      InitRecord i;
      i.parameters = DbmsParameters::parse(r.view(), 1);  // DBMS_PARAM at offset 1
      if (r.type() == T::Init2) i.time = LogTime::parse(r.view(), 1 + DbmsParameters::kSize);
      return LogRecordBody(std::move(i));
    }
    case T::Term:
    case T::Term2:
    case T::RecoveryQuit:
    case T::RecoveryQuit2:
    case T::RecoveryQuitKeepAttachments: {
      TermRecord t;
      t.lgpos = LogPosition::parse(r.view(), 1);
      t.lgposRedoFrom = LogPosition::parse(r.view(), 9);
      t.hard = r.u8(17);
      if (r.type() != T::Term && r.type() != T::RecoveryQuit) t.time = LogTime::parse(r.view(), 18);
      return LogRecordBody(t);
    }
    case T::RecoveryUndo:
      return LogRecordBody(RecoveryUndoRecord{});
    case T::RecoveryUndo2:
      return LogRecordBody(RecoveryUndoRecord{LogTime::parse(r.view(), 1)});
    case T::ShutDownMark:
      return LogRecordBody(std::monostate{});
    case T::Trace:
    case T::ForceLogRollover: {
      TraceRecord t;
      t.procid = r.u16(1);
      t.text = r.take(r.u16(3));
      return LogRecordBody(t);
    }
    case T::ExtRestore:
    case T::ExtRestore2: {
      ExternalRestoreRecord e;
      e.info.utf16 = r.type() == T::ExtRestore2;
      e.info.raw = r.take(r.u16(1));
      return LogRecordBody(e);
    }
    case T::FullBackup:
    case T::IncBackup: {
      LegacyBackupRecord b;
      b.path.raw = r.take(r.u16(1));
      return LogRecordBody(b);
    }
    case T::Backup: {
      LegacyBackupRecord b;
      b.backupType = r.u8(1);
      b.reserved = r.u8(2);
      b.path.raw = r.take(r.u16(3));
      return LogRecordBody(b);
    }
    case T::Backup2: {
      Backup2Record b;
      b.phase = r.u8(1);
      b.backupType = r.u32(2);
      b.scope = r.u8(6);
      b.dbid = r.u8(7);
      b.details = BackupInfo::parse(r.view(), 8);
      b.reserved = r.u8(32);
      b.path.raw = r.take(r.u16(33));
      return LogRecordBody(b);
    }
    case T::Checksum:
      return LogRecordBody(ChecksumRecord{r.u32(1), r.u32(5), r.u32(9), r.u32(13), r.u32(17), r.u8(21)});
    case T::MS:
      return LogRecordBody(MultiSectorFlushRecord{r.u16(1), r.u32(3), r.u16(7)});
    default:
      return r.corrupt(0, "not a lifecycle record");
  }
}

}  // namespace esekit::logrec
