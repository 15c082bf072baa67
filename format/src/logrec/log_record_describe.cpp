// describe(LogRecord): the key fields of a record for `esekit dump records`,
// one FieldList per record (text: one line; JSON: one object).
#include "esekit/format/text.h"
#include <type_traits>

#include "logrec/log_record_reader.h"

namespace esekit {
namespace {

template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

void dbtimeField(FieldList& f, std::string_view name, int64_t dbtime) {
  if (dbtime == kDbtimeInvalid) {
    f.number(name, dbtime, "invalid");
  } else {
    f.number(name, dbtime, hex64(static_cast<uint64_t>(dbtime)));
  }
}

void pageFields(FieldList& f, const PageRecordPrefix& p) {
  f.unsignedNumber("procid", p.procid);
  f.unsignedNumber("dbid", p.dbid);
  f.unsignedNumber("pgno", p.pgno);
  dbtimeField(f, "dbtime", p.dbtime);
  dbtimeField(f, "dbtimeBefore", p.dbtimeBefore);
  f.unsignedNumber("trxBegin0", p.trxBegin0, hex32(p.trxBegin0));
  f.unsignedNumber("level", p.level);
  f.unsignedNumber("iline", p.iline);
  f.unsignedNumber("flags", p.flags, hex32(p.flags));
}

void nodeFields(FieldList& f, const NodeRecordPrefix& n) {
  pageFields(f, n.page);
  f.unsignedNumber("objid", n.objidFDP);
  f.unsignedNumber("pgnoFDP", n.pgnoFDP);
  f.unsignedNumber("rceid", n.rceid);
}

void size(FieldList& f, std::string_view name, Bytes bytes) { f.unsignedNumber(name, bytes.size()); }

const char* diffKindName(ReplaceDiffEntry::Kind kind) {
  switch (kind) {
    case ReplaceDiffEntry::Kind::Insert: return "insert";
    case ReplaceDiffEntry::Kind::ReplaceSameLength: return "same-length";
    case ReplaceDiffEntry::Kind::Replace: return "replace";
  }
  return "?";
}

}  // namespace

FieldList describe(const LogRecord& record) {
  FieldList f;
  f.text("type", logRecordTypeName(record.type));
  f.unsignedNumber("length", record.length);
  std::visit(
      Overloaded{
          [](const std::monostate&) {},
          [&](const BeginRecord& b) {
            f.unsignedNumber("procid", b.procid);
            f.unsignedNumber("levelBeginFrom", b.levelBeginFrom);
            f.unsignedNumber("levelsToBegin", b.levelsToBegin);
            if (b.trxBegin0) f.unsignedNumber("trxBegin0", *b.trxBegin0, hex32(*b.trxBegin0));
          },
          [&](const CommitRecord& c) {
            f.unsignedNumber("procid", c.procid);
            f.unsignedNumber("levelCommitTo", c.levelCommitTo);
            if (c.trxCommit0) f.unsignedNumber("trxCommit0", *c.trxCommit0, hex32(*c.trxCommit0));
          },
          [&](const RollbackRecord& r) {
            f.unsignedNumber("procid", r.procid);
            f.unsignedNumber("levels", r.levels);
          },
          [&](const RefreshRecord& r) {
            f.unsignedNumber("procid", r.procid);
            f.unsignedNumber("trxBegin0", r.trxBegin0, hex32(r.trxBegin0));
          },
          [&](const MacroRecord& m) {
            f.unsignedNumber("procid", m.procid);
            dbtimeField(f, "dbtime", m.dbtime);
          },
          [&](const SessionRecord& s) { f.unsignedNumber("procid", s.procid); },
          [&](const PrepareCommitRecord& p) {
            f.unsignedNumber("procid", p.procid);
            size(f, "cbData", p.data);
          },
          [&](const CommitContextRecord& c) {
            f.unsignedNumber("procid", c.procid);
            f.unsignedNumber("flags", c.flags, hex32(c.flags));
            size(f, "cbContext", c.context);
          },
          [&](const MacroInfoRecord& m) {
            if (m.dbid) f.unsignedNumber("dbid", *m.dbid);
            f.unsignedNumber("pageCount", m.pageCount);
          },
          [&](const JetOpRecord& j) {
            f.unsignedNumber("procid", j.procid);
            f.unsignedNumber("operation", j.operation);
          },
          [&](const InsertRecord& i) {
            nodeFields(f, i.node);
            size(f, "cbPrefix", i.keyPrefix);
            size(f, "cbSuffix", i.keySuffix);
            size(f, "cbData", i.data);
          },
          [&](const FlagInsertRecord& i) {
            nodeFields(f, i.node);
            size(f, "cbKey", i.key);
            size(f, "cbData", i.data);
            if (i.rceidReplace) f.unsignedNumber("rceidReplace", *i.rceidReplace);
          },
          [&](const NodeOperationRecord& n) { nodeFields(f, n.node); },
          [&](const ReplaceRecord& r) {
            nodeFields(f, r.node);
            size(f, "cb", r.payload);
            f.unsignedNumber("cbOldData", r.oldDataLength);
            f.unsignedNumber("cbNewData", r.newDataLength);
            if (r.isDiff) {
              f.boolean("diff2", r.diff2);
              f.unsignedNumber("diffCount", r.diffs.size());
              std::string summary;
              for (const ReplaceDiffEntry& e : r.diffs) {
                if (!summary.empty()) summary += ' ';
                summary += std::string(diffKindName(e.kind)) + "@" + std::to_string(e.oldOffset) + ":" +
                           std::to_string(e.oldLength) + "->" + std::to_string(e.newLength);
              }
              f.text("diffs", summary);
            }
          },
          [&](const DeltaRecord& d) {
            nodeFields(f, d.node);
            f.number("delta", d.delta);
            f.unsignedNumber("cbOffset", d.valueOffset);
            size(f, "cbBookmarkKey", d.bookmarkKey);
            size(f, "cbBookmarkData", d.bookmarkData);
          },
          [&](const SetExternalHeaderRecord& s) {
            nodeFields(f, s.node);
            size(f, "cbData", s.data);
          },
          [&](const UndoInfoRecord& u) {
            nodeFields(f, u.node);
            f.unsignedNumber("oper", u.operation);
            f.number("cbMaxSize", u.maxSize);
            f.number("cbDelta", u.sizeDelta);
            size(f, "cbBookmarkKey", u.bookmarkKey);
            size(f, "cbBookmarkData", u.bookmarkData);
            size(f, "cbData", u.beforeImage);
          },
          [&](const UndoRecord& u) {
            nodeFields(f, u.node);
            f.unsignedNumber("oper", u.operation);
            f.unsignedNumber("undoLevel", u.level);
            size(f, "cbBookmarkKey", u.bookmarkKey);
            size(f, "cbBookmarkData", u.bookmarkData);
          },
          [&](const ScrubRecord& s) {
            nodeFields(f, s.node);
            f.unsignedNumber("scrubFlags", s.flags, hex32(s.flags));
            f.unsignedNumber("scrubOperations", s.operationCount);
            size(f, "cbData", s.data);
          },
          [&](const EmptyTreeRecord& e) {
            nodeFields(f, e.node);
            f.unsignedNumber("emptyPages", e.pages.size());
          },
          [&](const SplitRecord& s) {
            pageFields(f, s.page);
            f.unsignedNumber("objid", s.objidFDP);
            f.unsignedNumber("pgnoFDP", s.pgnoFDP);
            f.unsignedNumber("pgnoNew", s.pgnoNew);
            f.unsignedNumber("pgnoRight", s.pgnoRight);
            f.unsignedNumber("pgnoParent", s.pgnoParent);
            f.unsignedNumber("splitType", s.splitType);
            f.unsignedNumber("splitOper", s.splitOperation);
            f.unsignedNumber("ilineSplit", s.ilineSplit);
            f.unsignedNumber("clines", s.lineCount);
            size(f, "cbKeyParent", s.parentKey);
            size(f, "cbPageBeforeImage", s.pageBeforeImage);
          },
          [&](const MergeRecord& m) {
            pageFields(f, m.page);
            f.unsignedNumber("objid", m.objidFDP);
            f.unsignedNumber("pgnoFDP", m.pgnoFDP);
            f.unsignedNumber("pgnoLeft", m.pgnoLeft);
            f.unsignedNumber("pgnoRight", m.pgnoRight);
            f.unsignedNumber("pgnoParent", m.pgnoParent);
            f.unsignedNumber("mergeType", m.mergeType);
            f.unsignedNumber("mergeFlags", m.mergeFlags, hex32(m.mergeFlags));
            size(f, "cbKeyParentSep", m.parentSeparatorKey);
            size(f, "cbPageBeforeImage", m.pageBeforeImage);
          },
          [&](const PageMoveRecord& p) {
            pageFields(f, p.page);
            f.unsignedNumber("objid", p.objidFDP);
            f.unsignedNumber("pgnoFDP", p.pgnoFDP);
            f.unsignedNumber("pgnoDest", p.pgnoDestination);
            f.unsignedNumber("pgnoLeft", p.pgnoLeft);
            f.unsignedNumber("pgnoRight", p.pgnoRight);
            f.unsignedNumber("pgnoParent", p.pgnoParent);
            f.unsignedNumber("moveFlags", p.moveFlags, hex32(p.moveFlags));
            f.unsignedNumber("cbPage", p.pageHeader.size() + p.pageTrailer.size());
          },
          [&](const NewPageRecord& n) {
            f.unsignedNumber("procid", n.procid);
            f.unsignedNumber("dbid", n.dbid);
            f.unsignedNumber("pgno", n.pgno);
            f.unsignedNumber("objid", n.objid);
            dbtimeField(f, "dbtime", n.dbtimeAfter);
          },
          [&](const RootPageMoveRecord& r) {
            f.unsignedNumber("procid", r.procid);
            f.unsignedNumber("dbid", r.dbid);
            f.unsignedNumber("objid", r.objid);
            dbtimeField(f, "dbtime", r.dbtimeAfter);
          },
          [&](const CreateFdpRecord& c) {
            pageFields(f, c.page);
            f.unsignedNumber("objid", c.objidFDP);
            f.unsignedNumber("pgnoFDPParent", c.pgnoFDPParent);
            if (c.multipleExtent) {
              f.unsignedNumber("pgnoOE", c.pgnoOwnedExtents);
              f.unsignedNumber("pgnoAE", c.pgnoAvailableExtents);
            }
            f.unsignedNumber("cpgPrimary", c.primaryPageCount);
          },
          [&](const ConvertFdpRecord& c) {
            pageFields(f, c.page);
            f.unsignedNumber("objid", c.objidFDP);
            f.unsignedNumber("pgnoOE", c.pgnoOwnedExtents);
            f.unsignedNumber("pgnoAE", c.pgnoAvailableExtents);
            f.unsignedNumber("pgnoSecondaryFirst", c.pgnoSecondaryFirst);
            f.unsignedNumber("cpgSecondary", c.secondaryPageCount);
          },
          [&](const CreateDatabaseRecord& c) {
            f.unsignedNumber("procid", c.procid);
            f.unsignedNumber("dbid", c.dbid);
            f.unsignedNumber("grbit", c.grbit, hex32(c.grbit));
            f.text("signDb", c.signDb.toString());
            f.text("path", c.path.toUtf8());
          },
          [&](const AttachDatabaseRecord& a) {
            f.unsignedNumber("procid", a.procid);
            f.unsignedNumber("dbid", a.dbid);
            f.text("lgposConsistent", a.lgposConsistent.toString());
            f.text("signDb", a.signDb.toString());
            f.text("signLog", a.signLog.toString());
            f.text("path", a.path.toUtf8());
          },
          [&](const DetachDatabaseRecord& d) {
            f.unsignedNumber("procid", d.procid);
            f.unsignedNumber("dbid", d.dbid);
            f.text("path", d.path.toUtf8());
          },
          [&](const DatabaseSessionRecord& d) {
            f.unsignedNumber("procid", d.procid);
            f.unsignedNumber("dbid", d.dbid);
          },
          [&](const DatabaseIdRecord& d) { f.unsignedNumber("dbid", d.dbid); },
          [&](const ReAttachRecord& a) {
            f.unsignedNumber("dbid", a.dbid);
            f.text("lgposAttach", a.lgposAttach.toString());
            f.text("lgposConsistent", a.lgposConsistent.toString());
            f.text("signDb", a.signDb.toString());
          },
          [&](const SetDbVersionRecord& v) {
            f.unsignedNumber("dbid", v.dbid);
            f.text("version", std::to_string(v.major) + "." + std::to_string(v.updateMajor) + "." +
                                  std::to_string(v.updateMinor));
          },
          [&](const ExtendDatabaseRecord& e) {
            f.unsignedNumber("dbid", e.dbid);
            f.unsignedNumber("pgnoLast", e.pgnoLast);
          },
          [&](const ShrinkDatabaseRecord& s) {
            f.unsignedNumber("dbid", s.dbid);
            f.unsignedNumber("pgnoLast", s.pgnoLast);
            f.unsignedNumber("cpgShrunk", s.pagesShrunk);
            if (s.dbtime) dbtimeField(f, "dbtime", *s.dbtime);
          },
          [&](const TrimDatabaseRecord& t) {
            f.unsignedNumber("dbid", t.dbid);
            f.unsignedNumber("pgnoStartZeroes", t.pgnoStartZeroes);
            f.unsignedNumber("cpgZeroLength", t.zeroPageCount);
          },
          [&](const ExtentFreedRecord& e) {
            f.unsignedNumber("dbid", e.dbid);
            f.unsignedNumber("pgnoFirst", e.pgnoFirst);
            f.unsignedNumber("cpgExtent", e.pageCount);
            f.unsignedNumber("extentFlags", e.flags, hex32(e.flags));
            if (e.dbtime) dbtimeField(f, "dbtime", *e.dbtime);
          },
          [&](const FreeFdpRecord& r) {
            f.unsignedNumber("dbid", r.dbid);
            f.unsignedNumber("pgnoFDP", r.pgnoFDP);
            f.unsignedNumber("trxCommitted", r.trxCommitted, hex32(r.trxCommitted));
            f.unsignedNumber("fdpType", r.fdpType);
          },
          [&](const PagePatchRequestRecord& p) {
            f.unsignedNumber("dbid", p.dbid);
            f.unsignedNumber("pgno", p.pgno);
            dbtimeField(f, "dbtime", p.dbtime);
          },
          [&](const ScanCheckRecord& s) {
            f.unsignedNumber("dbid", s.dbid);
            f.unsignedNumber("pgno", s.pgno);
            dbtimeField(f, "dbtimePage", s.dbtimePage);
            dbtimeField(f, "dbtimeCurrent", s.dbtimeCurrent);
            if (!s.legacy) f.unsignedNumber("scanFlags", s.flagsAndSource, hex32(s.flagsAndSource));
            f.unsignedNumber("checksum", s.checksum, hex32(s.checksum));
          },
          [&](const InitRecord& i) {
            if (i.time) f.text("time", i.time->toString());
            f.text("systemPath", i.parameters.systemPathText());
            f.text("logPath", i.parameters.logFilePathText());
            f.boolean("circularLogging", i.parameters.circularLogging());
          },
          [&](const TermRecord& t) {
            f.text("lgpos", t.lgpos.toString());
            f.text("lgposRedoFrom", t.lgposRedoFrom.toString());
            f.unsignedNumber("hard", t.hard);
            if (t.time) f.text("time", t.time->toString());
          },
          [&](const RecoveryUndoRecord& r) {
            if (r.time) f.text("time", r.time->toString());
          },
          [&](const TraceRecord& t) {
            f.unsignedNumber("procid", t.procid);
            f.text("text", latin1ToUtf8(t.text));
          },
          [&](const ExternalRestoreRecord& e) { f.text("info", e.info.toUtf8()); },
          [&](const LegacyBackupRecord& b) {
            if (b.backupType) f.unsignedNumber("backupType", *b.backupType);
            f.text("path", b.path.toUtf8());
          },
          [&](const Backup2Record& b) {
            f.unsignedNumber("phase", b.phase);
            f.unsignedNumber("backupType", b.backupType);
            f.unsignedNumber("scope", b.scope);
            f.unsignedNumber("dbid", b.dbid);
            f.text("lgposMark", b.details.mark.toString());
            f.unsignedNumber("genLow", b.details.generationLow);
            f.unsignedNumber("genHigh", b.details.generationHigh);
          },
          [&](const ChecksumRecord& c) {
            f.unsignedNumber("cbBackwards", c.bytesBackward);
            f.unsignedNumber("cbForwards", c.bytesForward);
            f.unsignedNumber("cbNext", c.bytesToNext);
            f.unsignedNumber("checksum", c.checksum, hex32(c.checksum));
            f.unsignedNumber("shortChecksum", c.shortChecksum, hex32(c.shortChecksum));
            f.unsignedNumber("useShortChecksum", c.useShortChecksum, hex32(c.useShortChecksum));
          },
          [&](const MultiSectorFlushRecord& m) {
            f.unsignedNumber("ibForwardLink", m.forwardByteOffset);
            f.unsignedNumber("isecForwardLink", m.forwardSector);
            f.unsignedNumber("checksum", m.checksum, hex32(m.checksum));
          },
          [&](const FragmentRecord& r) {
            if (r.totalSize) f.unsignedNumber("cbTotal", *r.totalSize);
            size(f, "cbFragment", r.data);
          },
          [&](const IgnoredRecord& r) { size(f, "cb", r.payload); },
      },
      record.body);
  return f;
}

}  // namespace esekit
