// LogWriter: group-committed log writes (a Nop2 fills a flushed partial
// segment), the background writer, close. Files and rollover are in
// log_writer_files.cpp. See log_writer.h and ese-format/log-format.md §5.3, §8.
#include "log/log_writer_impl.h"

namespace esekit::engine::log {

namespace fs = std::filesystem;

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
