// Lifecycle, backup and structural records (ese-format/log-records.md §3.7-3.8,
// log-format.md §3.1 and §5.2, checksums.md §8).
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
// LOGTIME 2021-02-10 19:56:02 (database-header.md §2.2).
void putTime(RecordBuilder& b, size_t at) { b.u8(at, 2).u8(at + 1, 56).u8(at + 2, 19).u8(at + 3, 10).u8(at + 4, 2).u8(at + 5, 121); }
}  // namespace

TEST_CASE("Init2: DBMS_PARAM and LOGTIME") {
  RecordBuilder b(LogRecordType::Init2);
  b.append("");  // fixed 576 bytes
  const std::string system = "C:\\Windows\\System32\\sru\\";
  for (size_t i = 0; i < system.size(); ++i) b.u8(1 + i, static_cast<uint8_t>(system[i]));
  b.u8(1 + 261, 'L');
  b.u8(1 + 522, 1).u32(1 + 523, 100).u32(1 + 527, 200).u32(1 + 531, 300).u32(1 + 535, 400).u32(1 + 539, 500);
  b.u32(1 + 543, 16).u32(1 + 547, 1000);
  putTime(b, 568);
  const LogRecord rec = decodeOk(b);
  CHECK(rec.length == 576);
  const auto* init = rec.as<InitRecord>();
  REQUIRE(init);
  CHECK(init->parameters.systemPathText() == system);
  CHECK(init->parameters.logFilePathText() == "L");
  CHECK(init->parameters.flags == 1);
  CHECK(init->parameters.sessionsMax == 100);
  CHECK(init->parameters.openTablesMax == 200);
  CHECK(init->parameters.versionPagesMax == 300);
  CHECK(init->parameters.cursorsMax == 400);
  CHECK(init->parameters.logBuffers == 500);
  CHECK(init->parameters.logFileSectors == 16);
  CHECK(init->parameters.cacheSizeMax == 1000);
  REQUIRE(init->time);
  CHECK(init->time->toString().rfind("2021-02-10 19:56:02", 0) == 0);
}

TEST_CASE("Term2 / RecoveryQuit2 / RecoveryQuitKeepAttachments and the old 18-byte forms") {
  for (auto type : {LogRecordType::Term2, LogRecordType::RecoveryQuit2, LogRecordType::RecoveryQuitKeepAttachments,
                    LogRecordType::Term, LogRecordType::RecoveryQuit}) {
    RecordBuilder b(type);
    b.u16(1, 0x30).u16(3, 5).u32(5, 82).u16(9, 0x40).u16(11, 2).u32(13, 81).u8(17, 1);
    const bool timed = logRecordFixedSize(static_cast<uint8_t>(type)) == 26;
    if (timed) putTime(b, 18);
    const LogRecord rec = decodeOk(b);
    const auto* t = rec.as<TermRecord>();
    REQUIRE(t);
    CHECK(t->lgpos.byteOffset == 0x30);
    CHECK(t->lgpos.sector == 5);
    CHECK(t->lgpos.generation == 82);
    CHECK(t->lgposRedoFrom.generation == 81);
    CHECK(t->hard == 1);
    CHECK(t->time.has_value() == timed);
  }
}

TEST_CASE("RecoveryUndo2, ShutDownMark, Nop") {
  RecordBuilder undo(LogRecordType::RecoveryUndo2);
  putTime(undo, 1);
  LogRecord rec = decodeOk(undo);
  REQUIRE(rec.as<RecoveryUndoRecord>());
  CHECK(rec.as<RecoveryUndoRecord>()->time.has_value());

  rec = decodeOk(RecordBuilder(LogRecordType::ShutDownMark));
  CHECK(rec.length == 1);
  CHECK(std::holds_alternative<std::monostate>(rec.body));
  CHECK(rec.type == LogRecordType::ShutDownMark);
}

