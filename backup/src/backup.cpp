// backup(): JetBackupInstance on top of ExternalBackup (backup.h).
#include "esekit/backup/backup.h"

#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "backup_directory.h"
#include "backup_output.h"
#include "page_differential.h"
#include "esekit/engine/backup_support.h"

namespace esekit::backup {
namespace {

namespace fs = std::filesystem;

int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Status validate(const fs::path& destination, const BackupOptions& options) {
  if (options.compression == Compression::Zstd &&
      (options.compressionLevel < ZSTD_minCLevel() || options.compressionLevel > ZSTD_maxCLevel() ||
       options.compressionLevel == 0)) {
    return Status(JetError::InvalidParameter, "zstd level " + std::to_string(options.compressionLevel) + ": must be " +
                                                  std::to_string(ZSTD_minCLevel()) + ".." +
                                                  std::to_string(ZSTD_maxCLevel()) + " and not 0");
  }
  if (!options.previousBackup.empty() && copiesDatabases(options.type))
    return Status(JetError::InvalidGrbit, std::string("a ") + std::string(backupTypeName(options.type)) +
                                              " backup builds on no previous backup (previousBackup is set)");
  if (destination.empty()) {
    if (!truncatesLogs(options.type))
      return Status(JetError::InvalidGrbit, std::string("a ") + std::string(backupTypeName(options.type)) +
                                                " backup never truncates logs, and an empty destination only truncates");
    if (options.compression != Compression::None || !options.previousBackup.empty())
      return Status(JetError::InvalidGrbit, "an empty destination only truncates logs: no compression or previous backup");
  }
  return Status();
}

// JetBackupInstance(NULL): truncate the logs older than the checkpoint.
Result<BackupResult> truncateOnly(engine::Instance& instance, const BackupOptions& options) {
  if (!copiesDatabases(options.type) && instance.options().circularLogging)
    return Status(JetError::InvalidBackup, "circular logging deletes the logs an incremental backup needs");
  auto session = engine::BackupSession::begin(instance);
  if (!session) return session.status();
  BackupResult result;
  if ((*session)->circularLogging()) {
    result.notes.push_back("circular logging: the engine deletes old logs itself, nothing truncated");
    return result;
  }
  auto limit = (*session)->truncateLogs((*session)->checkpointGeneration());
  if (!limit) return limit.status();
  result.logsTruncated = true;
  result.truncatedBefore = *limit;
  return result;
}

class Progress {
 public:
  explicit Progress(const ProgressCallback& callback) : callback_(callback) {}
  void report(BackupPhase phase, const std::string& file = {}) {
    state_.phase = phase;
    state_.currentFile = file;
    if (callback_) callback_(state_);
  }
  void add(uint64_t bytes) {
    state_.bytesDone += bytes;
    if (callback_) callback_(state_);
  }
  void grow(uint64_t bytes) { state_.bytesTotal += bytes; }
  void finish() { state_.bytesTotal = std::max(state_.bytesTotal, state_.bytesDone); }

 private:
  const ProgressCallback& callback_;
  BackupProgress state_;
};

class Run {
 public:
  Run(engine::Instance& instance, const BackupOptions& options, BackupResult& result)
      : instance_(instance), options_(options), result_(result), progress_(options.progress) {
  }

  Status run(const fs::path& destination) {
    const uint32_t grbit = copiesDatabases(options_.type) ? 0 : kBackupIncremental;
    auto begun = ExternalBackup::begin(instance_, grbit);
    if (!begun) return begun.status();
    backup_ = std::move(*begun);
    auto directory = BackupDirectory::prepare(destination, options_.atomic, options_.createPaths,
                                              options_.faultHook, result_.notes);
    if (!directory) return directory.status();
    directory_.emplace(std::move(*directory));
    progress_.report(BackupPhase::Begin);
    ESEKIT_RETURN_IF_ERROR(copyDatabases());
    ESEKIT_RETURN_IF_ERROR(copyLogs());
    ESEKIT_RETURN_IF_ERROR(resolvePrevious());
    ESEKIT_RETURN_IF_ERROR(writeManifest());
    progress_.report(BackupPhase::Commit);
    ESEKIT_RETURN_IF_ERROR(directory_->commit(result_.notes));
    committed_ = true;
    // Only now that the new backup is durable at the destination (§3: truncate after success).
    if (truncatesLogs(options_.type)) {
      progress_.report(BackupPhase::Truncate);
      ESEKIT_RETURN_IF_ERROR(backup_->truncateLog());
      result_.logsTruncated = true;
      result_.truncatedBefore = backup_->truncatedBefore();
    }
    ESEKIT_RETURN_IF_ERROR(backup_->end(kBackupEndNormal));
    for (const std::string& note : backup_->notes()) result_.notes.push_back(note);
    progress_.finish();
    progress_.report(BackupPhase::Complete);
    return Status();
  }

  void fail() {
    if (directory_ && !committed_) directory_->discard();
    if (backup_) {
      (void)backup_->end(kBackupEndAbort);
      for (const std::string& note : backup_->notes()) result_.notes.push_back(note);
    }
    progress_.report(BackupPhase::Fail);
  }

