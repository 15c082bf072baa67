#include "instance/recovery.h"

#include "esekit/engine/recovery.h"

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


class Replay {
 public:
  Replay(const RecoveryOptions& options, uint32_t pageSize, RecoverySink& sink)
      : options_(options), pageSize_(pageSize), sink_(sink) {}

  std::filesystem::path locate(const std::string& logged) const {
    return options_.locate ? options_.locate(logged) : std::filesystem::path(logged);
  }

  store::StoreOptions storeOptions(const std::filesystem::path& path, uint8_t dbid) const {
    store::StoreOptions options;
    options.path = path;
    options.dbid = dbid;
    options.pageSize = pageSize_;
    options.cleanCacheBytes = options_.cacheSize;
    options.log = &sink_;
    return options;
  }

  Status openAttached(uint8_t dbid, const std::string& logged) {
    const std::filesystem::path path = locate(logged);
    std::error_code error;
    if (!std::filesystem::exists(path, error)) {
      report.notes.push_back("database " + logged + " (dbid " + std::to_string(dbid) + ") not found at " +
                             path.string() + ": its records are skipped");
      return Status();
    }
    auto store = store::DatabaseStore::open(storeOptions(path, dbid));
    if (!store.isOk()) return store.status().withContext("recovery of " + path.string());
    databases_[dbid] = RecoveredDatabase{path, std::move(*store)};
    report.databases.push_back(path.string());
    return Status();
  }

