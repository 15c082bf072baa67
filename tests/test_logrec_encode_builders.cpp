// Builders + encoder: records land at the offsets of ese-format/log-records.md
// §3 (checked by hand against the reference tables), and every builder's
// record decodes back to the values it was built from.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "esekit/format/log_record_decode.h"
#include "esekit/format/log_record_encode.h"

using namespace esekit;

namespace {

// The encoded bytes and the record decoded from them (views into `bytes`; a
// moved vector keeps its buffer, so returning by value is safe).
struct Encoded {
  std::vector<uint8_t> bytes;
  LogRecord decoded;
};

Encoded roundTrip(const LogRecord& built) {
  Encoded e;
  auto bytes = encodeLogRecord(built);
  REQUIRE_MESSAGE(bytes.isOk(), bytes.status().toString());
  e.bytes = std::move(bytes.value());
  auto decoded = decodeLogRecord(e.bytes);
  REQUIRE_MESSAGE(decoded.isOk(), decoded.status().toString());
  e.decoded = std::move(decoded.value());
  CHECK(e.decoded.type == built.type);
  CHECK(e.decoded.length == e.bytes.size());
  // decode -> encode gives the same bytes again.
  auto again = encodeLogRecord(e.decoded);
  REQUIRE(again.isOk());
  CHECK(*again == e.bytes);
  return e;
}

bool same(Bytes a, Bytes b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }
Bytes text(const char* s) { return Bytes(reinterpret_cast<const uint8_t*>(s), std::char_traits<char>::length(s)); }
uint16_t u16(const std::vector<uint8_t>& b, size_t at) { return loadLittleEndian<uint16_t>(b.data() + at); }
uint32_t u32(const std::vector<uint8_t>& b, size_t at) { return loadLittleEndian<uint32_t>(b.data() + at); }
int64_t i64(const std::vector<uint8_t>& b, size_t at) { return loadLittleEndian<int64_t>(b.data() + at); }

PageRecordPrefix samplePage() {
  PageRecordPrefix p;
  p.procid = 0x1234;
  p.dbid = 1;
  p.pgno = 0x0A0B0C0D;
  p.dbtime = 0x1122334455;
  p.dbtimeBefore = kDbtimeInvalid;
  p.trxBegin0 = 0xCAFEBABE;
  p.level = 2;
  p.iline = 0x0304;
  p.flags = page_record_flag::kVersioned | page_record_flag::kUniqueKeys;
  return p;
}

NodeRecordPrefix sampleNode() {
  NodeRecordPrefix n;
  n.page = samplePage();
  n.rceid = 0x77;
  n.pgnoFDP = 0x88;
  n.objidFDP = 0x99;
  return n;
}

void checkNode(const NodeRecordPrefix& n) {
  const NodeRecordPrefix s = sampleNode();
  CHECK(n.page.procid == s.page.procid);
  CHECK(n.page.dbid == s.page.dbid);
  CHECK(n.page.pgno == s.page.pgno);
  CHECK(n.page.dbtime == s.page.dbtime);
  CHECK(n.page.dbtimeBefore == s.page.dbtimeBefore);
  CHECK(n.page.trxBegin0 == s.page.trxBegin0);
  CHECK(n.page.level == s.page.level);
  CHECK(n.page.iline == s.page.iline);
  CHECK(n.page.flags == s.page.flags);
  CHECK(n.rceid == s.rceid);
  CHECK(n.pgnoFDP == s.pgnoFDP);
  CHECK(n.objidFDP == s.objidFDP);
}

// LRNODE_ offsets of §3.1-3.2.
void checkNodeBytes(const std::vector<uint8_t>& b) {
  CHECK(u16(b, 1) == 0x1234);
  CHECK(b[3] == 1);
  CHECK(u32(b, 4) == 0x0A0B0C0D);
  CHECK(i64(b, 8) == 0x1122334455);
  CHECK(i64(b, 16) == -2);
  CHECK(u32(b, 24) == 0xCAFEBABE);
  CHECK(b[28] == 2);
  CHECK(u16(b, 29) == 0x0304);
  CHECK(b[31] == 0x05);
  CHECK(u32(b, 32) == 0x77);
  CHECK(u32(b, 36) == 0x88);
  CHECK(u32(b, 40) == 0x99);
}

LogTime sampleTime() {
  LogTime t;
  t.seconds = 5;
  t.minutes = 6;
  t.hours = 7;
  t.day = 8;
  t.month = 9;
  t.yearSince1900 = 124;
  t.isUtc = true;
  t.milliseconds = 999;
  return t;
}

Signature sampleSignature(uint32_t random) {
  Signature s;
  s.random = random;
  s.created = sampleTime();
  s.computerName[0] = 'X';
  return s;
}

}  // namespace

