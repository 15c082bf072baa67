// BackupSession: the instance side of online backup (backup_support.h).
#include "esekit/engine/backup_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "esekit/format/log_record_encode.h"
#include "instance/instance_impl.h"
#include "log/log_writer.h"

namespace esekit::engine {

struct BackupSession::State {
  InstanceImpl* instance = nullptr;
  LogPosition checkpoint;
};

BackupSession::BackupSession(std::unique_ptr<State> state) : state_(std::move(state)) {}

Result<std::unique_ptr<BackupSession>> BackupSession::begin(Instance& instance) {
  InstanceImpl& impl = instance.impl();
  if (impl.stopped) return Status(JetError::TermInProgress, "the instance is shut down");
  bool expected = false;
  if (!impl.backupInProgress.compare_exchange_strong(expected, true)) {
    return Status(JetError::BackupInProgress, "a backup of this instance is already running");
  }
  auto state = std::make_unique<State>();
  state->instance = &impl;
  state->checkpoint = impl.lastCheckpointPosition();
  impl.backupFloor = state->checkpoint.generation;
  return std::unique_ptr<BackupSession>(new BackupSession(std::move(state)));
}

BackupSession::~BackupSession() {
  if (state_ && state_->instance) state_->instance->backupInProgress = false;
}

int32_t BackupSession::startGeneration() const { return state_->checkpoint.generation; }
LogPosition BackupSession::checkpointAtStart() const { return state_->checkpoint; }
bool BackupSession::circularLogging() const { return state_->instance->options.circularLogging; }
const Signature& BackupSession::logSignature() const { return state_->instance->log->signature(); }
const std::filesystem::path& BackupSession::logDirectory() const { return state_->instance->options.logDirectory; }
const std::string& BackupSession::baseName() const { return state_->instance->options.baseName; }

std::vector<BackupDatabaseInfo> BackupSession::databases() const {
  std::vector<BackupDatabaseInfo> list;
  for (const auto& database : state_->instance->attached()) {
    list.push_back(BackupDatabaseInfo{database->path, database->store->dbid(), database->store->pageSize()});
  }
  return list;
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
  ESEKIT_RETURN_IF_ERROR(impl.log->flushAll());
  const int32_t finished = static_cast<int32_t>(impl.log->currentGeneration());
  ESEKIT_RETURN_IF_ERROR(impl.log->writer().rollover());
  return finished;
}

int32_t BackupSession::currentGeneration() const { return static_cast<int32_t>(state_->instance->log->currentGeneration()); }

Status BackupSession::truncateLogs(int32_t before) {
  InstanceImpl& impl = *state_->instance;
  std::lock_guard commit(impl.commitMutex());
  const int32_t limit = std::min(before, impl.lastCheckpointPosition().generation);
  return impl.log->deleteGenerationsBefore(static_cast<uint32_t>(std::max(limit, 0)));
}

Status BackupSession::recordInHeaders(Slot slot, const BackupInfo& info) {
  InstanceImpl& impl = *state_->instance;
  std::lock_guard commit(impl.commitMutex());
  for (const auto& database : impl.attached()) {
    LogRecord record;
    record.type = LogRecordType::Backup2;
    Backup2Record body;
    body.phase = 4;  // Update (log-records.md §3.8)
    body.scope = slot == Slot::Full ? 1 : slot == Slot::Incremental ? 2 : slot == Slot::Copy ? 5 : 6;
    body.dbid = database->store->dbid();
    body.details = info;
    record.body = body;
    auto logged = impl.log->append(record);
    if (!logged.isOk()) return logged.status();
    std::unique_lock latch(database->latch);
    DatabaseHeader header = database->store->header();
    switch (slot) {
      case Slot::Full:
        header.previousFullBackup = info;
        header.previousIncrementalBackup = {};
        header.previousDifferentialBackup = {};
        break;
      case Slot::Incremental: header.previousIncrementalBackup = info; break;
      case Slot::Copy: header.previousCopyBackup = info; break;
      case Slot::Differential: header.previousDifferentialBackup = info; break;
    }
    ESEKIT_RETURN_IF_ERROR(database->store->writeHeader(header));
  }
  return impl.log->flushAll();
}

}  // namespace esekit::engine
