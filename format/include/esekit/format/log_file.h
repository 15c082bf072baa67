// Whole transaction log files: sector classification, end of log, record
// walk with fragment reassembly, legacy v7 LRCHECKSUM chains, checks between
// consecutive generations, and log file names / roles.
// See ese-format/log-format.md §1, §5, §6, §8, §9 and checksums.md §7, §8.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/fields.h"
#include "esekit/format/log_header.h"
#include "esekit/format/log_record.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit {

// What one sector of a log file holds (log-format.md §6, §9).
enum class SectorClass : uint8_t {
  Header,       // part of the 4096-byte LGFILEHDR
  Data,         // valid data of this generation (8.4000: segment verifies with its own LGPOS;
                //  legacy: inside an LRCHECKSUM-verified range)
  Corrected,    // valid data after correcting a single-bit error
  TornPatched,  // torn write: replaced by the shadow copy in the next sector
  Shadow,       // copy of the previous (partial) sector
  Stale,        // valid segment left by an earlier use of a recycled file
  Empty,        // all zero
  Unused,       // after the end of the log and neither zero nor a shadow: not examined (legacy
                //  tail, or the reserved last sector of a segment log)
};
inline constexpr size_t kSectorClassCount = 8;
std::string_view sectorClassName(SectorClass sectorClass);

struct LogScanOptions {
  bool allowCorrections = true;  // fix single-bit segment errors (else they are corruption)
  bool collectRecords = true;    // keep the records; otherwise only walk them for framing
};

// A problem that did not stop the scan.
struct LogScanNote {
  enum class Kind : uint8_t {
    CorrectedBit,            // single-bit error fixed; `bit` is the bit inside the sector
    TornWritePatched,        // sector replaced by its shadow copy (ESE: -571/-570 during hard recovery)
    DiscardedPartialRecord,  // unfinished fragment chain dropped (torn tail, §5.2)
    LegacyShadowChecksum,    // LRCHECKSUM matched in its shadow form (range ^ 0x5AD05EC7)
  };
  Kind kind;
  uint32_t sector = 0;
  uint64_t fileOffset = 0;
  uint32_t bit = 0;  // CorrectedBit: byte * 8 + bit (LSB first) inside the sector
  std::string message;
};
std::string_view logScanNoteKindName(LogScanNote::Kind kind);

// One log record. `bytes` is the whole record: a view into the scanned file,
// or (reassembled fragments, records of corrected/patched sectors) into
// storage owned by the LogFileScan, which stays valid while any copy of the
// scan lives. Views into the file are valid as long as the caller's buffer.
struct LogRecordView {
  LogPosition position;  // of its first byte (of its FragmentBegin when reassembled)
  LogRecordType type = LogRecordType::Nop;
  Bytes bytes;
  bool reassembled = false;
};

struct LogFileScan {
  LogFileHeader header;
  LogFormat format = LogFormat::Unsupported;
  std::vector<SectorClass> sectors;  // one per sector of the file, header sectors included
  size_t count(SectorClass sectorClass) const;

  // Last sector holding valid data; 0 when the log holds none.
  uint32_t lastDataSector = 0;
  // Position of the last non-NOP record and of the first byte after it
  // (ib may equal the sector size when it ends a sector). Zero when empty.
  LogPosition lastRecordPosition;
  LogPosition endPosition;
  std::optional<LogRecordType> lastRecordType;
  // Last record is Term, Term2, RecoveryQuit(2) or RecoveryQuitKeepAttachments (§6).
  bool cleanEnd = false;

  // XOR of the stored checksums of every valid data segment (checksums.md
  // §7.1); what the next generation's header must carry. 0 for legacy logs.
  uint64_t accumulatedChecksum = 0;

  // Non-NOP records, counted even when not collected; legacy logs include their
  // LRCHECKSUM records (also in `records`), which never count as the last record.
  uint64_t recordCount = 0;
  uint64_t reassembledCount = 0;  // of which were reassembled from fragments
  uint32_t legacyChecksumRecords = 0;  // LRCHECKSUM records verified (legacy only)

