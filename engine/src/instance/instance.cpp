// Instance lifetime: options, the log stream, databases, sessions, commits
// and checkpoints (instance_impl.h describes how they fit).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "esekit/format/log_record_encode.h"
#include "instance/instance_impl.h"
#include "instance/recovery.h"
#include "log/checkpoint_file.h"
#include "log/log_writer.h"

namespace esekit::engine {
namespace {

constexpr size_t kMaxDatabases = 6;  // dbids 1..6, as ESE's dbidMax - 1
constexpr uint16_t kSystemProcid = 0;

Status validate(const InstanceOptions& options) {
  if (options.logDirectory.empty()) return Status(JetError::InvalidParameter, "InstanceOptions::logDirectory is empty");
  const std::string& base = options.baseName;
  if (base.size() != 3 || !std::all_of(base.begin(), base.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); })) {
    return Status(JetError::InvalidParameter, "base name '" + base + "': must be 3 letters or digits (JET_paramBaseName)");
  }
  if (options.logFileSize % 4096 != 0 || options.logFileSize < 64 * 1024 || options.logFileSize > (1u << 30)) {
    return Status(JetError::InvalidParameter, "log file size " + std::to_string(options.logFileSize) +
                                                  ": a multiple of 4096 from 64 KiB to 1 GiB");
  }
  const uint32_t page = options.pageSize;
  if (page != 4096 && page != 8192 && page != 16384 && page != 32768) {
    return Status(JetError::InvalidParameter, "page size " + std::to_string(page) + ": 4096, 8192, 16384 or 32768");
  }
  return Status();
}

Status ensureDirectory(const std::filesystem::path& path, bool create) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) return Status();
  if (!create) return Status(JetError::InvalidPath, path.string() + ": no such directory");
  std::filesystem::create_directories(path, error);
  if (error) return Status(JetError::InvalidPath, path.string() + ": cannot create: " + error.message());
  return Status();
}


// A page may reach the disk only once the header requires the generation of
// its newest change (database-header.md §6, log-records.md §4: redo refuses a
// page past the header's max required generation). The header was written
// after the pages, so a crash in between left pages of a newer generation
// under an older lGenMaxRequired (JET_errDbTimeBeyondMaxRequired at
// recovery): raise it first. The caller holds the database latch.
Status requireGenerationBeforeFlush(store::DatabaseStore& store, int32_t generation) {
  DatabaseHeader header = store.header();
  if (header.maxRequiredGeneration >= generation) return Status::ok();
  header.maxRequiredGeneration = generation;
  header.maxCommittedGeneration = std::max(header.maxCommittedGeneration, generation);
  return store.writeHeader(header);
}
}  // namespace

// --- InstanceImpl -------------------------------------------------------------

InstanceImpl::~InstanceImpl() {
  if (!stopped) (void)shutdown();
  if (lockFd_ >= 0) ::close(lockFd_);
}

std::filesystem::path InstanceImpl::checkpointPath() const {
  const auto& dir = options.systemDirectory.empty() ? options.logDirectory : options.systemDirectory;
  return dir / (options.baseName + ".chk");
}

DbmsParameters InstanceImpl::dbmsParameters() const {
  DbmsParameters parameters;
  auto copyPath = [](const std::filesystem::path& path, auto& field) {
    std::string text = path.string();
    if (!text.empty() && text.back() != '/') text += '/';
    std::copy_n(text.begin(), std::min(text.size(), field.size() - 1), field.begin());
  };
  copyPath(options.systemDirectory.empty() ? options.logDirectory : options.systemDirectory, parameters.systemPath);
  copyPath(options.logDirectory, parameters.logFilePath);
  parameters.flags = options.circularLogging ? DbmsParameters::kFlagCircularLogging : 0;
  parameters.sessionsMax = 32767;
  parameters.openTablesMax = 1024;
  parameters.versionPagesMax = 1024;
  parameters.cursorsMax = 4096;
  parameters.logBuffers = 1024;
  parameters.logFileSectors = options.logFileSize / 4096;
  parameters.cacheSizeMax = static_cast<uint32_t>(options.cacheSize / options.pageSize);
  return parameters;
}

