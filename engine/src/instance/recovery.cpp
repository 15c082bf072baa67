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
#include "store/redo_windows.h"

namespace esekit::engine {
namespace {

// The stores log through this: redo must not log anything; undo logs
// through the continued stream once it exists.
class RecoverySink : public store::LogSink {
 public:
  Result<LogPosition> append(const LogRecord& record) override {
    if (!target && unlogged) return unloggedPosition;  // continueLog off: undo applied without a log
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
  bool unlogged = false;
  LogPosition unloggedPosition;
};

// One versioned node change of a session since its Begin0, with what undo
// needs (log-records.md §4 "versions during redo").
struct UndoEntry {
  uint8_t dbid = 0;
  LogRecordType type = LogRecordType::Nop;
  store::TreeRoot tree;
  std::vector<uint8_t> key;
  std::optional<std::vector<uint8_t>> dataBefore;
  LogPosition position;
  uint8_t level = 0;    // transaction level of the change
  uint32_t rceid = 0;   // collates with UndoInfo and Undo records
  int64_t delta = 0;    // Delta/Delta64
  uint16_t valueOffset = 0;
};

// A record kept for a macro: its bytes (the reader's buffer is reused).
struct BufferedRecord {
  std::vector<uint8_t> bytes;
  LogPosition position;
};

// A session (procid) as redo sees it (§4.2-§4.3).
struct RecoveredSession {
  bool started = false;  // a Begin0 was replayed: its records are redone (session gate)
  uint8_t level = 0;     // current transaction level
  std::vector<UndoEntry> changes;
  std::optional<int64_t> macroDbtime;  // inside MacroBegin..MacroCommit
  std::vector<BufferedRecord> macro;
  bool inTransaction() const { return started && level > 0; }
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
      case LogRecordType::BeginDT:
      case LogRecordType::Begin: {
        const auto& begin = *record.as<BeginRecord>();
        RecoveredSession& session = sessions_[begin.procid];
        if (record.type != LogRecordType::Begin && begin.levelBeginFrom == 0) {
          session.started = true;
          session.changes.clear();
        }
        // Records of a transaction that began before the replay start are
        // not redone; its level changes are ignored too (§4.2).
        if (session.started) session.level = static_cast<uint8_t>(begin.levelBeginFrom + begin.levelsToBegin);
        return Status();
      }
      case LogRecordType::Commit:
      case LogRecordType::Commit0: {
        const auto& commit = *record.as<CommitRecord>();
        auto found = sessions_.find(commit.procid);
        if (found == sessions_.end() || !found->second.started) return Status();
        RecoveredSession& session = found->second;
        session.level = commit.levelCommitTo;
        if (commit.levelCommitTo == 0) {
          if (!session.changes.empty() || record.type == LogRecordType::Commit0) ++report.transactionsCommitted;
          session.changes.clear();
        } else {
          // The committed levels' changes now belong to the level below.
          for (UndoEntry& change : session.changes)
            if (change.level > commit.levelCommitTo) change.level = commit.levelCommitTo;
        }
        return Status();
      }
      case LogRecordType::Rollback: {
        const auto& rollback = *record.as<RollbackRecord>();
        auto found = sessions_.find(rollback.procid);
        if (found == sessions_.end() || !found->second.started) return Status();
        RecoveredSession& session = found->second;
        // The compensation was logged as Undo records (redone as page
        // records); the rolled-back levels' versions are gone.
        const uint8_t levels = rollback.levels == 0 ? 1 : rollback.levels;
        session.level = session.level > levels ? static_cast<uint8_t>(session.level - levels) : 0;
        std::erase_if(session.changes, [&](const UndoEntry& change) { return change.level > session.level; });
        return Status();
      }
      case LogRecordType::MacroBegin: {
        const auto& macro = *record.as<MacroRecord>();
        RecoveredSession& session = sessions_[macro.procid];
        if (!session.started) return Status();
        session.macroDbtime = macro.dbtime;
        session.macro.clear();
        return Status();
      }
      case LogRecordType::MacroCommit:
      case LogRecordType::MacroAbort: {
        const auto& macro = *record.as<MacroRecord>();
        auto found = sessions_.find(macro.procid);
        if (found == sessions_.end() || !found->second.macroDbtime) return Status();
        std::vector<BufferedRecord> buffered = std::move(found->second.macro);
        found->second.macro.clear();
        found->second.macroDbtime.reset();
        if (record.type == LogRecordType::MacroAbort) return Status();
        return applyMacro(macro.procid, buffered);
      }
      case LogRecordType::UndoInfo:
        onUndoInfo(record);
        return Status();
      case LogRecordType::Init2:
      case LogRecordType::Init:
      case LogRecordType::Term2:
      case LogRecordType::Term:
      case LogRecordType::RecoveryQuit2:
      case LogRecordType::RecoveryQuit:
      case LogRecordType::RecoveryQuitKeepAttachments:
        // A new engine lifetime or a clean end: every earlier session ended.
        sessions_.clear();
        return Status();
      default:
        break;
    }
    auto dbid = dbidOf(record);
    if (!dbid || !store::isDatabaseChange(record)) return Status();  // not a change to database pages
    auto found = databases_.find(*dbid);
    if (found == databases_.end()) return Status();  // database not attached at this point
    store::DatabaseStore& store = *found->second.store;
    if (position <= store.header().attachPosition) {  // attached later (§4 database gate)
      ++skippedBeforeAttach_;
      return Status();
    }
    auto procid = procidOf(record);
    if (procid && pagePrefix(record)) {
      RecoveredSession& session = sessions_[*procid];
      if (!session.started) {
        // Session gate (§4.2): only the running dbtime and objid move.
        store::noteSkippedRecord(store, record);
        ++report.pagesSkipped;
        ++skippedBySession_;
        return Status();
      }
      if (session.macroDbtime && pagePrefix(record)->dbtime == *session.macroDbtime) {
        session.macro.push_back(BufferedRecord{std::vector<uint8_t>(record.bytes.begin(), record.bytes.end()), position});
        return Status();
      }
    }
    if (record.type == LogRecordType::Undo) return onUndo(record, position, *dbid, found->second);
    auto effect = store::redoRecord(store, record, position);
    if (!effect.isOk()) return effect.status();  // names the database file, page and record
    countEffect(*effect);
    remember(record, position, *dbid, *effect);
    return Status();
  }

