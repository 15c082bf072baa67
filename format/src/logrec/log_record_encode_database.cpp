// Database records: create/attach/detach, size changes, version, scan checks
// (log-records.md §3.7, §3.9).
#include <algorithm>

#include "logrec/log_record_writer.h"

namespace esekit::logrec {
namespace {

constexpr uint8_t kCreateVersionInfo = 0x04;

// Little-endian scratch for the known layout of an ignorable record, which
// sits after its 5-byte LRIGNORED header (the header is the fixed part).
template <size_t N>
struct IgnorableBody {
  uint8_t bytes[N] = {};
  template <typename T>
  void put(size_t offsetInRecord, T value) {
    storeLittleEndian<T>(bytes + offsetInRecord - 5, value);
  }
  Bytes span() const { return Bytes(bytes, N); }
};

// Writes cb = layout + trailing and appends both.
Status appendIgnorable(RecordWriter& w, Bytes layout, Bytes trailing) {
  ESEKIT_RETURN_IF_ERROR(w.count32(1, "trailing", uint64_t{layout.size()} + trailing.size()));
  w.append(layout);
  w.append(trailing);
  return Status::ok();
}

// A fixed-size reserved area: empty view = zeros, else exactly `size` bytes.
Status copyReserved(RecordWriter& w, size_t offset, std::string_view field, Bytes bytes, size_t size) {
  if (bytes.empty()) return Status::ok();
  if (bytes.size() != size) {
    return w.invalid(field, "must be empty or " + std::to_string(size) + " bytes, is " +
                                std::to_string(bytes.size()));
  }
  w.copy(offset, bytes);
  return Status::ok();
}

Status encodeCreate(const LogRecord& record, RecordWriter& w) {
  const auto* c = bodyAs<CreateDatabaseRecord>(record);
  if (!c) return w.wrongBody("CreateDatabaseRecord");
  const bool versionInfo = (c->flags & kCreateVersionInfo) != 0;
  if (c->version.has_value() != versionInfo || c->updateMajor.has_value() != versionInfo) {
    return w.invalid("version/updateMajor", versionInfo ? "flag 0x04 needs both" : "present without flag 0x04");
  }
  w.u16(1, c->procid);
  w.u8(3, c->dbid);
  w.u32(4, c->grbit);
  w.u32(8, c->maxPageCount);
  w.put(12, c->signDb);
  ESEKIT_RETURN_IF_ERROR(w.count16(40, "path", c->path.raw.size()));
  w.u8(42, c->flags);
  if (versionInfo) {
    uint8_t version[4];
    storeLittleEndian<uint16_t>(version, *c->version);
    storeLittleEndian<uint16_t>(version + 2, *c->updateMajor);
    w.append(Bytes(version, sizeof version));
  }
  w.append(c->path.raw);
  return Status::ok();
}

Status encodeAttach(const LogRecord& record, RecordWriter& w) {
  const auto* a = bodyAs<AttachDatabaseRecord>(record);
  if (!a) return w.wrongBody("AttachDatabaseRecord");
  w.u16(1, a->procid);
  w.u8(3, a->dbid);
  w.u32(4, a->maxPageCount);
  w.put(8, a->lgposConsistent);
  w.put(16, a->signDb);
  w.put(44, a->signLog);
  ESEKIT_RETURN_IF_ERROR(w.count16(72, "path", a->path.raw.size()));
  w.u8(74, a->flags);
  w.append(a->path.raw);
  return Status::ok();
}

Status encodeScanCheck(const LogRecord& record, RecordWriter& w) {
  const auto* s = bodyAs<ScanCheckRecord>(record);
  if (!s) return w.wrongBody("ScanCheckRecord");
  const bool legacy = record.type == LogRecordType::ScanCheck;
  if (s->legacy != legacy) return w.invalid("legacy", legacy ? "must be set for ScanCheck" : "must be clear for ScanCheck2");
  if (!legacy) {
    if (!s->legacyUnused.empty() || !s->trailing.empty()) {
      return w.invalid("legacyUnused/trailing", "ScanCheck2 has neither");
    }
    w.u8(1, s->dbid);
    w.u32(2, s->pgno);
    w.u8(6, s->flagsAndSource);
    w.i64(7, s->dbtimePage);
    w.i64(15, s->dbtimeCurrent);
    w.u32(23, s->checksum);
    return Status::ok();
  }
  if (s->checksum > 0xFFFF) return w.invalid("checksum", "the legacy ScanCheck checksum has 16 bits");
  if (s->flagsAndSource != 0) return w.invalid("flagsAndSource", "the legacy ScanCheck has no such field");
  if (!s->legacyUnused.empty() && s->legacyUnused.size() != 16) {
    return w.invalid("legacyUnused", "must be empty or 16 bytes, is " + std::to_string(s->legacyUnused.size()));
  }
  IgnorableBody<39> body;  // record offsets 5..43
  body.put<uint8_t>(5, s->dbid);
  body.put<uint32_t>(6, s->pgno);
  if (!s->legacyUnused.empty()) std::copy(s->legacyUnused.begin(), s->legacyUnused.end(), body.bytes + 10 - 5);
  body.put<int64_t>(26, s->dbtimePage);
  body.put<int64_t>(34, s->dbtimeCurrent);
  body.put<uint16_t>(42, static_cast<uint16_t>(s->checksum));
  return appendIgnorable(w, body.span(), s->trailing);
}

}  // namespace

Status encodeDatabaseRecord(const LogRecord& record, RecordWriter& w) {
  using T = LogRecordType;
  switch (record.type) {
    case T::CreateDB:
      return encodeCreate(record, w);
    case T::AttachDB:
      return encodeAttach(record, w);
    case T::DetachDB: {
      const auto* d = bodyAs<DetachDatabaseRecord>(record);
      if (!d) return w.wrongBody("DetachDatabaseRecord");
      w.u16(1, d->procid);
      w.u8(3, d->dbid);
      ESEKIT_RETURN_IF_ERROR(w.count16(4, "path", d->path.raw.size()));
      w.u8(6, d->flags);
      w.append(d->path.raw);
      return Status::ok();
    }
    case T::CreateDBFinish: {
      const auto* d = bodyAs<DatabaseSessionRecord>(record);
      if (!d) return w.wrongBody("DatabaseSessionRecord");
      w.u16(1, d->procid);
      w.u8(3, d->dbid);
      return Status::ok();
    }
    case T::SignalAttachDb: {
      const auto* d = bodyAs<DatabaseIdRecord>(record);
      if (!d) return w.wrongBody("DatabaseIdRecord");
      w.u8(1, d->dbid);
      return Status::ok();
    }
    case T::ReAttach: {
      const auto* a = bodyAs<ReAttachRecord>(record);
      if (!a) return w.wrongBody("ReAttachRecord");
      uint8_t body[45] = {};  // record offsets 5..49
      ByteWriter bw{MutableBytes(body)};
      bw.u8(0, a->dbid);
      a->lgposAttach.serialize(bw, 1);
      a->lgposConsistent.serialize(bw, 9);
      a->signDb.serialize(bw, 17);
      return appendIgnorable(w, Bytes(body), a->trailing);
    }
    case T::SetDbVersion: {
      const auto* v = bodyAs<SetDbVersionRecord>(record);
      if (!v) return w.wrongBody("SetDbVersionRecord");
      w.u8(1, v->dbid);
      w.u32(2, v->major);
      w.u32(6, v->updateMajor);
      w.u32(10, v->updateMinor);
      return Status::ok();
    }
    case T::ExtendDB: {
      const auto* e = bodyAs<ExtendDatabaseRecord>(record);
      if (!e) return w.wrongBody("ExtendDatabaseRecord");
      IgnorableBody<5> body;
      body.put<uint8_t>(5, e->dbid);
      body.put<uint32_t>(6, e->pgnoLast);
      return appendIgnorable(w, body.span(), e->trailing);
    }
    case T::ShrinkDB:
    case T::ShrinkDB2:
    case T::ShrinkDB3: {
      const auto* s = bodyAs<ShrinkDatabaseRecord>(record);
      if (!s) return w.wrongBody("ShrinkDatabaseRecord");
      if (s->dbtime.has_value() != (record.type == T::ShrinkDB3)) {
        return w.invalid("dbtime", record.type == T::ShrinkDB3 ? "ShrinkDB3 needs a dbtime" : "only ShrinkDB3 has a dbtime");
      }
      w.u8(1, s->dbid);
      w.u32(2, s->pgnoLast);
      w.u32(6, s->pagesShrunk);
      if (s->dbtime) w.i64(10, *s->dbtime);
      return Status::ok();
    }
    case T::TrimDB: {
      const auto* t = bodyAs<TrimDatabaseRecord>(record);
      if (!t) return w.wrongBody("TrimDatabaseRecord");
      w.u8(1, t->dbid);
      w.u32(2, t->pgnoStartZeroes);
      w.u32(6, t->zeroPageCount);
      return Status::ok();
    }
    case T::ExtentFreed:
    case T::ExtentFreed2: {
      const auto* e = bodyAs<ExtentFreedRecord>(record);
      if (!e) return w.wrongBody("ExtentFreedRecord");
      if (e->dbtime.has_value() != (record.type == T::ExtentFreed2)) {
        return w.invalid("dbtime", record.type == T::ExtentFreed2 ? "ExtentFreed2 needs a dbtime"
                                                                  : "only ExtentFreed2 has a dbtime");
      }
      w.u8(1, e->dbid);
      w.u32(2, e->pgnoFirst);
      w.u32(6, e->pageCount);
      w.u8(10, e->flags);
      if (e->dbtime) w.i64(11, *e->dbtime);
      return Status::ok();
    }
    case T::FreeFDP: {
      const auto* f = bodyAs<FreeFdpRecord>(record);
      if (!f) return w.wrongBody("FreeFdpRecord");
      IgnorableBody<10> body;
      body.put<uint8_t>(5, f->dbid);
      body.put<uint32_t>(6, f->pgnoFDP);
      body.put<uint32_t>(10, f->trxCommitted);
      body.put<uint8_t>(14, f->fdpType);
      return appendIgnorable(w, body.span(), f->trailing);
    }
    case T::PagePatchRequest: {
      const auto* p = bodyAs<PagePatchRequestRecord>(record);
      if (!p) return w.wrongBody("PagePatchRequestRecord");
      w.u8(1, p->dbid);
      w.u32(2, p->pgno);
      w.i64(6, p->dbtime);
      return copyReserved(w, 14, "reserved", p->reserved, 32);
    }
    case T::ScanCheck:
    case T::ScanCheck2:
      return encodeScanCheck(record, w);
    default:
      return w.invalid("type", "not a database record");
  }
}

}  // namespace esekit::logrec