TEST_CASE("transaction builders: layout of §3.6") {
  auto begin0 = roundTrip(makeBegin0(5, 0xDEADBEEF));
  CHECK(begin0.bytes == std::vector<uint8_t>{8, 5, 0, 0x10, 0xEF, 0xBE, 0xAD, 0xDE});  // levelsToBegin in the high nibble
  const auto* b = begin0.decoded.as<BeginRecord>();
  REQUIRE(b);
  CHECK(b->procid == 5);
  CHECK(b->levelBeginFrom == 0);
  CHECK(b->levelsToBegin == 1);
  CHECK(b->trxBegin0 == 0xDEADBEEFu);

  auto begin = roundTrip(makeBegin(6, 1, 2));
  CHECK(begin.bytes == std::vector<uint8_t>{5, 6, 0, 0x21});
  CHECK(begin.decoded.as<BeginRecord>()->levelBeginFrom == 1);
  CHECK_FALSE(begin.decoded.as<BeginRecord>()->trxBegin0);

  auto commit0 = roundTrip(makeCommit0(7, 0x01020304));
  CHECK(commit0.bytes == std::vector<uint8_t>{9, 7, 0, 0, 4, 3, 2, 1});
  CHECK(commit0.decoded.as<CommitRecord>()->trxCommit0 == 0x01020304u);

  auto commit = roundTrip(makeCommit(7, 1));
  CHECK(commit.bytes == std::vector<uint8_t>{6, 7, 0, 1});

  auto rollback = roundTrip(makeRollback(0x0102, 3));
  CHECK(rollback.bytes == std::vector<uint8_t>{7, 2, 1, 3});
  CHECK(rollback.decoded.as<RollbackRecord>()->levels == 3);

  auto refresh = roundTrip(makeRefresh(9, 0xAABBCCDD));
  CHECK(refresh.decoded.as<RefreshRecord>()->trxBegin0 == 0xAABBCCDDu);

  for (LogRecordType type : {LogRecordType::MacroBegin, LogRecordType::MacroCommit, LogRecordType::MacroAbort}) {
    auto macro = roundTrip(makeMacro(type, 3, 0x123456789A));
    CHECK(macro.bytes.size() == 11);
    CHECK(i64(macro.bytes, 3) == 0x123456789A);
    CHECK(macro.decoded.as<MacroRecord>()->dbtime == 0x123456789A);
  }
  CHECK(roundTrip(makeForceWriteLog(4)).decoded.as<SessionRecord>()->procid == 4);

  const uint8_t pgnos[8] = {1, 0, 0, 0, 2, 0, 0, 0};
  auto info = roundTrip(makeMacroInfo2(1, Bytes(pgnos)));
  CHECK(info.bytes.size() == 5 + 5 + 8);
  CHECK(u32(info.bytes, 1) == 13);  // LRIGNORED cb: dbid + count + PGNOs
  CHECK(info.bytes[5] == 1);
  CHECK(u32(info.bytes, 6) == 2);
  const auto* m = info.decoded.as<MacroInfoRecord>();
  REQUIRE(m);
  CHECK(m->pageCount == 2);
  CHECK(m->pgno(1) == 2);
}

