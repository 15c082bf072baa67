// Checkpoint file: layout, both copies, attach list, hostile input.
// Real files are covered in test_header_corpus.cpp.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "esekit/format/checkpoint.h"
#include "esekit/format/checksum.h"

using namespace esekit;

namespace {

AttachInfo sampleAttachment(uint8_t dbid, const std::u16string& name) {
  AttachInfo a;
  a.dbid = dbid;
  a.flags = AttachInfo::kFlagUnicodeNames;
  a.dbtime = 0x23301;
  a.lastObjectId = 218;
  a.attachPosition = {0x268, 0x2ea, 3};
  a.consistentPosition = {0x1b8, 0x2e8, 3};
  a.databaseSignature.random = 0xc1339a86;
  for (char16_t c : name) {
    a.nameBytes.push_back(static_cast<uint8_t>(c & 0xFF));
    a.nameBytes.push_back(static_cast<uint8_t>(c >> 8));
  }
  a.nameBytes.push_back(0);
  a.nameBytes.push_back(0);
  return a;
}

Checkpoint sampleCheckpoint() {
  Checkpoint c;
  c.checkpoint = {0, 9, 81};
  c.databaseConsistencyPosition = {0, 9, 81};
  c.logSignature.random = 0xa3dd42de;
  c.logSignature.created.yearSince1900 = 120;
  c.logSignature.created.month = 8;
  c.logSignature.created.day = 1;
  const char path[] = "C:\\Windows\\system32\\SRU\\";
  std::memcpy(c.dbmsParameters.systemPath.data(), path, sizeof path);
  std::memcpy(c.dbmsParameters.logFilePath.data(), path, sizeof path);
  c.dbmsParameters.flags = DbmsParameters::kFlagCircularLogging;
  c.dbmsParameters.sessionsMax = 16;
  c.dbmsParameters.logFileSectors = 16;
  return c;
}

template <typename T>
T at(const std::vector<uint8_t>& bytes, size_t offset) {
  return loadLittleEndian<T>(bytes.data() + offset);
}

}  // namespace

TEST_CASE("CHECKPOINT layout per checkpoint-and-backup.md §1 and log-format.md §3.1") {
  CHECK(kCheckpointFixedSize == 679);
  CHECK(DbmsParameters::kSize == 567);
  CHECK(kCheckpointAttachOffset + kAttachAreaSize == 2727);
  Checkpoint c = sampleCheckpoint();
  c.lastFullBackupCheckpoint = {1, 2, 3};
  c.fullBackupPosition = {4, 5, 6};
  c.incrementalBackupPosition = {7, 8, 9};
  c.fullBackupTime.yearSince1900 = 118;
  c.incrementalBackupTime.yearSince1900 = 119;
  c.dbmsParameters.openTablesMax = 0x1111;
  c.dbmsParameters.versionPagesMax = 0x2222;
  c.dbmsParameters.cursorsMax = 0x3333;
  c.dbmsParameters.logBuffers = 0x4444;
  c.dbmsParameters.cacheSizeMax = 0x5555;
  c.version = 1;
  const std::vector<uint8_t> b = serializeCheckpoint(c);
  REQUIRE(b.size() == 4096);
  CHECK(at<uint32_t>(b, 0) == checksum::legacyXor(b));
  CHECK(at<uint64_t>(b, 4) == c.lastFullBackupCheckpoint.packed());
  CHECK(at<int32_t>(b, 16) == 81);  // generation of le_lgposCheckpoint (INVENTORY obs. 1)
  CHECK(at<uint32_t>(b, 20) == 0xa3dd42de);
  CHECK(std::string(reinterpret_cast<const char*>(b.data() + 48)) == "C:\\Windows\\system32\\SRU\\");
  CHECK(std::string(reinterpret_cast<const char*>(b.data() + 48 + 261)) == "C:\\Windows\\system32\\SRU\\");
  CHECK(b[48 + 522] == 1);
  CHECK(at<uint32_t>(b, 48 + 523) == 16);
  CHECK(at<uint32_t>(b, 48 + 527) == 0x1111);
  CHECK(at<uint32_t>(b, 48 + 531) == 0x2222);
  CHECK(at<uint32_t>(b, 48 + 535) == 0x3333);
  CHECK(at<uint32_t>(b, 48 + 539) == 0x4444);
  CHECK(at<uint32_t>(b, 48 + 543) == 16);
  CHECK(at<uint32_t>(b, 48 + 547) == 0x5555);
  CHECK(at<uint64_t>(b, 615) == c.fullBackupPosition.packed());
  CHECK(b[623 + 5] == 118);
  CHECK(at<uint64_t>(b, 631) == c.incrementalBackupPosition.packed());
  CHECK(b[639 + 5] == 119);
  CHECK(b[647] == 1);
  CHECK(at<uint64_t>(b, 648) == c.databaseConsistencyPosition.packed());
  CHECK(at<uint32_t>(b, 667) == 4);
  Result<Checkpoint> back = parseCheckpoint(b);
  REQUIRE(back.isOk());
  Checkpoint expected = c;
  expected.checksum = at<uint32_t>(b, 0);
  CHECK(*back == expected);
}

