// scanLogFile: header checks, then the format-specific scanner
// (log_scan_segments.cpp, log_scan_records.cpp, log_legacy.cpp).
#include <cstdio>

#include "esekit/format/log_file.h"
#include "log/log_scan_internal.h"

namespace esekit {
namespace log_scan {

std::string sectorText(uint32_t sector, uint64_t fileOffset) {
  char text[64];
  std::snprintf(text, sizeof text, "sector %u (file offset 0x%llx)", sector,
                static_cast<unsigned long long>(fileOffset));
  return text;
}

bool isCleanEndType(LogRecordType type) {
  switch (type) {
    case LogRecordType::Term:
    case LogRecordType::Term2:
    case LogRecordType::RecoveryQuit:
    case LogRecordType::RecoveryQuit2:
    case LogRecordType::RecoveryQuitKeepAttachments:
      return true;
    default:
      return false;
  }
}

void RecordCollector::add(LogPosition position, LogPosition end, Bytes bytes, bool reassembled) {
  const auto type = static_cast<LogRecordType>(bytes[0]);
  ++scan_.recordCount;
  if (reassembled) ++scan_.reassembledCount;
  if (collect_) scan_.records.push_back(LogRecordView{position, type, bytes, reassembled});
  // A legacy LRCHECKSUM only frames the records; it does not end a generation.
  if (type == LogRecordType::Checksum) return;
  scan_.lastRecordPosition = position;
  scan_.endPosition = end;
  scan_.lastRecordType = type;
  scan_.cleanEnd = isCleanEndType(type);
}

}  // namespace log_scan

std::string_view sectorClassName(SectorClass sectorClass) {
  switch (sectorClass) {
    case SectorClass::Header: return "header";
    case SectorClass::Data: return "data";
    case SectorClass::Corrected: return "corrected";
    case SectorClass::TornPatched: return "torn-patched";
    case SectorClass::Shadow: return "shadow";
    case SectorClass::Stale: return "stale";
    case SectorClass::Empty: return "empty";
    case SectorClass::Unused: return "unused";
  }
  return "?";
}

std::string_view logScanNoteKindName(LogScanNote::Kind kind) {
  switch (kind) {
    case LogScanNote::Kind::CorrectedBit: return "corrected-bit";
    case LogScanNote::Kind::TornWritePatched: return "torn-write-patched";
    case LogScanNote::Kind::DiscardedPartialRecord: return "discarded-partial-record";
    case LogScanNote::Kind::LegacyShadowChecksum: return "legacy-shadow-checksum";
  }
  return "?";
}

size_t LogFileScan::count(SectorClass sectorClass) const {
  size_t n = 0;
  for (SectorClass c : sectors) n += c == sectorClass;
  return n;
}

Result<LogFileScan> scanLogFile(Bytes file, const LogScanOptions& options) {
  ESEKIT_RETURN_IF_ERROR(verifyLogFileHeaderChecksum(file));
  Result<LogFileHeader> header = parseLogFileHeader(file);
  ESEKIT_RETURN_IF_ERROR(header);
  ESEKIT_RETURN_IF_ERROR(validateLogFileHeader(*header, file.size()));

  LogFileScan scan;
  scan.header = std::move(header.value());
  scan.format = scan.header.format();
  // validateLogFileHeader guarantees file.size() == fileSectors * sectorSize.
  scan.sectors.assign(scan.header.fileSectors, SectorClass::Unused);
  for (uint32_t s = 0; s < scan.header.headerSectors; ++s) scan.sectors[s] = SectorClass::Header;

  const Status status = scan.format == LogFormat::Legacy ? log_scan::scanLegacyLog(file, scan, options)
                                                          : log_scan::scanSegmentLog(file, scan, options);
  if (!status.isOk()) return status;
  return scan;
}

}  // namespace esekit
