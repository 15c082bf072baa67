// Database header (DBFILEHDR): layout, round trip, checksum and shadow rules,
// hostile input. Synthetic pages only; real files are in test_header_corpus.cpp.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "esekit/format/checksum.h"
#include "esekit/format/database_header.h"

using namespace esekit;

namespace {

LogTime timeOf(int year, int month, int day, int hour, int minute, int second) {
  LogTime t;
  t.yearSince1900 = static_cast<uint8_t>(year - 1900);
  t.month = static_cast<uint8_t>(month);
  t.day = static_cast<uint8_t>(day);
  t.hours = static_cast<uint8_t>(hour);
  t.minutes = static_cast<uint8_t>(minute);
  t.seconds = static_cast<uint8_t>(second);
  t.isUtc = true;
  return t;
}

DatabaseHeader sampleHeader(uint32_t pageSize) {
  DatabaseHeader h;
  h.formatUpdateMajor = 0x14;
  h.createFormatVersion = 0x620;
  h.createFormatUpdateMajor = 0x14;
  h.pageSizeField = pageSize;
  h.state = DatabaseState::DirtyShutdown;
  h.dbtimeDirtied = 25653;
  h.databaseSignature.random = 0x11223344;
  h.databaseSignature.created = timeOf(2020, 8, 1, 21, 48, 10);
  h.logSignature.random = 0xa3dd42de;
  h.logSignature.created = timeOf(2020, 8, 1, 21, 48, 10);
  h.minRequiredGeneration = 81;
  h.maxRequiredGeneration = 81;
  h.consistentPosition = {0x1cb, 9, 81};
  h.attachPosition = {0, 8, 81};
  h.dbid = 1;
  h.fileType = FileType::Database;
  return h;
}

std::vector<uint8_t> sampleFile(uint32_t pageSize) {
  std::vector<uint8_t> page = serializeDatabaseHeader(sampleHeader(pageSize), pageSize);
  std::vector<uint8_t> file = page;
  file.insert(file.end(), page.begin(), page.end());  // shadow copy
  file.resize(file.size() + pageSize, 0);             // page 1 of the database proper, zero here
  return file;
}

template <typename T>
T at(const std::vector<uint8_t>& page, size_t offset) {
  return loadLittleEndian<T>(page.data() + offset);
}

}  // namespace

