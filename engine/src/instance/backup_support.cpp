// BackupSession: the instance side of online backup (backup_support.h).
#include "esekit/engine/backup_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "esekit/format/log_file.h"
#include "esekit/format/log_record_encode.h"
#include "instance/changed_pages.h"
#include "instance/instance_impl.h"
#include "log/log_writer.h"

namespace esekit::engine {
namespace {

// Backup2 phases and scopes, log-records.md §3.8.
constexpr uint8_t kPhaseBegin = 1;
constexpr uint8_t kPhasePrepareLogs = 2;
constexpr uint8_t kPhaseTruncate = 3;
constexpr uint8_t kPhaseUpdate = 4;
constexpr uint8_t kPhaseAbort = 5;

uint8_t scopeOf(BackupSession::Slot slot) {
  switch (slot) {
    case BackupSession::Slot::Full: return 1;
    case BackupSession::Slot::Incremental: return 2;
    case BackupSession::Slot::Copy: return 5;
    case BackupSession::Slot::Differential: return 6;
  }
  return 0;
}

// Caller holds the commit mutex (EngineLog's in-commit flag is guarded by it).
Result<LogPosition> logBackup2(InstanceImpl& impl, uint8_t phase, uint8_t scope, uint8_t dbid, const BackupInfo& details) {
  LogRecord record;
  record.type = LogRecordType::Backup2;
  Backup2Record body;
  body.phase = phase;
  body.scope = scope;
  body.dbid = dbid;
  body.details = details;
  record.body = body;
  return impl.log->append(record);
}

// Lowest archived generation of the stream in the log directory (0 if none).
int32_t lowestArchivedGeneration(const InstanceOptions& options) {
  int32_t lowest = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(options.logDirectory, error)) {
    auto name = parseLogFileName(entry.path().filename().string());
    if (!name || name->role != LogFileRole::Archived || name->baseName != options.baseName) continue;
    if (lowest == 0 || name->generation < lowest) lowest = name->generation;
  }
  return lowest;
}

}  // namespace

struct BackupSession::State {
  InstanceImpl* instance = nullptr;
  LogPosition checkpoint;
  LogPosition mark;
  LogTime markTime;
  LogPosition prepareMark;
  LogTime prepareTime;
  std::vector<std::filesystem::path> tracked;  // databases with a changed-page epoch (changed_pages.h)
};

BackupSession::BackupSession(std::unique_ptr<State> state) : state_(std::move(state)) {}

Result<std::unique_ptr<BackupSession>> BackupSession::begin(Instance& instance) {
  InstanceImpl& impl = instance.impl();
  std::lock_guard commit(impl.commitMutex());
  if (impl.stopped) return Status(JetError::TermInProgress, "the instance is shut down");
  if (!impl.log) return Status(JetError::LoggingDisabled, "the instance has no log stream");
  bool expected = false;
  if (!impl.backupInProgress.compare_exchange_strong(expected, true)) {
    return Status(JetError::BackupInProgress, "a backup of this instance is already running");
  }
  auto state = std::make_unique<State>();
  state->instance = &impl;
  state->checkpoint = impl.lastCheckpointPosition();
  impl.backupFloor = state->checkpoint.generation;
  state->markTime = log::currentLogTime();
  BackupInfo details;
  details.markTime = state->markTime;
  details.generationLow = static_cast<uint32_t>(state->checkpoint.generation);
  auto mark = logBackup2(impl, kPhaseBegin, 0, 0, details);
  if (!mark.isOk()) {
    impl.backupInProgress = false;
    return mark.status();
  }
  state->mark = *mark;
  for (const auto& database : impl.attached()) {
    changed_pages::beginEpoch(database->path, state->mark);
    state->tracked.push_back(database->path);
  }
  return std::unique_ptr<BackupSession>(new BackupSession(std::move(state)));
}

BackupSession::~BackupSession() {
  if (!state_) return;
  for (const auto& path : state_->tracked) changed_pages::abandonEpoch(path);
  if (state_->instance) state_->instance->backupInProgress = false;
}

