// Issue 6: the record table. Every log record type found in the real logs of
// the corpus, how often, and what recovery does with it (redo, undo), from
// engine::recordSupport(). The table is printed and must match the one in
// doc/recovery-records.md (regenerate with ESEKIT_WRITE_RECORD_TABLE=1).
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string_view>
#include <sstream>
#include <string>

#include "corpus.h"
#include "esekit/engine/recovery_records.h"
#include "esekit/format/file_kind.h"
#include "esekit/format/log_file.h"

using namespace esekit;
namespace fs = std::filesystem;

namespace {

std::string markdownTable(const std::map<uint8_t, uint64_t>& counts) {
  std::ostringstream out;
  out << "| # | Record type | Corpus count | Redo | Undo | What recovery does |\n";
  out << "|---|---|---|---|---|---|\n";
  std::multimap<uint64_t, uint8_t, std::greater<>> byCount;
  for (const auto& [type, count] : counts) byCount.emplace(count, type);
  for (const auto& [count, type] : byCount) {
    const engine::RecordSupport support = engine::recordSupport(static_cast<LogRecordType>(type));
    out << "| " << int(type) << " | " << logRecordTypeName(type) << " | " << count << " | "
        << engine::redoSupportName(support.redo) << " | "
        << (support.undo == engine::UndoSupport::Implemented ? "yes" : "not undoable") << " | " << support.note
        << " |\n";
  }
  return out.str();
}

}  // namespace

TEST_CASE("record table: every record type of the corpus logs and what recovery does with it") {
  const auto files = test::corpusFiles();
  if (files.empty()) return;
  std::map<uint8_t, uint64_t> counts;
  size_t logs = 0;
  std::set<size_t> seen;
  for (const fs::path& path : files) {
    if (path.extension() == ".gz") continue;
    const std::vector<uint8_t> bytes = test::readFile(path);
    if (detectFileKind(bytes) != FileKind::Log) continue;
    // The same log is in several sets (S11/S12, S26/S27): count it once.
    if (!seen.insert(std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(bytes.data()),
                                                                     bytes.size())))
             .second)
      continue;
    LogScanOptions options;
    options.collectRecords = true;
    auto scan = scanLogFile(bytes, options);
    if (!scan.isOk()) continue;  // damaged logs are the log tests' business
    ++logs;
    for (const LogRecordView& record : scan->records) ++counts[static_cast<uint8_t>(record.type)];
  }
  CHECK(logs > 20);
  // Types no corpus log holds but that change pages when they occur (found by
  // the type numbers of log-records.md §1): listed with count 0 so the table
  // also says what recovery does with them (redo tested by synthetic records).
  for (int type = 0; type < 102; ++type) {
    const engine::RecordSupport support = engine::recordSupport(static_cast<LogRecordType>(type));
    if (support.redo != engine::RedoSupport::NoPageChange) counts.emplace(static_cast<uint8_t>(type), 0);
  }
  const std::string table = markdownTable(counts);
  MESSAGE("\n" << table);
  for (const auto& [type, count] : counts) {
    if (count == 0) continue;
    CAPTURE(std::string(logRecordTypeName(type)));
    // Nothing in real logs is of a format ESE itself refuses to replay.
    CHECK(engine::recordSupport(static_cast<LogRecordType>(type)).redo != engine::RedoSupport::Rejected);
  }
  // Page records Windows writes most are redone.
  for (LogRecordType type : {LogRecordType::Insert, LogRecordType::Replace, LogRecordType::ReplaceD,
                             LogRecordType::FlagDelete, LogRecordType::Delete, LogRecordType::Delta})
    CHECK(engine::recordSupport(type).redo == engine::RedoSupport::Implemented);

  const fs::path doc = fs::path(__FILE__).parent_path().parent_path() / "doc" / "recovery-records.md";
  if (const char* write = std::getenv("ESEKIT_WRITE_RECORD_TABLE"); write && std::string(write) == "1") {
    std::ifstream in(doc);
    std::stringstream text;
    text << in.rdbuf();
    std::string content = text.str();
    const std::string begin = "<!-- record table begin -->\n", end = "<!-- record table end -->";
    const size_t from = content.find(begin), to = content.find(end);
    REQUIRE(from != std::string::npos);
    REQUIRE(to != std::string::npos);
    content = content.substr(0, from + begin.size()) + table + content.substr(to);
    std::ofstream(doc) << content;
  }
  std::ifstream in(doc);
  std::stringstream text;
  text << in.rdbuf();
  CHECK_MESSAGE(text.str().find(table) != std::string::npos,
                doc.string() << " does not hold the current record table (ESEKIT_WRITE_RECORD_TABLE=1 rewrites it)");
}
