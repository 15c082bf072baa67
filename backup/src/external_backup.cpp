// ExternalBackup: the streaming backup protocol of
// ese-format/checkpoint-and-backup.md §3 and §5 on top of engine::BackupSession.
#include "esekit/backup/external_backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "esekit/engine/backup_support.h"
#include "esekit/format/checksum.h"
#include "esekit/format/database_header.h"
#include "esekit/format/log_file.h"
#include "log_directory.h"

namespace esekit::backup {
namespace {

namespace fs = std::filesystem;
using engine::BackupSession;

// PATCHHDR offsets, checkpoint-and-backup.md §5.
constexpr size_t kTrailerBackupInfo = 40;
constexpr size_t kTrailerSignDb = 64;
constexpr size_t kTrailerSignLog = 92;
constexpr size_t kTrailerMinRequired = 120;
constexpr size_t kTrailerMaxRequired = 124;
constexpr size_t kTrailerMaxCommitted = 128;
constexpr size_t kTrailerMaxRequiredTime = 132;
constexpr size_t kTrailerMaxCommittedTime = 140;

bool allZero(Bytes bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

struct Stream {
  bool database = false;
  size_t index = 0;  // database: into State::databases
  uint64_t size = 0;
  uint64_t offset = 0;  // bytes handed out
  // database
  uint64_t filePages = 0;  // pages of the file at open (header pages included)
  std::vector<uint8_t> headerPage;
  // log
  int32_t generation = 0;
  std::vector<uint8_t> bytes;
  std::optional<Status> failure;
};

struct VerifiedLog {
  LogFileHeader header;
  LogFileScan scan;
};

}  // namespace

struct ExternalBackup::State {
  engine::Instance* instance = nullptr;
  std::unique_ptr<BackupSession> session;
  bool incremental = false;
  enum class Phase { Databases, Logs, Ended } phase = Phase::Databases;
  std::map<Handle, Stream> open;
  Handle nextHandle = 1;
  std::vector<DatabaseStreamInfo> databases;
  // Copied at begin() so they outlive the session.
  int32_t startGeneration = 0;
  LogPosition checkpointAtStart;
  Signature logSignature;
  uint32_t logFileSize = 0;
  std::string baseName;
  // log phase
  int32_t copyLow = 0;
  int32_t copyHigh = -1;
  int32_t deleteLow = 0;
  int32_t deleteBefore = 0;
  std::set<int32_t> logsRead;
  std::map<int32_t, VerifiedLog> verified;
  LogInfo logs;
  bool truncated = false;
  int32_t truncatedBefore = 0;
  LogPosition mark;
  LogTime markTime;
  std::optional<Status> failure;  // a log error aborts the whole backup
  std::vector<std::string> notes;

  Status sequenceError() const {
    return Status(JetError::InvalidBackupSequence, "backup API called out of order");
  }

