// File-kind detection: every corpus file against INVENTORY.md's "Kind" column,
// plus synthetic edge cases.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "corpus.h"
#include "esekit/format/checkpoint.h"
#include "esekit/format/checksum.h"
#include "esekit/format/database_header.h"
#include "esekit/format/file_kind.h"
#include "test_header_inventory.h"

using namespace esekit;
using namespace esekit::test;

namespace {

// INVENTORY's Kind column (plus its details for reserve logs) -> the expected kind.
FileKind expectedKind(const InventoryRow& row) {
  if (row.kind == "database") return FileKind::Database;
  if (row.kind == "log") return FileKind::Log;  // includes recycled edbtmp.log files (obs. 5)
  if (row.kind == "checkpoint") return FileKind::Checkpoint;
  if (row.kind == "flush map") return FileKind::FlushMap;
  if (row.kind == "backup patch file (.pat)") return FileKind::PatchFile;
  if (row.kind == "single database page (checksum test vector)") return FileKind::DatabasePage;
  if (row.kind == "text report (esentutl), not ESE") return FileKind::Unknown;
  if (row.kind == "reserve/pre-created log") {
    if (row.details == "all zero") return FileKind::AllZero;
    if (row.details.rfind("0xDA fill pattern", 0) == 0) return FileKind::ReserveLogPattern;
    if (row.details.rfind("no ESE header", 0) == 0) return FileKind::Unknown;
  }
  FAIL("INVENTORY kind not mapped: " << row.kind << " / " << row.details);
  return FileKind::Unknown;
}

}  // namespace

TEST_CASE("every corpus file is detected as the kind INVENTORY.md gives") {
  std::set<std::string> listed;
  size_t checked = 0;
  for (const InventoryRow& row : loadInventory()) {
    CAPTURE(row.path);
    auto path = corpusFile(row.path);
    REQUIRE(path);
    listed.insert(row.path);
    const std::vector<uint8_t> prefix = readPrefix(*path, kFileKindProbeSize);
    const FileKindDetection detection = inspectFileKind(prefix);
    CAPTURE(detection.reason);
    CHECK(detection.kind == expectedKind(row));
    if (detection.kind == FileKind::Database || detection.kind == FileKind::Log ||
        detection.kind == FileKind::Checkpoint || detection.kind == FileKind::FlushMap ||
        detection.kind == FileKind::PatchFile) {
      CHECK(detection.headerChecksumOk);  // INVENTORY: "hdr checksum OK" for all of them (obs. 2)
    }
    if (detection.kind == FileKind::Database) CHECK(std::to_string(detection.pageSize) == row.pageSize);
    ++checked;
  }
  if (!corpusRoot()) return;
  CHECK(checked >= 160);
  // And the inventory covers the whole corpus.
  for (const auto& file : corpusFiles()) {
    const std::string relative = std::filesystem::relative(file, *corpusRoot()).generic_string();
    if (relative == "INVENTORY.md") continue;
    CHECK_MESSAGE(listed.count(relative) == 1, "not in INVENTORY.md: " << relative);
  }
}

TEST_CASE("explicitly named cases of the brief") {
  auto kindOf = [](const std::string& relative) {
    auto path = corpusFile(relative);
    return path ? detectFileKind(readPrefix(*path, kFileKindProbeSize)) : FileKind::Unknown;
  };
  if (!corpusRoot()) return;
  CHECK(kindOf("museum/SRUM/Win10/RathbunVM/Clean/srures00002.jrs") == FileKind::Unknown);
  CHECK(kindOf("museum/SRUM/Win10/RathbunVM/Clean/SRUDB.INTEG.RAW") == FileKind::Unknown);
  CHECK(kindOf("museum/SRUM/Win10/RathbunVM/Clean/SRUres00001.jrs") == FileKind::AllZero);
  CHECK(kindOf("windowsmail-danyquenneville/Windows Mail/edbres00001.jrs") == FileKind::ReserveLogPattern);
  CHECK(kindOf("cortana-akarib/Indexed DB/edbtmp.log") == FileKind::Log);  // recycled gen 5
  CHECK(kindOf("windowslivemail-kimberli13/edb.log") == FileKind::Log);    // 7.3704, 512-byte sectors
  CHECK(kindOf("museum/NTDS/Win2012R2/StolenSzechuan/temp.edb") == FileKind::Database);  // file type 1
  CHECK(kindOf("dissect-esedb/large.edb.gz") == FileKind::Database);
}

