// Every record of the real Windows logs in the corpus decodes, and decoded
// fields agree with facts from other files (log headers, database headers).
// The segments are walked here just enough to reach the records
// (ese-format/log-format.md §5.2 for 8.4000, §9 for v7); checksums are not
// verified (the log reader does that).
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "corpus.h"
#include "esekit/format/log_record_decode.h"

using namespace esekit;

namespace {

constexpr size_t kSegmentSize = 4096;
constexpr size_t kSegmentHeaderSize = 40;  // LGSEGHDR

using Visitor = std::function<void(const LogRecord&)>;

struct Walk {
  std::vector<uint8_t> file;
  int32_t generation = 0;
  uint16_t fileSectors = 0;  // le_csecLGFile
  int records = 0;
  int reassembled = 0;
  int discardedChains = 0;             // torn fragment chains (log-format.md §5.2)
  std::vector<LogRecordType> lastTypes;  // the last non-NOP records, in order
};

void deliver(Walk& walk, const LogRecord& record, const Visitor& visit) {
  ++walk.records;
  walk.lastTypes.push_back(record.type);
  if (walk.lastTypes.size() > 4) walk.lastTypes.erase(walk.lastTypes.begin());
  visit(record);
}

// 8.4000: records of the segments that belong to this generation.
void walkSegments(Walk& walk, const Visitor& visit) {
  const Bytes file(walk.file);
  REQUIRE(ByteView(file).u16(8) == kSegmentSize);
  REQUIRE(file.size() == size_t{walk.fileSectors} * kSegmentSize);
  std::vector<uint8_t> chain;
  uint32_t chainTotal = 0;
  bool inChain = false;
  for (uint16_t sector = 1; sector + 1 < walk.fileSectors; ++sector) {
    const Bytes segment = file.subspan(size_t{sector} * kSegmentSize, kSegmentSize);
    // lgposSegment {0, isec, generation}: anything else is unused, stale or a shadow copy.
    if (ByteView(segment).u16(10) != sector || ByteView(segment).i32(12) != walk.generation) break;
    size_t at = kSegmentHeaderSize;
    while (at < kSegmentSize) {
      if (segment[at] == 0) {  // NOP fill
        ++at;
        continue;
      }
      INFO("sector " << sector << " byte " << at << " type " << logRecordTypeLabel(segment[at]));
      const Bytes rest = segment.subspan(at);
      auto length = logRecordLength(rest);
      REQUIRE_MESSAGE(length.isOk(), length.status().toString());
      REQUIRE(*length <= rest.size());  // never straddles a segment
      auto record = decodeLogRecord(rest.first(*length));
      REQUIRE_MESSAGE(record.isOk(), record.status().toString());
      at += *length;
      if (const auto* fragment = record->as<FragmentRecord>()) {
        if (fragment->totalSize) {
          REQUIRE_FALSE(inChain);
          inChain = true;
          chainTotal = *fragment->totalSize;
          chain.assign(fragment->data.begin(), fragment->data.end());
        } else {
          REQUIRE(inChain);
          REQUIRE(at == kSegmentHeaderSize + *length);  // continuation pieces open a segment
          chain.insert(chain.end(), fragment->data.begin(), fragment->data.end());
        }
        REQUIRE(chain.size() <= chainTotal);
        if (chain.size() == chainTotal) {
          auto whole = decodeLogRecord(chain);
          REQUIRE_MESSAGE(whole.isOk(), whole.status().toString());
          ++walk.reassembled;
          inChain = false;
          deliver(walk, *whole, visit);
        }
        continue;
      }
      if (inChain) {
        // Torn tail of a crash that recovery continued after: only allowed
        // when the next segment starts with one of these types (§5.2).
        REQUIRE(at == kSegmentHeaderSize + *length);
        REQUIRE((record->type == LogRecordType::RecoveryUndo || record->type == LogRecordType::RecoveryUndo2 ||
                 record->type == LogRecordType::UndoInfo));
        inChain = false;
        ++walk.discardedChains;
      }
      deliver(walk, *record, visit);
    }
  }
}

// v7: records run across sectors from the first data sector to the end of the
// range covered by the last LRCHECKSUM (cbNext = 0).
void walkLegacy(Walk& walk, const Visitor& visit) {
  const Bytes file(walk.file);
  const size_t sectorSize = ByteView(file).u16(8);
  size_t at = ByteView(file).u16(10) * sectorSize;
  size_t end = file.size();
  while (at < end) {
    INFO("offset " << at);
    auto length = logRecordLength(file.subspan(at));
    REQUIRE_MESSAGE(length.isOk(), length.status().toString());
    REQUIRE(*length <= file.size() - at);
    auto record = decodeLogRecord(file.subspan(at, *length));
    REQUIRE_MESSAGE(record.isOk(), record.status().toString());
    if (const auto* checksum = record->as<ChecksumRecord>()) {
      CHECK(checksum->bytesBackward == at % sectorSize);  // log-format.md §9
      if (checksum->bytesToNext == 0) end = at + 22 + checksum->bytesForward;
    }
    if (record->type != LogRecordType::Nop) deliver(walk, *record, visit);
    at += *length;
  }
  CHECK(at == end);  // records tile the checksummed range exactly
}

Walk walkLog(const std::filesystem::path& path, const Visitor& visit = [](const LogRecord&) {}) {
  Walk walk;
  walk.file = test::readFile(path);
  REQUIRE(walk.file.size() >= 4096);
  const ByteView header{Bytes(walk.file)};
  walk.generation = header.i32(4);
  walk.fileSectors = header.u16(12);
  if (header.u32(32) >= 8) {
    walkSegments(walk, visit);
  } else {
    walkLegacy(walk, visit);
  }
  return walk;
}

bool isLogFile(const std::filesystem::path& path) {
  const auto ext = path.extension();
  if (ext != ".log" && ext != ".jtx") return false;
  const auto bytes = test::readFile(path);
  return bytes.size() >= 4096 && loadLittleEndian<uint32_t>(bytes.data() + 667) == 3;  // JET_filetypeLog
}

}  // namespace