TEST_CASE("Insert: cbSuffix at 44, cbPrefix at 46, cbData at 48, payload prefix|suffix|data") {
  auto e = roundTrip(makeInsert(sampleNode(), text("PP"), text("SSS"), text("DDDD")));
  CHECK(e.bytes.size() == 50 + 2 + 3 + 4);
  CHECK(e.bytes[0] == 29);
  checkNodeBytes(e.bytes);
  CHECK(u16(e.bytes, 44) == 3);
  CHECK(u16(e.bytes, 46) == 2);
  CHECK(u16(e.bytes, 48) == 4);
  CHECK(std::string(e.bytes.begin() + 50, e.bytes.end()) == "PPSSSDDDD");
  const auto* i = e.decoded.as<InsertRecord>();
  REQUIRE(i);
  checkNode(i->node);
  CHECK(same(i->keyPrefix, text("PP")));
  CHECK(same(i->keySuffix, text("SSS")));
  CHECK(same(i->data, text("DDDD")));
}

TEST_CASE("node builders decode to what they were built from") {
  SUBCASE("FlagInsert / FlagInsertAndReplaceData") {
    auto f = roundTrip(makeFlagInsert(sampleNode(), text("key"), text("data!")));
    CHECK(f.bytes.size() == 48 + 3 + 5);
    CHECK(u16(f.bytes, 44) == 3);
    CHECK(u16(f.bytes, 46) == 5);
    CHECK(same(f.decoded.as<FlagInsertRecord>()->data, text("data!")));
    auto r = roundTrip(makeFlagInsertAndReplaceData(sampleNode(), text("k"), text("dd"), 0x4242));
    CHECK(r.bytes.size() == 52 + 1 + 2);
    CHECK(u32(r.bytes, 48) == 0x4242);
    CHECK(r.decoded.as<FlagInsertRecord>()->rceidReplace == 0x4242u);
    checkNode(r.decoded.as<FlagInsertRecord>()->node);
  }
  SUBCASE("FlagDelete / Delete") {
    auto f = roundTrip(makeFlagDelete(sampleNode()));
    CHECK(f.bytes.size() == 44);
    CHECK(f.bytes[0] == 32);
    checkNodeBytes(f.bytes);
    checkNode(f.decoded.as<NodeOperationRecord>()->node);
    auto d = roundTrip(makeDelete(sampleNode()));
    CHECK(d.bytes[0] == 35);
    checkNode(d.decoded.as<NodeOperationRecord>()->node);
  }
  SUBCASE("Replace: cb at 44, cbOldData at 46, cbNewData at 48") {
    auto r = roundTrip(makeReplace(sampleNode(), text("new-data"), 20));
    CHECK(r.bytes.size() == 50 + 8);
    CHECK(u16(r.bytes, 44) == 8);
    CHECK(u16(r.bytes, 46) == 20);
    CHECK(u16(r.bytes, 48) == 8);
    const auto* rep = r.decoded.as<ReplaceRecord>();
    REQUIRE(rep);
    CHECK_FALSE(rep->isDiff);
    CHECK(same(rep->payload, text("new-data")));
  }
  SUBCASE("ReplaceD: diff2 is bit 15 of cb") {
    const std::vector<uint8_t> before = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'};
    const std::vector<uint8_t> after = {'a', 'b', 'X', 'd', 'e', 'f', 'g', 'h', 'i', 'j'};
    for (bool diff2 : {false, true}) {
      auto stream = encodeReplaceDiff(before, after, diff2);
      REQUIRE(stream.isOk());
      REQUIRE(stream->has_value());
      auto r = roundTrip(makeReplaceDiff(sampleNode(), **stream, diff2, 10, 10));
      CHECK(r.bytes[0] == 34);
      CHECK(u16(r.bytes, 44) == ((**stream).size() | (diff2 ? 0x8000 : 0)));
      const auto* rep = r.decoded.as<ReplaceRecord>();
      REQUIRE(rep);
      CHECK(rep->diff2 == diff2);
      auto image = replaceAfterImage(before, *rep);
      REQUIRE(image.isOk());
      CHECK(*image == after);
    }
  }
  SUBCASE("Delta / Delta64") {
    auto d = roundTrip(makeDelta(sampleNode(), text("bk"), text("bd"), -5, 12));
    CHECK(d.bytes.size() == 54 + 4);
    CHECK(loadLittleEndian<int32_t>(d.bytes.data() + 48) == -5);
    CHECK(u16(d.bytes, 52) == 12);
    CHECK(d.decoded.as<DeltaRecord>()->delta == -5);
    auto d64 = roundTrip(makeDelta64(sampleNode(), text("k"), {}, int64_t{1} << 40, 8));
    CHECK(d64.bytes.size() == 58 + 1);
    CHECK(i64(d64.bytes, 48) == int64_t{1} << 40);
    CHECK(u16(d64.bytes, 56) == 8);
    CHECK(d64.decoded.as<DeltaRecord>()->is64);
  }
  SUBCASE("SetExternalHeader") {
    auto s = roundTrip(makeSetExternalHeader(sampleNode(), text("header")));
    CHECK(s.bytes.size() == 46 + 6);
    CHECK(u16(s.bytes, 44) == 6);
    CHECK(same(s.decoded.as<SetExternalHeaderRecord>()->data, text("header")));
  }
  SUBCASE("UndoInfo / Undo") {
    auto u = roundTrip(makeUndoInfo(sampleNode(), text("bk"), text("b"), 2, 100, -3, text("before")));
    CHECK(u.bytes.size() == 56 + 2 + 1 + 6);
    CHECK(u16(u.bytes, 48) == 2);
    CHECK(u16(u.bytes, 50) == 100);
    CHECK(u16(u.bytes, 52) == 0xFFFD);
    CHECK(u16(u.bytes, 54) == 6);
    const auto* ui = u.decoded.as<UndoInfoRecord>();
    REQUIRE(ui);
    CHECK(ui->sizeDelta == -3);
    CHECK(same(ui->beforeImage, text("before")));
    auto undo = roundTrip(makeUndo(sampleNode(), text("key"), text("data"), 3, 1));
    CHECK(undo.bytes.size() == 51 + 7);
    CHECK(undo.bytes[50] == 1);
    CHECK(std::string(undo.bytes.begin() + 51, undo.bytes.end()) == "keydata");
    CHECK(undo.decoded.as<UndoRecord>()->operation == 3);
  }
  SUBCASE("EmptyTree: EMPTYPAGE array of 16-byte entries") {
    auto e = roundTrip(makeEmptyTree(sampleNode(), {EmptyPage{-7, 40, 1}, EmptyPage{9, 41, 0}}));
    CHECK(e.bytes.size() == 46 + 32);
    CHECK(u16(e.bytes, 44) == 32);
    CHECK(i64(e.bytes, 46) == -7);
    CHECK(u32(e.bytes, 54) == 40);
    const auto* t = e.decoded.as<EmptyTreeRecord>();
    REQUIRE(t);
    REQUIRE(t->pages.size() == 2);
    CHECK(t->pages[1].pgno == 41);
  }
}