TEST_CASE("attach list: round trip, UTF-16 names, hostile lengths") {
  Checkpoint c = sampleCheckpoint();
  const std::vector<AttachInfo> entries{sampleAttachment(1, u"C:\\Windows\\NTDS\\ntds.dit"),
                                        sampleAttachment(2, u"D:\\b\u00e9\U0001F600.edb")};
  REQUIRE(setAttachments(c, entries).isOk());
  CHECK(c.hasAttachList());
  const std::vector<uint8_t> b = serializeCheckpoint(c);
  CHECK(b[679] == 1);
  CHECK(b[680] == AttachInfo::kFlagUnicodeNames);
  CHECK(at<uint16_t>(b, 681) == 50);  // 24 characters + NUL, UTF-16
  CHECK(b[679 + 64] == 'C');
  Result<Checkpoint> back = parseCheckpoint(b);
  REQUIRE(back.isOk());
  Result<std::vector<AttachInfo>> list = attachments(*back);
  REQUIRE(list.isOk());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0] == entries[0]);
  CHECK((*list)[0].name() == "C:\\Windows\\NTDS\\ntds.dit");
  CHECK((*list)[1].name() == "D:\\b\xC3\xA9\xF0\x9F\x98\x80.edb");

  SUBCASE("names running past the area") {
    std::array<uint8_t, 200> area{};
    area[0] = 1;
    storeLittleEndian<uint16_t>(area.data() + 2, 500);
    Result<std::vector<AttachInfo>> bad = parseAttachList(area, 679);
    CHECK(bad.status().code() == JetError::CheckpointCorrupt);
    CHECK(bad.status().message().find("offset 679") != std::string::npos);
  }
  SUBCASE("entry header running past the area") {
    std::array<uint8_t, 2048> area{};
    const size_t last = 2048 - 10;
    area[0] = 1;  // one entry whose names end where a truncated second entry starts
    storeLittleEndian<uint16_t>(area.data() + 2, static_cast<uint16_t>(last - 64));
    area[last] = 3;
    Result<std::vector<AttachInfo>> bad = parseAttachList(area, 679);
    CHECK(bad.status().code() == JetError::CheckpointCorrupt);
    CHECK(bad.status().message().find(std::to_string(679 + last)) != std::string::npos);
  }
  SUBCASE("too many entries to fit") {
    std::vector<AttachInfo> many(40, sampleAttachment(1, u"C:\\x.edb"));
    CHECK(setAttachments(c, many).code() == JetError::InvalidParameter);
  }
}

