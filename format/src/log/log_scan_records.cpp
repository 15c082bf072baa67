// 8.4000.x record walk: NOP fill, fragment reassembly and the torn-tail
// rules of ese-format/log-format.md §5.2.
#include <algorithm>
#include <memory>

#include "log/log_scan_internal.h"

namespace esekit::log_scan {
namespace {

constexpr uint32_t kSegmentSize = 4096;
constexpr uint32_t kSegmentHeaderSize = 40;     // LGSEGHDR (§5.1)
constexpr uint32_t kFragmentBeginHeader = 7;   // lrtyp, ULONG total size, USHORT piece size
constexpr uint32_t kFragmentHeader = 3;        // lrtyp, USHORT piece size

class SegmentWalker {
 public:
  SegmentWalker(LogFileScan& scan, const std::vector<Bytes>& segments, const LogScanOptions& options)
      : scan_(scan), segments_(segments), collector_(scan, options.collectRecords) {}

  Status run();

 private:
  struct Chain {
    bool open = false;
    LogPosition start;
    uint32_t total = 0;
    std::vector<uint8_t> bytes;
  };

  LogPosition at(uint32_t isec, uint32_t ib) const {
    return LogPosition{static_cast<uint16_t>(ib), static_cast<uint16_t>(isec), scan_.header.generation};
  }
  Status corrupt(uint32_t isec, uint32_t ib, const std::string& what) const {
    return Status(JetError::LogFileCorrupt, "log record at " + at(isec, ib).toString() + ", " +
                                                sectorText(isec, uint64_t{isec} * kSegmentSize + ib) + ": " + what);
  }
  Status continueChain(uint32_t isec, Bytes segment, uint32_t& ib);
  Status finishChain(uint32_t isec, uint32_t endIb);
  void discardChain(uint32_t isec, LogRecordType resumedBy);
  Status walkSegment(uint32_t isec, Bytes segment);

