// LogWriter files: names, creation of a new stream or continuation of an
// existing one, reserve logs, pre-created <base>tmp.log and rollover
// (ese-format/log-format.md §8).
#include "layout/writer_header.h"
#include "log/log_writer_impl.h"

namespace esekit::engine::log {

namespace fs = std::filesystem;

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

}  // namespace esekit::engine::log
