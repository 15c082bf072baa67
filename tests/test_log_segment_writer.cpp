// LogSegmentWriter and makeLogFileHeader (format/log_segment_writer.h):
// packing real records reproduces the segments ESE wrote, scanLogFile reads
// back what was packed, and the §5.2 edge rules (NOP fill below 32 bytes,
// fragments, file capacity) hold.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "esekit/format/checksum.h"
#include "esekit/format/log_file.h"
#include "esekit/format/log_record_encode.h"
#include "esekit/format/log_segment_writer.h"
#include "log_test_corpus.h"

using namespace esekit;

namespace {

LogTime timeAt(uint8_t second) {
  LogTime t;
  t.seconds = second;
  t.minutes = 5;
  t.hours = 10;
  t.day = 3;
  t.month = 4;
  t.yearSince1900 = 124;
  t.isUtc = true;
  return t;
}

// A Trace record of exactly `size` bytes (its text is the variable part).
std::vector<uint8_t> traceOfSize(size_t size) {
  static const size_t fixed = encodeLogRecord(makeTrace(1, Bytes())).value().size();
  REQUIRE(size >= fixed);
  std::vector<uint8_t> text(size - fixed, 'x');
  std::vector<uint8_t> bytes = encodeLogRecord(makeTrace(1, text)).value();
  REQUIRE(bytes.size() == size);
  return bytes;
}

NewLogFileHeader testHeaderSpec(int32_t generation, uint16_t fileSectors) {
  NewLogFileHeader spec;
  spec.generation = generation;
  spec.fileSectors = fileSectors;
  spec.databasePageSize = 8192;
  spec.created = timeAt(1);
  spec.logSignature.random = 0x12345678;
  spec.logSignature.created = timeAt(0);
  spec.dbmsParameters.logFileSectors = fileSectors;
  spec.checkpoint = LogPosition{0, 1, generation};
  return spec;
}

// The file image LogWriter would leave: header, full segments, tip + shadow.
std::vector<uint8_t> fileImage(const LogFileHeader& header, LogSegmentWriter& writer) {
  std::vector<uint8_t> file(size_t{header.fileSectors} * kLogSegmentSize, 0);
  const std::vector<uint8_t> headerBytes = serializeLogFileHeader(header, true);
  std::memcpy(file.data(), headerBytes.data(), headerBytes.size());
  for (const LogSegmentImage& image : writer.takeCompleted())
    std::memcpy(file.data() + size_t{image.sector} * kLogSegmentSize, image.bytes.data(), kLogSegmentSize);
  if (writer.hasPartial()) {
    const LogSegmentImage tip = writer.partialImage();
    std::memcpy(file.data() + size_t{tip.sector} * kLogSegmentSize, tip.bytes.data(), kLogSegmentSize);
    std::memcpy(file.data() + (size_t{tip.sector} + 1) * kLogSegmentSize, tip.bytes.data(), kLogSegmentSize);
  }
  return file;
}

}  // namespace

