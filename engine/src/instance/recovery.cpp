#include "instance/recovery.h"

#include <algorithm>
#include <map>

#include "esekit/format/log_record_encode.h"
#include "esekit/format/text.h"
#include "instance/instance_impl.h"
#include "log/checkpoint_file.h"
#include "log/log_reader.h"
#include "log/log_writer.h"

namespace esekit::engine {
namespace {

// The stores log through this: redo must not log anything; undo logs
// through the continued stream once it exists.
class RecoverySink : public store::LogSink {
 public:
  Result<LogPosition> append(const LogRecord& record) override {
    if (!target) {
      return Status(JetError::InvalidLoggedOperation,
                    std::string("recovery tried to log a ") + std::string(logRecordTypeName(static_cast<uint8_t>(record.type))) +
                        " record during redo");
    }
    return target->append(record);
  }
  Status flushUpTo(LogPosition position) override {
    if (!target) return Status();  // redo pages come from a log that is already durable
    return target->flushUpTo(position);
  }
  EngineLog* target = nullptr;
};

// One node change of a session since its Begin0, with what undo needs.
struct UndoEntry {
  uint8_t dbid = 0;
  LogRecordType type = LogRecordType::Nop;
  store::TreeRoot tree;
  std::vector<uint8_t> key;
  std::optional<std::vector<uint8_t>> dataBefore;
  LogPosition position;
};

struct RecoveredSession {
  std::vector<UndoEntry> changes;
};

struct RecoveredDatabase {
  std::filesystem::path path;
  std::unique_ptr<store::DatabaseStore> store;
};

std::filesystem::path pathFromLog(const LoggedPath& logged) { return std::filesystem::path(logged.toUtf8()); }

class Replay {
 public:
  Replay(InstanceImpl& instance, RecoverySink& sink) : instance_(instance), sink_(sink) {}

  store::StoreOptions storeOptions(const std::filesystem::path& path, uint8_t dbid) const {
    store::StoreOptions options;
    options.path = path;
    options.dbid = dbid;
    options.pageSize = instance_.options.pageSize;
    options.cleanCacheBytes = instance_.options.cacheSize;
    options.log = &sink_;
    return options;
  }

  Status openAttached(uint8_t dbid, const std::filesystem::path& path) {
    auto store = store::DatabaseStore::open(storeOptions(path, dbid));
    if (!store.isOk()) return store.status().withContext("recovery of " + path.string());
    databases_[dbid] = RecoveredDatabase{path, std::move(*store)};
    return Status();
  }

  Status onCreateDatabase(const CreateDatabaseRecord& create, LogPosition position) {
    const std::filesystem::path path = pathFromLog(create.path);
    std::error_code error;
    if (std::filesystem::exists(path, error)) {
      auto opened = store::DatabaseStore::open(storeOptions(path, create.dbid));
      if (opened.isOk() && (*opened)->header().databaseSignature == create.signDb) {
        databases_[create.dbid] = RecoveredDatabase{path, std::move(*opened)};
        return Status();
      }
      return Status(JetError::DatabaseDuplicate, path.string() + ": the log at " + position.toString() +
                                                     " creates this database but a different file is there");
    }
    store::CreateParameters params;
    params.databaseSignature = create.signDb;
    params.logSignature = logSignature;
    params.attachPosition = position;
    auto created = store::DatabaseStore::create(storeOptions(path, create.dbid), params);
    if (!created.isOk()) return created.status();
    databases_[create.dbid] = RecoveredDatabase{path, std::move(*created)};
    return Status();
  }