TEST_CASE("synthetic inputs") {
  CHECK(detectFileKind({}) == FileKind::Empty);
  CHECK(detectFileKind(std::vector<uint8_t>(100, 0)) == FileKind::AllZero);
  CHECK(detectFileKind(std::vector<uint8_t>(65536, 0)) == FileKind::AllZero);

  std::vector<uint8_t> pattern(8192, 0xDA);
  for (size_t i = 0; i < pattern.size(); i += 16) pattern[i] = static_cast<uint8_t>(0xDA + i);
  CHECK(detectFileKind(pattern) == FileKind::ReserveLogPattern);
  pattern[5] = 0;
  CHECK(detectFileKind(pattern) == FileKind::Unknown);

  const std::string text = "Integrity check successful.\r\n";
  std::vector<uint8_t> textBytes;
  for (int i = 0; i < 200; ++i) textBytes.insert(textBytes.end(), text.begin(), text.end());
  CHECK(detectFileKind(textBytes) == FileKind::Unknown);
  CHECK(detectFileKind(Bytes(textBytes).first(10)) == FileKind::Unknown);

  std::mt19937 random(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<uint8_t> bytes(4096 + round);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(random());
    REQUIRE(detectFileKind(bytes) == FileKind::Unknown);
  }

  // A log header needs a verifying checksum (or a log version) to count.
  std::vector<uint8_t> log(4096, 0);
  log[1] = 1;
  storeLittleEndian<uint32_t>(log.data() + 667, 3);
  CHECK(detectFileKind(log) == FileKind::Unknown);
  checksum::setHeaderChecksum(log);
  CHECK(detectFileKind(log) == FileKind::Log);

  // Database: kind from the magic, checksum reported separately.
  DatabaseHeader h;
  h.pageSizeField = 8192;
  std::vector<uint8_t> db = serializeDatabaseHeader(h, 8192);
  FileKindDetection detection = inspectFileKind(db);
  CHECK(detection.kind == FileKind::Database);
  CHECK(detection.headerChecksumOk);
  CHECK(detection.pageSize == 8192);
  db[700] ^= 1;
  detection = inspectFileKind(db);
  CHECK(detection.kind == FileKind::Database);
  CHECK_FALSE(detection.headerChecksumOk);
  h.fileType = FileType::TempDatabase;
  CHECK(detectFileKind(serializeDatabaseHeader(h, 8192)) == FileKind::TempDatabase);

  Checkpoint checkpoint;
  checkpoint.checkpoint = {0, 1, 1};
  CHECK(detectFileKind(serializeCheckpointFile(checkpoint)) == FileKind::Checkpoint);

  // A database page with the new checksum format, whatever its page number.
  std::vector<uint8_t> page(8192, 0);
  for (size_t i = 40; i < 2000; ++i) page[i] = static_cast<uint8_t>(i * 7);
  storeLittleEndian<uint32_t>(page.data() + 36, checksum::kNewChecksumFormatFlag);
  checksum::setPageChecksum(page, 4711);
  CHECK(detectFileKind(page) == FileKind::DatabasePage);

  CHECK(fileKindName(FileKind::ReserveLogPattern) == "reserve log (0xDA fill pattern)");
  CHECK(fileTypeName(FileType::FlushMap) == "flush map");
  CHECK(fileTypeName(static_cast<FileType>(99)) == "unknown (0x00000063)");
}
