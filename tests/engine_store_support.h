// Test helpers for the DatabaseStore tests (tests/test_engine_store_*.cpp).
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <vector>

#include "../engine/src/store/database_store.h"
#include "esekit/format/log_record_encode.h"

namespace esekit::test {

// A LogSink that keeps every record as encoded bytes (so redo tests decode
// them again, proving the bytes are complete) and hands out increasing
// positions: generation 1, one "byte" per record.
class RecordingSink final : public engine::store::LogSink {
 public:
  Result<LogPosition> append(const LogRecord& record) override {
    auto bytes = encodeLogRecord(record);
    if (!bytes) return bytes.status();
    records.push_back(std::move(*bytes));
    const uint32_t n = static_cast<uint32_t>(records.size());
    LogPosition position;
    position.generation = 1;
    position.sector = static_cast<uint16_t>(n >> 16);
    position.byteOffset = static_cast<uint16_t>(n & 0xFFFF);
    positions.push_back(position);
    return position;
  }
  Status flushUpTo(LogPosition position) override {
    if (position > flushedUpTo) flushedUpTo = position;
    ++flushes;
    return Status::ok();
  }

  std::vector<std::vector<uint8_t>> records;
  std::vector<LogPosition> positions;
  LogPosition flushedUpTo;
  int flushes = 0;
};

inline engine::store::CreateParameters createParameters() {
  engine::store::CreateParameters params;
  params.databaseSignature.random = 0x12345678;
  params.databaseSignature.created.yearSince1900 = 125;
  params.databaseSignature.created.month = 1;
  params.databaseSignature.created.day = 2;
  params.logSignature.random = 0x9abcdef0;
  params.logSignature.created.yearSince1900 = 125;
  params.logSignature.created.month = 1;
  params.logSignature.created.day = 2;
  params.attachPosition.generation = 1;
  return params;
}

inline void flipBit(const std::filesystem::path& path, uint64_t byteOffset, int bit) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(file);
  file.seekg(static_cast<std::streamoff>(byteOffset));
  char c = 0;
  file.read(&c, 1);
  c = static_cast<char>(c ^ (1 << bit));
  file.seekp(static_cast<std::streamoff>(byteOffset));
  file.write(&c, 1);
}

}  // namespace esekit::test
