// Split/merge/page-move/new-page/FDP records (ese-format/log-records.md §3.5).
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

TEST_CASE("Split2: every fixed field and the four payload pieces") {
  RecordBuilder b(LogRecordType::Split2);
  b.pagePrefix(7, 1, 500, 0x90, 0x80, 0x11, 1, 0, 0);
  b.u32(32, 501).u32(36, 502).u64(40, 0x70).u32(48, 400).u64(52, 0x60).u32(60, 300).u32(64, 31);
  b.u8(68, 1).u8(69, 2).u16(70, 5).u16(72, 6).u16(74, 12).u32(76, 0x800).u32(80, 0x802);
  b.u16(84, static_cast<uint16_t>(-4)).u16(86, 8).u32(88, static_cast<uint32_t>(-1)).u32(92, 3);
  b.u16(96, 1).u16(98, 2).u16(100, 3).u32(102, 0x1).u32(106, 4);
  b.append("KKK").append("o").append("nn").append("IMG!");
  const LogRecord rec = decodeOk(b);
  CHECK(rec.length == 110 + 10);
  const auto* s = rec.as<SplitRecord>();
  REQUIRE(s);
  CHECK(s->hasBeforeImage);
  CHECK(s->page.pgno == 500);
  CHECK(s->page.dbtime == 0x90);
  CHECK(s->page.dbtimeBefore == 0x80);
  CHECK(s->pgnoNew == 501);
  CHECK(s->pgnoRight == 502);
  CHECK(s->dbtimeRightBefore == 0x70);
  CHECK(s->pgnoParent == 400);
  CHECK(s->dbtimeParentBefore == 0x60);
  CHECK(s->pgnoFDP == 300);
  CHECK(s->objidFDP == 31);
  CHECK(s->splitType == 1);
  CHECK(s->splitOperation == 2);
  CHECK(s->ilineOperation == 5);
  CHECK(s->ilineSplit == 6);
  CHECK(s->lineCount == 12);
  CHECK(s->newPageFlags == 0x800);
  CHECK(s->splitPageFlags == 0x802);
  CHECK(s->uncommittedFreedSource == -4);
  CHECK(s->uncommittedFreedDestination == 8);
  CHECK(s->ilinePrefixSplit == -1);
  CHECK(s->ilinePrefixNew == 3);
  CHECK(s->preimageFlags == 1);
  CHECK(asText(s->parentKey) == "KKK");
  CHECK(asText(s->prefixSplitOld) == "o");
  CHECK(asText(s->prefixSplitNew) == "nn");
  CHECK(asText(s->pageBeforeImage) == "IMG!");
  CHECK(objidOf(rec) == 31u);
  CHECK(pagePrefix(rec)->pgno == 500);
  CHECK_FALSE(nodePrefix(rec));
}

TEST_CASE("old Split (27) shares the first 102 bytes and has no before-image") {
  RecordBuilder b(LogRecordType::Split);
  b.pagePrefix(7, 1, 500, 0x90, 0x80, 0x11, 1, 0, 0).u32(32, 501).u16(100, 2).append("KK");
  const LogRecord rec = decodeOk(b);
  const auto* s = rec.as<SplitRecord>();
  REQUIRE(s);
  CHECK_FALSE(s->hasBeforeImage);
  CHECK(s->pgnoNew == 501);
  CHECK(asText(s->parentKey) == "KK");
  CHECK(s->pageBeforeImage.empty());
}

TEST_CASE("Merge2") {
  RecordBuilder b(LogRecordType::Merge2);
  b.pagePrefix(2, 1, 600, 0x50, 0x40, 0, 0, 0, 0);
  b.u32(32, 601).u64(36, 0x41).u32(44, 599).u64(48, 0x42).u32(56, 10).u64(60, 0x43).u32(68, 9).u32(72, 44);
  b.u16(76, 1000).u16(78, 1100).u16(80, 12).u16(82, 3).u8(84, 0x5).u8(85, 3).u16(86, 2).u32(88, 0).u32(92, 3);
  b.append("SK").append("pre");
  const LogRecord rec = decodeOk(b);
  const auto* m = rec.as<MergeRecord>();
  REQUIRE(m);
  CHECK(m->hasBeforeImage);
  CHECK(m->pgnoRight == 601);
  CHECK(m->dbtimeRightBefore == 0x41);
  CHECK(m->pgnoLeft == 599);
  CHECK(m->dbtimeLeftBefore == 0x42);
  CHECK(m->pgnoParent == 10);
  CHECK(m->dbtimeParentBefore == 0x43);
  CHECK(m->pgnoFDP == 9);
  CHECK(m->objidFDP == 44);
  CHECK(m->sizeTotal == 1000);
  CHECK(m->sizeMaxTotal == 1100);
  CHECK(m->uncommittedFreedDestination == 12);
  CHECK(m->ilineMerge == 3);
  CHECK(m->mergeFlags == 5);
  CHECK(m->mergeType == 3);
  CHECK(asText(m->parentSeparatorKey) == "SK");
  CHECK(asText(m->pageBeforeImage) == "pre");
}

