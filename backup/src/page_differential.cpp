// Page-level differential backup (page_differential.h, doc/pages-differential.md).
#include "page_differential.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include "backup_directory.h"
#include "backup_output.h"
#include "esekit/backup/pages_file.h"
#include "esekit/engine/backup_support.h"
#include "esekit/format/checksum.h"
#include "esekit/format/database_header.h"
#include "esekit/format/log_file.h"
#include "esekit/format/page.h"
#include "log_directory.h"

namespace esekit::backup {
namespace {

namespace fs = std::filesystem;
using engine::BackupSession;

int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct DatabaseWork {
  engine::BackupDatabaseInfo info;
  std::string name;  // stored name without ".zst"
  DatabaseHeader header;
  std::unique_ptr<StoredFileWriter> writer;
  BackupInfo fullBackup;
  uint64_t pages = 0;
};

class PagesRun {
 public:
  PagesRun(engine::Instance& instance, const BackupOptions& options, BackupResult& result)
      : instance_(instance), options_(options), result_(result) {
  }

  Status run(const fs::path& destination) {
    auto session = BackupSession::begin(instance_);
    if (!session) return session.status();
    session_ = std::move(*session);
    auto directory = BackupDirectory::prepare(destination, options_.atomic, options_.createPaths, options_.faultHook,
                                              result_.notes);
    if (!directory) return directory.status();
    directory_.emplace(std::move(*directory));
    report(BackupPhase::Begin);
    ESEKIT_RETURN_IF_ERROR(copyPages());
    auto finished = session_->rollLog();
    if (!finished) return finished.status();
    endGeneration_ = *finished;
    ESEKIT_RETURN_IF_ERROR(finishPagesFiles());
    ESEKIT_RETURN_IF_ERROR(copyLogs());
    ESEKIT_RETURN_IF_ERROR(writeManifest());
    report(BackupPhase::Commit);
    ESEKIT_RETURN_IF_ERROR(directory_->commit(result_.notes));
    committed_ = true;
    // The slot ESE keeps for "changes since the last full, logs not truncated".
    const BackupInfo info{session_->mark(), session_->markTime(), static_cast<uint32_t>(session_->startGeneration()),
                          static_cast<uint32_t>(endGeneration_)};
    std::vector<uint8_t> dbids;
    for (const DatabaseWork& work : databases_) dbids.push_back(work.info.dbid);
    if (!dbids.empty()) ESEKIT_RETURN_IF_ERROR(session_->recordInHeaders(BackupSession::Slot::Differential, info, dbids));
    session_.reset();
    progress_.bytesTotal = std::max(progress_.bytesTotal, progress_.bytesDone);
    report(BackupPhase::Complete);
    return Status();
  }

  void fail() {
    databases_.clear();  // unfinished writers remove their files
    if (directory_ && !committed_) directory_->discard();
    if (session_) session_->abort();
    session_.reset();
    report(BackupPhase::Fail);
  }

  Manifest manifest_;

 private:
  void report(BackupPhase phase, const std::string& file = {}) {
    progress_.phase = phase;
    progress_.currentFile = file;
    if (options_.progress) options_.progress(progress_);
  }
  void add(uint64_t bytes) {
    progress_.bytesDone += bytes;
    result_.bytesRead += bytes;
    if (options_.progress) options_.progress(progress_);
  }

  Result<std::unique_ptr<StoredFileWriter>> createFile(const std::string& name) {
    return createBackupFile(*directory_, name, options_);
  }

  ManifestFile entryOf(const StoredFileWriter& writer, FileKind kind, int32_t generation) {
    return finishedFileEntry(writer, kind, generation, options_, result_);
  }

  // Verifies one page read through the engine (single-bit errors corrected
  // in the copy, as the full backup does).
  Status verifyPage(const DatabaseWork& work, uint32_t pgno, std::span<uint8_t> page) {
    if (std::all_of(page.begin(), page.end(), [](uint8_t b) { return b == 0; })) return Status();
    const checksum::PageChecksumCheck check = checksum::checkPage(page, pgno);
    if (check.verdict == checksum::PageChecksumCheck::Verdict::Ok) return Status();
    const uint64_t offset = page::fileOffsetOfPage(pgno, work.info.pageSize);
    if (check.verdict == checksum::PageChecksumCheck::Verdict::Correctable && checksum::correctPage(page, pgno, check)) {
      result_.notes.push_back(work.info.path.string() + ": page " + std::to_string(pgno) + " (file offset " +
                              std::to_string(offset) + "): single-bit error corrected in the backup copy");
      return Status();
    }
    return Status(JetError::ReadVerifyFailure,
                  work.info.path.string() + ": page " + std::to_string(pgno) + " (file offset " +
                      std::to_string(offset) + "): checksum mismatch in block " + std::to_string(check.block) +
                      ", stored " + hex64(check.stored) + ", computed " + hex64(check.computed) +
                      "; the page is damaged on disk");
  }