 private:
  Result<std::unique_ptr<StoredFileWriter>> createFile(const std::string& name) {
    return createBackupFile(*directory_, name, options_);
  }

  ManifestFile finishedEntry(const StoredFileWriter& writer, FileKind kind, int32_t generation) {
    return finishedFileEntry(writer, kind, generation, options_, result_);
  }

  // Copies one stream (database or log) of the external backup into a file.
  Result<ManifestFile> copyStream(const fs::path& source, const std::string& name, FileKind kind, int32_t generation,
                                  size_t chunk) {
    uint64_t size = 0;
    auto handle = backup_->openFile(source, size);
    if (!handle) return handle.status();
    auto writer = createFile(name);
    if (!writer) {
      (void)backup_->closeFile(*handle);
      return writer.status();
    }
    std::vector<uint8_t> buffer(chunk);
    uint64_t done = 0;
    while (done < size) {
      auto got = backup_->readFile(*handle, buffer);
      if (!got) {
        (void)backup_->closeFile(*handle);
        return got.status();
      }
      if (*got == 0) break;
      Status written = (*writer)->write(Bytes(buffer.data(), *got));
      if (!written.isOk()) {
        (void)backup_->closeFile(*handle);
        return written;
      }
      done += *got;
      result_.bytesRead += *got;
      progress_.add(*got);
    }
    ESEKIT_RETURN_IF_ERROR(backup_->closeFile(*handle));
    if (done != size)
      return Status(JetError::DiskIO, source.string() + ": stream ended after " + std::to_string(done) + " of " +
                                          std::to_string(size) + " bytes");
    ESEKIT_RETURN_IF_ERROR((*writer)->finish());
    return finishedEntry(**writer, kind, generation);
  }

  Status copyDatabases() {
    if (!copiesDatabases(options_.type)) return Status();
    auto attached = backup_->attachInfo();
    if (!attached) return attached.status();
    std::error_code error;
    for (const fs::path& path : *attached) progress_.grow(fs::file_size(path, error));
    std::set<std::string> used;
    for (const fs::path& path : *attached) {
      const auto streams = backup_->databaseStreams();
      auto info = std::find_if(streams.begin(), streams.end(), [&](const DatabaseStreamInfo& d) { return d.path == path; });
      const uint32_t pageSize = info != streams.end() ? info->pageSize : 8192;
      // Two databases with one file name (different directories) get the dbid as prefix.
      std::string name = path.filename().string();
      if (!used.insert(name).second) {
        name = std::to_string(info != streams.end() ? info->dbid : 0) + "-" + name;
        used.insert(name);
      }
      const size_t chunk = std::max<size_t>(pageSize, options_.readChunkBytes / pageSize * pageSize);
      progress_.report(BackupPhase::Databases, path.string());
      auto entry = copyStream(path, name, FileKind::Database, 0, chunk);
      if (!entry) return entry.status();
      manifest_.files.push_back(*entry);
      databaseFiles_.emplace_back(path, name);
    }
    return Status();
  }

  Status copyLogs() {
    auto logs = backup_->logInfo();
    if (!logs) return logs.status();
    logs_ = *logs;
    std::error_code error;
    for (const fs::path& path : logs_.files) progress_.grow(fs::file_size(path, error));
    for (size_t i = 0; i < logs_.files.size(); ++i) {
      const fs::path& path = logs_.files[i];
      const int32_t generation = logs_.generationLow + static_cast<int32_t>(i);
      progress_.report(BackupPhase::Logs, path.string());
      auto entry = copyStream(path, path.filename().string(), FileKind::Log, generation, size_t{1} << 20);
      if (!entry) return entry.status();
      manifest_.files.push_back(*entry);
    }
    return Status();
  }

  // The backup this one builds on (BackupOptions::previousBackup).
  Status resolvePrevious() {
    if (copiesDatabases(options_.type)) return Status();
    if (!options_.previousBackup.empty()) {
      auto previous = readManifest(options_.previousBackup);
      if (!previous) return previous.status();
      if (!(previous->logSignature == backup_->logSignature()))
        return Status(JetError::InvalidBackup, options_.previousBackup.string() +
                                                   ": the previous backup belongs to another log stream (signature " +
                                                   previous->logSignature.toString() + ", the instance's is " +
                                                   backup_->logSignature().toString() + ")");
      if (previous->stamp.endGeneration + 1 < logs_.generationLow)
        return Status(JetError::MissingFileToBackup,
                      options_.previousBackup.string() + " ends at generation " +
                          std::to_string(previous->stamp.endGeneration) + " but the oldest log left is generation " +
                          std::to_string(logs_.generationLow) + ": the generations between are lost");
      manifest_.previous = PreviousBackup{previous->type, previous->stamp, "manifest:" + options_.previousBackup.string()};
      return Status();
    }
    // From the header BKINFO: Differential builds on the last full, the
    // others on the last full or incremental, whichever is newer.
    std::optional<PreviousBackup> best;
    for (const DatabaseStreamInfo& database : backup_->databaseStreams()) {
      BackupInfo info = database.previousFull;
      BackupType type = BackupType::Full;
      if (options_.type != BackupType::Differential && database.previousIncremental.mark > info.mark) {
        info = database.previousIncremental;
        type = BackupType::Incremental;
      }
      if (info.generationLow == 0) continue;
      if (best && !(info.mark > best->stamp.mark)) continue;
      PreviousBackup previous;
      previous.type = type;
      previous.stamp.startGeneration = static_cast<int32_t>(info.generationLow);
      previous.stamp.endGeneration = static_cast<int32_t>(info.generationHigh);
      previous.stamp.mark = info.mark;
      previous.stamp.markTime = info.markTime;
      previous.source = "header:" + database.path.string();
      best = previous;
    }
    manifest_.previous = best;
    return Status();
  }

