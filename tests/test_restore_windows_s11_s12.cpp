// Issue 6: S11 is the same SRUM database as S12 after Windows' `esentutl /p`
// (repair, not recovery; corpus INVENTORY.md, SRUDB.INTEG.RAW). Row counts
// per table of S11 against S12 recovered by `esekit recover --target`; the
// table is printed and must match doc/recovery-records.md, which explains
// each difference (ESEKIT_WRITE_RECORD_TABLE=1 rewrites the table there).
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "esekit/format/table.h"
#include "restore_windows_support.h"

using namespace esekit;
using namespace esekit::test::windows;

namespace {

Result<std::map<std::string, uint64_t>> rowCounts(const fs::path& database) {
  static std::vector<std::vector<uint8_t>> keep;  // images outlive their views
  keep.push_back(test::readFile(database));
  const std::vector<uint8_t>& file = keep.back();
  auto header = readDatabaseHeader(file);
  if (!header.isOk()) return header.status();
  table::DatabaseImage image{file, header->header.pageSize()};
  auto catalog = table::readCatalog(image);
  if (!catalog.isOk()) return catalog.status();
  std::map<std::string, uint64_t> counts;
  for (const table::Table& one : catalog->tables) {
    uint64_t rows = 0;
    const Status status = table::forEachRow(image, one, [&](const table::Row&) {
      ++rows;
      return Status::ok();
    });
    if (!status.isOk()) return status.withContext("table " + one.name);
    counts[one.name] = rows;
  }
  return counts;
}

}  // namespace

TEST_CASE("S11 (esentutl /p) against S12 recovered by esekit: row counts per table") {
  auto dirty = test::corpusFile("museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Dirty");
  auto repaired = test::corpusFile("museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Clean/SRUDB.dat");
  if (!dirty || !repaired) return;
  const fs::path out = test::tempDir("windows_s11_s12") / "out";
  const CommandResult run = runCommand(cli() + " recover " + quote(*dirty) + " --target " + quote(out) + " --json");
  INFO(run.output);
  REQUIRE(run.exitCode == 0);

  auto recovered = rowCounts(out / "SRUDB.dat");
  REQUIRE_MESSAGE(recovered.isOk(), recovered.status().toString());
  auto repairedCounts = rowCounts(*repaired);
  REQUIRE_MESSAGE(repairedCounts.isOk(), repairedCounts.status().toString());

  std::ostringstream table;
  table << "| Table | S11 (esentutl /p) rows | S12 recovered rows | Difference |\n|---|---|---|---|\n";
  std::map<std::string, std::pair<int64_t, int64_t>> rows;
  for (const auto& [name, count] : *repairedCounts) rows[name].first = static_cast<int64_t>(count);
  for (const auto& [name, count] : *recovered) rows[name].second = static_cast<int64_t>(count);
  for (const auto& [name, pair] : rows) {
    const bool inRepaired = repairedCounts->count(name) != 0, inRecovered = recovered->count(name) != 0;
    table << "| " << name << " | " << (inRepaired ? std::to_string(pair.first) : "(absent)") << " | "
          << (inRecovered ? std::to_string(pair.second) : "(absent)") << " | " << (pair.second - pair.first) << " |\n";
  }
  MESSAGE("\n" << table.str());
  // Same tables in both: repair rebuilt indexes, it did not drop tables.
  CHECK(repairedCounts->size() == recovered->size());

  const fs::path doc = fs::path(__FILE__).parent_path().parent_path() / "doc" / "recovery-records.md";
  std::stringstream text;
  {
    std::ifstream in(doc);
    text << in.rdbuf();
  }
  std::string content = text.str();
  if (const char* write = std::getenv("ESEKIT_WRITE_RECORD_TABLE"); write && std::string(write) == "1") {
    const std::string begin = "<!-- s11 s12 table begin -->\n", end = "<!-- s11 s12 table end -->";
    const size_t from = content.find(begin), to = content.find(end);
    REQUIRE(from != std::string::npos);
    REQUIRE(to != std::string::npos);
    content = content.substr(0, from + begin.size()) + table.str() + content.substr(to);
    std::ofstream(doc) << content;
  }
  CHECK_MESSAGE(content.find(table.str()) != std::string::npos,
                doc.string() << " does not hold the current S11/S12 table (ESEKIT_WRITE_RECORD_TABLE=1 rewrites it)");
}