std::vector<AttachInfo> InstanceImpl::attachList() const {
  std::lock_guard lock(databasesMutex_);
  std::vector<AttachInfo> list;
  for (const auto& database : databases_) {
    if (!database) continue;
    const DatabaseHeader& header = database->store->header();
    AttachInfo info;
    info.dbid = database->store->dbid();
    info.flags = AttachInfo::kFlagUnicodeNames;
    info.dbtime = database->store->dbtime();
    info.lastObjectId = database->store->lastObjectId();
    info.attachPosition = header.attachPosition;
    info.consistentPosition = header.consistentPosition;
    info.databaseSignature = header.databaseSignature;
    info.nameBytes = loggedPathUtf16(database->path.string());
    info.nameBytes.push_back(0);
    info.nameBytes.push_back(0);
    list.push_back(std::move(info));
  }
  return list;
}

Status InstanceImpl::start() {
  ESEKIT_RETURN_IF_ERROR(validate(options));
  ESEKIT_RETURN_IF_ERROR(ensureDirectory(options.logDirectory, options.createPathsIfMissing));
  if (!options.systemDirectory.empty()) {
    ESEKIT_RETURN_IF_ERROR(ensureDirectory(options.systemDirectory, options.createPathsIfMissing));
  }
  // One process per log stream: an advisory lock on the log directory.
  lockFd_ = ::open(options.logDirectory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lockFd_ < 0) return Status(JetError::InvalidPath, options.logDirectory.string() + ": cannot open");
  if (::flock(lockFd_, LOCK_EX | LOCK_NB) != 0) {
    return Status(JetError::FileAccessDenied,
                  options.logDirectory.string() + ": the log stream is in use by another instance");
  }

  RecoveryOptions recoveryOptions;
  recoveryOptions.logDirectory = options.logDirectory;
  recoveryOptions.systemDirectory = options.systemDirectory;
  recoveryOptions.baseName = options.baseName;
  recoveryOptions.cacheSize = options.cacheSize;
  RecoveryEnvironment environment;
  environment.pageSize = options.pageSize;
  environment.writerOptions = [this](const LogFileHeader&) {
    return EngineLog::writerOptionsFor(options, dbmsParameters(), [this] { return attachList(); });
  };
  auto recovered = runRecovery(recoveryOptions, environment);
  if (!recovered.isOk()) return recovered.status();
  recoveryReport = recovered->report;
  log = std::move(recovered->log);  // nullptr: no log stream yet
  if (!log) {
    auto created = EngineLog::create(options, dbmsParameters(), [this] { return attachList(); });
    if (!created.isOk()) return created.status();
    log = std::move(*created);
  }
  auto init = log->append(makeInit2(dbmsParameters(), log::currentLogTime()));
  if (!init.isOk()) return init.status();
  ESEKIT_RETURN_IF_ERROR(log->flushAll());
  {
    std::lock_guard lock(checkpointWakeMutex_);
    lastCheckpoint_ = log->end();
  }
  ESEKIT_RETURN_IF_ERROR(writeCheckpoint(lastCheckpointPosition()));
  logBytesAtCheckpoint_ = log->bytesAppended();
  checkpointThread_ = std::thread([this] { checkpointThreadMain(); });
  return Status();
}

Status InstanceImpl::writeCheckpointAt(EngineLog& stream, LogPosition position) {
  Checkpoint checkpoint;
  checkpoint.checkpoint = position;
  checkpoint.databaseConsistencyPosition = position;
  checkpoint.logSignature = stream.signature();
  checkpoint.dbmsParameters = dbmsParameters();
  checkpoint.version = kCheckpointVersionHasAttachList;
  ESEKIT_RETURN_IF_ERROR(setAttachments(checkpoint, attachList()));
  return log::writeCheckpointFile(checkpointPath(), checkpoint);
}

