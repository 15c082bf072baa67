// Legacy 7.3704 LRCHECKSUM chains under damage (checksums.md §8,
// log-format.md §9), generation-chain checks (§8) and log file names (§1).
#include <doctest/doctest.h>

#include "esekit/format/log_file.h"
#include "log_test_corpus.h"

using namespace esekit;
using namespace esekit::test;

namespace {

// 4096-byte sectors; LRCHECKSUMs at 0x1000 (cbNext 6773) and 0x2a8b (last).
const char* kLegacy4k = "windowsmail-danyquenneville/Windows Mail/edb00001.log";
constexpr size_t kLastChecksum4k = 0x2a8b;
// 512-byte sectors; first LRCHECKSUM at 0x1000 uses the short checksum (0x9A).
const char* kLegacy512 = "windowslivemail-kimberli13/edb.log";

bool mentions(const Status& status, const std::string& text) { return status.message().find(text) != std::string::npos; }

void xorWord(std::vector<uint8_t>& file, size_t offset, uint32_t value) {
  storeLittleEndian<uint32_t>(file.data() + offset, loadLittleEndian<uint32_t>(file.data() + offset) ^ value);
}

}  // namespace

TEST_CASE("legacy: a changed byte inside a range fails the LRCHECKSUM that covers it") {
  auto file = readCorpus(kLegacy4k);
  if (!file) return;
  (*file)[0x1100] ^= 0x01;  // inside the first LRCHECKSUM's forward range
  const Status status = scanLogFile(*file).status();
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(mentions(status, "(00000001,0001,0000)"));
  CHECK(mentions(status, "range checksum mismatch"));
}

TEST_CASE("legacy: a shadow-sector LRCHECKSUM (range ^ 0x5AD05EC7) is accepted and noted") {
  auto file = readCorpus(kLegacy4k);
  if (!file) return;
  REQUIRE((*file)[kLastChecksum4k] == static_cast<uint8_t>(LogRecordType::Checksum));
  xorWord(*file, kLastChecksum4k + 13, 0x5AD05EC7);
  Result<LogFileScan> scan = scanLogFile(*file);
  REQUIRE_MESSAGE(scan.isOk(), scan.status().toString());
  REQUIRE(scan->notes.size() == 1);
  CHECK(scan->notes[0].kind == LogScanNote::Kind::LegacyShadowChecksum);
  CHECK(scan->notes[0].fileOffset == kLastChecksum4k);
  CHECK(scan->legacyChecksumRecords == 2);
}

TEST_CASE("legacy: short checksum and cbNext are checked (512-byte sectors)") {
  auto original = readCorpus(kLegacy512);
  if (!original) return;
  REQUIRE((*original)[0x1000 + 21] == 0x9A);
  std::vector<uint8_t> file = *original;
  xorWord(file, 0x1000 + 17, 0x100);  // ulShortChecksum
  Status status = scanLogFile(file).status();
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(mentions(status, "short checksum mismatch"));
  // Sector numbers of a 512-byte-sector log: 0x1000 is sector 8.
  CHECK(mentions(status, "(00000002,0008,0000)"));

  file = *original;
  storeLittleEndian<uint32_t>(file.data() + 0x1000 + 9, 5);  // cbNext inside the forward range
  status = scanLogFile(file).status();
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(mentions(status, "cbNext"));

  file = *original;
  file[0x1000] = static_cast<uint8_t>(LogRecordType::Begin);  // chain must open with LRCHECKSUM
  status = scanLogFile(file).status();
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(mentions(status, "expected an LRCHECKSUM"));
}

TEST_CASE("legacy: sectors after the chain are not data") {
  auto file = readCorpus(kLegacy4k);
  if (!file) return;
  Result<LogFileScan> scan = scanLogFile(*file);
  REQUIRE(scan.isOk());
  // The last range ends at 0x3000 (cbNext 0); its last record is a Trace
  // ("Stop backup file ...") ending at 0x2D7D, followed by NOP fill.
  CHECK(scan->lastDataSector == 2);
  CHECK(scan->endPosition == (LogPosition{0x0D7D, 2, 1}));
  for (size_t s = 3; s < scan->sectors.size(); ++s) CHECK(scan->sectors[s] != SectorClass::Data);
}