  Status copyPages() {
    std::set<std::string> used;
    for (const engine::BackupDatabaseInfo& database : session_->databases()) {
      DatabaseWork work;
      work.info = database;
      const uint32_t pageSize = database.pageSize;
      auto header = session_->databaseHeader(database);
      if (!header) return header.status();
      work.header = *header;
      // The page set first, then the file size: pages in the set were
      // written before it was taken, so the file already holds them.
      auto changed = session_->changedPages(database);
      if (!changed) return changed.status();
      auto fileSize = session_->databaseFileSize(database);
      if (!fileSize) return fileSize.status();
      const uint64_t filePages = *fileSize / pageSize;
      if (filePages < 3)
        return Status(JetError::DatabaseCorrupted,
                      database.path.string() + ": " + std::to_string(*fileSize) + " bytes is too small for a database");
      const uint64_t databasePages = filePages - 2;
      for (const uint32_t pgno : changed->pages) {
        if (pgno == 0 || pgno > databasePages)
          return Status(JetError::DatabaseCorrupted, database.path.string() + ": tracked page " + std::to_string(pgno) +
                                                         " is beyond the file's " + std::to_string(databasePages) +
                                                         " pages");
      }
      work.fullBackup = changed->fullBackup;
      work.pages = changed->pages.size();
      work.name = database.path.filename().string();
      if (!used.insert(work.name).second) {
        work.name = std::to_string(database.dbid) + "-" + work.name;
        used.insert(work.name);
      }
      work.name += std::string(kPagesFileSuffix);
      auto writer = createFile(work.name);
      if (!writer) return writer.status();
      work.writer = std::move(*writer);
      progress_.bytesTotal += uint64_t{pageSize} * (changed->pages.size() + 1);
      report(BackupPhase::Databases, database.path.string());

      PagesFileHeader fileHeader;
      fileHeader.pageSize = pageSize;
      fileHeader.databasePages = databasePages;
      fileHeader.changedPages = changed->pages.size();
      fileHeader.databaseSignature = work.header.databaseSignature;
      fileHeader.logSignature = session_->logSignature();
      fileHeader.fullBackup = changed->fullBackup;
      const std::vector<uint8_t> bitmap = engine::encodePageSet(changed->pages);
      ESEKIT_RETURN_IF_ERROR(work.writer->write(serializePagesFileStart(fileHeader, bitmap)));

      // Runs of consecutive pages, at most readChunkBytes per read.
      const size_t chunkPages = std::max<size_t>(1, options_.readChunkBytes / pageSize);
      std::vector<uint8_t> buffer(chunkPages * pageSize);
      const std::vector<uint32_t>& pages = changed->pages;
      size_t i = 0;
      while (i < pages.size()) {
        size_t j = i + 1;
        while (j < pages.size() && j - i < chunkPages && pages[j] == pages[j - 1] + 1) ++j;
        const size_t count = j - i;
        std::span<uint8_t> out(buffer.data(), count * pageSize);
        auto read = session_->readDatabase(database, page::fileOffsetOfPage(pages[i], pageSize), out);
        if (!read) return read.status();
        if (*read != out.size())
          return Status(JetError::DiskIO, database.path.string() + ": short read at page " + std::to_string(pages[i]) +
                                              " (the file shrank during the backup)");
        for (size_t k = 0; k < count; ++k)
          ESEKIT_RETURN_IF_ERROR(verifyPage(work, pages[i + k], out.subspan(k * pageSize, pageSize)));
        ESEKIT_RETURN_IF_ERROR(work.writer->write(Bytes(out.data(), out.size())));
        add(out.size());
        i = j;
      }
      databases_.push_back(std::move(work));
    }
    return Status();
  }

  // The header page goes last: its required log range ends at the
  // generation the rollover closed.
  Status finishPagesFiles() {
    for (DatabaseWork& work : databases_) {
      DatabaseHeader header = work.header;
      header.state = DatabaseState::DirtyShutdown;
      header.minRequiredGeneration = session_->startGeneration();
      header.minConsistentGeneration = session_->startGeneration();
      header.maxRequiredGeneration = endGeneration_;
      header.currentFullBackup = {};
      const std::vector<uint8_t> page = serializeDatabaseHeader(header, work.info.pageSize);
      ESEKIT_RETURN_IF_ERROR(work.writer->write(page));
      add(page.size());
      ESEKIT_RETURN_IF_ERROR(work.writer->finish());
      manifest_.files.push_back(entryOf(*work.writer, FileKind::Pages, 0));
    }
    return Status();
  }

