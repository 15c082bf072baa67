// Corrupt input to the record decoder: truncation at every length, trailing
// bytes, invalid types, and random bytes (must give LogCorrupted, never crash).
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "esekit/format/log_record_decode.h"

using namespace esekit;

TEST_CASE("type >= 102 is LogCorrupted naming the type") {
  for (int type : {102, 111, 127, 200, 255}) {
    std::vector<uint8_t> r(600, 0);
    r[0] = static_cast<uint8_t>(type);
    auto d = decodeLogRecord(r);
    REQUIRE_FALSE(d.isOk());
    CHECK(d.status().code() == JetError::LogCorrupted);
    CHECK(d.status().message().find(std::to_string(type)) != std::string::npos);
  }
}

TEST_CASE("empty input") { CHECK(decodeLogRecord({}).status().code() == JetError::LogCorrupted); }

TEST_CASE("every sizable type: each strict prefix of a record is rejected, the whole record decodes") {
  for (int type = 0; type < kLogRecordTypeCount; ++type) {
    const uint32_t fixed = logRecordFixedSize(static_cast<uint8_t>(type));
    if (fixed == 0) continue;
    CAPTURE(type);
    // All counts zero: the record is exactly its fixed part.
    std::vector<uint8_t> record(fixed, 0);
    record[0] = static_cast<uint8_t>(type);
    REQUIRE(logRecordLength(record).isOk());
    REQUIRE(*logRecordLength(record) == fixed);
    auto whole = decodeLogRecord(record);
    if (whole.isOk()) {
      CHECK(whole->length == fixed);
      CHECK(describe(*whole).items().front().value == std::string(logRecordTypeName(static_cast<uint8_t>(type))));
    } else {
      // Only ignorable records whose cb 0 cannot hold their known layout.
      CHECK(isIgnorableLogRecordType(static_cast<uint8_t>(type)));
      CHECK(whole.status().code() == JetError::LogCorrupted);
    }
    for (uint32_t have = 0; have < fixed; ++have) {
      std::vector<uint8_t> prefix(record.begin(), record.begin() + have);  // exact size: ASan sees overreads
      auto d = decodeLogRecord(prefix);
      REQUIRE_FALSE(d.isOk());
      CHECK(d.status().code() == JetError::LogCorrupted);
    }
  }
}

TEST_CASE("truncated payload names the offset where bytes are missing") {
  std::vector<uint8_t> insert(50, 0);
  insert[0] = static_cast<uint8_t>(LogRecordType::Insert);
  insert[48] = 20;  // cbData 20
  insert.resize(60);
  auto d = decodeLogRecord(insert);
  REQUIRE_FALSE(d.isOk());
  CHECK(d.status().code() == JetError::LogCorrupted);
  CHECK(d.status().message().find("Insert") != std::string::npos);
  CHECK(d.status().message().find("needs 70 bytes") != std::string::npos);
  CHECK(d.status().message().find("offset 60") != std::string::npos);
}

TEST_CASE("bytes after the record are rejected") {
  std::vector<uint8_t> commit0 = {9, 1, 0, 0, 1, 0, 0, 0, 0xAA};
  auto d = decodeLogRecord(commit0);
  REQUIRE_FALSE(d.isOk());
  CHECK(d.status().code() == JetError::LogCorrupted);
  CHECK(d.status().message().find("offset 8") != std::string::npos);
  commit0.pop_back();
  CHECK(decodeLogRecord(commit0).isOk());
}

TEST_CASE("obsolete types cannot be decoded") {
  for (int type : {40, 41, 43, 44, 47, 55, 56}) {
    std::vector<uint8_t> r(64, 0);
    r[0] = static_cast<uint8_t>(type);
    CHECK(decodeLogRecord(r).status().code() == JetError::LogCorrupted);
  }
}

TEST_CASE("random records of every type decode or fail cleanly") {
  std::mt19937 random(777);
  int decoded = 0;
  for (int round = 0; round < 20000; ++round) {
    const uint8_t type = static_cast<uint8_t>(random() % 110);
    const uint32_t fixed = std::max<uint32_t>(1, logRecordFixedSize(type));
    std::vector<uint8_t> record(fixed);
    for (auto& b : record) b = static_cast<uint8_t>(random());
    record[0] = type;
    // Keep count fields small half of the time so whole records are common.
    if (round % 2 == 0)
      for (size_t i = 1; i < record.size(); ++i) record[i] &= 0x07;
    auto length = logRecordLength(record);
    if (length.isOk() && *length <= 70000) {
      const size_t old = record.size();
      record.resize(*length);
      for (size_t i = old; i < record.size(); ++i) record[i] = static_cast<uint8_t>(random());
    }
    auto d = decodeLogRecord(record);
    if (d.isOk()) {
      ++decoded;
      CHECK(d->length == record.size());
      (void)describe(*d);
      (void)pagePrefix(*d);
      (void)objidOf(*d);
    } else {
      CHECK(d.status().code() == JetError::LogCorrupted);
    }
  }
  CHECK(decoded > 5000);  // the loop exercised the decoders, not only the size checks
}
