// LGFILEHDR parse / serialize / checks (ese-format/log-format.md §3-§4,
// checksums.md §6).
#include "esekit/format/log_header.h"

#include <algorithm>
#include <cstdio>

#include "esekit/format/checksum.h"
#include "log/log_text.h"

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

std::string ansiText(const uint8_t* data, size_t size) {
  std::string text;
  for (size_t i = 0; i < size && data[i] != 0; ++i) text.push_back(data[i] < 0x80 ? static_cast<char>(data[i]) : '?');
  return text;
}

Status headerError(JetError code, size_t offset, const std::string& what) {
  return Status(code, "log file header offset " + std::to_string(offset) + ": " + what);
}

// Parses one ATTACHINFO at `offset` (absolute) inside the attach area.
Result<AttachInfo> parseAttachInfo(const ByteView& view, size_t offset, size_t areaEnd) {
  AttachInfo info;
  if (offset + AttachInfo::kFixedSize > areaEnd)
    return headerError(JetError::LogFileCorrupt, offset, "attach entry runs past the 2048-byte attach area");
  info.databaseId = view.u8(offset);
  info.flags = view.u8(offset + 1);
  const uint16_t namesLength = view.u16(offset + 2);
  info.dbtime = view.u64(offset + 4);
  info.lastObjectId = view.u32(offset + 12);
  info.maxDatabasePages = view.u32(offset + 16);
  info.attachPosition = LogPosition::parse(view, offset + 20);
  info.consistentPosition = LogPosition::parse(view, offset + 28);
  info.databaseSignature = Signature::parse(view, offset + 36);
  if (offset + AttachInfo::kFixedSize + namesLength > areaEnd)
    return headerError(JetError::LogFileCorrupt, offset + 2,
                       "attach entry names (" + std::to_string(namesLength) + " bytes) run past the attach area");
  const Bytes names = view.slice(offset + AttachInfo::kFixedSize, namesLength);
  info.names.assign(names.begin(), names.end());
  return info;
}

}  // namespace

DbmsParameters DbmsParameters::parse(const ByteView& view, size_t offset) {
  DbmsParameters p;
  const Bytes system = view.slice(offset, 261);
  std::copy(system.begin(), system.end(), p.systemPath.begin());
  const Bytes log = view.slice(offset + 261, 261);
  std::copy(log.begin(), log.end(), p.logFilePath.begin());
  p.flags = view.u8(offset + 522);
  p.sessionsMax = view.u32(offset + 523);
  p.openTablesMax = view.u32(offset + 527);
  p.versionPagesMax = view.u32(offset + 531);
  p.cursorsMax = view.u32(offset + 535);
  p.logBuffers = view.u32(offset + 539);
  p.logFileSectors = view.u32(offset + 543);
  p.cacheSizeMax = view.u32(offset + 547);
  const Bytes reserved = view.slice(offset + 551, 16);
  std::copy(reserved.begin(), reserved.end(), p.reserved.begin());
  return p;
}

void DbmsParameters::serialize(ByteWriter& out, size_t offset) const {
  out.copy(offset, systemPath);
  out.copy(offset + 261, logFilePath);
  out.u8(offset + 522, flags);
  out.u32(offset + 523, sessionsMax);
  out.u32(offset + 527, openTablesMax);
  out.u32(offset + 531, versionPagesMax);
  out.u32(offset + 535, cursorsMax);
  out.u32(offset + 539, logBuffers);
  out.u32(offset + 543, logFileSectors);
  out.u32(offset + 547, cacheSizeMax);
  out.copy(offset + 551, reserved);
}

std::string DbmsParameters::systemPathText() const { return ansiText(systemPath.data(), systemPath.size()); }
std::string DbmsParameters::logFilePathText() const { return ansiText(logFilePath.data(), logFilePath.size()); }

std::string AttachInfo::path() const {
  if (flags & kUnicodeNames) return log_text::utf16ToUtf8(names);
  return ansiText(names.data(), names.size());
}

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
  size_t at = off::kAttachArea;
  while (true) {
    if (at >= areaEnd)
      return headerError(JetError::LogFileCorrupt, at, "attach list has no terminating 0 byte in its 2048-byte area");
    if (view.u8(at) == 0) break;
    Result<AttachInfo> info = parseAttachInfo(view, at, areaEnd);
    ESEKIT_RETURN_IF_ERROR(info);
    at += info->encodedSize();
    h.attachments.push_back(std::move(info.value()));
  }
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

  // Entries that do not fit the attach area are dropped rather than spilled
  // into the padding; parse() never produces such a list.
  const size_t areaEnd = off::kAttachArea + off::kAttachAreaSize;
  size_t at = off::kAttachArea;
  for (const AttachInfo& info : h.attachments) {
    if (at + info.encodedSize() + 1 > areaEnd) break;
    out.u8(at, info.databaseId);
    out.u8(at + 1, info.flags);
    out.u16(at + 2, static_cast<uint16_t>(info.names.size()));
    out.u64(at + 4, info.dbtime);
    out.u32(at + 12, info.lastObjectId);
    out.u32(at + 16, info.maxDatabasePages);
    info.attachPosition.serialize(out, at + 20);
    info.consistentPosition.serialize(out, at + 28);
    info.databaseSignature.serialize(out, at + 36);
    out.copy(at + AttachInfo::kFixedSize, info.names);
    at += info.encodedSize();
  }
  out.u8(at, 0);
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
    entry.number("dbid", a.databaseId);
    entry.text("path", a.path());
    entry.unsignedNumber("dbtime", a.dbtime);
    entry.number("lastObjectId", a.lastObjectId);
    entry.number("maxDatabasePages", a.maxDatabasePages);
    entry.text("attachPosition", a.attachPosition.toString());
    entry.text("consistentPosition", a.consistentPosition.toString());
    entry.text("signature", a.databaseSignature.toString());
    entry.boolean("sparse", a.flags & AttachInfo::kSparseFile);
    f.nest("attachments." + std::to_string(i), entry);
  }
  return f;
}

}  // namespace esekit
