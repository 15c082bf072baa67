// Transaction records: LRTRX_ family, CommitCtx, MacroInfo (log-records.md §3.6).
#include "logrec/log_record_reader.h"

namespace esekit::logrec {

Result<LogRecordBody> decodeTransactionRecord(RecordReader& r) {
  using T = LogRecordType;
  switch (r.type()) {
    case T::Begin:
    case T::Begin0:
    case T::BeginDT: {
      BeginRecord b;
      b.procid = r.u16(1);
      // MSVC allocates bit-fields from the low bit: levelBeginFrom, then clevelsToBegin.
      b.levelBeginFrom = r.u8(3) & 0x0F;
      b.levelsToBegin = r.u8(3) >> 4;
      if (r.type() != T::Begin) b.trxBegin0 = r.u32(4);
      return LogRecordBody(b);
    }
    case T::Commit:
    case T::Commit0: {
      CommitRecord c;
      c.procid = r.u16(1);
      c.levelCommitTo = r.u8(3);
      if (r.type() == T::Commit0) c.trxCommit0 = r.u32(4);
      return LogRecordBody(c);
    }
    case T::Rollback:
      return LogRecordBody(RollbackRecord{r.u16(1), r.u8(3)});
    case T::Refresh:
      return LogRecordBody(RefreshRecord{r.u16(1), r.u32(3)});
    case T::MacroBegin:
    case T::MacroCommit:
    case T::MacroAbort:
      return LogRecordBody(MacroRecord{r.u16(1), r.i64(3)});
    case T::ForceWriteLog:
      return LogRecordBody(SessionRecord{r.u16(1)});
    case T::PrepCommit: {
      PrepareCommitRecord p;
      p.procid = r.u16(1);
      p.data = r.take(r.u32(3));
      return LogRecordBody(p);
    }
    case T::JetOp:
      return LogRecordBody(JetOpRecord{r.u16(1), r.u8(3)});
    case T::CommitCtx: {
      // Current layout (procid, flags, context). An older writer logged no
      // flags byte; the record does not say which, so the current one is assumed.
      ESEKIT_RETURN_IF_ERROR(checkIgnorableSize(r, 3));
      CommitContextRecord c;
      c.procid = r.u16(5);
      c.flags = r.u8(7);
      r.take(3);
      c.context = r.take(r.u32(1) - 3);
      return LogRecordBody(c);
    }
    case T::MacroInfo: {
      const uint32_t cb = r.u32(1);
      if (cb % 4 != 0) return r.corrupt(1, "cb " + std::to_string(cb) + " is not a multiple of 4 (PGNO array)");
      MacroInfoRecord m;
      m.pageCount = cb / 4;
      m.pageNumbers = r.take(cb);
      return LogRecordBody(m);
    }
    case T::MacroInfo2: {
      ESEKIT_RETURN_IF_ERROR(checkIgnorableSize(r, 5));
      MacroInfoRecord m;
      m.dbid = r.u8(5);
      m.pageCount = r.u32(6);
      const uint64_t expected = 5 + uint64_t{m.pageCount} * 4;
      if (expected != r.u32(1)) {
        return r.corrupt(6, "page count " + std::to_string(m.pageCount) + " needs cb " + std::to_string(expected) +
                                ", record has cb " + std::to_string(r.u32(1)));
      }
      r.take(5);
      m.pageNumbers = r.take(size_t{m.pageCount} * 4);
      return LogRecordBody(m);
    }
    default:
      return r.corrupt(0, "not a transaction record");
  }
}

}  // namespace esekit::logrec