TEST_CASE("every record of every corpus log decodes, with consistent fields") {
  std::map<std::string, int> typeCounts;
  int logs = 0, records = 0, reassembled = 0, replaceD = 0;
  for (const auto& path : test::corpusFiles()) {
    if (!isLogFile(path)) continue;
    CAPTURE(path.string());
    ++logs;
    uint16_t headerSectors = 0;
    uint32_t pageSize = 0;
    auto visit = [&](const LogRecord& record) {
      ++typeCounts[std::string(logRecordTypeName(record.type))];
      if (const auto* init = record.as<InitRecord>()) {
        // The engine's log file size parameter is the file's sector count.
        CHECK(init->parameters.logFileSectors == headerSectors);
      }
      if (auto page = pagePrefix(record)) {
        CHECK(page->dbid >= 1);
        CHECK(page->dbid <= 6);
        // Every page operation advances the page dbtime, except UndoInfo,
        // which only records a before-image (equal times).
        if (record.type == LogRecordType::UndoInfo) {
          CHECK(page->dbtimeBefore <= page->dbtime);
        } else {
          CHECK(page->dbtimeBefore < page->dbtime);
        }
      }
      if (const auto* replace = record.as<ReplaceRecord>(); replace && replace->isDiff) {
        // Applying the diff to data of cbOldData bytes must give cbNewData bytes.
        ++replaceD;
        // Observed on every corpus log: DIFFHDR2 exactly when pages exceed 8 KiB
        // (13-bit DIFFHDR offsets cannot address larger pages).
        CHECK(replace->diff2 == (pageSize > 8192));
        const std::vector<uint8_t> before(replace->oldDataLength, 0x5A);
        auto after = replaceAfterImage(before, *replace);
        CHECK_MESSAGE(after.isOk(), after.status().toString());
      }
      CHECK(describe(record).items().size() >= 2);
    };
    const auto headerBytes = test::readFile(path);
    headerSectors = loadLittleEndian<uint16_t>(headerBytes.data() + 12);
    pageSize = loadLittleEndian<uint16_t>(headerBytes.data() + 14);  // le_cbPageSize, 0 = 4096
    if (pageSize == 0) pageSize = 4096;
    const Walk walk = walkLog(path, visit);
    records += walk.records;
    reassembled += walk.reassembled;
  }
  if (logs == 0) return;  // no corpus: skipped visibly by corpusFiles()
  std::string summary;
  for (const auto& [name, count] : typeCounts) summary += " " + name + "=" + std::to_string(count);
  MESSAGE(logs << " logs, " << records << " records (" << reassembled << " reassembled from fragments, " << replaceD
               << " ReplaceD):" << summary);
  CHECK(logs >= 50);
  CHECK(reassembled > 0);
  CHECK(replaceD > 1000);
}

