// backupFromSnapshot() and hashSnapshotFiles() (snapshot.h): a backup
// directory made from the frozen files of a snapshot. The verifiers are the
// ones backup() uses through ExternalBackup — the format library's page
// checksum verification (page::verifyDatabaseImage over checksum::checkPage)
// and log scan (scanLogFile, checkLogSequence) — and the directory, stored
// file and manifest code is backup()'s own (BackupDirectory,
// StoredFileWriter, serializeManifest).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <thread>
#include <utility>

#include "backup_directory.h"
#include "backup_output.h"
#include "esekit/backup/snapshot.h"
#include "esekit/backup/stored_file.h"
#include "esekit/format/database_header.h"
#include "esekit/format/log_file.h"
#include "esekit/format/page_verify.h"

namespace esekit::backup {
namespace {

namespace fs = std::filesystem;

// A read-only mapping of a whole snapshot file.
class Mapping {
 public:
  static Result<Mapping> open(const fs::path& path) {
    Mapping m;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status(JetError::FileNotFound, path.string() + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int error = errno;
      ::close(fd);
      return Status(JetError::DiskIO, path.string() + ": " + std::strerror(error));
    }
    m.size_ = static_cast<size_t>(st.st_size);
    if (m.size_ > 0) {
      void* data = ::mmap(nullptr, m.size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (data == MAP_FAILED) {
        const int error = errno;
        ::close(fd);
        return Status(JetError::DiskIO, path.string() + ": mmap: " + std::strerror(error));
      }
      m.data_ = static_cast<const uint8_t*>(data);
    }
    ::close(fd);
    return m;
  }
  Mapping() = default;
  Mapping(Mapping&& other) noexcept : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  Mapping& operator=(Mapping&&) = delete;
  ~Mapping() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
  }
  Bytes bytes() const { return Bytes(data_, size_); }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

JetError alteredError(FileKind kind) {
  return kind == FileKind::Database ? JetError::ReadVerifyFailure : JetError::LogReadVerifyFailure;
}

class FromSnapshot {
 public:
  FromSnapshot(const SnapshotDescription& snapshot, const BackupOptions& options, BackupResult& result)
      : snapshot_(snapshot), options_(options), result_(result) {}

  Status run(const fs::path& destination) {
    if (options_.type != snapshot_.type || !options_.previousBackup.empty())
      return Status(JetError::InvalidGrbit, "a backup from a snapshot is of the snapshot's type (" +
                                                std::string(backupTypeName(snapshot_.type)) +
                                                ") and builds on no previous backup");
    for (const SnapshotFile& file : snapshot_.files) total_.bytesTotal += file.size;
    auto directory = BackupDirectory::prepare(destination, options_.atomic, options_.createPaths, options_.faultHook,
                                              result_.notes);
    if (!directory) return directory.status();
    directory_.emplace(std::move(*directory));
    report(BackupPhase::Begin, {});
    for (const SnapshotFile& file : snapshot_.files) ESEKIT_RETURN_IF_ERROR(copyFile(file));
    ESEKIT_RETURN_IF_ERROR(writeManifest());
    report(BackupPhase::Commit, {});
    ESEKIT_RETURN_IF_ERROR(directory_->commit(result_.notes));
    committed_ = true;
    total_.bytesTotal = std::max(total_.bytesTotal, total_.bytesDone);
    report(BackupPhase::Complete, {});
    return Status();
  }

  void fail() {
    if (directory_ && !committed_) directory_->discard();
    report(BackupPhase::Fail, {});
  }

  Manifest manifest;

 private:
  void report(BackupPhase phase, const std::string& file) {
    total_.phase = phase;
    total_.currentFile = file;
    if (options_.progress) options_.progress(total_);
  }

