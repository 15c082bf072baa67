// LogReader: the records of a log stream for recovery, from a start position
// (normally the checkpoint) to the end of `<base>.log`, across generations.
// See ese-format/log-format.md §1, §5, §6, §8.
//
// open() checks the files: every generation from start.generation to the
// current one must exist (`<base>XXXXX.log`, 5 or 8 hex digits, then
// `<base>.log`), each header must verify and carry the generation of its name,
// all must share one log signature (JET_errBadLogSignature naming the file),
// gaps are JET_errMissingLogFile naming the missing generation's file, and
// consecutive headers must chain (checkLogSequence: InvalidLogSequence).
// next() scans one generation at a time with scanLogFile (single-bit errors
// corrected, torn writes patched from the shadow) and also checks the
// accumulated segment checksum chain (LogSequenceChecksumMismatch).
//
// Torn tail (the rule implemented): in `<base>.log` only, when scanLogFile
// reports LogFileCorrupt, let E be the first data sector that is not a valid
// segment of this generation (nor patchable from its shadow). If no valid
// segment of this generation lies at E + kMaxSectorsPerWrite or later, the
// damage is what a crash during LogWriter's last write can leave (that write
// spans at most kMaxSectorsPerWrite sectors, see log_writer.h): the log ends
// before E, sectors E.. are ignored, and a note says so. Otherwise, and in
// every finished generation, the error stands: JET_errLogFileCorrupt naming
// the file and the sector. A consequence: damage within the last
// kMaxSectorsPerWrite sectors of `<base>.log` cannot be told from a torn
// write and ends the log there.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "esekit/format/log_file.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"
#include "log_writer.h"

namespace esekit::engine::log {

struct LogReaderOptions {
  std::filesystem::path directory;  // for open(options, start) and findLogGenerations
  std::string baseName = "edb";
  // "log" or "jtx"; empty: `<base>.log` if present, else `<base>.jtx` (ESE probes both, §1).
  std::string extension;
  // When set, `<base>.log` must carry this signature (e.g. the checkpoint's signLog).
  std::optional<Signature> expectedSignature;
};

struct LogReaderNote {
  int32_t generation = 0;
  std::filesystem::path file;
  std::string message;  // corrected bit, torn write patched, torn tail ignored, partial record discarded
};

// One record as next() yields it: position, type, whole bytes (reassembled).
// Nop2 records, also those LogWriter uses to fill a flushed segment (see
// log_writer.h), are yielded like any record (recovery ignores them).
using LogRecordRead = LogRecordView;

// Generations present in the directory: the archived ones (any digit count)
// and the current `<base>.log` (from its header), ascending; empty when there
// is no log at all (a new stream). Errors only for an unreadable directory or
// an unreadable `<base>.log` header.
Result<std::vector<int32_t>> findLogGenerations(const LogReaderOptions& options);

class LogReader {
 public:
  // Same as below with options.directory/baseName; no start: from the
  // oldest archived generation contiguous with `<base>.log` (what ESE does
  // without a usable checkpoint, checkpoint-and-backup.md §1).
  static Result<std::unique_ptr<LogReader>> open(const LogReaderOptions& options, std::optional<LogPosition> start);

  // start.generation 0: from the oldest generation present that is
  // contiguous with `<base>.log`. Records before `start` are skipped.
  // Errors: MissingLogFile (no `<base>.log`, or a generation between start
  // and the current one is missing), BadLogSignature, LogGenerationMismatch,
  // InvalidLogSequence, LogFileCorrupt / BadLogVersion / LogFileSizeMismatch
  // for a bad header; all name the file.
  static Result<std::unique_ptr<LogReader>> open(const std::filesystem::path& directory, const std::string& baseName,
                                                 LogPosition start, const LogReaderOptions& options = {});

  ~LogReader();
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;

  // The next whole record (fragments reassembled) at or after `start`;
  // false at the end of the log. `record.bytes` stays valid until the next
  // call. Errors name the file and sector (LogFileCorrupt, LogCorrupted,
  // LogSequenceChecksumMismatch, ...).
  Result<bool> next(LogRecordView& record);

  int32_t firstGeneration() const;
  int32_t currentGeneration() const;  // generation of `<base>.log`
  std::filesystem::path currentPath() const;  // `<base>.log`
  // The file the last record came from (the first generation before next()).
  std::filesystem::path currentFile() const;
  // Log signature of the stream (of `<base>.log`).
  const Signature& signature() const;
  // Where reading starts: `start`, or (first generation, 0, 0) without one.
  LogPosition startPosition() const;
  // Attach list of the first generation's header (as of (gen, 0, 0)), for
  // a start without a checkpoint attach list (checkpoint-and-backup.md §1).
  const std::vector<AttachInfo>& startAttachments() const;

  // After next() returned false: where the log ends and what
  // LogWriter::continueStream needs (tail.end, tail.cleanEnd, ...).
  const LogStreamTail& tail() const;
  bool atEnd() const;
  // Things that did not stop reading (see LogReaderNote).
  const std::vector<LogReaderNote>& notes() const;

  class Impl;

 private:
  explicit LogReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The torn-tail rule above applied to one image of a current log file: the
// scan, with `file` replaced by the patched copy when a torn tail was cut
// off (then `tornTailNote` says what was ignored).
struct CurrentLogScan {
  std::vector<uint8_t> file;
  LogFileScan scan;
  std::optional<std::string> tornTailNote;
};
Result<CurrentLogScan> scanCurrentLogFile(std::vector<uint8_t> file);

// LogStreamTail of a scanned current log (`file` is the image the scan was made from).
LogStreamTail makeStreamTail(Bytes file, const LogFileScan& scan);

}  // namespace esekit::engine::log