  Status startLogPhase();
  Result<size_t> readDatabase(Stream& stream, std::span<uint8_t> out);
  Status verifyLog(const fs::path& path, int32_t generation, Bytes bytes);
  std::vector<uint8_t> trailer(DatabaseStreamInfo& info, uint32_t pageSize);
};

ExternalBackup::ExternalBackup(std::unique_ptr<State> state) : state_(std::move(state)) {}

ExternalBackup::~ExternalBackup() {
  if (state_ && state_->phase != State::Phase::Ended) (void)end(kBackupEndAbort);
}

Result<std::unique_ptr<ExternalBackup>> ExternalBackup::begin(engine::Instance& instance, uint32_t grbit) {
  if ((grbit & ~kBackupIncremental) != 0)
    return Status(JetError::InvalidGrbit, "JetBeginExternalBackup accepts only JET_bitBackupIncremental, got grbit 0x" +
                                              hex32(grbit).substr(2));
  const bool incremental = (grbit & kBackupIncremental) != 0;
  if (incremental && instance.options().circularLogging)
    return Status(JetError::InvalidBackup,
                  "an incremental backup needs every log since the last backup, but circular logging deletes them "
                  "(InstanceOptions::circularLogging)");
  auto session = BackupSession::begin(instance);
  if (!session) return session.status();
  auto state = std::make_unique<State>();
  state->instance = &instance;
  state->session = std::move(*session);
  state->incremental = incremental;
  BackupSession& s = *state->session;
  const int32_t lowest = lowestGenerationOnDisk(s.logDirectory(), s.baseName());
  for (const auto& database : s.databases()) {
    auto header = s.databaseHeader(database);
    if (!header) {
      s.abort();
      return header.status();
    }
    DatabaseStreamInfo info;
    info.path = database.path;
    info.dbid = database.dbid;
    info.pageSize = database.pageSize;
    info.databaseSignature = header->databaseSignature;
    info.previousFull = header->previousFullBackup;
    info.previousIncremental = header->previousIncrementalBackup;
    state->databases.push_back(info);
    if (!incremental) continue;
    // checkpoint-and-backup.md §3: an incremental needs a full backup that
    // truncated logs (a copy backup does not count) ...
    if (header->previousFullBackup.generationLow == 0 || header->previousFullBackupType != BackupType::Normal) {
      s.abort();
      return Status(JetError::MissingFullBackup,
                    database.path.string() + ": no full backup of this database is recorded in its header "
                                             "(bkinfoFullPrev is empty; copy backups do not count): an incremental "
                                             "backup holds only the logs since the last full or incremental backup, "
                                             "so take a full backup first");
    }
    // ... and every log since it (or the last incremental) still on disk.
    const uint32_t covered = std::max(header->previousFullBackup.generationHigh,
                                      header->previousIncrementalBackup.generationHigh);
    if (lowest != 0 && static_cast<uint32_t>(lowest) > covered + 1) {
      s.abort();
      return Status(JetError::MissingFileToBackup,
                    database.path.string() + ": the last backup covers logs up to generation " +
                        std::to_string(covered) + " but the oldest log on disk is generation " +
                        std::to_string(lowest) + ": generations in between were deleted; take a full backup");
    }
  }
  state->mark = s.mark();
  state->markTime = s.markTime();
  state->startGeneration = s.startGeneration();
  state->checkpointAtStart = s.checkpointAtStart();
  state->logSignature = s.logSignature();
  state->logFileSize = s.logFileSize();
  state->baseName = s.baseName();
  return std::unique_ptr<ExternalBackup>(new ExternalBackup(std::move(state)));
}

bool ExternalBackup::incremental() const { return state_->incremental; }

Result<std::vector<fs::path>> ExternalBackup::attachInfo() {
  State& s = *state_;
  if (s.phase == State::Phase::Ended) return Status(JetError::NoBackup, "no backup is running");
  if (s.failure) return *s.failure;
  if (s.incremental || s.phase != State::Phase::Databases)
    return Status(JetError::InvalidBackupSequence,
                  s.incremental ? "attach info is only for full backups (JetGetAttachInfo on an incremental)"
                                : "attach info requested after the log phase began");
  std::vector<fs::path> list;
  for (const auto& database : s.databases) list.push_back(database.path);
  return list;
}

Result<ExternalBackup::Handle> ExternalBackup::openFile(const fs::path& path, uint64_t& size) {
  State& s = *state_;
  if (s.phase == State::Phase::Ended) return Status(JetError::NoBackup, "no backup is running");
  if (s.failure) return *s.failure;
  std::error_code error;
  const fs::path wanted = fs::weakly_canonical(path, error);
  Stream stream;
  if (s.phase == State::Phase::Databases) {
    auto found = std::find_if(s.databases.begin(), s.databases.end(),
                              [&](const DatabaseStreamInfo& d) { return d.path == wanted || d.path == path; });
    if (found == s.databases.end()) {
      const bool isLog = parseLogFileName(path.filename().string()).has_value();
      if (isLog)
        return Status(JetError::InvalidBackupSequence,
                      path.string() + ": log files are opened in the log phase (after JetGetLogInfo)");
      return Status(JetError::DatabaseNotFound, path.string() + " is not attached to this instance");
    }
    if (s.incremental)
      return Status(JetError::InvalidBackupSequence,
                    path.string() + ": an incremental backup copies logs only, not databases");
    for (const auto& [handle, other] : s.open) {
      if (other.database && other.index == static_cast<size_t>(found - s.databases.begin()))
        return Status(JetError::InvalidBackupSequence, path.string() + " is already open in this backup");
    }
    DatabaseStreamInfo& info = *found;
    const engine::BackupDatabaseInfo database{info.path, info.dbid, info.pageSize};
    auto fileSize = s.session->databaseFileSize(database);
    if (!fileSize) return fileSize.status();
    auto header = s.session->databaseHeader(database);
    if (!header) return header.status();
    stream.database = true;
    stream.index = static_cast<size_t>(found - s.databases.begin());
    stream.filePages = *fileSize / info.pageSize;
    if (stream.filePages < 3)
      return Status(JetError::DatabaseCorrupted, info.path.string() + ": " + std::to_string(*fileSize) +
                                                     " bytes is too small for a database");
    // database-header.md §7: the streamed header carries bkinfoFullCur.
    DatabaseHeader copy = *header;
    copy.currentFullBackup = BackupInfo{s.mark, s.markTime, static_cast<uint32_t>(s.session->startGeneration()), 0};
    stream.headerPage = serializeDatabaseHeader(copy, info.pageSize);
    info.streamPages = stream.filePages + 1;
    info.copied = false;
    info.correctedPages = 0;
    stream.size = info.streamPages * info.pageSize;
  } else {
    auto listed = std::find_if(s.logs.files.begin(), s.logs.files.end(),
                               [&](const fs::path& p) { return p == path || p == wanted; });
    if (listed == s.logs.files.end()) {
      const bool attached = std::any_of(s.databases.begin(), s.databases.end(),
                                        [&](const DatabaseStreamInfo& d) { return d.path == wanted; });
      if (attached)
        return Status(JetError::InvalidBackupSequence,
                      path.string() + ": databases cannot be opened after the log phase began");
      return Status(JetError::InvalidParameter, path.string() + " is not one of the logs of this backup (JetGetLogInfo)");
    }
    const int32_t generation = s.logs.generationLow + static_cast<int32_t>(listed - s.logs.files.begin());
    auto bytes = readLogToBackup(*listed);
    if (!bytes) {
      s.failure = bytes.status();
      return bytes.status();
    }
    Status verified = s.verifyLog(*listed, generation, *bytes);
    if (!verified.isOk()) {
      s.failure = verified;
      return verified;
    }
    stream.generation = generation;
    stream.bytes = std::move(*bytes);
    stream.size = stream.bytes.size();
  }
  size = stream.size;
  const Handle handle = s.nextHandle++;
  s.open.emplace(handle, std::move(stream));
  return handle;
}

Status ExternalBackup::State::verifyLog(const fs::path& path, int32_t generation, Bytes bytes) {
  LogScanOptions options;
  options.collectRecords = false;
  auto scan = scanLogFile(bytes, options);
  if (!scan)
    return Status(JetError::LogReadVerifyFailure, path.string() + ": " + scan.status().toString());
  if (scan->header.generation != generation)
    return Status(JetError::LogReadVerifyFailure, path.string() + ": header generation " +
                                                      std::to_string(scan->header.generation) + ", expected " +
                                                      std::to_string(generation) + " (JET_errLogGenerationMismatch)");
  if (!(scan->header.logSignature == session->logSignature()))
    return Status(JetError::LogReadVerifyFailure, path.string() + ": log signature " +
                                                      scan->header.logSignature.toString() + " is not the instance's " +
                                                      session->logSignature().toString());
  for (const LogScanNote& note : scan->notes) notes.push_back(path.string() + ": " + note.message);
  // Consecutive generations must chain (log-format.md §8).
  if (auto previous = verified.find(generation - 1); previous != verified.end()) {
    Status chained = checkLogSequence(previous->second.header, previous->second.scan, scan->header);
    if (!chained.isOk()) return Status(JetError::LogReadVerifyFailure, path.string() + ": " + chained.toString());
  }
  if (auto next = verified.find(generation + 1); next != verified.end()) {
    Status chained = checkLogSequence(scan->header, *scan, next->second.header);
    if (!chained.isOk()) return Status(JetError::LogReadVerifyFailure, path.string() + ": " + chained.toString());
  }
  verified[generation] = VerifiedLog{scan->header, std::move(*scan)};
  return Status();
}

std::vector<uint8_t> ExternalBackup::State::trailer(DatabaseStreamInfo& info, uint32_t pageSize) {
  std::vector<uint8_t> page(pageSize, 0);
  const engine::BackupDatabaseInfo database{info.path, info.dbid, info.pageSize};
  auto header = session->databaseHeader(database);
  DatabaseHeader now = header ? *header : DatabaseHeader{};
  // genHigh: the log generation at trailer time, raised to MaxCommitted (§5).
  const int32_t high = std::max(session->currentGeneration(), now.maxCommittedGeneration);
  info.trailer = BackupInfo{mark, markTime, static_cast<uint32_t>(session->startGeneration()), static_cast<uint32_t>(high)};
  ByteWriter w(page);
  info.trailer.serialize(w, kTrailerBackupInfo);
  now.databaseSignature.serialize(w, kTrailerSignDb);
  session->logSignature().serialize(w, kTrailerSignLog);
  w.i32(kTrailerMinRequired, now.minRequiredGeneration);
  w.i32(kTrailerMaxRequired, now.maxRequiredGeneration);
  w.i32(kTrailerMaxCommitted, now.maxCommittedGeneration);
  now.maxRequiredGenerationCreateTime.serialize(w, kTrailerMaxRequiredTime);
  now.maxCommittedGenerationCreateTime.serialize(w, kTrailerMaxCommittedTime);
  checksum::setHeaderChecksum(page);
  return page;
}

Result<size_t> ExternalBackup::State::readDatabase(Stream& stream, std::span<uint8_t> out) {
  DatabaseStreamInfo& info = databases[stream.index];
  const uint32_t pageSize = info.pageSize;
  if (out.empty() || out.size() % pageSize != 0)
    return Status(JetError::InvalidParameter, "read of " + std::to_string(out.size()) + " bytes from " +
                                                  info.path.string() + ": must be a multiple of the page size " +
                                                  std::to_string(pageSize));
  uint64_t next = stream.offset / pageSize;
  const uint64_t last = info.streamPages;  // exclusive
  size_t produced = 0;
  while (produced < out.size() && next < last) {
    uint8_t* target = out.data() + produced;
    if (next < 2) {
      std::memcpy(target, stream.headerPage.data(), pageSize);
      ++next;
      produced += pageSize;
      continue;
    }
    if (next == stream.filePages) {
      const std::vector<uint8_t> page = trailer(info, pageSize);
      std::memcpy(target, page.data(), pageSize);
      ++next;
      produced += pageSize;
      continue;
    }
    const uint64_t count = std::min<uint64_t>((out.size() - produced) / pageSize, stream.filePages - next);
    const engine::BackupDatabaseInfo database{info.path, info.dbid, info.pageSize};
    auto read = session->readDatabase(database, next * pageSize, std::span<uint8_t>(target, count * pageSize));
    if (!read) return read.status();
    if (*read != count * pageSize)
      return Status(JetError::DiskIO, info.path.string() + ": short read at file offset " +
                                          std::to_string(next * pageSize) + " (the file shrank during the backup)");
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t filePage = next + i;
      const auto pgno = static_cast<uint32_t>(filePage - 1);
      std::span<uint8_t> page(target + i * pageSize, pageSize);
      if (allZero(page)) continue;  // never written: copied as is (§3)
      const checksum::PageChecksumCheck check = checksum::checkPage(page, pgno);
      if (check.verdict == checksum::PageChecksumCheck::Verdict::Ok) continue;
      if (check.verdict == checksum::PageChecksumCheck::Verdict::Correctable && checksum::correctPage(page, pgno, check)) {
        ++info.correctedPages;
        notes.push_back(info.path.string() + ": page " + std::to_string(pgno) + " (file offset " +
                        std::to_string(filePage * pageSize) + "): single-bit error at bit " +
                        std::to_string(check.flippedBits.front()) + " corrected in the backup copy");
        continue;
      }
      return Status(JetError::ReadVerifyFailure,
                    info.path.string() + ": page " + std::to_string(pgno) + " (file offset " +
                        std::to_string(filePage * pageSize) + "): checksum mismatch in block " +
                        std::to_string(check.block) + ", stored " + hex64(check.stored) + ", computed " +
                        hex64(check.computed) + "; the page is damaged on disk");
    }
    next += count;
    produced += count * pageSize;
  }
  stream.offset = next * pageSize;
  return produced;
}

Result<size_t> ExternalBackup::readFile(Handle handle, std::span<uint8_t> out) {
  State& s = *state_;
  if (s.phase == State::Phase::Ended) return Status(JetError::NoBackup, "no backup is running");
  auto found = s.open.find(handle);
  if (found == s.open.end()) return Status(JetError::InvalidParameter, "backup file handle " + std::to_string(handle) + " is not open");
  Stream& stream = found->second;
  if (stream.failure) return *stream.failure;
  if (!stream.database) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(out.size(), stream.size - stream.offset));
    std::memcpy(out.data(), stream.bytes.data() + stream.offset, n);
    stream.offset += n;
    return n;
  }
  auto produced = s.readDatabase(stream, out);
  // A bad page or I/O error ends this stream; a bad buffer size does not.
  if (!produced && produced.status().code() != JetError::InvalidParameter) stream.failure = produced.status();
  return produced;
}