int32_t BackupSession::startGeneration() const { return state_->checkpoint.generation; }
LogPosition BackupSession::checkpointAtStart() const { return state_->checkpoint; }
LogPosition BackupSession::mark() const { return state_->mark; }
LogTime BackupSession::markTime() const { return state_->markTime; }
bool BackupSession::circularLogging() const { return state_->instance->options.circularLogging; }
const Signature& BackupSession::logSignature() const { return state_->instance->log->signature(); }
const std::filesystem::path& BackupSession::logDirectory() const { return state_->instance->options.logDirectory; }
const std::string& BackupSession::baseName() const { return state_->instance->options.baseName; }
uint32_t BackupSession::logFileSize() const { return state_->instance->options.logFileSize; }

std::vector<BackupDatabaseInfo> BackupSession::databases() const {
  std::vector<BackupDatabaseInfo> list;
  for (const auto& database : state_->instance->attached()) {
    list.push_back(BackupDatabaseInfo{database->path, database->store->dbid(), database->store->pageSize()});
  }
  return list;
}

Result<DatabaseHeader> BackupSession::databaseHeader(const BackupDatabaseInfo& database) const {
  for (const auto& attached : state_->instance->attached()) {
    if (attached->path != database.path) continue;
    std::shared_lock latch(attached->latch);
    return attached->store->header();
  }
  return Status(JetError::DatabaseNotFound, database.path.string() + " is not attached to this instance");
}

Result<uint64_t> BackupSession::databaseFileSize(const BackupDatabaseInfo& database) {
  std::shared_lock gate(state_->instance->flushGate);
  std::error_code error;
  const uint64_t size = std::filesystem::file_size(database.path, error);
  if (error) return Status(JetError::DiskIO, database.path.string() + ": " + error.message());
  return size;
}

