// decodeLogRecord: length check and dispatch to the per-family decoders;
// uniform accessors (pagePrefix, dbidOf, ...). See ese-format/log-records.md §3.
#include <type_traits>

#include "logrec/log_record_reader.h"

namespace esekit {
namespace logrec {

PageRecordPrefix RecordReader::pagePrefix() const {
  PageRecordPrefix p;
  p.procid = u16(1);
  p.dbid = u8(3);
  p.pgno = u32(4);
  p.dbtime = i64(8);
  p.dbtimeBefore = i64(16);
  p.trxBegin0 = u32(24);
  p.level = u8(28);
  p.iline = u16(29);
  p.flags = u8(31);
  return p;
}

NodeRecordPrefix RecordReader::nodePrefix() const {
  NodeRecordPrefix n;
  n.page = pagePrefix();
  n.rceid = u32(32);
  n.pgnoFDP = u32(36);
  n.objidFDP = u32(40);
  return n;
}

Status checkIgnorableSize(const RecordReader& reader, uint32_t needed) {
  const uint32_t cb = reader.u32(1);
  if (cb < needed) {
    return reader.corrupt(1, "cb " + std::to_string(cb) + " is smaller than the " + std::to_string(needed) +
                                 " bytes of this record's layout");
  }
  return Status::ok();
}

namespace {

Result<LogRecordBody> dispatch(RecordReader& reader) {
  using T = LogRecordType;
  switch (reader.type()) {
    case T::Begin: case T::Commit: case T::Rollback: case T::Begin0: case T::Commit0: case T::Refresh:
    case T::MacroBegin: case T::MacroCommit: case T::MacroAbort: case T::BeginDT: case T::PrepCommit:
    case T::ForceWriteLog: case T::CommitCtx: case T::MacroInfo: case T::MacroInfo2: case T::JetOp:
      return decodeTransactionRecord(reader);
    case T::Insert: case T::FlagInsert: case T::FlagInsertAndReplaceData: case T::FlagDelete: case T::Delete:
    case T::Replace: case T::ReplaceD: case T::UndoInfo: case T::Delta: case T::Delta64:
    case T::SetExternalHeader: case T::Undo: case T::Scrub: case T::EmptyTree:
      return decodeNodeRecord(reader);
    case T::Split: case T::Split2: case T::Merge: case T::Merge2: case T::PageMove: case T::NewPage:
    case T::RootPageMove: case T::CreateMultipleExtentFDP: case T::CreateSingleExtentFDP: case T::ConvertFDP:
    case T::ConvertFDP2:
      return decodeMultiPageRecord(reader);
    case T::CreateDB: case T::AttachDB: case T::DetachDB: case T::CreateDBFinish: case T::SignalAttachDb:
    case T::ReAttach: case T::SetDbVersion: case T::ExtendDB: case T::ShrinkDB: case T::ShrinkDB2:
    case T::ShrinkDB3: case T::TrimDB: case T::ExtentFreed: case T::ExtentFreed2: case T::FreeFDP:
    case T::PagePatchRequest: case T::ScanCheck: case T::ScanCheck2:
      return decodeDatabaseRecord(reader);
    case T::Init: case T::Init2: case T::Term: case T::Term2: case T::RecoveryQuit: case T::RecoveryQuit2:
    case T::RecoveryQuitKeepAttachments: case T::RecoveryUndo: case T::RecoveryUndo2: case T::ShutDownMark:
    case T::Trace: case T::ForceLogRollover: case T::ExtRestore: case T::ExtRestore2: case T::FullBackup:
    case T::IncBackup: case T::Backup: case T::Backup2: case T::Checksum: case T::MS:
      return decodeLifecycleRecord(reader);
    default:
      return decodeOtherRecord(reader);
  }
}

}  // namespace
}  // namespace logrec

Result<LogRecord> decodeLogRecord(Bytes record) {
  auto length = logRecordLength(record);
  ESEKIT_RETURN_IF_ERROR(length);
  const auto type = static_cast<LogRecordType>(record[0]);
  const std::string name(logRecordTypeName(type));
  if (*length > record.size()) {
    return Status(JetError::LogCorrupted, name + " record: truncated: needs " + std::to_string(*length) +
                                              " bytes, only " + std::to_string(record.size()) +
                                              " available (missing from offset " + std::to_string(record.size()) +
                                              ")");
  }
  if (*length < record.size()) {
    return Status(JetError::LogCorrupted, name + " record: " + std::to_string(record.size() - *length) +
                                              " unexpected bytes after its end at offset " +
                                              std::to_string(*length));
  }
  logrec::RecordReader reader(record, type);
  auto body = logrec::dispatch(reader);
  ESEKIT_RETURN_IF_ERROR(body);
  if (reader.overrun()) {
    // Cannot happen for a record whose length was computed above; kept so an
    // inconsistency is reported instead of yielding empty views.
    return reader.corrupt(record.size(), "field read past the end of the record");
  }
  LogRecord result;
  result.type = type;
  result.length = *length;
  result.bytes = record;
  result.body = std::move(body.value());
  return result;
}

namespace {

template <typename T>
concept HasNode = requires(const T& t) { t.node.page; };
template <typename T>
concept HasPage = requires(const T& t) { t.page.pgno; };

}  // namespace

std::optional<PageRecordPrefix> pagePrefix(const LogRecord& record) {
  return std::visit(
      [](const auto& body) -> std::optional<PageRecordPrefix> {
        using B = std::decay_t<decltype(body)>;
        if constexpr (HasNode<B>) return body.node.page;
        else if constexpr (HasPage<B>) return body.page;
        else return std::nullopt;
      },
      record.body);
}

std::optional<NodeRecordPrefix> nodePrefix(const LogRecord& record) {
  return std::visit(
      [](const auto& body) -> std::optional<NodeRecordPrefix> {
        using B = std::decay_t<decltype(body)>;
        if constexpr (HasNode<B>) return body.node;
        else return std::nullopt;
      },
      record.body);
}

std::optional<uint8_t> dbidOf(const LogRecord& record) {
  if (auto page = pagePrefix(record)) return page->dbid;
  return std::visit(
      [](const auto& body) -> std::optional<uint8_t> {
        using B = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<B, MacroInfoRecord>) return body.dbid;
        else if constexpr (requires { body.dbid; }) return body.dbid;
        else return std::nullopt;
      },
      record.body);
}

std::optional<uint16_t> procidOf(const LogRecord& record) {
  if (auto page = pagePrefix(record)) return page->procid;
  return std::visit(
      [](const auto& body) -> std::optional<uint16_t> {
        if constexpr (requires { body.procid; }) return body.procid;
        else return std::nullopt;
      },
      record.body);
}

std::optional<uint32_t> objidOf(const LogRecord& record) {
  return std::visit(
      [](const auto& body) -> std::optional<uint32_t> {
        using B = std::decay_t<decltype(body)>;
        if constexpr (HasNode<B>) return body.node.objidFDP;
        else if constexpr (requires { body.objidFDP; }) return body.objidFDP;
        else if constexpr (requires { body.objid; }) return body.objid;
        else return std::nullopt;
      },
      record.body);
}

}  // namespace esekit
