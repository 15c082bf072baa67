// Record sizing (ese-format/log-records.md §1-2) on hand-built records.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "esekit/format/log_record.h"

using namespace esekit;

namespace {

// A record of `fixed` zero bytes with the type set, plus `extra` payload bytes.
std::vector<uint8_t> record(LogRecordType type, size_t fixed, size_t extra = 0) {
  std::vector<uint8_t> r(fixed + extra, 0);
  r[0] = static_cast<uint8_t>(type);
  return r;
}
void put16(std::vector<uint8_t>& r, size_t offset, uint16_t v) { storeLittleEndian<uint16_t>(r.data() + offset, v); }
void put32(std::vector<uint8_t>& r, size_t offset, uint32_t v) { storeLittleEndian<uint32_t>(r.data() + offset, v); }

uint32_t lengthOf(const std::vector<uint8_t>& r) {
  auto length = logRecordLength(r);
  REQUIRE_MESSAGE(length.isOk(), length.status().toString());
  return *length;
}

}  // namespace

TEST_CASE("type names and count") {
  CHECK(kLogRecordTypeCount == 102);
  CHECK(logRecordTypeName(0) == "Nop");
  CHECK(logRecordTypeName(LogRecordType::Insert) == "Insert");
  CHECK(logRecordTypeName(9) == "Commit0");
  CHECK(logRecordTypeName(76) == "FragmentBegin");
  CHECK(logRecordTypeName(101) == "ExtentFreed2");
  CHECK(logRecordTypeName(102) == "Unknown");
  CHECK(logRecordTypeLabel(123) == "Unknown(123)");
  CHECK(logRecordTypeLabel(50) == "Term2");
  CHECK(static_cast<int>(LogRecordType::Delta64) == 93);
  CHECK(static_cast<int>(LogRecordType::Ignored19) == 91);
}

TEST_CASE("fixed-size records") {
  struct Case { LogRecordType type; uint32_t size; };
  const Case cases[] = {
      {LogRecordType::Nop, 1},           {LogRecordType::Begin0, 8},     {LogRecordType::Commit0, 8},
      {LogRecordType::MacroCommit, 11},  {LogRecordType::FlagDelete, 44}, {LogRecordType::Delete, 44},
      {LogRecordType::Checksum, 22},     {LogRecordType::Init2, 576},    {LogRecordType::Term2, 26},
      {LogRecordType::RecoveryUndo2, 9}, {LogRecordType::ShutDownMark, 1}, {LogRecordType::NewPage, 20},
      {LogRecordType::RootPageMove, 16}, {LogRecordType::ScanCheck2, 27}, {LogRecordType::ExtentFreed2, 19},
      {LogRecordType::CreateMultipleExtentFDP, 56}, {LogRecordType::ConvertFDP2, 68},
      {LogRecordType::SignalAttachDb, 2}, {LogRecordType::ShrinkDB3, 18},
  };
  for (const Case& c : cases) {
    CAPTURE(logRecordTypeName(c.type));
    // Junk after the fixed part must not change the size of a fixed record.
    auto r = record(c.type, c.size, 40);
    for (size_t i = 1; i < r.size(); ++i) r[i] = 0xEE;
    CHECK(lengthOf(r) == c.size);
    CHECK(logRecordFixedSize(static_cast<uint8_t>(c.type)) == c.size);
  }
}

TEST_CASE("node records with key/data counts") {
  auto insert = record(LogRecordType::Insert, 50);
  put16(insert, 44, 7);    // cbSuffix
  put16(insert, 46, 3);    // cbPrefix
  put16(insert, 48, 100);  // cbData
  CHECK(lengthOf(insert) == 50 + 7 + 3 + 100);

  auto flagInsert = record(LogRecordType::FlagInsert, 48);
  put16(flagInsert, 44, 12);
  put16(flagInsert, 46, 34);
  CHECK(lengthOf(flagInsert) == 48 + 12 + 34);

  auto undoInfo = record(LogRecordType::UndoInfo, 56);
  put16(undoInfo, 44, 5);  // bookmark key
  put16(undoInfo, 46, 6);  // bookmark data
  put16(undoInfo, 50, 0x7FFF);  // cbMaxSize: not a length
  put16(undoInfo, 52, 0x1234);  // cbDelta: not a length
  put16(undoInfo, 54, 9);  // before-image
  CHECK(lengthOf(undoInfo) == 56 + 5 + 6 + 9);

  auto delta64 = record(LogRecordType::Delta64, 58);
  put16(delta64, 44, 4);
  put16(delta64, 46, 2);
  put16(delta64, 56, 0xFFFF);  // cbOffset: not a length
  CHECK(lengthOf(delta64) == 58 + 4 + 2);
}

TEST_CASE("Replace/ReplaceD: bit 15 of cb is fDiff2, not length") {
  auto replace = record(LogRecordType::ReplaceD, 50);
  put16(replace, 44, 0x8000 | 21);
  put16(replace, 46, 300);  // cbOldData and cbNewData do not size the record
  put16(replace, 48, 310);
  CHECK(lengthOf(replace) == 50 + 21);
}

TEST_CASE("CreateDB: version info flag adds 4 bytes") {
  auto create = record(LogRecordType::CreateDB, 43);
  put16(create, 40, 30);
  CHECK(lengthOf(create) == 43 + 30);
  create[42] = 0x08 | 0x04;
  CHECK(lengthOf(create) == 43 + 4 + 30);
}