TEST_CASE("S05 IndexedDB: CreateDB and DetachDB name the database and carry its signature") {
  auto log = test::corpusFile("me5uts-appdata/IndexedDB/edb.log");
  auto db = test::corpusFile("me5uts-appdata/IndexedDB/IndexedDB.edb");
  if (!log || !db) return;
  const auto dbFile = test::readFile(*db);
  const Signature signDb = Signature::parse(ByteView(Bytes(dbFile)), 24);  // database-header.md: signDb at 24
  int creates = 0, detaches = 0;
  std::vector<LogRecordType> firstTypes;
  walkLog(*log, [&](const LogRecord& record) {
    if (firstTypes.size() < 2) firstTypes.push_back(record.type);
    if (const auto* create = record.as<CreateDatabaseRecord>()) {
      ++creates;
      CHECK(create->dbid == 1);
      CHECK(create->signDb == signDb);
      CHECK(create->path.utf16);
      const std::string path = create->path.toUtf8();
      CHECK(path.ends_with("\\Indexed DB\\EDGE\\IndexedDB.edb"));
    }
    if (const auto* detach = record.as<DetachDatabaseRecord>()) {
      ++detaches;
      CHECK(detach->dbid == 1);
      CHECK(detach->path.toUtf8().ends_with("\\IndexedDB.edb"));
    }
  });
  CHECK(creates == 1);
  CHECK(detaches == 1);
  // A new log stream starts with the engine's Init2, then the database creation.
  REQUIRE(firstTypes.size() == 2);
  CHECK(firstTypes[0] == LogRecordType::Init2);
  CHECK(firstTypes[1] == LogRecordType::CreateDB);
}

TEST_CASE("S01 Cortana: every AttachDB carries the database and log signatures") {
  auto db = test::corpusFile("cortana-akarib/Indexed DB/IndexedDB.edb");
  if (!db) return;
  const auto dbFile = test::readFile(*db);
  const Signature signDb = Signature::parse(ByteView(Bytes(dbFile)), 24);
  int attaches = 0;
  for (const char* name : {"edb00006.log", "edb00007.log", "edb.log"}) {
    auto log = test::corpusFile(std::string("cortana-akarib/Indexed DB/") + name);
    if (!log) return;
    const auto logFile = test::readFile(*log);
    const Signature signLog = Signature::parse(ByteView(Bytes(logFile)), 44);  // log-format.md §3
    walkLog(*log, [&](const LogRecord& record) {
      if (const auto* attach = record.as<AttachDatabaseRecord>()) {
        ++attaches;
        CHECK(attach->dbid == 1);
        CHECK(attach->signDb == signDb);
        CHECK(attach->signLog == signLog);
        CHECK(attach->path.toUtf8().ends_with("\\Indexed DB\\IndexedDB.edb"));
      }
    });
  }
  if (attaches == 0) return;
  CHECK(attaches == 11 + 22 + 21);
}

TEST_CASE("S06 USS00041.jtx: a torn fragment chain followed by RecoveryUndo2 is discarded") {
  auto log = test::corpusFile("me5uts-appdata/UnistoreUSS/USS00041.jtx");
  if (!log) return;
  const Walk walk = walkLog(*log);
  CHECK(walk.discardedChains == 1);
}

TEST_CASE("v7 current logs end cleanly with ShutDownMark then Term2") {
  for (const char* relative : {"windowslivemail-kimberli13/edb.log", "windowsmail-danyquenneville/Windows Mail/edb.log"}) {
    auto log = test::corpusFile(relative);
    if (!log) return;
    CAPTURE(std::string(relative));
    const Walk walk = walkLog(*log);
    REQUIRE(walk.lastTypes.size() >= 2);
    // The final LRCHECKSUM precedes them and covers them with cbForwards.
    const auto n = walk.lastTypes.size();
    CHECK(walk.lastTypes[n - 2] == LogRecordType::ShutDownMark);
    CHECK(walk.lastTypes[n - 1] == LogRecordType::Term2);
  }
}