TEST_CASE("packing the records of every corpus 8.4000 log reproduces ESE's segments") {
  size_t logsCompared = 0, segmentsCompared = 0, fragmentedRecords = 0, restartsSeen = 0, emptySegments = 0;
  for (const test::CorpusLog& log : test::corpusLogs()) {
    if (std::string(log.version).rfind("8.4000", 0) != 0) continue;
    const auto bytes = test::readCorpus(log.path);
    if (!bytes) return;
    Result<LogFileScan> scan = scanLogFile(*bytes);
    REQUIRE_MESSAGE(scan.isOk(), log.path << ": " << scan.status().toString());
    if (!scan->notes.empty() || scan->lastDataSector == 0) continue;  // only untouched logs
    INFO(log.path);
    LogSegmentWriter writer(scan->header.generation, scan->header.headerSectors, scan->header.fileSectors);
    std::map<uint16_t, LogSegmentImage> packed;
    size_t restarts = 0;
    for (const LogRecordView& record : scan->records) {
      // ESE starts a fresh segment when an instance restarts on an existing
      // log (after Term2 the next Init2 is at ib 40 of the next sector): close
      // ours the same way, leaving the rest NOP (zero) filled.
      if (record.position.sector > writer.currentSector() && writer.hasPartial()) {
        const LogSegmentImage tip = writer.partialImage();
        packed[tip.sector] = tip;
        Result<LogSegmentWriter> next =
            LogSegmentWriter::resume(writer.generation(), writer.headerSectors(), writer.fileSectors(),
                                     LogPosition{static_cast<uint16_t>(kLogSegmentSize), tip.sector, writer.generation()},
                                     Bytes(), writer.accumulatedChecksum());
        REQUIRE(next.isOk());
        writer = std::move(next.value());
        ++restarts;
      }
      // Stamp each segment with the time ESE gave it, so whole segments compare.
      const Bytes startSector = Bytes(*bytes).subspan(size_t{writer.end().sector} * kLogSegmentSize, kLogSegmentSize);
      Result<LogPosition> position = writer.append(record.bytes, LogTime::parse(ByteView(startSector), 16));
      REQUIRE(position.isOk());
      if (*position != record.position) {
        FAIL("record " << logRecordTypeName(record.bytes[0]) << " of " << record.bytes.size() << " bytes packed at "
                       << position->toString() << ", ESE wrote it at " << record.position.toString());
      }
      fragmentedRecords += record.reassembled;
      for (LogSegmentImage& image : writer.takeCompleted()) packed[image.sector] = image;
    }
    if (writer.hasPartial()) {
      const LogSegmentImage tip = writer.partialImage();
      packed[tip.sector] = tip;
    }
    uint64_t accumulated = 0;
    for (uint32_t isec = scan->header.headerSectors; isec <= scan->lastDataSector; ++isec) {
      REQUIRE(scan->sectors[isec] == SectorClass::Data);
      const auto found = packed.find(static_cast<uint16_t>(isec));
      const Bytes corpus = Bytes(*bytes).subspan(size_t{isec} * kLogSegmentSize, kLogSegmentSize);
      if (found == packed.end()) {
        // ESE also writes segments without records after the last one (a
        // rolled log's empty last segment, §5.1); records never create them.
        CHECK(isec > scan->lastRecordPosition.sector);
        CHECK(std::all_of(corpus.begin() + kLogSegmentHeaderSize, corpus.end(), [](uint8_t b) { return b == 0; }));
        accumulated ^= loadLittleEndian<uint64_t>(corpus.data());
        ++emptySegments;
        continue;
      }
      // logtimeSegmentStart (bytes 16..23) records when ESE started the
      // segment, which this replay cannot know for segments that start with a
      // Fragment: take ESE's time and re-seal, then the whole 4096 bytes
      // (LGPOS, flags, records, NOP fill, checksum) must be identical.
      LogSegmentImage& image = found->second;
      CHECK(checksum::checkPage(image.bytes, isec).verdict == checksum::PageChecksumCheck::Verdict::Ok);
      std::memcpy(image.bytes.data() + 16, corpus.data() + 16, 8);
      checksum::setPageChecksum(image.bytes, isec);
      accumulated ^= image.checksum();
      if (std::memcmp(corpus.data(), image.bytes.data(), kLogSegmentSize) != 0) {
        size_t first = 0;
        while (corpus[first] == image.bytes[first]) ++first;
        FAIL_CHECK("sector " << isec << " differs first at byte " << first);
      }
      ++segmentsCompared;
    }
    CHECK(accumulated == scan->accumulatedChecksum);
    ++logsCompared;
    restartsSeen += restarts;
  }
  MESSAGE(logsCompared << " logs, " << segmentsCompared << " segments byte-identical, " << fragmentedRecords
                       << " fragmented records, " << restartsSeen << " segments closed before full (NOP fill, restart), " << emptySegments << " empty segments");
  CHECK(logsCompared > 20);
  CHECK(fragmentedRecords > 0);
}

