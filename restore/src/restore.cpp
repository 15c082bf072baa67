// restore() (restore.h): validate, stage, recover, rename.
#include "esekit/restore/restore.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>

#include "esekit/engine/recovery.h"
#include "esekit/format/database_header.h"
#include "esekit/format/file_kind.h"
#include "apply_pages.h"
#include "source_file.h"
#include "validate_internal.h"

namespace esekit::restore {
namespace fs = std::filesystem;

std::string_view restorePhaseName(RestoreProgress::Phase phase) {
  switch (phase) {
    case RestoreProgress::Phase::Validate: return "validate";
    case RestoreProgress::Phase::Copy: return "copy";
    case RestoreProgress::Phase::Replay: return "replay";
  }
  return "?";
}

namespace {

constexpr std::string_view kStagingPrefix = ".esekit-restore-staging-";

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The file name of a logged path, Windows ("C:\x\y.edb") or POSIX.
std::string loggedFileName(const std::string& logged) {
  const size_t slash = logged.find_last_of("/\\");
  return slash == std::string::npos ? logged : logged.substr(slash + 1);
}

bool isInside(const fs::path& inner, const fs::path& outer) {
  std::error_code error;
  const fs::path a = fs::weakly_canonical(inner, error);
  const fs::path b = fs::weakly_canonical(outer, error);
  auto mismatch = std::mismatch(b.begin(), b.end(), a.begin(), a.end());
  return mismatch.first == b.end();
}

// Weighted progress over the three phases.
class ProgressMeter {
 public:
  ProgressMeter(const std::function<void(const RestoreProgress&)>& callback) : callback_(callback) {}
  void setTotals(uint64_t validateBytes, uint64_t copyBytes, uint64_t replayBytes) {
    weights_ = {validateBytes, copyBytes, replayBytes};
  }
  void report(RestoreProgress::Phase phase, uint64_t done, uint64_t total) {
    if (!callback_) return;
    const size_t index = static_cast<size_t>(phase);
    uint64_t all = 0, before = 0;
    for (size_t i = 0; i < weights_.size(); ++i) {
      all += weights_[i];
      if (i < index) before += weights_[i];
    }
    const double fraction = total == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    RestoreProgress progress;
    progress.phase = phase;
    progress.done = done;
    progress.total = total;
    progress.percent = all == 0 ? 100.0 : 100.0 * (static_cast<double>(before) + fraction * weights_[index]) / all;
    callback_(progress);
  }

