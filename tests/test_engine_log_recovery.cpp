// LogReader on damaged streams: torn tails end the log at the last durable
// record and continueStream appends after it; missing generations, foreign
// logs and bit flips give the right JET errors naming file and sector.
#include "engine_log_test_support.h"

#include <cstring>

using namespace esekit;
using namespace esekit::test;

namespace {

constexpr size_t kSector = 4096;

std::vector<uint8_t> traceRecord(size_t textSize, uint8_t fill) {
  return encodeLogRecord(makeTrace(7, std::vector<uint8_t>(textSize, fill))).value();
}

struct Appended {
  LogPosition position;
  std::vector<uint8_t> bytes;
};

// Appends `count` records of varying size, returns them.
std::vector<Appended> appendSome(englog::LogWriter& writer, size_t count, uint8_t fill) {
  std::vector<Appended> out;
  for (size_t i = 0; i < count; ++i) {
    std::vector<uint8_t> record = traceRecord(50 + (i * 37) % 400, fill);
    Result<LogPosition> position = writer.append(record);
    REQUIRE(position.isOk());
    out.push_back({*position, std::move(record)});
  }
  return out;
}

void garble(std::vector<uint8_t>& file, uint32_t sector, uint32_t seed) {
  std::mt19937 random(seed);
  for (size_t i = 0; i < kSector; ++i) file[size_t{sector} * kSector + i] = static_cast<uint8_t>(random());
}

void checkPrefix(const ReadBack& back, const std::vector<Appended>& all, size_t atLeast) {
  REQUIRE(back.records.size() >= atLeast);
  REQUIRE(back.records.size() <= all.size());
  for (size_t i = 0; i < back.records.size(); ++i) {
    CHECK(back.records[i].first == all[i].position);
    CHECK(back.records[i].second == all[i].bytes);
  }
}

}  // namespace

TEST_CASE("torn tail: the log ends at the last durable record and continueStream appends after it") {
  // One file large enough that everything stays in generation 1.
  enum class Crash { TornTip, TornTipAndShadow, TornAfterTip, TruncatedTail };
  for (const Crash crash : {Crash::TornTip, Crash::TornTipAndShadow, Crash::TornAfterTip, Crash::TruncatedTail}) {
    CAPTURE(static_cast<int>(crash));
    const std::filesystem::path directory = tempDir("log_torn");
    const englog::LogWriterOptions options = writerOptions(directory, 512 * 1024);
    auto writer = englog::LogWriter::create(options);
    REQUIRE(writer.isOk());
    std::vector<Appended> all = appendSome(**writer, 60, 'a');
    REQUIRE((*writer)->flush(all.back().position).isOk());
    const uint16_t tip = (*writer)->end().sector;
    const size_t durable = all.size();  // records acknowledged by the flush
    const std::vector<uint8_t> beforeSecondFlush = fileBytes(directory / "edb.log");
    std::vector<Appended> more = appendSome(**writer, 60, 'b');
    all.insert(all.end(), more.begin(), more.end());
    REQUIRE((*writer)->flush(all.back().position).isOk());
    REQUIRE((*writer)->close().isOk());
    // The last sector the second flush wrote (it closes its tip with a Nop2 fill).
    const LogPosition end = (*writer)->end();
    const uint16_t newest = static_cast<uint16_t>(end.byteOffset > 40 ? end.sector : end.sector - 1);
    std::vector<uint8_t> file = fileBytes(directory / "edb.log");
    REQUIRE(file.size() == beforeSecondFlush.size());

    size_t atLeast = durable;
    switch (crash) {
      case Crash::TornTip:  // crash in the isolated rewrite of the old tip: its shadow still holds it
        file = beforeSecondFlush;
        garble(file, tip, 1);
        break;
      case Crash::TornTipAndShadow:  // the newest sector lost (and the one after it): the log ends before it
        garble(file, newest, 2);
        garble(file, newest + 1u, 3);
        atLeast = durable;  // everything before the second flush's last sector survives
        break;
      case Crash::TornAfterTip: {  // second flush: old tip rewritten, next sector torn, later ones written
        garble(file, tip + 1u, 4);
        break;
      }
      case Crash::TruncatedTail:  // sectors after the old tip never written (zero)
        std::fill(file.begin() + static_cast<std::ptrdiff_t>((size_t{tip} + 1) * kSector), file.end(), 0);
        break;
    }
    writeBytes(directory / "edb.log", file);
    const ReadBack back = readAll(directory);
    checkPrefix(back, all, crash == Crash::TornTipAndShadow ? 0 : atLeast);
    if (crash == Crash::TornTip) CHECK(back.records.size() == durable);
    if (crash != Crash::TruncatedTail && crash != Crash::TornTip) {
      bool tornTail = false;
      for (const auto& note : back.notes) tornTail |= note.message.find("torn tail") != std::string::npos;
      CHECK(tornTail);
    }
    if (crash == Crash::TornTipAndShadow) {
      // Only records wholly in sectors before the lost tip remain.
      CHECK(back.records.size() < all.size());
      CHECK(back.records.back().first.sector < newest);
    }
    CHECK_FALSE(back.tail.cleanEnd);

    // Continue the stream: old durable records, then the new ones.
    auto continued = englog::LogWriter::continueStream(options, back.tail);
    REQUIRE_MESSAGE(continued.isOk(), continued.status().toString());
    // A tail that ends exactly at a segment end (the writer's Nop2 fill)
    // continues at the start of the next segment.
    const LogPosition tailEnd = back.tail.end.byteOffset == kSector
                                    ? LogPosition{40, static_cast<uint16_t>(back.tail.end.sector + 1),
                                                  back.tail.end.generation}
                                    : back.tail.end;
    CHECK((*continued)->end() == tailEnd);
    std::vector<Appended> expected(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(back.records.size()));
    std::vector<Appended> after = appendSome(**continued, 30, 'c');
    expected.insert(expected.end(), after.begin(), after.end());
    REQUIRE((*continued)->append(term2Record()).isOk());
    REQUIRE((*continued)->close().isOk());
    const ReadBack again = readAll(directory);
    REQUIRE(again.records.size() == expected.size() + 1);
    for (size_t i = 0; i < expected.size(); ++i) {
      CHECK(again.records[i].first == expected[i].position);
      CHECK(again.records[i].second == expected[i].bytes);
    }
    CHECK(again.tail.cleanEnd);
    CHECK(again.notes.empty());  // the torn tail was overwritten
    const std::vector<uint8_t> current = fileBytes(directory / "edb.log");
    Result<LogFileScan> scan = scanLogFile(current);
    REQUIRE(scan.isOk());
    CHECK(scan->notes.empty());
  }
}

