// `esekit verify` on every file of the real corpus gives what INVENTORY.md
// says the file is: its kind, a clean verdict for every real ESE structure,
// the generation / page size / state INVENTORY lists, and "not ESE" for the
// files that are not.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <string>

#include "corpus.h"
#include "verify_file.h"

using namespace esekit;
using namespace esekit::tools;

namespace {

struct InventoryEntry {
  std::string kind;      // "Kind" column
  std::string pageSize;  // "Page size" column
  std::string state;     // "State" column ("CleanShutdown", ...)
  std::string details;   // "Details" column
};

// Rows of INVENTORY.md's "## Files" table, keyed by corpus-relative path.
std::map<std::string, InventoryEntry> loadInventory() {
  std::map<std::string, InventoryEntry> rows;
  auto path = test::corpusFile("INVENTORY.md");
  if (!path) return rows;
  std::ifstream in(*path);
  std::string line;
  bool inFiles = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) inFiles = line == "## Files";
    if (!inFiles || line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    size_t start = 2;
    for (size_t end; (end = line.find(" | ", start)) != std::string::npos; start = end + 3) {
      cells.push_back(line.substr(start, end - start));
    }
    cells.push_back(line.substr(start, line.size() - start - 2));
    REQUIRE_MESSAGE(cells.size() >= 9, line);
    rows[cells[0].substr(1, cells[0].size() - 2)] = {cells[1], cells[5], cells[6], cells[8]};
  }
  return rows;
}

std::string fact(const FileReport& report, const std::string& name) {
  for (const auto& [key, value] : report.facts) {
    if (key == name) return value;
  }
  return {};
}

uint64_t count(const FileReport& report, const std::string& name) {
  for (const auto& [key, value] : report.counts) {
    if (key == name) return value;
  }
  return 0;
}

std::string withoutSpaces(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
  return text;
}

// "gen 8 (0x8)" / "checkpoint gen 91 (0x5B)" -> "8" / "91".
std::string generationIn(const std::string& details) {
  // The first "gen " at the start of the details or after "checkpoint ".
  for (const std::string lead : {"gen ", "checkpoint gen "}) {
    if (details.rfind(lead, 0) != 0) continue;
    const size_t end = details.find(' ', lead.size());
    return details.substr(lead.size(), end - lead.size());
  }
  return {};
}

void checkAgainstInventory(const std::string& relative, const InventoryEntry& entry, const FileReport& report,
                           const FileReport& walked) {
  INFO(relative << ": kind " << report.kind << ", status " << verifyStatusName(report.status) << ", "
                << report.summary << " / " << report.error.toString()
                << (report.problems.empty() ? std::string() : " / first problem: " + report.problems[0].reason));
  const std::string& kind = entry.kind;
  if (kind == "database") {
    CHECK((report.kind == "database" || report.kind == "temp_database"));
    CHECK(fact(report, "page_size") == entry.pageSize);
    CHECK(withoutSpaces(fact(report, "state")) == entry.state);
    if (relative == "museum/NTDS/Win2012R2/StolenSzechuan/temp.edb") {
      // page-format.md §6 / checksums.md §4.1: 27 pages written without a
      // checksum + 207 pages of non-ESE data. The header says JustCreated: a
      // scratch database ESE never reads back, so the page component
      // tolerates them (listed, not damage).
      CHECK(report.status == VerifyStatus::Ok);
      CHECK(fact(report, "scratch_database") == "true");
      CHECK(count(report, "bad") == 27 + 207);
      CHECK(fact(report, "tolerated_pages") == std::to_string(27 + 207));
      size_t noChecksum = 0;
      for (const Problem& problem : report.problems) {
        CHECK(problem.tolerated);
        noChecksum += problem.cause == "no-checksum";
      }
      CHECK(noChecksum == 27);
    } else if (relative == "dissect-esedb/SRUDB.dat") {
      // page-format.md §6: pgno 143-158 hold UTF-16 text / .NET strings, not
      // ESE pages (outside the database per its space tree, which a page-by-
      // page verifier does not consult): reported as -1018 failures.
      CHECK(report.status == VerifyStatus::Bad);
      CHECK(count(report, "bad") == 16);
      REQUIRE(report.problems.size() == 16);
      for (size_t i = 0; i < 16; ++i) {
        CHECK(report.problems[i].page == 143 + i);
        CHECK(report.problems[i].error == JetError::ReadVerifyFailure);
        CHECK(report.problems[i].cause == "not-ese-page");
      }
    } else {
      CHECK(report.status == VerifyStatus::Ok);
      CHECK(count(report, "bad") == 0);
      CHECK(count(report, "ok") + count(report, "uninitialized") > 0);
    }
  } else if (kind == "log") {
    CHECK(report.kind == "log");
    CHECK(report.status == VerifyStatus::Ok);
    CHECK(fact(report, "generation") == generationIn(entry.details));
    // Pre-created names holding a header are recycled old generations.
    const bool tmpName = relative.find("tmp.") != std::string::npos;
    CHECK((fact(report, "recycled") == "true") == tmpName);
  } else if (kind == "checkpoint") {
    CHECK(report.kind == "checkpoint");
    CHECK(report.status == VerifyStatus::Ok);
    CHECK(fact(report, "generation") == generationIn(entry.details));
    CHECK(count(report, "copies_good") == 2);
  } else if (kind == "flush map") {
    CHECK(report.kind == "flush_map");
    CHECK(report.status == VerifyStatus::Ok);
  } else if (kind == "reserve/pre-created log") {
    if (entry.details.find("no ESE header") != std::string::npos) {
      CHECK(report.kind == "unknown");
      CHECK(report.status == VerifyStatus::Error);
      CHECK(report.error.code() == JetError::FileInvalidType);
      CHECK(report.error.message().find("not an ESE file") != std::string::npos);
      CHECK(walked.status == VerifyStatus::Error);  // its name says ESE, so a walk reports it too
    } else {
      CHECK(report.kind == "reserve_log");
      CHECK(report.status == VerifyStatus::Ok);
      const bool pattern = entry.details.find("0xDA") != std::string::npos;
      CHECK(fact(report, "fill") == (pattern ? "0xDA pattern" : "zero"));
    }
  } else if (kind == "backup patch file (.pat)") {
    CHECK(report.kind == "patch");
    CHECK(report.status == VerifyStatus::Ok);
  } else if (kind.rfind("single database page", 0) == 0) {
    CHECK(report.kind == "database_page");
    CHECK(report.status == VerifyStatus::Ok);
    CHECK(fact(report, "page_number") == "1793");  // INVENTORY: valid with page number 1793
  } else if (kind.find("not ESE") != std::string::npos) {
    CHECK(report.status == VerifyStatus::Error);
    CHECK(report.error.code() == JetError::FileInvalidType);
    CHECK(walked.status == VerifyStatus::Skipped);  // no ESE name: a directory walk skips it
  } else {
    FAIL("INVENTORY kind not handled by this test: " << kind);
  }
  if (report.status != VerifyStatus::Error) CHECK(walked.status == report.status);
}

}  // namespace

