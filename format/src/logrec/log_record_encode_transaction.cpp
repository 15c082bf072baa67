// Transaction records: LRTRX_ family, CommitCtx, MacroInfo (log-records.md §3.6).
#include "logrec/log_record_writer.h"

namespace esekit::logrec {

Status encodeTransactionRecord(const LogRecord& record, RecordWriter& w) {
  using T = LogRecordType;
  switch (record.type) {
    case T::Begin:
    case T::Begin0:
    case T::BeginDT: {
      const auto* b = bodyAs<BeginRecord>(record);
      if (!b) return w.wrongBody("BeginRecord");
      if (b->levelBeginFrom > 0x0F || b->levelsToBegin > 0x0F) {
        return w.invalid("levelBeginFrom/levelsToBegin", "each must fit 4 bits (byte 3 holds both)");
      }
      if (b->trxBegin0.has_value() != (record.type != T::Begin)) {
        return w.invalid("trxBegin0", record.type == T::Begin ? "Begin carries no trxBegin0"
                                                              : "Begin0/BeginDT need trxBegin0");
      }
      w.u16(1, b->procid);
      // MSVC bit-field order: levelBeginFrom in the low nibble (§3.6).
      w.u8(3, static_cast<uint8_t>(b->levelBeginFrom | (b->levelsToBegin << 4)));
      if (b->trxBegin0) w.u32(4, *b->trxBegin0);
      return Status::ok();
    }
    case T::Commit:
    case T::Commit0: {
      const auto* c = bodyAs<CommitRecord>(record);
      if (!c) return w.wrongBody("CommitRecord");
      if (c->trxCommit0.has_value() != (record.type == T::Commit0)) {
        return w.invalid("trxCommit0", record.type == T::Commit0 ? "Commit0 needs trxCommit0"
                                                                 : "Commit carries no trxCommit0");
      }
      w.u16(1, c->procid);
      w.u8(3, c->levelCommitTo);
      if (c->trxCommit0) w.u32(4, *c->trxCommit0);
      return Status::ok();
    }
    case T::Rollback: {
      const auto* r = bodyAs<RollbackRecord>(record);
      if (!r) return w.wrongBody("RollbackRecord");
      w.u16(1, r->procid);
      w.u8(3, r->levels);
      return Status::ok();
    }
    case T::Refresh: {
      const auto* r = bodyAs<RefreshRecord>(record);
      if (!r) return w.wrongBody("RefreshRecord");
      w.u16(1, r->procid);
      w.u32(3, r->trxBegin0);
      return Status::ok();
    }
    case T::MacroBegin:
    case T::MacroCommit:
    case T::MacroAbort: {
      const auto* m = bodyAs<MacroRecord>(record);
      if (!m) return w.wrongBody("MacroRecord");
      w.u16(1, m->procid);
      w.i64(3, m->dbtime);
      return Status::ok();
    }
    case T::ForceWriteLog: {
      const auto* s = bodyAs<SessionRecord>(record);
      if (!s) return w.wrongBody("SessionRecord");
      w.u16(1, s->procid);
      return Status::ok();
    }
    case T::PrepCommit: {
      const auto* p = bodyAs<PrepareCommitRecord>(record);
      if (!p) return w.wrongBody("PrepareCommitRecord");
      w.u16(1, p->procid);
      ESEKIT_RETURN_IF_ERROR(w.count32(3, "data", p->data.size()));
      w.append(p->data);
      return Status::ok();
    }
    case T::JetOp: {
      const auto* j = bodyAs<JetOpRecord>(record);
      if (!j) return w.wrongBody("JetOpRecord");
      w.u16(1, j->procid);
      w.u8(3, j->operation);
      return Status::ok();
    }
    case T::CommitCtx: {
      const auto* c = bodyAs<CommitContextRecord>(record);
      if (!c) return w.wrongBody("CommitContextRecord");
      ESEKIT_RETURN_IF_ERROR(w.count32(1, "context", uint64_t{3} + c->context.size()));
      const uint8_t head[3] = {static_cast<uint8_t>(c->procid), static_cast<uint8_t>(c->procid >> 8), c->flags};
      w.append(Bytes(head, sizeof head));
      w.append(c->context);
      return Status::ok();
    }
    case T::MacroInfo:
    case T::MacroInfo2: {
      const auto* m = bodyAs<MacroInfoRecord>(record);
      if (!m) return w.wrongBody("MacroInfoRecord");
      if (m->pageNumbers.size() != uint64_t{m->pageCount} * 4) {
        return w.invalid("pageCount", std::to_string(m->pageCount) + " pages need " +
                                          std::to_string(uint64_t{m->pageCount} * 4) + " bytes of PGNOs, pageNumbers has " +
                                          std::to_string(m->pageNumbers.size()));
      }
      if (m->dbid.has_value() != (record.type == T::MacroInfo2)) {
        return w.invalid("dbid", record.type == T::MacroInfo2 ? "MacroInfo2 needs a dbid" : "MacroInfo has no dbid");
      }
      if (record.type == T::MacroInfo) {
        ESEKIT_RETURN_IF_ERROR(w.count32(1, "pageNumbers", m->pageNumbers.size()));
      } else {
        ESEKIT_RETURN_IF_ERROR(w.count32(1, "pageNumbers", uint64_t{5} + m->pageNumbers.size()));
        uint8_t head[5] = {*m->dbid};
        storeLittleEndian<uint32_t>(head + 1, m->pageCount);
        w.append(Bytes(head, sizeof head));
      }
      w.append(m->pageNumbers);
      return Status::ok();
    }
    default:
      return w.invalid("type", "not a transaction record");
  }
}

}  // namespace esekit::logrec