TEST_CASE("torn tail continued across a rollover keeps the accumulated checksum chain") {
  const std::filesystem::path directory = tempDir("log_torn_rollover");
  const englog::LogWriterOptions options = writerOptions(directory, 64 * 1024);
  auto writer = englog::LogWriter::create(options);
  REQUIRE(writer.isOk());
  std::vector<Appended> all = appendSome(**writer, 20, 'a');
  REQUIRE((*writer)->flush(all.back().position).isOk());
  REQUIRE((*writer)->close().isOk());
  const ReadBack back = readAll(directory);
  REQUIRE(back.records.size() == 20);
  auto continued = englog::LogWriter::continueStream(options, back.tail);
  REQUIRE(continued.isOk());
  std::vector<Appended> more = appendSome(**continued, 1000, 'b');  // several generations
  REQUIRE((*continued)->close().isOk());
  CHECK((*continued)->currentGeneration() > 2);
  const ReadBack again = readAll(directory);  // checkLogSequence includes the checksum chain
  CHECK(again.records.size() == 1020);
}

TEST_CASE("damage that is not a torn tail is LogFileCorrupt naming the file and sector") {
  const std::filesystem::path directory = tempDir("log_middle");
  auto writer = englog::LogWriter::create(writerOptions(directory, 1024 * 1024));
  REQUIRE(writer.isOk());
  const std::vector<Appended> all = appendSome(**writer, 2000, 'a');  // ~100 sectors
  REQUIRE((*writer)->close().isOk());
  REQUIRE((*writer)->end().sector > 5 + englog::kMaxSectorsPerWrite);
  std::vector<uint8_t> file = fileBytes(directory / "edb.log");
  garble(file, 5, 9);
  writeBytes(directory / "edb.log", file);
  const Status status = readError(directory);
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(status.message().find("edb.log") != std::string::npos);
  CHECK(status.message().find("sector 5") != std::string::npos);
}