TEST_CASE("checkLogSequence rejects breaks in the chain") {
  auto previousBytes = readCorpus("museum/SRUM/Win10/RathbunVM/Clean/SRU00008.log");
  auto nextBytes = readCorpus("museum/SRUM/Win10/RathbunVM/Clean/SRU.log");
  if (!previousBytes || !nextBytes) return;
  Result<LogFileScan> previous = scanLogFile(*previousBytes);
  Result<LogFileScan> next = scanLogFile(*nextBytes);
  REQUIRE(previous.isOk());
  REQUIRE(next.isOk());
  const LogFileHeader& a = previous->header;
  const LogFileHeader& b = next->header;
  CHECK(checkLogSequence(a, *previous, b).isOk());

  // Order reversed: not consecutive.
  CHECK(checkLogSequence(b, *next, a).code() == JetError::InvalidLogSequence);
  LogFileHeader changed = b;
  changed.previousGenerationCreated.seconds ^= 1;
  Status status = checkLogSequence(a, *previous, changed);
  CHECK(status.code() == JetError::InvalidLogSequence);
  CHECK(mentions(status, "offset 24"));
  changed = b;
  changed.generation += 1;
  CHECK(checkLogSequence(a, *previous, changed).code() == JetError::InvalidLogSequence);
  changed = b;
  changed.previousLogChecksum ^= 1;
  status = checkLogSequence(a, *previous, changed);
  CHECK(status.code() == JetError::LogSequenceChecksumMismatch);
  CHECK(mentions(status, "653"));
  changed.previousLogChecksum = 0;  // "not present"
  CHECK(checkLogSequence(a, *previous, changed).isOk());
  changed = b;
  changed.logSignature.random ^= 1;
  CHECK(checkLogSequence(a, *previous, changed).code() == JetError::BadLogSignature);
  // A version without the accumulated checksum does not check it.
  changed = b;
  changed.previousLogChecksum ^= 1;
  changed.version = {8, 4000, 4, 3};
  CHECK(checkLogSequence(a, *previous, changed).isOk());
}

TEST_CASE("log file names") {
  struct Case {
    const char* name;
    LogFileRole role;
    int32_t generation;
  };
  const Case good[] = {
      {"edb.log", LogFileRole::Current, 0},
      {"EDB.LOG", LogFileRole::Current, 0},
      {"edb.jtx", LogFileRole::Current, 0},
      {"j50.log", LogFileRole::Current, 0},
      {"edb0000A.log", LogFileRole::Archived, 10},
      {"edb0000a.log", LogFileRole::Archived, 10},
      {"edb00000A1F.log", LogFileRole::Archived, 0xA1F},
      {"SRU00051.log", LogFileRole::Archived, 0x51},
      {"USS00041.jtx", LogFileRole::Archived, 0x41},
      {"V01000FFFFF.log", LogFileRole::Archived, 0xFFFFF},
      {"edbtmp.log", LogFileRole::Temporary, 0},
      {"USStmp.jtx", LogFileRole::Temporary, 0},
      {"edbres00001.jrs", LogFileRole::Reserve, 0},
      {"srures00002.jrs", LogFileRole::Reserve, 0},
  };
  for (const Case& c : good) {
    const std::string shown = c.name;
    CAPTURE(shown);
    auto name = parseLogFileName(c.name);
    REQUIRE(name.has_value());
    CHECK(name->role == c.role);
    CHECK(name->generation == c.generation);
    CHECK(name->baseName.size() == 3);
  }
  CHECK(parseLogFileName("edbres00002.jrs")->reserveIndex == 2);
  CHECK(parseLogFileName("SRU00051.log")->baseName == "SRU");
  for (const char* bad : {"edb0000G.log", "edb000001.log", "edb0001.log", "edb.chk", "edbres0001.jrs", "edb.jrs",
                          "ab.log", "edb00000.log", "edbtmp.jrs", "SRUDB.dat", "edb", "edb0000A.log.gz"}) {
    const std::string shown = bad;
    CAPTURE(shown);
    CHECK_FALSE(parseLogFileName(bad).has_value());
  }
}

TEST_CASE("an archived log whose name disagrees with its generation: LogGenerationMismatch") {
  auto bytes = readCorpus("me5uts-appdata/IndexedDB/edb0000D.log");
  if (!bytes) return;
  Result<LogFileHeader> header = parseLogFileHeader(*bytes);
  REQUIRE(header.isOk());
  CHECK(checkLogFileName(*parseLogFileName("edb0000D.log"), *header).isOk());
  CHECK(checkLogFileName(*parseLogFileName("edb.log"), *header).isOk());  // current: only in the header
  const Status status = checkLogFileName(*parseLogFileName("edb0000C.log"), *header);
  CHECK(status.code() == JetError::LogGenerationMismatch);
  CHECK(mentions(status, "12"));
  CHECK(mentions(status, "13"));
}

TEST_CASE("content of placeholder files without a corpus") {
  CHECK(classifyLogFileContent({}) == LogFileContent::Empty);
  std::vector<uint8_t> zero(8192, 0);
  CHECK(classifyLogFileContent(zero) == LogFileContent::AllZero);
  std::vector<uint8_t> pattern(8192, 0xDA);
  for (size_t i = 0; i < pattern.size(); i += 16) pattern[i] = static_cast<uint8_t>(0xDA + i);
  CHECK(classifyLogFileContent(pattern) == LogFileContent::FillPattern);
  pattern[17] = 0;
  CHECK(classifyLogFileContent(pattern) == LogFileContent::Other);
  const LogFileIdentity zeroTmp = identifyLogFile("edbtmp.log", zero);
  CHECK(zeroTmp.spare);
  CHECK_FALSE(zeroTmp.partOfSequence);
  // An all-zero file named like a current log is not a spare: it has no header.
  const LogFileIdentity zeroCurrent = identifyLogFile("edb.log", zero);
  CHECK_FALSE(zeroCurrent.spare);
  CHECK_FALSE(zeroCurrent.partOfSequence);
}
