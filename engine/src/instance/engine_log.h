// The instance's view of its log stream: encodes LogRecord structs into ESE
// record bytes and hands them to the log writer (engine/src/log/), and is the
// LogSink the stores log through.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "esekit/engine/instance.h"
#include "esekit/format/checkpoint.h"
#include "esekit/format/log_record_decode.h"
#include "store/database_store.h"

namespace esekit::engine {

namespace log {
class LogWriter;
struct LogWriterOptions;
}

class EngineLog : public store::LogSink {
 public:
  using AttachListProvider = std::function<std::vector<AttachInfo>()>;

  // A new stream in an empty log directory: generation 1, fresh signature.
  static Result<std::unique_ptr<EngineLog>> create(const InstanceOptions& options, const DbmsParameters& parameters,
                                                   AttachListProvider attachList);
  // Wraps a writer that continues an existing stream (after recovery).
  explicit EngineLog(std::unique_ptr<log::LogWriter> writer);
  ~EngineLog() override;

  Result<LogPosition> append(const LogRecord& record) override;
  Status flushUpTo(LogPosition position) override;
  Status flushAll();

  LogPosition end() const;
  uint64_t bytesAppended() const { return bytesAppended_; }
  uint64_t flushCount() const;
  uint32_t currentGeneration() const;
  const Signature& signature() const;
  Status deleteGenerationsBefore(uint32_t generation);
  Status close();
  log::LogWriter& writer() { return *writer_; }
  // Writer options for an instance's stream (signature and generation unset).
  static log::LogWriterOptions writerOptionsFor(const InstanceOptions& options, const DbmsParameters& parameters,
                                                AttachListProvider attachList);
  // Inside a commit (after its Begin0) records may use the reserve logs, so
  // that a transaction never stops half-logged because the disk filled up.
  void setInCommit(bool inCommit) { inCommit_ = inCommit; }

 private:
  std::unique_ptr<log::LogWriter> writer_;
  std::mutex encodeMutex_;
  std::vector<uint8_t> buffer_;
  std::atomic<uint64_t> bytesAppended_{0};
  bool inCommit_ = false;  // guarded by the instance's commit mutex
};

}  // namespace esekit::engine