void InstanceImpl::checkpointThreadMain() {
  std::unique_lock lock(checkpointWakeMutex_);
  while (!checkpointThreadStop_) {
    checkpointWake_.wait_for(lock, std::chrono::seconds(1));
    if (checkpointThreadStop_) break;
    const bool deep = log->bytesAppended() - logBytesAtCheckpoint_ >= options.checkpointDepth;
    if (!checkpointWanted_ && !deep) continue;
    checkpointWanted_ = false;
    lock.unlock();
    (void)checkpoint();  // a failure shows at the next commit or at shutdown
    lock.lock();
  }
}

Status InstanceImpl::checkpoint() {
  std::unique_lock commitLock(commitMutex_);
  freezeGate.waitWritable(commitLock);
  if (stopped) return Status(JetError::TermInProgress, "the instance is shut down");
  return checkpointLocked();
}

Status InstanceImpl::checkpointLocked() {
  if (fatal_.has_value()) return *fatal_;
  // Between commits: every logged change belongs to a finished transaction.
  for (const auto& database : attached()) {
    std::unique_lock gate(flushGate);
    std::unique_lock latch(database->latch);
    ESEKIT_RETURN_IF_ERROR(requireGenerationBeforeFlush(*database->store, log->end().generation));
    ESEKIT_RETURN_IF_ERROR(database->store->flush());
  }
  const LogPosition position = log->end();
  ESEKIT_RETURN_IF_ERROR(log->flushUpTo(position));
  // Database headers name the logs recovery needs (database-header.md §6).
  for (const auto& database : attached()) {
    std::unique_lock latch(database->latch);
    DatabaseHeader header = database->store->header();
    header.minRequiredGeneration = std::max<int32_t>(header.minRequiredGeneration, position.generation);
    header.minConsistentGeneration = header.minRequiredGeneration;
    header.maxRequiredGeneration = position.generation;
    header.maxCommittedGeneration = position.generation;
    header.dbtimeDirtied = database->store->dbtime();
    header.lastObjectId = database->store->lastObjectId();
    ESEKIT_RETURN_IF_ERROR(database->store->writeHeader(header));
  }
  ESEKIT_RETURN_IF_ERROR(writeCheckpoint(position));
  {
    std::lock_guard lock(checkpointWakeMutex_);
    lastCheckpoint_ = position;
  }
  logBytesAtCheckpoint_ = log->bytesAppended();
  ++checkpoints;
  if (options.circularLogging) {
    int32_t before = position.generation;
    if (backupInProgress) before = std::min(before, backupFloor.load());
    ESEKIT_RETURN_IF_ERROR(log->deleteGenerationsBefore(static_cast<uint32_t>(before)));
  }
  return Status();
}

Status InstanceImpl::markClean(DatabaseImpl& database, LogPosition position) {
  DatabaseHeader header = database.store->header();
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
  header.dbtimeDirtied = database.store->dbtime();
  header.lastObjectId = database.store->lastObjectId();
  return database.store->writeHeader(header);
}

Status InstanceImpl::shutdown() {
  if (stopped) return Status();
  {
    std::lock_guard lock(checkpointWakeMutex_);
    checkpointThreadStop_ = true;
  }
  checkpointWake_.notify_all();
  if (checkpointThread_.joinable()) checkpointThread_.join();

  std::unique_lock commitLock(commitMutex_);
  freezeGate.waitWritable(commitLock);
  stopped = true;
  if (!log) return Status();
  if (fatal_.has_value()) {
    // Pages in memory may hold a half-applied commit: leave the files to recovery.
    (void)log->close();
    return *fatal_;
  }
  Status result;
  for (const auto& database : attached()) {
    std::unique_lock gate(flushGate);
    std::unique_lock latch(database->latch);
    Status flushed = requireGenerationBeforeFlush(*database->store, log->end().generation);
    if (flushed.isOk()) flushed = database->store->flush();
    if (!flushed.isOk() && result.isOk()) result = flushed;
  }
  if (!result.isOk()) return result;
  auto mark = log->append(makeShutDownMark());
  if (!mark.isOk()) return mark.status();
  ESEKIT_RETURN_IF_ERROR(log->flushAll());
  for (const auto& database : attached()) {
    std::unique_lock latch(database->latch);
    ESEKIT_RETURN_IF_ERROR(markClean(*database, *mark));
    database->detached = true;
  }
  const LogPosition redoFrom = lastCheckpointPosition();
  auto term = log->append(makeTerm2(redoFrom, redoFrom, 0, log::currentLogTime()));
  if (!term.isOk()) return term.status();
  ESEKIT_RETURN_IF_ERROR(log->flushAll());
  {
    std::lock_guard lock(databasesMutex_);
    databases_.clear();
  }
  ESEKIT_RETURN_IF_ERROR(writeCheckpoint(*term));
  return log->close();
}