TEST_CASE("DBFILEHDR layout: every scalar lands at the offset database-header.md §3 gives") {
  DatabaseHeader h;
  // Distinct values so a swapped or shifted field shows up.
  uint32_t next = 0x01020300;
  auto v32 = [&] { return next += 0x11; };
  h.magic = kDatabaseMagic;
  h.formatVersion = v32(); h.attributes = v32(); h.dbtimeDirtied = 0x0102030405060708;
  h.state = static_cast<DatabaseState>(v32()); h.dbid = v32(); h.databaseFlags = v32(); h.lastObjectId = v32();
  h.osMajorVersion = v32(); h.osMinorVersion = v32(); h.osBuildNumber = v32(); h.osServicePack = v32();
  h.formatUpdateMajor = v32(); h.pageSizeField = 4096; h.repairCount = v32(); h.lastScrubDbtime = 0x1112131415161718;
  h.minRequiredGeneration = static_cast<int32_t>(v32()); h.maxRequiredGeneration = static_cast<int32_t>(v32());
  h.upgrade55FormatPages = v32(); h.upgradeFreePages = v32(); h.upgradeSpaceMapPages = v32();
  h.createFormatVersion = v32(); h.createFormatUpdateMajor = v32();
  h.previousFullBackupType = static_cast<BackupType>(v32()); h.previousIncrementalBackupType = static_cast<BackupType>(v32());
  h.repairCountOld = v32(); h.eccFixSuccessCount = v32(); h.eccFixSuccessCountOld = v32(); h.eccFixFailCount = v32();
  h.eccFixFailCountOld = v32(); h.badChecksumCount = v32(); h.badChecksumCountOld = v32();
  h.maxCommittedGeneration = static_cast<int32_t>(v32());
  h.previousCopyBackupType = static_cast<BackupType>(v32()); h.previousDifferentialBackupType = static_cast<BackupType>(v32());
  h.incrementalReseedCount = v32(); h.incrementalReseedCountOld = v32(); h.pagePatchCount = v32(); h.pagePatchCountOld = v32();
  h.sortVersion = 0x2122232425262728; h.dbscanHighestContinuousPage = v32(); h.recoveringGeneration = static_cast<int32_t>(v32());
  h.extendCount = v32(); h.shrinkCount = v32(); h.trimCount = v32(); h.minConsistentGeneration = static_cast<int32_t>(v32());
  h.formatUpdateMinor = v32(); h.maxAttachedEngineFormatVersion = v32(); h.dbscanHighestPage = v32();
  h.fileType = FileType::Database; h.preRedoMinConsistentGeneration = static_cast<int32_t>(v32());
  h.preRedoMinRequiredGeneration = static_cast<int32_t>(v32()); h.revertCount = v32(); h.revertPageCount = v32();
  h.consistentPosition = {1, 2, 3}; h.attachPosition = {4, 5, 6}; h.detachPosition = {7, 8, 9};
  h.lastReattachPosition = {10, 11, 12}; h.lastResizePosition = {13, 14, 15}; h.commitPositionBeforeRevert = {16, 17, 18};
  h.maxRequiredGenerationCreateTime = timeOf(2024, 7, 27, 0, 23, 4);
  h.databaseSignature.random = 0xd0d0d0d0; h.logSignature.random = 0xe0e0e0e0;
  h.headerFlushSignature.random = 0xf1f1f1f1; h.flushMapHeaderFlushSignature.random = 0xf2f2f2f2;
  h.revertSnapshotHeaderFlushSignature.random = 0xf3f3f3f3;
  h.previousFullBackup.generationLow = 0xb1; h.previousIncrementalBackup.generationLow = 0xb2;
  h.currentFullBackup.generationLow = 0xb3; h.currentSnapshotBackup.generationLow = 0xb4;
  h.previousCopyBackup.generationLow = 0xb5; h.previousDifferentialBackup.generationLow = 0xb6;

  const std::vector<uint8_t> p = serializeDatabaseHeader(h, 4096);
  REQUIRE(p.size() == 4096);
  CHECK(at<uint32_t>(p, 4) == 0x89ABCDEF);
  CHECK(at<uint32_t>(p, 8) == h.formatVersion);
  CHECK(at<uint32_t>(p, 12) == h.attributes);
  CHECK(at<int64_t>(p, 16) == h.dbtimeDirtied);
  CHECK(at<uint32_t>(p, 24) == 0xd0d0d0d0);
  CHECK(at<uint32_t>(p, 52) == static_cast<uint32_t>(h.state));
  CHECK(at<uint64_t>(p, 56) == h.consistentPosition.packed());
  CHECK(at<uint64_t>(p, 80) == h.attachPosition.packed());
  CHECK(at<uint64_t>(p, 96) == h.detachPosition.packed());
  CHECK(at<uint32_t>(p, 104) == h.dbid);
  CHECK(at<uint32_t>(p, 108) == 0xe0e0e0e0);
  CHECK(at<uint32_t>(p, 136 + 16) == 0xb1);
  CHECK(at<uint32_t>(p, 160 + 16) == 0xb2);
  CHECK(at<uint32_t>(p, 184 + 16) == 0xb3);
  CHECK(at<uint32_t>(p, 208) == h.databaseFlags);
  CHECK(at<uint32_t>(p, 212) == h.lastObjectId);
  CHECK(at<uint32_t>(p, 216) == h.osMajorVersion);
  CHECK(at<uint32_t>(p, 220) == h.osMinorVersion);
  CHECK(at<uint32_t>(p, 224) == h.osBuildNumber);
  CHECK(at<uint32_t>(p, 228) == h.osServicePack);
  CHECK(at<uint32_t>(p, 232) == h.formatUpdateMajor);
  CHECK(at<uint32_t>(p, 236) == 4096);
  CHECK(at<uint32_t>(p, 240) == h.repairCount);
  CHECK(at<int64_t>(p, 280) == h.lastScrubDbtime);
  CHECK(at<int32_t>(p, 296) == h.minRequiredGeneration);
  CHECK(at<int32_t>(p, 300) == h.maxRequiredGeneration);
  CHECK(at<uint32_t>(p, 304) == h.upgrade55FormatPages);
  CHECK(at<uint32_t>(p, 308) == h.upgradeFreePages);
  CHECK(at<uint32_t>(p, 312) == h.upgradeSpaceMapPages);
  CHECK(at<uint32_t>(p, 316 + 16) == 0xb4);
  CHECK(at<uint32_t>(p, 340) == h.createFormatVersion);
  CHECK(at<uint32_t>(p, 344) == h.createFormatUpdateMajor);
  CHECK(at<uint32_t>(p, 356) == static_cast<uint32_t>(h.previousFullBackupType));
  CHECK(at<uint32_t>(p, 360) == static_cast<uint32_t>(h.previousIncrementalBackupType));
  CHECK(at<uint32_t>(p, 364) == h.repairCountOld);
  CHECK(at<uint32_t>(p, 368) == h.eccFixSuccessCount);
  CHECK(at<uint32_t>(p, 380) == h.eccFixSuccessCountOld);
  CHECK(at<uint32_t>(p, 384) == h.eccFixFailCount);
  CHECK(at<uint32_t>(p, 396) == h.eccFixFailCountOld);
  CHECK(at<uint32_t>(p, 400) == h.badChecksumCount);
  CHECK(at<uint32_t>(p, 412) == h.badChecksumCountOld);
  CHECK(at<int32_t>(p, 416) == h.maxCommittedGeneration);
  CHECK(at<uint32_t>(p, 420 + 16) == 0xb5);
  CHECK(at<uint32_t>(p, 444 + 16) == 0xb6);
  CHECK(at<uint32_t>(p, 468) == static_cast<uint32_t>(h.previousCopyBackupType));
  CHECK(at<uint32_t>(p, 472) == static_cast<uint32_t>(h.previousDifferentialBackupType));
  CHECK(at<uint32_t>(p, 476) == h.incrementalReseedCount);
  CHECK(at<uint32_t>(p, 488) == h.incrementalReseedCountOld);
  CHECK(at<uint32_t>(p, 492) == h.pagePatchCount);
  CHECK(at<uint32_t>(p, 504) == h.pagePatchCountOld);
  CHECK(at<uint64_t>(p, 508) == h.sortVersion);
  CHECK(at<uint32_t>(p, 532) == h.dbscanHighestContinuousPage);
  CHECK(at<int32_t>(p, 536) == h.recoveringGeneration);
  CHECK(at<uint32_t>(p, 540) == h.extendCount);
  CHECK(at<uint32_t>(p, 552) == h.shrinkCount);
  CHECK(at<uint64_t>(p, 572) == h.lastReattachPosition.packed());
  CHECK(at<uint32_t>(p, 580) == h.trimCount);
  CHECK(at<uint32_t>(p, 584) == 0xf1f1f1f1);
  CHECK(at<uint32_t>(p, 612) == 0xf2f2f2f2);
  CHECK(at<int32_t>(p, 640) == h.minConsistentGeneration);
  CHECK(at<uint32_t>(p, 644) == h.formatUpdateMinor);
  CHECK(at<uint32_t>(p, 648) == h.maxAttachedEngineFormatVersion);
  CHECK(at<uint32_t>(p, 652) == h.dbscanHighestPage);
  CHECK(at<uint64_t>(p, 656) == h.lastResizePosition.packed());
  CHECK(at<uint32_t>(p, 664) == 0x01000000u);  // libesedb's "unknown flags" = filetype << 24 (§8)
  CHECK(at<uint32_t>(p, 667) == 1);
  CHECK(p[677] == 2024 - 1900);                 // logtimeGenMaxRequired.bYear at 672 + 5
  CHECK(at<int32_t>(p, 680) == h.preRedoMinConsistentGeneration);
  CHECK(at<int32_t>(p, 684) == h.preRedoMinRequiredGeneration);
  CHECK(at<uint32_t>(p, 688) == 0xf3f3f3f3);
  CHECK(at<uint32_t>(p, 716) == h.revertCount);
  CHECK(at<uint32_t>(p, 736) == h.revertPageCount);
  CHECK(at<uint64_t>(p, 740) == h.commitPositionBeforeRevert.packed());
  for (size_t i = kDatabaseHeaderSize; i < p.size(); ++i) REQUIRE(p[i] == 0);
  // The stored checksum is the legacy XOR over the page.
  CHECK(at<uint32_t>(p, 0) == checksum::legacyXor(p));

  Result<DatabaseHeader> back = parseDatabaseHeader(p);
  REQUIRE(back.isOk());
  CHECK(back->checksum == at<uint32_t>(p, 0));
  DatabaseHeader expected = h;
  expected.checksum = back->checksum;
  CHECK(*back == expected);
}

