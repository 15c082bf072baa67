// Shared pieces of the engine log tests (test_engine_log_*.cpp): real record
// bytes from the corpus logs, writer options for a temp directory, and file
// helpers.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "../engine/src/log/checkpoint_file.h"
#include "../engine/src/log/log_reader.h"
#include "../engine/src/log/log_writer.h"
#include "corpus.h"
#include "esekit/format/log_file.h"
#include "esekit/format/log_record_encode.h"
#include "log_test_corpus.h"

namespace esekit::test {

namespace englog = esekit::engine::log;

// Whole records (fragments reassembled) from every corpus 8.4000 log, so
// types, sizes and fragmentation are what ESE really writes. Empty (test
// skipped) without a corpus.
inline const std::vector<std::vector<uint8_t>>& corpusRecords() {
  static const std::vector<std::vector<uint8_t>> records = [] {
    std::vector<std::vector<uint8_t>> out;
    for (const CorpusLog& log : corpusLogs()) {
      if (std::string(log.version).rfind("8.4000", 0) != 0) continue;
      const auto bytes = readCorpus(log.path);
      if (!bytes) break;
      Result<LogFileScan> scan = scanLogFile(*bytes);
      if (!scan.isOk()) continue;
      for (const LogRecordView& record : scan->records) out.emplace_back(record.bytes.begin(), record.bytes.end());
    }
    return out;
  }();
  return records;
}

inline LogTime fixedTime(uint8_t second) {
  LogTime t;
  t.seconds = second;
  t.minutes = 1;
  t.hours = 2;
  t.day = 3;
  t.month = 4;
  t.yearSince1900 = 125;
  t.isUtc = true;
  return t;
}

inline englog::LogWriterOptions writerOptions(const std::filesystem::path& directory, uint32_t fileSize = 128 * 1024) {
  englog::LogWriterOptions options;
  options.directory = directory;
  options.fileSize = fileSize;
  options.logSignature = englog::newLogSignature(englog::currentLogTime());
  return options;
}

inline std::vector<uint8_t> term2Record() {
  return encodeLogRecord(makeTerm2(LogPosition{}, LogPosition{}, 0, fixedTime(5))).value();
}

inline std::vector<uint8_t> fileBytes(const std::filesystem::path& path) { return readFile(path); }

inline void writeBytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

struct ReadBack {
  std::vector<std::pair<LogPosition, std::vector<uint8_t>>> records;
  englog::LogStreamTail tail;
  std::vector<englog::LogReaderNote> notes;
};

// Reads a whole stream; fails the test on error. LogWriter closes every
// flushed segment with a Nop2 fill (log_writer.h): those are left out unless
// `keepNop2` (a test that appends Nop2 records itself filters them).
inline ReadBack readAll(const std::filesystem::path& directory, LogPosition start = LogPosition{},
                        bool keepNop2 = false) {
  ReadBack out;
  auto reader = englog::LogReader::open(directory, "edb", start);
  REQUIRE_MESSAGE(reader.isOk(), reader.status().toString());
  LogRecordView record;
  while (true) {
    Result<bool> more = (*reader)->next(record);
    REQUIRE_MESSAGE(more.isOk(), more.status().toString());
    if (!*more) break;
    if (!keepNop2 && record.type == LogRecordType::Nop2) continue;
    out.records.emplace_back(record.position, std::vector<uint8_t>(record.bytes.begin(), record.bytes.end()));
  }
  out.tail = (*reader)->tail();
  out.notes = (*reader)->notes();
  return out;
}

// The first error reading a stream (Status::ok() when it reads to the end).
inline Status readError(const std::filesystem::path& directory, LogPosition start = LogPosition{}) {
  auto reader = englog::LogReader::open(directory, "edb", start);
  if (!reader.isOk()) return reader.status();
  LogRecordView record;
  while (true) {
    Result<bool> more = (*reader)->next(record);
    if (!more.isOk()) return more.status();
    if (!*more) return Status::ok();
  }
}

}  // namespace esekit::test