std::vector<std::shared_ptr<DatabaseImpl>> InstanceImpl::attached() const {
  std::lock_guard lock(databasesMutex_);
  std::vector<std::shared_ptr<DatabaseImpl>> list;
  for (const auto& database : databases_) {
    if (database) list.push_back(database);
  }
  return list;
}

Result<std::shared_ptr<DatabaseImpl>> InstanceImpl::findDatabase(const std::filesystem::path& path) const {
  const auto wanted = std::filesystem::weakly_canonical(path);
  for (const auto& database : attached()) {
    if (database->path == wanted) return database;
  }
  return Status(JetError::DatabaseNotFound, path.string() + " is not attached to this instance");
}

Status InstanceImpl::attachOpened(std::shared_ptr<DatabaseImpl> database, bool created) {
  (void)created;
  auto tables = table::TableStore::load(*database->store);
  if (!tables.isOk()) return tables.status();
  database->tables = std::move(*tables);
  std::lock_guard lock(databasesMutex_);
  const size_t slot = database->store->dbid() - 1u;
  if (databases_.size() <= slot) databases_.resize(slot + 1);
  databases_[slot] = std::move(database);
  return Status();
}

namespace {
Result<uint8_t> freeDbid(const std::vector<std::shared_ptr<DatabaseImpl>>& databases) {
  for (size_t i = 0; i < kMaxDatabases; ++i) {
    if (i >= databases.size() || !databases[i]) return static_cast<uint8_t>(i + 1);
  }
  return Status(JetError::TooManyActiveUsers, "at most 6 databases can be attached to one instance");
}
}  // namespace

Result<std::shared_ptr<DatabaseImpl>> InstanceImpl::createDatabase(const std::filesystem::path& requested) {
  std::unique_lock commitLock(commitMutex_);
  freezeGate.waitWritable(commitLock);
  if (stopped) return Status(JetError::TermInProgress, "the instance is shut down");
  if (fatal_.has_value()) return *fatal_;
  std::error_code error;
  if (std::filesystem::exists(requested, error)) {
    return Status(JetError::DatabaseDuplicate, requested.string() + ": file exists");
  }
  const auto path = std::filesystem::weakly_canonical(requested);
  uint8_t dbid;
  {
    std::lock_guard lock(databasesMutex_);
    auto free = freeDbid(databases_);
    if (!free.isOk()) return free.status();
    dbid = *free;
  }
  store::CreateParameters params;
  params.databaseSignature = log::newLogSignature(log::currentLogTime());
  params.logSignature = log->signature();
  const std::vector<uint8_t> name = loggedPathUtf16(path.string());
  auto created = log->append(makeCreateDatabase(kSystemProcid, dbid, 0, 0, params.databaseSignature, name));
  if (!created.isOk()) return created.status();
  params.attachPosition = *created;
  ESEKIT_RETURN_IF_ERROR(log->flushUpTo(log->end()));

  store::StoreOptions storeOptions;
  storeOptions.path = path;
  storeOptions.dbid = dbid;
  storeOptions.pageSize = options.pageSize;
  storeOptions.cleanCacheBytes = options.cacheSize;
  storeOptions.log = log.get();
  auto store = store::DatabaseStore::create(storeOptions, params);
  if (!store.isOk()) return store.status();
  auto database = std::make_shared<DatabaseImpl>(*this, path);
  database->store = std::move(*store);
  auto finish = log->append(makeCreateDatabaseFinish(kSystemProcid, dbid));
  if (!finish.isOk()) return finish.status();
  ESEKIT_RETURN_IF_ERROR(log->flushUpTo(log->end()));
  ESEKIT_RETURN_IF_ERROR(attachOpened(database, true));
  return database;
}

