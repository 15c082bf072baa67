// Node records (ese-format/log-records.md §3.1-3.4) built by hand at the
// reference offsets, decoded field by field.
#include <doctest/doctest.h>

#include "esekit/format/log_record_decode.h"
#include "logrec/record_builder.h"

using namespace esekit;
using esekit::test::asText;
using esekit::test::RecordBuilder;

namespace {

RecordBuilder nodeRecord(LogRecordType type) {
  RecordBuilder b(type);
  b.pagePrefix(0x0102, 3, 0x1234, 0x1111222233334444ull, 0x1111222233334443ull, 0xA0B0C0D0, 2, 17,
               page_record_flag::kVersioned | page_record_flag::kUniqueKeys);
  b.nodeTail(777, 0x40, 0x55);
  return b;
}

void checkNodePrefix(const NodeRecordPrefix& n) {
  CHECK(n.page.procid == 0x0102);
  CHECK(n.page.dbid == 3);
  CHECK(n.page.pgno == 0x1234);
  CHECK(n.page.dbtime == 0x1111222233334444ll);
  CHECK(n.page.dbtimeBefore == 0x1111222233334443ll);
  CHECK(n.page.trxBegin0 == 0xA0B0C0D0);
  CHECK(n.page.level == 2);
  CHECK(n.page.iline == 17);
  CHECK(n.page.versioned());
  CHECK(n.page.uniqueKeys());
  CHECK_FALSE(n.page.spaceTree());
  CHECK(n.rceid == 777);
  CHECK(n.pgnoFDP == 0x40);
  CHECK(n.objidFDP == 0x55);
}

LogRecord decodeOk(const RecordBuilder& b) {
  auto r = decodeLogRecord(b.span());
  REQUIRE_MESSAGE(r.isOk(), r.status().toString());
  return *r;
}

}  // namespace

TEST_CASE("Insert: prefix, suffix and data in that order") {
  auto b = nodeRecord(LogRecordType::Insert);
  b.u16(44, 3).u16(46, 2).u16(48, 4).append("PPsssDDDD");
  const LogRecord rec = decodeOk(b);
  CHECK(rec.type == LogRecordType::Insert);
  CHECK(rec.length == 59);
  const auto* insert = rec.as<InsertRecord>();
  REQUIRE(insert);
  checkNodePrefix(insert->node);
  CHECK(asText(insert->keyPrefix) == "PP");
  CHECK(asText(insert->keySuffix) == "sss");
  CHECK(asText(insert->data) == "DDDD");
  // Views point into the input, not copies.
  CHECK(insert->data.data() == b.bytes().data() + 55);

  auto page = pagePrefix(rec);
  REQUIRE(page);
  CHECK(page->pgno == 0x1234);
  CHECK(nodePrefix(rec)->objidFDP == 0x55);
  CHECK(objidOf(rec) == 0x55u);
  CHECK(dbidOf(rec) == uint8_t{3});
  CHECK(procidOf(rec) == uint16_t{0x0102});
}

TEST_CASE("FlagInsert and FlagInsertAndReplaceData") {
  auto b = nodeRecord(LogRecordType::FlagInsert);
  b.u16(44, 2).u16(46, 3).append("kkddd");
  LogRecord rec = decodeOk(b);
  const auto* fi = rec.as<FlagInsertRecord>();
  REQUIRE(fi);
  checkNodePrefix(fi->node);
  CHECK(asText(fi->key) == "kk");
  CHECK(asText(fi->data) == "ddd");
  CHECK_FALSE(fi->rceidReplace);

  auto c = nodeRecord(LogRecordType::FlagInsertAndReplaceData);
  c.u16(44, 1).u16(46, 2).u32(48, 0xCAFE).append("kdd");
  rec = decodeOk(c);
  fi = rec.as<FlagInsertRecord>();
  REQUIRE(fi);
  CHECK(fi->rceidReplace == 0xCAFEu);
  CHECK(asText(fi->key) == "k");
  CHECK(asText(fi->data) == "dd");
}

TEST_CASE("FlagDelete and Delete carry only the node prefix") {
  for (auto type : {LogRecordType::FlagDelete, LogRecordType::Delete}) {
    const LogRecord rec = decodeOk(nodeRecord(type));
    CHECK(rec.length == 44);
    const auto* op = rec.as<NodeOperationRecord>();
    REQUIRE(op);
    checkNodePrefix(op->node);
  }
}

TEST_CASE("Replace: full after-image") {
  auto b = nodeRecord(LogRecordType::Replace);
  b.u16(44, 5).u16(46, 3).u16(48, 5).append("hello");
  const LogRecord rec = decodeOk(b);
  const auto* rep = rec.as<ReplaceRecord>();
  REQUIRE(rep);
  checkNodePrefix(rep->node);
  CHECK_FALSE(rep->isDiff);
  CHECK(rep->oldDataLength == 3);
  CHECK(rep->newDataLength == 5);
  CHECK(asText(rep->payload) == "hello");
  CHECK(rep->diffs.empty());
}