  Status onRecord(const LogRecord& record, LogPosition position) {
    ++report.recordsReplayed;
    switch (record.type) {
      case LogRecordType::CreateDB:
        return onCreateDatabase(*record.as<CreateDatabaseRecord>(), position);
      case LogRecordType::AttachDB: {
        const auto& attach = *record.as<AttachDatabaseRecord>();
        if (databases_.count(attach.dbid)) return Status();
        return openAttached(attach.dbid, pathFromLog(attach.path));
      }
      case LogRecordType::DetachDB: {
        const auto& detach = *record.as<DetachDatabaseRecord>();
        auto found = databases_.find(detach.dbid);
        if (found == databases_.end()) return Status();
        ESEKIT_RETURN_IF_ERROR(found->second.store->flush());
        ESEKIT_RETURN_IF_ERROR(markClean(*found->second.store, position));
        databases_.erase(found);
        return Status();
      }
      case LogRecordType::Begin0:
        sessions_[record.as<BeginRecord>()->procid] = RecoveredSession{};
        return Status();
      case LogRecordType::Commit0: {
        if (sessions_.erase(record.as<CommitRecord>()->procid) != 0) ++report.transactionsCommitted;
        return Status();
      }
      case LogRecordType::Rollback:
        sessions_.erase(record.as<RollbackRecord>()->procid);
        return Status();
      case LogRecordType::Init2:
      case LogRecordType::Init:
      case LogRecordType::Term2:
      case LogRecordType::Term:
      case LogRecordType::RecoveryQuit2:
      case LogRecordType::RecoveryQuit:
        // A new engine lifetime or a clean end: every earlier session ended.
        sessions_.clear();
        return Status();
      default:
        break;
    }
    auto dbid = dbidOf(record);
    if (!dbid || !pagePrefix(record)) return Status();  // not a page record: nothing to redo
    auto found = databases_.find(*dbid);
    if (found == databases_.end()) return Status();  // database not attached at this point
    store::DatabaseStore& store = *found->second.store;
    if (position <= store.header().attachPosition) return Status();  // attached later (§4 database gate)
    auto effect = store.redo(record, position);
    if (!effect.isOk()) {
      return effect.status().withContext(found->second.path.string() + ": redo of " +
                                         std::string(logRecordTypeName(static_cast<uint8_t>(record.type))) + " at " +
                                         position.toString());
    }
    if (effect->applied) {
      ++report.pagesRedone;
    } else {
      ++report.pagesSkipped;
    }
    auto procid = procidOf(record);
    if (effect->tree && procid) {
      auto session = sessions_.find(*procid);
      if (session != sessions_.end()) {
        session->second.changes.push_back(
            UndoEntry{*dbid, record.type, *effect->tree, effect->key, effect->dataBefore, position});
      }
    }
    return Status();
  }

  // Rolls back every session without a commit, logging the compensation.
  Status undo(EngineLog& log) {
    if (sessions_.empty()) return Status();
    auto mark = log.append(makeRecoveryUndo2(log::currentLogTime()));
    if (!mark.isOk()) return mark.status();
    for (auto& [procid, session] : sessions_) {
      store::OperationContext context;
      context.procid = procid;
      context.level = 1;
      context.versioned = false;
      for (auto it = session.changes.rbegin(); it != session.changes.rend(); ++it) {
        ESEKIT_RETURN_IF_ERROR(undoOne(*it, context));
      }
      auto rollback = log.append(makeRollback(procid, 1));
      if (!rollback.isOk()) return rollback.status();
      ++report.transactionsUndone;
    }
    sessions_.clear();
    return Status();
  }

  Status undoOne(const UndoEntry& change, const store::OperationContext& context) {
    auto found = databases_.find(change.dbid);
    if (found == databases_.end()) return Status();  // detached later: its changes were committed or undone then
    store::DatabaseStore& store = *found->second.store;
    auto missingImage = [&] {
      return Status(JetError::RecoveredWithErrors,
                    found->second.path.string() + ": cannot undo the uncommitted change logged at " +
                        change.position.toString() + ": its page was already on disk and no before-image is known");
    };
    switch (change.type) {
      case LogRecordType::Insert:
      case LogRecordType::FlagInsert:
        return store.erase(change.tree, change.key, context);
      case LogRecordType::FlagInsertAndReplaceData:
      case LogRecordType::Replace:
      case LogRecordType::ReplaceD:
        if (!change.dataBefore) return missingImage();
        return store.replace(change.tree, change.key, *change.dataBefore, context);
      case LogRecordType::Delete:
      case LogRecordType::FlagDelete:
        if (!change.dataBefore) return missingImage();
        return store.insert(change.tree, change.key, *change.dataBefore, context);
      default:
        return Status();  // structural records (splits, space) are not undone, as in ESE
    }
  }

  static Status markClean(store::DatabaseStore& store, LogPosition position) {
    DatabaseHeader header = store.header();
    const LogTime now = log::currentLogTime();
    header.state = DatabaseState::CleanShutdown;
    header.consistentPosition = position;
    header.consistentTime = now;
    header.detachPosition = position;
    header.detachTime = now;
    header.minRequiredGeneration = 0;
    header.maxRequiredGeneration = 0;
    header.minConsistentGeneration = 0;
    header.maxCommittedGeneration = 0;
    header.dbtimeDirtied = store.dbtime();
    header.lastObjectId = store.lastObjectId();
    return store.writeHeader(header);
  }

