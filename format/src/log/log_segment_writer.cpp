// Record packing into 8.4000.x log segments and new log file headers
// (ese-format/log-format.md §5.1, §5.2, §8; checksums.md §7).
#include "esekit/format/log_segment_writer.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "esekit/format/checksum.h"
#include "esekit/format/log_record.h"

namespace esekit {
namespace {

constexpr uint32_t kFragmentBeginHeader = 7;  // lrtyp 76, ULONG total size, USHORT piece size (§5.2)
constexpr uint32_t kFragmentHeader = 3;       // lrtyp 77, USHORT piece size
constexpr uint32_t kSegmentPayload = kLogSegmentSize - kLogSegmentHeaderSize;
constexpr size_t kSegmentPositionOffset = 8;   // le_lgposSegment
constexpr size_t kSegmentTimeOffset = 16;      // logtimeSegmentStart
constexpr size_t kSegmentFlagsOffset = 36;     // fFlags

}  // namespace

LogSegmentWriter::LogSegmentWriter(int32_t generation, uint16_t headerSectors, uint16_t fileSectors)
    : generation_(generation), headerSectors_(headerSectors), fileSectors_(fileSectors), currentSector_(headerSectors) {}

Result<LogSegmentWriter> LogSegmentWriter::resume(int32_t generation, uint16_t headerSectors, uint16_t fileSectors,
                                                  LogPosition end, Bytes partialSegment, uint64_t accumulatedBefore) {
  const std::string where = "cannot continue log generation " + std::to_string(generation) + " at " + end.toString();
  if (fileSectors < headerSectors + 2u) return Status(JetError::InvalidParameter, where + ": file too small");
  if (end.generation != generation) return Status(JetError::InvalidParameter, where + ": other generation");
  if (end.sector < headerSectors || end.sector > fileSectors - 2u)
    return Status(JetError::InvalidParameter, where + ": sector outside the data sectors " +
                                                  std::to_string(headerSectors) + ".." + std::to_string(fileSectors - 2u));
  if (end.byteOffset < kLogSegmentHeaderSize || end.byteOffset > kLogSegmentSize)
    return Status(JetError::InvalidParameter, where + ": byte offset outside 40..4096");
  LogSegmentWriter writer(generation, headerSectors, fileSectors);
  writer.accumulatedCompleted_ = accumulatedBefore;
  writer.currentSector_ = end.sector;
  if (end.byteOffset == kLogSegmentSize) {  // that segment is full: start with the next
    ++writer.currentSector_;
    return writer;
  }
  if (end.byteOffset > kLogSegmentHeaderSize) {
    if (partialSegment.size() < kLogSegmentSize)
      return Status(JetError::InvalidParameter, where + ": partial segment image has " +
                                                    std::to_string(partialSegment.size()) + " bytes, not 4096");
    std::memcpy(writer.current_.bytes.data() + kLogSegmentHeaderSize, partialSegment.data() + kLogSegmentHeaderSize,
                end.byteOffset - kLogSegmentHeaderSize);
    writer.used_ = end.byteOffset;
    writer.currentStart_ = LogTime::parse(ByteView(partialSegment), kSegmentTimeOffset);
    writer.currentStarted_ = true;
  }
  return writer;
}

size_t LogSegmentWriter::maxRecordSize(uint16_t headerSectors, uint16_t fileSectors) {
  if (fileSectors < headerSectors + 2u) return 0;
  const size_t dataSectors = fileSectors - 1u - headerSectors;
  if (dataSectors == 1) return kSegmentPayload;
  return (kSegmentPayload - kFragmentBeginHeader) + (dataSectors - 1) * (kSegmentPayload - kFragmentHeader);
}

bool LogSegmentWriter::fits(size_t recordSize) const {
  if (recordSize == 0) return false;
  const uint32_t lastData = fileSectors_ - 2u;
  uint32_t sector = currentSector_;
  size_t left = spaceLeft();
  if (sector > lastData) return false;
  if (recordSize <= left) return true;
  if (left < kLogMinFragmentSize) {  // NOP fill, start in the next segment
    ++sector;
    left = kSegmentPayload;
    if (sector > lastData) return false;
    if (recordSize <= left) return true;
  }
  size_t remaining = recordSize - (left - kFragmentBeginHeader);
  while (remaining > 0) {
    ++sector;
    if (sector > lastData) return false;
    remaining -= std::min<size_t>(remaining, kSegmentPayload - kFragmentHeader);
  }
  return true;
}

void LogSegmentWriter::startSegment(const LogTime& now) {
  if (currentStarted_) return;
  currentStart_ = now;
  currentStarted_ = true;
}

void LogSegmentWriter::put(Bytes bytes) {
  std::memcpy(current_.bytes.data() + used_, bytes.data(), bytes.size());
  used_ += static_cast<uint32_t>(bytes.size());
}

void LogSegmentWriter::seal(LogSegmentImage& image) const {
  ByteWriter out(image.bytes);
  out.u64(0, 0);
  LogPosition{0, image.sector, generation_}.serialize(out, kSegmentPositionOffset);
  currentStart_.serialize(out, kSegmentTimeOffset);
  for (size_t i = 24; i < kSegmentFlagsOffset; ++i) out.u8(i, 0);
  out.u32(kSegmentFlagsOffset, kLogSegmentFlags);
  checksum::setPageChecksum(image.bytes, image.sector);
}

void LogSegmentWriter::completeSegment() {
  // Unused bytes are already 0x00 = NOP fill (§5.2).
  current_.sector = currentSector_;
  seal(current_);
  accumulatedCompleted_ ^= current_.checksum();
  completed_.push_back(current_);
  current_ = LogSegmentImage{};
  used_ = kLogSegmentHeaderSize;
  currentStarted_ = false;
  currentStart_ = LogTime{};
  ++currentSector_;
}

Result<LogPosition> LogSegmentWriter::append(Bytes record, const LogTime& now) {
  if (record.empty()) return Status(JetError::InvalidParameter, "empty log record");
  if (!fits(record.size()))
    return Status(JetError::InvalidParameter, "log record of " + std::to_string(record.size()) +
                                                  " bytes does not fit in generation " + std::to_string(generation_) +
                                                  " after " + end().toString());
  if (record.size() > spaceLeft() && spaceLeft() < kLogMinFragmentSize) completeSegment();
  const LogPosition position = end();
  startSegment(now);
  if (record.size() <= spaceLeft()) {
    put(record);
    if (used_ == kLogSegmentSize) completeSegment();
    return position;
  }
  // Split (§5.2): FragmentBegin fills this segment, Fragments start the next ones.
  const uint32_t total = static_cast<uint32_t>(record.size());
  const uint16_t first = static_cast<uint16_t>(spaceLeft() - kFragmentBeginHeader);
  uint8_t header[kFragmentBeginHeader];
  header[0] = static_cast<uint8_t>(LogRecordType::FragmentBegin);
  storeLittleEndian<uint32_t>(header + 1, total);
  storeLittleEndian<uint16_t>(header + 5, first);
  put(Bytes(header, kFragmentBeginHeader));
  put(record.first(first));
  completeSegment();
  size_t offset = first;
  while (offset < record.size()) {
    startSegment(now);
    const uint16_t piece = static_cast<uint16_t>(std::min<size_t>(record.size() - offset, kSegmentPayload - kFragmentHeader));
    uint8_t fragment[kFragmentHeader];
    fragment[0] = static_cast<uint8_t>(LogRecordType::Fragment);
    storeLittleEndian<uint16_t>(fragment + 1, piece);
    put(Bytes(fragment, kFragmentHeader));
    put(record.subspan(offset, piece));
    offset += piece;
    if (used_ == kLogSegmentSize) completeSegment();
  }
  return position;
}

LogPosition LogSegmentWriter::end() const {
  return LogPosition{static_cast<uint16_t>(used_), currentSector_, generation_};
}

std::deque<LogSegmentImage> LogSegmentWriter::takeCompleted() {
  std::deque<LogSegmentImage> out;
  out.swap(completed_);
  return out;
}

LogSegmentImage LogSegmentWriter::partialImage() const {
  LogSegmentImage image = current_;
  image.sector = currentSector_;
  seal(image);
  return image;
}

uint64_t LogSegmentWriter::accumulatedChecksum() const {
  return accumulatedCompleted_ ^ (hasPartial() ? partialImage().checksum() : 0);
}

Result<LogFileHeader> makeLogFileHeader(const NewLogFileHeader& spec) {
  if (spec.fileSectors < 3)
    return Status(JetError::InvalidParameter, "log file of " + std::to_string(spec.fileSectors) +
                                                  " sectors: need a header, a data sector and the shadow sector");
  if (spec.databasePageSize > 0xFFFF)
    return Status(JetError::InvalidParameter, "database page size " + std::to_string(spec.databasePageSize) +
                                                  " does not fit LGFILEHDR cbPageSize");
  size_t attachBytes = 1;  // terminating dbid 0
  for (const AttachInfo& info : spec.attachments) attachBytes += info.encodedSize();
  if (attachBytes > log_header_offsets::kAttachAreaSize)
    return Status(JetError::InvalidParameter, "attach list of " + std::to_string(spec.attachments.size()) +
                                                  " databases needs " + std::to_string(attachBytes) +
                                                  " bytes, the log header has 2048 (offset 671)");
  LogFileHeader h;
  h.generation = spec.generation;
  h.sectorSize = kLogSegmentSize;
  h.headerSectors = 1;
  h.fileSectors = spec.fileSectors;
  h.pageSize = static_cast<uint16_t>(spec.databasePageSize);
  h.created = spec.created;
  h.previousGenerationCreated = spec.previousGenerationCreated;
  h.version = spec.version;
  h.logSignature = spec.logSignature;
  h.dbmsParameters = spec.dbmsParameters;
  h.flags = spec.flags;
  h.checkpointAtCreation = spec.checkpoint;
  h.diskSectorSizeMismatch = 0;  // as in the corpus logs
  h.previousLogChecksum = spec.previousLogChecksum;
  h.engineFormatVersionDiagnostic = spec.engineFormatVersion;
  h.fileType = kLogFileType;
  h.attachments = spec.attachments;
  const std::vector<uint8_t> bytes = serializeLogFileHeader(h, true);
  h.checksum = loadLittleEndian<uint32_t>(bytes.data());
  return h;
}

}  // namespace esekit