Result<size_t> BackupSession::readDatabase(const BackupDatabaseInfo& database, uint64_t offset, std::span<uint8_t> out) {
  std::shared_lock gate(state_->instance->flushGate);
  const int fd = ::open(database.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status(JetError::FileNotFound, database.path.string() + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      return Status(JetError::DiskIO, database.path.string() + " at offset " + std::to_string(offset + done) + ": " +
                                          std::strerror(saved));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return done;
}

Result<int32_t> BackupSession::rollLog() {
  InstanceImpl& impl = *state_->instance;
  std::lock_guard commit(impl.commitMutex());
  if (impl.stopped) return Status(JetError::BackupAbortByServer, "the instance was shut down during the backup");
  BackupInfo details;
  details.markTime = log::currentLogTime();
  auto prepare = logBackup2(impl, kPhasePrepareLogs, 0, 0, details);
  if (!prepare.isOk()) return prepare.status();
  state_->prepareMark = *prepare;
  state_->prepareTime = details.markTime;
  ESEKIT_RETURN_IF_ERROR(impl.log->flushAll());
  const int32_t finished = static_cast<int32_t>(impl.log->currentGeneration());
  ESEKIT_RETURN_IF_ERROR(impl.log->writer().rollover());
  return finished;
}

LogPosition BackupSession::prepareLogsMark() const { return state_->prepareMark; }
LogTime BackupSession::prepareLogsTime() const { return state_->prepareTime; }
int32_t BackupSession::currentGeneration() const { return static_cast<int32_t>(state_->instance->log->currentGeneration()); }
int32_t BackupSession::checkpointGeneration() const { return state_->instance->lastCheckpointPosition().generation; }

Result<int32_t> BackupSession::truncateLogs(int32_t before) {
  InstanceImpl& impl = *state_->instance;
  std::lock_guard commit(impl.commitMutex());
  if (impl.stopped) return Status(JetError::BackupAbortByServer, "the instance was shut down during the backup");
  const int32_t limit = std::max(std::min(before, impl.lastCheckpointPosition().generation), 0);
  const int32_t lowest = lowestArchivedGeneration(impl.options);
  if (lowest != 0 && lowest < limit) {
    BackupInfo range;
    range.generationLow = static_cast<uint32_t>(lowest);
    range.generationHigh = static_cast<uint32_t>(limit);
    range.markTime = log::currentLogTime();
    auto logged = logBackup2(impl, kPhaseTruncate, 0, 0, range);
    if (!logged.isOk()) return logged.status();
    ESEKIT_RETURN_IF_ERROR(impl.log->flushAll());
  }
  ESEKIT_RETURN_IF_ERROR(impl.log->deleteGenerationsBefore(static_cast<uint32_t>(limit)));
  return limit;
}

Status BackupSession::recordInHeaders(Slot slot, const BackupInfo& info, const std::vector<uint8_t>& dbids) {
  InstanceImpl& impl = *state_->instance;
  std::lock_guard commit(impl.commitMutex());
  if (impl.stopped) return Status(JetError::BackupAbortByServer, "the instance was shut down during the backup");
  for (const auto& database : impl.attached()) {
    const uint8_t dbid = database->store->dbid();
    if (!dbids.empty() && std::find(dbids.begin(), dbids.end(), dbid) == dbids.end()) continue;
    auto logged = logBackup2(impl, kPhaseUpdate, scopeOf(slot), dbid, info);
    if (!logged.isOk()) return logged.status();
    std::unique_lock latch(database->latch);
    DatabaseHeader header = database->store->header();
    // database-header.md §7: never overwrite a newer backup's record.
    auto newer = [&](const BackupInfo& stored) { return stored.mark > info.mark; };
    switch (slot) {
      case Slot::Full:
        if (newer(header.previousFullBackup)) continue;
        header.previousFullBackup = info;
        header.previousFullBackupType = BackupType::Normal;
        header.previousIncrementalBackup = {};
        header.previousIncrementalBackupType = BackupType::Normal;
        header.previousDifferentialBackup = {};
        header.previousDifferentialBackupType = BackupType::Normal;
        header.currentSnapshotBackup = {};
        // The changed-page set restarts with this full backup, persisted
        // before the header names it (a crash in between leaves a mismatch,
        // which refuses pages differentials: safe). A failure only removes
        // the tracking file; the full backup itself stands.
        (void)changed_pages::commitFullBackup(database->path, header.databaseSignature, info);
        break;
      case Slot::Incremental:
        if (newer(header.previousIncrementalBackup)) continue;
        header.previousIncrementalBackup = info;
        header.previousIncrementalBackupType = BackupType::Normal;
        break;
      case Slot::Copy:
        if (newer(header.previousCopyBackup)) continue;
        header.previousCopyBackup = info;
        header.previousCopyBackupType = BackupType::Normal;
        break;
      case Slot::Differential:
        if (newer(header.previousDifferentialBackup)) continue;
        header.previousDifferentialBackup = info;
        header.previousDifferentialBackupType = BackupType::Normal;
        break;
    }
    ESEKIT_RETURN_IF_ERROR(database->store->writeHeader(header));
  }
  return impl.log->flushAll();
}

void BackupSession::abort() {
  InstanceImpl& impl = *state_->instance;
  std::lock_guard commit(impl.commitMutex());
  if (impl.stopped || !impl.log) return;
  BackupInfo details;
  details.markTime = log::currentLogTime();
  (void)logBackup2(impl, kPhaseAbort, 0, 0, details);
}

Result<BackupSession::ChangedPages> BackupSession::changedPages(const BackupDatabaseInfo& database) const {
  for (const auto& attached : state_->instance->attached()) {
    if (attached->path != database.path) continue;
    // No checkpoint writes (and so no tracking update) while the set is taken.
    std::shared_lock gate(state_->instance->flushGate);
    DatabaseHeader header;
    {
      std::shared_lock latch(attached->latch);
      header = attached->store->header();
    }
    auto set = changed_pages::changedSince(attached->path, header);
    if (!set) return set.status();
    return ChangedPages{std::move(set->pages), set->fullBackup};
  }
  return Status(JetError::DatabaseNotFound, database.path.string() + " is not attached to this instance");
}

std::vector<uint8_t> encodePageSet(std::span<const uint32_t> pages) { return changed_pages::encodePortable(pages); }

Result<std::vector<uint32_t>> decodePageSet(Bytes bytes, uint64_t pageLimit) {
  return changed_pages::decodePortable(bytes, pageLimit);
}

}  // namespace esekit::engine