  Status finish(EngineLog& log) {
    for (auto& [dbid, database] : databases_) ESEKIT_RETURN_IF_ERROR(database.store->flush());
    auto quit = log.append(makeRecoveryQuit2(report.start, report.start, 0, log::currentLogTime()));
    if (!quit.isOk()) return quit.status();
    ESEKIT_RETURN_IF_ERROR(log.flushAll());
    for (auto& [dbid, database] : databases_) ESEKIT_RETURN_IF_ERROR(markClean(*database.store, *quit));
    databases_.clear();
    report.end = *quit;
    return Status();
  }

  bool hasOpenSessions() const { return !sessions_.empty(); }
  bool hasDatabases() const { return !databases_.empty(); }

  RecoveryReport report;
  Signature logSignature;

 private:
  InstanceImpl& instance_;
  RecoverySink& sink_;
  std::map<uint8_t, RecoveredDatabase> databases_;
  std::map<uint16_t, RecoveredSession> sessions_;
};

}  // namespace

Result<std::unique_ptr<EngineLog>> Recovery::run(InstanceImpl& instance) {
  const InstanceOptions& options = instance.options;
  log::LogReaderOptions readerOptions;
  readerOptions.directory = options.logDirectory;
  readerOptions.baseName = options.baseName;

  auto present = log::findLogGenerations(readerOptions);
  if (!present.isOk()) return present.status();
  if (present->empty()) return std::unique_ptr<EngineLog>();  // a new stream

  // Where to start (checkpoint-and-backup.md §1).
  std::optional<LogPosition> start;
  std::vector<AttachInfo> attachments;
  auto checkpoint = log::readCheckpointFile(instance.checkpointPath());
  if (checkpoint.isOk()) {
    start = checkpoint->checkpoint;
    if (checkpoint->hasAttachList()) {
      auto list = esekit::attachments(*checkpoint);
      if (!list.isOk()) return list.status();
      attachments = std::move(*list);
    }
  } else if (checkpoint.status().code() != JetError::CheckpointFileNotFound) {
    return checkpoint.status();
  }
  auto reader = log::LogReader::open(readerOptions, start);
  if (!reader.isOk()) return reader.status();
  log::LogReader& logReader = **reader;
  if (checkpoint.isOk() && !(checkpoint->logSignature == logReader.signature())) {
    return Status(JetError::BadCheckpointSignature,
                  instance.checkpointPath().string() + ": the checkpoint belongs to another log stream");
  }
  if (!checkpoint.isOk() || !checkpoint->hasAttachList()) attachments = logReader.startAttachments();

  RecoverySink sink;
  Replay replay(instance, sink);
  replay.logSignature = logReader.signature();
  replay.report.start = logReader.startPosition();
  for (const AttachInfo& attachment : attachments) {
    ESEKIT_RETURN_IF_ERROR(replay.openAttached(attachment.dbid, std::filesystem::path(attachment.name())));
  }

  log::LogRecordRead read;
  for (;;) {
    auto more = logReader.next(read);
    if (!more.isOk()) return more.status();
    if (!*more) break;
    auto record = decodeLogRecord(read.bytes);
    if (!record.isOk()) return record.status().withContext(logReader.currentFile().string() + " at " + read.position.toString());
    ESEKIT_RETURN_IF_ERROR(replay.onRecord(*record, read.position));
  }
  const log::LogStreamTail tail = logReader.tail();
  instance.recoveryReport = replay.report;
  instance.recoveryReport.end = tail.end;

  log::LogWriterOptions writerOptions =
      EngineLog::writerOptionsFor(options, instance.dbmsParameters(), [] { return std::vector<AttachInfo>(); });
  auto writer = log::LogWriter::continueStream(writerOptions, tail);
  if (!writer.isOk()) return writer.status();
  auto log = std::make_unique<EngineLog>(std::move(*writer));

  const bool needed = !tail.cleanEnd || replay.hasOpenSessions() || replay.report.pagesRedone > 0;
  if (!needed && !replay.hasDatabases()) return log;
  sink.target = log.get();
  ESEKIT_RETURN_IF_ERROR(replay.undo(*log));
  ESEKIT_RETURN_IF_ERROR(replay.finish(*log));
  instance.recoveryReport = replay.report;
  instance.recoveryReport.ran = needed;
  ESEKIT_RETURN_IF_ERROR(instance.writeCheckpointAt(*log, replay.report.end));
  return log;
}

}  // namespace esekit::engine
