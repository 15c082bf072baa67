#include "instance/engine_log.h"

#include "esekit/format/log_record_encode.h"
#include "log/log_writer.h"

namespace esekit::engine {
namespace {

// Records a clean shutdown or a detach still needs when the disk is full
// (the writer then runs on its reserve logs, log_writer.h).
bool isShutdownRecord(LogRecordType type) {
  switch (type) {
    case LogRecordType::DetachDB:
    case LogRecordType::ShutDownMark:
    case LogRecordType::Term2:
    case LogRecordType::RecoveryQuit2:
    case LogRecordType::RecoveryUndo2:
      return true;
    default:
      return false;
  }
}

}  // namespace

EngineLog::EngineLog(std::unique_ptr<log::LogWriter> writer) : writer_(std::move(writer)) {}
EngineLog::~EngineLog() = default;

Result<std::unique_ptr<EngineLog>> EngineLog::create(const InstanceOptions& options, const DbmsParameters& parameters,
                                                     AttachListProvider attachList) {
  log::LogWriterOptions writerOptions = writerOptionsFor(options, parameters, std::move(attachList));
  writerOptions.logSignature = log::newLogSignature(log::currentLogTime());
  writerOptions.firstGeneration = 1;
  auto writer = log::LogWriter::create(writerOptions);
  if (!writer.isOk()) return writer.status();
  return std::make_unique<EngineLog>(std::move(*writer));
}

log::LogWriterOptions EngineLog::writerOptionsFor(const InstanceOptions& options, const DbmsParameters& parameters,
                                                 AttachListProvider attachList) {
  log::LogWriterOptions writerOptions;
  writerOptions.directory = options.logDirectory;
  writerOptions.baseName = options.baseName;
  writerOptions.fileSize = options.logFileSize;
  writerOptions.reserveFiles = options.reserveLogFiles;
  writerOptions.circular = options.circularLogging;
  writerOptions.databasePageSize = options.pageSize;
  writerOptions.dbmsParameters = parameters;
  writerOptions.attachments = std::move(attachList);
  return writerOptions;
}

Result<LogPosition> EngineLog::append(const LogRecord& record) {
  std::lock_guard lock(encodeMutex_);
  buffer_.clear();
  ESEKIT_RETURN_IF_ERROR(appendLogRecord(record, buffer_));
  auto position = isShutdownRecord(record.type) || inCommit_ ? writer_->appendForShutdown(buffer_) : writer_->append(buffer_);
  if (position.isOk()) bytesAppended_ += buffer_.size();
  return position;
}

Status EngineLog::flushUpTo(LogPosition position) { return writer_->flush(position); }
Status EngineLog::flushAll() { return writer_->flushAll(); }
LogPosition EngineLog::end() const { return writer_->end(); }
uint64_t EngineLog::flushCount() const { return writer_->statistics().fdatasyncs; }
uint32_t EngineLog::currentGeneration() const { return static_cast<uint32_t>(writer_->currentGeneration()); }
const Signature& EngineLog::signature() const { return writer_->options().logSignature; }
Status EngineLog::deleteGenerationsBefore(uint32_t generation) {
  return writer_->deleteGenerationsBefore(static_cast<int32_t>(generation));
}
Status EngineLog::close() { return writer_->close(); }

}  // namespace esekit::engine