 private:
  const std::function<void(const RestoreProgress&)>& callback_;
  std::array<uint64_t, 3> weights_{1, 0, 0};
};

// Removes the staging directory (and a target restore created) unless released.
class StagingGuard {
 public:
  fs::path staging;
  fs::path createdTarget;
  std::vector<fs::path> moved;  // files already renamed into the target
  bool keep = false;
  ~StagingGuard() {
    if (keep) return;
    std::error_code error;
    for (const fs::path& path : moved) fs::remove(path, error);
    if (!staging.empty()) fs::remove_all(staging, error);
    if (!createdTarget.empty() && fs::is_empty(createdTarget, error)) fs::remove(createdTarget, error);
  }
};

// A restored database forgets the backups of the database it was copied
// from (checkpoint-and-backup.md §6 step 5, database-header.md §10): ESE
// zeroes the four previous-backup slots (and resets the Full/Incremental
// type words) after any hard recovery, and the current full/snapshot slots
// once the restored copy is recovered. Otherwise the copy would claim the
// source's backup history: an incremental backup of the restored instance
// would build on a full backup whose logs this stream never had.
Status clearBackupHistory(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Status(JetError::DiskIO, path.string() + ": cannot open to update its header");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  std::vector<uint8_t> start(kFileKindProbeSize);
  const ssize_t got = ::pread(fd, start.data(), start.size(), 0);
  if (got <= 0) return Status(JetError::DiskIO, path.string() + ": cannot read the database header at offset 0");
  start.resize(static_cast<size_t>(got));
  auto read = readDatabaseHeader(start);
  if (!read.isOk()) return read.status().withContext(path.string());
  DatabaseHeader header = read->header;
  const bool clear = !header.previousFullBackup.isZero() || !header.previousIncrementalBackup.isZero() ||
                     !header.previousCopyBackup.isZero() || !header.previousDifferentialBackup.isZero() ||
                     !header.currentFullBackup.isZero() || !header.currentSnapshotBackup.isZero() ||
                     header.previousFullBackupType != esekit::BackupType::Normal ||
                     header.previousIncrementalBackupType != esekit::BackupType::Normal;
  if (!clear) return Status();
  header.previousFullBackup = {};
  header.previousIncrementalBackup = {};
  header.previousCopyBackup = {};
  header.previousDifferentialBackup = {};
  header.currentFullBackup = {};
  header.currentSnapshotBackup = {};
  // ESE resets only these two type words (io.cxx); the Copy/Diff ones stay.
  header.previousFullBackupType = esekit::BackupType::Normal;
  header.previousIncrementalBackupType = esekit::BackupType::Normal;
  const uint32_t pageSize = header.pageSize();
  const std::vector<uint8_t> page = serializeDatabaseHeader(header, pageSize);
  if (page.empty()) return Status(JetError::InvalidParameter, path.string() + ": cannot serialize the header");
  // The header page and its shadow copy (page-format.md: pages 0 and 1 of the file).
  for (uint64_t offset : {uint64_t{0}, uint64_t{pageSize}}) {
    if (::pwrite(fd, page.data(), page.size(), static_cast<off_t>(offset)) != static_cast<ssize_t>(page.size()))
      return Status(JetError::DiskIO, path.string() + ": cannot write the database header at offset " +
                                          std::to_string(offset));
  }
  if (::fdatasync(fd) != 0) return Status(JetError::DiskIO, path.string() + ": fdatasync of the header failed");
  return Status();
}

// End of generation g: creation of g+1, or the completion of the set holding g.
std::optional<int64_t> generationEnd(const std::map<int32_t, const ValidatedLog*>& chain, int32_t generation,
                                     const ValidationReport& validation) {
  auto next = chain.find(generation + 1);
  if (next != chain.end() && !next->second->created.isZero()) return next->second->created.unixSeconds();
  const ValidatedLog* log = chain.at(generation);
  const ValidatedSet& set = validation.sets[log->set];
  if (set.completedUnixTime != 0 && set.lastGeneration == generation) return set.completedUnixTime;
  return std::nullopt;
}

}  // namespace

Result<RestoreReport> restore(std::span<const fs::path> sets, const fs::path& target, const RestoreOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  RestoreReport report;
  report.target = target;
  ProgressMeter meter(options.progress);
  std::error_code error;

  // The target: a new or empty directory, not inside a set, no set inside it.
  if (target.empty()) return Status(JetError::InvalidPath, "no restore target given");
  if (fs::exists(target, error)) {
    if (!fs::is_directory(target, error)) return Status(JetError::InvalidPath, target.string() + ": not a directory");
    if (!fs::is_empty(target, error))
      return Status(JetError::InvalidPath, target.string() + ": the restore target must be empty or not exist yet");
  }
  for (const fs::path& set : sets) {
    if (isInside(target, set) || isInside(set, target))
      return Status(JetError::InvalidPath, target.string() + ": the restore target and the backup set " + set.string() +
                                               " must not contain one another (backups are never modified)");
  }

  // 1. Validate everything first: nothing is written for bad input.
  uint64_t setBytes = 0;
  for (const fs::path& set : sets) setBytes += detail::setBytes(detail::setDirectory(set));
  meter.setTotals(setBytes, setBytes, 0);
  ValidateOptions validateOptions;
  validateOptions.threads = options.threads;
  validateOptions.progress = [&](uint64_t done, uint64_t total) {
    meter.report(RestoreProgress::Phase::Validate, done, total);
  };
  auto validation = validateBackupSets(sets, validateOptions);
  if (!validation.isOk()) return validation.status();
  report.validation = std::move(*validation);
  const ValidationReport& valid = report.validation;
  if (!valid.valid()) return valid.status().withContext("backup sets refused, nothing restored");
  report.baseName = valid.baseName;

  // 2. What to restore: the databases of one full backup, the chain of logs.
  const ValidatedSet* full = nullptr;
  for (const ValidatedSet& set : valid.sets) {
    if (set.databases.empty()) continue;
    if (full)
      return Status(JetError::InvalidParameter, set.directory.string() + ": a second set with databases (after " +
                                                    full->directory.string() +
                                                    "); give one full backup followed by its incrementals");
    full = &set;
  }
  if (!full)
    return Status(JetError::RestoreOfNonBackupDatabase,
                  "no database in the backup sets: a restore needs a full (or copy) backup first");
  std::map<std::string, const ValidatedDatabase*> byName;
  for (const ValidatedDatabase& database : full->databases) {
    if (!byName.emplace(lower(database.name), &database).second)
      return Status(JetError::InvalidParameter, database.file.string() + ": two databases named " + database.name);
    report.pageSize = database.pageSize;
  }
  std::map<int32_t, const ValidatedLog*> chain;
  for (const ValidatedSet& set : valid.sets)
    for (const ValidatedLog& log : set.logs) chain[log.generation] = &log;

  int32_t low = valid.firstGeneration, high = valid.lastGeneration;
  if (options.untilTime && high != 0) {
    std::optional<int32_t> last;
    for (int32_t g = low; g <= high; ++g) {
      auto end = generationEnd(chain, g, valid);
      if (!end || *end > *options.untilTime) break;
      last = g;
    }
    if (!last || *last < valid.requiredHigh) {
      return Status(JetError::EndingRestoreLogTooLow,
                    "no restorable point at or before the time given: the database copies need log generations up "
                    "to " + std::to_string(valid.requiredHigh) + ", and the first generation known to end by then " +
                        (last ? "is " + std::to_string(*last) : std::string("does not exist")));
    }
    high = *last;
  }
  if (options.untilGeneration) {
    const int32_t until = *options.untilGeneration;
    if (high == 0 || until > valid.lastGeneration)
      return Status(JetError::MissingLogFile, "--until generation " + std::to_string(until) +
                                                  ": the backup chain ends at generation " +
                                                  std::to_string(valid.lastGeneration));
    if (until < valid.requiredHigh || until < low)
      return Status(JetError::EndingRestoreLogTooLow,
                    "--until generation " + std::to_string(until) + " is before the end of the backup: its databases "
                    "need log generations " + std::to_string(valid.requiredLow) + "-" +
                        std::to_string(valid.requiredHigh));
    high = std::min(high, until);
  }
  report.pointInTime = high != valid.lastGeneration;
  report.firstGeneration = high == 0 ? 0 : low;
  report.lastGeneration = high;

  uint64_t copyBytes = 0;
  for (const ValidatedDatabase& database : full->databases) copyBytes += database.restoredSize;
  uint64_t replayBytes = 0;
  for (int32_t g = low; high != 0 && g <= high; ++g) {
    copyBytes += chain.at(g)->fileSize;
    replayBytes += chain.at(g)->fileSize;
    report.logFileSize = chain.at(g)->fileSize;
  }
  meter.setTotals(setBytes, copyBytes, replayBytes);

  // 3. Stage.
  StagingGuard guard;
  if (!fs::exists(target, error)) {
    fs::create_directories(target, error);
    if (error) return Status(JetError::InvalidPath, target.string() + ": cannot create: " + error.message());
    guard.createdTarget = target;
  }
  std::string pattern = (target / (std::string(kStagingPrefix) + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr)
    return Status(JetError::InvalidPath, target.string() + ": cannot create a staging directory");
  guard.staging = pattern;
  const fs::path staging = guard.staging;

  uint64_t copied = 0;
  auto copyOne = [&](const fs::path& source, bool compressed, const fs::path& destination,
                     std::optional<uint64_t> limit) -> Status {
    auto file = SourceFile::open(source);
    if (!file.isOk()) return file.status();
    const uint64_t base = copied;
    const uint64_t expected = limit.value_or(file->size());
    Status written = writeCopy(file->bytes(), compressed, destination, limit, [&](uint64_t sourceDone) {
      const uint64_t estimate = file->size() == 0 ? 0 : expected * sourceDone / file->size();
      meter.report(RestoreProgress::Phase::Copy, base + std::min(estimate, expected), copyBytes);
    });
    ESEKIT_RETURN_IF_ERROR(written);
    copied = base + expected;
    return Status();
  };
  for (const ValidatedDatabase& database : full->databases) {
    ESEKIT_RETURN_IF_ERROR(copyOne(database.file, database.compressed, staging / database.name, database.restoredSize));
    RestoredDatabase restored;
    restored.path = target / database.name;
    restored.originalPath = database.originalPath;
    restored.bytes = database.restoredSize;
    report.databases.push_back(restored);
  }
  // A page-level differential goes over the full's copies (apply_pages.h).
  ESEKIT_RETURN_IF_ERROR(applyPagesSets(valid, *full, staging));
  for (int32_t g = low; high != 0 && g <= high; ++g) {
    const ValidatedLog& log = *chain.at(g);
    // The newest generation becomes the current log the stream continues from.
    const std::string name = g == high ? report.baseName + ".log" : detail::archivedLogName(report.baseName, g);
    ESEKIT_RETURN_IF_ERROR(copyOne(log.file, log.compressed, staging / name, std::nullopt));
  }
  report.bytesCopied = copied;
  ESEKIT_RETURN_IF_ERROR(syncDirectory(staging));

  // 4. Replay (redo, undo, clean databases, checkpoint).
  if (high != 0) {
    engine::RecoveryOptions recovery;
    recovery.logDirectory = staging;
    recovery.systemDirectory = staging;
    recovery.baseName = report.baseName;
    recovery.continueLog = true;
    recovery.cacheSize = options.cacheSize;
    recovery.locate = [&](const std::string& logged) -> fs::path {
      for (const ValidatedDatabase& database : full->databases)
        if (!database.originalPath.empty() && database.originalPath == logged) return staging / database.name;
      const std::string name = loggedFileName(logged);
      auto found = byName.find(lower(name));
      return staging / (found != byName.end() ? found->second->name : name);
    };
    const uint64_t generations = static_cast<uint64_t>(high - low + 1);
    recovery.progress = [&](uint64_t, int32_t generation) {
      meter.report(RestoreProgress::Phase::Replay, static_cast<uint64_t>(std::max(0, generation - low)), generations);
    };
    auto recovered = engine::recover(recovery);
    if (!recovered.isOk()) return recovered.status().withContext("replay of the restored logs in " + staging.string());
    report.recovery = std::move(*recovered);
    meter.report(RestoreProgress::Phase::Replay, generations, generations);
  }

  // Every restored database must now be consistent.
  for (const ValidatedDatabase& database : full->databases) {
    auto file = SourceFile::open(staging / database.name);
    if (!file.isOk()) return file.status();
    auto header = readDatabaseHeader(file->bytes().first(std::min<size_t>(file->size(), kFileKindProbeSize)));
    if (!header.isOk()) return header.status().withContext((staging / database.name).string());
    if (header->header.state != DatabaseState::CleanShutdown)
      return Status(JetError::DatabaseInconsistent,
                    database.file.string() + ": still " + databaseStateName(header->header.state) +
                        " after replay (no log of the chain names this database, so recovery could not reach it)");
  }
  for (const ValidatedDatabase& database : full->databases)
    ESEKIT_RETURN_IF_ERROR(clearBackupHistory(staging / database.name));

  // 5. Into the target: logs and checkpoint first, databases last.
  std::vector<fs::path> staged;
  for (const fs::directory_entry& entry : fs::directory_iterator(staging, error)) staged.push_back(entry.path());
  if (error) return Status(JetError::DiskIO, staging.string() + ": cannot list: " + error.message());
  std::stable_partition(staged.begin(), staged.end(), [&](const fs::path& path) {
    return byName.count(lower(path.filename().string())) == 0;
  });
  for (const fs::path& path : staged) {
    const fs::path destination = target / path.filename();
    if (fs::exists(destination, error))
      return Status(JetError::InvalidPath, destination.string() + ": appeared in the target during the restore");
    if (::rename(path.c_str(), destination.c_str()) != 0)
      return Status(JetError::DiskIO, destination.string() + ": rename from the staging directory failed");
    guard.moved.push_back(destination);
  }
  ESEKIT_RETURN_IF_ERROR(syncDirectory(target));
  fs::remove_all(staging, error);
  guard.keep = true;
  ESEKIT_RETURN_IF_ERROR(syncDirectory(target));
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

FieldList describe(const RestoreReport& report) {
  FieldList fields;
  fields.text("target", report.target.string());
  for (size_t i = 0; i < report.databases.size(); ++i) {
    FieldList db;
    db.text("path", report.databases[i].path.string());
    if (!report.databases[i].originalPath.empty()) db.text("originalPath", report.databases[i].originalPath);
    db.unsignedNumber("bytes", report.databases[i].bytes);
    fields.nest("databases." + std::to_string(i), db);
  }
  fields.text("baseName", report.baseName);
  fields.unsignedNumber("logFileSize", report.logFileSize);
  fields.unsignedNumber("pageSize", report.pageSize);
  fields.number("firstGeneration", report.firstGeneration);
  fields.number("lastGeneration", report.lastGeneration);
  fields.boolean("pointInTime", report.pointInTime);
  fields.unsignedNumber("bytesCopied", report.bytesCopied);
  FieldList recovery;
  recovery.boolean("ran", report.recovery.ran);
  recovery.text("start", report.recovery.start.toString());
  recovery.text("end", report.recovery.end.toString());
  recovery.unsignedNumber("recordsReplayed", report.recovery.recordsReplayed);
  recovery.unsignedNumber("pagesRedone", report.recovery.pagesRedone);
  recovery.unsignedNumber("pagesSkipped", report.recovery.pagesSkipped);
  recovery.unsignedNumber("transactionsCommitted", report.recovery.transactionsCommitted);
  recovery.unsignedNumber("transactionsUndone", report.recovery.transactionsUndone);
  for (size_t i = 0; i < report.recovery.notes.size(); ++i)
    recovery.text("notes." + std::to_string(i), report.recovery.notes[i]);
  fields.nest("recovery", recovery);
  fields.text("seconds", std::to_string(report.seconds));
  return fields;
}

}  // namespace esekit::restore