  std::vector<LogScanNote> notes;
  std::vector<LogRecordView> records;  // empty unless options.collectRecords
  std::vector<std::shared_ptr<const std::vector<uint8_t>>> storage;  // owns reassembled/corrected bytes
};

// Verifies the header (checksum, type, version, geometry, file size), then
// for 8.4000.x classifies every sector and finds the end of the log (§6),
// or for 7.3704.x follows and verifies the LRCHECKSUM chain (§9); then walks
// the records. Errors name the sector and file offset:
//   LogFileCorrupt (-501): header checksum, bad sector, bad segment LGPOS,
//     valid data after the end, record framing (type >= 102, record past its
//     segment, fragment out of place), broken LRCHECKSUM chain or checksum;
//   LogCorrupted (-1852): a reassembled record whose type or size disagrees
//     with its FragmentBegin;
//   FileInvalidType, BadLogVersion, LogFileSizeMismatch: header checks.
Result<LogFileScan> scanLogFile(Bytes file, const LogScanOptions& options = {});

// Checks that `next` directly follows `previous` in one log stream (§8):
// same log signature (BadLogSignature -530), generation + 1 and tmPrevGen ==
// previous tmCreate (InvalidLogSequence -515), and, when next's version
// carries it and it is non-zero, the accumulated segment checksum of the
// previous file (LogSequenceChecksumMismatch -590).
Status checkLogSequence(const LogFileHeader& previous, const LogFileScan& previousScan, const LogFileHeader& next);

// Summary of a scan: sector counts by class, end position, clean end, records, notes.
FieldList describe(const LogFileScan& scan);

// ---- File names and roles (§1) -------------------------------------------

enum class LogFileRole : uint8_t {
  Current,    // edb.log / edb.jtx: generation only in its header
  Archived,   // edb0000A.log, edb00000A1F.jtx: generation in the name (hex)
  Temporary,  // edbtmp.log / edbtmp.jtx: next generation being prepared, or a recycled old log
  Reserve,    // edbres00001.jrs: pre-allocated spare
};
std::string_view logFileRoleName(LogFileRole role);

struct LogFileName {
  LogFileRole role = LogFileRole::Current;
  std::string baseName;   // 3 characters as written ("edb", "SRU", "USS")
  std::string extension;  // "log", "jtx" or "jrs", as written
  int32_t generation = 0;  // Archived: from the name
  uint32_t reserveIndex = 0;  // Reserve: the 5-digit number
};

// Parses a file name (no directory). Case-insensitive like Windows; nullopt
// for names that are not log file names.
std::optional<LogFileName> parseLogFileName(std::string_view fileName);

// An archived log's header generation must equal the one in its name
// (LogGenerationMismatch -513). Other roles always pass.
Status checkLogFileName(const LogFileName& name, const LogFileHeader& header);

// What the bytes of a log-directory file are.
enum class LogFileContent : uint8_t {
  LogHeader,    // starts with an LGFILEHDR whose checksum verifies
  AllZero,      // zero-filled (pre-created or reserve, 8.4000.2+)
  FillPattern,  // 0xDA fill with every 16th byte (0xDA + offset) (Win7-era pre-created/reserve)
  Empty,        // zero bytes long
  Other,        // none of the above (not an ESE log)
};
std::string_view logFileContentName(LogFileContent content);
LogFileContent classifyLogFileContent(Bytes file);

// Name and content together. A temporary or reserve file is never the
// current log: zero/pattern filled it is an unused spare; with a log header it
// is a recycled old generation (circular logging, INVENTORY observation 5) and
// must not be reported as a corrupt or out-of-sequence current log.
struct LogFileIdentity {
  std::optional<LogFileName> name;
  LogFileContent content = LogFileContent::Other;
  std::optional<int32_t> headerGeneration;  // when content == LogHeader
  bool spare = false;     // temporary/reserve file without data (zero or fill pattern)
  bool recycled = false;  // temporary/reserve file holding an old log
  // True for current/archived logs (or unnamed files) with a log header:
  // candidates for scanning and for the generation sequence.
  bool partOfSequence = false;
  std::string summary;  // one line, e.g. "recycled log of generation 5 (edbtmp.log)"
};
LogFileIdentity identifyLogFile(std::string_view fileName, Bytes file);

}  // namespace esekit
