// Every real log of the corpus scans without corruption; ends, record
// framing, generation chains and file roles agree with INVENTORY.md and the
// reference's independent oracle (ese-format/README.md "verification").
#include <doctest/doctest.h>

#include <filesystem>
#include <map>

#include "esekit/format/log_file.h"
#include "log_test_corpus.h"

using namespace esekit;
using namespace esekit::test;

namespace {

struct Scanned {
  std::vector<uint8_t> bytes;
  LogFileScan scan;
};

std::optional<Scanned> scanCorpus(const std::string& relative) {
  auto bytes = readCorpus(relative);
  if (!bytes) return std::nullopt;
  Scanned s{std::move(*bytes), {}};
  Result<LogFileScan> scan = scanLogFile(s.bytes);
  REQUIRE_MESSAGE(scan.isOk(), relative << ": " << scan.status().toString());
  s.scan = std::move(scan.value());
  return s;
}

std::string directoryOf(const std::string& relative) { return std::filesystem::path(relative).parent_path().string(); }

// The last two records that are neither legacy LRCHECKSUM framing records nor
// Nop2 fill (the engine pads the segment after ShutDownMark with one).
std::vector<LogRecordType> lastTwoTypes(const LogFileScan& scan) {
  std::vector<LogRecordType> types;
  for (auto it = scan.records.rbegin(); it != scan.records.rend() && types.size() < 2; ++it)
    if (it->type != LogRecordType::Checksum && it->type != LogRecordType::Nop2) types.insert(types.begin(), it->type);
  return types;
}

}  // namespace

TEST_CASE("every corpus log scans; records are framed exactly and positioned in the file") {
  uint64_t records = 0, reassembled = 0, legacyChecksums = 0;
  size_t logs = 0;
  for (const CorpusLog& log : corpusLogs()) {
    CAPTURE(log.path);
    auto s = scanCorpus(log.path);
    if (!s) return;
    const LogFileScan& scan = s->scan;
    ++logs;
    CHECK(scan.header.generation == log.generation);
    CHECK(scan.sectors.size() == log.fileSectors);
    CHECK(scan.records.size() == scan.recordCount);
    records += scan.recordCount - scan.legacyChecksumRecords;
    reassembled += scan.reassembledCount;
    legacyChecksums += scan.legacyChecksumRecords;

    // No problem needed fixing in any real file except one torn tail (below).
    for (const LogScanNote& note : scan.notes) CHECK(note.kind == LogScanNote::Kind::DiscardedPartialRecord);

    LogPosition previous;
    for (const LogRecordView& record : scan.records) {
      REQUIRE(!record.bytes.empty());
      CHECK(static_cast<uint8_t>(record.type) == record.bytes[0]);
      Result<uint32_t> length = logRecordLength(record.bytes);
      REQUIRE(length.isOk());
      CHECK(*length == record.bytes.size());
      CHECK(record.position.generation == log.generation);
      CHECK(previous < record.position);
      previous = record.position;
      if (!record.reassembled) {
        // Views point at the record's own bytes in the file.
        const size_t offset = size_t{record.position.sector} * log.sectorSize + record.position.byteOffset;
        CHECK(record.bytes.data() == s->bytes.data() + offset);
      } else {
        CHECK(scan.format == LogFormat::Segments);
        CHECK(s->bytes[size_t{record.position.sector} * 4096 + record.position.byteOffset] ==
              static_cast<uint8_t>(LogRecordType::FragmentBegin));
      }
    }
    if (scan.recordCount > 0) {
      CHECK(scan.lastDataSector >= scan.header.headerSectors);
      CHECK(scan.lastRecordPosition < scan.endPosition);
      CHECK(scan.endPosition.sector <= scan.lastDataSector);
    }
    // Data only up to the end of the log; nothing verifies as data after it.
    for (size_t isec = scan.lastDataSector + 1; isec < scan.sectors.size(); ++isec)
      CHECK(scan.sectors[isec] != SectorClass::Data);
  }
  if (!corpusRoot()) return;
  CHECK(logs == 61);
  // ese-format/README.md: "216,119 records in 61 logs (1,043 of them reassembled
  // from fragments)"; its count leaves out the 17 legacy LRCHECKSUM records.
  CHECK(records == 216119);
  CHECK(reassembled == 1043);
  CHECK(legacyChecksums == 17);
}