  Status writeManifest() {
    Manifest& m = manifest_;
    m.type = options_.type;
    m.compression = options_.compression;
    m.compressionLevel = options_.compression == Compression::Zstd ? options_.compressionLevel : 0;
    m.baseName = backup_->baseName();
    m.logFileSize = backup_->logFileSize();
    m.logSignature = backup_->logSignature();
    m.stamp.startGeneration = copiesDatabases(options_.type) ? backup_->startGeneration() : logs_.generationLow;
    m.stamp.endGeneration = logs_.generationHigh;
    m.stamp.checkpoint = backup_->checkpointAtStart();
    m.stamp.mark = backup_->mark();
    m.stamp.markTime = backup_->markTime();
    m.stamp.unixTime = unixNow();
    if (truncatesLogs(options_.type)) {
      auto truncation = backup_->truncateLogInfo();
      if (!truncation) return truncation.status();
      m.truncateRequested = true;
      m.truncateBefore = truncation->generationHigh + 1;
    }
    for (const DatabaseStreamInfo& stream : backup_->databaseStreams()) {
      auto file = std::find_if(databaseFiles_.begin(), databaseFiles_.end(),
                               [&](const auto& entry) { return entry.first == stream.path; });
      if (file == databaseFiles_.end()) continue;
      ManifestDatabase d;
      d.originalPath = stream.path.string();
      d.file = file->second;
      d.pageSize = stream.pageSize;
      d.dbid = stream.dbid;
      d.databaseSignature = stream.databaseSignature;
      d.streamPages = stream.streamPages;
      d.trailer = stream.trailer;
      m.databases.push_back(d);
    }
    return writeManifestFile(*directory_, m, options_);
  }

 public:
  Manifest manifest_;

 private:
  engine::Instance& instance_;
  const BackupOptions& options_;
  BackupResult& result_;
  Progress progress_;
  std::unique_ptr<ExternalBackup> backup_;
  std::optional<BackupDirectory> directory_;
  bool committed_ = false;
  LogInfo logs_;
  std::vector<std::pair<fs::path, std::string>> databaseFiles_;
};

}  // namespace

std::string_view backupPhaseName(BackupPhase phase) {
  switch (phase) {
    case BackupPhase::Begin: return "begin";
    case BackupPhase::Databases: return "databases";
    case BackupPhase::Logs: return "logs";
    case BackupPhase::Commit: return "commit";
    case BackupPhase::Truncate: return "truncate";
    case BackupPhase::Complete: return "complete";
    case BackupPhase::Fail: return "fail";
  }
  return "unknown";
}

Status parseCompressionSpec(std::string_view text, Compression& compression, int& level) {
  if (text == "none") {
    compression = Compression::None;
    level = 0;
    return Status();
  }
  if (text.substr(0, 4) != "zstd" || (text.size() > 4 && text[4] != ':'))
    return Status(JetError::InvalidParameter, "compression '" + std::string(text) + "': use none, zstd or zstd:LEVEL");
  compression = Compression::Zstd;
  level = 3;
  if (text.size() > 5) {
    try {
      size_t used = 0;
      level = std::stoi(std::string(text.substr(5)), &used);
      if (used != text.size() - 5) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return Status(JetError::InvalidParameter, "compression '" + std::string(text) + "': the level is not a number");
    }
  } else if (text.size() == 5) {
    return Status(JetError::InvalidParameter, "compression 'zstd:': the level is missing");
  }
  if (level == 0 || level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
    return Status(JetError::InvalidParameter, "zstd level " + std::to_string(level) + ": must be 1.." +
                                                  std::to_string(ZSTD_maxCLevel()) + " (or negative fast levels)");
  return Status();
}

Result<BackupResult> backup(engine::Instance& instance, const fs::path& destination, const BackupOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  ESEKIT_RETURN_IF_ERROR(validate(destination, options));
  if (destination.empty()) return truncateOnly(instance, options);
  if (options.type == BackupType::Pages) return pagesBackup(instance, destination, options);
  BackupResult result;
  Run run(instance, options, result);
  return runBackupJob(run, run.manifest_, result, destination, started);
}

}  // namespace esekit::backup