  Status verifyLog(const fs::path& path, int32_t generation, Bytes bytes) {
    LogScanOptions scanOptions;
    scanOptions.collectRecords = false;
    auto scan = scanLogFile(bytes, scanOptions);
    if (!scan) return Status(JetError::LogReadVerifyFailure, path.string() + ": " + scan.status().toString());
    if (scan->header.generation != generation)
      return Status(JetError::LogReadVerifyFailure, path.string() + ": header generation " +
                                                        std::to_string(scan->header.generation) + ", expected " +
                                                        std::to_string(generation));
    if (!(scan->header.logSignature == session_->logSignature()))
      return Status(JetError::LogReadVerifyFailure, path.string() + ": log signature " +
                                                        scan->header.logSignature.toString() +
                                                        " is not the instance's " + session_->logSignature().toString());
    // Consecutive generations chain (log-format.md §8).
    if (previousLog_) {
      Status chained = checkLogSequence(previousLog_->header, *previousLog_, scan->header);
      if (!chained.isOk()) return Status(JetError::LogReadVerifyFailure, path.string() + ": " + chained.toString());
    }
    previousLog_ = std::move(*scan);
    return Status();
  }

  Status copyLogs() {
    const int32_t low = session_->startGeneration();
    for (int32_t g = low; g <= endGeneration_; ++g) {
      const fs::path path = session_->logDirectory() / archivedLogName(session_->baseName(), g);
      report(BackupPhase::Logs, path.string());
      auto bytes = readLogToBackup(path);
      if (!bytes) return bytes.status();
      ESEKIT_RETURN_IF_ERROR(verifyLog(path, g, *bytes));
      progress_.bytesTotal += bytes->size();
      auto writer = createFile(path.filename().string());
      if (!writer) return writer.status();
      ESEKIT_RETURN_IF_ERROR((*writer)->write(*bytes));
      ESEKIT_RETURN_IF_ERROR((*writer)->finish());
      add(bytes->size());
      manifest_.files.push_back(entryOf(**writer, FileKind::Log, g));
    }
    return Status();
  }

  Status writeManifest() {
    Manifest& m = manifest_;
    m.type = BackupType::Pages;
    m.compression = options_.compression;
    m.compressionLevel = options_.compression == Compression::Zstd ? options_.compressionLevel : 0;
    m.baseName = session_->baseName();
    m.logFileSize = session_->logFileSize();
    m.logSignature = session_->logSignature();
    m.stamp.startGeneration = session_->startGeneration();
    m.stamp.endGeneration = endGeneration_;
    m.stamp.checkpoint = session_->checkpointAtStart();
    m.stamp.mark = session_->mark();
    m.stamp.markTime = session_->markTime();
    m.stamp.unixTime = unixNow();
    // The full backup the pages apply to (the same for every database when
    // they were backed up together; the newest otherwise).
    for (const DatabaseWork& work : databases_) {
      if (m.previous && !(work.fullBackup.mark > m.previous->stamp.mark)) continue;
      PreviousBackup previous;
      previous.type = BackupType::Full;
      previous.stamp.startGeneration = static_cast<int32_t>(work.fullBackup.generationLow);
      previous.stamp.endGeneration = static_cast<int32_t>(work.fullBackup.generationHigh);
      previous.stamp.mark = work.fullBackup.mark;
      previous.stamp.markTime = work.fullBackup.markTime;
      previous.source = "header:" + work.info.path.string();
      m.previous = previous;
    }
    return writeManifestFile(*directory_, m, options_);
  }

  engine::Instance& instance_;
  const BackupOptions& options_;
  BackupResult& result_;
  BackupProgress progress_;
  std::unique_ptr<BackupSession> session_;
  std::optional<BackupDirectory> directory_;
  bool committed_ = false;
  int32_t endGeneration_ = 0;
  std::vector<DatabaseWork> databases_;
  std::optional<LogFileScan> previousLog_;
};

}  // namespace

Result<BackupResult> pagesBackup(engine::Instance& instance, const fs::path& destination, const BackupOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  if (!options.previousBackup.empty())
    return Status(JetError::InvalidGrbit, "a pages backup builds on the full backup the engine tracks changed pages "
                                          "since; previousBackup must not be set");
  BackupResult result;
  PagesRun run(instance, options, result);
  return runBackupJob(run, run.manifest_, result, destination, started);
}

}  // namespace esekit::backup
