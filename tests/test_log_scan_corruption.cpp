// Damaged 8.4000 logs built from real files: single-bit errors are corrected
// at the exact bit, torn writes are patched from the shadow, stale segments
// of a recycled file end the log, and everything else is corruption naming
// the sector and file offset (ese-format/log-format.md §5-§6).
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "esekit/format/checksum.h"
#include "esekit/format/log_file.h"
#include "log_test_corpus.h"

using namespace esekit;
using namespace esekit::test;

namespace {

constexpr size_t kSector = 4096;
// S13 current log, generation 9: data in sectors 1-9, shadow of 9 in 10, 11-15 empty.
const char* kCurrent = "museum/SRUM/Win10/RathbunVM/Clean/SRU.log";
// Its previous generation (8), full: data in sectors 1-14.
const char* kPrevious = "museum/SRUM/Win10/RathbunVM/Clean/SRU00008.log";

MutableBytes sectorOf(std::vector<uint8_t>& file, size_t isec) { return MutableBytes(file.data() + isec * kSector, kSector); }

// Rewrites a segment's checksum as the engine would (checksums.md §7).
void reseal(std::vector<uint8_t>& file, uint32_t isec) { checksum::setPageChecksum(sectorOf(file, isec), isec); }

void flipBit(std::vector<uint8_t>& file, size_t byte, unsigned bit) { file[byte] ^= static_cast<uint8_t>(1u << bit); }

void copySector(std::vector<uint8_t>& to, size_t toSector, const std::vector<uint8_t>& from, size_t fromSector) {
  std::copy_n(from.begin() + fromSector * kSector, kSector, to.begin() + toSector * kSector);
}

Status scanStatus(const std::vector<uint8_t>& file, LogScanOptions options = {}) {
  return scanLogFile(file, options).status();
}

bool mentions(const Status& status, const std::string& text) { return status.message().find(text) != std::string::npos; }

// Same records (type, position, bytes) in both scans.
void checkSameRecords(const LogFileScan& a, const LogFileScan& b) {
  REQUIRE(a.records.size() == b.records.size());
  for (size_t i = 0; i < a.records.size(); ++i) {
    CHECK(a.records[i].position == b.records[i].position);
    CHECK(a.records[i].type == b.records[i].type);
    CHECK(std::equal(a.records[i].bytes.begin(), a.records[i].bytes.end(), b.records[i].bytes.begin(),
                     b.records[i].bytes.end()));
  }
  CHECK(a.endPosition == b.endPosition);
  CHECK(a.cleanEnd == b.cleanEnd);
}

}  // namespace

TEST_CASE("one flipped bit in a middle segment is corrected at the exact position") {
  auto original = readCorpus(kCurrent);
  if (!original) return;
  Result<LogFileScan> reference = scanLogFile(*original);
  REQUIRE(reference.isOk());

  std::vector<uint8_t> damaged = *original;
  flipBit(damaged, 5 * kSector + 1000, 3);
  Result<LogFileScan> scan = scanLogFile(damaged);
  REQUIRE_MESSAGE(scan.isOk(), scan.status().toString());
  CHECK(scan->sectors[5] == SectorClass::Corrected);
  CHECK(scan->count(SectorClass::Corrected) == 1);
  REQUIRE(scan->notes.size() == 1);
  const LogScanNote& note = scan->notes[0];
  CHECK(note.kind == LogScanNote::Kind::CorrectedBit);
  CHECK(note.sector == 5);
  CHECK(note.fileOffset == 5 * kSector);
  CHECK(note.bit == 1000 * 8 + 3);
  // The records come from the corrected copy: identical to the undamaged file.
  checkSameRecords(*scan, *reference);
  CHECK(scan->accumulatedChecksum == reference->accumulatedChecksum);
  bool counted = false;
  const FieldList summary = describe(*scan);
  for (const Field& f : summary.items())
    if (f.name == "sectors.corrected") counted = f.value == "1";
  CHECK(counted);

  // Without corrections the same bit is corruption naming the sector and bit.
  LogScanOptions strict;
  strict.allowCorrections = false;
  const Status status = scanStatus(damaged, strict);
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(mentions(status, "sector 5 (file offset 0x5000)"));
  CHECK(mentions(status, "byte 1000 bit 3"));
}