Result<std::shared_ptr<DatabaseImpl>> InstanceImpl::attachDatabase(const std::filesystem::path& requested) {
  std::unique_lock commitLock(commitMutex_);
  freezeGate.waitWritable(commitLock);
  if (stopped) return Status(JetError::TermInProgress, "the instance is shut down");
  if (fatal_.has_value()) return *fatal_;
  const auto path = std::filesystem::weakly_canonical(requested);
  for (const auto& database : attached()) {
    if (database->path == path) return Status(JetError::DatabaseInUse, path.string() + " is already attached");
  }
  if (!std::filesystem::exists(path)) return Status(JetError::FileNotFound, path.string() + ": no such database");
  uint8_t dbid;
  {
    std::lock_guard lock(databasesMutex_);
    auto free = freeDbid(databases_);
    if (!free.isOk()) return free.status();
    dbid = *free;
  }
  store::StoreOptions storeOptions;
  storeOptions.path = path;
  storeOptions.dbid = dbid;
  storeOptions.pageSize = options.pageSize;
  storeOptions.cleanCacheBytes = options.cacheSize;
  storeOptions.log = log.get();
  auto store = store::DatabaseStore::open(storeOptions);
  if (!store.isOk()) return store.status();
  DatabaseHeader header = (*store)->header();
  if (header.state != DatabaseState::CleanShutdown) {
    return Status(JetError::DatabaseInconsistent,
                  path.string() + ": not in clean shutdown state; run recovery (esekit recover) with its logs first");
  }
  if (header.pageSize() != options.pageSize) {
    return Status(JetError::PageSizeMismatch, path.string() + ": page size " + std::to_string(header.pageSize()) +
                                                  ", the instance uses " + std::to_string(options.pageSize));
  }
  const std::vector<uint8_t> name = loggedPathUtf16(path.string());
  auto attachRecord = log->append(makeAttachDatabase(kSystemProcid, dbid, 0, header.consistentPosition,
                                                     header.databaseSignature, log->signature(), name));
  if (!attachRecord.isOk()) return attachRecord.status();
  ESEKIT_RETURN_IF_ERROR(log->flushUpTo(log->end()));
  // database-header.md §10: attach of a logged database.
  if (!(header.logSignature == log->signature())) {
    header.previousFullBackup = {};
    header.previousIncrementalBackup = {};
    header.previousCopyBackup = {};
    header.previousDifferentialBackup = {};
    header.consistentPosition = {};
    header.logSignature = log->signature();
  }
  header.currentFullBackup = {};
  header.currentSnapshotBackup = {};
  header.attachPosition = *attachRecord;
  header.attachTime = log::currentLogTime();
  header.detachPosition = {};
  header.detachTime = {};
  header.dbid = dbid;
  header.state = DatabaseState::DirtyShutdown;
  header.minRequiredGeneration = attachRecord->generation;
  header.minConsistentGeneration = attachRecord->generation;
  header.maxRequiredGeneration = attachRecord->generation;
  header.maxCommittedGeneration = attachRecord->generation;
  ESEKIT_RETURN_IF_ERROR((*store)->writeHeader(header));
  auto database = std::make_shared<DatabaseImpl>(*this, path);
  database->store = std::move(*store);
  ESEKIT_RETURN_IF_ERROR(attachOpened(database, false));
  return database;
}

