// LogWriter: appends ESE log records to a log stream on disk — `<base>.log`
// (current generation), `<base>XXXXX.log` (finished generations),
// `<base>tmp.log` (next generation, pre-created) and `<base>resNNNNN.jrs`
// (reserve logs for a full disk). See ese-format/log-format.md §1, §2, §5, §8
// and checksums.md §7.
//
// Durability protocol (log-format.md §5.3). Records are packed into 4 KiB
// segments in memory (LogSegmentWriter). flush() closes a partial segment
// with a Nop2 record that fills it (as ESE does when it flushes a partial
// sector: lrtypNOP2 wastage), so every flush writes whole segments that no
// later write touches again: the segments, in chunks of at most
// kMaxSectorsPerWrite sectors, each followed by fdatasync — one write and
// one fdatasync for a commit of less than 256 KiB. Only close() (and the
// restart of a stream, continueStream) writes a partial tip T with its
// shadow at T+1 (same bytes, checksum with pgno T), so that a clean-end
// record stays the last record; the next write that rewrites T issues T
// alone first, then fdatasync — the durable shadow protects T's
// acknowledged records while T is rewritten.
// So at any moment only one chunk of at most kMaxSectorsPerWrite + 1 sectors
// holds unacknowledged, possibly torn data, and everything before it is
// durable. LogReader relies on exactly this to tell a torn tail (end of the
// log) from corruption (see log_reader.h).
//
// Background worker (one thread per writer): full segments appended by lazy
// commits are written by it once kMaxSectorsPerWrite of them are pending
// (an append writes them itself only when 1024 are pending), and after a
// rollover it pre-creates the next `<base>tmp.log` (zero-filled, fsync), so
// that a rollover on the commit path is a rename.
//
// Group commit: flush() callers whose positions are covered by a write in
// progress wait for it; one caller (the leader) writes everything appended
// so far and every waiter covered by it returns after the same fdatasync.
//
// Disk full (the rule implemented): when the file for the next generation
// cannot be created because the disk is full (ENOSPC, or the create hook
// returns DiskFull/LogDiskFull), a reserve log `<base>resNNNNN.jrs` is renamed
// to `<base>tmp.log` and used (header flag 0x01, log-format.md §3), and the
// writer enters disk-full mode: append() then fails with JET_errLogDiskFull
// without appending, while appendForShutdown() (the records of a clean
// shutdown: detach, ShutDownMark, Term2, ...) still appends, rolling over into
// further reserves as needed. When no reserve is left, appendForShutdown()
// fails with LogDiskFull too. The mode lasts until the writer is recreated.
//
// Thread safety: every public function may be called from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/checkpoint.h"
#include "esekit/format/log_header.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit::engine::log {

// Largest write issued before an fdatasync (see the protocol above). A torn
// tail can therefore never hold valid data more than kMaxSectorsPerWrite + 1
// sectors after the first sector that is not valid data.
inline constexpr uint32_t kMaxSectorsPerWrite = 64;

// The log format version this writer stamps: the newest one seen in
// shared/corpus, 8.4000.90.200 with EFV 9360 (Server 2022 SRUM logs, set S08/S09).
inline constexpr LogVersion kWriterLogVersion{8, 4000, 90, 200};
inline constexpr uint32_t kWriterEngineFormatVersion = 9360;

// Creates a zero-filled file of `size` bytes at `path` (must not exist) and
// makes it durable. Return DiskFull or LogDiskFull when there is no space;
// any other error is a write failure. Injectable so tests can fill the disk.
using CreateLogFileHook = std::function<Status(const std::filesystem::path& path, uint64_t size)>;
// The default: open(O_CREAT|O_EXCL), write zeros, fsync; ENOSPC -> DiskFull.
Status createZeroFilledFile(const std::filesystem::path& path, uint64_t size);

struct LogWriterOptions {
  std::filesystem::path directory;
  std::string baseName = "edb";   // exactly 3 characters (log-format.md §1)
  std::string extension = "log";  // "log" or "jtx"
  uint32_t fileSize = 5 * 1024 * 1024;  // bytes per log file; multiple of 4096, 64 KiB .. 256 MiB
  uint32_t reserveFiles = 2;            // <base>res00001.jrs ... pre-created at start
  bool circular = false;                // header flags 0x02|0x04, DBMS_PARAM flag 0x01
  uint32_t databasePageSize = 8192;     // LGFILEHDR cbPageSize
  DbmsParameters dbmsParameters;        // logFileSectors and the circular flag are set by the writer
  Signature logSignature;               // signLog of the stream (newLogSignature() for a new one)
  int32_t firstGeneration = 1;          // create(): generation of the first `<base>.log`
  // Attach list written into every new generation's header (as of (gen,0,0)).
  std::function<std::vector<AttachInfo>()> attachments;
  // le_lgposCheckpoint of new headers; default: the first position of the generation.
  std::function<LogPosition()> checkpoint;
  // Time source (UTC); default the system clock. Tests may pin it.
  std::function<LogTime()> clock;
  CreateLogFileHook createFile;  // default createZeroFilledFile
};

