// Packing of whole log records into 4 KiB log segments (format 8.4000.x) and
// the header of a new log file. Pure: bytes in, segment images out; the
// engine's LogWriter does the file I/O. See ese-format/log-format.md §5
// (LGSEGHDR, record packing, NOP fill, fragments), §7 (LGPOS), §8 (new
// generation header) and checksums.md §7 (segment checksums, accumulated
// checksum).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/checkpoint.h"
#include "esekit/format/log_header.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit {

inline constexpr uint32_t kLogSegmentSize = 4096;        // LOG_SEGMENT_SIZE (§2)
inline constexpr uint32_t kLogSegmentHeaderSize = 40;    // LGSEGHDR (§5.1)
inline constexpr uint32_t kLogMinFragmentSize = 32;      // LOG_MIN_FRAGMENT_SIZE (§5.2)
inline constexpr uint32_t kLogSegmentFlags = 0x00002000; // LGSEGHDR.fFlags (§5.1)

// One 4096-byte segment image with its checksum set, to be written at `sector`.
struct LogSegmentImage {
  uint16_t sector = 0;
  std::array<uint8_t, kLogSegmentSize> bytes{};
  uint64_t checksum() const { return loadLittleEndian<uint64_t>(bytes.data()); }
};

// Builds the segments of one log file (one generation). Records are appended
// whole; the packer applies §5.2: a record that does not fit in the space
// left is split into FragmentBegin + Fragment pieces when at least 32 bytes
// are left, else the rest of the segment is NOP (0x00) filled and the record
// starts in the next segment. Data sectors are csecHeader .. fileSectors-2
// (the last sector only receives the shadow of the one before, §2).
class LogSegmentWriter {
 public:
  // An empty file: the first record goes to (generation, headerSectors, 40).
  LogSegmentWriter(int32_t generation, uint16_t headerSectors, uint16_t fileSectors);

  // Continues a file whose records end at `end` (ib in 40..4096; see
  // LogStreamTail): `partialSegment` is the image of sector end.sector (only
  // bytes 40..end.ib and its logtimeSegmentStart are used; the rest of its
  // header is rebuilt) and is ignored when end.ib is 40 or 4096 (no partial
  // segment to keep). `accumulatedBefore` is the
  // XOR of the checksums of the segments that stay as they are: those before
  // end.sector, plus end.sector itself when end.ib == 4096.
  // InvalidParameter when `end` is outside the data sectors or of another generation.
  static Result<LogSegmentWriter> resume(int32_t generation, uint16_t headerSectors, uint16_t fileSectors,
                                         LogPosition end, Bytes partialSegment, uint64_t accumulatedBefore);

  // Whether a record of this size, packed from the current position (NOP
  // fill or fragments included), still ends inside the file's data sectors.
  bool fits(size_t recordSize) const;
  // The largest record an empty file of this geometry can hold.
  static size_t maxRecordSize(uint16_t headerSectors, uint16_t fileSectors);

  // Appends one record (1..maxRecordSize bytes; first byte is its lrtyp).
  // Returns its LGPOS (of the FragmentBegin when split). `now` stamps
  // logtimeSegmentStart of segments started by this record.
  // InvalidParameter for an empty record or when !fits(record.size()).
  Result<LogPosition> append(Bytes record, const LogTime& now);

  // Position where the next record starts if it fits in the current segment:
  // (generation, sector, ib) with ib in 40..4096.
  LogPosition end() const;
  int32_t generation() const { return generation_; }
  uint16_t headerSectors() const { return headerSectors_; }
  uint16_t fileSectors() const { return fileSectors_; }
  // Sector of the segment being filled (may be fileSectors-1 when the file is full).
  uint16_t currentSector() const { return currentSector_; }
  // True when the current segment holds record bytes (it is then the tip).
  bool hasPartial() const { return used_ > kLogSegmentHeaderSize; }

  // Full segments not yet taken, oldest first, checksums set.
  size_t completedCount() const { return completed_.size(); }
  std::deque<LogSegmentImage> takeCompleted();

  // The current partial segment as it must be written now (§5.3): bytes
  // after the last record zero, header and checksum (pgno = its sector) set.
  // Written at its sector and, unchanged, as the shadow at sector + 1.
  // Only meaningful when hasPartial().
  LogSegmentImage partialImage() const;

  // XOR of the checksums of every segment completed so far and of the
  // current partial image (checksums.md §7.1): what the next generation's
  // header carries once the partial image has been written.
  uint64_t accumulatedChecksum() const;

 private:
  void startSegment(const LogTime& now);
  void completeSegment();
  void put(Bytes bytes);
  size_t spaceLeft() const { return kLogSegmentSize - used_; }
  void seal(LogSegmentImage& image) const;

  int32_t generation_;
  uint16_t headerSectors_;
  uint16_t fileSectors_;
  uint16_t currentSector_;
  uint32_t used_ = kLogSegmentHeaderSize;  // bytes used in the current segment
  LogSegmentImage current_;
  LogTime currentStart_;
  bool currentStarted_ = false;
  uint64_t accumulatedCompleted_ = 0;
  std::deque<LogSegmentImage> completed_;
};

// The fields a new generation's header takes from its context (§8 step 2).
struct NewLogFileHeader {
  int32_t generation = 1;
  uint16_t fileSectors = 0;             // csecLGFile (4096-byte sectors)
  uint32_t databasePageSize = 8192;     // cbPageSize
  LogTime created;                      // tmCreate
  LogTime previousGenerationCreated;    // tmPrevGen (zero for the first generation)
  uint64_t previousLogChecksum = 0;     // accumulated checksum of the previous generation (0 for the first)
  Signature logSignature;
  DbmsParameters dbmsParameters;
  uint8_t flags = 0;                    // LogFileHeader::kReserveLogUsed / kCircularLogging / ...History
  LogPosition checkpoint;               // le_lgposCheckpoint at creation
  std::vector<AttachInfo> attachments;  // as of (generation, 0, 0)
  LogVersion version{8, 4000, 90, 200};
  uint32_t engineFormatVersion = 9360;  // le_efvEngineCurrentDiagnostic
};

// A LogFileHeader for a new 8.4000.x log: cbSec 4096, csecHeader 1, filetype
// 3, zero reserved/padding, checksum set by serializeLogFileHeader(h, true).
// InvalidParameter when the attach list does not fit its 2048-byte area or
// fileSectors is below 3.
Result<LogFileHeader> makeLogFileHeader(const NewLogFileHeader& spec);

}  // namespace esekit
