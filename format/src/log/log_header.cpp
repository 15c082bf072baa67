// LGFILEHDR parse / serialize / checks (ese-format/log-format.md §3-§4,
// checksums.md §6).
#include "esekit/format/log_header.h"

#include <algorithm>
#include <cstdio>

#include "esekit/format/checksum.h"

namespace esekit {
namespace {

namespace off = log_header_offsets;

constexpr size_t kSectorSizeOffset = off::kSectorSize;
constexpr size_t kDbmsParameters = 72;
constexpr size_t kCheckpoint = 640;
constexpr size_t kUpdateMinor = 648;
constexpr size_t kDiskSectorSizeMismatch = 652;
constexpr size_t kEngineFormatVersion = 661;
constexpr size_t kReserved = 665;
constexpr size_t kPadding = off::kAttachArea + off::kAttachAreaSize;  // 2719

Status headerError(JetError code, size_t offset, const std::string& what) {
  return Status(code, "log file header offset " + std::to_string(offset) + ": " + what);
}

}  // namespace

std::string LogVersion::toString() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(updateMajor) + "." +
         std::to_string(updateMinor);
}

LogFormat logFormatOf(const LogVersion& version) {
  // §4: the reader accepts 8.4000.* (segments) and exactly 7.3704.* (legacy replay).
  if (version.major == 8 && version.minor == 4000) return LogFormat::Segments;
  if (version.major == 7 && version.minor == 3704) return LogFormat::Legacy;
  return LogFormat::Unsupported;
}

std::string_view logFormatName(LogFormat format) {
  switch (format) {
    case LogFormat::Segments: return "segments (8.4000.x)";
    case LogFormat::Legacy: return "legacy LRCHECKSUM (7.3704.x)";
    case LogFormat::Unsupported: break;
  }
  return "unsupported";
}

bool isZeroFilledVersion(const LogVersion& version) {
  return logFormatOf(version) == LogFormat::Segments && (version.updateMajor >= 2 || version.updateMinor >= 11);
}

bool hasAccumulatedChecksum(const LogVersion& version) {
  return logFormatOf(version) == LogFormat::Segments && version.updateMinor >= 13;
}

Result<LogFileHeader> parseLogFileHeader(Bytes bytes) {
  if (bytes.size() < kLogFileHeaderSize)
    return Status(JetError::LogFileCorrupt, "log file header: file has " + std::to_string(bytes.size()) +
                                                " bytes, the header needs 4096 (truncated at offset " +
                                                std::to_string(bytes.size()) + ")");
  const ByteView view(bytes.first(kLogFileHeaderSize));
  LogFileHeader h;
  h.checksum = view.u32(off::kChecksum);
  h.generation = view.i32(off::kGeneration);
  h.sectorSize = view.u16(kSectorSizeOffset);
  h.headerSectors = view.u16(off::kHeaderSectors);
  h.fileSectors = view.u16(off::kFileSectors);
  h.pageSize = view.u16(off::kPageSize);
  h.created = LogTime::parse(view, off::kCreated);
  h.previousGenerationCreated = LogTime::parse(view, off::kPreviousGenerationCreated);
  h.version.major = view.u32(off::kMajor);
  h.version.minor = view.u32(36);
  h.version.updateMajor = view.u32(40);
  h.version.updateMinor = view.u32(kUpdateMinor);
  h.logSignature = Signature::parse(view, off::kSignature);
  h.dbmsParameters = DbmsParameters::parse(view, kDbmsParameters);
  h.flags = view.u8(off::kFlags);
  h.checkpointAtCreation = LogPosition::parse(view, kCheckpoint);
  h.diskSectorSizeMismatch = view.u8(kDiskSectorSizeMismatch);
  h.previousLogChecksum = view.u64(off::kPreviousLogChecksum);
  h.engineFormatVersionDiagnostic = view.u32(kEngineFormatVersion);
  h.reserved = {view.u8(kReserved), view.u8(kReserved + 1)};
  h.fileType = view.u32(off::kFileType);  // unaligned on purpose (§3)

  // Attach list: entries packed back to back, terminated by a 0 dbid (§3.2).
  const size_t areaEnd = off::kAttachArea + off::kAttachAreaSize;
  Result<std::vector<AttachInfo>> list =
      parseAttachList(view.slice(off::kAttachArea, off::kAttachAreaSize), off::kAttachArea, JetError::LogFileCorrupt);
  if (!list) return list.status().withContext("log file header");
  size_t at = off::kAttachArea;
  for (const AttachInfo& info : *list) at += info.encodedSize();
  if (at >= areaEnd)
    return headerError(JetError::LogFileCorrupt, at, "attach list has no terminating 0 byte in its 2048-byte area");
  h.attachments = std::move(*list);
  const Bytes tail = view.slice(at + 1, areaEnd - (at + 1));
  h.attachAreaTail.assign(tail.begin(), tail.end());
  const Bytes padding = view.slice(kPadding, kLogFileHeaderSize - kPadding);
  h.padding.assign(padding.begin(), padding.end());
  return h;
}