  LogFileScan& scan_;
  const std::vector<Bytes>& segments_;
  RecordCollector collector_;
  Chain chain_;
};

Status SegmentWalker::run() {
  for (uint32_t isec = scan_.header.headerSectors; isec <= scan_.lastDataSector; ++isec)
    ESEKIT_RETURN_IF_ERROR(walkSegment(isec, segments_[isec]));
  if (chain_.open) {
    // The log ends inside a fragmented record: a torn tail, nothing to replay.
    scan_.notes.push_back({LogScanNote::Kind::DiscardedPartialRecord, chain_.start.sector,
                           uint64_t{chain_.start.sector} * kSegmentSize + chain_.start.byteOffset, 0,
                           "record at " + chain_.start.toString() + " is unfinished at the end of the log (" +
                               std::to_string(chain_.bytes.size()) + " of " + std::to_string(chain_.total) +
                               " bytes); discarded"});
    scan_.cleanEnd = false;
  }
  return Status::ok();
}

void SegmentWalker::discardChain(uint32_t isec, LogRecordType resumedBy) {
  scan_.notes.push_back({LogScanNote::Kind::DiscardedPartialRecord, chain_.start.sector,
                         uint64_t{chain_.start.sector} * kSegmentSize + chain_.start.byteOffset, 0,
                         "unfinished record at " + chain_.start.toString() + " (" + std::to_string(chain_.bytes.size()) +
                             " of " + std::to_string(chain_.total) + " bytes) discarded: sector " +
                             std::to_string(isec) + " resumes with " + std::string(logRecordTypeName(resumedBy))});
  chain_ = Chain{};
}

Status SegmentWalker::finishChain(uint32_t isec, uint32_t endIb) {
  // Validate the reassembled record against its FragmentBegin (§5.2).
  const Bytes record(chain_.bytes);
  Result<uint32_t> length = logRecordLength(record);
  if (!length.isOk())
    return Status(JetError::LogCorrupted, "reassembled record at " + chain_.start.toString() + ": " +
                                              length.status().message());
  if (*length != chain_.total)
    return Status(JetError::LogCorrupted, "reassembled " + std::string(logRecordTypeName(record[0])) +
                                              " record at " + chain_.start.toString() + " sizes to " +
                                              std::to_string(*length) + " bytes, its FragmentBegin says " +
                                              std::to_string(chain_.total));
  Bytes stored = record;
  if (collector_.collecting()) {
    auto owned = std::make_shared<const std::vector<uint8_t>>(std::move(chain_.bytes));
    scan_.storage.push_back(owned);
    stored = *owned;
  }
  collector_.add(chain_.start, at(isec, endIb), stored, true);
  chain_ = Chain{};
  return Status::ok();
}

// At the start of a segment while a fragmented record is open.
Status SegmentWalker::continueChain(uint32_t isec, Bytes segment, uint32_t& ib) {
  const auto type = static_cast<LogRecordType>(segment[ib]);
  if (type == LogRecordType::Fragment) {
    const uint32_t piece = loadLittleEndian<uint16_t>(segment.data() + ib + 1);
    if (ib + kFragmentHeader + piece > kSegmentSize)
      return corrupt(isec, ib, "Fragment of " + std::to_string(piece) + " bytes runs past the segment end");
    if (chain_.bytes.size() + piece > chain_.total)
      return corrupt(isec, ib, "Fragment overruns the " + std::to_string(chain_.total) + "-byte record begun at " +
                                   chain_.start.toString());
    const Bytes data = segment.subspan(ib + kFragmentHeader, piece);
    chain_.bytes.insert(chain_.bytes.end(), data.begin(), data.end());
    ib += kFragmentHeader + piece;
    if (chain_.bytes.size() == chain_.total) return finishChain(isec, ib);
    if (ib != kSegmentSize)
      return corrupt(isec, ib, "unfinished fragment chain does not fill its segment");
    return Status::ok();
  }
  // Recovery continued after a crash that tore the record (§5.2).
  const bool undoRestart = type == LogRecordType::RecoveryUndo || type == LogRecordType::RecoveryUndo2 ||
                           type == LogRecordType::UndoInfo;
  const bool undoFragment = type == LogRecordType::FragmentBegin && ib + kFragmentBeginHeader < kSegmentSize &&
                            segment[ib + kFragmentBeginHeader] == static_cast<uint8_t>(LogRecordType::UndoInfo);
  if (undoRestart || undoFragment) {
    discardChain(isec, undoFragment ? LogRecordType::UndoInfo : type);
    return Status::ok();
  }
  return corrupt(isec, ib, "record begun at " + chain_.start.toString() + " is unfinished and segment starts with " +
                               logRecordTypeLabel(segment[ib]) + " instead of a Fragment");
}

Status SegmentWalker::walkSegment(uint32_t isec, Bytes segment) {
  uint32_t ib = kSegmentHeaderSize;
  if (chain_.open) {
    ESEKIT_RETURN_IF_ERROR(continueChain(isec, segment, ib));
    if (chain_.open) return Status::ok();  // the piece filled this segment
  }
  while (ib < kSegmentSize) {
    const uint8_t typeByte = segment[ib];
    if (typeByte == static_cast<uint8_t>(LogRecordType::Nop)) {  // fill (§5.2)
      ++ib;
      continue;
    }
    if (typeByte == static_cast<uint8_t>(LogRecordType::Fragment))
      return corrupt(isec, ib, "Fragment without a FragmentBegin");
    if (typeByte >= kLogRecordTypeCount)
      return corrupt(isec, ib, "record type " + std::to_string(typeByte) + " is not a log record type (>= 102)");
    const Bytes rest = segment.subspan(ib);
    Result<uint32_t> length = logRecordLength(rest);
    if (!length.isOk()) {
      if (logRecordFixedSize(typeByte) > rest.size())
        return corrupt(isec, ib, std::string(logRecordTypeName(typeByte)) + " record's fixed part (" +
                                     std::to_string(logRecordFixedSize(typeByte)) + " bytes) runs past the segment end");
      return corrupt(isec, ib, length.status().message());
    }
    if (*length > rest.size())
      return corrupt(isec, ib, std::string(logRecordTypeName(typeByte)) + " record of " + std::to_string(*length) +
                                   " bytes runs past the segment end");
    if (typeByte == static_cast<uint8_t>(LogRecordType::FragmentBegin)) {
      const uint32_t total = loadLittleEndian<uint32_t>(rest.data() + 1);
      const uint32_t piece = loadLittleEndian<uint16_t>(rest.data() + 5);
      // The whole record must fit in the file's remaining data sectors: bounds
      // the allocation. (Not only in the valid ones: a crash can leave the
      // log ending inside the record, a torn tail that run() discards.)
      const uint32_t lastFileDataSector = scan_.header.fileSectors >= 2 ? scan_.header.fileSectors - 2u : 0u;
      const uint64_t room = uint64_t{std::max(lastFileDataSector, isec) - isec + 1} * kSegmentSize;
      if (total <= piece || total > room)
        return corrupt(isec, ib, "FragmentBegin total size " + std::to_string(total) + " is impossible (piece " +
                                     std::to_string(piece) + ", " + std::to_string(room) + " bytes of log left)");
      if (ib + *length != kSegmentSize)
        return corrupt(isec, ib, "FragmentBegin does not fill the rest of its segment");
      chain_.open = true;
      chain_.start = at(isec, ib);
      chain_.total = total;
      chain_.bytes.reserve(total);
      const Bytes data = rest.subspan(kFragmentBeginHeader, piece);
      chain_.bytes.assign(data.begin(), data.end());
      return Status::ok();
    }
    collector_.add(at(isec, ib), at(isec, ib + *length), rest.first(*length), false);
    ib += *length;
  }
  return Status::ok();
}

}  // namespace

Status walkSegmentRecords(LogFileScan& scan, const std::vector<Bytes>& segments, const LogScanOptions& options) {
  return SegmentWalker(scan, segments, options).run();
}

}  // namespace esekit::log_scan