TEST_CASE("two flipped bits in a middle segment: LogFileCorrupt naming the sector") {
  auto file = readCorpus(kCurrent);
  if (!file) return;
  flipBit(*file, 5 * kSector + 1000, 3);
  flipBit(*file, 5 * kSector + 2000, 6);
  const Status status = scanStatus(*file);
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(mentions(status, "sector 5 (file offset 0x5000)"));
  CHECK(mentions(status, "checksum mismatch"));
}

TEST_CASE("a flipped bit inside the stored checksum cannot be corrected") {
  auto file = readCorpus(kCurrent);
  if (!file) return;
  flipBit(*file, 3 * kSector + 2, 0);
  const Status status = scanStatus(*file);
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(mentions(status, "sector 3 "));
}

TEST_CASE("truncated, empty, header-only and random files") {
  auto file = readCorpus(kCurrent);
  if (!file) return;
  std::vector<uint8_t> truncated(file->begin(), file->begin() + 5 * kSector + 100);
  const Status cut = scanStatus(truncated);
  CHECK(cut.code() == JetError::LogFileSizeMismatch);
  CHECK(mentions(cut, std::to_string(truncated.size())));

  std::vector<uint8_t> headerOnly(file->begin(), file->begin() + kSector);
  CHECK(scanStatus(headerOnly).code() == JetError::LogFileSizeMismatch);

  CHECK(scanStatus({}).code() == JetError::LogFileCorrupt);
  std::vector<uint8_t> tiny(100, 0x41);
  CHECK(scanStatus(tiny).code() == JetError::LogFileCorrupt);

  std::mt19937 random(12345);
  std::vector<uint8_t> noise(16 * kSector);
  for (uint8_t& b : noise) b = static_cast<uint8_t>(random());
  CHECK(scanStatus(noise).code() == JetError::LogFileCorrupt);  // header checksum
  // Random bytes under a checksum that verifies still fail the header checks.
  checksum::setHeaderChecksum(MutableBytes(noise.data(), kSector));
  CHECK_FALSE(scanStatus(noise).isOk());

  // A real header over random segments: the first data sector is corrupt.
  std::copy_n(file->begin(), kSector, noise.begin());
  const Status garbage = scanStatus(noise);
  CHECK(garbage.code() == JetError::LogFileCorrupt);
  CHECK(mentions(garbage, "sector 1 (file offset 0x1000)"));
}

TEST_CASE("torn write of the partial tail segment is patched from its shadow") {
  auto original = readCorpus(kCurrent);
  if (!original) return;
  Result<LogFileScan> reference = scanLogFile(*original);
  REQUIRE(reference.isOk());
  REQUIRE(reference->lastDataSector == 9);
  REQUIRE(reference->sectors[10] == SectorClass::Shadow);

  std::vector<uint8_t> torn = *original;
  // The second half holds stale bytes: random, because a repeated pattern over
  // an even number of words would leave the XOR+ECC checksum unchanged.
  std::mt19937 random(7);
  for (size_t i = 9 * kSector + 2048; i < 10 * kSector; ++i) torn[i] = static_cast<uint8_t>(random());
  Result<LogFileScan> scan = scanLogFile(torn);
  REQUIRE_MESSAGE(scan.isOk(), scan.status().toString());
  CHECK(scan->sectors[9] == SectorClass::TornPatched);
  CHECK(scan->sectors[10] == SectorClass::Shadow);
  REQUIRE(scan->notes.size() == 1);
  CHECK(scan->notes[0].kind == LogScanNote::Kind::TornWritePatched);
  CHECK(scan->notes[0].sector == 9);
  checkSameRecords(*scan, *reference);
  CHECK(scan->accumulatedChecksum == reference->accumulatedChecksum);

  // With the shadow damaged too there is nothing to patch from.
  flipBit(torn, 10 * kSector + 100, 1);
  flipBit(torn, 10 * kSector + 200, 1);
  const Status status = scanStatus(torn);
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(mentions(status, "sector 9 (file offset 0x9000)"));
}