TEST_CASE("database, marker and multi-page records") {
  auto attach = record(LogRecordType::AttachDB, 75);
  put16(attach, 72, 64);
  CHECK(lengthOf(attach) == 75 + 64);

  auto detach = record(LogRecordType::DetachDB, 7);
  put16(detach, 4, 18);
  CHECK(lengthOf(detach) == 7 + 18);

  auto backup2 = record(LogRecordType::Backup2, 35);
  put16(backup2, 33, 2);
  CHECK(lengthOf(backup2) == 37);

  auto rollover = record(LogRecordType::ForceLogRollover, 5);
  put16(rollover, 3, 11);
  CHECK(lengthOf(rollover) == 16);

  auto split = record(LogRecordType::Split2, 110);
  put16(split, 96, 1);   // cbPrefixSplitOld
  put16(split, 98, 2);   // cbPrefixSplitNew
  put16(split, 100, 4);  // cbKeyParent
  put32(split, 106, 8000);  // cbPageBeforeImage
  CHECK(lengthOf(split) == 110 + 1 + 2 + 4 + 8000);

  auto merge = record(LogRecordType::Merge2, 96);
  put16(merge, 86, 10);
  put32(merge, 92, 4096);
  CHECK(lengthOf(merge) == 96 + 10 + 4096);

  auto pageMove = record(LogRecordType::PageMove, 96);
  put32(pageMove, 88, 200);
  put32(pageMove, 92, 300);
  CHECK(lengthOf(pageMove) == 96 + 500);

  auto emptyTree = record(LogRecordType::EmptyTree, 46);
  put16(emptyTree, 44, 3 * 16);
  CHECK(lengthOf(emptyTree) == 46 + 48);

  auto prepCommit = record(LogRecordType::PrepCommit, 7);
  put32(prepCommit, 3, 20);
  CHECK(lengthOf(prepCommit) == 27);
}

TEST_CASE("ignorable records are sized by their cb") {
  for (uint8_t type : {67, 68, 69, 70, 71, 72, 73, 74, 75, 82, 85, 91}) {
    CAPTURE(int(type));
    CHECK(isIgnorableLogRecordType(type));
    std::vector<uint8_t> r(5, 0);
    r[0] = type;
    put32(r, 1, 45);
    CHECK(lengthOf(r) == 50);
  }
  CHECK_FALSE(isIgnorableLogRecordType(76));
  CHECK_FALSE(isIgnorableLogRecordType(92));
}

TEST_CASE("fragments") {
  auto begin = record(LogRecordType::FragmentBegin, 7);
  put32(begin, 1, 9000);  // total size of the whole record: not this fragment's length
  put16(begin, 5, 4000);
  CHECK(lengthOf(begin) == 7 + 4000);

  auto fragment = record(LogRecordType::Fragment, 3);
  put16(fragment, 1, 1234);
  CHECK(lengthOf(fragment) == 3 + 1234);
}

TEST_CASE("a record longer than the available bytes is sized from its fixed part") {
  auto insert = record(LogRecordType::Insert, 50);
  put16(insert, 48, 1000);
  CHECK(lengthOf(insert) == 1050);  // only 50 bytes given: the caller sees the shortfall
}

TEST_CASE("errors") {
  SUBCASE("empty input") {
    auto r = logRecordLength({});
    CHECK(r.status().code() == JetError::LogCorrupted);
  }
  SUBCASE("type >= 102") {
    for (int type : {102, 127, 128, 255}) {
      const uint8_t b[64] = {static_cast<uint8_t>(type)};
      auto r = logRecordLength(Bytes(b, sizeof b));
      CHECK(r.status().code() == JetError::LogCorrupted);
      CHECK(r.status().message().find(std::to_string(type)) != std::string::npos);
    }
  }
  SUBCASE("types the engine cannot size") {
    for (int type : {40, 41, 43, 44, 47, 55, 56}) {
      const uint8_t b[64] = {static_cast<uint8_t>(type)};
      auto r = logRecordLength(Bytes(b, sizeof b));
      CHECK(r.status().code() == JetError::LogCorrupted);
    }
  }
  SUBCASE("truncated fixed part, every type, every short length") {
    // The input is exactly the short prefix, so ASan would catch any read past it.
    for (int type = 0; type < kLogRecordTypeCount; ++type) {
      const uint32_t fixed = logRecordFixedSize(static_cast<uint8_t>(type));
      if (fixed == 0) continue;
      for (uint32_t have = 1; have < fixed; ++have) {
        std::vector<uint8_t> r(have, 0xFF);
        r[0] = static_cast<uint8_t>(type);
        auto length = logRecordLength(r);
        CAPTURE(type);
        CAPTURE(have);
        REQUIRE(length.status().code() == JetError::LogCorrupted);
        CHECK(length.status().message().find("truncated fixed part") != std::string::npos);
      }
    }
  }
}

TEST_CASE("maximal counts do not overflow") {
  auto pageMove = record(LogRecordType::PageMove, 96);
  put32(pageMove, 88, 0xFFFFFFFF);
  put32(pageMove, 92, 0xFFFFFFFF);
  CHECK(logRecordLength(pageMove).status().code() == JetError::LogCorrupted);

  std::vector<uint8_t> ignorable(5, 0);
  ignorable[0] = 71;
  put32(ignorable, 1, 0xFFFFFFFA);
  CHECK(lengthOf(ignorable) == 0xFFFFFFFFu);
  put32(ignorable, 1, 0xFFFFFFFB);
  CHECK(logRecordLength(ignorable).status().code() == JetError::LogCorrupted);
}
