// decode -> encode is the identity on every record of every real Windows log
// of the corpus: the encoder reproduces exactly the bytes ESE wrote
// (ese-format/log-records.md §3). Records come from scanLogFile, so
// fragmented records are checked whole, after reassembly.
#include <doctest/doctest.h>

#include <map>
#include <sstream>
#include <string>

#include "esekit/format/log_record_decode.h"
#include "esekit/format/log_record_encode.h"
#include "log_test_corpus.h"

using namespace esekit;
using namespace esekit::test;

namespace {

std::string firstDifference(Bytes expected, Bytes actual) {
  size_t at = 0;
  while (at < expected.size() && at < actual.size() && expected[at] == actual[at]) ++at;
  std::ostringstream out;
  out << "sizes " << expected.size() << " / " << actual.size() << ", first difference at offset " << at;
  return out.str();
}

}  // namespace

TEST_CASE("every record of every corpus log re-encodes to its exact bytes") {
  std::map<std::string, uint64_t> perType;
  uint64_t total = 0;
  uint64_t reassembled = 0;
  size_t logsScanned = 0;
  size_t paths = 0;
  size_t replaceDiffs = 0;
  for (const CorpusLog& log : corpusLogs()) {
    auto bytes = readCorpus(log.path);
    if (!bytes) return;  // no corpus: skipped visibly by readCorpus
    INFO(log.path);
    auto scan = scanLogFile(*bytes);
    REQUIRE_MESSAGE(scan.isOk(), scan.status().toString());
    ++logsScanned;
    for (const LogRecordView& view : scan->records) {
      INFO("record at " << view.position.toString() << " type " << logRecordTypeName(view.type));
      auto decoded = decodeLogRecord(view.bytes);
      REQUIRE_MESSAGE(decoded.isOk(), decoded.status().toString());
      auto encoded = encodeLogRecord(*decoded);
      REQUIRE_MESSAGE(encoded.isOk(), encoded.status().toString());
      const bool same = Bytes(*encoded).size() == view.bytes.size() &&
                        std::equal(encoded->begin(), encoded->end(), view.bytes.begin());
      REQUIRE_MESSAGE(same, firstDifference(view.bytes, *encoded));
      // Appending after other bytes gives the same record.
      std::vector<uint8_t> appended = {0xAA, 0xBB};
      REQUIRE(appendLogRecord(*decoded, appended).isOk());
      REQUIRE(std::equal(appended.begin() + 2, appended.end(), encoded->begin(), encoded->end()));
      // Windows logs database paths as NUL-terminated UTF-16LE: what the
      // engine gets from loggedPathUtf16().
      const LoggedPath* path = nullptr;
      if (const auto* c = decoded->as<CreateDatabaseRecord>()) path = &c->path;
      if (const auto* a = decoded->as<AttachDatabaseRecord>()) path = &a->path;
      if (const auto* d = decoded->as<DetachDatabaseRecord>()) path = &d->path;
      if (path) {
        REQUIRE(path->utf16);
        const std::vector<uint8_t> rebuilt = loggedPathUtf16(path->toUtf8());
        CHECK(std::equal(rebuilt.begin(), rebuilt.end(), path->raw.begin(), path->raw.end()));
        ++paths;
      }
      if (const auto* replace = decoded->as<ReplaceRecord>(); replace && replace->isDiff) {
        // What chooseReplaceDiff() reproduces: the header form follows the
        // database page size, and a diff is only logged when shorter than the
        // after-image a full Replace would carry.
        CHECK(replace->diff2 == replaceDiffUsesDiff2(scan->header.databasePageSize()));
        CHECK(replace->payload.size() < replace->newDataLength);
        ++replaceDiffs;
      }
      ++perType[std::string(logRecordTypeName(view.type))];
      ++total;
      if (view.reassembled) ++reassembled;
    }
  }
  CHECK(logsScanned == corpusLogs().size());
  std::ostringstream summary;
  summary << total << " records (" << reassembled << " reassembled from fragments), " << perType.size()
          << " types:";
  for (const auto& [name, count] : perType) summary << " " << name << "=" << count;
  MESSAGE(summary.str());
  // The corpus holds the record kinds the engine writes; a scan that yields
  // none of them would make this test vacuous.
  for (const char* name : {"Begin0", "Commit0", "Insert", "Replace", "ReplaceD", "FlagDelete", "Delete", "Split2",
                           "Merge2", "UndoInfo", "Undo", "Init2", "Term2", "AttachDB", "DetachDB", "CreateDB",
                           "Checksum", "Nop2"}) {
    CHECK_MESSAGE(perType[name] > 0, name);
  }
  CHECK(reassembled > 0);
  CHECK(paths > 0);
  CHECK(replaceDiffs > 0);
}