TEST_CASE("multi-page builders: §3.5 layouts") {
  SUBCASE("Split2: counts at 96/98/100/106, payload parentKey|prefixOld|prefixNew|before-image") {
    SplitRecord s;
    s.page = samplePage();
    s.pgnoNew = 100;
    s.pgnoRight = 101;
    s.dbtimeRightBefore = 55;
    s.pgnoParent = 102;
    s.dbtimeParentBefore = 56;
    s.pgnoFDP = 103;
    s.objidFDP = 104;
    s.splitType = 1;
    s.splitOperation = 1;
    s.ilineOperation = 7;
    s.ilineSplit = 8;
    s.lineCount = 9;
    s.newPageFlags = 0x2802;
    s.splitPageFlags = 0x2803;
    s.uncommittedFreedSource = -1;
    s.uncommittedFreedDestination = 2;
    s.ilinePrefixSplit = -1;
    s.ilinePrefixNew = 3;
    s.preimageFlags = 1;
    s.parentKey = text("PK");
    s.prefixSplitOld = text("OLD");
    s.prefixSplitNew = text("NEW1");
    s.pageBeforeImage = text("IMAGE");
    auto e = roundTrip(makeSplit2(s));
    CHECK(e.bytes.size() == 110 + 2 + 3 + 4 + 5);
    CHECK(u32(e.bytes, 32) == 100);
    CHECK(u32(e.bytes, 48) == 102);
    CHECK(e.bytes[68] == 1);
    CHECK(u16(e.bytes, 84) == 0xFFFF);
    CHECK(u16(e.bytes, 96) == 3);
    CHECK(u16(e.bytes, 98) == 4);
    CHECK(u16(e.bytes, 100) == 2);
    CHECK(u32(e.bytes, 102) == 1);
    CHECK(u32(e.bytes, 106) == 5);
    CHECK(std::string(e.bytes.begin() + 110, e.bytes.end()) == "PKOLDNEW1IMAGE");
    const auto* d = e.decoded.as<SplitRecord>();
    REQUIRE(d);
    CHECK(d->hasBeforeImage);
    CHECK(d->ilinePrefixSplit == -1);
    CHECK(d->newPageFlags == 0x2802);
    CHECK(same(d->prefixSplitNew, text("NEW1")));
  }
  SUBCASE("Merge2") {
    MergeRecord m;
    m.page = samplePage();
    m.pgnoRight = 5;
    m.pgnoLeft = 4;
    m.mergeType = 3;
    m.mergeFlags = 1;
    m.ilineMerge = 2;
    m.parentSeparatorKey = text("sep");
    m.pageBeforeImage = text("img");
    auto e = roundTrip(makeMerge2(m));
    CHECK(e.bytes.size() == 96 + 6);
    CHECK(u16(e.bytes, 86) == 3);
    CHECK(u32(e.bytes, 92) == 3);
    CHECK(e.bytes[85] == 3);
    CHECK(e.decoded.as<MergeRecord>()->pgnoLeft == 4);
  }
  SUBCASE("PageMove") {
    PageMoveRecord p;
    p.page = samplePage();
    p.pgnoDestination = 77;
    p.ilineParent = -1;
    p.moveFlags = 1;
    p.pageHeader = text("hdr");
    p.pageTrailer = text("trail");
    auto e = roundTrip(makePageMove(p));
    CHECK(e.bytes.size() == 96 + 8);
    CHECK(u32(e.bytes, 88) == 3);
    CHECK(u32(e.bytes, 92) == 5);
    CHECK(e.decoded.as<PageMoveRecord>()->pgnoDestination == 77);
  }
  SUBCASE("NewPage: 4 pgno, 8 objid, 12 dbtimeAfter") {
    auto e = roundTrip(makeNewPage(3, 1, 42, 7, 0x99));
    CHECK(e.bytes.size() == 20);
    CHECK(u32(e.bytes, 4) == 42);
    CHECK(u32(e.bytes, 8) == 7);
    CHECK(i64(e.bytes, 12) == 0x99);
    CHECK(e.decoded.as<NewPageRecord>()->objid == 7);
  }
  SUBCASE("CreateMultipleExtentFDP / CreateSingleExtentFDP") {
    auto m = roundTrip(makeCreateMultipleExtentFdp(samplePage(), 10, 11, 12, 13, 14, 0x2803));
    CHECK(m.bytes.size() == 56);
    CHECK(u32(m.bytes, 32) == 10);
    CHECK(u32(m.bytes, 36) == 11);
    CHECK(u32(m.bytes, 40) == 12);
    CHECK(u32(m.bytes, 44) == 13);
    CHECK(u32(m.bytes, 48) == 14);
    CHECK(u32(m.bytes, 52) == 0x2803);
    CHECK(m.decoded.as<CreateFdpRecord>()->pgnoAvailableExtents == 12);
    auto s = roundTrip(makeCreateSingleExtentFdp(samplePage(), 20, 21, 1, 0x2801));
    CHECK(s.bytes.size() == 48);
    CHECK(u32(s.bytes, 36) == 21);
    CHECK(u32(s.bytes, 44) == 0x2801);
    CHECK_FALSE(s.decoded.as<CreateFdpRecord>()->multipleExtent);
  }
}