TEST_CASE("PageMove: page image in two parts") {
  RecordBuilder b(LogRecordType::PageMove);
  b.pagePrefix(2, 1, 70, 0x99, 0x98, 0, 0, 0, 0);
  b.u32(32, 71).u32(36, 69).u32(40, 72).u32(44, 5).u64(48, 1).u64(56, 2).u64(64, 3).u32(72, 4).u32(76, 88);
  b.u32(80, 7).u32(84, 0x1).u32(88, 3).u32(92, 2).append("HDRtr");
  const LogRecord rec = decodeOk(b);
  const auto* p = rec.as<PageMoveRecord>();
  REQUIRE(p);
  CHECK(p->pgnoDestination == 71);
  CHECK(p->pgnoLeft == 69);
  CHECK(p->pgnoRight == 72);
  CHECK(p->pgnoParent == 5);
  CHECK(p->dbtimeLeftBefore == 1);
  CHECK(p->dbtimeRightBefore == 2);
  CHECK(p->dbtimeParentBefore == 3);
  CHECK(p->pgnoFDP == 4);
  CHECK(p->objidFDP == 88);
  CHECK(p->ilineParent == 7);
  CHECK(p->moveFlags == 1);
  CHECK(asText(p->pageHeader) == "HDR");
  CHECK(asText(p->pageTrailer) == "tr");
}

TEST_CASE("NewPage and RootPageMove have their own small layouts") {
  RecordBuilder n(LogRecordType::NewPage);
  n.u16(1, 3).u8(3, 2).u32(4, 1000).u32(8, 77).u64(12, 0x123);
  LogRecord rec = decodeOk(n);
  const auto* np = rec.as<NewPageRecord>();
  REQUIRE(np);
  CHECK(np->procid == 3);
  CHECK(np->dbid == 2);
  CHECK(np->pgno == 1000);
  CHECK(np->objid == 77);
  CHECK(np->dbtimeAfter == 0x123);
  CHECK(objidOf(rec) == 77u);
  CHECK(dbidOf(rec) == uint8_t{2});
  CHECK_FALSE(pagePrefix(rec));

  RecordBuilder r(LogRecordType::RootPageMove);
  r.u64(1, 0x456).u8(9, 1).u32(10, 66).u16(14, 9);
  rec = decodeOk(r);
  const auto* rp = rec.as<RootPageMoveRecord>();
  REQUIRE(rp);
  CHECK(rp->dbtimeAfter == 0x456);
  CHECK(rp->dbid == 1);
  CHECK(rp->objid == 66);
  CHECK(rp->procid == 9);
}

TEST_CASE("FDP creation and conversion records") {
  RecordBuilder me(LogRecordType::CreateMultipleExtentFDP);
  me.pagePrefix(1, 1, 40, 5, 4, 0, 1, 0, 0).u32(32, 12).u32(36, 41).u32(40, 42).u32(44, 2).u32(48, 8).u32(52, 0x3);
  LogRecord rec = decodeOk(me);
  const auto* c = rec.as<CreateFdpRecord>();
  REQUIRE(c);
  CHECK(c->multipleExtent);
  CHECK(c->page.pgno == 40);
  CHECK(c->objidFDP == 12);
  CHECK(c->pgnoOwnedExtents == 41);
  CHECK(c->pgnoAvailableExtents == 42);
  CHECK(c->pgnoFDPParent == 2);
  CHECK(c->primaryPageCount == 8);
  CHECK(c->pageFlags == 3);

  RecordBuilder se(LogRecordType::CreateSingleExtentFDP);
  se.pagePrefix(1, 1, 50, 5, 4, 0, 1, 0, 0).u32(32, 13).u32(36, 2).u32(40, 1).u32(44, 0x9);
  rec = decodeOk(se);
  c = rec.as<CreateFdpRecord>();
  REQUIRE(c);
  CHECK_FALSE(c->multipleExtent);
  CHECK(c->objidFDP == 13);
  CHECK(c->pgnoFDPParent == 2);
  CHECK(c->primaryPageCount == 1);
  CHECK(c->pageFlags == 9);

  RecordBuilder cv(LogRecordType::ConvertFDP2);
  cv.pagePrefix(1, 1, 60, 5, 4, 0, 1, 0, 0).u32(32, 14).u32(36, 61).u32(40, 62).u32(44, 2).u32(48, 63);
  cv.u32(52, 1).u32(56, 16).u32(60, 0xF0).u32(64, 0x21);
  rec = decodeOk(cv);
  const auto* conv = rec.as<ConvertFdpRecord>();
  REQUIRE(conv);
  CHECK(conv->pgnoSecondaryFirst == 63);
  CHECK(conv->secondaryPageCount == 16);
  CHECK(conv->availableBitmap == 0xF0u);
  CHECK(conv->pageFlags == 0x21u);
}
