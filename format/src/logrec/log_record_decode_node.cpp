// Single-page node records: LRNODE_ family (log-records.md §3.2-3.3).
#include "logrec/log_record_reader.h"

namespace esekit::logrec {
namespace {

constexpr size_t kEmptyPageSize = 16;  // EMPTYPAGE {dbtimeBefore, pgno, flags}

}  // namespace

Result<LogRecordBody> decodeNodeRecord(RecordReader& r) {
  using T = LogRecordType;
  const NodeRecordPrefix node = r.nodePrefix();
  switch (r.type()) {
    case T::Insert: {
      InsertRecord i;
      i.node = node;
      // Payload order is prefix, suffix, data although the counts are stored suffix first.
      i.keyPrefix = r.take(r.u16(46));
      i.keySuffix = r.take(r.u16(44));
      i.data = r.take(r.u16(48));
      return LogRecordBody(i);
    }
    case T::FlagInsert:
    case T::FlagInsertAndReplaceData: {
      FlagInsertRecord f;
      f.node = node;
      if (r.type() == T::FlagInsertAndReplaceData) f.rceidReplace = r.u32(48);
      f.key = r.take(r.u16(44));
      f.data = r.take(r.u16(46));
      return LogRecordBody(f);
    }
    case T::FlagDelete:
    case T::Delete:
      return LogRecordBody(NodeOperationRecord{node});
    case T::Replace:
    case T::ReplaceD: {
      ReplaceRecord rep;
      rep.node = node;
      const uint16_t cb = r.u16(44);
      rep.isDiff = r.type() == T::ReplaceD;
      rep.diff2 = (cb & 0x8000) != 0;
      rep.oldDataLength = r.u16(46);
      rep.newDataLength = r.u16(48);
      rep.payload = r.take(cb & 0x7FFF);
      if (r.type() == T::ReplaceD) {
        size_t errorOffset = 0;
        std::string error;
        if (!parseDiffStream(rep.payload, rep.diff2, rep.diffs, errorOffset, error)) {
          return r.corrupt(50 + errorOffset, "diff stream: " + error);
        }
      }
      // cbNewData is checked against the after-image by replaceAfterImage(), as redo does.
      return LogRecordBody(std::move(rep));
    }
    case T::Delta:
    case T::Delta64: {
      DeltaRecord d;
      d.node = node;
      d.is64 = r.type() == T::Delta64;
      d.delta = d.is64 ? r.i64(48) : r.i32(48);
      d.valueOffset = r.u16(d.is64 ? 56 : 52);
      d.bookmarkKey = r.take(r.u16(44));
      d.bookmarkData = r.take(r.u16(46));
      return LogRecordBody(d);
    }
    case T::SetExternalHeader: {
      SetExternalHeaderRecord s;
      s.node = node;
      s.data = r.take(r.u16(44));
      return LogRecordBody(s);
    }
    case T::UndoInfo: {
      UndoInfoRecord u;
      u.node = node;
      u.operation = r.u16(48);
      u.maxSize = r.i16(50);
      u.sizeDelta = r.i16(52);
      u.bookmarkKey = r.take(r.u16(44));
      u.bookmarkData = r.take(r.u16(46));
      u.beforeImage = r.take(r.u16(54));
      return LogRecordBody(u);
    }
    case T::Undo: {
      UndoRecord u;
      u.node = node;
      u.operation = r.u16(48);
      u.level = r.u8(50);
      u.bookmarkKey = r.take(r.u16(44));
      u.bookmarkData = r.take(r.u16(46));
      return LogRecordBody(u);
    }
    case T::Scrub: {
      ScrubRecord s;
      s.node = node;
      s.flags = r.u32(44);
      s.operationCount = r.u32(48);
      s.data = r.take(r.u16(52));
      return LogRecordBody(s);
    }
    case T::EmptyTree: {
      const uint16_t cb = r.u16(44);
      if (cb % kEmptyPageSize != 0) {
        return r.corrupt(44, "cbEmptyPageList " + std::to_string(cb) + " is not a multiple of 16 (EMPTYPAGE)");
      }
      EmptyTreeRecord e;
      e.node = node;
      const size_t base = r.cursor();
      r.take(cb);
      e.pages.reserve(cb / kEmptyPageSize);
      for (size_t at = base; at < base + cb; at += kEmptyPageSize) {
        e.pages.push_back(EmptyPage{r.i64(at), r.u32(at + 8), r.u32(at + 12)});
      }
      return LogRecordBody(std::move(e));
    }
    default:
      return r.corrupt(0, "not a node record");
  }
}

}  // namespace esekit::logrec
