// 8.4000.x sector classification and end of log (ese-format/log-format.md §5.3,
// §6; checksums.md §7, §7.1).
#include <algorithm>
#include <memory>

#include "esekit/format/checksum.h"
#include "log/log_scan_internal.h"

namespace esekit::log_scan {
namespace {

constexpr uint32_t kSegmentSize = 4096;
constexpr size_t kSegmentPositionOffset = 8;  // LGSEGHDR.le_lgposSegment

using Verdict = checksum::PageChecksumCheck::Verdict;

bool allZero(Bytes bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

LogPosition segmentPosition(Bytes segment) {
  return LogPosition::parse(ByteView(segment), kSegmentPositionOffset);
}

uint64_t storedChecksum(Bytes segment) { return loadLittleEndian<uint64_t>(segment.data()); }

class SegmentClassifier {
 public:
  SegmentClassifier(Bytes file, LogFileScan& scan, const LogScanOptions& options)
      : file_(file), scan_(scan), options_(options), segments_(scan.header.fileSectors) {}

  Status run();
  const std::vector<Bytes>& segments() const { return segments_; }

 private:
  Bytes sector(uint32_t isec) const { return file_.subspan(size_t{isec} * kSegmentSize, kSegmentSize); }
  uint64_t offsetOf(uint32_t isec) const { return uint64_t{isec} * kSegmentSize; }
  LogPosition expectedPosition(uint32_t isec) const {
    return LogPosition{0, static_cast<uint16_t>(isec), scan_.header.generation};
  }
  Status corrupt(uint32_t isec, const std::string& what) const {
    return Status(JetError::LogFileCorrupt, "log " + sectorText(isec, offsetOf(isec)) + ": " + what);
  }
  void acceptData(uint32_t isec, SectorClass sectorClass, Bytes contents) {
    scan_.sectors[isec] = sectorClass;
    segments_[isec] = contents;
    scan_.lastDataSector = isec;
    scan_.accumulatedChecksum ^= storedChecksum(contents);
  }
  Status classify(uint32_t isec);
  void classifyLastSector();

  Bytes file_;
  LogFileScan& scan_;
  const LogScanOptions& options_;
  std::vector<Bytes> segments_;
  bool emptySeen_ = false;
};

Status SegmentClassifier::run() {
  const uint32_t first = scan_.header.headerSectors;
  const uint32_t lastData = scan_.header.fileSectors - 2u;  // the last sector only receives shadows (§2)
  for (uint32_t isec = first; isec <= lastData; ++isec) ESEKIT_RETURN_IF_ERROR(classify(isec));
  classifyLastSector();
  return Status::ok();
}

Status SegmentClassifier::classify(uint32_t isec) {
  const Bytes raw = sector(isec);
  const checksum::PageChecksumCheck check = checksum::checkPage(raw, isec);

  if (check.verdict != Verdict::Bad) {
    Bytes contents = raw;
    std::shared_ptr<std::vector<uint8_t>> corrected;
    if (check.verdict == Verdict::Correctable) {
      const uint32_t bit = check.flippedBits.front();
      if (!options_.allowCorrections)
        return corrupt(isec, "single-bit error at byte " + std::to_string(bit / 8) + " bit " +
                                 std::to_string(bit % 8) + " and corrections are disabled");
      corrected = std::make_shared<std::vector<uint8_t>>(raw.begin(), raw.end());
      if (!checksum::correctPage(*corrected, isec, check))
        return corrupt(isec, "single-bit error at byte " + std::to_string(bit / 8) + " could not be corrected");
      contents = *corrected;
    }
    const LogPosition position = segmentPosition(contents);
    const LogPosition expected = expectedPosition(isec);
    if (position < expected) {  // left over from an earlier use of a recycled file (§2)
      scan_.sectors[isec] = SectorClass::Stale;
      emptySeen_ = true;
      return Status::ok();
    }
    if (position > expected)
      return corrupt(isec, "segment LGPOS " + position.toString() + " is beyond its own position " +
                               expected.toString());
    if (emptySeen_) return corrupt(isec, "valid segment " + position.toString() + " after the end of the log");
    if (corrected) {
      const uint32_t bit = check.flippedBits.front();
      scan_.storage.push_back(corrected);
      scan_.notes.push_back({LogScanNote::Kind::CorrectedBit, isec, offsetOf(isec), bit,
                             "single-bit error corrected at byte " + std::to_string(bit / 8) + " bit " +
                                 std::to_string(bit % 8) + " of " + sectorText(isec, offsetOf(isec)) +
                                 " (byte at file offset " + std::to_string(offsetOf(isec) + bit / 8) + ")"});
      acceptData(isec, SectorClass::Corrected, contents);
    } else {
      acceptData(isec, SectorClass::Data, contents);
    }
    return Status::ok();
  }

  // A shadow carries the checksum of the sector before it (§5.3).
  if (isec != scan_.header.headerSectors && checksum::checkPage(raw, isec - 1).verdict == Verdict::Ok) {
    scan_.sectors[isec] = SectorClass::Shadow;
    emptySeen_ = true;
    return Status::ok();
  }
  if (isZeroFilledVersion(scan_.header.version) && allZero(raw)) {
    scan_.sectors[isec] = SectorClass::Empty;
    emptySeen_ = true;
    return Status::ok();
  }
  const std::string mismatch = "checksum mismatch (stored " + hex64(check.stored) + ", computed " +
                               hex64(check.computed) + ")";
  if (emptySeen_) return corrupt(isec, mismatch + " after the end of the log");

  // Torn write: the shadow in the next sector still holds this segment (§6).
  const Bytes shadow = sector(isec + 1);
  if (checksum::checkPage(shadow, isec).verdict == Verdict::Ok && segmentPosition(shadow) == expectedPosition(isec)) {
    scan_.notes.push_back({LogScanNote::Kind::TornWritePatched, isec, offsetOf(isec), 0,
                           "torn write in " + sectorText(isec, offsetOf(isec)) + " (" + mismatch +
                               ") patched from its shadow copy in sector " + std::to_string(isec + 1)});
    acceptData(isec, SectorClass::TornPatched, shadow);
    return Status::ok();
  }
  return corrupt(isec, mismatch + "; not empty, not a shadow copy, and no valid shadow to patch it from");
}

// The reserved last sector never holds primary data; ESE does not scan it.
void SegmentClassifier::classifyLastSector() {
  const uint32_t isec = scan_.header.fileSectors - 1u;
  const Bytes raw = sector(isec);
  if (checksum::checkPage(raw, isec - 1).verdict == Verdict::Ok)
    scan_.sectors[isec] = SectorClass::Shadow;
  else if (allZero(raw))
    scan_.sectors[isec] = SectorClass::Empty;
  else
    scan_.sectors[isec] = SectorClass::Unused;
}

}  // namespace

Status scanSegmentLog(Bytes file, LogFileScan& scan, const LogScanOptions& options) {
  SegmentClassifier classifier(file, scan, options);
  ESEKIT_RETURN_IF_ERROR(classifier.run());
  if (scan.lastDataSector == 0) return Status::ok();  // no data written yet
  return walkSegmentRecords(scan, classifier.segments(), options);
}

}  // namespace esekit::log_scan