TEST_CASE("a record that leaves fewer than 32 bytes is not fragmented; 32 bytes start a fragment") {
  for (const size_t leave : {31u, 32u}) {
    CAPTURE(leave);
    LogSegmentWriter writer(7, 1, 8);
    // First record leaves exactly `leave` bytes in sector 1.
    REQUIRE(writer.append(traceOfSize(kLogSegmentSize - kLogSegmentHeaderSize - leave), timeAt(2)).isOk());
    CHECK(writer.end() == LogPosition{static_cast<uint16_t>(kLogSegmentSize - leave), 1, 7});
    Result<LogPosition> second = writer.append(traceOfSize(100), timeAt(3));
    REQUIRE(second.isOk());
    const std::deque<LogSegmentImage> done = writer.takeCompleted();
    REQUIRE(done.size() == 1);
    const LogSegmentImage& sector1 = done.front();
    if (leave == 31) {
      CHECK(*second == LogPosition{40, 2, 7});
      for (size_t i = kLogSegmentSize - leave; i < kLogSegmentSize; ++i) CHECK(sector1.bytes[i] == 0x00);  // NOP fill
      CHECK(writer.end() == LogPosition{140, 2, 7});
    } else {
      CHECK(*second == LogPosition{static_cast<uint16_t>(kLogSegmentSize - 32), 1, 7});
      const size_t at = kLogSegmentSize - 32;
      CHECK(sector1.bytes[at] == static_cast<uint8_t>(LogRecordType::FragmentBegin));
      CHECK(loadLittleEndian<uint32_t>(sector1.bytes.data() + at + 1) == 100);
      CHECK(loadLittleEndian<uint16_t>(sector1.bytes.data() + at + 5) == 25);
      // The rest (75 bytes) in a Fragment at the start of sector 2.
      CHECK(writer.end() == LogPosition{40 + 3 + 75, 2, 7});
    }
    // Each sealed segment: LGPOS (gen, isec, 0), flags 0x2000, checksum with pgno = isec.
    CHECK(LogPosition::parse(ByteView(sector1.bytes), 8) == LogPosition{0, 1, 7});
    CHECK(loadLittleEndian<uint32_t>(sector1.bytes.data() + 36) == kLogSegmentFlags);
    CHECK(checksum::checkPage(sector1.bytes, 1).verdict == checksum::PageChecksumCheck::Verdict::Ok);
    CHECK(checksum::checkPage(sector1.bytes, 2).verdict == checksum::PageChecksumCheck::Verdict::Bad);
  }
}

TEST_CASE("file capacity: the last sector only takes the shadow; too large records are refused") {
  // 5 sectors: header, data 1..3, shadow-only 4.
  const size_t max = LogSegmentWriter::maxRecordSize(1, 5);
  CHECK(max == (4056 - 7) + 2 * (4056 - 3));
  LogSegmentWriter writer(3, 1, 5);
  CHECK(writer.fits(max));
  CHECK_FALSE(writer.fits(max + 1));
  CHECK(writer.append(traceOfSize(max + 1), timeAt(1)).status().code() == JetError::InvalidParameter);
  Result<LogPosition> big = writer.append(traceOfSize(max), timeAt(1));
  REQUIRE(big.isOk());
  CHECK(*big == LogPosition{40, 1, 3});
  CHECK(writer.completedCount() == 3);
  CHECK_FALSE(writer.hasPartial());
  CHECK_FALSE(writer.fits(1));
  CHECK(writer.currentSector() == 4);
}

TEST_CASE("packed file scans back: records, positions, fragments, accumulated checksum, clean end") {
  const uint16_t sectors = 12;
  Result<LogFileHeader> header = makeLogFileHeader(testHeaderSpec(9, sectors));
  REQUIRE(header.isOk());
  LogSegmentWriter writer(9, 1, sectors);
  std::vector<std::pair<LogPosition, std::vector<uint8_t>>> expected;
  size_t size = 20;
  while (true) {
    std::vector<uint8_t> record = traceOfSize(size);
    if (!writer.fits(record.size())) break;
    Result<LogPosition> position = writer.append(record, timeAt(static_cast<uint8_t>(expected.size() % 60)));
    REQUIRE(position.isOk());
    expected.emplace_back(*position, std::move(record));
    size = size * 7 % 5000 + 20;
  }
  std::vector<uint8_t> term = encodeLogRecord(makeTerm2(writer.end(), writer.end(), 0, timeAt(9))).value();
  if (writer.fits(term.size())) {
    Result<LogPosition> position = writer.append(term, timeAt(9));
    REQUIRE(position.isOk());
    expected.emplace_back(*position, term);
  }
  const uint64_t accumulated = writer.accumulatedChecksum();
  const std::vector<uint8_t> file = fileImage(*header, writer);
  Result<LogFileScan> scan = scanLogFile(file);
  REQUIRE_MESSAGE(scan.isOk(), scan.status().toString());
  CHECK(scan->notes.empty());
  REQUIRE(scan->records.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CHECK(scan->records[i].position == expected[i].first);
    CHECK(std::equal(scan->records[i].bytes.begin(), scan->records[i].bytes.end(), expected[i].second.begin(),
                     expected[i].second.end()));
  }
  CHECK(scan->reassembledCount > 0);
  CHECK(scan->accumulatedChecksum == accumulated);
  CHECK(scan->cleanEnd == (expected.back().second[0] == static_cast<uint8_t>(LogRecordType::Term2)));
}