TEST_CASE("structure sizes") {
  CHECK(kDatabaseHeaderSize == 748);
  CHECK(kFileTypeOffset == 667);
  CHECK(LogPosition::kSize == 8);
  CHECK(LogTime::kSize == 8);
  CHECK(Signature::kSize == 28);
  CHECK(BackupInfo::kSize == 24);
}

TEST_CASE("round trip at every page size; page size 0 means 4096") {
  for (uint32_t pageSize : {2048u, 4096u, 8192u, 16384u, 32768u}) {
    CAPTURE(pageSize);
    const std::vector<uint8_t> page = serializeDatabaseHeader(sampleHeader(pageSize), pageSize);
    REQUIRE(page.size() == pageSize);
    Result<DatabaseHeader> parsed = parseDatabaseHeader(page);
    REQUIRE(parsed.isOk());
    CHECK(parsed->pageSize() == pageSize);
    CHECK(serializeDatabaseHeader(*parsed, pageSize) == page);
  }
  DatabaseHeader legacy = sampleHeader(0);
  const std::vector<uint8_t> page = serializeDatabaseHeader(legacy, 4096);
  Result<DatabaseHeader> parsed = parseDatabaseHeader(page);
  REQUIRE(parsed.isOk());
  CHECK(parsed->pageSizeField == 0);
  CHECK(parsed->pageSize() == 4096);
}

