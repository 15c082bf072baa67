// What recovery (recovery.h) does with each log record type of real logs
// (ese-format/log-records.md §1, §4, §5): for `esekit` reports and the record
// table in doc/recovery-records.md.
#pragma once

#include <string_view>

#include "esekit/format/log_record.h"

namespace esekit::engine {

enum class RedoSupport : uint8_t {
  NoPageChange,  // recovery state only (sessions, macros, attachments, markers) or ignorable
  Implemented,   // page redo implemented (after the dbtime gate)
  GateOnly,      // skipped when no page needs it; stops recovery with an error when one does
  Rejected,      // cannot be replayed (obsolete formats): stops recovery when a page needs it
};

enum class UndoSupport : uint8_t {
  NotUndoable,  // no version: never undone (structural, space, markers), as in ESE
  Implemented,  // an uncommitted change of this type is rolled back at the end
};

struct RecordSupport {
  RedoSupport redo = RedoSupport::NoPageChange;
  UndoSupport undo = UndoSupport::NotUndoable;
  std::string_view note;  // one line: what redo/undo does
};

RecordSupport recordSupport(LogRecordType type);
std::string_view redoSupportName(RedoSupport support);  // "no page change", "yes", "gate only", "rejected"

}  // namespace esekit::engine