TEST_CASE("a shadow built by copying a real segment patches a torn archived log") {
  auto original = readCorpus(kPrevious);
  if (!original) return;
  Result<LogFileScan> reference = scanLogFile(*original);
  REQUIRE(reference.isOk());
  REQUIRE(reference->lastDataSector == 14);
  REQUIRE(reference->sectors[15] == SectorClass::Empty);

  std::vector<uint8_t> file = *original;
  copySector(file, 15, *original, 14);  // the writer's shadow of sector 14 (§5.3)
  Result<LogFileScan> shadowed = scanLogFile(file);
  REQUIRE(shadowed.isOk());
  CHECK(shadowed->sectors[15] == SectorClass::Shadow);
  CHECK(shadowed->notes.empty());

  std::fill_n(file.begin() + 14 * kSector + 512, 512, 0);  // tear sector 14
  Result<LogFileScan> scan = scanLogFile(file);
  REQUIRE_MESSAGE(scan.isOk(), scan.status().toString());
  CHECK(scan->sectors[14] == SectorClass::TornPatched);
  checkSameRecords(*scan, *reference);
  CHECK(scan->accumulatedChecksum == reference->accumulatedChecksum);
}

TEST_CASE("stale segments of an older generation in a recycled file end the log") {
  auto current = readCorpus(kCurrent);
  auto previous = readCorpus(kPrevious);
  if (!current || !previous) return;
  Result<LogFileScan> reference = scanLogFile(*current);
  REQUIRE(reference.isOk());
  std::vector<uint8_t> recycled = *current;
  for (size_t isec = 11; isec <= 14; ++isec) copySector(recycled, isec, *previous, isec);
  Result<LogFileScan> scan = scanLogFile(recycled);
  REQUIRE_MESSAGE(scan.isOk(), scan.status().toString());
  for (size_t isec = 11; isec <= 14; ++isec) CHECK(scan->sectors[isec] == SectorClass::Stale);
  CHECK(scan->lastDataSector == 9);
  checkSameRecords(*scan, *reference);
  CHECK(scan->accumulatedChecksum == reference->accumulatedChecksum);
}

TEST_CASE("valid or corrupt sectors after the end of the log are corruption") {
  auto original = readCorpus(kCurrent);
  if (!original) return;
  // A segment of this generation at sector 12, after the empty sector 11.
  std::vector<uint8_t> file = *original;
  copySector(file, 12, *original, 3);
  ByteWriter(sectorOf(file, 12)).u16(10, 12);  // lgposSegment.isec
  reseal(file, 12);
  Status status = scanStatus(file);
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(mentions(status, "sector 12 (file offset 0xc000)"));
  CHECK(mentions(status, "after the end of the log"));

  file = *original;
  std::fill_n(file.begin() + 12 * kSector, kSector, 0x5C);
  status = scanStatus(file);
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(mentions(status, "sector 12 (file offset 0xc000)"));
}

TEST_CASE("a segment whose LGPOS is beyond its own position is corruption") {
  auto file = readCorpus(kCurrent);
  if (!file) return;
  ByteWriter(sectorOf(*file, 4)).i32(12, 10);  // lgposSegment.lGeneration = 10 in generation 9
  reseal(*file, 4);
  const Status status = scanStatus(*file);
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(mentions(status, "sector 4 "));
  CHECK(mentions(status, "beyond"));
}