TEST_CASE("a non-zero page tail survives the round trip and is covered by the checksum") {
  DatabaseHeader h = sampleHeader(8192);
  std::vector<uint8_t> page = serializeDatabaseHeader(h, 8192);
  page[6000] = 0x5A;  // beyond the first 4096 bytes
  CHECK(parseDatabaseHeader(page).status().code() == JetError::ReadVerifyFailure);
  checksum::setHeaderChecksum(page);
  Result<DatabaseHeader> parsed = parseDatabaseHeader(page);
  REQUIRE(parsed.isOk());
  REQUIRE(parsed->pageTail.size() == 8192 - kDatabaseHeaderSize);
  CHECK(parsed->pageTail[6000 - kDatabaseHeaderSize] == 0x5A);
  CHECK(serializeDatabaseHeader(*parsed, 8192) == page);
}

TEST_CASE("a flipped bit fails the checksum with ReadVerifyFailure naming the offset") {
  std::vector<uint8_t> page = serializeDatabaseHeader(sampleHeader(4096), 4096);
  page[300] ^= 0x10;  // le_lGenMaxRequired
  Result<DatabaseHeader> parsed = parseDatabaseHeader(page);
  REQUIRE_FALSE(parsed.isOk());
  CHECK(parsed.status().code() == JetError::ReadVerifyFailure);
  CHECK(parsed.status().message().find("file offset 0") != std::string::npos);
  CHECK(parsed.status().message().find("differing bits 0x00000010") != std::string::npos);
  Status direct = verifyHeaderChecksum(page, 4096);
  CHECK(direct.code() == JetError::ReadVerifyFailure);
  CHECK(direct.message().find("file offset 4096") != std::string::npos);
  // The damaged copy can still be dumped on request.
  Result<DatabaseHeader> forced = parseDatabaseHeader(page, HeaderChecksumPolicy::Ignore);
  REQUIRE(forced.isOk());
  CHECK(forced->maxRequiredGeneration == (81 ^ 0x10));
}

