// Database records (ese-format/log-records.md §3.7, §3.9) built at the reference offsets.
#include <doctest/doctest.h>

#include "esekit/format/log_record_decode.h"
#include "logrec/record_builder.h"

using namespace esekit;
using esekit::test::RecordBuilder;

namespace {
LogRecord decodeOk(const RecordBuilder& b) {
  auto r = decodeLogRecord(b.span());
  REQUIRE_MESSAGE(r.isOk(), r.status().toString());
  return *r;
}
std::vector<uint8_t> utf16(std::u16string_view text) {
  std::vector<uint8_t> out;
  for (char16_t c : text) {
    out.push_back(static_cast<uint8_t>(c & 0xFF));
    out.push_back(static_cast<uint8_t>(c >> 8));
  }
  return out;
}
// SIGNATURE (database-header.md §2.3): random, LOGTIME, computer name.
void putSignature(RecordBuilder& b, size_t at, uint32_t random, uint8_t seconds) {
  b.u32(at, random).u8(at + 4, seconds).u8(at + 5, 30).u8(at + 6, 12).u8(at + 7, 5).u8(at + 8, 6).u8(at + 9, 120);
}
}  // namespace

TEST_CASE("CreateDB: signature, version info and UTF-16 path") {
  const auto path = utf16(u"C:\\db\\x.edb");
  RecordBuilder b(LogRecordType::CreateDB);
  b.u16(1, 4).u8(3, 1).u32(4, 0x400).u32(8, 100000);
  putSignature(b, 12, 0xA1B2C3D4, 7);
  b.u16(40, static_cast<uint16_t>(path.size())).u8(42, 0x04 | 0x08);
  b.u16(43, 0x620).u16(45, 0x2).append(path);
  const LogRecord rec = decodeOk(b);
  CHECK(rec.length == 43 + 4 + path.size());
  const auto* c = rec.as<CreateDatabaseRecord>();
  REQUIRE(c);
  CHECK(c->procid == 4);
  CHECK(c->dbid == 1);
  CHECK(c->grbit == 0x400);
  CHECK(c->maxPageCount == 100000);
  CHECK(c->signDb.random == 0xA1B2C3D4);
  CHECK(c->signDb.created.seconds == 7);
  CHECK(c->signDb.created.yearSince1900 == 120);
  CHECK(c->version == uint16_t{0x620});
  CHECK(c->updateMajor == uint16_t{2});
  CHECK(c->path.utf16);
  CHECK(c->path.toUtf8() == "C:\\db\\x.edb");
  CHECK(dbidOf(rec) == uint8_t{1});
}

TEST_CASE("CreateDB without version info, 8-bit path") {
  RecordBuilder b(LogRecordType::CreateDB);
  b.u8(3, 2).u16(40, 6).u8(42, 0).append(std::string_view("a.edb\0", 6));
  const LogRecord rec = decodeOk(b);
  const auto* c = rec.as<CreateDatabaseRecord>();
  REQUIRE(c);
  CHECK_FALSE(c->version);
  CHECK_FALSE(c->path.utf16);
  CHECK(c->path.toUtf8() == "a.edb");  // stops at the NUL
}

TEST_CASE("AttachDB and DetachDB") {
  const auto path = utf16(std::u16string(u"D:\\\u00e9t\u00e9.edb") + u'\0');
  RecordBuilder a(LogRecordType::AttachDB);
  a.u16(1, 3).u8(3, 2).u32(4, 5000).u16(8, 0x28).u16(10, 3).u32(12, 9);
  putSignature(a, 16, 0x11111111, 1);
  putSignature(a, 44, 0x22222222, 2);
  a.u16(72, static_cast<uint16_t>(path.size())).u8(74, 0x08).append(path);
  LogRecord rec = decodeOk(a);
  const auto* at = rec.as<AttachDatabaseRecord>();
  REQUIRE(at);
  CHECK(at->procid == 3);
  CHECK(at->dbid == 2);
  CHECK(at->maxPageCount == 5000);
  CHECK(at->lgposConsistent.byteOffset == 0x28);
  CHECK(at->lgposConsistent.sector == 3);
  CHECK(at->lgposConsistent.generation == 9);
  CHECK(at->signDb.random == 0x11111111);
  CHECK(at->signLog.random == 0x22222222);
  CHECK(at->path.toUtf8() == "D:\\\xc3\xa9t\xc3\xa9.edb");

  const auto dpath = utf16(u"x.edb");
  RecordBuilder d(LogRecordType::DetachDB);
  d.u16(1, 3).u8(3, 2).u16(4, static_cast<uint16_t>(dpath.size())).u8(6, 0x10).append(dpath);
  rec = decodeOk(d);
  const auto* det = rec.as<DetachDatabaseRecord>();
  REQUIRE(det);
  CHECK(det->dbid == 2);
  CHECK(det->path.utf16);
  CHECK(det->path.toUtf8() == "x.edb");
}