TEST_CASE("resume from a partial segment continues exactly as if never interrupted") {
  std::vector<std::vector<uint8_t>> records;
  for (size_t i = 0; i < 40; ++i) records.push_back(traceOfSize(30 + (i * 211) % 900));
  LogSegmentWriter whole(4, 1, 32);
  for (const auto& r : records) REQUIRE(whole.append(r, timeAt(1)).isOk());

  LogSegmentWriter first(4, 1, 32);
  for (size_t i = 0; i < 17; ++i) REQUIRE(first.append(records[i], timeAt(1)).isOk());
  REQUIRE(first.hasPartial());
  uint64_t before = 0;
  for (const LogSegmentImage& image : first.takeCompleted()) before ^= image.checksum();
  const LogSegmentImage tip = first.partialImage();
  Result<LogSegmentWriter> resumed = LogSegmentWriter::resume(4, 1, 32, first.end(), tip.bytes, before);
  REQUIRE(resumed.isOk());
  CHECK(resumed->end() == first.end());
  for (size_t i = 17; i < records.size(); ++i) REQUIRE(resumed->append(records[i], timeAt(1)).isOk());
  CHECK(resumed->end() == whole.end());
  CHECK(resumed->accumulatedChecksum() == whole.accumulatedChecksum());
  CHECK(std::memcmp(resumed->partialImage().bytes.data(), whole.partialImage().bytes.data(), kLogSegmentSize) == 0);

  // Out of range positions are refused.
  CHECK(LogSegmentWriter::resume(4, 1, 32, LogPosition{40, 31, 4}, tip.bytes, 0).status().code() ==
        JetError::InvalidParameter);
  CHECK(LogSegmentWriter::resume(4, 1, 32, LogPosition{40, 3, 5}, tip.bytes, 0).status().code() ==
        JetError::InvalidParameter);
  CHECK(LogSegmentWriter::resume(4, 1, 32, LogPosition{100, 3, 4}, Bytes(), 0).status().code() ==
        JetError::InvalidParameter);
}

TEST_CASE("makeLogFileHeader: a header ESE's checks accept, chained to the previous generation") {
  NewLogFileHeader spec = testHeaderSpec(0x100001, 32);
  spec.previousGenerationCreated = timeAt(0);
  spec.previousLogChecksum = 0x1122334455667788ull;
  spec.flags = LogFileHeader::kCircularLogging | LogFileHeader::kCircularLoggingHistory;
  AttachInfo attach;
  attach.dbid = 1;
  attach.flags = AttachInfo::kFlagUnicodeNames;
  attach.nameBytes = loggedPathUtf16("C:\\data\\x.edb");
  spec.attachments = {attach};
  Result<LogFileHeader> header = makeLogFileHeader(spec);
  REQUIRE(header.isOk());
  const std::vector<uint8_t> bytes = serializeLogFileHeader(*header, true);
  CHECK(verifyLogFileHeaderChecksum(bytes).isOk());
  Result<LogFileHeader> parsed = parseLogFileHeader(bytes);
  REQUIRE(parsed.isOk());
  CHECK(validateLogFileHeader(*parsed, size_t{32} * 4096).isOk());
  CHECK(parsed->generation == 0x100001);
  CHECK(parsed->version == LogVersion{8, 4000, 90, 200});
  CHECK(parsed->engineFormatVersionDiagnostic == 9360);
  CHECK(parsed->fileType == kLogFileType);
  CHECK(parsed->sectorSize == 4096);
  CHECK(parsed->headerSectors == 1);
  CHECK(parsed->pageSize == 8192);
  CHECK(parsed->previousLogChecksum == 0x1122334455667788ull);
  CHECK(parsed->flags == spec.flags);
  REQUIRE(parsed->attachments.size() == 1);
  CHECK(parsed->attachments[0].name() == "C:\\data\\x.edb");
  CHECK(parsed->checksum == header->checksum);

  // Seven databases with long names do not fit the 2048-byte attach area.
  attach.nameBytes.assign(400, 'a');
  spec.attachments.assign(5, attach);
  CHECK(makeLogFileHeader(spec).status().code() == JetError::InvalidParameter);
  spec.attachments.clear();
  spec.fileSectors = 2;
  CHECK(makeLogFileHeader(spec).status().code() == JetError::InvalidParameter);
}
