// Transaction records (ese-format/log-records.md §3.6) built at the reference offsets.
#include <doctest/doctest.h>

#include "esekit/format/log_record_decode.h"
#include "logrec/record_builder.h"

using namespace esekit;
using esekit::test::asText;
using esekit::test::RecordBuilder;

namespace {
LogRecord decodeOk(const RecordBuilder& b) {
  auto r = decodeLogRecord(b.span());
  REQUIRE_MESSAGE(r.isOk(), r.status().toString());
  return *r;
}
}  // namespace

TEST_CASE("Begin / Begin0 / BeginDT: level nibbles and trxBegin0") {
  RecordBuilder begin(LogRecordType::Begin);
  begin.u16(1, 9).u8(3, 0x21);  // levelBeginFrom 1 (low nibble), 2 levels to begin (high nibble)
  LogRecord rec = decodeOk(begin);
  CHECK(rec.length == 4);
  const auto* b = rec.as<BeginRecord>();
  REQUIRE(b);
  CHECK(b->procid == 9);
  CHECK(b->levelBeginFrom == 1);
  CHECK(b->levelsToBegin == 2);
  CHECK_FALSE(b->trxBegin0);
  CHECK(procidOf(rec) == uint16_t{9});
  CHECK_FALSE(pagePrefix(rec));
  CHECK_FALSE(dbidOf(rec));

  for (auto type : {LogRecordType::Begin0, LogRecordType::BeginDT}) {
    RecordBuilder begin0(type);
    begin0.u16(1, 10).u8(3, 0x10).u32(4, 0x12345678);
    rec = decodeOk(begin0);
    b = rec.as<BeginRecord>();
    REQUIRE(b);
    CHECK(b->levelBeginFrom == 0);
    CHECK(b->levelsToBegin == 1);
    CHECK(b->trxBegin0 == 0x12345678u);
  }
}

TEST_CASE("Commit / Commit0 / Rollback / Refresh") {
  RecordBuilder commit(LogRecordType::Commit);
  commit.u16(1, 4).u8(3, 1);
  LogRecord rec = decodeOk(commit);
  REQUIRE(rec.as<CommitRecord>());
  CHECK(rec.as<CommitRecord>()->levelCommitTo == 1);
  CHECK_FALSE(rec.as<CommitRecord>()->trxCommit0);

  RecordBuilder commit0(LogRecordType::Commit0);
  commit0.u16(1, 4).u8(3, 0).u32(4, 0xDEADBEEF);
  rec = decodeOk(commit0);
  REQUIRE(rec.as<CommitRecord>());
  CHECK(rec.as<CommitRecord>()->trxCommit0 == 0xDEADBEEFu);

  RecordBuilder rollback(LogRecordType::Rollback);
  rollback.u16(1, 5).u8(3, 2);
  rec = decodeOk(rollback);
  REQUIRE(rec.as<RollbackRecord>());
  CHECK(rec.as<RollbackRecord>()->procid == 5);
  CHECK(rec.as<RollbackRecord>()->levels == 2);

  RecordBuilder refresh(LogRecordType::Refresh);
  refresh.u16(1, 6).u32(3, 77);
  rec = decodeOk(refresh);
  REQUIRE(rec.as<RefreshRecord>());
  CHECK(rec.as<RefreshRecord>()->trxBegin0 == 77);
}

TEST_CASE("Macro records carry the macro dbtime at offset 3") {
  for (auto type : {LogRecordType::MacroBegin, LogRecordType::MacroCommit, LogRecordType::MacroAbort}) {
    RecordBuilder b(type);
    b.u16(1, 3).u64(3, 0x0000001122334455ull);
    const LogRecord rec = decodeOk(b);
    const auto* m = rec.as<MacroRecord>();
    REQUIRE(m);
    CHECK(m->procid == 3);
    CHECK(m->dbtime == 0x1122334455ll);
  }
}

TEST_CASE("PrepCommit, ForceWriteLog, JetOp") {
  RecordBuilder prep(LogRecordType::PrepCommit);
  prep.u16(1, 2).u32(3, 4).append("data");
  LogRecord rec = decodeOk(prep);
  REQUIRE(rec.as<PrepareCommitRecord>());
  CHECK(asText(rec.as<PrepareCommitRecord>()->data) == "data");

  RecordBuilder force(LogRecordType::ForceWriteLog);
  force.u16(1, 12);
  rec = decodeOk(force);
  REQUIRE(rec.as<SessionRecord>());
  CHECK(rec.as<SessionRecord>()->procid == 12);

  RecordBuilder jetop(LogRecordType::JetOp);
  jetop.u16(1, 1).u8(3, 42);
  rec = decodeOk(jetop);
  REQUIRE(rec.as<JetOpRecord>());
  CHECK(rec.as<JetOpRecord>()->operation == 42);
}

TEST_CASE("CommitCtx (ignorable): procid, flags, context") {
  RecordBuilder b(LogRecordType::CommitCtx);
  b.u32(1, 3 + 4).u16(5, 8).u8(7, 0x2).append("ctx!");
  const LogRecord rec = decodeOk(b);
  const auto* c = rec.as<CommitContextRecord>();
  REQUIRE(c);
  CHECK(c->procid == 8);
  CHECK(c->flags == 2);
  CHECK(asText(c->context) == "ctx!");

  RecordBuilder tooShort(LogRecordType::CommitCtx);
  tooShort.u32(1, 2).u16(5, 8);
  auto r = decodeLogRecord(tooShort.span());
  CHECK(r.status().code() == JetError::LogCorrupted);
  CHECK(r.status().message().find("offset 1") != std::string::npos);
}

TEST_CASE("MacroInfo and MacroInfo2 page lists") {
  RecordBuilder info(LogRecordType::MacroInfo);
  info.u32(1, 8).u32(5, 100).u32(9, 200);
  LogRecord rec = decodeOk(info);
  const auto* m = rec.as<MacroInfoRecord>();
  REQUIRE(m);
  CHECK_FALSE(m->dbid);
  REQUIRE(m->pageCount == 2);
  CHECK(m->pgno(0) == 100);
  CHECK(m->pgno(1) == 200);

  RecordBuilder info2(LogRecordType::MacroInfo2);
  info2.u32(1, 5 + 12).u8(5, 2).u32(6, 3).u32(10, 7).u32(14, 8).u32(18, 9);
  rec = decodeOk(info2);
  m = rec.as<MacroInfoRecord>();
  REQUIRE(m);
  CHECK(m->dbid == uint8_t{2});
  REQUIRE(m->pageCount == 3);
  CHECK(m->pgno(2) == 9);
  CHECK(dbidOf(rec) == uint8_t{2});

  RecordBuilder mismatch(LogRecordType::MacroInfo2);
  mismatch.u32(1, 5 + 8).u8(5, 2).u32(6, 3).u32(10, 7).u32(14, 8);  // says 3 pages, has room for 2
  CHECK(decodeLogRecord(mismatch.span()).status().code() == JetError::LogCorrupted);

  RecordBuilder odd(LogRecordType::MacroInfo);
  odd.u32(1, 6).u32(5, 1).u16(9, 0);
  CHECK(decodeLogRecord(odd.span()).status().code() == JetError::LogCorrupted);
}