TEST_CASE("record framing errors name the record position") {
  auto original = readCorpus(kCurrent);
  if (!original) return;
  std::vector<uint8_t> file = *original;
  file[kSector + 40] = 200;  // not a record type
  reseal(file, 1);
  Status status = scanStatus(file);
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(mentions(status, "(00000009,0001,0028)"));
  CHECK(mentions(status, "200"));

  file = *original;
  file[kSector + 40] = static_cast<uint8_t>(LogRecordType::Fragment);
  reseal(file, 1);
  status = scanStatus(file);
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(mentions(status, "Fragment without a FragmentBegin"));

  // A Term2 (26 bytes) starting 6 bytes before the end of the last segment;
  // the shadow copy is rewritten with it as the engine would.
  file = *original;
  REQUIRE(file[9 * kSector + 4090] == 0);
  file[9 * kSector + 4090] = static_cast<uint8_t>(LogRecordType::Term2);
  reseal(file, 9);
  copySector(file, 10, file, 9);
  status = scanStatus(file);
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(mentions(status, "(00000009,0009,0FFA)"));
  CHECK(mentions(status, "past the segment end"));
}

TEST_CASE("a reassembled record that disagrees with its FragmentBegin is LogCorrupted") {
  auto original = readCorpus(kCurrent);
  if (!original) return;
  Result<LogFileScan> reference = scanLogFile(*original);
  REQUIRE(reference.isOk());
  const LogRecordView* fragmented = nullptr;
  for (const LogRecordView& r : reference->records)
    if (r.reassembled && uint32_t{r.position.sector} + 1 < reference->lastDataSector) fragmented = &r;
  REQUIRE(fragmented != nullptr);
  const LogPosition at = fragmented->position;
  std::vector<uint8_t> file = *original;
  // The reassembled record's own type byte follows the 7-byte FragmentBegin header.
  file[size_t{at.sector} * kSector + at.byteOffset + 7] = static_cast<uint8_t>(LogRecordType::Commit0);
  reseal(file, at.sector);
  const Status status = scanStatus(file);
  CHECK(status.code() == JetError::LogCorrupted);
  CHECK(mentions(status, at.toString()));
}

TEST_CASE("an unfinished fragment chain must be followed by a recovery restart") {
  const char* path = "me5uts-appdata/UnistoreUSS/USS00041.jtx";
  auto original = readCorpus(path);
  if (!original) return;
  Result<LogFileScan> reference = scanLogFile(*original);
  REQUIRE(reference.isOk());
  REQUIRE(reference->notes.size() == 1);
  const uint32_t next = reference->notes[0].sector + 1;
  std::vector<uint8_t> file = *original;
  REQUIRE(file[next * kSector + 40] == static_cast<uint8_t>(LogRecordType::RecoveryUndo2));
  file[next * kSector + 40] = static_cast<uint8_t>(LogRecordType::Begin);
  reseal(file, next);
  const Status status = scanStatus(file);
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(mentions(status, "sector " + std::to_string(next)));
  CHECK(mentions(status, "instead of a Fragment"));
}

TEST_CASE("scanning without collecting records frames them all the same") {
  auto file = readCorpus("me5uts-appdata/UnistoreUSS/USS00040.jtx");
  if (!file) return;
  LogScanOptions options;
  options.collectRecords = false;
  Result<LogFileScan> light = scanLogFile(*file, options);
  Result<LogFileScan> full = scanLogFile(*file);
  REQUIRE(light.isOk());
  REQUIRE(full.isOk());
  CHECK(light->records.empty());
  CHECK(light->storage.empty());
  CHECK(light->recordCount == full->recordCount);
  CHECK(light->reassembledCount == full->reassembledCount);
  CHECK(light->endPosition == full->endPosition);
  CHECK(light->accumulatedChecksum == full->accumulatedChecksum);
  // Reassembled records live in the scan's storage and survive a move.
  LogFileScan moved = std::move(full.value());
  for (const LogRecordView& r : moved.records)
    if (r.reassembled) CHECK(logRecordLength(r.bytes).value() == r.bytes.size());
}
