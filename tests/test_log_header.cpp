// LGFILEHDR: real headers parse to INVENTORY's values and re-serialize byte
// for byte; checksum and open-time checks give the right JET errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>

#include "esekit/format/checksum.h"
#include "esekit/format/log_header.h"
#include "log_test_corpus.h"

using namespace esekit;
using namespace esekit::test;

namespace {

std::string field(const FieldList& fields, const std::string& name) {
  for (const Field& f : fields.items())
    if (f.name == name) return f.value;
  return "<missing " + name + ">";
}

// A real, small header to mutate (S13 current log, 16 sectors).
std::optional<std::vector<uint8_t>> sampleLog() { return readCorpus("museum/SRUM/Win10/RathbunVM/Clean/SRU.log"); }

}  // namespace

TEST_CASE("every corpus log header verifies, matches INVENTORY and round-trips byte for byte") {
  size_t checked = 0;
  for (const CorpusLog& log : corpusLogs()) {
    CAPTURE(log.path);
    auto bytes = readCorpus(log.path);
    if (!bytes) return;
    CHECK(verifyLogFileHeaderChecksum(*bytes).isOk());
    Result<LogFileHeader> header = parseLogFileHeader(*bytes);
    REQUIRE(header.isOk());
    CHECK(header->generation == log.generation);
    CHECK(header->version.toString() == log.version);
    CHECK(header->sectorSize == log.sectorSize);
    CHECK(header->headerSectors == log.headerSectors);
    CHECK(header->fileSectors == log.fileSectors);
    CHECK(header->fileType == kLogFileType);
    CHECK(validateLogFileHeader(*header, bytes->size()).isOk());
    const bool legacy = std::string(log.version).rfind("7.3704.", 0) == 0;
    CHECK(header->format() == (legacy ? LogFormat::Legacy : LogFormat::Segments));
    const std::vector<uint8_t> again = serializeLogFileHeader(*header);
    REQUIRE(again.size() == kLogFileHeaderSize);
    CHECK(std::equal(again.begin(), again.end(), bytes->begin()));
    // Recomputing the checksum of an unchanged header gives the stored one.
    const std::vector<uint8_t> resealed = serializeLogFileHeader(*header, true);
    CHECK(std::equal(resealed.begin(), resealed.end(), bytes->begin()));
    ++checked;
  }
  if (corpusRoot()) CHECK(checked == 61);
}

TEST_CASE("attach list, DBMS parameters and describe() of a real header") {
  auto bytes = readCorpus("cortana-akarib/Indexed DB/edb.log");
  if (!bytes) return;
  Result<LogFileHeader> header = parseLogFileHeader(*bytes);
  REQUIRE(header.isOk());
  // INVENTORY: created 2018-10-27 00:41:39, previous 2018-10-17 21:24:06, flags 0x6,
  // checkpoint at creation gen 7, signature 76ce8288@2018-07-10 21:06:51, 32K pages.
  CHECK(header->created.toString().rfind("2018-10-27 00:41:39", 0) == 0);
  CHECK(header->previousGenerationCreated.toString().rfind("2018-10-17 21:24:06", 0) == 0);
  CHECK(header->flags == 0x6);
  CHECK(header->checkpointAtCreation.generation == 7);
  CHECK(header->logSignature.toString().rfind("76ce8288@2018-07-10 21:06:51", 0) == 0);
  CHECK(header->databasePageSize() == 32768);
  CHECK(header->dbmsParameters.circularLogging());
  CHECK(header->dbmsParameters.logFileSectors == 128);  // same as the file geometry
  REQUIRE(header->attachments.size() == 1);
  const AttachInfo& attach = header->attachments[0];
  CHECK(attach.dbid == 1);
  CHECK((attach.flags & AttachInfo::kFlagUnicodeNames) != 0);
  const std::string path = attach.name();
  CHECK(path.size() > 13);
  CHECK(path.substr(path.size() - 13) == "IndexedDB.edb");
  // The attached database's signature is its own, not the log's.
  CHECK_FALSE(attach.databaseSignature == header->logSignature);
  CHECK(attach.attachPosition.generation == 7);

  const FieldList fields = describe(*header);
  CHECK(field(fields, "generation") == "8");
  CHECK(field(fields, "version") == "8.4000.5.16");
  CHECK(field(fields, "fileSectors") == "128");
  CHECK(field(fields, "attachments.count") == "1");
  CHECK(field(fields, "attachments.0.path") == path);
}

TEST_CASE("legacy 7.3704 headers: 512-byte sectors, 8 header sectors, UTF-16 attach names") {
  auto bytes = readCorpus("windowslivemail-kimberli13/edb.log");
  if (!bytes) return;
  Result<LogFileHeader> header = parseLogFileHeader(*bytes);
  REQUIRE(header.isOk());
  CHECK(header->format() == LogFormat::Legacy);
  CHECK(header->sectorSize == 512);
  CHECK(header->headerSectors == 8);
  CHECK_FALSE(hasAccumulatedChecksum(header->version));
  REQUIRE(header->attachments.size() == 1);
  CHECK((header->attachments[0].flags & AttachInfo::kFlagUnicodeNames) != 0);  // UTF-16 names already in v7
  const std::string path = header->attachments[0].name();
  CHECK(path.substr(path.size() - 26) == "WindowsMail.MSMessageStore");
}