// What LogReader found at the end of a stream, needed to continue writing
// into `<base>.log` after recovery.
struct LogStreamTail {
  LogFileHeader header;  // of `<base>.log`
  // First byte after the last whole record (the next record goes here, after
  // NOP fill / fragmentation). ib may be 4096 (sector exactly full). For a
  // log without records: (generation, csecHeader, 40).
  LogPosition end;
  // The segment holding `end` as it must be rewritten: bytes before end.ib as
  // found, the rest zero; empty when end.ib == 40 or 4096 (nothing to keep).
  std::vector<uint8_t> partialSegment;
  // XOR of the stored checksums of the data segments that stay as they are
  // (checksums.md §7.1): those before end.sector, and end.sector itself when
  // end.ib == 4096.
  uint64_t accumulatedChecksumBefore = 0;
  bool cleanEnd = false;  // last record Term/Term2/RecoveryQuit*
};

struct LogWriterStatistics {
  uint64_t fdatasyncs = 0;       // on log files (directory fsyncs not counted)
  uint64_t bytesWritten = 0;     // segment and header bytes written to log files
  uint64_t recordsAppended = 0;
  uint64_t flushWrites = 0;      // leader writes (group commits)
  uint32_t generationsCreated = 0;  // rollovers done by this writer
  uint32_t reservesUsed = 0;
};

class LogWriter {
 public:
  // Starts a new stream: removes nothing, fails with InvalidParameter if
  // `<base>.log` already exists. Creates `<base>.log` (generation
  // options.firstGeneration, checkpoint (gen, 1, 0)), the reserve logs and
  // `<base>tmp.log`.
  static Result<std::unique_ptr<LogWriter>> create(const LogWriterOptions& options);

  // Continues the stream in `<base>.log` after recovery: the tail from
  // LogReader::tail(). Sectors after the end are zeroed (the torn or unused
  // tail is overwritten as ESE does), the partial segment is rewritten with
  // its shadow, then appends continue at tail.end. Missing reserve logs and
  // `<base>tmp.log` are re-created. options.logSignature and firstGeneration
  // are taken from the tail's header.
  static Result<std::unique_ptr<LogWriter>> continueStream(const LogWriterOptions& options,
                                                           const LogStreamTail& tail);

  ~LogWriter();  // close() if not closed; errors are lost, call close() to see them
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Appends one whole record (its exact bytes, log-records.md; at most what
  // fits in an empty log file) and returns its LGPOS. Rolls over to a new
  // generation first when the record does not fit in the current file.
  // LogDiskFull in disk-full mode; LogWriteFail after an I/O error (sticky).
  Result<LogPosition> append(Bytes record);
  // Same, but allowed in disk-full mode (shutdown records).
  Result<LogPosition> appendForShutdown(Bytes record);

  // Position where the next record would start (after all appended records).
  LogPosition end() const;
  // Everything before this position is durable.
  LogPosition durableEnd() const;

  // Makes every record that starts before `upTo` durable (positions beyond
  // end() mean "everything appended so far").
  Status flush(LogPosition upTo);
  Status flushAll() { return flush(end()); }

  // Finishes the current generation and starts the next (log-format.md §8):
  // flush, header of generation+1 into `<base>tmp.log`, `<base>.log` ->
  // `<base>XXXXX.log`, `<base>tmp.log` -> `<base>.log`, directory fsync,
  // pre-create the next `<base>tmp.log` (rollovers done by append() leave
  // that to the background worker; this call does it before returning).
  Status rollover();
  int32_t currentGeneration() const;

  // Circular logging / truncation: deletes archived generations < generation
  // (never the current one: the limit is clamped to it). Missing files are
  // skipped.
  Status deleteGenerationsBefore(int32_t generation);

  // Flushes and stops; `<base>.log` stays the current generation. Later
  // calls other than statistics() fail with InvalidParameter.
  Status close();

  bool diskFull() const;
  LogWriterStatistics statistics() const;
  const LogWriterOptions& options() const;

  // File names (log-format.md §1): "edb.log", "edb0000A.log" (8 hex digits
  // above 0xFFFFF), "edbtmp.log", "edbres00001.jrs".
  static std::string currentFileName(const std::string& baseName, const std::string& extension);
  static std::string archivedFileName(const std::string& baseName, const std::string& extension, int32_t generation);
  static std::string temporaryFileName(const std::string& baseName, const std::string& extension);
  static std::string reserveFileName(const std::string& baseName, uint32_t index);

  class Impl;

 private:
  explicit LogWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Current UTC time as LOGTIME (millisecond resolution, fTimeIsUTC set).
LogTime currentLogTime();
// A fresh log-stream signature: random 32 bits + `created`, zero computer name.
Signature newLogSignature(const LogTime& created);

}  // namespace esekit::engine::log