TEST_CASE("database builders: §3.9 layouts, UTF-16 paths") {
  const std::vector<uint8_t> path = loggedPathUtf16("C:\\db\\x.edb");
  CHECK(path.size() == 2 * 11 + 2);
  CHECK(path[0] == 'C');
  CHECK(path[1] == 0);
  CHECK(path[path.size() - 2] == 0);

  auto create = roundTrip(makeCreateDatabase(5, 1, 0x200, 0, sampleSignature(0xABCD), path, 0x08, 0x620, 0x14));
  CHECK(create.bytes.size() == 43 + 4 + path.size());
  CHECK(u32(create.bytes, 4) == 0x200);
  CHECK(u32(create.bytes, 12) == 0xABCD);
  CHECK(u16(create.bytes, 40) == path.size());
  CHECK(create.bytes[42] == 0x0C);
  CHECK(u16(create.bytes, 43) == 0x620);
  CHECK(u16(create.bytes, 45) == 0x14);
  const auto* c = create.decoded.as<CreateDatabaseRecord>();
  REQUIRE(c);
  CHECK(c->path.toUtf8() == "C:\\db\\x.edb");
  CHECK(c->signDb == sampleSignature(0xABCD));

  auto noVersion = roundTrip(makeCreateDatabase(5, 1, 0, 0, sampleSignature(1), path));
  CHECK(noVersion.bytes.size() == 43 + path.size());
  CHECK_FALSE(noVersion.decoded.as<CreateDatabaseRecord>()->version);

  const LogPosition consistent{0x10, 2, 9};
  auto attach = roundTrip(makeAttachDatabase(5, 2, 1000, consistent, sampleSignature(2), sampleSignature(3), path));
  CHECK(attach.bytes.size() == 75 + path.size());
  CHECK(u32(attach.bytes, 4) == 1000);
  CHECK(u16(attach.bytes, 8) == 0x10);
  CHECK(u32(attach.bytes, 16) == 2);
  CHECK(u32(attach.bytes, 44) == 3);
  CHECK(u16(attach.bytes, 72) == path.size());
  CHECK(attach.bytes[74] == 0x08);
  CHECK(attach.decoded.as<AttachDatabaseRecord>()->lgposConsistent == consistent);

  auto detach = roundTrip(makeDetachDatabase(5, 2, path));
  CHECK(detach.bytes.size() == 7 + path.size());
  CHECK(u16(detach.bytes, 4) == path.size());
  CHECK(detach.bytes[6] == 0x10);
  CHECK(detach.decoded.as<DetachDatabaseRecord>()->path.toUtf8() == "C:\\db\\x.edb");

  auto finish = roundTrip(makeCreateDatabaseFinish(5, 1));
  CHECK(finish.bytes == std::vector<uint8_t>{79, 5, 0, 1});

  auto version = roundTrip(makeSetDbVersion(1, 0x620, 0x14, 0x40));
  CHECK(version.bytes.size() == 14);
  CHECK(u32(version.bytes, 10) == 0x40);

  auto extend = roundTrip(makeExtendDatabase(1, 2048));
  CHECK(extend.bytes == std::vector<uint8_t>{68, 5, 0, 0, 0, 1, 0, 8, 0, 0});  // LRIGNORED cb = 5
  CHECK(extend.decoded.as<ExtendDatabaseRecord>()->pgnoLast == 2048);

  CHECK(roundTrip(makeSignalAttachDb(3)).bytes == std::vector<uint8_t>{97, 3});
}