  void countEffect(const store::RedoEffect& effect) {
    if (effect.applied) {
      ++report.pagesRedone;
    } else {
      ++report.pagesSkipped;
    }
  }

  // Keeps what undo needs of a versioned node change of a running transaction.
  void remember(const LogRecord& record, LogPosition position, uint8_t dbid, const store::RedoEffect& effect) {
    const auto node = nodePrefix(record);
    auto procid = procidOf(record);
    if (!effect.tree || !node || !procid || !node->page.versioned()) return;
    auto session = sessions_.find(*procid);
    if (session == sessions_.end() || !session->second.inTransaction()) return;
    UndoEntry entry{dbid, record.type, *effect.tree, effect.key, effect.dataBefore, position};
    entry.level = node->page.level;
    entry.rceid = node->rceid;
    if (const auto* delta = record.as<DeltaRecord>()) {
      entry.delta = delta->delta;
      entry.valueOffset = delta->valueOffset;
      if (entry.key.empty()) entry.key.assign(delta->bookmarkKey.begin(), delta->bookmarkKey.end());
    }
    session->second.changes.push_back(std::move(entry));
  }

  // The buffered records of one macro, applied together (§4.3).
  Status applyMacro(uint16_t procid, const std::vector<BufferedRecord>& buffered) {
    if (buffered.empty()) return Status();
    std::vector<LogRecord> records;
    std::vector<LogPosition> positions;
    for (const BufferedRecord& one : buffered) {
      auto decoded = decodeLogRecord(one.bytes);
      if (!decoded.isOk()) return decoded.status().withContext("macro record at " + one.position.toString());
      records.push_back(std::move(*decoded));
      positions.push_back(one.position);
    }
    const uint8_t dbid = dbidOf(records.front()).value_or(0);
    auto found = databases_.find(dbid);
    if (found == databases_.end()) return Status();
    for (const LogRecord& record : records) {
      if (dbidOf(record).value_or(0) != dbid)
        return Status(JetError::InvalidLoggedOperation,
                      "the macro of session " + std::to_string(procid) + " at " + positions.front().toString() +
                          " changes more than one database");
    }
    auto effects = store::redoMacro(*found->second.store, records, positions);
    if (!effects.isOk()) return effects.status();
    for (size_t i = 0; i < effects->size() && i < records.size(); ++i) {
      countEffect((*effects)[i]);
      remember(records[i], positions[i], dbid, (*effects)[i]);
    }
    return Status();
  }

  // UndoInfo: the before-image of a change whose page was already on disk
  // (a deferred version, §4): it completes that change's undo entry.
  void onUndoInfo(const LogRecord& record) {
    const auto* info = record.as<UndoInfoRecord>();
    if (!info) return;
    auto session = sessions_.find(info->node.page.procid);
    if (session == sessions_.end() || !session->second.started) return;
    for (auto it = session->second.changes.rbegin(); it != session->second.changes.rend(); ++it) {
      if (it->rceid == info->node.rceid && it->dbid == info->node.page.dbid) {
        if (!it->dataBefore) it->dataBefore = std::vector<uint8_t>(info->beforeImage.begin(), info->beforeImage.end());
        if (it->key.empty()) {
          it->key.assign(info->bookmarkKey.begin(), info->bookmarkKey.end());
        }
        return;
      }
    }
  }

