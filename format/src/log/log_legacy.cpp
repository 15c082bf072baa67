// Legacy 7.3704.x logs: the LRCHECKSUM chain (ese-format/log-format.md §9,
// checksums.md §8, log-records.md §3.7 for the record layout).
#include <algorithm>

#include "esekit/format/checksum.h"
#include "log/log_scan_internal.h"

namespace esekit::log_scan {
namespace {

constexpr uint32_t kChecksumRecordSize = 22;
constexpr uint32_t kRangeSeed = 0xFEEDBEAF;
constexpr uint32_t kShortSeed = 0xDEADC0DE;
constexpr uint32_t kShadowSectorChecksum = 0x5AD05EC7;  // ulShadowSectorChecksum
constexpr uint8_t kShortChecksumOn = 0x9A;
constexpr uint8_t kShortChecksumOff = 0xD1;

struct ChecksumRecord {
  uint32_t backwards = 0;
  uint32_t forwards = 0;
  uint32_t next = 0;
  uint32_t rangeChecksum = 0;
  uint32_t shortChecksum = 0;
  uint8_t useShortChecksum = 0;
};

class LegacyScanner {
 public:
  LegacyScanner(Bytes file, LogFileScan& scan, const LogScanOptions& options)
      : file_(file), scan_(scan), collector_(scan, options.collectRecords),
        sectorSize_(scan.header.sectorSize), dataStart_(uint64_t{scan.header.headerSectors} * sectorSize_) {}

  Status run();

 private:
  LogPosition positionOf(uint64_t offset) const {
    return LogPosition{static_cast<uint16_t>(offset % sectorSize_), static_cast<uint16_t>(offset / sectorSize_),
                       scan_.header.generation};
  }
  Status corrupt(uint64_t offset, const std::string& what) const {
    const auto sector = static_cast<uint32_t>(offset / sectorSize_);
    return Status(JetError::LogFileCorrupt,
                  "legacy log " + positionOf(offset).toString() + ", " + sectorText(sector, offset) + ": " + what);
  }
  Status verify(uint64_t at, const ChecksumRecord& record);
  Status walkRecords(uint64_t begin, uint64_t end);
  void markData(uint64_t begin, uint64_t end);
  void classifyTail(uint64_t end);

