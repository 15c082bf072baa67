// The dbtime rule on real Windows log sets (issue 6): replaying every log of
// a clean set onto its clean database must change no page, because every
// page already carries a dbtime at or past each record that touches it
// (ese-format/log-records.md §4). The sets are S01, S08-S10, S13, S14 (log
// format 8.4000.x) and S25, S26 (legacy 7.3704.x), see corpus INVENTORY.md.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "corpus.h"
#include "esekit/engine/recovery.h"

namespace fs = std::filesystem;
using namespace esekit;

namespace {

struct CleanSet {
  const char* name;
  const char* directory;  // relative to the corpus root
  const char* baseName;
  const char* database;
};

const CleanSet kCleanSets[] = {
    {"S01", "cortana-akarib/Indexed DB", "edb", "IndexedDB.edb"},
    {"S08", "museum/SRUM/Server2022/APTSimulatorVM/Clean/SRU", "SRU", "SRUDB.dat"},
    {"S09", "museum/SRUM/Server2022/APTSimulatorVM/Clean_1DayLater/SRU", "SRU", "SRUDB.dat"},
    {"S10", "museum/SRUM/Win10/APTSimulatorVM/Clean", "SRU", "SRUDB.dat"},
    {"S13", "museum/SRUM/Win10/RathbunVM/Clean", "SRU", "SRUDB.dat"},
    {"S14", "museum/SRUM/Win10/RathbunVM/Dirty", "SRU", "SRUDB.dat"},
    {"S25", "windowslivemail-kimberli13", "edb", "WindowsMail.MSMessageStore"},
    {"S26", "windowsmail-danyquenneville/Windows Mail", "edb", "WindowsMail.MSMessageStore"},
};

// The file name of a logged Windows (or POSIX) path.
std::string loggedFileName(const std::string& logged) {
  const size_t cut = logged.find_last_of("\\/");
  return cut == std::string::npos ? logged : logged.substr(cut + 1);
}

uint32_t pageSizeOf(const std::vector<uint8_t>& database) {
  // cbDbPage, database-header.md §2 (offset 236)
  REQUIRE(database.size() >= 240);
  return static_cast<uint32_t>(database[236]) | static_cast<uint32_t>(database[237]) << 8 |
         static_cast<uint32_t>(database[238]) << 16 | static_cast<uint32_t>(database[239]) << 24;
}

}  // namespace

TEST_CASE("replaying the logs of a clean Windows set onto its clean database changes no page") {
  for (const CleanSet& set : kCleanSets) {
    const std::string setName = set.name;
    CAPTURE(setName);
    auto source = test::corpusFile(set.directory);
    if (!source) return;
    const fs::path work = test::tempDir(std::string("windows_clean_") + set.name);
    for (const auto& entry : fs::directory_iterator(*source)) {
      if (!entry.is_regular_file()) continue;
      fs::copy_file(entry.path(), work / entry.path().filename());
      fs::permissions(work / entry.path().filename(), fs::perms::owner_write, fs::perm_options::add);
    }
    const std::vector<uint8_t> original = test::readFile(*source / set.database);

    engine::RecoveryOptions options;
    options.logDirectory = work;
    options.baseName = set.baseName;
    options.replayFromFirstLog = true;
    options.continueLog = false;
    options.locate = [&](const std::string& logged) { return work / loggedFileName(logged); };
    auto report = engine::recover(options);
    REQUIRE_MESSAGE(report.isOk(), set.name, ": ", report.status().toString());

    CHECK(report->recordsReplayed > 0);
    CHECK(report->pagesRedone == 0);
    // Every page record was looked at: by the dbtime rule, or (S25, S26:
    // databases re-attached late in the log) by the attach-position gate.
    const bool reattachedLate = setName == "S25" || setName == "S26";
    CHECK((report->pagesSkipped > 0 || reattachedLate));
    CHECK(report->transactionsUndone == 0);
    bool said = false;
    for (const std::string& note : report->notes) said = said || note.find("no page needed redo") != std::string::npos;
    CHECK_MESSAGE(said, "the report says that no page changed");

    // Every database page (pgno >= 1, after the two header pages) unchanged.
    const std::vector<uint8_t> recovered = test::readFile(work / set.database);
    const uint32_t pageSize = pageSizeOf(original);
    REQUIRE(recovered.size() == original.size());
    size_t changed = 0;
    uint64_t firstChanged = 0;
    for (size_t offset = 2 * size_t{pageSize}; offset + pageSize <= original.size(); offset += pageSize) {
      if (!std::equal(original.begin() + offset, original.begin() + offset + pageSize, recovered.begin() + offset)) {
        if (changed++ == 0) firstChanged = offset / pageSize - 1;
      }
    }
    CHECK_MESSAGE(changed == 0, changed, " pages changed, first pgno ", firstChanged);
  }
}
