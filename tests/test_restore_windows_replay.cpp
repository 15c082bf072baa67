// Issue 6: real redo of every page record Windows wrote, checked against
// Windows' own result. S08 and S09 (corpus INVENTORY.md) are the same Server
// 2022 SRUM database one day apart, one log stream (signature ed8673f7):
// S08's SRUDB.dat is consistent at (2,1,606); S09 holds generations 2
// (recycled as SRUtmp.log), 3, 4 and 5 (SRU.log), and SRUDB.dat as Windows
// left it at generation 5. Recovering S08's database with S09's logs must
// redo ~1100 page operations (Insert, Replace, Delete, FlagDelete,
// SetExternalHeader, NewPage, CreateSingleExtentFDP, ConvertFDP2, append/
// right/vertical Split2 macros, ExtendDB) and give, page by page, what
// Windows wrote: same dbtime, flags (flush-type bits aside), siblings,
// objid, external header and nodes (key, data, deleted flag). Free-space
// layout inside a page may differ (ESE and esekit place lines differently).
#include <doctest/doctest.h>

#include "esekit/engine/recovery.h"
#include "esekit/format/page.h"
#include "restore_windows_support.h"

using namespace esekit;
using namespace esekit::test::windows;

namespace {

std::string describePageDifference(Bytes ours, Bytes windows) {
  auto a = page::parsePage(ours);
  auto b = page::parsePage(windows);
  if (!a.isOk() || !b.isOk()) return "unparsable: " + (a.isOk() ? b.status() : a.status()).toString();
  const page::PageHeader& x = a->header;
  const page::PageHeader& y = b->header;
  if (x.dbtimeDirtied != y.dbtimeDirtied)
    return "dbtime " + std::to_string(x.dbtimeDirtied) + " vs " + std::to_string(y.dbtimeDirtied);
  if ((x.flags & ~page::flag::FlushTypeMask) != (y.flags & ~page::flag::FlushTypeMask))
    return "flags " + page::describeFlags(x.flags) + " vs " + page::describeFlags(y.flags);
  if (x.previousPage != y.previousPage || x.nextPage != y.nextPage) return "sibling links";
  if (x.objectId != y.objectId) return "objid";
  const Bytes ea = a->externalHeader(), eb = b->externalHeader();
  if (!std::equal(ea.begin(), ea.end(), eb.begin(), eb.end())) return "external header";
  if (a->nodes.size() != b->nodes.size())
    return std::to_string(a->nodes.size()) + " nodes vs " + std::to_string(b->nodes.size());
  for (size_t i = 0; i < a->nodes.size(); ++i) {
    const page::Node& n = a->nodes[i];
    const page::Node& m = b->nodes[i];
    if (n.key() != m.key()) return "key of node " + std::to_string(i);
    if (!std::equal(n.data.begin(), n.data.end(), m.data.begin(), m.data.end())) return "data of node " + std::to_string(i);
    if (n.deleted() != m.deleted()) return "deleted flag of node " + std::to_string(i);
  }
  return {};
}

}  // namespace