TEST_CASE("lifecycle builders: §3.7 layouts") {
  DbmsParameters parameters;
  parameters.systemPath[0] = 'C';
  parameters.flags = DbmsParameters::kFlagCircularLogging;
  parameters.sessionsMax = 16;
  parameters.cacheSizeMax = 1024;
  auto init = roundTrip(makeInit2(parameters, sampleTime()));
  CHECK(init.bytes.size() == 576);
  CHECK(init.bytes[1] == 'C');
  CHECK(init.bytes[1 + 522] == 1);
  CHECK(u32(init.bytes, 1 + 523) == 16);
  CHECK(init.bytes[568] == 5);  // LOGTIME seconds
  const auto* i = init.decoded.as<InitRecord>();
  REQUIRE(i);
  CHECK(i->parameters == parameters);
  CHECK(i->time == sampleTime());

  const LogPosition undo{0x28, 1, 7};
  const LogPosition redo{0x100, 3, 6};
  using Maker = LogRecord (*)(const LogPosition&, const LogPosition&, uint8_t, const LogTime&);
  for (auto [maker, type] : {std::pair<Maker, uint8_t>{makeTerm2, 50}, std::pair<Maker, uint8_t>{makeRecoveryQuit2, 52},
                             std::pair<Maker, uint8_t>{makeRecoveryQuitKeepAttachments, 80}}) {
    auto t = roundTrip(maker(undo, redo, 0, sampleTime()));
    CHECK(t.bytes.size() == 26);
    CHECK(t.bytes[0] == type);
    CHECK(u16(t.bytes, 1) == 0x28);
    CHECK(loadLittleEndian<int32_t>(t.bytes.data() + 5) == 7);
    CHECK(u16(t.bytes, 9) == 0x100);
    CHECK(t.bytes[17] == 0);
    CHECK(t.bytes[18] == 5);
    const auto* term = t.decoded.as<TermRecord>();
    REQUIRE(term);
    CHECK(term->lgposRedoFrom == redo);
    CHECK(term->time == sampleTime());
  }

  auto recoveryUndo = roundTrip(makeRecoveryUndo2(sampleTime()));
  CHECK(recoveryUndo.bytes.size() == 9);
  CHECK(recoveryUndo.decoded.as<RecoveryUndoRecord>()->time == sampleTime());

  CHECK(roundTrip(makeShutDownMark()).bytes == std::vector<uint8_t>{23});

  auto trace = roundTrip(makeTrace(3, text("hello")));
  CHECK(trace.bytes.size() == 5 + 5);
  CHECK(u16(trace.bytes, 3) == 5);
  CHECK(same(trace.decoded.as<TraceRecord>()->text, text("hello")));
}