Status ExternalBackup::closeFile(Handle handle) {
  State& s = *state_;
  if (s.phase == State::Phase::Ended) return Status(JetError::NoBackup, "no backup is running");
  auto found = s.open.find(handle);
  if (found == s.open.end()) return Status(JetError::InvalidParameter, "backup file handle " + std::to_string(handle) + " is not open");
  const Stream& stream = found->second;
  const bool whole = !stream.failure && stream.offset == stream.size;
  if (whole && stream.database) s.databases[stream.index].copied = true;
  if (whole && !stream.database) s.logsRead.insert(stream.generation);
  s.open.erase(found);
  return Status();
}

Status ExternalBackup::State::startLogPhase() {
  if (phase == Phase::Logs) return Status();
  if (!open.empty())
    return Status(JetError::InvalidBackupSequence, "the log phase needs every database file closed first (JetCloseFile)");
  auto finished = session->rollLog();
  if (!finished) return finished.status();
  phase = Phase::Logs;
  const fs::path directory = session->logDirectory();
  const std::string& base = session->baseName();
  const int32_t lowest = lowestGenerationOnDisk(directory, base);
  copyHigh = *finished;
  copyLow = incremental ? (lowest != 0 ? lowest : copyHigh) : session->startGeneration();
  if (incremental) {
    mark = session->prepareLogsMark();
    markTime = session->prepareLogsTime();
  }
  logs.generationLow = copyLow;
  logs.generationHigh = copyHigh;
  logs.baseName = base;
  for (int32_t g = copyLow; g <= copyHigh; ++g) logs.files.push_back(directory / archivedLogName(base, g));
  // Truncation range (§3 step 3).
  deleteLow = lowest != 0 ? lowest : copyHigh + 1;
  deleteBefore = std::min(session->checkpointGeneration(), copyHigh + 1);
  if (!incremental) {
    for (const DatabaseStreamInfo& database : databases) {
      if (database.copied) continue;
      auto header = session->databaseHeader(engine::BackupDatabaseInfo{database.path, database.dbid, database.pageSize});
      const int32_t covered = header ? static_cast<int32_t>(header->previousFullBackup.generationHigh) : 0;
      deleteBefore = std::min(deleteBefore, covered);
    }
  }
  deleteLow = std::min(deleteLow, deleteBefore);
  return Status();
}