TEST_CASE("current logs of clean sets end with ShutDownMark, Term2") {
  // Sets whose database is CleanShutdown at the current generation (INVENTORY).
  const char* clean[] = {
      "cortana-akarib/Indexed DB/edb.log",
      "me5uts-appdata/IndexedDB/edb.log",
      "museum/SRUM/Server2022/APTSimulatorVM/Clean/SRU/SRU.log",
      "museum/SRUM/Server2022/APTSimulatorVM/Clean_1DayLater/SRU/SRU.log",
      "museum/SRUM/Win10/APTSimulatorVM/Clean/SRU.log",
      "museum/SRUM/Win10/RathbunVM/Clean/SRU.log",
      "museum/SRUM/Win10/RathbunVM/Dirty/SRU.log",  // header says CleanShutdown (S14)
      "windowslivemail-kimberli13/edb.log",
      "windowsmail-danyquenneville/Windows Mail/edb.log",
  };
  for (const std::string path : clean) {
    CAPTURE(path);
    auto s = scanCorpus(path);
    if (!s) return;
    CHECK(s->scan.cleanEnd);
    REQUIRE(s->scan.lastRecordType.has_value());
    CHECK(*s->scan.lastRecordType == LogRecordType::Term2);
    CHECK(lastTwoTypes(s->scan) == std::vector<LogRecordType>{LogRecordType::ShutDownMark, LogRecordType::Term2});
    const FieldList summary = describe(s->scan);
    bool sawClean = false;
    for (const Field& f : summary.items())
      if (f.name == "cleanEnd") sawClean = f.value == "true";
    CHECK(sawClean);
  }
  // Archived generations stop wherever the rollover happened.
  auto archived = scanCorpus("cortana-akarib/Indexed DB/edb00007.log");
  if (!archived) return;
  CHECK_FALSE(archived->scan.cleanEnd);
}

TEST_CASE("segment logs: end of log, shadow of the partial tail segment, empty rest") {
  // S13 current log (16 sectors): the partial last segment is followed by its shadow.
  auto s = scanCorpus("museum/SRUM/Win10/RathbunVM/Clean/SRU.log");
  if (!s) return;
  const LogFileScan& scan = s->scan;
  const uint32_t last = scan.lastDataSector;
  REQUIRE(last >= 1);
  CHECK(scan.sectors[0] == SectorClass::Header);
  for (uint32_t isec = 1; isec <= last; ++isec) CHECK(scan.sectors[isec] == SectorClass::Data);
  CHECK(scan.sectors[last + 1] == SectorClass::Shadow);
  for (size_t isec = last + 2; isec < scan.sectors.size(); ++isec) CHECK(scan.sectors[isec] == SectorClass::Empty);
  // The shadow is byte-identical to the segment it protects (§5.3).
  CHECK(std::equal(s->bytes.begin() + last * 4096, s->bytes.begin() + (last + 1) * 4096,
                   s->bytes.begin() + (last + 1) * 4096));
  CHECK(scan.endPosition.sector == last);
}

TEST_CASE("a generation created but never written: the S11/S12 current log has no data") {
  for (const char* path : {"museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Clean/SRU.log",
                           "museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Dirty/SRU.log"}) {
    const std::string shown = path;
    CAPTURE(shown);
    auto s = scanCorpus(path);
    if (!s) return;
    CHECK(s->scan.lastDataSector == 0);
    CHECK(s->scan.recordCount == 0);
    CHECK_FALSE(s->scan.cleanEnd);
    CHECK(s->scan.count(SectorClass::Empty) == 15);
  }
}