  Status onCreateDatabase(const CreateDatabaseRecord& create, LogPosition position) {
    const std::filesystem::path path = locate(create.path.toUtf8());
    std::error_code error;
    if (std::filesystem::exists(path, error)) {
      auto opened = store::DatabaseStore::open(storeOptions(path, create.dbid));
      if (opened.isOk() && (*opened)->header().databaseSignature == create.signDb) {
        databases_[create.dbid] = RecoveredDatabase{path, std::move(*opened)};
        report.databases.push_back(path.string());
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
    report.databases.push_back(path.string());
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
        return openAttached(attach.dbid, attach.path.toUtf8());
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
  // Without a log (continueLog off) the compensation is applied unlogged.
  Status undo(EngineLog* log) {
    if (sessions_.empty()) return Status();
    if (log) {
      auto mark = log->append(makeRecoveryUndo2(log::currentLogTime()));
      if (!mark.isOk()) return mark.status();
    }
    for (auto& [procid, session] : sessions_) {
      store::OperationContext context;
      context.procid = procid;
      context.level = 1;
      context.versioned = false;
      for (auto it = session.changes.rbegin(); it != session.changes.rend(); ++it) {
        ESEKIT_RETURN_IF_ERROR(undoOne(*it, context));
      }
      if (log) {
        auto rollback = log->append(makeRollback(procid, 1));
        if (!rollback.isOk()) return rollback.status();
      }
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

  // Flushes and marks every database clean at the RecoveryQuit2 record it
  // logs, or without a log at `end`.
  Status finish(EngineLog* log, LogPosition end) {
    for (auto& [dbid, database] : databases_) ESEKIT_RETURN_IF_ERROR(database.store->flush());
    if (log) {
      auto quit = log->append(makeRecoveryQuit2(report.start, report.start, 0, log::currentLogTime()));
      if (!quit.isOk()) return quit.status();
      ESEKIT_RETURN_IF_ERROR(log->flushAll());
      end = *quit;
    }
    for (auto& [dbid, database] : databases_) ESEKIT_RETURN_IF_ERROR(markClean(*database.store, end));
    databases_.clear();
    report.end = end;
    return Status();
  }

  bool hasOpenSessions() const { return !sessions_.empty(); }
  bool hasDatabases() const { return !databases_.empty(); }

  RecoveryReport report;
  Signature logSignature;

 private:
  const RecoveryOptions& options_;
  uint32_t pageSize_;
  RecoverySink& sink_;
  std::map<uint8_t, RecoveredDatabase> databases_;
  std::map<uint16_t, RecoveredSession> sessions_;
};

}  // namespace

Result<RecoveryOutcome> runRecovery(const RecoveryOptions& options, const RecoveryEnvironment& environment) {
  log::LogReaderOptions readerOptions;
  readerOptions.directory = options.logDirectory;
  readerOptions.baseName = options.baseName;

  auto present = log::findLogGenerations(readerOptions);
  if (!present.isOk()) return present.status();
  RecoveryOutcome outcome;
  if (present->empty()) return outcome;  // no log stream yet

  // Where to start (checkpoint-and-backup.md §1).
  const auto systemDirectory = options.systemDirectory.empty() ? options.logDirectory : options.systemDirectory;
  const auto checkpointPath = systemDirectory / (options.baseName + ".chk");
  std::optional<LogPosition> start;
  std::vector<AttachInfo> attachments;
  auto checkpoint = options.replayFromFirstLog ? Result<Checkpoint>(Status(JetError::CheckpointFileNotFound, "ignored"))
                                               : log::readCheckpointFile(checkpointPath);
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
                  checkpointPath.string() + ": the checkpoint belongs to another log stream");
  }
  if (!checkpoint.isOk() || !checkpoint->hasAttachList()) attachments = logReader.startAttachments();

  RecoverySink sink;
  Replay replay(options, environment.pageSize, sink);
  replay.logSignature = logReader.signature();
  replay.report.start = logReader.startPosition();
  for (const AttachInfo& attachment : attachments) {
    ESEKIT_RETURN_IF_ERROR(replay.openAttached(attachment.dbid, attachment.name()));
  }

  log::LogRecordRead read;
  LogPosition lastPosition = replay.report.start;
  bool stoppedEarly = false;
  for (;;) {
    auto more = logReader.next(read);
    if (!more.isOk()) return more.status();
    if (!*more) break;
    if (options.stopAfterGeneration && read.position.generation > *options.stopAfterGeneration) {
      stoppedEarly = true;
      break;
    }
    auto record = decodeLogRecord(read.bytes);
    if (!record.isOk()) {
      return record.status().withContext(logReader.currentFile().string() + " at " + read.position.toString());
    }
    ESEKIT_RETURN_IF_ERROR(replay.onRecord(*record, read.position));
    lastPosition = read.position;
    if (options.progress && (replay.report.recordsReplayed & 4095) == 0) {
      options.progress(replay.report.recordsReplayed, read.position.generation);
    }
  }
  const log::LogStreamTail tail = stoppedEarly ? log::LogStreamTail{} : logReader.tail();
  const bool cleanEnd = !stoppedEarly && tail.cleanEnd;
  const bool needed = !cleanEnd || replay.hasOpenSessions() || replay.report.pagesRedone > 0;

  if (!needed && !stoppedEarly) {
    outcome.report = replay.report;
    outcome.report.end = tail.end;
    if (!options.continueLog) return outcome;
  } else if (!options.continueLog || stoppedEarly) {
    ESEKIT_RETURN_IF_ERROR(replay.undo(nullptr));
    ESEKIT_RETURN_IF_ERROR(replay.finish(nullptr, stoppedEarly ? lastPosition : tail.end));
    outcome.report = replay.report;
    outcome.report.ran = needed;
    return outcome;
  }

  log::LogWriterOptions writerOptions = environment.writerOptions(tail.header);
  auto writer = log::LogWriter::continueStream(writerOptions, tail);
  if (!writer.isOk()) return writer.status();
  outcome.log = std::make_unique<EngineLog>(std::move(*writer));
  EngineLog& stream = *outcome.log;
  outcome.report = replay.report;
  outcome.report.end = tail.end;
  if (!needed) return outcome;  // the log ended clean: nothing to redo or undo, change nothing
  sink.target = &stream;
  ESEKIT_RETURN_IF_ERROR(replay.undo(&stream));
  ESEKIT_RETURN_IF_ERROR(replay.finish(&stream, LogPosition{}));
  outcome.report = replay.report;
  outcome.report.ran = needed;
  // The checkpoint moves to the end: nothing before it is needed any more.
  Checkpoint recovered;
  recovered.checkpoint = replay.report.end;
  recovered.databaseConsistencyPosition = replay.report.end;
  recovered.logSignature = stream.signature();
  recovered.dbmsParameters = tail.header.dbmsParameters;
  recovered.version = kCheckpointVersionHasAttachList;
  ESEKIT_RETURN_IF_ERROR(setAttachments(recovered, {}));
  ESEKIT_RETURN_IF_ERROR(log::writeCheckpointFile(checkpointPath, recovered));
  return outcome;
}

Result<RecoveryReport> recover(const RecoveryOptions& options) {
  RecoveryEnvironment environment;
  environment.pageSize = 0;  // each database's own
  environment.writerOptions = [&](const LogFileHeader& header) {
    log::LogWriterOptions writerOptions;
    writerOptions.directory = options.logDirectory;
    writerOptions.baseName = options.baseName;
    writerOptions.fileSize = static_cast<uint32_t>(header.expectedFileSize());
    writerOptions.reserveFiles = 0;
    writerOptions.circular = (header.flags & LogFileHeader::kCircularLogging) != 0;
    writerOptions.databasePageSize = header.databasePageSize();
    writerOptions.dbmsParameters = header.dbmsParameters;
    writerOptions.attachments = [] { return std::vector<AttachInfo>(); };
    return writerOptions;
  };
  auto outcome = runRecovery(options, environment);
  if (!outcome.isOk()) return outcome.status();
  if (outcome->log) ESEKIT_RETURN_IF_ERROR(outcome->log->close());
  return outcome->report;
}

}  // namespace esekit::engine