TEST_CASE("loggedPathUtf16: surrogate pairs and invalid UTF-8") {
  CHECK(loggedPathUtf16("") == std::vector<uint8_t>{0, 0});
  CHECK(loggedPathUtf16("\xC3\xA9") == std::vector<uint8_t>{0xE9, 0, 0, 0});                     // U+00E9
  CHECK(loggedPathUtf16("\xF0\x9F\x98\x80") == std::vector<uint8_t>{0x3D, 0xD8, 0x00, 0xDE, 0, 0});  // U+1F600
  CHECK(loggedPathUtf16("\xFF" "a") == std::vector<uint8_t>{0xFD, 0xFF, 'a', 0, 0, 0});
  CHECK(loggedPathUtf16("\xC0\x80") == std::vector<uint8_t>{0xFD, 0xFF, 0xFD, 0xFF, 0, 0});  // overlong NUL
}

TEST_CASE("appendLogRecord appends after existing bytes and re-encodes a record from its own buffer") {
  std::vector<uint8_t> out = {1, 2, 3};
  REQUIRE(appendLogRecord(makeInsert(sampleNode(), text("p"), text("s"), text("d")), out).isOk());
  CHECK(out.size() == 3 + 53);
  CHECK(out[3] == 29);
  // A decoded record whose views point into `out` itself, appended to `out`.
  auto decoded = decodeLogRecord(Bytes(out).subspan(3));
  REQUIRE(decoded.isOk());
  out.reserve(out.size());  // no spare capacity: the append must reallocate
  REQUIRE(appendLogRecord(*decoded, out).isOk());
  CHECK(std::equal(out.begin() + 3, out.begin() + 56, out.begin() + 56, out.end()));
}
