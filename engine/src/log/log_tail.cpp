// End of a current log file: the torn-tail rule and the tail LogWriter
// continues from (see log_reader.h; ese-format/log-format.md §5.3, §6,
// checksums.md §7.1).
#include <algorithm>
#include <cstring>

#include "esekit/format/checksum.h"
#include "esekit/format/log_segment_writer.h"
#include "log/log_reader.h"

namespace esekit::engine::log {
namespace {

using Verdict = checksum::PageChecksumCheck::Verdict;

Bytes sectorOf(Bytes file, uint32_t isec) { return file.subspan(size_t{isec} * kLogSegmentSize, kLogSegmentSize); }

LogPosition segmentPosition(Bytes segment) { return LogPosition::parse(ByteView(segment), 8); }

// Verifies (possibly after a single-bit correction) as sector `isec` of `generation`.
bool isOwnSegment(Bytes segment, uint32_t isec, int32_t generation) {
  const checksum::PageChecksumCheck check = checksum::checkPage(segment, isec);
  if (check.verdict == Verdict::Bad) return false;
  std::array<uint8_t, kLogSegmentSize> copy{};
  std::copy(segment.begin(), segment.end(), copy.begin());
  if (check.verdict == Verdict::Correctable && !checksum::correctPage(copy, isec, check)) return false;
  return segmentPosition(copy) == LogPosition{0, static_cast<uint16_t>(isec), generation};
}

// The contents the scan used for a data sector (log_scan_segments.cpp rules).
std::array<uint8_t, kLogSegmentSize> segmentContents(Bytes file, const LogFileScan& scan, uint32_t isec) {
  std::array<uint8_t, kLogSegmentSize> contents{};
  const Bytes raw = scan.sectors[isec] == SectorClass::TornPatched ? sectorOf(file, isec + 1) : sectorOf(file, isec);
  std::copy(raw.begin(), raw.end(), contents.begin());
  if (scan.sectors[isec] == SectorClass::Corrected) {
    const checksum::PageChecksumCheck check = checksum::checkPage(contents, isec);
    checksum::correctPage(contents, isec, check);
  }
  return contents;
}

bool isDataClass(SectorClass c) {
  return c == SectorClass::Data || c == SectorClass::Corrected || c == SectorClass::TornPatched;
}

}  // namespace

Result<CurrentLogScan> scanCurrentLogFile(std::vector<uint8_t> file) {
  CurrentLogScan result;
  Result<LogFileScan> scan = scanLogFile(file);
  if (scan.isOk()) {
    result.file = std::move(file);
    result.scan = std::move(scan.value());
    return result;
  }
  const Status original = scan.status();
  if (original.code() != JetError::LogFileCorrupt) return original;
  // Only the data area can be a torn tail; header problems stand.
  Result<LogFileHeader> header = parseLogFileHeader(file);
  if (!header.isOk() || !verifyLogFileHeaderChecksum(file).isOk() ||
      !validateLogFileHeader(*header, file.size()).isOk() || header->format() != LogFormat::Segments)
    return original;
  const uint32_t first = header->headerSectors;
  const uint32_t lastData = header->fileSectors - 2u;
  const int32_t generation = header->generation;

  uint32_t end = first;  // E: first sector that is neither valid data nor patchable from its shadow
  for (; end <= lastData; ++end) {
    const Bytes sector = sectorOf(file, end);
    if (isOwnSegment(sector, end, generation)) continue;
    const Bytes shadow = sectorOf(file, end + 1);
    if (checksum::checkPage(shadow, end).verdict == Verdict::Ok &&
        segmentPosition(shadow) == LogPosition{0, static_cast<uint16_t>(end), generation})
      continue;  // torn write patched from the shadow (§6)
    break;
  }
  if (end > lastData) return original;  // every sector is fine: the error is not in the tail
  for (uint32_t isec = end + kMaxSectorsPerWrite; isec <= lastData; ++isec)
    if (isOwnSegment(sectorOf(file, isec), isec, generation))
      return Status(original.code(), original.message() + " (not a torn tail: sector " + std::to_string(isec) +
                                         " holds valid data " + std::to_string(isec - end) +
                                         " sectors after the first bad sector " + std::to_string(end) + ")");
  std::vector<uint8_t> patched = file;
  std::fill(patched.begin() + static_cast<std::ptrdiff_t>(size_t{end} * kLogSegmentSize), patched.end(), 0);
  Result<LogFileScan> rescan = scanLogFile(patched);
  if (!rescan.isOk()) return original;
  result.file = std::move(patched);
  result.scan = std::move(rescan.value());
  result.tornTailNote = "torn tail: log ends before sector " + std::to_string(end) + " (file offset " +
                        std::to_string(uint64_t{end} * kLogSegmentSize) + "); sectors " + std::to_string(end) + ".." +
                        std::to_string(header->fileSectors - 1u) + " ignored (" + original.message() + ")";
  return result;
}

LogStreamTail makeStreamTail(Bytes file, const LogFileScan& scan) {
  LogStreamTail tail;
  tail.header = scan.header;
  tail.cleanEnd = scan.cleanEnd;
  const uint16_t first = scan.header.headerSectors;
  tail.end = scan.endPosition.isZero()
                 ? LogPosition{static_cast<uint16_t>(kLogSegmentHeaderSize), first, scan.header.generation}
                 : scan.endPosition;
  const uint32_t keptBefore = tail.end.byteOffset >= kLogSegmentSize ? tail.end.sector + 1u : tail.end.sector;
  for (uint32_t isec = first; isec < keptBefore && isec < scan.sectors.size(); ++isec)
    if (isDataClass(scan.sectors[isec]))
      tail.accumulatedChecksumBefore ^= loadLittleEndian<uint64_t>(segmentContents(file, scan, isec).data());
  if (tail.end.byteOffset > kLogSegmentHeaderSize && tail.end.byteOffset < kLogSegmentSize &&
      isDataClass(scan.sectors[tail.end.sector])) {
    const auto contents = segmentContents(file, scan, tail.end.sector);
    tail.partialSegment.assign(contents.begin(), contents.end());
    std::fill(tail.partialSegment.begin() + tail.end.byteOffset, tail.partialSegment.end(), 0);
  }
  return tail;
}

}  // namespace esekit::engine::log
