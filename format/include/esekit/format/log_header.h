// The 4096-byte header of an ESE transaction log file (LGFILEHDR) and log
// format versions. See ese-format/log-format.md §3-§4 and checksums.md §6.
//
// parse() keeps every byte of the header (including the unused tail of the
// attach area and the padding), so serialize() reproduces it byte for byte.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/checkpoint.h"
#include "esekit/format/fields.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit {

// Size of LGFILEHDR on disk, independent of the sector size (§3).
inline constexpr size_t kLogFileHeaderSize = 4096;
// JET_filetypeLog at offset 667 (§3).
inline constexpr uint32_t kLogFileType = 3;

// DBMS_PARAM (§3.1) and ATTACHINFO (§3.2): DbmsParameters and AttachInfo
// from checkpoint.h, which the checkpoint file shares.

// (Major, Minor, UpdateMajor, UpdateMinor) at offsets 32, 36, 40, 648 (§4).
struct LogVersion {
  uint32_t major = 0;
  uint32_t minor = 0;
  uint32_t updateMajor = 0;
  uint32_t updateMinor = 0;

  std::string toString() const;  // "8.4000.60.140"
  friend bool operator==(const LogVersion&, const LogVersion&) = default;
};

// How the data after the header is organised (§4, §5, §9).
enum class LogFormat : uint8_t {
  Segments,  // 8.4000.x: 4 KiB segments with LGSEGHDR and XOR+ECC checksums
  Legacy,    // 7.3704.x: continuous records protected by LRCHECKSUM records
  Unsupported,
};
LogFormat logFormatOf(const LogVersion& version);
std::string_view logFormatName(LogFormat format);
// 8.4000.2+ zero-fills new and recycled files, so all-zero sectors mean "empty" (§4, §6).
bool isZeroFilledVersion(const LogVersion& version);
// 8.4000.*.13+ carries the accumulated checksum of the previous generation (checksums.md §7.1).
bool hasAccumulatedChecksum(const LogVersion& version);

struct LogFileHeader {
  // fLGFlags (§3, offset 639).
  static constexpr uint8_t kReserveLogUsed = 0x01;
  static constexpr uint8_t kCircularLogging = 0x02;
  static constexpr uint8_t kCircularLoggingHistory = 0x04;

  uint32_t checksum = 0;  // as stored (legacy XOR over the 4096 bytes)
  int32_t generation = 0;
  uint16_t sectorSize = 0;
  uint16_t headerSectors = 0;
  uint16_t fileSectors = 0;
  uint16_t pageSize = 0;  // as stored; 0 means 4096 (see databasePageSize())
  LogTime created;
  LogTime previousGenerationCreated;
  LogVersion version;
  Signature logSignature;
  DbmsParameters dbmsParameters;
  uint8_t flags = 0;
  LogPosition checkpointAtCreation;
  uint8_t diskSectorSizeMismatch = 0;  // diagnostic: 0 unknown, 1 match, 2-5 true size, 255 other
  uint64_t previousLogChecksum = 0;    // checksumPrevLogAllSegments; 0 = not present
  uint32_t engineFormatVersionDiagnostic = 0;
  std::array<uint8_t, 2> reserved{};
  uint32_t fileType = 0;  // 3 = log (0 in very old logs)
  std::vector<AttachInfo> attachments;
  // Bytes of the 2048-byte attach area after the terminating 0 byte, and the
  // padding from offset 2719 to 4095: kept only so serialize() is byte-exact.
  std::vector<uint8_t> attachAreaTail;
  std::vector<uint8_t> padding;

  LogFormat format() const { return logFormatOf(version); }
  uint32_t databasePageSize() const { return pageSize == 0 ? 4096 : pageSize; }
  uint64_t expectedFileSize() const { return uint64_t{fileSectors} * sectorSize; }
};

// Offsets of LGFILEHDR fields (§3) that error messages and tests refer to.
namespace log_header_offsets {
inline constexpr size_t kChecksum = 0;
inline constexpr size_t kGeneration = 4;
inline constexpr size_t kSectorSize = 8;
inline constexpr size_t kHeaderSectors = 10;
inline constexpr size_t kFileSectors = 12;
inline constexpr size_t kPageSize = 14;
inline constexpr size_t kCreated = 16;
inline constexpr size_t kPreviousGenerationCreated = 24;
inline constexpr size_t kMajor = 32;
inline constexpr size_t kSignature = 44;
inline constexpr size_t kFlags = 639;
inline constexpr size_t kPreviousLogChecksum = 653;
inline constexpr size_t kFileType = 667;
inline constexpr size_t kAttachArea = 671;
inline constexpr size_t kAttachAreaSize = 2048;
}  // namespace log_header_offsets

// Parses the first 4096 bytes of `bytes`. Structural only: fails with
// LogFileCorrupt when fewer than 4096 bytes are present or the attach list
// runs past its 2048-byte area; does not verify the checksum or the values.
Result<LogFileHeader> parseLogFileHeader(Bytes bytes);

// Verifies the legacy XOR checksum over the first 4096 bytes (checksums.md §6).
// Mismatch or truncation -> LogFileCorrupt naming file offset 0.
Status verifyLogFileHeaderChecksum(Bytes bytes);

// The checks ESE makes when opening a log (§2, §3, §8): file type, version,
// sector size, header/file sector counts, and (when fileSize != 0) the file
// size. Errors: FileInvalidType, BadLogVersion, LogFileCorrupt,
// LogSectorSizeMismatch, LogFileSizeMismatch; each names the header offset.
Status validateLogFileHeader(const LogFileHeader& header, uint64_t fileSize);

// 4096 bytes. With recomputeChecksum the checksum field is set from the
// contents, otherwise header.checksum is written as is (byte-exact round trip).
std::vector<uint8_t> serializeLogFileHeader(const LogFileHeader& header, bool recomputeChecksum = false);

// Header fields in the spirit of `esentutl /ml`.
FieldList describe(const LogFileHeader& header);

}  // namespace esekit