TEST_CASE("torn tail continued by recovery: USS00041.jtx drops one unfinished record") {
  auto s = scanCorpus("me5uts-appdata/UnistoreUSS/USS00041.jtx");
  if (!s) return;
  REQUIRE(s->scan.notes.size() == 1);
  const LogScanNote& note = s->scan.notes[0];
  CHECK(note.kind == LogScanNote::Kind::DiscardedPartialRecord);
  // §5.2: tolerated because the next segment starts with RecoveryUndo2.
  CHECK(s->bytes[size_t{note.sector + 1} * 4096 + 40] == static_cast<uint8_t>(LogRecordType::RecoveryUndo2));
  CHECK(s->bytes[note.fileOffset] == static_cast<uint8_t>(LogRecordType::FragmentBegin));
}

TEST_CASE("legacy 7.3704 logs: all 17 LRCHECKSUM records verify") {
  // Per-file counts of the chain (cbNext links from the first data sector).
  const std::pair<const char*, uint32_t> logs[] = {
      {"windowslivemail-kimberli13/edb.log", 6},
      {"windowslivemail-kimberli13/edb00001.log", 4},
      {"windowsmail-danyquenneville/Windows Mail/edb.log", 3},
      {"windowsmail-danyquenneville/Windows Mail/edb00001.log", 2},
      {"windowsmail-danyquenneville/Windows Mail/Backup/new/edb00001.log", 2},
  };
  for (const auto& [path, checksums] : logs) {
    const std::string shown = path;
    CAPTURE(shown);
    auto s = scanCorpus(path);
    if (!s) return;
    CHECK(s->scan.format == LogFormat::Legacy);
    CHECK(s->scan.legacyChecksumRecords == checksums);
    CHECK(s->scan.notes.empty());
    CHECK(s->scan.accumulatedChecksum == 0);
    // The chain starts at the first data sector (§9).
    REQUIRE_FALSE(s->scan.records.empty());
    CHECK(s->scan.records.front().type == LogRecordType::Checksum);
    CHECK(s->scan.records.front().position.sector == s->scan.header.headerSectors);
    CHECK(s->scan.records.front().position.byteOffset == 0);
    // Sector numbers count the log's own sector size (512 or 4096).
    CHECK(s->scan.endPosition.byteOffset < s->scan.header.sectorSize);
  }
}

TEST_CASE("every consecutive generation pair passes checkLogSequence, with the accumulated checksum") {
  std::map<std::string, std::vector<const CorpusLog*>> byDirectory;
  for (const CorpusLog& log : corpusLogs()) byDirectory[directoryOf(log.path)].push_back(&log);
  size_t segmentPairs = 0, legacyPairs = 0;
  for (const auto& [directory, logs] : byDirectory) {
    for (const CorpusLog* previous : logs) {
      for (const CorpusLog* next : logs) {
        if (next->generation != previous->generation + 1) continue;
        CAPTURE(previous->path);
        CAPTURE(next->path);
        auto a = scanCorpus(previous->path);
        auto b = scanCorpus(next->path);
        if (!a || !b) return;
        const Status status = checkLogSequence(a->scan.header, a->scan, b->scan.header);
        CHECK_MESSAGE(status.isOk(), status.toString());
        if (b->scan.format == LogFormat::Segments) {
          ++segmentPairs;
          // checksums.md §7.1: each of these headers carries the value.
          CHECK(hasAccumulatedChecksum(b->scan.header.version));
          CHECK(b->scan.header.previousLogChecksum != 0);
          CHECK(b->scan.header.previousLogChecksum == a->scan.accumulatedChecksum);
        } else {
          ++legacyPairs;
        }
      }
    }
  }
  if (!corpusRoot()) return;
  CHECK(segmentPairs == 41);  // checksums.md §7.1 / README: 41 pairs
  CHECK(legacyPairs == 2);    // S25 and S26
}

TEST_CASE("foreign stream: edb0000D.log and edb.log of me5uts IndexedDB have different signatures") {
  auto older = scanCorpus("me5uts-appdata/IndexedDB/edb0000D.log");
  auto current = scanCorpus("me5uts-appdata/IndexedDB/edb.log");
  if (!older || !current) return;
  const Status status = checkLogSequence(older->scan.header, older->scan, current->scan.header);
  CHECK(status.code() == JetError::BadLogSignature);
  CHECK(status.message().find("signature") != std::string::npos);
  CHECK(checkLogSequence(current->scan.header, current->scan, older->scan.header).code() == JetError::BadLogSignature);
}