Status verifyLogFileHeaderChecksum(Bytes bytes) {
  if (bytes.size() < kLogFileHeaderSize)
    return Status(JetError::LogFileCorrupt, "log file header checksum: only " + std::to_string(bytes.size()) +
                                                " of 4096 header bytes present (truncated at offset " +
                                                std::to_string(bytes.size()) + ")");
  const Bytes header = bytes.first(kLogFileHeaderSize);
  const uint32_t stored = loadLittleEndian<uint32_t>(header.data());
  const uint32_t computed = checksum::legacyXor(header);
  if (stored != computed)
    return Status(JetError::LogFileCorrupt, "log file header checksum mismatch at file offset 0: stored " +
                                                hex32(stored) + ", computed " + hex32(computed));
  return Status::ok();
}

Status validateLogFileHeader(const LogFileHeader& h, uint64_t fileSize) {
  if (h.fileType != kLogFileType && h.fileType != 0)
    return headerError(JetError::FileInvalidType, off::kFileType,
                       "file type " + std::to_string(h.fileType) + " is not a log (3)");
  const LogFormat format = h.format();
  if (format == LogFormat::Unsupported)
    return headerError(JetError::BadLogVersion, off::kMajor,
                       "log version " + h.version.toString() + " is neither 8.4000.x nor 7.3704.x");
  // §2: segment logs always use 4 KiB sectors; legacy logs the volume sector size.
  const bool sectorOk = format == LogFormat::Segments
                            ? h.sectorSize == 4096
                            : (h.sectorSize == 512 || h.sectorSize == 1024 || h.sectorSize == 2048 || h.sectorSize == 4096);
  if (!sectorOk)
    return headerError(JetError::LogFileCorrupt, kSectorSizeOffset,
                       "sector size " + std::to_string(h.sectorSize) + " is invalid for a " +
                           std::string(logFormatName(format)) + " log");
  if (uint32_t{h.headerSectors} * h.sectorSize != kLogFileHeaderSize)
    return headerError(JetError::LogFileCorrupt, off::kHeaderSectors,
                       std::to_string(h.headerSectors) + " header sectors of " + std::to_string(h.sectorSize) +
                           " bytes do not hold the 4096-byte header");
  // At least one data sector plus the reserved shadow sector (§2).
  if (h.fileSectors < h.headerSectors + 2)
    return headerError(JetError::LogFileCorrupt, off::kFileSectors,
                       "file sector count " + std::to_string(h.fileSectors) + " leaves no data sector");
  if (h.generation <= 0)
    return headerError(JetError::LogFileCorrupt, off::kGeneration,
                       "generation " + std::to_string(h.generation) + " is not positive");
  if (fileSize != 0 && fileSize != h.expectedFileSize())
    return headerError(JetError::LogFileSizeMismatch, off::kFileSectors,
                       "file is " + std::to_string(fileSize) + " bytes, header says " +
                           std::to_string(h.fileSectors) + " sectors of " + std::to_string(h.sectorSize) + " = " +
                           std::to_string(h.expectedFileSize()));
  return Status::ok();
}