TEST_CASE("small database records") {
  RecordBuilder finish(LogRecordType::CreateDBFinish);
  finish.u16(1, 5).u8(3, 1);
  LogRecord rec = decodeOk(finish);
  REQUIRE(rec.as<DatabaseSessionRecord>());
  CHECK(rec.as<DatabaseSessionRecord>()->procid == 5);

  RecordBuilder signal(LogRecordType::SignalAttachDb);
  signal.u8(1, 4);
  rec = decodeOk(signal);
  CHECK(dbidOf(rec) == uint8_t{4});

  RecordBuilder version(LogRecordType::SetDbVersion);
  version.u8(1, 1).u32(2, 0x620).u32(6, 20).u32(10, 400);
  rec = decodeOk(version);
  const auto* v = rec.as<SetDbVersionRecord>();
  REQUIRE(v);
  CHECK(v->major == 0x620);
  CHECK(v->updateMajor == 20);
  CHECK(v->updateMinor == 400);

  RecordBuilder shrink(LogRecordType::ShrinkDB3);
  shrink.u8(1, 1).u32(2, 900).u32(6, 100).u64(10, 0x777);
  rec = decodeOk(shrink);
  const auto* s = rec.as<ShrinkDatabaseRecord>();
  REQUIRE(s);
  CHECK(s->pgnoLast == 900);
  CHECK(s->pagesShrunk == 100);
  CHECK(s->dbtime == int64_t{0x777});

  RecordBuilder trim(LogRecordType::TrimDB);
  trim.u8(1, 1).u32(2, 50).u32(6, 10);
  rec = decodeOk(trim);
  REQUIRE(rec.as<TrimDatabaseRecord>());
  CHECK(rec.as<TrimDatabaseRecord>()->zeroPageCount == 10);

  RecordBuilder freed(LogRecordType::ExtentFreed2);
  freed.u8(1, 1).u32(2, 64).u32(6, 16).u8(10, 0x1).u64(11, 0x888);
  rec = decodeOk(freed);
  const auto* e = rec.as<ExtentFreedRecord>();
  REQUIRE(e);
  CHECK(e->pgnoFirst == 64);
  CHECK(e->pageCount == 16);
  CHECK(e->flags == 1);
  CHECK(e->dbtime == int64_t{0x888});

  RecordBuilder patch(LogRecordType::PagePatchRequest);
  patch.u8(1, 1).u32(2, 33).u64(6, 0x999);
  rec = decodeOk(patch);
  REQUIRE(rec.as<PagePatchRequestRecord>());
  CHECK(rec.as<PagePatchRequestRecord>()->pgno == 33);
  CHECK(rec.as<PagePatchRequestRecord>()->dbtime == 0x999);

  RecordBuilder scan(LogRecordType::ScanCheck2);
  scan.u8(1, 1).u32(2, 44).u8(6, 0x41).u64(7, 0x10).u64(15, 0x20).u32(23, 0xABCD1234);
  rec = decodeOk(scan);
  const auto* sc = rec.as<ScanCheckRecord>();
  REQUIRE(sc);
  CHECK_FALSE(sc->legacy);
  CHECK(sc->pgno == 44);
  CHECK(sc->flagsAndSource == 0x41);
  CHECK(sc->dbtimePage == 0x10);
  CHECK(sc->dbtimeCurrent == 0x20);
  CHECK(sc->checksum == 0xABCD1234);
}

TEST_CASE("ignorable database records: ExtendDB, ReAttach, FreeFDP, legacy ScanCheck") {
  RecordBuilder extend(LogRecordType::ExtendDB);
  extend.u32(1, 5).u8(5, 1).u32(6, 2048);
  LogRecord rec = decodeOk(extend);
  REQUIRE(rec.as<ExtendDatabaseRecord>());
  CHECK(rec.as<ExtendDatabaseRecord>()->pgnoLast == 2048);

  RecordBuilder reattach(LogRecordType::ReAttach);
  reattach.u32(1, 45).u8(5, 2).u16(6, 40).u16(8, 1).u32(10, 7).u16(14, 0).u16(16, 2).u32(18, 6);
  putSignature(reattach, 22, 0x33333333, 3);
  reattach.u8(49, 0);  // SIGNATURE is 28 bytes: record ends at 5 + 45
  rec = decodeOk(reattach);
  const auto* ra = rec.as<ReAttachRecord>();
  REQUIRE(ra);
  CHECK(ra->dbid == 2);
  CHECK(ra->lgposAttach.generation == 7);
  CHECK(ra->lgposConsistent.generation == 6);
  CHECK(ra->signDb.random == 0x33333333);

  RecordBuilder freeFdp(LogRecordType::FreeFDP);
  freeFdp.u32(1, 10).u8(5, 1).u32(6, 90).u32(10, 0x5555).u8(14, 2);
  rec = decodeOk(freeFdp);
  const auto* ff = rec.as<FreeFdpRecord>();
  REQUIRE(ff);
  CHECK(ff->pgnoFDP == 90);
  CHECK(ff->trxCommitted == 0x5555);
  CHECK(ff->fdpType == 2);

  RecordBuilder scan(LogRecordType::ScanCheck);
  scan.u32(1, 39).u8(5, 1).u32(6, 12).u64(26, 0x30).u64(34, 0x40).u16(42, 0xBEEF);
  rec = decodeOk(scan);
  const auto* sc = rec.as<ScanCheckRecord>();
  REQUIRE(sc);
  CHECK(sc->legacy);
  CHECK(sc->pgno == 12);
  CHECK(sc->dbtimePage == 0x30);
  CHECK(sc->dbtimeCurrent == 0x40);
  CHECK(sc->checksum == 0xBEEF);

  // An ignorable record whose cb does not cover its known layout.
  RecordBuilder shortExtend(LogRecordType::ExtendDB);
  shortExtend.u32(1, 2).u16(5, 0);
  auto r = decodeLogRecord(shortExtend.span());
  CHECK(r.status().code() == JetError::LogCorrupted);
}
