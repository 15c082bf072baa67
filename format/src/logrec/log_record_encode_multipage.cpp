// Multi-page records: split, merge, page move, new page, root page move and
// the FDP creation/conversion records (log-records.md §3.5).
#include "logrec/log_record_writer.h"

namespace esekit::logrec {
namespace {

Status encodeSplit(const LogRecord& record, RecordWriter& w) {
  const auto* s = bodyAs<SplitRecord>(record);
  if (!s) return w.wrongBody("SplitRecord");
  const bool split2 = record.type == LogRecordType::Split2;
  if (s->hasBeforeImage != split2) {
    return w.invalid("hasBeforeImage", split2 ? "must be set for Split2" : "must be clear for the old Split");
  }
  if (!split2 && (!s->pageBeforeImage.empty() || s->preimageFlags != 0)) {
    return w.invalid("pageBeforeImage", "the old Split (27) has no page before-image");
  }
  w.pagePrefix(s->page);
  w.u32(32, s->pgnoNew);
  w.u32(36, s->pgnoRight);
  w.i64(40, s->dbtimeRightBefore);
  w.u32(48, s->pgnoParent);
  w.i64(52, s->dbtimeParentBefore);
  w.u32(60, s->pgnoFDP);
  w.u32(64, s->objidFDP);
  w.u8(68, s->splitType);
  w.u8(69, s->splitOperation);
  w.u16(70, s->ilineOperation);
  w.u16(72, s->ilineSplit);
  w.u16(74, s->lineCount);
  w.u32(76, s->newPageFlags);
  w.u32(80, s->splitPageFlags);
  w.i16(84, s->uncommittedFreedSource);
  w.i16(86, s->uncommittedFreedDestination);
  w.i32(88, s->ilinePrefixSplit);
  w.i32(92, s->ilinePrefixNew);
  ESEKIT_RETURN_IF_ERROR(w.count16(96, "prefixSplitOld", s->prefixSplitOld.size()));
  ESEKIT_RETURN_IF_ERROR(w.count16(98, "prefixSplitNew", s->prefixSplitNew.size()));
  ESEKIT_RETURN_IF_ERROR(w.count16(100, "parentKey", s->parentKey.size()));
  if (split2) {
    w.u32(102, s->preimageFlags);
    ESEKIT_RETURN_IF_ERROR(w.count32(106, "pageBeforeImage", s->pageBeforeImage.size()));
  }
  // Payload order differs from the count order (§3.5).
  w.append(s->parentKey);
  w.append(s->prefixSplitOld);
  w.append(s->prefixSplitNew);
  w.append(s->pageBeforeImage);
  return Status::ok();
}

Status encodeMerge(const LogRecord& record, RecordWriter& w) {
  const auto* m = bodyAs<MergeRecord>(record);
  if (!m) return w.wrongBody("MergeRecord");
  const bool merge2 = record.type == LogRecordType::Merge2;
  if (m->hasBeforeImage != merge2) {
    return w.invalid("hasBeforeImage", merge2 ? "must be set for Merge2" : "must be clear for the old Merge");
  }
  if (!merge2 && (!m->pageBeforeImage.empty() || m->preimageFlags != 0)) {
    return w.invalid("pageBeforeImage", "the old Merge (28) has no page before-image");
  }
  w.pagePrefix(m->page);
  w.u32(32, m->pgnoRight);
  w.i64(36, m->dbtimeRightBefore);
  w.u32(44, m->pgnoLeft);
  w.i64(48, m->dbtimeLeftBefore);
  w.u32(56, m->pgnoParent);
  w.i64(60, m->dbtimeParentBefore);
  w.u32(68, m->pgnoFDP);
  w.u32(72, m->objidFDP);
  w.u16(76, m->sizeTotal);
  w.u16(78, m->sizeMaxTotal);
  w.u16(80, m->uncommittedFreedDestination);
  w.u16(82, m->ilineMerge);
  w.u8(84, m->mergeFlags);
  w.u8(85, m->mergeType);
  ESEKIT_RETURN_IF_ERROR(w.count16(86, "parentSeparatorKey", m->parentSeparatorKey.size()));
  if (merge2) {
    w.u32(88, m->preimageFlags);
    ESEKIT_RETURN_IF_ERROR(w.count32(92, "pageBeforeImage", m->pageBeforeImage.size()));
  }
  w.append(m->parentSeparatorKey);
  w.append(m->pageBeforeImage);
  return Status::ok();
}

Status encodePageMove(const LogRecord& record, RecordWriter& w) {
  const auto* p = bodyAs<PageMoveRecord>(record);
  if (!p) return w.wrongBody("PageMoveRecord");
  w.pagePrefix(p->page);
  w.u32(32, p->pgnoDestination);
  w.u32(36, p->pgnoLeft);
  w.u32(40, p->pgnoRight);
  w.u32(44, p->pgnoParent);
  w.i64(48, p->dbtimeLeftBefore);
  w.i64(56, p->dbtimeRightBefore);
  w.i64(64, p->dbtimeParentBefore);
  w.u32(72, p->pgnoFDP);
  w.u32(76, p->objidFDP);
  w.i32(80, p->ilineParent);
  w.u32(84, p->moveFlags);
  ESEKIT_RETURN_IF_ERROR(w.count32(88, "pageHeader", p->pageHeader.size()));
  ESEKIT_RETURN_IF_ERROR(w.count32(92, "pageTrailer", p->pageTrailer.size()));
  w.append(p->pageHeader);
  w.append(p->pageTrailer);
  return Status::ok();
}

Status encodeCreateFdp(const LogRecord& record, RecordWriter& w) {
  const auto* c = bodyAs<CreateFdpRecord>(record);
  if (!c) return w.wrongBody("CreateFdpRecord");
  const bool multiple = record.type == LogRecordType::CreateMultipleExtentFDP;
  if (c->multipleExtent != multiple) {
    return w.invalid("multipleExtent", multiple ? "must be set for CreateMultipleExtentFDP"
                                                : "must be clear for CreateSingleExtentFDP");
  }
  w.pagePrefix(c->page);
  w.u32(32, c->objidFDP);
  if (multiple) {
    w.u32(36, c->pgnoOwnedExtents);
    w.u32(40, c->pgnoAvailableExtents);
    w.u32(44, c->pgnoFDPParent);
    w.u32(48, c->primaryPageCount);
    w.u32(52, c->pageFlags);
  } else {
    if (c->pgnoOwnedExtents != 0 || c->pgnoAvailableExtents != 0) {
      return w.invalid("pgnoOwnedExtents/pgnoAvailableExtents", "a single-extent FDP has no space trees");
    }
    w.u32(36, c->pgnoFDPParent);
    w.u32(40, c->primaryPageCount);
    w.u32(44, c->pageFlags);
  }
  return Status::ok();
}

Status encodeConvertFdp(const LogRecord& record, RecordWriter& w) {
  const auto* c = bodyAs<ConvertFdpRecord>(record);
  if (!c) return w.wrongBody("ConvertFdpRecord");
  const bool version2 = record.type == LogRecordType::ConvertFDP2;
  if (c->availableBitmap.has_value() != version2 || c->pageFlags.has_value() != version2) {
    return w.invalid("availableBitmap/pageFlags", version2 ? "ConvertFDP2 needs both"
                                                           : "the old ConvertFDP has neither");
  }
  w.pagePrefix(c->page);
  w.u32(32, c->objidFDP);
  w.u32(36, c->pgnoOwnedExtents);
  w.u32(40, c->pgnoAvailableExtents);
  w.u32(44, c->pgnoFDPParent);
  w.u32(48, c->pgnoSecondaryFirst);
  w.u32(52, c->primaryPageCount);
  w.u32(56, c->secondaryPageCount);
  if (version2) {
    w.u32(60, *c->availableBitmap);
    w.u32(64, *c->pageFlags);
  }
  return Status::ok();
}

}  // namespace

Status encodeMultiPageRecord(const LogRecord& record, RecordWriter& w) {
  using T = LogRecordType;
  switch (record.type) {
    case T::Split:
    case T::Split2:
      return encodeSplit(record, w);
    case T::Merge:
    case T::Merge2:
      return encodeMerge(record, w);
    case T::PageMove:
      return encodePageMove(record, w);
    case T::NewPage: {
      const auto* n = bodyAs<NewPageRecord>(record);
      if (!n) return w.wrongBody("NewPageRecord");
      w.u16(1, n->procid);
      w.u8(3, n->dbid);
      w.u32(4, n->pgno);
      w.u32(8, n->objid);
      w.i64(12, n->dbtimeAfter);
      return Status::ok();
    }
    case T::RootPageMove: {
      const auto* m = bodyAs<RootPageMoveRecord>(record);
      if (!m) return w.wrongBody("RootPageMoveRecord");
      w.i64(1, m->dbtimeAfter);
      w.u8(9, m->dbid);
      w.u32(10, m->objid);
      w.u16(14, m->procid);
      return Status::ok();
    }
    case T::CreateMultipleExtentFDP:
    case T::CreateSingleExtentFDP:
      return encodeCreateFdp(record, w);
    case T::ConvertFDP:
    case T::ConvertFDP2:
      return encodeConvertFdp(record, w);
    default:
      return w.invalid("type", "not a multi-page record");
  }
}

}  // namespace esekit::logrec