TEST_CASE("Trace / ForceLogRollover text") {
  RecordBuilder b(LogRecordType::ForceLogRollover);
  b.u16(1, 0).u16(3, 5).append("hello");
  const LogRecord rec = decodeOk(b);
  REQUIRE(rec.as<TraceRecord>());
  CHECK(asText(rec.as<TraceRecord>()->text) == "hello");
}

TEST_CASE("Backup2 marker") {
  RecordBuilder b(LogRecordType::Backup2);
  b.u8(1, 4).u32(2, 1).u8(6, 2).u8(7, 1);
  b.u16(8, 0x10).u16(10, 3).u32(12, 80);  // BKINFO.lgposMark
  putTime(b, 16);
  b.u32(24, 78).u32(28, 82).u8(32, 0).u16(33, 0);
  const LogRecord rec = decodeOk(b);
  const auto* bk = rec.as<Backup2Record>();
  REQUIRE(bk);
  CHECK(bk->phase == 4);
  CHECK(bk->backupType == 1);
  CHECK(bk->scope == 2);
  CHECK(bk->dbid == 1);
  CHECK(bk->details.mark.generation == 80);
  CHECK(bk->details.mark.sector == 3);
  CHECK(bk->details.generationLow == 78);
  CHECK(bk->details.generationHigh == 82);
  CHECK(bk->path.raw.empty());
}

TEST_CASE("old backup markers and ExtRestore2") {
  RecordBuilder full(LogRecordType::FullBackup);
  full.u16(1, 3).append("c:\\");
  LogRecord rec = decodeOk(full);
  REQUIRE(rec.as<LegacyBackupRecord>());
  CHECK_FALSE(rec.as<LegacyBackupRecord>()->backupType);
  CHECK(rec.as<LegacyBackupRecord>()->path.toUtf8() == "c:\\");

  RecordBuilder backup(LogRecordType::Backup);
  backup.u8(1, 4).u16(3, 0);
  rec = decodeOk(backup);
  CHECK(rec.as<LegacyBackupRecord>()->backupType == uint8_t{4});

  RecordBuilder restore(LogRecordType::ExtRestore2);
  restore.u16(1, 4).u16(3, 'i').u16(5, 'n');
  rec = decodeOk(restore);
  REQUIRE(rec.as<ExternalRestoreRecord>());
  CHECK(rec.as<ExternalRestoreRecord>()->info.toUtf8() == "in");
}

TEST_CASE("LRCHECKSUM (v7)") {
  RecordBuilder b(LogRecordType::Checksum);
  b.u32(1, 0).u32(5, 4074).u32(9, 4074).u32(13, 0x12345678).u32(17, 0).u8(21, 0xD1);
  const LogRecord rec = decodeOk(b);
  const auto* c = rec.as<ChecksumRecord>();
  REQUIRE(c);
  CHECK(c->bytesBackward == 0);
  CHECK(c->bytesForward == 4074);
  CHECK(c->bytesToNext == 4074);
  CHECK(c->checksum == 0x12345678);
  CHECK(c->shortChecksum == 0);
  CHECK(c->useShortChecksum == 0xD1);
}

TEST_CASE("fragments and unknown ignorable records") {
  RecordBuilder begin(LogRecordType::FragmentBegin);
  begin.u32(1, 5000).u16(5, 3).append("abc");
  LogRecord rec = decodeOk(begin);
  const auto* f = rec.as<FragmentRecord>();
  REQUIRE(f);
  CHECK(f->totalSize == 5000u);
  CHECK(asText(f->data) == "abc");

  RecordBuilder frag(LogRecordType::Fragment);
  frag.u16(1, 2).append("de");
  rec = decodeOk(frag);
  f = rec.as<FragmentRecord>();
  REQUIRE(f);
  CHECK_FALSE(f->totalSize);
  CHECK(asText(f->data) == "de");

  RecordBuilder ignored(LogRecordType::Ignored15);
  ignored.u32(1, 3).append("xyz");
  rec = decodeOk(ignored);
  REQUIRE(rec.as<IgnoredRecord>());
  CHECK(asText(rec.as<IgnoredRecord>()->payload) == "xyz");
}