TEST_CASE("ReplaceD: DIFFHDR entries are parsed") {
  // Entry 1: replace same length at old offset 2, 1-byte lengths, new "XY".
  // Entry 2: insert at old offset 6 "ZZZ".  Entry 3: replace 2 old bytes by 0 at offset 8 (deletion).
  std::vector<uint8_t> diff = {
      0x02, 0x20, 2, 'X', 'Y',       // DIFFHDR: offset 2 | fReplaceWithSameLength; cbNew 2
      0x06, 0x40, 3, 'Z', 'Z', 'Z',  // offset 6 | fInsert; cbNew 3
      0x08, 0x00, 0, 2,              // offset 8, different length: cbNew 0, cbOld 2
  };
  auto b = nodeRecord(LogRecordType::ReplaceD);
  b.u16(44, static_cast<uint16_t>(diff.size())).u16(46, 10).u16(48, 11).append(diff);
  const LogRecord rec = decodeOk(b);
  const auto* rep = rec.as<ReplaceRecord>();
  REQUIRE(rep);
  CHECK(rep->isDiff);
  CHECK_FALSE(rep->diff2);
  REQUIRE(rep->diffs.size() == 3);
  CHECK(rep->diffs[0].kind == ReplaceDiffEntry::Kind::ReplaceSameLength);
  CHECK(rep->diffs[0].oldOffset == 2);
  CHECK(rep->diffs[0].oldLength == 2);
  CHECK(asText(rep->diffs[0].newData) == "XY");
  CHECK(rep->diffs[1].kind == ReplaceDiffEntry::Kind::Insert);
  CHECK(rep->diffs[1].streamOffset == 5);
  CHECK(rep->diffs[1].oldLength == 0);
  CHECK(asText(rep->diffs[1].newData) == "ZZZ");
  CHECK(rep->diffs[2].kind == ReplaceDiffEntry::Kind::Replace);
  CHECK(rep->diffs[2].oldOffset == 8);
  CHECK(rep->diffs[2].newLength == 0);
  CHECK(rep->diffs[2].oldLength == 2);

  // Applying it to a 10-byte node gives the 11-byte after-image cbNewData announces.
  const std::string before = "0123456789";
  auto after = replaceAfterImage(Bytes(reinterpret_cast<const uint8_t*>(before.data()), before.size()), *rep);
  REQUIRE_MESSAGE(after.isOk(), after.status().toString());
  CHECK(std::string(after->begin(), after->end()) == "01XY45ZZZ67");
}

TEST_CASE("ReplaceD: cb bit 15 selects DIFFHDR2 and is not part of the length") {
  std::vector<uint8_t> diff = {0x34, 0x12, 0x80 | 0x20, 0x01, 0x00, 'Q'};  // offset 0x1234, 2-byte lengths, same length
  auto b = nodeRecord(LogRecordType::ReplaceD);
  b.u16(44, static_cast<uint16_t>(0x8000 | diff.size())).u16(46, 0x2000).u16(48, 0x2000).append(diff);
  const LogRecord rec = decodeOk(b);
  CHECK(rec.length == 50 + 6);
  const auto* rep = rec.as<ReplaceRecord>();
  REQUIRE(rep);
  CHECK(rep->diff2);
  REQUIRE(rep->diffs.size() == 1);
  CHECK(rep->diffs[0].oldOffset == 0x1234);
  CHECK(rep->diffs[0].twoByteLengths);
  CHECK(rep->diffs[0].newLength == 1);
}

TEST_CASE("ReplaceD: a diff entry running past the stream is LogCorrupted at its record offset") {
  std::vector<uint8_t> diff = {0x00, 0x20, 2, 'X', 'Y', 0x05, 0x20, 9, 'a'};  // 2nd entry announces 9 bytes, has 1
  auto b = nodeRecord(LogRecordType::ReplaceD);
  b.u16(44, static_cast<uint16_t>(diff.size())).append(diff);
  auto r = decodeLogRecord(b.span());
  REQUIRE_FALSE(r.isOk());
  CHECK(r.status().code() == JetError::LogCorrupted);
  CHECK(r.status().message().find("offset 55") != std::string::npos);  // 50 + stream offset 5
}

