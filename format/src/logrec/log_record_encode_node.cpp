// Single-page node records: LRNODE_ family (log-records.md §3.2-3.3).
#include "logrec/log_record_writer.h"

namespace esekit::logrec {
namespace {

constexpr size_t kEmptyPageSize = 16;  // EMPTYPAGE {dbtimeBefore, pgno, flags}
constexpr uint16_t kDiff2Bit = 0x8000;  // bit 15 of Replace/ReplaceD cb

Status encodeReplace(const LogRecord& record, RecordWriter& w) {
  const auto* rep = bodyAs<ReplaceRecord>(record);
  if (!rep) return w.wrongBody("ReplaceRecord");
  const bool isDiff = record.type == LogRecordType::ReplaceD;
  if (rep->isDiff != isDiff) return w.invalid("isDiff", isDiff ? "must be set for ReplaceD" : "must be clear for Replace");
  // The payload length has 15 bits; bit 15 is fDiff2 (§3.3).
  if (rep->payload.size() > 0x7FFF) {
    return w.invalid("payload", std::to_string(rep->payload.size()) + " bytes do not fit the 15-bit cb");
  }
  if (isDiff) {
    // A stream the decoder would reject must not be written.
    auto parsed = parseReplaceDiff(rep->payload, rep->diff2);
    if (!parsed.isOk()) return w.invalid("payload", parsed.status().message());
  }
  // cbNewData is written as given, even when a full Replace's payload has
  // another length: the decoder accepts such records (replaceAfterImage
  // rejects them at redo, as the engine does), and decode -> encode must be
  // the identity. makeReplace() always sets it to the payload length.
  w.nodePrefix(rep->node);
  w.u16(44, static_cast<uint16_t>(rep->payload.size() | (rep->diff2 ? kDiff2Bit : 0)));
  w.u16(46, rep->oldDataLength);
  w.u16(48, rep->newDataLength);
  w.append(rep->payload);
  return Status::ok();
}

Status encodeDelta(const LogRecord& record, RecordWriter& w) {
  const auto* d = bodyAs<DeltaRecord>(record);
  if (!d) return w.wrongBody("DeltaRecord");
  const bool is64 = record.type == LogRecordType::Delta64;
  if (d->is64 != is64) return w.invalid("is64", is64 ? "must be set for Delta64" : "must be clear for Delta");
  if (!is64 && (d->delta < INT32_MIN || d->delta > INT32_MAX)) {
    return w.invalid("delta", std::to_string(d->delta) + " does not fit the 32-bit LONG of a Delta record");
  }
  w.nodePrefix(d->node);
  ESEKIT_RETURN_IF_ERROR(w.count16(44, "bookmarkKey", d->bookmarkKey.size()));
  ESEKIT_RETURN_IF_ERROR(w.count16(46, "bookmarkData", d->bookmarkData.size()));
  if (is64) {
    w.i64(48, d->delta);
    w.u16(56, d->valueOffset);
  } else {
    w.i32(48, static_cast<int32_t>(d->delta));
    w.u16(52, d->valueOffset);
  }
  w.append(d->bookmarkKey);
  w.append(d->bookmarkData);
  return Status::ok();
}

}  // namespace

Status encodeNodeRecord(const LogRecord& record, RecordWriter& w) {
  using T = LogRecordType;
  switch (record.type) {
    case T::Insert: {
      const auto* i = bodyAs<InsertRecord>(record);
      if (!i) return w.wrongBody("InsertRecord");
      w.nodePrefix(i->node);
      // Counts are stored suffix first, the payload is prefix first (§3.3).
      ESEKIT_RETURN_IF_ERROR(w.count16(44, "keySuffix", i->keySuffix.size()));
      ESEKIT_RETURN_IF_ERROR(w.count16(46, "keyPrefix", i->keyPrefix.size()));
      ESEKIT_RETURN_IF_ERROR(w.count16(48, "data", i->data.size()));
      w.append(i->keyPrefix);
      w.append(i->keySuffix);
      w.append(i->data);
      return Status::ok();
    }
    case T::FlagInsert:
    case T::FlagInsertAndReplaceData: {
      const auto* f = bodyAs<FlagInsertRecord>(record);
      if (!f) return w.wrongBody("FlagInsertRecord");
      const bool withReplace = record.type == T::FlagInsertAndReplaceData;
      if (f->rceidReplace.has_value() != withReplace) {
        return w.invalid("rceidReplace", withReplace ? "FlagInsertAndReplaceData needs rceidReplace"
                                                     : "FlagInsert carries no rceidReplace");
      }
      w.nodePrefix(f->node);
      ESEKIT_RETURN_IF_ERROR(w.count16(44, "key", f->key.size()));
      ESEKIT_RETURN_IF_ERROR(w.count16(46, "data", f->data.size()));
      if (withReplace) w.u32(48, *f->rceidReplace);
      w.append(f->key);
      w.append(f->data);
      return Status::ok();
    }
    case T::FlagDelete:
    case T::Delete: {
      const auto* n = bodyAs<NodeOperationRecord>(record);
      if (!n) return w.wrongBody("NodeOperationRecord");
      w.nodePrefix(n->node);
      return Status::ok();
    }
    case T::Replace:
    case T::ReplaceD:
      return encodeReplace(record, w);
    case T::Delta:
    case T::Delta64:
      return encodeDelta(record, w);
    case T::SetExternalHeader: {
      const auto* s = bodyAs<SetExternalHeaderRecord>(record);
      if (!s) return w.wrongBody("SetExternalHeaderRecord");
      w.nodePrefix(s->node);
      ESEKIT_RETURN_IF_ERROR(w.count16(44, "data", s->data.size()));
      w.append(s->data);
      return Status::ok();
    }
    case T::UndoInfo: {
      const auto* u = bodyAs<UndoInfoRecord>(record);
      if (!u) return w.wrongBody("UndoInfoRecord");
      w.nodePrefix(u->node);
      ESEKIT_RETURN_IF_ERROR(w.count16(44, "bookmarkKey", u->bookmarkKey.size()));
      ESEKIT_RETURN_IF_ERROR(w.count16(46, "bookmarkData", u->bookmarkData.size()));
      w.u16(48, u->operation);
      w.i16(50, u->maxSize);
      w.i16(52, u->sizeDelta);
      ESEKIT_RETURN_IF_ERROR(w.count16(54, "beforeImage", u->beforeImage.size()));
      w.append(u->bookmarkKey);
      w.append(u->bookmarkData);
      w.append(u->beforeImage);
      return Status::ok();
    }
    case T::Undo: {
      const auto* u = bodyAs<UndoRecord>(record);
      if (!u) return w.wrongBody("UndoRecord");
      w.nodePrefix(u->node);
      ESEKIT_RETURN_IF_ERROR(w.count16(44, "bookmarkKey", u->bookmarkKey.size()));
      ESEKIT_RETURN_IF_ERROR(w.count16(46, "bookmarkData", u->bookmarkData.size()));
      w.u16(48, u->operation);
      w.u8(50, u->level);
      w.append(u->bookmarkKey);
      w.append(u->bookmarkData);
      return Status::ok();
    }
    case T::Scrub: {
      const auto* s = bodyAs<ScrubRecord>(record);
      if (!s) return w.wrongBody("ScrubRecord");
      w.nodePrefix(s->node);
      w.u32(44, s->flags);
      w.u32(48, s->operationCount);
      ESEKIT_RETURN_IF_ERROR(w.count16(52, "data", s->data.size()));
      w.append(s->data);
      return Status::ok();
    }
    case T::EmptyTree: {
      const auto* e = bodyAs<EmptyTreeRecord>(record);
      if (!e) return w.wrongBody("EmptyTreeRecord");
      w.nodePrefix(e->node);
      ESEKIT_RETURN_IF_ERROR(w.count16(44, "pages", e->pages.size() * kEmptyPageSize));
      for (const EmptyPage& page : e->pages) {
        uint8_t entry[kEmptyPageSize];
        storeLittleEndian<int64_t>(entry, page.dbtimeBefore);
        storeLittleEndian<uint32_t>(entry + 8, page.pgno);
        storeLittleEndian<uint32_t>(entry + 12, page.flags);
        w.append(Bytes(entry, sizeof entry));
      }
      return Status::ok();
    }
    default:
      return w.invalid("type", "not a node record");
  }
}

}  // namespace esekit::logrec
