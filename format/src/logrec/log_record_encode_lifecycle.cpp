// Lifecycle, marker and backup records, NOP/End, fragments and ignorable
// records without a known layout (log-records.md §1, §3.7-3.8; log-format.md
// §3.1 for DBMS_PARAM, §5.2 for fragments).
#include "logrec/log_record_writer.h"

namespace esekit::logrec {
namespace {

bool hasTime(LogRecordType type) {
  using T = LogRecordType;
  return type == T::Term2 || type == T::RecoveryQuit2 || type == T::RecoveryQuitKeepAttachments;
}

Status encodeTerm(const LogRecord& record, RecordWriter& w) {
  const auto* t = bodyAs<TermRecord>(record);
  if (!t) return w.wrongBody("TermRecord");
  if (t->time.has_value() != hasTime(record.type)) {
    return w.invalid("time", hasTime(record.type) ? "this type carries a LOGTIME" : "this type has no LOGTIME");
  }
  w.put(1, t->lgpos);
  w.put(9, t->lgposRedoFrom);
  w.u8(17, t->hard);
  if (t->time) w.put(18, *t->time);
  return Status::ok();
}

Status encodeBackup(const LogRecord& record, RecordWriter& w) {
  using T = LogRecordType;
  if (record.type == T::Backup2) {
    const auto* b = bodyAs<Backup2Record>(record);
    if (!b) return w.wrongBody("Backup2Record");
    w.u8(1, b->phase);
    w.u32(2, b->backupType);
    w.u8(6, b->scope);
    w.u8(7, b->dbid);
    w.put(8, b->details);
    w.u8(32, b->reserved);
    ESEKIT_RETURN_IF_ERROR(w.count16(33, "path", b->path.raw.size()));
    w.append(b->path.raw);
    return Status::ok();
  }
  const auto* b = bodyAs<LegacyBackupRecord>(record);
  if (!b) return w.wrongBody("LegacyBackupRecord");
  const bool backup46 = record.type == T::Backup;
  if (b->backupType.has_value() != backup46) {
    return w.invalid("backupType", backup46 ? "Backup (46) needs a type" : "FullBackup/IncBackup have no type");
  }
  if (!backup46 && b->reserved != 0) return w.invalid("reserved", "FullBackup/IncBackup have no reserved byte");
  if (backup46) {
    w.u8(1, *b->backupType);
    w.u8(2, b->reserved);
    ESEKIT_RETURN_IF_ERROR(w.count16(3, "path", b->path.raw.size()));
  } else {
    ESEKIT_RETURN_IF_ERROR(w.count16(1, "path", b->path.raw.size()));
  }
  w.append(b->path.raw);
  return Status::ok();
}

}  // namespace

Status encodeLifecycleRecord(const LogRecord& record, RecordWriter& w) {
  using T = LogRecordType;
  switch (record.type) {
    case T::Init:
    case T::Init2: {
      const auto* i = bodyAs<InitRecord>(record);
      if (!i) return w.wrongBody("InitRecord");
      if (i->time.has_value() != (record.type == T::Init2)) {
        return w.invalid("time", record.type == T::Init2 ? "Init2 carries a LOGTIME" : "Init has no LOGTIME");
      }
      w.put(1, i->parameters);  // DBMS_PARAM at offset 1
      if (i->time) w.put(1 + DbmsParameters::kSize, *i->time);
      return Status::ok();
    }
    case T::Term:
    case T::Term2:
    case T::RecoveryQuit:
    case T::RecoveryQuit2:
    case T::RecoveryQuitKeepAttachments:
      return encodeTerm(record, w);
    case T::RecoveryUndo:
    case T::RecoveryUndo2: {
      const auto* u = bodyAs<RecoveryUndoRecord>(record);
      if (!u) return w.wrongBody("RecoveryUndoRecord");
      if (u->time.has_value() != (record.type == T::RecoveryUndo2)) {
        return w.invalid("time", record.type == T::RecoveryUndo2 ? "RecoveryUndo2 carries a LOGTIME"
                                                                 : "RecoveryUndo has no LOGTIME");
      }
      if (u->time) w.put(1, *u->time);
      return Status::ok();
    }
    case T::ShutDownMark:
      if (!bodyAs<std::monostate>(record)) return w.wrongBody("std::monostate");
      return Status::ok();
    case T::Trace:
    case T::ForceLogRollover: {
      const auto* t = bodyAs<TraceRecord>(record);
      if (!t) return w.wrongBody("TraceRecord");
      w.u16(1, t->procid);
      ESEKIT_RETURN_IF_ERROR(w.count16(3, "text", t->text.size()));
      w.append(t->text);
      return Status::ok();
    }
    case T::ExtRestore:
    case T::ExtRestore2: {
      const auto* e = bodyAs<ExternalRestoreRecord>(record);
      if (!e) return w.wrongBody("ExternalRestoreRecord");
      ESEKIT_RETURN_IF_ERROR(w.count16(1, "info", e->info.raw.size()));
      w.append(e->info.raw);
      return Status::ok();
    }
    case T::FullBackup:
    case T::IncBackup:
    case T::Backup:
    case T::Backup2:
      return encodeBackup(record, w);
    case T::Checksum: {
      const auto* c = bodyAs<ChecksumRecord>(record);
      if (!c) return w.wrongBody("ChecksumRecord");
      w.u32(1, c->bytesBackward);
      w.u32(5, c->bytesForward);
      w.u32(9, c->bytesToNext);
      w.u32(13, c->checksum);
      w.u32(17, c->shortChecksum);
      w.u8(21, c->useShortChecksum);
      return Status::ok();
    }
    case T::MS: {
      const auto* m = bodyAs<MultiSectorFlushRecord>(record);
      if (!m) return w.wrongBody("MultiSectorFlushRecord");
      w.u16(1, m->forwardByteOffset);
      w.u32(3, m->checksum);
      w.u16(7, m->forwardSector);
      return Status::ok();
    }
    default:
      return w.invalid("type", "not a lifecycle record");
  }
}

Status encodeOtherRecord(const LogRecord& record, RecordWriter& w) {
  using T = LogRecordType;
  switch (record.type) {
    case T::Nop:
    case T::End:
      if (!bodyAs<std::monostate>(record)) return w.wrongBody("std::monostate");
      return Status::ok();
    case T::FragmentBegin:
    case T::Fragment: {
      const auto* f = bodyAs<FragmentRecord>(record);
      if (!f) return w.wrongBody("FragmentRecord");
      const bool begin = record.type == T::FragmentBegin;
      if (f->totalSize.has_value() != begin) {
        return w.invalid("totalSize", begin ? "FragmentBegin needs the total size" : "Fragment has no total size");
      }
      if (begin) w.u32(1, *f->totalSize);
      ESEKIT_RETURN_IF_ERROR(w.count16(begin ? 5 : 1, "data", f->data.size()));
      w.append(f->data);
      return Status::ok();
    }
    default:
      if (isIgnorableLogRecordType(static_cast<uint8_t>(record.type))) {
        const auto* i = bodyAs<IgnoredRecord>(record);
        if (!i) return w.wrongBody("IgnoredRecord");
        ESEKIT_RETURN_IF_ERROR(w.count32(1, "payload", i->payload.size()));
        w.append(i->payload);
        return Status::ok();
      }
      return w.invalid("type", "has no encoder");
  }
}

}  // namespace esekit::logrec