TEST_CASE("hostile input gives a clear error, never a crash") {
  SUBCASE("empty and truncated") {
    CHECK(parseDatabaseHeader({}).status().code() == JetError::InvalidDatabase);
    const std::vector<uint8_t> page = serializeDatabaseHeader(sampleHeader(8192), 8192);
    Result<DatabaseHeader> shortPage = parseDatabaseHeader(Bytes(page).first(700));
    CHECK(shortPage.status().code() == JetError::InvalidDatabase);
    CHECK(shortPage.status().message().find("truncated") != std::string::npos);
    Result<DatabaseHeader> halfPage = parseDatabaseHeader(Bytes(page).first(4096));
    CHECK(halfPage.status().code() == JetError::InvalidDatabase);
    CHECK(halfPage.status().message().find("8192") != std::string::npos);
    CHECK(readDatabaseHeader(Bytes(page).first(100)).status().code() == JetError::InvalidDatabase);
  }
  SUBCASE("all zero") {
    const std::vector<uint8_t> zero(65536, 0);
    Result<DatabaseHeader> parsed = parseDatabaseHeader(zero);
    CHECK(parsed.status().code() == JetError::InvalidDatabase);
    CHECK(parsed.status().message().find("offset 4") != std::string::npos);
    CHECK(readDatabaseHeader(zero).status().code() == JetError::InvalidDatabase);
  }
  SUBCASE("random bytes") {
    std::mt19937 random(1234);
    for (int round = 0; round < 50; ++round) {
      std::vector<uint8_t> bytes(4096 + round * 97);
      for (uint8_t& b : bytes) b = static_cast<uint8_t>(random());
      CHECK_FALSE(parseDatabaseHeader(bytes).isOk());
      CHECK_FALSE(readDatabaseHeader(bytes).isOk());
    }
  }
  SUBCASE("another kind of ESE file") {
    std::vector<uint8_t> page(4096, 0);
    storeLittleEndian<uint32_t>(page.data() + 667, 3);  // a log
    checksum::setHeaderChecksum(page);
    Result<DatabaseHeader> parsed = parseDatabaseHeader(page);
    CHECK(parsed.status().code() == JetError::FileInvalidType);
    CHECK(parsed.status().message().find("log") != std::string::npos);
  }
  SUBCASE("implausible page size field") {
    DatabaseHeader h = sampleHeader(4096);
    h.pageSizeField = 12345;
    const std::vector<uint8_t> page = serializeDatabaseHeader(h, 16384);
    Result<DatabaseHeader> parsed = parseDatabaseHeader(page);
    CHECK(parsed.status().code() == JetError::InvalidDatabase);
    CHECK(parsed.status().message().find("offset 236") != std::string::npos);
  }
  SUBCASE("serialize refuses impossible page sizes") {
    CHECK(serializeDatabaseHeader(sampleHeader(4096), 100).empty());
    CHECK(serializeDatabaseHeader(sampleHeader(4096), 4098).empty());
  }
}