  // Undo (39): the logged compensation of a rolled-back change, redone on
  // its page with the version the change left (§4).
  Status onUndo(const LogRecord& record, LogPosition position, uint8_t dbid, RecoveredDatabase& database) {
    const auto* undo = record.as<UndoRecord>();
    store::UndoCompensation compensation;
    compensation.operation = undo->operation;
    auto session = sessions_.find(undo->node.page.procid);
    if (session != sessions_.end()) {
      auto& changes = session->second.changes;
      for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
        if (it->rceid != undo->node.rceid || it->dbid != dbid) continue;
        compensation.beforeImage = it->dataBefore;
        compensation.delta = it->delta;
        compensation.valueOffset = it->valueOffset;
        changes.erase(std::next(it).base());  // undone: not again at the end
        break;
      }
    }
    auto effect = store::redoUndoRecord(*database.store, record, position, compensation);
    if (!effect.isOk()) return effect.status();
    countEffect(*effect);
    return Status();
  }

  // Rolls back every session without a commit, logging the compensation.
  // Without a log (continueLog off) the compensation is applied unlogged.
  Status undo(EngineLog* log) {
    std::erase_if(sessions_, [](const auto& entry) {
      return !entry.second.inTransaction() && entry.second.changes.empty();
    });
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
      case LogRecordType::Delta:
      case LogRecordType::Delta64: {
        // Escrow undo: subtract what was added (§5), whatever other
        // committed deltas did to the counter since.
        auto current = store.find(change.tree, change.key);
        if (!current.isOk()) return current.status();
        if (!*current) return missingImage();
        std::vector<uint8_t> data = **current;
        const size_t width = change.type == LogRecordType::Delta64 ? 8 : 4;
        if (size_t{change.valueOffset} + width > data.size()) return missingImage();
        uint8_t* at = data.data() + change.valueOffset;
        if (width == 8)
          storeLittleEndian<uint64_t>(at, loadLittleEndian<uint64_t>(at) - static_cast<uint64_t>(change.delta));
        else
          storeLittleEndian<uint32_t>(at, loadLittleEndian<uint32_t>(at) - static_cast<uint32_t>(change.delta));
        return store.replace(change.tree, change.key, data, context);
      }
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

  bool hasOpenSessions() const {
    for (const auto& [procid, session] : sessions_)
      if (session.inTransaction() || !session.changes.empty()) return true;
    return false;
  }
  uint64_t skippedBySession() const { return skippedBySession_; }
  uint64_t skippedBeforeAttach() const { return skippedBeforeAttach_; }
  bool hasDatabases() const { return !databases_.empty(); }
  // A database still marked dirty needs its header made clean even when
  // the log ends clean and nothing was redone (e.g. a copy taken while it
  // was attached, its last records already on disk).
  bool hasDirtyDatabase() const {
    for (const auto& [dbid, database] : databases_)
      if (database.store->header().state != DatabaseState::CleanShutdown) return true;
    return false;
  }

  RecoveryReport report;
  Signature logSignature;

 private:
  const RecoveryOptions& options_;
  uint32_t pageSize_;
  RecoverySink& sink_;
  std::map<uint8_t, RecoveredDatabase> databases_;
  std::map<uint16_t, RecoveredSession> sessions_;
  uint64_t skippedBySession_ = 0;
  uint64_t skippedBeforeAttach_ = 0;
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
    if (Status status = replay.onRecord(*record, read.position); !status.isOk())
      return status.withContext("log file " + logReader.currentFile().string());
    lastPosition = read.position;
    if (options.progress && (replay.report.recordsReplayed & 4095) == 0) {
      options.progress(replay.report.recordsReplayed, read.position.generation);
    }
  }
  if (replay.report.pagesRedone == 0 && replay.report.recordsReplayed > 0) {
    replay.report.notes.push_back(
        "no page needed redo: every page the replayed log touches already holds its changes (dbtime rule, "
        "ese-format/log-records.md §4); " + std::to_string(replay.report.pagesSkipped) + " page records skipped, " +
        std::to_string(replay.skippedBySession()) + " of them of transactions begun before the replay start; " +
        std::to_string(replay.skippedBeforeAttach()) +
        " page records precede the database's attach position and do not apply to it");
  }
  const log::LogStreamTail tail = stoppedEarly ? log::LogStreamTail{} : logReader.tail();
  const bool cleanEnd = !stoppedEarly && tail.cleanEnd;
  const bool needed =
      !cleanEnd || replay.hasOpenSessions() || replay.report.pagesRedone > 0 || replay.hasDirtyDatabase();

  if (!needed && !stoppedEarly) {
    outcome.report = replay.report;
    outcome.report.end = tail.end;
    if (!options.continueLog) return outcome;
  } else if (!options.continueLog || stoppedEarly) {
    sink.unlogged = true;
    sink.unloggedPosition = lastPosition;
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
