// LogWriter: group-committed, shadow-protected log writes, rollover, reserve
// logs. See log_writer.h for the protocol and ese-format/log-format.md §5.3, §8.
#include "log/log_writer.h"

#include "layout/writer_header.h"

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

namespace fs = std::filesystem;

namespace {

// lGenerationMax (log-format.md §1): beyond it only recovery may write.
constexpr int32_t kGenerationMax = 0x7FFFF800;
// Full segments that wake the background writer (one chunk of
// kMaxSectorsPerWrite), and the most kept in memory before an append writes
// them out itself (the background writer is behind).
constexpr size_t kBackgroundWriteSegments = kMaxSectorsPerWrite;
constexpr size_t kMaxPendingSegments = 1024;

// The records that end a log cleanly (LogStreamTail::cleanEnd): a flush
// right after one keeps it the last record (shadow, no Nop2 fill).
bool endsLogCleanly(uint8_t type) {
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

bool isDiskFull(const Status& status) {
  return status.code() == JetError::DiskFull || status.code() == JetError::LogDiskFull;
}

}  // namespace

// One clock for database headers and logs (layout/writer_header.h).
LogTime currentLogTime() { return layout::currentLogTime(); }

Signature newLogSignature(const LogTime& created) {
  Signature signature;
  std::random_device random;
  signature.random = random();
  signature.created = created;
  return signature;
}

Status createZeroFilledFile(const fs::path& path, uint64_t size) {
  Result<io::File> file = io::File::create(path);
  ESEKIT_RETURN_IF_ERROR(file);
  std::vector<uint8_t> zeros(std::min<uint64_t>(size, 1u << 20), 0);
  for (uint64_t offset = 0; offset < size; offset += zeros.size()) {
    const size_t length = static_cast<size_t>(std::min<uint64_t>(zeros.size(), size - offset));
    const Status written = file->writeAt(offset, Bytes(zeros).first(length));
    if (!written.isOk()) {
      file->close();
      ::unlink(path.c_str());  // a partial file is of no use
      return written;
    }
  }
  const Status synced = file->fullSync();
  if (!synced.isOk()) {
    file->close();
    ::unlink(path.c_str());
    return synced;
  }
  return Status::ok();
}

std::string LogWriter::currentFileName(const std::string& baseName, const std::string& extension) {
  return baseName + "." + extension;
}

std::string LogWriter::archivedFileName(const std::string& baseName, const std::string& extension, int32_t generation) {
  // 5 uppercase hex digits up to 0xFFFFF, 8 above (log-format.md §1).
  char digits[16];
  std::snprintf(digits, sizeof digits, generation <= 0xFFFFF ? "%05X" : "%08X", static_cast<unsigned>(generation));
  return baseName + digits + "." + extension;
}

std::string LogWriter::temporaryFileName(const std::string& baseName, const std::string& extension) {
  return baseName + "tmp." + extension;
}

std::string LogWriter::reserveFileName(const std::string& baseName, uint32_t index) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%05u", index);
  return baseName + "res" + digits + ".jrs";
}

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

  fs::path pathOf(const std::string& name) const { return options_.directory / name; }
  fs::path currentPath() const { return pathOf(LogWriter::currentFileName(options_.baseName, options_.extension)); }
  fs::path temporaryPath() const { return pathOf(LogWriter::temporaryFileName(options_.baseName, options_.extension)); }
  fs::path archivedPath(int32_t generation) const {
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

  Status createFile(const fs::path& path) { return options_.createFile(path, options_.fileSize); }
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

Status LogWriter::Impl::validate(const LogWriterOptions& options) {
  if (options.baseName.size() != 3)
    return Status(JetError::InvalidParameter, "log base name \"" + options.baseName + "\" is not 3 characters");
  if (options.extension != "log" && options.extension != "jtx")
    return Status(JetError::InvalidParameter, "log extension \"" + options.extension + "\" is neither log nor jtx");
  if (options.fileSize % kLogSegmentSize != 0 || options.fileSize / kLogSegmentSize < 4 ||
      options.fileSize / kLogSegmentSize > 0xFFFF)
    return Status(JetError::InvalidParameter, "log file size " + std::to_string(options.fileSize) +
                                                  " is not a multiple of 4096 between 16 KiB and 65535 sectors");
  if (options.reserveFiles > 99999) return Status(JetError::InvalidParameter, "too many reserve logs");
  if (options.firstGeneration < 1 || options.firstGeneration > kGenerationMax)
    return Status(JetError::InvalidParameter, "first log generation " + std::to_string(options.firstGeneration) +
                                                  " outside 1..0x7FFFF800");
  std::error_code error;
  if (!fs::is_directory(options.directory, error))
    return Status(JetError::InvalidPath, "log directory " + options.directory.string() + " does not exist");
  return Status::ok();
}

Status LogWriter::Impl::writeHeader(const io::File& file, const LogFileHeader& header) {
  const std::vector<uint8_t> bytes = serializeLogFileHeader(header, true);
  ESEKIT_RETURN_IF_ERROR(file.writeAt(0, bytes));
  ESEKIT_RETURN_IF_ERROR(file.dataSync());
  ++stats_.fdatasyncs;
  stats_.bytesWritten += bytes.size();
  return Status::ok();
}

Status LogWriter::Impl::createReserves() {
  for (uint32_t index = 1; index <= options_.reserveFiles; ++index) {
    const fs::path path = pathOf(LogWriter::reserveFileName(options_.baseName, index));
    std::error_code error;
    if (fs::exists(path, error)) continue;
    const Status created = createFile(path);
    if (isDiskFull(created))
      return Status(JetError::LogDiskFull, "cannot create reserve log: " + created.message());
    ESEKIT_RETURN_IF_ERROR(created);
  }
  return io::syncDirectory(options_.directory);
}

// Pre-creates `<base>tmp.log` for the next rollover; a full disk is not an
// error here (the next rollover retries and falls back to a reserve log).
Status LogWriter::Impl::prepareTemporary() {
  temporaryReady_ = false;
  if (diskFullMode_) return Status::ok();
  const fs::path path = temporaryPath();
  std::error_code error;
  if (fs::exists(path, error)) fs::remove(path, error);  // stale: never part of the stream
  const Status created = createFile(path);
  if (isDiskFull(created)) return Status::ok();
  ESEKIT_RETURN_IF_ERROR(created);
  ESEKIT_RETURN_IF_ERROR(io::syncDirectory(options_.directory));
  temporaryReady_ = true;
  return Status::ok();
}

// log-format.md §8 step 1: the pre-created file, else a new one, else (disk
// full) a reserve log.
Status LogWriter::Impl::obtainTemporary(bool& reserveUsed) {
  reserveUsed = false;
  const fs::path path = temporaryPath();
  std::error_code error;
  wantTemporary_ = false;  // done here, not by the worker
  if (temporaryReady_ && fs::exists(path, error)) return Status::ok();
  if (!diskFullMode_) {
    if (fs::exists(path, error)) fs::remove(path, error);
    const Status created = createFile(path);
    if (created.isOk()) return Status::ok();
    if (!isDiskFull(created)) return created;
  }
  for (uint32_t index = 1; index <= std::max<uint32_t>(options_.reserveFiles, 1); ++index) {
    const fs::path reserve = pathOf(LogWriter::reserveFileName(options_.baseName, index));
    if (!fs::exists(reserve, error)) continue;
    ESEKIT_RETURN_IF_ERROR(io::renameFile(reserve, path));
    ESEKIT_RETURN_IF_ERROR(io::syncDirectory(options_.directory));
    reserveUsed = true;
    diskFullMode_ = true;
    ++stats_.reservesUsed;
    return Status::ok();
  }
  diskFullMode_ = true;
  return Status(JetError::LogDiskFull, "disk full: cannot create " + path.string() + " and no reserve log is left");
}

Status LogWriter::Impl::startNew() {
  const fs::path current = currentPath();
  std::error_code error;
  if (fs::exists(current, error))
    return Status(JetError::InvalidParameter, current.string() + " already exists; continue that stream instead");
  const Status created = createFile(current);
  if (isDiskFull(created)) return Status(JetError::LogDiskFull, created.message());
  ESEKIT_RETURN_IF_ERROR(created);
  Result<io::File> file = io::File::openReadWrite(current);
  ESEKIT_RETURN_IF_ERROR(file);
  file_ = std::move(file.value());

  const int32_t generation = options_.firstGeneration;
  NewLogFileHeader spec;
  spec.generation = generation;
  spec.fileSectors = fileSectors_;
  spec.databasePageSize = options_.databasePageSize;
  spec.created = options_.clock();
  spec.logSignature = options_.logSignature;
  spec.dbmsParameters = options_.dbmsParameters;
  spec.flags = options_.circular ? (LogFileHeader::kCircularLogging | LogFileHeader::kCircularLoggingHistory) : 0;
  // The initial checkpoint of a new stream is (generation, csecHeader, 0) (§7).
  spec.checkpoint = options_.checkpoint ? options_.checkpoint() : LogPosition{0, 1, generation};
  if (options_.attachments) spec.attachments = options_.attachments();
  spec.version = kWriterLogVersion;
  spec.engineFormatVersion = kWriterEngineFormatVersion;
  Result<LogFileHeader> header = makeLogFileHeader(spec);
  ESEKIT_RETURN_IF_ERROR(header);
  header_ = std::move(header.value());
  ESEKIT_RETURN_IF_ERROR(writeHeader(file_, header_));
  ESEKIT_RETURN_IF_ERROR(io::syncDirectory(options_.directory));
  segments_.emplace(generation, header_.headerSectors, header_.fileSectors);
  durable_ = segments_->end();
  // Continuing after a crash on a full disk: recovery must still be able to
  // finish in the space the current file has, so missing reserves are not
  // an error here (the next start retries).
  if (const Status reserves = createReserves(); !reserves.isOk() && reserves.code() != JetError::LogDiskFull)
    return reserves;
  return prepareTemporary();
}

Status LogWriter::Impl::zeroSectors(uint32_t first, uint32_t last) {
  if (first > last) return Status::ok();
  std::vector<uint8_t> zeros(size_t{kMaxSectorsPerWrite} * kLogSegmentSize, 0);
  for (uint32_t sector = first; sector <= last; sector += kMaxSectorsPerWrite) {
    const uint32_t count = std::min(kMaxSectorsPerWrite, last - sector + 1);
    ESEKIT_RETURN_IF_ERROR(
        file_.writeAt(uint64_t{sector} * kLogSegmentSize, Bytes(zeros).first(size_t{count} * kLogSegmentSize)));
    stats_.bytesWritten += size_t{count} * kLogSegmentSize;
  }
  ESEKIT_RETURN_IF_ERROR(file_.dataSync());
  ++stats_.fdatasyncs;
  return Status::ok();
}

Status LogWriter::Impl::startContinued(const LogStreamTail& tail) {
  const fs::path current = currentPath();
  Result<io::File> file = io::File::openReadWrite(current);
  ESEKIT_RETURN_IF_ERROR(file);
  file_ = std::move(file.value());
  // The file must still be the generation the reader saw.
  std::vector<uint8_t> headerBytes(kLogFileHeaderSize);
  ESEKIT_RETURN_IF_ERROR(file_.readAt(0, headerBytes));
  Result<LogFileHeader> onDisk = parseLogFileHeader(headerBytes);
  ESEKIT_RETURN_IF_ERROR(onDisk);
  if (onDisk->generation != tail.header.generation || !(onDisk->logSignature == tail.header.logSignature))
    return Status(JetError::InvalidParameter, current.string() + " holds generation " +
                                                  std::to_string(onDisk->generation) + ", not the generation " +
                                                  std::to_string(tail.header.generation) + " of the tail to continue");
  if (tail.header.format() != LogFormat::Segments || tail.header.sectorSize != kLogSegmentSize)
    return Status(JetError::BadLogVersion, current.string() + ": cannot continue a log of version " +
                                               tail.header.version.toString() + " (only 8.4000.x with 4 KiB sectors)");
  if (tail.header.fileSectors != fileSectors_)
    return Status(JetError::LogFileSizeMismatch, current.string() + " has " + std::to_string(tail.header.fileSectors) +
                                                     " sectors, the writer is configured for " + std::to_string(fileSectors_));
  Result<uint64_t> size = file_.size();
  ESEKIT_RETURN_IF_ERROR(size);
  if (*size != tail.header.expectedFileSize())
    return Status(JetError::LogFileSizeMismatch, current.string() + " is " + std::to_string(*size) + " bytes, header says " +
                                                     std::to_string(tail.header.expectedFileSize()));
  header_ = tail.header;
  options_.logSignature = header_.logSignature;
  Result<LogSegmentWriter> segments =
      LogSegmentWriter::resume(header_.generation, header_.headerSectors, header_.fileSectors, tail.end,
                               tail.partialSegment, tail.accumulatedChecksumBefore);
  ESEKIT_RETURN_IF_ERROR(segments);
  segments_.emplace(std::move(segments.value()));

  // Overwrite the torn or unused tail (far sectors first), then the shadow,
  // then the tip itself, each durable before the next: a crash at any point
  // leaves a log that ends at tail.end.
  const uint32_t lastSector = header_.fileSectors - 1u;
  if (segments_->hasPartial()) {
    const uint16_t tip = segments_->currentSector();
    ESEKIT_RETURN_IF_ERROR(zeroSectors(tip + 2u, lastSector));
    const LogSegmentImage image = segments_->partialImage();
    ESEKIT_RETURN_IF_ERROR(file_.writeAt(uint64_t{tip + 1u} * kLogSegmentSize, image.bytes));
    ESEKIT_RETURN_IF_ERROR(file_.dataSync());
    ESEKIT_RETURN_IF_ERROR(file_.writeAt(uint64_t{tip} * kLogSegmentSize, image.bytes));
    ESEKIT_RETURN_IF_ERROR(file_.dataSync());
    stats_.fdatasyncs += 2;
    stats_.bytesWritten += 2 * kLogSegmentSize;
    tipOnDisk_ = true;
    tipSector_ = tip;
  } else {
    ESEKIT_RETURN_IF_ERROR(zeroSectors(segments_->currentSector(), lastSector));
  }
  durable_ = segments_->end();
  // Continuing after a crash on a full disk: recovery must still be able to
  // finish in the space the current file has, so missing reserves are not
  // an error here (the next start retries).
  if (const Status reserves = createReserves(); !reserves.isOk() && reserves.code() != JetError::LogDiskFull)
    return reserves;
  return prepareTemporary();
}

// ---- writing ----------------------------------------------------------------

// Closes the tip: a Nop2 record (ignorable, log-records.md §2) fills the rest
// of the current segment, so the segment is complete and is written once.
// ESE does the same when it flushes a partial sector (fLGFillPartialSector:
// the rest of the sector becomes an lrtypNOP2 record, counted as wastage).
// Fewer than 5 bytes left (no room for the Nop2 header): 0x00 NOP bytes.
Status LogWriter::Impl::padTip() {
  const LogPosition end = segments_->end();
  if (!segments_->hasPartial() || end.byteOffset >= kLogSegmentSize) return Status::ok();
  static const std::array<uint8_t, kLogSegmentSize> zeros{};
  const size_t left = kLogSegmentSize - end.byteOffset;
  constexpr size_t kNop2Header = 5;  // lrtyp + cb (LRIGNORED)
  std::vector<uint8_t> fill;
  if (left >= kNop2Header) {
    LogRecord nop;
    nop.type = LogRecordType::Nop2;
    nop.body = IgnoredRecord{Bytes(zeros.data(), left - kNop2Header)};
    ESEKIT_RETURN_IF_ERROR(appendLogRecord(nop, fill));
  } else {
    fill.assign(left, 0);
  }
  Result<LogPosition> position = segments_->append(fill, options_.clock());
  ESEKIT_RETURN_IF_ERROR(position);
  return Status::ok();
}

LogWriter::Impl::WritePlan LogWriter::Impl::snapshot(TipMode mode) {
  WritePlan plan;
  if (mode == TipMode::Pad && endsLogCleanly(lastRecordType_)) mode = TipMode::Shadow;
  if (mode == TipMode::Pad) {
    if (const Status padded = padTip(); !padded.isOk()) mode = TipMode::Shadow;  // cannot happen; stay correct
  }
  for (LogSegmentImage& image : segments_->takeCompleted()) plan.images.push_back(std::move(image));
  plan.target = segments_->end();
  if (segments_->hasPartial()) {
    if (mode == TipMode::CompletedOnly) {
      // Everything before the tip segment is durable after this write.
      plan.target = LogPosition{0, segments_->currentSector(), segments_->generation()};
    } else {
      LogSegmentImage tip = segments_->partialImage();
      LogSegmentImage shadow = tip;  // same bytes and checksum, one sector later (§5.3)
      shadow.sector = static_cast<uint16_t>(tip.sector + 1);
      plan.tip = true;
      plan.tipSector = tip.sector;
      plan.images.push_back(std::move(tip));
      plan.images.push_back(std::move(shadow));
    }
  }
  plan.isolateFirst = tipOnDisk_ && !plan.images.empty() && plan.images.front().sector == tipSector_;
  return plan;
}

// Runs without the mutex; only the leader touches file_ meanwhile.
Status LogWriter::Impl::execute(const WritePlan& plan) {
  std::vector<uint8_t> buffer;
  size_t index = 0;
  uint64_t syncs = 0, bytes = 0;
  auto writeRun = [&](size_t count) -> Status {
    buffer.resize(count * kLogSegmentSize);
    for (size_t i = 0; i < count; ++i)
      std::copy(plan.images[index + i].bytes.begin(), plan.images[index + i].bytes.end(),
                buffer.begin() + static_cast<std::ptrdiff_t>(i * kLogSegmentSize));
    ESEKIT_RETURN_IF_ERROR(file_.writeAt(uint64_t{plan.images[index].sector} * kLogSegmentSize, buffer));
    ESEKIT_RETURN_IF_ERROR(file_.dataSync());
    ++syncs;
    bytes += buffer.size();
    index += count;
    return Status::ok();
  };
  Status status;
  if (plan.isolateFirst) status = writeRun(1);
  while (status.isOk() && index < plan.images.size())
    status = writeRun(std::min<size_t>(kMaxSectorsPerWrite, plan.images.size() - index));
  std::lock_guard lock(mutex_);
  stats_.fdatasyncs += syncs;
  stats_.bytesWritten += bytes;
  return status;
}

// Caller owns writing_. Writes everything appended so far (see TipMode).
Status LogWriter::Impl::leaderWrite(std::unique_lock<std::mutex>& lock, TipMode mode) {
  WritePlan plan = snapshot(mode);
  if (plan.images.empty()) {
    if (durable_ < plan.target) durable_ = plan.target;
    return Status::ok();
  }
  lock.unlock();
  Status status = execute(plan);
  lock.lock();
  ++stats_.flushWrites;
  if (!status.isOk()) {
    const JetError code = status.code() == JetError::DiskFull ? JetError::LogDiskFull : JetError::LogWriteFail;
    return fail(Status(code, status.message()));
  }
  durable_ = plan.target;
  // A tip left unchanged on disk by a CompletedOnly write stays protected.
  if (mode != TipMode::CompletedOnly || plan.isolateFirst) {
    tipOnDisk_ = plan.tip;
    tipSector_ = plan.tipSector;
  }
  return Status::ok();
}

Status LogWriter::Impl::flushLocked(std::unique_lock<std::mutex>& lock, LogPosition upTo, TipMode mode) {
  while (true) {
    ESEKIT_RETURN_IF_ERROR(failure_);
    if (covered(upTo)) return Status::ok();
    if (!writing_) break;
    idle_.wait(lock);
  }
  writing_ = true;
  // A position inside a full segment needs no padding of the tip.
  const LogPosition tipStart{0, segments_->currentSector(), segments_->generation()};
  if (mode == TipMode::Pad && upTo < tipStart) mode = TipMode::CompletedOnly;
  const Status status = leaderWrite(lock, mode);
  writing_ = false;
  idle_.notify_all();
  return status;
}

Status LogWriter::Impl::flush(LogPosition upTo) {
  std::unique_lock lock(mutex_);
  ESEKIT_RETURN_IF_ERROR(usable());
  return flushLocked(lock, upTo, TipMode::Pad);
}

Result<LogPosition> LogWriter::Impl::append(Bytes record, bool shutdown) {
  std::unique_lock lock(mutex_);
  while (rollingOver_) idle_.wait(lock);
  ESEKIT_RETURN_IF_ERROR(usable());
  if (diskFullMode_ && !shutdown)
    return Status(JetError::LogDiskFull, "log disk full (" + options_.directory.string() +
                                             "): running on reserve logs, only shutdown records are accepted");
  const size_t maxSize = LogSegmentWriter::maxRecordSize(1, fileSectors_);
  if (record.empty() || record.size() > maxSize)
    return Status(JetError::LogBufferTooSmall, "log record of " + std::to_string(record.size()) +
                                                   " bytes: a log file of " + std::to_string(fileSectors_) +
                                                   " sectors holds records of 1.." + std::to_string(maxSize) + " bytes");
  while (!segments_->fits(record.size())) {
    ESEKIT_RETURN_IF_ERROR(rolloverLocked(lock, segments_->generation()));
    if (diskFullMode_ && !shutdown)
      return Status(JetError::LogDiskFull, "log disk full: generation " + std::to_string(header_.generation) +
                                               " is a reserve log, only shutdown records are accepted");
  }
  Result<LogPosition> position = segments_->append(record, options_.clock());
  ESEKIT_RETURN_IF_ERROR(position);
  ++stats_.recordsAppended;
  lastRecordType_ = record[0];
  const size_t completed = segments_->completedCount();
  if (completed >= kMaxPendingSegments && !writing_) {
    // The background writer is behind: write here (bounds the memory).
    writing_ = true;
    const Status status = leaderWrite(lock, TipMode::CompletedOnly);
    writing_ = false;
    idle_.notify_all();
    ESEKIT_RETURN_IF_ERROR(status);
  } else if (completed >= kBackgroundWriteSegments && !wantSegmentsWritten_ && worker_.joinable()) {
    wantSegmentsWritten_ = true;
    workerWake_.notify_one();
  }
  return position;
}

// ---- rollover -----------------------------------------------------------------

Status LogWriter::Impl::rolloverLocked(std::unique_lock<std::mutex>& lock, int32_t expectedGeneration,
                                       bool prepareNow) {
  while (writing_) idle_.wait(lock);
  ESEKIT_RETURN_IF_ERROR(failure_);
  if (header_.generation != expectedGeneration) return Status::ok();  // another thread rolled over
  // No append may slip into the old generation while it is written out
  // (leaderWrite releases the mutex during the I/O).
  writing_ = true;
  rollingOver_ = true;
  Status status = leaderWrite(lock, TipMode::Pad);
  // The background worker may be creating `<base>tmp.log` right now.
  while (preparingTemporary_) idle_.wait(lock);
  if (status.isOk()) status = switchGeneration(prepareNow);
  writing_ = false;
  rollingOver_ = false;
  idle_.notify_all();
  workerWake_.notify_one();  // the next `<base>tmp.log` may be wanted
  if (!status.isOk() && status.code() != JetError::LogDiskFull && status.code() != JetError::LogSequenceEnd)
    return fail(status);
  return status;
}

// log-format.md §8 steps 1-5. The lock is held and writing_ is set.
Status LogWriter::Impl::switchGeneration(bool prepareNow) {
  if (header_.generation >= kGenerationMax)
    return Status(JetError::LogSequenceEnd, "log generation " + std::to_string(header_.generation) +
                                                " reached lGenerationMax 0x7FFFF800");
  const uint64_t accumulated = segments_->accumulatedChecksum();
  bool reserveUsed = false;
  ESEKIT_RETURN_IF_ERROR(obtainTemporary(reserveUsed));
  const fs::path temporary = temporaryPath();
  Result<io::File> file = io::File::openReadWrite(temporary);
  ESEKIT_RETURN_IF_ERROR(file);
  Result<uint64_t> size = file->size();
  ESEKIT_RETURN_IF_ERROR(size);
  if (*size != options_.fileSize)
    return Status(JetError::LogFileSizeMismatch, temporary.string() + " is " + std::to_string(*size) +
                                                     " bytes, expected " + std::to_string(options_.fileSize));

  const int32_t generation = header_.generation + 1;
  NewLogFileHeader spec;
  spec.generation = generation;
  spec.fileSectors = fileSectors_;
  spec.databasePageSize = options_.databasePageSize;
  spec.created = options_.clock();
  spec.previousGenerationCreated = header_.created;
  spec.previousLogChecksum = accumulated;
  spec.logSignature = header_.logSignature;
  spec.dbmsParameters = options_.dbmsParameters;
  spec.flags = static_cast<uint8_t>((options_.circular ? LogFileHeader::kCircularLogging : 0) |
                                    (header_.flags & LogFileHeader::kCircularLoggingHistory) |
                                    (options_.circular ? LogFileHeader::kCircularLoggingHistory : 0) |
                                    (reserveUsed ? LogFileHeader::kReserveLogUsed : 0));
  spec.checkpoint = options_.checkpoint ? options_.checkpoint() : LogPosition{0, 1, generation};
  if (options_.attachments) spec.attachments = options_.attachments();
  // A new generation never lowers the version (§4).
  spec.version = kWriterLogVersion;
  if (header_.version.updateMajor > spec.version.updateMajor ||
      (header_.version.updateMajor == spec.version.updateMajor && header_.version.updateMinor > spec.version.updateMinor))
    spec.version = header_.version;
  spec.engineFormatVersion = kWriterEngineFormatVersion;
  Result<LogFileHeader> header = makeLogFileHeader(spec);
  ESEKIT_RETURN_IF_ERROR(header);
  // A reserve log may hold anything: the header alone does not make it a
  // clean log, so zero its data sectors first (zero-filled format, §2).
  if (reserveUsed) {
    std::vector<uint8_t> zeros(options_.fileSize, 0);
    ESEKIT_RETURN_IF_ERROR(file->writeAt(0, zeros));
  }
  ESEKIT_RETURN_IF_ERROR(writeHeader(*file, *header));

  // `<base>.log` -> `<base>XXXXX.log`: a hard link first, so `<base>.log`
  // exists at every moment; then the atomic rename of tmp over it.
  const fs::path current = currentPath();
  const fs::path archived = archivedPath(header_.generation);
  if (::link(current.c_str(), archived.c_str()) != 0) {
    const int error = errno;
    struct stat a {}, b {};
    const bool sameFile = error == EEXIST && ::stat(current.c_str(), &a) == 0 && ::stat(archived.c_str(), &b) == 0 &&
                          a.st_ino == b.st_ino && a.st_dev == b.st_dev;
    if (error == EEXIST && !sameFile)
      return Status(JetError::LogWriteFail, archived.string() + " already exists and is not generation " +
                                                std::to_string(header_.generation) + " (" + current.string() + ")");
    if (!sameFile) ESEKIT_RETURN_IF_ERROR(io::renameFile(current, archived));  // no hard links here
  }
  ESEKIT_RETURN_IF_ERROR(io::renameFile(temporary, current));
  ESEKIT_RETURN_IF_ERROR(io::syncDirectory(options_.directory));

  file_ = std::move(file.value());
  header_ = std::move(header.value());
  segments_.emplace(generation, header_.headerSectors, header_.fileSectors);
  durable_ = segments_->end();
  tipOnDisk_ = false;
  tipSector_ = 0;
  ++stats_.generationsCreated;
  if (prepareNow) {
    wantTemporary_ = false;
    return prepareTemporary();
  }
  // The next `<base>tmp.log` is created by the background worker, off the
  // commit path; the next rollover waits for it or creates it itself.
  requestTemporary();
  return Status::ok();
}

Status LogWriter::Impl::rollover() {
  std::unique_lock lock(mutex_);
  ESEKIT_RETURN_IF_ERROR(usable());
  // An explicit rollover (backup) returns with `<base>tmp.log` ready, as the
  // header documents, and appends wait until then (as before the worker).
  return rolloverLocked(lock, header_.generation, true);
}

Status LogWriter::Impl::deleteGenerationsBefore(int32_t generation) {
  std::unique_lock lock(mutex_);
  ESEKIT_RETURN_IF_ERROR(usable());
  const int32_t limit = std::min(generation, header_.generation);
  std::error_code error;
  std::vector<fs::path> doomed;
  for (const fs::directory_entry& entry : fs::directory_iterator(options_.directory, error)) {
    const std::optional<LogFileName> name = parseLogFileName(entry.path().filename().string());
    if (!name || name->role != LogFileRole::Archived || name->generation >= limit) continue;
    if (name->baseName != options_.baseName || name->extension != options_.extension) continue;
    doomed.push_back(entry.path());
  }
  if (error) return Status(JetError::DiskIO, "cannot list " + options_.directory.string() + ": " + error.message());
  for (const fs::path& path : doomed) {
    if (!fs::remove(path, error) && error)
      return Status(JetError::DeleteBackupFileFail, "cannot delete " + path.string() + ": " + error.message());
  }
  if (!doomed.empty()) return io::syncDirectory(options_.directory);
  return Status::ok();
}

Status LogWriter::Impl::close() {
  std::unique_lock lock(mutex_);
  if (closed_) return Status::ok();
  Status status = failure_;
  // Until everything appended so far (also by racing appenders) is durable.
  // The tip keeps its shadow instead of a Nop2 fill, so that a clean-end
  // record (Term2) stays the last record of the log.
  while (status.isOk() && segments_ && !(durable_ >= segments_->end()))
    status = flushLocked(lock, segments_->end(), TipMode::Shadow);
  while (writing_) idle_.wait(lock);
  lock.unlock();
  stopWorker();
  lock.lock();
  file_.close();
  closed_ = true;
  return status;
}

// ---- background worker ---------------------------------------------------------

void LogWriter::Impl::startWorker() {
  worker_ = std::thread([this] { workerLoop(); });
}

void LogWriter::Impl::stopWorker() {
  {
    std::lock_guard lock(mutex_);
    workerStop_ = true;
  }
  workerWake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void LogWriter::Impl::requestTemporary() {
  temporaryReady_ = false;
  if (diskFullMode_) return;
  if (!worker_.joinable()) {
    (void)prepareTemporary();  // no worker (not started yet): as before, synchronously
    return;
  }
  wantTemporary_ = true;
  workerWake_.notify_one();
}

void LogWriter::Impl::workerLoop() {
  std::unique_lock lock(mutex_);
  while (true) {
    // Woken by append/switchGeneration; the timeout covers a wish that
    // arrived while a leader or a rollover was busy (they signal idle_ only).
    workerWake_.wait_for(lock, std::chrono::milliseconds(20), [&] {
      return workerStop_ || (wantTemporary_ && !rollingOver_) || (wantSegmentsWritten_ && !writing_);
    });
    if (workerStop_) break;
    if (wantTemporary_ && !rollingOver_) {
      // Outside the mutex: a zero-filled file of fileSize bytes plus fsync.
      wantTemporary_ = false;
      preparingTemporary_ = true;
      const fs::path path = temporaryPath();
      lock.unlock();
      std::error_code error;
      if (fs::exists(path, error)) fs::remove(path, error);  // stale: never part of the stream
      Status created = createFile(path);
      if (created.isOk()) created = io::syncDirectory(options_.directory);
      lock.lock();
      preparingTemporary_ = false;
      // A failure (a full disk) is not an error here: the next rollover
      // creates the file itself or falls back to a reserve log.
      temporaryReady_ = created.isOk();
      idle_.notify_all();
      continue;
    }
    if (wantSegmentsWritten_ && !writing_) {
      wantSegmentsWritten_ = false;
      if (!failure_.isOk() || closed_ || rollingOver_ || segments_->completedCount() == 0) continue;
      writing_ = true;
      (void)leaderWrite(lock, TipMode::CompletedOnly);  // a failure is sticky (failure_): callers see it
      writing_ = false;
      idle_.notify_all();
      workerWake_.notify_all();
    }
  }
}

// ---- LogWriter ------------------------------------------------------------------

LogWriter::LogWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LogWriter::~LogWriter() {
  if (impl_) (void)impl_->close();
}

Result<std::unique_ptr<LogWriter>> LogWriter::create(const LogWriterOptions& options) {
  ESEKIT_RETURN_IF_ERROR(Impl::validate(options));
  auto impl = std::make_unique<Impl>(options);
  ESEKIT_RETURN_IF_ERROR(impl->startNew());
  impl->startWorker();
  return std::unique_ptr<LogWriter>(new LogWriter(std::move(impl)));
}

Result<std::unique_ptr<LogWriter>> LogWriter::continueStream(const LogWriterOptions& options, const LogStreamTail& tail) {
  LogWriterOptions adjusted = options;
  adjusted.firstGeneration = tail.header.generation;
  adjusted.logSignature = tail.header.logSignature;
  ESEKIT_RETURN_IF_ERROR(Impl::validate(adjusted));
  auto impl = std::make_unique<Impl>(adjusted);
  ESEKIT_RETURN_IF_ERROR(impl->startContinued(tail));
  impl->startWorker();
  return std::unique_ptr<LogWriter>(new LogWriter(std::move(impl)));
}

Result<LogPosition> LogWriter::append(Bytes record) { return impl_->append(record, false); }
Result<LogPosition> LogWriter::appendForShutdown(Bytes record) { return impl_->append(record, true); }
LogPosition LogWriter::end() const { return impl_->end(); }
LogPosition LogWriter::durableEnd() const { return impl_->durableEnd(); }
Status LogWriter::flush(LogPosition upTo) { return impl_->flush(upTo); }
Status LogWriter::rollover() { return impl_->rollover(); }
int32_t LogWriter::currentGeneration() const { return impl_->currentGeneration(); }
Status LogWriter::deleteGenerationsBefore(int32_t generation) { return impl_->deleteGenerationsBefore(generation); }
Status LogWriter::close() { return impl_->close(); }
bool LogWriter::diskFull() const { return impl_->diskFull(); }
LogWriterStatistics LogWriter::statistics() const { return impl_->statistics(); }
const LogWriterOptions& LogWriter::options() const { return impl_->options(); }

}  // namespace esekit::engine::log