TEST_CASE("file names agree with header generations") {
  for (const CorpusLog& log : corpusLogs()) {
    CAPTURE(log.path);
    auto name = parseLogFileName(fileNameOf(log.path));
    REQUIRE(name.has_value());
    auto bytes = readCorpus(log.path);
    if (!bytes) return;
    Result<LogFileHeader> header = parseLogFileHeader(*bytes);
    REQUIRE(header.isOk());
    CHECK(checkLogFileName(*name, *header).isOk());
    if (name->role == LogFileRole::Archived) CHECK(name->generation == log.generation);
  }
}

TEST_CASE("recycled temporary logs, reserve logs and foreign files are recognised") {
  // INVENTORY: recycled *tmp logs with the header of an older generation.
  const std::pair<const char*, int32_t> recycled[] = {
      {"cortana-akarib/Indexed DB/edbtmp.log", 5},
      {"datastore-dcheva/DataStore/Logs/edbtmp.log", 87},
      {"me5uts-appdata/UnistoreUSS/USStmp.jtx", 63},
      {"museum/SRUM/Server2022/APTSimulatorVM/Clean_1DayLater/SRU/SRUtmp.log", 2},
      {"museum/SRUM/Win10/APTSimulatorVM/Clean/SRUtmp.log", 24},
  };
  for (const auto& [path, generation] : recycled) {
    const std::string shown = path;
    CAPTURE(shown);
    auto bytes = readCorpus(path);
    if (!bytes) return;
    const LogFileIdentity id = identifyLogFile(fileNameOf(path), *bytes);
    REQUIRE(id.name.has_value());
    CHECK(id.name->role == LogFileRole::Temporary);
    CHECK(id.content == LogFileContent::LogHeader);
    CHECK(id.recycled);
    CHECK_FALSE(id.partOfSequence);
    CHECK(id.headerGeneration == generation);
  }
  const std::pair<const char*, LogFileContent> spares[] = {
      {"cortana-akarib/Indexed DB/edbres00001.jrs", LogFileContent::AllZero},
      {"me5uts-appdata/IndexedDB/edbtmp.log", LogFileContent::AllZero},
      {"museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Clean/SRUtmp.log", LogFileContent::AllZero},
      {"windowsmail-danyquenneville/Windows Mail/edbres00001.jrs", LogFileContent::FillPattern},
      {"windowsmail-danyquenneville/Windows Mail/edbres00002.jrs", LogFileContent::FillPattern},
  };
  for (const auto& [path, content] : spares) {
    const std::string shown = path;
    CAPTURE(shown);
    auto bytes = readCorpus(path);
    if (!bytes) return;
    const LogFileIdentity id = identifyLogFile(fileNameOf(path), *bytes);
    CHECK(id.content == content);
    CHECK(id.spare);
    CHECK_FALSE(id.recycled);
    CHECK_FALSE(id.partOfSequence);
  }
  auto foreign = readCorpus("museum/SRUM/Win10/RathbunVM/Clean/srures00002.jrs");
  if (!foreign) return;
  const LogFileIdentity id = identifyLogFile("srures00002.jrs", *foreign);
  REQUIRE(id.name.has_value());
  CHECK(id.name->role == LogFileRole::Reserve);  // lower-case name still parses
  CHECK(id.content == LogFileContent::Other);
  CHECK_FALSE(id.spare);
  CHECK_FALSE(id.recycled);
  CHECK(scanLogFile(*foreign).status().code() == JetError::LogFileCorrupt);

  auto current = readCorpus("cortana-akarib/Indexed DB/edb.log");
  if (!current) return;
  const LogFileIdentity log = identifyLogFile("edb.log", *current);
  CHECK(log.partOfSequence);
  CHECK(log.headerGeneration == 8);
}