Status InstanceImpl::detachDatabase(const std::filesystem::path& requested) {
  std::unique_lock commitLock(commitMutex_);
  freezeGate.waitWritable(commitLock);
  if (fatal_.has_value()) return *fatal_;
  auto found = findDatabase(requested);
  if (!found.isOk()) return found.status();
  std::shared_ptr<DatabaseImpl> database = *found;
  if (backupInProgress) return Status(JetError::BackupInProgress, "cannot detach " + database->path.string() + " during a backup");
  std::unique_lock gate(flushGate);
  std::unique_lock latch(database->latch);
  ESEKIT_RETURN_IF_ERROR(requireGenerationBeforeFlush(*database->store, log->end().generation));
  ESEKIT_RETURN_IF_ERROR(database->store->flush());
  const std::vector<uint8_t> name = loggedPathUtf16(database->path.string());
  auto detach = log->append(makeDetachDatabase(kSystemProcid, database->store->dbid(), name));
  if (!detach.isOk()) return detach.status();
  ESEKIT_RETURN_IF_ERROR(log->flushUpTo(log->end()));
  ESEKIT_RETURN_IF_ERROR(markClean(*database, *detach));
  database->detached = true;
  std::lock_guard lock(databasesMutex_);
  databases_[database->store->dbid() - 1u].reset();
  return Status();
}

// --- sessions, snapshots, commits ------------------------------------------------

Result<std::unique_ptr<SessionImpl>> InstanceImpl::newSession() {
  if (stopped) return Status(JetError::TermInProgress, "the instance is shut down");
  std::lock_guard lock(sessionsMutex_);
  uint16_t procid = 1;
  for (uint16_t used : procids_) {
    if (used != procid) break;
    ++procid;
  }
  if (procid > 32767) return Status(JetError::TooManyActiveUsers, "32767 sessions are open");
  procids_.insert(procid);
  return std::make_unique<SessionImpl>(*this, procid);
}

void InstanceImpl::endSession(uint16_t procid) {
  std::lock_guard lock(sessionsMutex_);
  procids_.erase(procid);
}

uint64_t InstanceImpl::takeSnapshot() {
  // Not during a commit's apply: the committer decides whether to keep
  // versions from the snapshots open when it starts (hasOtherSnapshots).
  std::lock_guard apply(applyMutex_);
  std::lock_guard lock(snapshotMutex_);
  const uint64_t snapshot = commitCounter.load();
  snapshots_.insert(snapshot);
  return snapshot;
}

void InstanceImpl::dropSnapshot(uint64_t snapshot) {
  std::lock_guard lock(snapshotMutex_);
  auto it = snapshots_.find(snapshot);
  if (it != snapshots_.end()) snapshots_.erase(it);
}

uint64_t InstanceImpl::oldestSnapshot() const {
  std::lock_guard lock(snapshotMutex_);
  return snapshots_.empty() ? commitCounter.load() : *snapshots_.begin();
}

bool InstanceImpl::hasOtherSnapshots() const {
  std::lock_guard lock(snapshotMutex_);
  return snapshots_.size() > 1;
}

Result<LogPosition> InstanceImpl::runCommit(uint16_t procid,
                                            const std::function<Status(const store::OperationContext&)>& apply) {
  std::unique_lock commitLock(commitMutex_);
  freezeGate.waitWritable(commitLock);  // an OS snapshot freeze holds commits (snapshot_support.h)
  if (stopped) return Status(JetError::TermInProgress, "the instance is shut down");
  if (fatal_.has_value()) return *fatal_;
  const uint32_t trxBegin0 = ++trxCounter_;
  auto begin = log->append(makeBegin0(procid, trxBegin0));
  if (!begin.isOk()) return begin.status();  // nothing applied: the transaction simply failed
  log->setInCommit(true);
  struct EndCommit {
    EngineLog& log;
    ~EndCommit() { log.setInCommit(false); }
  } endCommit{*log};
  store::OperationContext context;
  context.procid = procid;
  context.trxBegin0 = trxBegin0;
  context.level = 1;
  context.versioned = true;
  Status applied;
  {
    std::lock_guard applyLock(applyMutex_);
    applied = apply(context);
  }
  if (!applied.isOk()) {
    // Some changes may be on pages in memory: they are logged without a
    // commit, so recovery undoes them. Refuse further work until then.
    fatal_ = Status(JetError::InstanceUnavailable,
                    "a commit failed half-way (" + applied.toString() + "); shut down and reopen to recover");
    return applied;
  }
  const uint32_t trxCommit0 = ++trxCounter_;
  auto commit = log->append(makeCommit0(procid, trxCommit0));
  if (!commit.isOk()) {
    fatal_ = Status(JetError::InstanceUnavailable,
                    "the commit record could not be logged (" + commit.status().toString() + "); reopen to recover");
    return commit.status();
  }
  commitCounter.fetch_add(1);
  ++commits;
  const LogPosition end = log->end();
  if (log->bytesAppended() - logBytesAtCheckpoint_ >= options.checkpointDepth) {
    std::lock_guard lock(checkpointWakeMutex_);
    checkpointWanted_ = true;
    checkpointWake_.notify_one();
  }
  commitLock.unlock();
  if ((commitCounter.load() & 63) == 0) collectVersions();
  return end;
}

