// The record table of recovery_records.h: what redo_windows.cpp and
// instance/recovery.cpp do with each type (keep in step with their switches).
#include "esekit/engine/recovery_records.h"

namespace esekit::engine {

RecordSupport recordSupport(LogRecordType type) {
  using T = LogRecordType;
  constexpr auto none = RedoSupport::NoPageChange;
  constexpr auto yes = RedoSupport::Implemented;
  constexpr auto undo = UndoSupport::Implemented;
  constexpr auto noUndo = UndoSupport::NotUndoable;
  switch (type) {
    case T::Insert: return {yes, undo, "node inserted at iline (cbPrefix: prefix-compressed); undo erases it"};
    case T::FlagInsert: return {yes, undo, "flag-deleted node revived with the after-image; undo erases it"};
    case T::FlagInsertAndReplaceData:
      return {yes, undo, "as FlagInsert; undo restores the before-image when known"};
    case T::FlagDelete: return {yes, undo, "fNDDeleted set on the node; undo re-inserts the before-image"};
    case T::Delete: return {yes, noUndo, "node removed (version cleanup, never versioned)"};
    case T::Replace: return {yes, undo, "data replaced by the after-image; undo restores the before-image"};
    case T::ReplaceD: return {yes, undo, "diff applied to the node data (§3.4); undo restores the before-image"};
    case T::Delta:
    case T::Delta64: return {yes, undo, "counter at cbOffset of the node data += delta; undo subtracts it"};
    case T::SetExternalHeader: return {yes, noUndo, "tag 0 replaced"};
    case T::CreateSingleExtentFDP:
    case T::CreateMultipleExtentFDP: return {yes, noUndo, "FDP root (and OE/AE roots) initialized"};
    case T::NewPage: return {yes, noUndo, "page initialized empty for the object"};
    case T::EmptyTree: return {yes, noUndo, "root emptied, listed pages marked empty"};
    case T::Undo: return {yes, noUndo, "logged compensation: inverse of the version it names, by rceid"};
    case T::UndoInfo: return {none, noUndo, "deferred before-image completes the change's undo entry"};
    case T::Split2:
      return {yes, noUndo,
              "macro path gated together; every level of the path (vertical/right/append, a parent splitting with "
              "the separator of the level below, new root level on a vertical root split), the macro's "
              "insert/replace, prefixes, siblings, parent separator; before-image (dehydrated and/or Xpress) when "
              "only the new page needs redo"};
    case T::Merge2:
      return {yes, noUndo,
              "macro path gated together, each page by its own dbtimeBefore; levels: delete node / key change / "
              "empty page; leaf: empty page, full and partial right/left moves, siblings unlinked, page freed "
              "(fPageEmpty); before-image when only the destination needs redo; never versioned, nothing to undo"};
    case T::ConvertFDP2:
      return {yes, noUndo, "root SPACE_HEADER to multiple extent, OE/AE roots built from the extents and bitmap"};
    case T::PageMove:
    case T::RootPageMove:
    case T::Scrub:
      return {RedoSupport::GateOnly, noUndo,
              "gated; page rebuild not implemented (logged by database shrink and scrubbing only, in no corpus log)"};
    case T::Split:
    case T::Merge:
    case T::ConvertFDP: return {RedoSupport::Rejected, noUndo, "pre-Split2 format: ESE rejects replay too"};
    case T::ExtendDB: return {none, noUndo, "database grows to pgnoLast at the next flush"};
    case T::ShrinkDB:
    case T::ShrinkDB2:
    case T::ShrinkDB3: return {none, noUndo, "owned pages end at pgnoLast"};
    case T::TrimDB: return {none, noUndo, "free pages: storage release only, no content change"};
    case T::SetDbVersion: return {none, noUndo, "header version (kept)"};
    case T::Begin:
    case T::Begin0:
    case T::BeginDT: return {none, noUndo, "session level; Begin0 opens the session gate"};
    case T::Commit:
    case T::Commit0: return {none, noUndo, "versions of the committed levels kept / dropped"};
    case T::Rollback: return {none, noUndo, "versions of the rolled-back levels dropped (compensation is in Undo)"};
    case T::MacroBegin:
    case T::MacroCommit:
    case T::MacroAbort: return {none, noUndo, "macro buffering per session; applied at MacroCommit"};
    case T::CreateDB:
    case T::AttachDB:
    case T::DetachDB: return {none, noUndo, "dbid -> file; detach marks the database clean"};
    case T::Init:
    case T::Init2:
    case T::Term:
    case T::Term2:
    case T::RecoveryQuit:
    case T::RecoveryQuit2:
    case T::RecoveryQuitKeepAttachments: return {none, noUndo, "engine lifetime: every session ended"};
    default: return {none, noUndo, "no page change (marker, trace, backup, ignorable)"};
  }
}

std::string_view redoSupportName(RedoSupport support) {
  switch (support) {
    case RedoSupport::NoPageChange: return "no page change";
    case RedoSupport::Implemented: return "yes";
    case RedoSupport::GateOnly: return "gate only";
    case RedoSupport::Rejected: return "rejected";
  }
  return "?";
}

}  // namespace esekit::engine