TEST_CASE("S08's database with S09's logs becomes S09's database") {
  auto older = test::corpusFile("museum/SRUM/Server2022/APTSimulatorVM/Clean/SRU/SRUDB.dat");
  auto newer = test::corpusFile("museum/SRUM/Server2022/APTSimulatorVM/Clean_1DayLater/SRU");
  if (!older || !newer) return;
  const fs::path work = test::tempDir("windows_replay");
  const fs::path set = work / "set";
  fs::create_directories(set);
  fs::copy_file(*older, set / "SRUDB.dat");
  fs::copy_file(*newer / "SRUtmp.log", set / "SRU00002.log");  // generation 2, recycled under the tmp name
  for (const char* name : {"SRU00003.log", "SRU00004.log", "SRU.log"}) fs::copy_file(*newer / name, set / name);
  const fs::path out = work / "out";

  const CommandResult run = runCommand(cli() + " recover " + quote(set) + " --target " + quote(out) + " --json");
  INFO(run.output);
  REQUIRE(run.exitCode == 0);
  CHECK(jsonNumber(run.output, "pagesRedone") > 1000);
  const std::string end = jsonString(run.output, "end");
  checkRecoveredDatabase(out / "SRUDB.dat", end);

  const std::vector<uint8_t> ours = test::readFile(out / "SRUDB.dat");
  const std::vector<uint8_t> windows = test::readFile(*newer / "SRUDB.dat");
  auto header = readDatabaseHeader(windows);
  REQUIRE(header.isOk());
  const uint32_t pageSize = header->header.pageSize();
  CHECK(header->header.dbtimeDirtied == readDatabaseHeader(ours)->header.dbtimeDirtied);
  size_t compared = 0, different = 0;
  std::string first;
  for (size_t offset = 2 * size_t{pageSize}; offset + pageSize <= windows.size(); offset += pageSize) {
    const Bytes theirs(windows.data() + offset, pageSize);
    const uint32_t pgno = static_cast<uint32_t>(offset / pageSize - 1);
    if (offset + pageSize > ours.size()) {
      // Windows preallocated the file at shutdown (lastResize at the
      // ShutDownMark, no ExtendDB logged): those pages are zero.
      CHECK_MESSAGE(page::isAllZero(theirs), "page ", pgno, " is past our file but not zero in Windows' file");
      continue;
    }
    const Bytes mine(ours.data() + offset, pageSize);
    if (page::isAllZero(theirs) && page::isAllZero(mine)) continue;
    ++compared;
    const std::string difference = describePageDifference(mine, theirs);
    if (!difference.empty() && different++ == 0) first = "page " + std::to_string(pgno) + ": " + difference;
  }
  CHECK(compared > 60);  // 73 pages of the 142 are in use
  CHECK_MESSAGE(different == 0, different, " pages differ, first ", first);
}

TEST_CASE("S08's database with S09's logs but without generation 2: MissingLogFile, nothing written") {
  auto older = test::corpusFile("museum/SRUM/Server2022/APTSimulatorVM/Clean/SRU/SRUDB.dat");
  auto newer = test::corpusFile("museum/SRUM/Server2022/APTSimulatorVM/Clean_1DayLater/SRU");
  if (!older || !newer) return;
  const fs::path work = test::tempDir("windows_replay_gap");
  const fs::path set = work / "set";
  fs::create_directories(set);
  fs::copy_file(*older, set / "SRUDB.dat");
  for (const char* name : {"SRU00003.log", "SRU00004.log", "SRU.log"}) fs::copy_file(*newer / name, set / name);
  const fs::path out = work / "out";
  const CommandResult run = runCommand(cli() + " recover " + quote(set) + " --target " + quote(out) + " --json");
  INFO(run.output);
  CHECK(run.exitCode == 2);
  CHECK(jsonString(run.output, "error") == "JET_errMissingLogFile");
  CHECK(run.output.find("generation 2 (SRU00002.log)") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("S08's database with S09's logs, stopped after each generation: uncommitted work is undone") {
  auto older = test::corpusFile("museum/SRUM/Server2022/APTSimulatorVM/Clean/SRU/SRUDB.dat");
  auto newer = test::corpusFile("museum/SRUM/Server2022/APTSimulatorVM/Clean_1DayLater/SRU");
  if (!older || !newer) return;
  for (int32_t stop : {2, 3, 4}) {
    CAPTURE(stop);
    const fs::path work = test::tempDir("windows_replay_stop_" + std::to_string(stop));
    fs::copy_file(*older, work / "SRUDB.dat");
    fs::copy_file(*newer / "SRUtmp.log", work / "SRU00002.log");
    for (const char* name : {"SRU00003.log", "SRU00004.log", "SRU.log"}) fs::copy_file(*newer / name, work / name);
    for (const auto& entry : fs::directory_iterator(work))
      fs::permissions(entry.path(), fs::perms::owner_write, fs::perm_options::add);
    engine::RecoveryOptions options;
    options.logDirectory = work;
    options.baseName = "SRU";
    options.replayFromFirstLog = true;
    options.continueLog = false;
    options.stopAfterGeneration = stop;
    options.locate = [&](const std::string&) { return work / "SRUDB.dat"; };
    auto report = engine::recover(options);
    REQUIRE_MESSAGE(report.isOk(), report.status().toString());
    MESSAGE("stop after " << stop << ": " << report->pagesRedone << " redone, " << report->transactionsCommitted
                          << " committed, " << report->transactionsUndone << " undone");
    checkRecoveredDatabase(work / "SRUDB.dat", report->end.toString());
  }
}