TEST_CASE("version classification") {
  CHECK(logFormatOf({8, 4000, 5, 16}) == LogFormat::Segments);
  CHECK(logFormatOf({7, 3704, 15, 0}) == LogFormat::Legacy);
  CHECK(logFormatOf({7, 3703, 15, 0}) == LogFormat::Unsupported);
  CHECK(logFormatOf({9, 4000, 0, 0}) == LogFormat::Unsupported);
  // checksums.md §7.1: accumulated checksum from unified minor 13 on.
  CHECK(hasAccumulatedChecksum({8, 4000, 5, 13}));
  CHECK(hasAccumulatedChecksum({8, 4000, 60, 140}));
  CHECK_FALSE(hasAccumulatedChecksum({8, 4000, 4, 3}));
  CHECK_FALSE(hasAccumulatedChecksum({7, 3704, 15, 0}));
  // log-format.md §4: 8.4000.2+ logs are zero-filled.
  CHECK(isZeroFilledVersion({8, 4000, 2, 0}));
  CHECK_FALSE(isZeroFilledVersion({8, 4000, 1, 0}));
  CHECK_FALSE(isZeroFilledVersion({7, 3704, 15, 0}));
}

TEST_CASE("header checksum mismatch is LogFileCorrupt at file offset 0") {
  auto bytes = sampleLog();
  if (!bytes) return;
  (*bytes)[100] ^= 0x10;
  const Status status = verifyLogFileHeaderChecksum(*bytes);
  CHECK(status.code() == JetError::LogFileCorrupt);
  CHECK(status.message().find("offset 0") != std::string::npos);
  // A bit in the padding is covered too (the checksum spans all 4096 bytes).
  (*bytes)[100] ^= 0x10;
  (*bytes)[4000] ^= 0x01;
  CHECK(verifyLogFileHeaderChecksum(*bytes).code() == JetError::LogFileCorrupt);
}

TEST_CASE("truncated header") {
  std::vector<uint8_t> small(4095, 0);
  CHECK(parseLogFileHeader(small).status().code() == JetError::LogFileCorrupt);
  CHECK(verifyLogFileHeaderChecksum(small).code() == JetError::LogFileCorrupt);
  CHECK(parseLogFileHeader({}).status().code() == JetError::LogFileCorrupt);
}

TEST_CASE("open-time header checks") {
  auto bytes = sampleLog();
  if (!bytes) return;
  Result<LogFileHeader> parsed = parseLogFileHeader(*bytes);
  REQUIRE(parsed.isOk());
  const LogFileHeader good = *parsed;
  CHECK(validateLogFileHeader(good, bytes->size()).isOk());
  CHECK(validateLogFileHeader(good, 0).isOk());  // size unknown

  LogFileHeader h = good;
  h.fileType = 4;  // a checkpoint
  CHECK(validateLogFileHeader(h, 0).code() == JetError::FileInvalidType);
  h = good;
  h.version.major = 9;
  CHECK(validateLogFileHeader(h, 0).code() == JetError::BadLogVersion);
  h = good;
  h.sectorSize = 512;  // segment logs must use 4096 (§2)
  h.headerSectors = 8;
  CHECK(validateLogFileHeader(h, 0).code() == JetError::LogFileCorrupt);
  h = good;
  h.headerSectors = 2;
  CHECK(validateLogFileHeader(h, 0).code() == JetError::LogFileCorrupt);
  h = good;
  h.fileSectors = 1;
  CHECK(validateLogFileHeader(h, 0).code() == JetError::LogFileCorrupt);
  const Status size = validateLogFileHeader(good, bytes->size() - 4096);
  CHECK(size.code() == JetError::LogFileSizeMismatch);
  CHECK(size.message().find("65536") != std::string::npos);  // what the header implies
}

TEST_CASE("attach list running past its area is LogFileCorrupt") {
  auto bytes = sampleLog();
  if (!bytes) return;
  // One entry claiming 4000 bytes of names at the start of the attach area.
  (*bytes)[log_header_offsets::kAttachArea] = 1;
  (*bytes)[log_header_offsets::kAttachArea + 2] = 0xA0;
  (*bytes)[log_header_offsets::kAttachArea + 3] = 0x0F;
  Result<LogFileHeader> header = parseLogFileHeader(*bytes);
  CHECK(header.status().code() == JetError::LogFileCorrupt);
  CHECK(header.status().message().find("offset 671") != std::string::npos);
}

TEST_CASE("a modified header serializes with a fresh checksum that verifies") {
  auto bytes = sampleLog();
  if (!bytes) return;
  Result<LogFileHeader> header = parseLogFileHeader(*bytes);
  REQUIRE(header.isOk());
  header->generation += 1;
  std::vector<uint8_t> stale = serializeLogFileHeader(*header);
  CHECK(verifyLogFileHeaderChecksum(stale).code() == JetError::LogFileCorrupt);
  std::vector<uint8_t> fresh = serializeLogFileHeader(*header, true);
  CHECK(verifyLogFileHeaderChecksum(fresh).isOk());
  Result<LogFileHeader> back = parseLogFileHeader(fresh);
  REQUIRE(back.isOk());
  CHECK(back->generation == header->generation);
  CHECK(back->attachments.size() == header->attachments.size());
}