Result<LogInfo> ExternalBackup::logInfo() {
  State& s = *state_;
  if (s.phase == State::Phase::Ended) return Status(JetError::NoBackup, "no backup is running");
  if (s.failure) return *s.failure;
  ESEKIT_RETURN_IF_ERROR(s.startLogPhase());
  return s.logs;
}

Result<LogInfo> ExternalBackup::truncateLogInfo() {
  State& s = *state_;
  if (s.phase == State::Phase::Ended) return Status(JetError::NoBackup, "no backup is running");
  if (s.failure) return *s.failure;
  ESEKIT_RETURN_IF_ERROR(s.startLogPhase());
  LogInfo info;
  info.baseName = s.logs.baseName;
  info.generationLow = s.deleteLow;
  info.generationHigh = s.deleteBefore - 1;
  for (const auto& [generation, path] : archivedLogs(s.session->logDirectory(), s.logs.baseName)) {
    if (generation >= s.deleteLow && generation < s.deleteBefore) info.files.push_back(path);
  }
  return info;
}

Status ExternalBackup::truncateLog() {
  State& s = *state_;
  if (s.phase == State::Phase::Ended) return Status(JetError::NoBackup, "no backup is running");
  if (s.failure) return *s.failure;
  ESEKIT_RETURN_IF_ERROR(s.startLogPhase());
  for (int32_t g = s.copyLow; g <= s.copyHigh; ++g) {
    if (!s.logsRead.count(g))
      return Status(JetError::LogFileNotCopied, s.logs.files[static_cast<size_t>(g - s.copyLow)].string() +
                                                    " (generation " + std::to_string(g) +
                                                    ") was not read whole: the logs cannot be truncated");
  }
  auto limit = s.session->truncateLogs(s.deleteBefore);
  if (!limit) return limit.status();
  s.truncated = true;
  s.truncatedBefore = *limit;
  return Status();
}