TEST_CASE("Delta and Delta64") {
  auto b = nodeRecord(LogRecordType::Delta);
  b.u16(44, 2).u16(46, 1).u32(48, static_cast<uint32_t>(-5)).u16(52, 12).append("kkd");
  LogRecord rec = decodeOk(b);
  const auto* d = rec.as<DeltaRecord>();
  REQUIRE(d);
  checkNodePrefix(d->node);
  CHECK_FALSE(d->is64);
  CHECK(d->delta == -5);
  CHECK(d->valueOffset == 12);
  CHECK(asText(d->bookmarkKey) == "kk");
  CHECK(asText(d->bookmarkData) == "d");

  auto c = nodeRecord(LogRecordType::Delta64);
  c.u16(44, 1).u16(46, 0).u64(48, 0x100000000ull).u16(56, 8).append("k");
  rec = decodeOk(c);
  d = rec.as<DeltaRecord>();
  REQUIRE(d);
  CHECK(d->is64);
  CHECK(d->delta == 0x100000000ll);
  CHECK(d->valueOffset == 8);
  CHECK(rec.length == 59);
}

TEST_CASE("SetExternalHeader, UndoInfo, Undo, Scrub") {
  auto s = nodeRecord(LogRecordType::SetExternalHeader);
  s.u16(44, 4).append("HDR!");
  LogRecord rec = decodeOk(s);
  REQUIRE(rec.as<SetExternalHeaderRecord>());
  CHECK(asText(rec.as<SetExternalHeaderRecord>()->data) == "HDR!");

  auto u = nodeRecord(LogRecordType::UndoInfo);
  u.u16(44, 1).u16(46, 2).u16(48, 2).u16(50, static_cast<uint16_t>(-1)).u16(52, static_cast<uint16_t>(-3))
      .u16(54, 3).append("KDDbef");
  rec = decodeOk(u);
  const auto* info = rec.as<UndoInfoRecord>();
  REQUIRE(info);
  checkNodePrefix(info->node);
  CHECK(info->operation == 2);
  CHECK(info->maxSize == -1);
  CHECK(info->sizeDelta == -3);
  CHECK(asText(info->bookmarkKey) == "K");
  CHECK(asText(info->bookmarkData) == "DD");
  CHECK(asText(info->beforeImage) == "bef");

  auto un = nodeRecord(LogRecordType::Undo);
  un.u16(44, 2).u16(46, 0).u16(48, 3).u8(50, 4).append("kk");
  rec = decodeOk(un);
  const auto* undo = rec.as<UndoRecord>();
  REQUIRE(undo);
  CHECK(undo->operation == 3);
  CHECK(undo->level == 4);
  CHECK(asText(undo->bookmarkKey) == "kk");

  auto sc = nodeRecord(LogRecordType::Scrub);
  sc.u32(44, 1).u32(48, 7).u16(52, 3).append("abc");
  rec = decodeOk(sc);
  const auto* scrub = rec.as<ScrubRecord>();
  REQUIRE(scrub);
  CHECK(scrub->flags == 1);
  CHECK(scrub->operationCount == 7);
  CHECK(asText(scrub->data) == "abc");
}

TEST_CASE("EmptyTree: list of 16-byte EMPTYPAGE entries") {
  auto b = nodeRecord(LogRecordType::EmptyTree);
  b.u16(44, 32);
  RecordBuilder list(LogRecordType::Nop, 32);
  list.u64(0, 0x99).u32(8, 300).u32(12, 1).u64(16, 0x9A).u32(24, 301).u32(28, 0);
  b.append(list.bytes());
  const LogRecord rec = decodeOk(b);
  const auto* e = rec.as<EmptyTreeRecord>();
  REQUIRE(e);
  REQUIRE(e->pages.size() == 2);
  CHECK(e->pages[0].dbtimeBefore == 0x99);
  CHECK(e->pages[0].pgno == 300);
  CHECK(e->pages[0].flags == 1);
  CHECK(e->pages[1].pgno == 301);

  auto bad = nodeRecord(LogRecordType::EmptyTree);
  bad.u16(44, 20).append(std::vector<uint8_t>(20, 0));
  auto r = decodeLogRecord(bad.span());
  CHECK(r.status().code() == JetError::LogCorrupted);
  CHECK(r.status().message().find("offset 44") != std::string::npos);
}

TEST_CASE("describe: key fields of a node record") {
  auto b = nodeRecord(LogRecordType::Insert);
  b.u16(44, 1).u16(46, 0).u16(48, 2).append("kdd");
  const LogRecord rec = decodeOk(b);
  const FieldList fields = describe(rec);
  auto value = [&](std::string_view name) -> std::string {
    for (const Field& f : fields.items())
      if (f.name == name) return f.value;
    return "(missing)";
  };
  CHECK(value("type") == "Insert");
  CHECK(value("length") == "53");
  CHECK(value("dbid") == "3");
  CHECK(value("pgno") == std::to_string(0x1234));
  CHECK(value("objid") == std::to_string(0x55));
  CHECK(value("procid") == std::to_string(0x0102));
  CHECK(value("level") == "2");
  CHECK(value("cbData") == "2");
}
