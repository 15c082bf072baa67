// Database records: create/attach/detach, size changes, version, scan checks
// (log-records.md §3.7, §3.9).
#include "logrec/log_record_reader.h"

namespace esekit::logrec {
namespace {

constexpr uint8_t kCreateVersionInfo = 0x04;
constexpr uint8_t kCreateUnicodeNames = 0x08;
constexpr uint8_t kAttachUnicodeNames = 0x08;
constexpr uint8_t kDetachUnicodeNames = 0x10;

LogRecordBody decodeCreate(RecordReader& r) {
  CreateDatabaseRecord c;
  c.procid = r.u16(1);
  c.dbid = r.u8(3);
  c.grbit = r.u32(4);
  c.maxPageCount = r.u32(8);
  c.signDb = Signature::parse(r.view(), 12);
  const uint16_t cbPath = r.u16(40);
  c.flags = r.u8(42);
  if (c.flags & kCreateVersionInfo) {
    c.version = r.u16(43);
    c.updateMajor = r.u16(45);
    r.take(4);
  }
  c.path.utf16 = c.flags & kCreateUnicodeNames;
  c.path.raw = r.take(cbPath);
  return c;
}

LogRecordBody decodeAttach(RecordReader& r) {
  AttachDatabaseRecord a;
  a.procid = r.u16(1);
  a.dbid = r.u8(3);
  a.maxPageCount = r.u32(4);
  a.lgposConsistent = LogPosition::parse(r.view(), 8);
  a.signDb = Signature::parse(r.view(), 16);
  a.signLog = Signature::parse(r.view(), 44);
  a.flags = r.u8(74);
  a.path.utf16 = a.flags & kAttachUnicodeNames;
  a.path.raw = r.take(r.u16(72));
  return a;
}

}  // namespace

Result<LogRecordBody> decodeDatabaseRecord(RecordReader& r) {
  using T = LogRecordType;
  switch (r.type()) {
    case T::CreateDB:
      return decodeCreate(r);
    case T::AttachDB:
      return decodeAttach(r);
    case T::DetachDB: {
      DetachDatabaseRecord d;
      d.procid = r.u16(1);
      d.dbid = r.u8(3);
      d.flags = r.u8(6);
      d.path.utf16 = d.flags & kDetachUnicodeNames;
      d.path.raw = r.take(r.u16(4));
      return LogRecordBody(d);
    }
    case T::CreateDBFinish:
      return LogRecordBody(DatabaseSessionRecord{r.u16(1), r.u8(3)});
    case T::SignalAttachDb:
      return LogRecordBody(DatabaseIdRecord{r.u8(1)});
    case T::ReAttach: {
      ESEKIT_RETURN_IF_ERROR(checkIgnorableSize(r, 45));
      ReAttachRecord a;
      a.dbid = r.u8(5);
      a.lgposAttach = LogPosition::parse(r.view(), 6);
      a.lgposConsistent = LogPosition::parse(r.view(), 14);
      a.signDb = Signature::parse(r.view(), 22);
      r.take(45);
      a.trailing = r.take(r.u32(1) - 45);
      return LogRecordBody(a);
    }
    case T::SetDbVersion:
      return LogRecordBody(SetDbVersionRecord{r.u8(1), r.u32(2), r.u32(6), r.u32(10)});
    case T::ExtendDB:
    {
      ESEKIT_RETURN_IF_ERROR(checkIgnorableSize(r, 5));
      ExtendDatabaseRecord e;
      e.dbid = r.u8(5);
      e.pgnoLast = r.u32(6);
      r.take(5);
      e.trailing = r.take(r.u32(1) - 5);
      return LogRecordBody(e);
    }
    case T::ShrinkDB:
    case T::ShrinkDB2:
    case T::ShrinkDB3: {
      ShrinkDatabaseRecord s{r.u8(1), r.u32(2), r.u32(6), std::nullopt};
      if (r.type() == T::ShrinkDB3) s.dbtime = r.i64(10);
      return LogRecordBody(s);
    }
    case T::TrimDB:
      return LogRecordBody(TrimDatabaseRecord{r.u8(1), r.u32(2), r.u32(6)});
    case T::ExtentFreed:
    case T::ExtentFreed2: {
      ExtentFreedRecord e{r.u8(1), r.u32(2), r.u32(6), r.u8(10), std::nullopt};
      if (r.type() == T::ExtentFreed2) e.dbtime = r.i64(11);
      return LogRecordBody(e);
    }
    case T::FreeFDP:
    {
      ESEKIT_RETURN_IF_ERROR(checkIgnorableSize(r, 10));
      FreeFdpRecord f;
      f.dbid = r.u8(5);
      f.pgnoFDP = r.u32(6);
      f.trxCommitted = r.u32(10);
      f.fdpType = r.u8(14);
      r.take(10);
      f.trailing = r.take(r.u32(1) - 10);
      return LogRecordBody(f);
    }
    case T::PagePatchRequest:
    {
      PagePatchRequestRecord p;
      p.dbid = r.u8(1);
      p.pgno = r.u32(2);
      p.dbtime = r.i64(6);
      p.reserved = r.view().slice(14, 32);
      return LogRecordBody(p);
    }
    case T::ScanCheck: {
      // Legacy layout: dbid 5, pgno 6, two unused dbtimes at 10/18, then the
      // page dbtime ("before") at 26, the current dbtime ("after") at 34 and
      // a 16-bit checksum at 42; the engine reads only the last three.
      ESEKIT_RETURN_IF_ERROR(checkIgnorableSize(r, 39));
      ScanCheckRecord s;
      s.legacy = true;
      s.dbid = r.u8(5);
      s.pgno = r.u32(6);
      s.dbtimePage = r.i64(26);
      s.dbtimeCurrent = r.i64(34);
      s.checksum = r.u16(42);
      s.legacyUnused = r.view().slice(10, 16);
      r.take(39);
      s.trailing = r.take(r.u32(1) - 39);
      return LogRecordBody(s);
    }
    case T::ScanCheck2: {
      ScanCheckRecord s;
      s.dbid = r.u8(1);
      s.pgno = r.u32(2);
      s.flagsAndSource = r.u8(6);
      s.dbtimePage = r.i64(7);
      s.dbtimeCurrent = r.i64(15);
      s.checksum = r.u32(23);
      return LogRecordBody(s);
    }
    default:
      return r.corrupt(0, "not a database record");
  }
}

}  // namespace esekit::logrec
