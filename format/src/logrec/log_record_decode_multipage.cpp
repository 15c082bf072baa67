// Multi-page records: split, merge, page move, new page, root page move and
// the FDP creation/conversion records (log-records.md §3.5).
#include "logrec/log_record_reader.h"

namespace esekit::logrec {
namespace {

LogRecordBody decodeSplit(RecordReader& r) {
  SplitRecord s;
  s.page = r.pagePrefix();
  s.hasBeforeImage = r.type() == LogRecordType::Split2;  // the old Split shares offsets 0..101 (LRSPLIT_)
  s.pgnoNew = r.u32(32);
  s.pgnoRight = r.u32(36);
  s.dbtimeRightBefore = r.i64(40);
  s.pgnoParent = r.u32(48);
  s.dbtimeParentBefore = r.i64(52);
  s.pgnoFDP = r.u32(60);
  s.objidFDP = r.u32(64);
  s.splitType = r.u8(68);
  s.splitOperation = r.u8(69);
  s.ilineOperation = r.u16(70);
  s.ilineSplit = r.u16(72);
  s.lineCount = r.u16(74);
  s.newPageFlags = r.u32(76);
  s.splitPageFlags = r.u32(80);
  s.uncommittedFreedSource = r.i16(84);
  s.uncommittedFreedDestination = r.i16(86);
  s.ilinePrefixSplit = r.i32(88);
  s.ilinePrefixNew = r.i32(92);
  const uint16_t cbPrefixSplitOld = r.u16(96);
  const uint16_t cbPrefixSplitNew = r.u16(98);
  const uint16_t cbKeyParent = r.u16(100);
  uint32_t cbPageBeforeImage = 0;
  if (s.hasBeforeImage) {
    s.preimageFlags = r.u32(102);
    cbPageBeforeImage = r.u32(106);
  }
  s.parentKey = r.take(cbKeyParent);
  s.prefixSplitOld = r.take(cbPrefixSplitOld);
  s.prefixSplitNew = r.take(cbPrefixSplitNew);
  s.pageBeforeImage = r.take(cbPageBeforeImage);
  return s;
}

LogRecordBody decodeMerge(RecordReader& r) {
  MergeRecord m;
  m.page = r.pagePrefix();
  m.hasBeforeImage = r.type() == LogRecordType::Merge2;  // the old Merge shares offsets 0..87 (LRMERGE_)
  m.pgnoRight = r.u32(32);
  m.dbtimeRightBefore = r.i64(36);
  m.pgnoLeft = r.u32(44);
  m.dbtimeLeftBefore = r.i64(48);
  m.pgnoParent = r.u32(56);
  m.dbtimeParentBefore = r.i64(60);
  m.pgnoFDP = r.u32(68);
  m.objidFDP = r.u32(72);
  m.sizeTotal = r.u16(76);
  m.sizeMaxTotal = r.u16(78);
  m.uncommittedFreedDestination = r.u16(80);
  m.ilineMerge = r.u16(82);
  m.mergeFlags = r.u8(84);
  m.mergeType = r.u8(85);
  const uint16_t cbKeyParentSep = r.u16(86);
  uint32_t cbPageBeforeImage = 0;
  if (m.hasBeforeImage) {
    m.preimageFlags = r.u32(88);
    cbPageBeforeImage = r.u32(92);
  }
  m.parentSeparatorKey = r.take(cbKeyParentSep);
  m.pageBeforeImage = r.take(cbPageBeforeImage);
  return m;
}

LogRecordBody decodePageMove(RecordReader& r) {
  PageMoveRecord p;
  p.page = r.pagePrefix();
  p.pgnoDestination = r.u32(32);
  p.pgnoLeft = r.u32(36);
  p.pgnoRight = r.u32(40);
  p.pgnoParent = r.u32(44);
  p.dbtimeLeftBefore = r.i64(48);
  p.dbtimeRightBefore = r.i64(56);
  p.dbtimeParentBefore = r.i64(64);
  p.pgnoFDP = r.u32(72);
  p.objidFDP = r.u32(76);
  p.ilineParent = r.i32(80);
  p.moveFlags = r.u32(84);
  p.pageHeader = r.take(r.u32(88));
  p.pageTrailer = r.take(r.u32(92));
  return p;
}

}  // namespace

Result<LogRecordBody> decodeMultiPageRecord(RecordReader& r) {
  using T = LogRecordType;
  switch (r.type()) {
    case T::Split:
    case T::Split2:
      return decodeSplit(r);
    case T::Merge:
    case T::Merge2:
      return decodeMerge(r);
    case T::PageMove:
      return decodePageMove(r);
    case T::NewPage:
      return LogRecordBody(NewPageRecord{r.u16(1), r.u8(3), r.u32(4), r.u32(8), r.i64(12)});
    case T::RootPageMove:
      return LogRecordBody(RootPageMoveRecord{r.i64(1), r.u8(9), r.u32(10), r.u16(14)});
    case T::CreateMultipleExtentFDP: {
      CreateFdpRecord c;
      c.page = r.pagePrefix();
      c.multipleExtent = true;
      c.objidFDP = r.u32(32);
      c.pgnoOwnedExtents = r.u32(36);
      c.pgnoAvailableExtents = r.u32(40);
      c.pgnoFDPParent = r.u32(44);
      c.primaryPageCount = r.u32(48);
      c.pageFlags = r.u32(52);
      return LogRecordBody(c);
    }
    case T::CreateSingleExtentFDP: {
      CreateFdpRecord c;
      c.page = r.pagePrefix();
      c.objidFDP = r.u32(32);
      c.pgnoFDPParent = r.u32(36);
      c.primaryPageCount = r.u32(40);
      c.pageFlags = r.u32(44);
      return LogRecordBody(c);
    }
    case T::ConvertFDP:
    case T::ConvertFDP2: {
      ConvertFdpRecord c;
      c.page = r.pagePrefix();
      c.objidFDP = r.u32(32);
      c.pgnoOwnedExtents = r.u32(36);
      c.pgnoAvailableExtents = r.u32(40);
      c.pgnoFDPParent = r.u32(44);
      c.pgnoSecondaryFirst = r.u32(48);
      c.primaryPageCount = r.u32(52);
      c.secondaryPageCount = r.u32(56);
      if (r.type() == T::ConvertFDP2) {
        c.availableBitmap = r.u32(60);
        c.pageFlags = r.u32(64);
      }
      return LogRecordBody(c);
    }
    default:
      return r.corrupt(0, "not a multi-page record");
  }
}

}  // namespace esekit::logrec