TEST_CASE("missing generation, foreign log, bit flips in a finished generation") {
  const std::filesystem::path directory = tempDir("log_errors");
  const englog::LogWriterOptions options = writerOptions(directory, 32 * 1024);
  auto writer = englog::LogWriter::create(options);
  REQUIRE(writer.isOk());
  appendSome(**writer, 800, 'a');
  REQUIRE((*writer)->close().isOk());
  REQUIRE((*writer)->currentGeneration() > 5);
  const std::filesystem::path third = directory / "edb00003.log";
  REQUIRE(std::filesystem::exists(third));
  const std::vector<uint8_t> original = fileBytes(third);
  CHECK(readError(directory, LogPosition{0, 0, 1}).isOk());

  SUBCASE("missing middle generation") {
    std::filesystem::remove(third);
    const Status status = readError(directory, LogPosition{0, 0, 1});
    CHECK(status.code() == JetError::MissingLogFile);
    CHECK(status.message().find("edb00003.log") != std::string::npos);
    // Without a start position the stream starts after the gap.
    auto reader = englog::LogReader::open(directory, "edb", LogPosition{});
    REQUIRE(reader.isOk());
    CHECK((*reader)->firstGeneration() == 4);
  }
  SUBCASE("a log of another stream in the middle") {
    const std::filesystem::path other = tempDir("log_errors_other");
    englog::LogWriterOptions otherOptions = writerOptions(other, 32 * 1024);
    otherOptions.logSignature.random ^= 0x5A5A5A5A;
    otherOptions.firstGeneration = 3;
    auto foreign = englog::LogWriter::create(otherOptions);
    REQUIRE(foreign.isOk());
    appendSome(**foreign, 5, 'z');
    REQUIRE((*foreign)->close().isOk());
    std::filesystem::copy_file(other / "edb.log", third, std::filesystem::copy_options::overwrite_existing);
    const Status status = readError(directory, LogPosition{0, 0, 1});
    CHECK(status.code() == JetError::BadLogSignature);
    CHECK(status.message().find("edb00003.log") != std::string::npos);
  }
  SUBCASE("single-bit error in a finished generation is corrected") {
    std::vector<uint8_t> damaged = original;
    damaged[2 * kSector + 1000] ^= 0x10;
    writeBytes(third, damaged);
    const ReadBack back = readAll(directory, LogPosition{0, 0, 1});
    CHECK(back.records.size() == 800);
    bool noted = false;
    for (const auto& note : back.notes) noted |= note.generation == 3 && note.message.find("corrected") != std::string::npos;
    CHECK(noted);
  }
  SUBCASE("two flipped bits in a finished generation are LogFileCorrupt naming the sector") {
    std::vector<uint8_t> damaged = original;
    damaged[2 * kSector + 1000] ^= 0x10;
    damaged[2 * kSector + 2000] ^= 0x01;
    writeBytes(third, damaged);
    const Status status = readError(directory, LogPosition{0, 0, 1});
    CHECK(status.code() == JetError::LogFileCorrupt);
    CHECK(status.message().find("edb00003.log") != std::string::npos);
    CHECK(status.message().find("sector 2") != std::string::npos);
  }
  SUBCASE("a finished generation cut short is corruption, not a torn tail") {
    std::vector<uint8_t> damaged = original;
    garble(damaged, 3, 11);
    writeBytes(third, damaged);
    CHECK(readError(directory, LogPosition{0, 0, 1}).code() == JetError::LogFileCorrupt);
  }
  SUBCASE("expected signature") {
    englog::LogReaderOptions readerOptions;
    Signature wrong = options.logSignature;
    wrong.random ^= 1;
    readerOptions.expectedSignature = wrong;
    auto reader = englog::LogReader::open(directory, "edb", LogPosition{}, readerOptions);
    REQUIRE_FALSE(reader.isOk());
    CHECK(reader.status().code() == JetError::BadLogSignature);
    readerOptions.expectedSignature = options.logSignature;
    CHECK(englog::LogReader::open(directory, "edb", LogPosition{}, readerOptions).isOk());
  }
  SUBCASE("no current log") {
    std::filesystem::remove(directory / "edb.log");
    CHECK(readError(directory).code() == JetError::MissingLogFile);
  }
}

TEST_CASE("findLogGenerations and the start attach list") {
  const std::filesystem::path directory = tempDir("log_find");
  englog::LogReaderOptions readerOptions;
  readerOptions.directory = directory;
  Result<std::vector<int32_t>> none = englog::findLogGenerations(readerOptions);
  REQUIRE(none.isOk());
  CHECK(none->empty());
  englog::LogWriterOptions options = writerOptions(directory, 32 * 1024);
  AttachInfo attach;
  attach.dbid = 2;
  attach.nameBytes = {'a', '.', 'e', 'd', 'b', 0};
  options.attachments = [&] { return std::vector<AttachInfo>{attach}; };
  auto writer = englog::LogWriter::create(options);
  REQUIRE(writer.isOk());
  appendSome(**writer, 100, 'q');
  REQUIRE((*writer)->close().isOk());
  Result<std::vector<int32_t>> found = englog::findLogGenerations(readerOptions);
  REQUIRE(found.isOk());
  REQUIRE(found->size() == static_cast<size_t>((*writer)->currentGeneration()));
  CHECK(found->front() == 1);
  auto reader = englog::LogReader::open(readerOptions, std::nullopt);
  REQUIRE(reader.isOk());
  CHECK((*reader)->startPosition().generation == 1);
  REQUIRE((*reader)->startAttachments().size() == 1);
  CHECK((*reader)->startAttachments()[0].dbid == 2);
  CHECK((*reader)->signature() == options.logSignature);
}