  Status verifyDatabase(const SnapshotFile& file, Bytes bytes) {
    auto header = readDatabaseHeader(bytes.first(std::min<size_t>(bytes.size(), size_t{2} * 32768)));
    if (!header)
      return Status(JetError::ReadVerifyFailure, file.snapshot.string() + ": database header: " + header.status().message());
    if (file.pageSize != 0 && header->header.pageSize() != file.pageSize)
      return Status(JetError::ReadVerifyFailure, file.snapshot.string() + ": page size " +
                                                     std::to_string(header->header.pageSize()) + ", the instance's is " +
                                                     std::to_string(file.pageSize));
    page::VerifyOptions verify;
    verify.threads = options_.threads;
    verify.checkStructure = false;  // checksums, as backup() verifies; structure is `esekit integrity`'s
    verify.maxProblems = 16;
    const page::DatabaseImageReport image = page::verifyDatabaseImage(bytes, header->header.pageSize(), verify);
    if (!image.imageStatus.isOk())
      return Status(JetError::ReadVerifyFailure, file.snapshot.string() + ": " + image.imageStatus.message());
    for (const page::PageProblem& problem : image.problems) {
      if (problem.tolerated) continue;
      if (problem.pageClass == page::PageClass::Corrected) {
        result_.notes.push_back(file.snapshot.string() + ": " + problem.status().message() +
                                " (single-bit error, corrected by restore)");
        continue;
      }
      return Status(JetError::ReadVerifyFailure, file.snapshot.string() + ": " + problem.status().message());
    }
    ManifestDatabase d;
    d.originalPath = file.source.string();
    d.file = file.name;
    d.pageSize = header->header.pageSize();
    d.dbid = file.dbid;
    d.databaseSignature = header->header.databaseSignature;
    d.streamPages = bytes.size() / d.pageSize;
    // What a restore of this image needs: the snapshot's logs (the role of
    // ESE's bkinfoSnapshotCur, checkpoint-and-backup.md §6 step 3).
    d.trailer.mark = snapshot_.stamp.mark;
    d.trailer.markTime = snapshot_.stamp.markTime;
    d.trailer.generationLow = static_cast<uint32_t>(snapshot_.stamp.startGeneration);
    d.trailer.generationHigh = static_cast<uint32_t>(snapshot_.stamp.endGeneration);
    manifest.databases.push_back(d);
    return Status();
  }

  Status verifyLog(const SnapshotFile& file, Bytes bytes) {
    LogScanOptions scanOptions;
    scanOptions.collectRecords = false;
    auto scan = scanLogFile(bytes, scanOptions);
    if (!scan) return Status(JetError::LogReadVerifyFailure, file.snapshot.string() + ": " + scan.status().toString());
    if (scan->header.generation != file.generation)
      return Status(JetError::LogReadVerifyFailure, file.snapshot.string() + ": header generation " +
                                                        std::to_string(scan->header.generation) + ", expected " +
                                                        std::to_string(file.generation));
    if (!(scan->header.logSignature == snapshot_.logSignature))
      return Status(JetError::LogReadVerifyFailure, file.snapshot.string() + ": log signature " +
                                                        scan->header.logSignature.toString() + " is not the instance's " +
                                                        snapshot_.logSignature.toString());
    if (previousLog_ && previousLog_->first.generation + 1 == file.generation) {
      Status chained = checkLogSequence(previousLog_->first, previousLog_->second, scan->header);
      if (!chained.isOk()) return Status(JetError::LogReadVerifyFailure, file.snapshot.string() + ": " + chained.toString());
    }
    previousLog_.emplace(scan->header, std::move(*scan));
    return Status();
  }

