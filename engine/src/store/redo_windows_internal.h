// Internals of redo_windows.h: the page gate and the per-type redo
// functions, as a friend of StoreImpl (they use its page cache).
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "store/redo_windows.h"
#include "store/page_cache.h"

namespace esekit::engine::store {

class StoreImpl;
struct SplitLevelOperation;  // redo_windows_split.cpp

class WindowsRedo {
 public:
  struct GatePage {
    uint32_t pgno = 0;
    int64_t dbtimeBefore = 0;
    int64_t pageDbtime = 0;
    bool created = false;
    bool needed = false;
    PageHandle handle;  // null for an all-zero page read verified
  };
  struct Gate {
    std::map<uint32_t, GatePage> pages;
    bool anyNeeded = false;
  };

  static std::string describe(const LogRecord& record, LogPosition position);
  static int64_t recordDbtime(const LogRecord& record);

  // §4.4 for every page of `records` (one record, or one macro).
  static Result<Gate> gate(StoreImpl& store, std::span<const LogRecord> records, std::span<const LogPosition> positions);
  static void note(StoreImpl& store, const LogRecord& record);
  // Whether `position` lies past the generations a dirty database's pages
  // may already contain (header le_lGenMaxRequired).
  static bool beyondMaxRequired(StoreImpl& store, LogPosition position);
  static RedoEffect skippedEffect(const LogRecord& record);

  static Result<RedoEffect> redo(StoreImpl& store, const LogRecord& record, LogPosition position);
  static Result<std::vector<RedoEffect>> redoMacro(StoreImpl& store, std::span<const LogRecord> records,
                                                   std::span<const LogPosition> positions);
  static Result<RedoEffect> apply(StoreImpl& store, const LogRecord& record, LogPosition position, Gate& gated);
  static Status unsupported(StoreImpl& store, const LogRecord& record, LogPosition position);

  // redo_windows_records.cpp
  static Result<RedoEffect> redoDelta(StoreImpl& store, const LogRecord& record, LogPosition position, Gate& gated);
  static Result<RedoEffect> redoEmptyTree(StoreImpl& store, const LogRecord& record, LogPosition position,
                                          Gate& gated);
  static Result<RedoEffect> redoConvertFdp(StoreImpl& store, const LogRecord& record, LogPosition position,
                                           Gate& gated);
  static Result<RedoEffect> redoShrink(StoreImpl& store, const LogRecord& record, LogPosition position);
  // Compensation of an Undo (39) record on its page: the inverse of
  // `operation` with the before-image / delta the version store kept.
  static Result<RedoEffect> redoUndo(StoreImpl& store, const LogRecord& record, LogPosition position,
                                     const UndoCompensation& compensation);

  // redo_windows_split.cpp
  static Result<std::vector<RedoEffect>> redoSplitPath(StoreImpl& store, std::span<const LogRecord> records,
                                                       std::span<const LogPosition> positions, Gate& gated);
  // One level of a split path: its split page, new page and old right sibling.
  static Status redoSplitLevel(StoreImpl& store, const SplitRecord& level, const SplitLevelOperation& operation,
                               LogPosition position, const std::string& where, Gate& gated);
  static Result<std::vector<RedoEffect>> redoMergePath(StoreImpl& store, std::span<const LogRecord> records,
                                                       std::span<const LogPosition> positions, Gate& gated);

  // redo_windows_merge.cpp (redoMergePath above is defined there too)
  static Result<RedoEffect> redoMerge(StoreImpl& store, const LogRecord& record, LogPosition position, Gate& gated);

  static void markRedone(StoreImpl& store, GatePage& page, int64_t dbtime, LogPosition position);
};

}  // namespace esekit::engine::store