TEST_CASE("every corpus file verifies as INVENTORY.md describes it") {
  const auto inventory = loadInventory();
  const auto files = test::corpusFiles();
  if (files.empty()) return;
  REQUIRE(inventory.size() >= 160);
  const auto root = *test::corpusRoot();
  size_t checked = 0;
  for (const auto& path : files) {
    const std::string relative = std::filesystem::relative(path, root).string();
    if (relative == "INVENTORY.md") continue;
    auto entry = inventory.find(relative);
    REQUIRE_MESSAGE(entry != inventory.end(), "corpus file not in INVENTORY.md: " << relative);

    VerifyOptions explicitOptions;
    explicitOptions.threads = 2;
    explicitOptions.explicitPath = true;
    VerifyOptions walkOptions = explicitOptions;
    walkOptions.explicitPath = false;
    if (path.extension() == ".gz") {
      // Compressed copies are not ESE as stored; their contents are.
      const FileReport compressed = verifyFile(path, walkOptions);
      CHECK_MESSAGE(compressed.status == VerifyStatus::Skipped, relative);
      const auto raw = test::gunzipped(path);
      const FileReport report = verifyFile(raw, explicitOptions);
      checkAgainstInventory(relative, entry->second, report, verifyFile(raw, walkOptions));
    } else {
      checkAgainstInventory(relative, entry->second, verifyFile(path, explicitOptions),
                            verifyFile(path, walkOptions));
    }
    ++checked;
  }
  CHECK(checked == inventory.size());
}

TEST_CASE("the foreign-stream log edb0000D.log verifies as a valid log of its own stream") {
  auto path = test::corpusFile("me5uts-appdata/IndexedDB/edb0000D.log");
  auto current = test::corpusFile("me5uts-appdata/IndexedDB/edb.log");
  if (!path || !current) return;
  const FileReport report = verifyFile(*path, {});
  CHECK(report.status == VerifyStatus::Ok);
  CHECK(fact(report, "generation") == "13");
  CHECK(fact(report, "role") == "archived");
  // INVENTORY: its log signature e01ee651 differs from the current log's 5e1755e7.
  CHECK(fact(report, "log_signature").rfind("e01ee651@", 0) == 0);
  CHECK(fact(verifyFile(*current, {}), "log_signature").rfind("5e1755e7@", 0) == 0);
}

TEST_CASE("recycled temp logs are reported as the old generation they hold") {
  auto path = test::corpusFile("cortana-akarib/Indexed DB/edbtmp.log");
  if (!path) return;
  const FileReport report = verifyFile(*path, {});
  CHECK(report.kind == "log");
  CHECK(report.status == VerifyStatus::Ok);
  CHECK(fact(report, "recycled") == "true");
  CHECK(fact(report, "role") == "temporary");
  CHECK(fact(report, "generation") == "5");  // INVENTORY: gen 5
  CHECK(report.summary.find("recycled") != std::string::npos);
}