  Status copyFile(const SnapshotFile& file) {
    report(file.kind == FileKind::Database ? BackupPhase::Databases : BackupPhase::Logs, file.snapshot.string());
    auto mapping = Mapping::open(file.snapshot);
    if (!mapping) return mapping.status();
    const Bytes bytes = mapping->bytes();
    if (bytes.size() != file.size)
      return Status(alteredError(file.kind), file.snapshot.string() + ": " + std::to_string(bytes.size()) +
                                                 " bytes, the snapshot took " + std::to_string(file.size));
    if (file.hash) {
      auto digest = hashFile(file.snapshot);
      if (!digest) return digest.status();
      if (!(digest->hash == *file.hash))
        return Status(alteredError(file.kind), file.snapshot.string() + ": XXH3-128 " + digest->hash.hex() +
                                                   ", the snapshot document lists " + file.hash->hex() +
                                                   " (the snapshot file was altered)");
    }
    ESEKIT_RETURN_IF_ERROR(file.kind == FileKind::Database ? verifyDatabase(file, bytes) : verifyLog(file, bytes));
    // The current log keeps its generation's archived name in the backup,
    // like every log of a backup (restore makes the newest one <base>.log).
    const std::string name = file.kind == FileKind::Log ? logName(file) : file.name;
    auto writer = createBackupFile(*directory_, name, options_);
    if (!writer) return writer.status();
    constexpr size_t kChunk = size_t{1} << 20;
    for (size_t offset = 0; offset < bytes.size(); offset += kChunk) {
      const Bytes chunk = bytes.subspan(offset, std::min(kChunk, bytes.size() - offset));
      ESEKIT_RETURN_IF_ERROR((*writer)->write(chunk));
      total_.bytesDone += chunk.size();
      result_.bytesRead += chunk.size();
      if (options_.progress) options_.progress(total_);
    }
    ESEKIT_RETURN_IF_ERROR((*writer)->finish());
    if (file.kind == FileKind::Database && !manifest.databases.empty()) manifest.databases.back().file = name;
    manifest.files.push_back(finishedFileEntry(**writer, file.kind, file.generation, options_, result_));
    return Status();
  }

  std::string logName(const SnapshotFile& file) const {
    char digits[16];
    std::snprintf(digits, sizeof digits, file.generation <= 0xFFFFF ? "%05X" : "%08X",
                  static_cast<unsigned>(file.generation));
    return snapshot_.baseName + digits + ".log";
  }

  Status writeManifest() {
    Manifest& m = manifest;
    m.type = snapshot_.type;
    m.compression = options_.compression;
    m.compressionLevel = options_.compression == Compression::Zstd ? options_.compressionLevel : 0;
    m.baseName = snapshot_.baseName;
    m.logFileSize = snapshot_.logFileSize;
    m.logSignature = snapshot_.logSignature;
    m.stamp = snapshot_.stamp;
    // Truncation is the snapshot's complete(true) / `esekit backup --complete`, not this copy's.
    m.truncateRequested = false;
    return writeManifestFile(*directory_, m, options_);
  }

  const SnapshotDescription& snapshot_;
  const BackupOptions& options_;
  BackupResult& result_;
  BackupProgress total_;
  std::optional<BackupDirectory> directory_;
  bool committed_ = false;
  std::optional<std::pair<LogFileHeader, LogFileScan>> previousLog_;
};

}  // namespace

Result<BackupResult> backupFromSnapshot(const SnapshotDescription& snapshot, const fs::path& destination,
                                        const BackupOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  if (destination.empty()) return Status(JetError::InvalidPath, "a backup from a snapshot needs a destination");
  if (snapshot.files.empty()) return Status(JetError::InvalidBackup, "the snapshot lists no files");
  BackupResult result;
  FromSnapshot run(snapshot, options, result);
  return runBackupJob(run, run.manifest, result, destination, started);
}

Status hashSnapshotFiles(SnapshotDescription& snapshot) {
  for (SnapshotFile& file : snapshot.files) {
    auto digest = hashFile(file.snapshot);
    if (!digest) return digest.status();
    if (digest->size != file.size)
      return Status(alteredError(file.kind), file.snapshot.string() + ": " + std::to_string(digest->size) +
                                                 " bytes, the snapshot took " + std::to_string(file.size));
    file.hash = digest->hash;
  }
  return Status();
}

}  // namespace esekit::backup