TEST_CASE("header and shadow: ESE's choice of copy (§5)") {
  const std::vector<uint8_t> file = sampleFile(8192);
  const Bytes all(file);
  const Bytes primary = all.first(8192);
  const Bytes shadow = all.subspan(8192, 8192);

  SUBCASE("both good and identical: primary") {
    ShadowedHeaderCheck check = compareHeaderAndShadow(primary, shadow);
    CHECK(check.use == HeaderSource::Primary);
    CHECK(check.identical);
    CHECK(check.firstDifference == -1);
    CHECK(check.status().isOk());
  }
  SUBCASE("primary damaged: shadow, and the damage is located") {
    std::vector<uint8_t> damaged = file;
    damaged[1000] ^= 0x01;
    Result<DatabaseHeaderRead> read = readDatabaseHeader(damaged);
    REQUIRE(read.isOk());
    CHECK(read->check.use == HeaderSource::Shadow);
    CHECK(read->check.primary.state == HeaderCopyState::ChecksumMismatch);
    CHECK(read->check.shadow.state == HeaderCopyState::Good);
    CHECK(read->check.firstDifference == 1000);
    CHECK(read->check.primary.status.code() == JetError::ReadVerifyFailure);
    CHECK(read->check.primary.status.message().find("offset 1000") != std::string::npos);
    CHECK(read->header.dbid == 1);
  }
  SUBCASE("shadow damaged: primary, shadow reported bad") {
    std::vector<uint8_t> damaged = file;
    damaged[8192 + 52] ^= 0x04;
    Result<DatabaseHeaderRead> read = readDatabaseHeader(damaged);
    REQUIRE(read.isOk());
    CHECK(read->check.use == HeaderSource::Primary);
    CHECK(read->check.shadow.state == HeaderCopyState::ChecksumMismatch);
    CHECK(read->check.shadow.status.message().find("file offset 8244") != std::string::npos);
  }
  SUBCASE("both good but different: primary, shadow reported as differing") {
    DatabaseHeader other = sampleHeader(8192);
    other.dbtimeDirtied += 1;
    const std::vector<uint8_t> otherPage = serializeDatabaseHeader(other, 8192);
    ShadowedHeaderCheck check = compareHeaderAndShadow(primary, otherPage);
    CHECK(check.use == HeaderSource::Primary);
    CHECK_FALSE(check.identical);
    CHECK(check.shadow.state == HeaderCopyState::DiffersFromPrimary);
  }
  SUBCASE("both damaged: ReadVerifyFailure naming both copies") {
    std::vector<uint8_t> damaged = file;
    damaged[100] ^= 0x80;
    damaged[8192 + 200] ^= 0x80;
    Result<DatabaseHeaderRead> read = readDatabaseHeader(damaged);
    REQUIRE_FALSE(read.isOk());
    CHECK(read.status().code() == JetError::ReadVerifyFailure);
    CHECK(read.status().message().find("page 0") != std::string::npos);
    CHECK(read.status().message().find("page 1") != std::string::npos);
  }
  SUBCASE("no shadow (file of one page): primary alone is enough") {
    Result<DatabaseHeaderRead> read = readDatabaseHeader(primary);
    REQUIRE(read.isOk());
    CHECK(read->check.use == HeaderSource::Primary);
    CHECK(read->check.shadow.state == HeaderCopyState::Missing);
  }
  SUBCASE("page-size field damaged in the primary: the probe still finds the shadow") {
    std::vector<uint8_t> damaged = file;
    storeLittleEndian<uint32_t>(damaged.data() + 236, 4096);
    Result<DatabaseHeaderRead> read = readDatabaseHeader(damaged);
    REQUIRE(read.isOk());
    CHECK(read->check.pageSize == 8192);
    CHECK(read->check.use == HeaderSource::Shadow);
    CHECK(read->check.firstDifference == 237);
    CHECK(read->header.pageSize() == 8192);
  }
}

TEST_CASE("readDatabaseHeader probes every page size") {
  for (uint32_t pageSize : {2048u, 4096u, 8192u, 16384u, 32768u}) {
    CAPTURE(pageSize);
    Result<DatabaseHeaderRead> read = readDatabaseHeader(sampleFile(pageSize));
    REQUIRE(read.isOk());
    CHECK(read->check.pageSize == pageSize);
    CHECK(read->check.use == HeaderSource::Primary);
    CHECK(read->check.identical);
  }
}

TEST_CASE("state names and describe()") {
  CHECK(databaseStateName(DatabaseState::CleanShutdown) == "Clean Shutdown");
  CHECK(databaseStateName(DatabaseState::DirtyAndPatchedShutdown) == "Dirty And Patched Shutdown");
  CHECK(databaseStateName(static_cast<DatabaseState>(42)) == "unknown (42)");
  DatabaseHeader h = sampleHeader(4096);
  CHECK(h.formatVersionString() == "0x620,20");
  const FieldList fields = describe(h);
  auto find = [&](const std::string& name) -> const Field* {
    for (const Field& f : fields.items())
      if (f.name == name) return &f;
    return nullptr;
  };
  REQUIRE(find("state") != nullptr);
  CHECK(find("state")->value == "Dirty Shutdown");
  REQUIRE(find("logRequired.min") != nullptr);
  CHECK(find("logRequired.min")->value == "81");
  REQUIRE(find("formatVersion") != nullptr);
  CHECK(find("formatVersion")->value == "0x620,20");
  REQUIRE(find("logSignature.random") != nullptr);
  CHECK(find("logSignature.random")->display == "0xa3dd42de");
  CHECK(find("lastConsistent.position")->value == "(00000051,0009,01CB)");
  CHECK(find("previousFullBackup.logGenHigh") != nullptr);
  CHECK(find("currentShadowCopyBackup.mark") != nullptr);
  CHECK(find("revert.commitPositionBeforeRevert") != nullptr);
  // Names are unique so JSON output cannot collide.
  for (size_t i = 0; i < fields.items().size(); ++i)
    for (size_t j = i + 1; j < fields.items().size(); ++j) REQUIRE(fields.items()[i].name != fields.items()[j].name);
}