TEST_CASE("checkpoint file: copies, damage and hostile input") {
  const std::vector<uint8_t> file = serializeCheckpointFile(sampleCheckpoint());
  REQUIRE(file.size() == 8192);

  SUBCASE("healthy: primary, identical") {
    Result<CheckpointRead> read = readCheckpointFile(file);
    REQUIRE(read.isOk());
    CHECK(read->check.use == HeaderSource::Primary);
    CHECK(read->check.identical);
    CHECK(read->checkpoint.generation() == 81);
  }
  SUBCASE("primary damaged: second copy used and reported") {
    std::vector<uint8_t> damaged = file;
    damaged[16] ^= 0x01;
    Result<CheckpointRead> read = readCheckpointFile(damaged);
    REQUIRE(read.isOk());
    CHECK(read->check.use == HeaderSource::Shadow);
    CHECK(read->check.primary.state == HeaderCopyState::ChecksumMismatch);
    CHECK(read->check.primary.status.code() == JetError::CheckpointCorrupt);
    CHECK(read->check.primary.status.message().find("offset 16") != std::string::npos);
    CHECK(read->checkpoint.generation() == 81);
  }
  SUBCASE("second copy damaged: primary used, second reported") {
    std::vector<uint8_t> damaged = file;
    damaged[4096 + 3000] = 0x77;
    Result<CheckpointRead> read = readCheckpointFile(damaged);
    REQUIRE(read.isOk());
    CHECK(read->check.use == HeaderSource::Primary);
    CHECK(read->check.shadow.state == HeaderCopyState::ChecksumMismatch);
    CHECK(read->check.firstDifference == 3000);
  }
  SUBCASE("both damaged: CheckpointCorrupt naming both copies") {
    std::vector<uint8_t> damaged = file;
    damaged[100] ^= 0x01;
    damaged[4096 + 100] ^= 0x02;
    Result<CheckpointRead> read = readCheckpointFile(damaged);
    CHECK(read.status().code() == JetError::CheckpointCorrupt);
    CHECK(read.status().message().find("copy 1") != std::string::npos);
    CHECK(read.status().message().find("copy 2") != std::string::npos);
  }
  SUBCASE("both good but different: primary, second reported") {
    Checkpoint other = sampleCheckpoint();
    other.checkpoint.sector = 10;
    std::vector<uint8_t> mixed = serializeCheckpoint(sampleCheckpoint());
    const std::vector<uint8_t> second = serializeCheckpoint(other);
    mixed.insert(mixed.end(), second.begin(), second.end());
    Result<CheckpointRead> read = readCheckpointFile(mixed);
    REQUIRE(read.isOk());
    CHECK(read->check.use == HeaderSource::Primary);
    CHECK(read->check.shadow.state == HeaderCopyState::DiffersFromPrimary);
    CHECK(read->checkpoint.checkpoint.sector == 9);
  }
  SUBCASE("truncated") {
    Result<CheckpointRead> read = readCheckpointFile(Bytes(file).first(4000));
    CHECK(read.status().code() == JetError::CheckpointCorrupt);
    CHECK(read.status().message().find("4000") != std::string::npos);
    CHECK(readCheckpointFile({}).status().code() == JetError::CheckpointCorrupt);
    CHECK(parseCheckpoint(Bytes(file).first(100)).status().code() == JetError::CheckpointCorrupt);
    // A single 4096-byte copy still reads; the missing second copy is reported.
    Result<CheckpointRead> single = readCheckpointFile(Bytes(file).first(4096));
    REQUIRE(single.isOk());
    CHECK(single->check.shadow.state == HeaderCopyState::Missing);
  }
  SUBCASE("all zero and random") {
    const std::vector<uint8_t> zero(8192, 0);
    CHECK(readCheckpointFile(zero).status().code() == JetError::CheckpointCorrupt);
    std::mt19937 random(99);
    for (int round = 0; round < 50; ++round) {
      std::vector<uint8_t> bytes(8192);
      for (uint8_t& b : bytes) b = static_cast<uint8_t>(random());
      Result<CheckpointRead> read = readCheckpointFile(bytes);
      CHECK_FALSE(read.isOk());
      const JetError code = read.status().code();
      CHECK((code == JetError::CheckpointCorrupt || code == JetError::FileInvalidType));
    }
  }
  SUBCASE("another kind of file: FileInvalidType") {
    std::vector<uint8_t> log(8192, 0);
    storeLittleEndian<uint32_t>(log.data() + 667, 3);
    checksum::setHeaderChecksum(MutableBytes(log).first(4096));
    Result<CheckpointRead> read = readCheckpointFile(log);
    CHECK(read.status().code() == JetError::FileInvalidType);
    CHECK(read.status().message().find("log") != std::string::npos);
  }
  SUBCASE("legacy file type 0 is accepted") {
    Checkpoint old = sampleCheckpoint();
    old.fileType = FileType::Unknown;
    Result<CheckpointRead> read = readCheckpointFile(serializeCheckpointFile(old));
    REQUIRE(read.isOk());
    CHECK(read->checkpoint.fileType == FileType::Unknown);
  }
}

TEST_CASE("checkpoint describe() in the spirit of esentutl /mk") {
  Checkpoint c = sampleCheckpoint();
  REQUIRE(setAttachments(c, {sampleAttachment(1, u"C:\\x.edb")}).isOk());
  const FieldList fields = describe(c);
  auto value = [&](const std::string& name) -> std::string {
    for (const Field& f : fields.items())
      if (f.name == name) return f.value;
    FAIL("missing field " << name);
    return {};
  };
  CHECK(value("checkpoint") == "(00000051,0009,0000)");
  CHECK(value("generation") == "81");
  CHECK(value("env.circularLogging") == "true");
  CHECK(value("env.systemPath") == "C:\\Windows\\system32\\SRU\\");
  CHECK(value("attachments.count") == "1");
  CHECK(value("attachments.0.name") == "C:\\x.edb");
  CHECK(value("signature.random") == std::to_string(0xa3dd42deu));
}
