// Builders for the records the engine writes: they fill type and body so the
// engine never hand-fills a LogRecord (log-records.md §3).
#include "logrec/log_record_writer.h"

namespace esekit {
namespace {

LogRecord make(LogRecordType type, LogRecordBody body) {
  LogRecord record;
  record.type = type;
  record.body = std::move(body);
  return record;
}

TermRecord term(const LogPosition& lgpos, const LogPosition& lgposRedoFrom, uint8_t hard, const LogTime& time) {
  TermRecord t;
  t.lgpos = lgpos;
  t.lgposRedoFrom = lgposRedoFrom;
  t.hard = hard;
  t.time = time;
  return t;
}

}  // namespace

LogRecord makeBegin0(uint16_t procid, uint32_t trxBegin0, uint8_t levelsToBegin) {
  BeginRecord b;
  b.procid = procid;
  b.levelBeginFrom = 0;
  b.levelsToBegin = levelsToBegin;
  b.trxBegin0 = trxBegin0;
  return make(LogRecordType::Begin0, b);
}

LogRecord makeBegin(uint16_t procid, uint8_t levelBeginFrom, uint8_t levelsToBegin) {
  BeginRecord b;
  b.procid = procid;
  b.levelBeginFrom = levelBeginFrom;
  b.levelsToBegin = levelsToBegin;
  return make(LogRecordType::Begin, b);
}

LogRecord makeCommit0(uint16_t procid, uint32_t trxCommit0) {
  CommitRecord c;
  c.procid = procid;
  c.levelCommitTo = 0;
  c.trxCommit0 = trxCommit0;
  return make(LogRecordType::Commit0, c);
}

LogRecord makeCommit(uint16_t procid, uint8_t levelCommitTo) {
  CommitRecord c;
  c.procid = procid;
  c.levelCommitTo = levelCommitTo;
  return make(LogRecordType::Commit, c);
}

LogRecord makeRollback(uint16_t procid, uint8_t levels) {
  return make(LogRecordType::Rollback, RollbackRecord{procid, levels});
}

LogRecord makeRefresh(uint16_t procid, uint32_t trxBegin0) {
  return make(LogRecordType::Refresh, RefreshRecord{procid, trxBegin0});
}

LogRecord makeMacro(LogRecordType type, uint16_t procid, int64_t dbtime) {
  return make(type, MacroRecord{procid, dbtime});
}

LogRecord makeForceWriteLog(uint16_t procid) { return make(LogRecordType::ForceWriteLog, SessionRecord{procid}); }

LogRecord makeMacroInfo2(uint8_t dbid, Bytes pageNumbers) {
  MacroInfoRecord m;
  m.dbid = dbid;
  m.pageCount = static_cast<uint32_t>(pageNumbers.size() / 4);
  m.pageNumbers = pageNumbers;  // a size that is not a multiple of 4 is rejected by appendLogRecord
  return make(LogRecordType::MacroInfo2, m);
}

LogRecord makeInsert(const NodeRecordPrefix& node, Bytes keyPrefix, Bytes keySuffix, Bytes data) {
  InsertRecord i;
  i.node = node;
  i.keyPrefix = keyPrefix;
  i.keySuffix = keySuffix;
  i.data = data;
  return make(LogRecordType::Insert, i);
}

LogRecord makeFlagInsert(const NodeRecordPrefix& node, Bytes key, Bytes data) {
  FlagInsertRecord f;
  f.node = node;
  f.key = key;
  f.data = data;
  return make(LogRecordType::FlagInsert, f);
}

LogRecord makeFlagInsertAndReplaceData(const NodeRecordPrefix& node, Bytes key, Bytes data, uint32_t rceidReplace) {
  FlagInsertRecord f;
  f.node = node;
  f.key = key;
  f.data = data;
  f.rceidReplace = rceidReplace;
  return make(LogRecordType::FlagInsertAndReplaceData, f);
}

LogRecord makeFlagDelete(const NodeRecordPrefix& node) {
  return make(LogRecordType::FlagDelete, NodeOperationRecord{node});
}

LogRecord makeDelete(const NodeRecordPrefix& node) { return make(LogRecordType::Delete, NodeOperationRecord{node}); }

LogRecord makeReplace(const NodeRecordPrefix& node, Bytes newData, uint16_t oldSize) {
  ReplaceRecord r;
  r.node = node;
  r.isDiff = false;
  r.oldDataLength = oldSize;
  r.newDataLength = static_cast<uint16_t>(newData.size());  // > 65535 bytes is rejected (15-bit cb)
  r.payload = newData;
  return make(LogRecordType::Replace, std::move(r));
}

LogRecord makeReplaceDiff(const NodeRecordPrefix& node, Bytes diffStream, bool diff2, uint16_t oldSize,
                          uint16_t newSize) {
  ReplaceRecord r;
  r.node = node;
  r.isDiff = true;
  r.diff2 = diff2;
  r.oldDataLength = oldSize;
  r.newDataLength = newSize;
  r.payload = diffStream;
  // As decodeLogRecord fills it; a malformed stream is rejected when encoding.
  if (auto entries = parseReplaceDiff(diffStream, diff2); entries.isOk()) r.diffs = std::move(entries.value());
  return make(LogRecordType::ReplaceD, std::move(r));
}

namespace {
// Delta and Delta64 differ only in the width of the value (log-records.md §3.2).
LogRecord makeDeltaRecord(const NodeRecordPrefix& node, Bytes bookmarkKey, Bytes bookmarkData, int64_t delta,
                          bool is64, uint16_t valueOffset) {
  DeltaRecord d;
  d.node = node;
  d.bookmarkKey = bookmarkKey;
  d.bookmarkData = bookmarkData;
  d.delta = delta;
  d.is64 = is64;
  d.valueOffset = valueOffset;
  return make(is64 ? LogRecordType::Delta64 : LogRecordType::Delta, d);
}
}  // namespace

LogRecord makeDelta(const NodeRecordPrefix& node, Bytes bookmarkKey, Bytes bookmarkData, int32_t delta,
                    uint16_t valueOffset) {
  return makeDeltaRecord(node, bookmarkKey, bookmarkData, delta, false, valueOffset);
}

LogRecord makeDelta64(const NodeRecordPrefix& node, Bytes bookmarkKey, Bytes bookmarkData, int64_t delta,
                      uint16_t valueOffset) {
  return makeDeltaRecord(node, bookmarkKey, bookmarkData, delta, true, valueOffset);
}

LogRecord makeSetExternalHeader(const NodeRecordPrefix& node, Bytes data) {
  return make(LogRecordType::SetExternalHeader, SetExternalHeaderRecord{node, data});
}

LogRecord makeUndoInfo(const NodeRecordPrefix& node, Bytes bookmarkKey, Bytes bookmarkData, uint16_t operation,
                       int16_t maxSize, int16_t sizeDelta, Bytes beforeImage) {
  UndoInfoRecord u;
  u.node = node;
  u.bookmarkKey = bookmarkKey;
  u.bookmarkData = bookmarkData;
  u.operation = operation;
  u.maxSize = maxSize;
  u.sizeDelta = sizeDelta;
  u.beforeImage = beforeImage;
  return make(LogRecordType::UndoInfo, u);
}

LogRecord makeUndo(const NodeRecordPrefix& node, Bytes bookmarkKey, Bytes bookmarkData, uint16_t operation,
                   uint8_t level) {
  UndoRecord u;
  u.node = node;
  u.bookmarkKey = bookmarkKey;
  u.bookmarkData = bookmarkData;
  u.operation = operation;
  u.level = level;
  return make(LogRecordType::Undo, u);
}

LogRecord makeEmptyTree(const NodeRecordPrefix& node, std::vector<EmptyPage> pages) {
  EmptyTreeRecord e;
  e.node = node;
  e.pages = std::move(pages);
  return make(LogRecordType::EmptyTree, std::move(e));
}

LogRecord makeSplit2(SplitRecord split) {
  split.hasBeforeImage = true;
  return make(LogRecordType::Split2, std::move(split));
}

LogRecord makeMerge2(MergeRecord merge) {
  merge.hasBeforeImage = true;
  return make(LogRecordType::Merge2, std::move(merge));
}

LogRecord makePageMove(PageMoveRecord move) { return make(LogRecordType::PageMove, std::move(move)); }

LogRecord makeNewPage(uint16_t procid, uint8_t dbid, uint32_t pgno, uint32_t objid, int64_t dbtimeAfter) {
  return make(LogRecordType::NewPage, NewPageRecord{procid, dbid, pgno, objid, dbtimeAfter});
}

LogRecord makeCreateMultipleExtentFdp(const PageRecordPrefix& page, uint32_t objidFDP, uint32_t pgnoOwnedExtents,
                                      uint32_t pgnoAvailableExtents, uint32_t pgnoFDPParent,
                                      uint32_t primaryPageCount, uint32_t pageFlags) {
  CreateFdpRecord c;
  c.page = page;
  c.multipleExtent = true;
  c.objidFDP = objidFDP;
  c.pgnoOwnedExtents = pgnoOwnedExtents;
  c.pgnoAvailableExtents = pgnoAvailableExtents;
  c.pgnoFDPParent = pgnoFDPParent;
  c.primaryPageCount = primaryPageCount;
  c.pageFlags = pageFlags;
  return make(LogRecordType::CreateMultipleExtentFDP, c);
}

LogRecord makeCreateSingleExtentFdp(const PageRecordPrefix& page, uint32_t objidFDP, uint32_t pgnoFDPParent,
                                    uint32_t primaryPageCount, uint32_t pageFlags) {
  CreateFdpRecord c;
  c.page = page;
  c.multipleExtent = false;
  c.objidFDP = objidFDP;
  c.pgnoFDPParent = pgnoFDPParent;
  c.primaryPageCount = primaryPageCount;
  c.pageFlags = pageFlags;
  return make(LogRecordType::CreateSingleExtentFDP, c);
}

LogRecord makeCreateDatabase(uint16_t procid, uint8_t dbid, uint32_t grbit, uint32_t maxPageCount,
                             const Signature& signDb, Bytes path, uint8_t flags, std::optional<uint16_t> version,
                             std::optional<uint16_t> updateMajor) {
  CreateDatabaseRecord c;
  c.procid = procid;
  c.dbid = dbid;
  c.grbit = grbit;
  c.maxPageCount = maxPageCount;
  c.signDb = signDb;
  c.flags = flags;
  if (version || updateMajor) {
    c.flags |= 0x04;  // version info present (§3.9)
    c.version = version.value_or(0);
    c.updateMajor = updateMajor.value_or(0);
  }
  c.path.raw = path;
  c.path.utf16 = (c.flags & 0x08) != 0;
  return make(LogRecordType::CreateDB, c);
}

LogRecord makeAttachDatabase(uint16_t procid, uint8_t dbid, uint32_t maxPageCount,
                             const LogPosition& lgposConsistent, const Signature& signDb, const Signature& signLog,
                             Bytes path, uint8_t flags) {
  AttachDatabaseRecord a;
  a.procid = procid;
  a.dbid = dbid;
  a.maxPageCount = maxPageCount;
  a.lgposConsistent = lgposConsistent;
  a.signDb = signDb;
  a.signLog = signLog;
  a.flags = flags;
  a.path.raw = path;
  a.path.utf16 = (flags & 0x08) != 0;
  return make(LogRecordType::AttachDB, a);
}

LogRecord makeDetachDatabase(uint16_t procid, uint8_t dbid, Bytes path, uint8_t flags) {
  DetachDatabaseRecord d;
  d.procid = procid;
  d.dbid = dbid;
  d.flags = flags;
  d.path.raw = path;
  d.path.utf16 = (flags & 0x10) != 0;
  return make(LogRecordType::DetachDB, d);
}

LogRecord makeCreateDatabaseFinish(uint16_t procid, uint8_t dbid) {
  return make(LogRecordType::CreateDBFinish, DatabaseSessionRecord{procid, dbid});
}

LogRecord makeSetDbVersion(uint8_t dbid, uint32_t major, uint32_t updateMajor, uint32_t updateMinor) {
  return make(LogRecordType::SetDbVersion, SetDbVersionRecord{dbid, major, updateMajor, updateMinor});
}

LogRecord makeExtendDatabase(uint8_t dbid, uint32_t pgnoLast) {
  ExtendDatabaseRecord e;
  e.dbid = dbid;
  e.pgnoLast = pgnoLast;
  return make(LogRecordType::ExtendDB, e);
}

LogRecord makeSignalAttachDb(uint8_t dbid) { return make(LogRecordType::SignalAttachDb, DatabaseIdRecord{dbid}); }

LogRecord makeInit2(const DbmsParameters& parameters, const LogTime& time) {
  InitRecord i;
  i.parameters = parameters;
  i.time = time;
  return make(LogRecordType::Init2, std::move(i));
}

LogRecord makeTerm2(const LogPosition& lgpos, const LogPosition& lgposRedoFrom, uint8_t hard, const LogTime& time) {
  return make(LogRecordType::Term2, term(lgpos, lgposRedoFrom, hard, time));
}

LogRecord makeRecoveryQuit2(const LogPosition& lgpos, const LogPosition& lgposRedoFrom, uint8_t hard,
                            const LogTime& time) {
  return make(LogRecordType::RecoveryQuit2, term(lgpos, lgposRedoFrom, hard, time));
}

LogRecord makeRecoveryQuitKeepAttachments(const LogPosition& lgpos, const LogPosition& lgposRedoFrom, uint8_t hard,
                                          const LogTime& time) {
  return make(LogRecordType::RecoveryQuitKeepAttachments, term(lgpos, lgposRedoFrom, hard, time));
}

LogRecord makeRecoveryUndo2(const LogTime& time) {
  return make(LogRecordType::RecoveryUndo2, RecoveryUndoRecord{time});
}

LogRecord makeShutDownMark() { return make(LogRecordType::ShutDownMark, std::monostate{}); }

LogRecord makeTrace(uint16_t procid, Bytes text) { return make(LogRecordType::Trace, TraceRecord{procid, text}); }

std::vector<uint8_t> loggedPathUtf16(std::string_view utf8) {
  std::vector<uint8_t> out;
  out.reserve(2 * utf8.size() + 2);
  auto put = [&](uint32_t unit) {
    out.push_back(static_cast<uint8_t>(unit));
    out.push_back(static_cast<uint8_t>(unit >> 8));
  };
  size_t i = 0;
  while (i < utf8.size()) {
    const auto lead = static_cast<uint8_t>(utf8[i]);
    const size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    uint32_t cp = 0xFFFD;
    bool valid = length != 0 && i + length <= utf8.size();
    if (valid) {
      cp = length == 1 ? lead : lead & (0x7F >> length);
      for (size_t k = 1; k < length; ++k) {
        const auto next = static_cast<uint8_t>(utf8[i + k]);
        if ((next & 0xC0) != 0x80) {
          valid = false;
          break;
        }
        cp = (cp << 6) | (next & 0x3F);
      }
      // Overlong forms, surrogates and values past U+10FFFF are not characters.
      static constexpr uint32_t kMinimum[5] = {0, 0, 0x80, 0x800, 0x10000};
      if (valid && (cp < kMinimum[length] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)) valid = false;
    }
    if (!valid) {
      put(0xFFFD);
      ++i;  // resynchronise on the next byte
      continue;
    }
    i += length;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put(0xD800 + (cp >> 10));
      put(0xDC00 + (cp & 0x3FF));
    } else {
      put(cp);
    }
  }
  put(0);
  return out;
}

}  // namespace esekit