Status ExternalBackup::end(uint32_t grbit) {
  State& s = *state_;
  if (s.phase == State::Phase::Ended) return Status(JetError::NoBackup, "no backup is running");
  constexpr uint32_t kKnown = kBackupEndNormal | kBackupEndAbort | kBackupTruncateDone | kBackupNoDbHeaderUpdate;
  if ((grbit & ~kKnown) != 0)
    return Status(JetError::InvalidGrbit, "JetEndExternalBackup: unknown grbit 0x" + hex32(grbit & ~kKnown).substr(2));
  const bool normal = (grbit & kBackupEndNormal) != 0;
  const bool abort = (grbit & kBackupEndAbort) != 0;
  if (normal == abort)
    return Status(JetError::InvalidParameter, "JetEndExternalBackup needs exactly one of BackupEndNormal and BackupEndAbort");
  s.open.clear();
  Status result;
  if (abort || s.phase != State::Phase::Logs || s.failure) {
    s.session->abort();
    if (normal && s.failure) result = *s.failure;
  } else if ((grbit & kBackupNoDbHeaderUpdate) == 0) {
    const bool truncated = s.truncated || (grbit & kBackupTruncateDone) != 0;
    if (!s.incremental) {
      const BackupInfo info{s.mark, s.markTime, static_cast<uint32_t>(s.session->startGeneration()),
                            static_cast<uint32_t>(s.copyHigh)};
      std::vector<uint8_t> copied;
      for (const DatabaseStreamInfo& database : s.databases) {
        if (database.copied) copied.push_back(database.dbid);
      }
      if (!copied.empty())
        result = s.session->recordInHeaders(truncated ? BackupSession::Slot::Full : BackupSession::Slot::Copy, info, copied);
    } else {
      const BackupInfo info{s.mark, s.markTime, static_cast<uint32_t>(s.copyLow), static_cast<uint32_t>(s.copyHigh)};
      result = s.session->recordInHeaders(truncated ? BackupSession::Slot::Incremental
                                                    : BackupSession::Slot::Differential,
                                          info);
    }
  }
  s.phase = State::Phase::Ended;
  s.session.reset();
  return result;
}

int32_t ExternalBackup::startGeneration() const { return state_->startGeneration; }
LogPosition ExternalBackup::checkpointAtStart() const { return state_->checkpointAtStart; }
LogPosition ExternalBackup::mark() const { return state_->mark; }
LogTime ExternalBackup::markTime() const { return state_->markTime; }
const Signature& ExternalBackup::logSignature() const { return state_->logSignature; }
uint32_t ExternalBackup::logFileSize() const { return state_->logFileSize; }
const std::string& ExternalBackup::baseName() const { return state_->baseName; }
bool ExternalBackup::logsTruncated() const { return state_->truncated; }
int32_t ExternalBackup::truncatedBefore() const { return state_->truncatedBefore; }
std::vector<DatabaseStreamInfo> ExternalBackup::databaseStreams() const { return state_->databases; }
std::vector<std::string> ExternalBackup::notes() const { return state_->notes; }

}  // namespace esekit::backup
