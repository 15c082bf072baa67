// LogWriter::Impl, shared by log_writer.cpp (appends, group-committed
// flushes, the background writer, close) and log_writer_files.cpp (file
// creation, continuation of a stream, rollover). Private to engine/src/log.
#pragma once

#include "log/log_writer.h"



#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

#include "esekit/format/log_file.h"
#include "esekit/format/log_record_encode.h"
#include "esekit/format/log_segment_writer.h"
#include "log/log_file_io.h"


namespace esekit::engine::log {

namespace writer_detail {

// lGenerationMax (log-format.md §1): beyond it only recovery may write.
constexpr int32_t kGenerationMax = 0x7FFFF800;
// Full segments that wake the background writer (one chunk of
// kMaxSectorsPerWrite), and the most kept in memory before an append writes
// them out itself (the background writer is behind).
constexpr size_t kBackgroundWriteSegments = kMaxSectorsPerWrite;
constexpr size_t kMaxPendingSegments = 1024;

// The records that end a log cleanly (LogStreamTail::cleanEnd): a flush
// right after one keeps it the last record (shadow, no Nop2 fill).
inline bool endsLogCleanly(uint8_t type) {
  switch (static_cast<LogRecordType>(type)) {
    case LogRecordType::Term:
    case LogRecordType::Term2:
    case LogRecordType::RecoveryQuit:
    case LogRecordType::RecoveryQuit2:
    case LogRecordType::RecoveryQuitKeepAttachments:
      return true;
    default:
      return false;
  }
}

inline bool isDiskFull(const Status& status) {
  return status.code() == JetError::DiskFull || status.code() == JetError::LogDiskFull;
}

}  // namespace writer_detail

using namespace writer_detail;

// ---------------------------------------------------------------------------

class LogWriter::Impl {
 public:
  explicit Impl(const LogWriterOptions& options) : options_(options) {
    if (!options_.clock) options_.clock = currentLogTime;
    if (!options_.createFile) options_.createFile = createZeroFilledFile;
    fileSectors_ = static_cast<uint16_t>(options_.fileSize / kLogSegmentSize);
    options_.dbmsParameters.logFileSectors = fileSectors_;
    if (options_.circular)
      options_.dbmsParameters.flags |= DbmsParameters::kFlagCircularLogging;
    else
      options_.dbmsParameters.flags &= static_cast<uint8_t>(~DbmsParameters::kFlagCircularLogging);
  }

  ~Impl() { stopWorker(); }
  void startWorker();

  static Status validate(const LogWriterOptions& options);
  Status startNew();
  Status startContinued(const LogStreamTail& tail);

  Result<LogPosition> append(Bytes record, bool shutdown);
  Status flush(LogPosition upTo);
  Status rollover();
  Status deleteGenerationsBefore(int32_t generation);
  Status close();

  LogPosition end() const {
    std::lock_guard lock(mutex_);
    return segments_ ? segments_->end() : LogPosition{};
  }
  LogPosition durableEnd() const {
    std::lock_guard lock(mutex_);
    return durable_;
  }
  int32_t currentGeneration() const {
    std::lock_guard lock(mutex_);
    return header_.generation;
  }
  bool diskFull() const {
    std::lock_guard lock(mutex_);
    return diskFullMode_;
  }
  LogWriterStatistics statistics() const {
    std::lock_guard lock(mutex_);
    return stats_;
  }
  const LogWriterOptions& options() const { return options_; }

 private:
  struct WritePlan {
    std::vector<LogSegmentImage> images;  // consecutive sectors
    bool isolateFirst = false;            // first image rewrites the shadowed tip: own write + sync
    LogPosition target;
    bool tip = false;
    uint16_t tipSector = 0;
  };

  std::filesystem::path pathOf(const std::string& name) const { return options_.directory / name; }
  std::filesystem::path currentPath() const { return pathOf(LogWriter::currentFileName(options_.baseName, options_.extension)); }
  std::filesystem::path temporaryPath() const { return pathOf(LogWriter::temporaryFileName(options_.baseName, options_.extension)); }
  std::filesystem::path archivedPath(int32_t generation) const {
    return pathOf(LogWriter::archivedFileName(options_.baseName, options_.extension, generation));
  }

  Status usable() const {
    if (closed_) return Status(JetError::InvalidParameter, "log writer for " + currentPath().string() + " is closed");
    return failure_;
  }
  Status fail(Status status) {
    if (failure_.isOk()) failure_ = status;
    return status;
  }
  bool covered(LogPosition upTo) const { return upTo < durable_ || durable_ >= segments_->end(); }

  Status createFile(const std::filesystem::path& path) { return options_.createFile(path, options_.fileSize); }
  Status createReserves();
  Status prepareTemporary();
  Status obtainTemporary(bool& reserveUsed);
  Status writeHeader(const io::File& file, const LogFileHeader& header);

  // What a write covers: only the full segments (background writes), the
  // tip closed with a Nop2 fill (flushes: one write, one fdatasync, no sector
  // is ever rewritten), or the tip with its shadow (close: the clean-end
  // record stays the last record, log-format.md §5.3).
  enum class TipMode { CompletedOnly, Pad, Shadow };
  WritePlan snapshot(TipMode mode);
  Status padTip();
  Status execute(const WritePlan& plan);
  Status leaderWrite(std::unique_lock<std::mutex>& lock, TipMode mode);
  Status flushLocked(std::unique_lock<std::mutex>& lock, LogPosition upTo, TipMode mode);
  void stopWorker();
  void workerLoop();
  void requestTemporary();

  // prepareNow: create the next `<base>tmp.log` before appends resume (an
  // explicit rollover); else the background worker does it.
  Status rolloverLocked(std::unique_lock<std::mutex>& lock, int32_t expectedGeneration, bool prepareNow = false);
  Status switchGeneration(bool prepareNow);
  Status zeroSectors(uint32_t first, uint32_t last);

  LogWriterOptions options_;
  uint16_t fileSectors_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable idle_;
  bool writing_ = false;      // a leader (or rollover) owns the file I/O
  bool rollingOver_ = false;  // appends wait: the generation is being finished

  io::File file_;
  LogFileHeader header_;
  std::optional<LogSegmentWriter> segments_;
  LogPosition durable_;
  bool tipOnDisk_ = false;  // a partial tip and its shadow are durable at tipSector_, tipSector_+1
  uint16_t tipSector_ = 0;

  Status failure_;
  bool closed_ = false;
  bool diskFullMode_ = false;
  bool temporaryReady_ = false;
  LogWriterStatistics stats_;

  // Background worker: writes full segments appended by lazy commits and
  // pre-creates `<base>tmp.log` after a rollover, so neither runs on the
  // commit path. Guarded by mutex_; the worker signals idle_ when done.
  std::thread worker_;
  std::condition_variable workerWake_;
  bool workerStop_ = false;
  bool wantSegmentsWritten_ = false;
  bool wantTemporary_ = false;
  bool preparingTemporary_ = false;
  uint8_t lastRecordType_ = 0;  // lrtyp of the last appended record
};

}  // namespace esekit::engine::log