void InstanceImpl::collectVersions() {
  const uint64_t oldest = oldestSnapshot();
  for (const auto& database : attached()) {
    std::lock_guard lock(database->tableMapMutex);
    for (auto& [objid, table] : database->tableHandles) {
      if (table->versions.versionCount() > 0) table->versions.collect(oldest);
    }
  }
}

Status InstanceImpl::waitDurable(LogPosition position) { return log->flushUpTo(position); }

// --- public Instance ------------------------------------------------------------

Instance::Instance(std::unique_ptr<InstanceImpl> impl) : impl_(std::move(impl)) {}
Instance::~Instance() = default;

Result<std::unique_ptr<Instance>> Instance::open(const InstanceOptions& options) {
  auto impl = std::make_unique<InstanceImpl>(options);
  Status started = impl->start();
  if (!started.isOk()) {
    impl->stopped = true;  // nothing to shut down cleanly
    return started;
  }
  return std::unique_ptr<Instance>(new Instance(std::move(impl)));
}

Status Instance::shutdown() { return impl_->shutdown(); }

Result<Database> Instance::createDatabase(const std::filesystem::path& path) {
  auto database = impl_->createDatabase(path);
  if (!database.isOk()) return database.status();
  return Database(*database);
}

Result<Database> Instance::attachDatabase(const std::filesystem::path& path) {
  auto database = impl_->attachDatabase(path);
  if (!database.isOk()) return database.status();
  return Database(*database);
}

Status Instance::detachDatabase(const std::filesystem::path& path) { return impl_->detachDatabase(path); }

Result<Database> Instance::database(const std::filesystem::path& path) const {
  auto database = impl_->findDatabase(path);
  if (!database.isOk()) return database.status();
  return Database(*database);
}

std::vector<Database> Instance::databases() const {
  std::vector<Database> list;
  for (auto& database : impl_->attached()) list.push_back(Database(database));
  return list;
}

Result<std::unique_ptr<Session>> Instance::beginSession() {
  auto session = impl_->newSession();
  if (!session.isOk()) return session.status();
  return std::unique_ptr<Session>(new Session(std::move(*session)));
}

Status Instance::flushLog() {
  if (impl_->stopped) return Status(JetError::TermInProgress, "the instance is shut down");
  return impl_->log->flushAll();
}

Status Instance::checkpoint() { return impl_->checkpoint(); }
const RecoveryReport& Instance::recovery() const { return impl_->recoveryReport; }
const InstanceOptions& Instance::options() const { return impl_->options; }

InstanceStats Instance::stats() const {
  InstanceStats stats;
  if (impl_->log) {
    stats.logEnd = impl_->log->end();
    stats.currentGeneration = impl_->log->currentGeneration();
    stats.durableFlushes = impl_->log->flushCount();
  }
  stats.checkpoint = impl_->lastCheckpointPosition();
  stats.commits = impl_->commits;
  stats.checkpoints = impl_->checkpoints;
  for (auto& database : impl_->attached()) {
    stats.dirtyPages += database->store->dirtyPages();
    stats.cachedPages += database->store->cachedPages();
  }
  return stats;
}

}  // namespace esekit::engine
