// Redo of the records real Windows ESE logs write (ese-format/log-records.md
// §3-§4), on top of the store's single-record redo (redo.cpp).
//
// The page gate comes first (§4.4): every page a record touches (page number
// 0 is "no page") is read and compared with the record's dbtime; a record
// none of whose pages needs it is skipped, whatever its type, so a clean
// database never needs code for a record type it already holds. Only then is
// the record dispatched; a type without redo code stops recovery with an
// error naming it.
//
// Macros (§4.3): the records of one MacroBegin..MacroCommit (a split or merge
// path: one Split2/Merge2 per level, then the node operation done with it)
// are applied together by redoMacro.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "esekit/format/log_record_decode.h"
#include "esekit/format/status.h"
#include "store/database_store.h"

namespace esekit::engine::store {

// One page a record changes.
struct TouchedPage {
  uint32_t pgno = 0;
  int64_t dbtimeBefore = kDbtimeInvalid;  // kDbtimeInvalid: no before check (a page being created)
  bool created = false;                   // the record (re)initializes the page: no before check
};

// The pages `record` changes, page number 0 left out (log-records.md §3.5:
// the parent level of a split path has no new page, a leaf split no parent
// when the root splits vertically, ...). Empty for records without pages.
std::vector<TouchedPage> touchedPages(const LogRecord& record);

// Whether a record is one the gate and dispatch below handle (page records
// of §3.3-§3.5 and the database records ExtendDB/TrimDB/ShrinkDB/
// SetDbVersion).
bool isDatabaseChange(const LogRecord& record);

// Gate then redo of one record outside a macro. RedoEffect as for
// DatabaseStore::redo (pageRecord, applied, tree/key/dataBefore for undo).
Result<RedoEffect> redoRecord(DatabaseStore& store, const LogRecord& record, LogPosition position);

// Redo of the buffered records of one macro, in log order.
Result<std::vector<RedoEffect>> redoMacro(DatabaseStore& store, std::span<const LogRecord> records,
                                          std::span<const LogPosition> positions);

// The inverse of one earlier node operation of the session, for the Undo
// (39) record that logged its rollback (§4: physical undo is redone like any
// page record). Version-store OPER values, log-records.md §3.3.
struct UndoCompensation {
  uint16_t operation = 0;  // 1 insert, 2 replace, 3 flag-delete, 4 delta, 9 delta64
  std::optional<std::vector<uint8_t>> beforeImage;  // replace: the data before
  int64_t delta = 0;                                // delta: the amount that was added
  uint16_t valueOffset = 0;
};
Result<RedoEffect> redoUndoRecord(DatabaseStore& store, const LogRecord& record, LogPosition position,
                                  const UndoCompensation& compensation);

// A record skipped by the session gate (§4.2) still advances the database's
// running dbtime and last objid.
void noteSkippedRecord(DatabaseStore& store, const LogRecord& record);

}  // namespace esekit::engine::store