  Bytes file_;
  LogFileScan& scan_;
  RecordCollector collector_;
  uint32_t sectorSize_;
  uint64_t dataStart_;
};

Status LegacyScanner::verify(uint64_t at, const ChecksumRecord& r) {
  const uint32_t mix = r.backwards ^ r.forwards ^ r.next ^ r.useShortChecksum ^
                       static_cast<uint32_t>(scan_.header.generation);
  const Bytes before = file_.subspan(at - r.backwards, r.backwards);
  const uint32_t range =
      checksum::legacyLogBytes(checksum::legacyLogBytes(kRangeSeed, before),
                               file_.subspan(at + kChecksumRecordSize, r.forwards)) ^ mix;
  if (r.rangeChecksum == (range ^ kShadowSectorChecksum)) {
    const auto sector = static_cast<uint32_t>(at / sectorSize_);
    scan_.notes.push_back({LogScanNote::Kind::LegacyShadowChecksum, sector, at, 0,
                           "LRCHECKSUM at " + positionOf(at).toString() +
                               " matches in its shadow-sector form (range checksum ^ 0x5AD05EC7)"});
  } else if (r.rangeChecksum != range) {
    return corrupt(at, "LRCHECKSUM range checksum mismatch: stored " + hex32(r.rangeChecksum) + ", computed " +
                           hex32(range));
  }
  if (r.useShortChecksum == kShortChecksumOff) {
    if (r.shortChecksum != 0) return corrupt(at, "LRCHECKSUM short checksum is off but holds " + hex32(r.shortChecksum));
    return Status::ok();
  }
  const uint64_t sectorEnd = (at / sectorSize_ + 1) * sectorSize_;
  const uint32_t shortSum =
      checksum::legacyLogBytes(checksum::legacyLogBytes(kShortSeed, before),
                               file_.subspan(at + kChecksumRecordSize, sectorEnd - (at + kChecksumRecordSize))) ^ mix;
  if (r.shortChecksum != shortSum)
    return corrupt(at, "LRCHECKSUM short checksum mismatch: stored " + hex32(r.shortChecksum) + ", computed " +
                           hex32(shortSum));
  return Status::ok();
}

// The records between two LRCHECKSUMs tile their span exactly (§9).
Status LegacyScanner::walkRecords(uint64_t begin, uint64_t end) {
  uint64_t at = begin;
  while (at < end) {
    const uint8_t type = file_[at];
    if (type == static_cast<uint8_t>(LogRecordType::Nop)) {
      ++at;
      continue;
    }
    if (type == static_cast<uint8_t>(LogRecordType::Checksum) ||
        type == static_cast<uint8_t>(LogRecordType::Fragment) ||
        type == static_cast<uint8_t>(LogRecordType::FragmentBegin))
      return corrupt(at, std::string(logRecordTypeName(type)) + " record inside an LRCHECKSUM range");
    const Bytes rest = file_.subspan(at, end - at);
    Result<uint32_t> length = logRecordLength(rest);
    if (!length.isOk()) return corrupt(at, length.status().message());
    if (*length > rest.size())
      return corrupt(at, std::string(logRecordTypeName(type)) + " record of " + std::to_string(*length) +
                             " bytes runs past the LRCHECKSUM range ending at file offset " + std::to_string(end));
    collector_.add(positionOf(at), positionOf(at + *length), rest.first(*length), false);
    at += *length;
  }
  return Status::ok();
}

void LegacyScanner::markData(uint64_t begin, uint64_t end) {
  if (end <= begin) return;
  for (uint64_t s = begin / sectorSize_; s <= (end - 1) / sectorSize_; ++s) scan_.sectors[s] = SectorClass::Data;
  scan_.lastDataSector = static_cast<uint32_t>((end - 1) / sectorSize_);
}

// After the chain: zero sectors are empty; anything else (fill pattern,
// stale data, shadow) is not meaningful in this format (§9).
void LegacyScanner::classifyTail(uint64_t end) {
  const uint64_t firstFree = (end + sectorSize_ - 1) / sectorSize_;
  for (uint64_t s = firstFree; s < scan_.sectors.size(); ++s) {
    const Bytes bytes = file_.subspan(s * sectorSize_, sectorSize_);
    const bool zero = std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
    scan_.sectors[s] = zero ? SectorClass::Empty : SectorClass::Unused;
  }
}

Status LegacyScanner::run() {
  const uint64_t fileSize = file_.size();
  uint64_t at = dataStart_;  // the first LRCHECKSUM opens the first data sector (§9)
  uint64_t coveredTo = dataStart_;
  while (true) {
    if (at + kChecksumRecordSize > fileSize) return corrupt(at, "LRCHECKSUM chain runs past the end of the file");
    const ByteView view(file_.subspan(at, kChecksumRecordSize));
    if (view.u8(0) != static_cast<uint8_t>(LogRecordType::Checksum))
      return corrupt(at, "expected an LRCHECKSUM record, found " + logRecordTypeLabel(view.u8(0)));
    ChecksumRecord r;
    r.backwards = view.u32(1);
    r.forwards = view.u32(5);
    r.next = view.u32(9);
    r.rangeChecksum = view.u32(13);
    r.shortChecksum = view.u32(17);
    r.useShortChecksum = view.u8(21);
    if (r.useShortChecksum != kShortChecksumOn && r.useShortChecksum != kShortChecksumOff)
      return corrupt(at, "LRCHECKSUM bUseShortChecksum is " + std::to_string(r.useShortChecksum) +
                             ", not 0x9A or 0xD1");
    // Ranges must stay in the data area and tile the log: the backward range
    // starts where the previous forward range ended.
    if (r.backwards > at - dataStart_ || at - r.backwards != coveredTo)
      return corrupt(at, "LRCHECKSUM backward range of " + std::to_string(r.backwards) +
                             " bytes does not start where the previous range ended (file offset " +
                             std::to_string(coveredTo) + ")");
    const uint64_t recordsStart = at + kChecksumRecordSize;
    if (r.forwards > fileSize - recordsStart)
      return corrupt(at, "LRCHECKSUM forward range of " + std::to_string(r.forwards) + " bytes runs past the file end");
    if (r.next != 0 && (r.next < r.forwards || r.next > fileSize - recordsStart - kChecksumRecordSize))
      return corrupt(at, "LRCHECKSUM cbNext " + std::to_string(r.next) + " is outside its forward range " +
                             std::to_string(r.forwards) + " .. end of file");
    ESEKIT_RETURN_IF_ERROR(verify(at, r));
    ++scan_.legacyChecksumRecords;
    collector_.add(positionOf(at), positionOf(recordsStart), file_.subspan(at, kChecksumRecordSize), false);
    markData(at - r.backwards, recordsStart + r.forwards);
    coveredTo = recordsStart + r.forwards;
    const uint64_t recordsEnd = r.next == 0 ? coveredTo : recordsStart + r.next;
    if (r.next != 0) markData(recordsStart, recordsEnd);
    ESEKIT_RETURN_IF_ERROR(walkRecords(recordsStart, recordsEnd));
    if (r.next == 0) break;  // end of the chain
    at = recordsEnd;         // each step advances >= 22 bytes, so the loop ends
  }
  classifyTail(coveredTo);
  return Status::ok();
}

}  // namespace

Status scanLegacyLog(Bytes file, LogFileScan& scan, const LogScanOptions& options) {
  return LegacyScanner(file, scan, options).run();
}

}  // namespace esekit::log_scan