std::vector<uint8_t> serializeLogFileHeader(const LogFileHeader& h, bool recomputeChecksum) {
  std::vector<uint8_t> bytes(kLogFileHeaderSize, 0);
  ByteWriter out(bytes);
  out.u32(off::kChecksum, h.checksum);
  out.i32(off::kGeneration, h.generation);
  out.u16(kSectorSizeOffset, h.sectorSize);
  out.u16(off::kHeaderSectors, h.headerSectors);
  out.u16(off::kFileSectors, h.fileSectors);
  out.u16(off::kPageSize, h.pageSize);
  h.created.serialize(out, off::kCreated);
  h.previousGenerationCreated.serialize(out, off::kPreviousGenerationCreated);
  out.u32(off::kMajor, h.version.major);
  out.u32(36, h.version.minor);
  out.u32(40, h.version.updateMajor);
  out.u32(kUpdateMinor, h.version.updateMinor);
  h.logSignature.serialize(out, off::kSignature);
  h.dbmsParameters.serialize(out, kDbmsParameters);
  out.u8(off::kFlags, h.flags);
  h.checkpointAtCreation.serialize(out, kCheckpoint);
  out.u8(kDiskSectorSizeMismatch, h.diskSectorSizeMismatch);
  out.u64(off::kPreviousLogChecksum, h.previousLogChecksum);
  out.u32(kEngineFormatVersion, h.engineFormatVersionDiagnostic);
  out.u8(kReserved, h.reserved[0]);
  out.u8(kReserved + 1, h.reserved[1]);
  out.u32(off::kFileType, h.fileType);

  // Entries that do not fit the attach area (with its terminator) are dropped
  // rather than spilled into the padding; parse() never produces such a list.
  const size_t areaEnd = off::kAttachArea + off::kAttachAreaSize;
  std::vector<AttachInfo> fitting;
  size_t at = off::kAttachArea;
  for (const AttachInfo& info : h.attachments) {
    if (at + info.encodedSize() + 1 > areaEnd) break;
    fitting.push_back(info);
    at += info.encodedSize();
  }
  std::vector<uint8_t> area(at - off::kAttachArea + 1, 0);
  if (serializeAttachList(fitting, area).isOk()) out.copy(off::kAttachArea, area);
  const size_t tailRoom = areaEnd - (at + 1);
  out.copy(at + 1, Bytes(h.attachAreaTail).first(std::min(tailRoom, h.attachAreaTail.size())));
  out.copy(kPadding, Bytes(h.padding).first(std::min(kLogFileHeaderSize - kPadding, h.padding.size())));
  if (recomputeChecksum) checksum::setHeaderChecksum(bytes);
  return bytes;
}

FieldList describe(const LogFileHeader& h) {
  FieldList f;
  f.number("generation", h.generation, hex32(static_cast<uint32_t>(h.generation)) + " (" + std::to_string(h.generation) + ")");
  f.text("checksum", hex32(h.checksum));
  f.text("version", h.version.toString());
  f.text("format", logFormatName(h.format()));
  f.number("sectorSize", h.sectorSize);
  f.number("headerSectors", h.headerSectors);
  f.number("fileSectors", h.fileSectors);
  f.number("pageSize", h.databasePageSize());
  f.text("created", h.created.toString());
  f.text("previousGenerationCreated", h.previousGenerationCreated.toString());
  f.text("signature", h.logSignature.toString());
  std::string flagText;
  if (h.flags & LogFileHeader::kReserveLogUsed) flagText += " reserve-log-used";
  if (h.flags & LogFileHeader::kCircularLogging) flagText += " circular-logging";
  if (h.flags & LogFileHeader::kCircularLoggingHistory) flagText += " circular-logging-history";
  char flagHex[8];
  std::snprintf(flagHex, sizeof flagHex, "0x%02x", h.flags);
  f.number("flags", h.flags, std::string(flagHex) + flagText);
  f.text("checkpointAtCreation", h.checkpointAtCreation.toString());
  f.text("previousLogChecksum", h.previousLogChecksum == 0 ? std::string("(not present)") : hex64(h.previousLogChecksum));
  f.number("diskSectorSizeMismatch", h.diskSectorSizeMismatch);
  f.number("engineFormatVersion", h.engineFormatVersionDiagnostic);
  f.number("fileType", h.fileType);
  const DbmsParameters& p = h.dbmsParameters;
  f.text("dbms.systemPath", p.systemPathText());
  f.text("dbms.logFilePath", p.logFilePathText());
  f.boolean("dbms.circularLogging", p.circularLogging());
  f.number("dbms.sessionsMax", p.sessionsMax);
  f.number("dbms.openTablesMax", p.openTablesMax);
  f.number("dbms.versionPagesMax", p.versionPagesMax);
  f.number("dbms.cursorsMax", p.cursorsMax);
  f.number("dbms.logBuffers", p.logBuffers);
  f.number("dbms.logFileSectors", p.logFileSectors);
  f.number("dbms.cacheSizeMax", p.cacheSizeMax);
  f.number("attachments.count", static_cast<int64_t>(h.attachments.size()));
  for (size_t i = 0; i < h.attachments.size(); ++i) {
    const AttachInfo& a = h.attachments[i];
    FieldList entry;
    entry.number("dbid", a.dbid);
    entry.text("path", a.name());
    entry.number("dbtime", a.dbtime);
    entry.number("lastObjectId", a.lastObjectId);
    entry.number("maxDatabasePages", a.maxDatabasePages);
    entry.text("attachPosition", a.attachPosition.toString());
    entry.text("consistentPosition", a.consistentPosition.toString());
    entry.text("signature", a.databaseSignature.toString());
    entry.boolean("sparse", a.flags & AttachInfo::kFlagSparse);
    f.nest("attachments." + std::to_string(i), entry);
  }
  return f;
}

}  // namespace esekit
