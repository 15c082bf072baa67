// Issue 6 evidence on S12 (museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/
// Dirty/, see corpus INVENTORY.md): a dirty SRUDB.dat acquired while SRUM
// had it attached, its logs 78-82 and SRU.chk (gen 81). `esekit recover DIR
// --target OUT` must leave a clean copy whose consistent position is the
// end of the replayed log, whose pages all verify, which passes `esekit
// integrity` and which esedbexport reads completely, without changing one
// byte or timestamp of the evidence.
#include <doctest/doctest.h>

#include "interop/external_readers.h"
#include "restore_windows_support.h"

using namespace esekit;
using namespace esekit::test::windows;

TEST_CASE("S12: the dirty SRUM database recovers into a clean copy") {
  auto source = test::corpusFile("museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Dirty");
  if (!source) return;
  const auto before = snapshot(*source);
  const fs::path out = test::tempDir("windows_s12") / "out";

  const CommandResult run = runCommand(cli() + " recover " + quote(*source) + " --target " + quote(out) + " --json");
  INFO(run.output);
  REQUIRE(run.exitCode == 0);
  CHECK(jsonString(run.output, "status") == "ok");
  CHECK(jsonString(run.output, "baseName") == "SRU");
  // Redo starts at the checkpoint (gen 81, sector 9) and reads to the end of
  // SRU.log (gen 82, empty).
  CHECK(jsonString(run.output, "start") == "(00000051,0009,0000)");
  const std::string end = jsonString(run.output, "end");
  CHECK(end.rfind("(00000052,", 0) == 0);
  CHECK(jsonNumber(run.output, "transactionsUndone") == 0);

  checkRecoveredDatabase(out / "SRUDB.dat", end);
  checkUnchanged(before, *source);

  if (!test::readers::esedbexportAvailable()) {
    test::readers::readerMissing("esedbexport");
    return;
  }
  const auto tables = test::readers::exportDatabase(out / "SRUDB.dat");
  // INVENTORY: 13 tables (esedbexport OK on the dirty original).
  CHECK(tables.size() == 13);
}

TEST_CASE("S12: a missing required log stops before anything is written") {
  auto source = test::corpusFile("museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Dirty");
  if (!source) return;
  const fs::path work = test::tempDir("windows_s12_missing");
  const fs::path set = work / "set";
  fs::create_directories(set);
  for (const auto& entry : fs::directory_iterator(*source))
    if (entry.path().filename() != "SRU00051.log") fs::copy_file(entry.path(), set / entry.path().filename());
  const fs::path out = work / "out";
  const CommandResult run = runCommand(cli() + " recover " + quote(set) + " --target " + quote(out) + " --json");
  INFO(run.output);
  CHECK(run.exitCode == 2);
  CHECK(jsonString(run.output, "error") == "JET_errMissingLogFile");
  CHECK(run.output.find("generation 81") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("S12: logs of another stream are refused with the generation named") {
  auto source = test::corpusFile("museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Dirty");
  auto other = test::corpusFile("museum/SRUM/Win10/RathbunVM/Clean/SRU.log");
  if (!source || !other) return;
  const fs::path work = test::tempDir("windows_s12_signature");
  const fs::path set = work / "set";
  fs::create_directories(set);
  for (const auto& entry : fs::directory_iterator(*source))
    if (entry.path().filename() != "SRU.log") fs::copy_file(entry.path(), set / entry.path().filename());
  fs::copy_file(*other, set / "SRU.log");
  const fs::path out = work / "out";
  const CommandResult run = runCommand(cli() + " recover " + quote(set) + " --target " + quote(out) + " --json");
  INFO(run.output);
  CHECK(run.exitCode == 2);
  CHECK(jsonString(run.output, "error") == "JET_errBadLogSignature");
  CHECK(run.output.find("generation 9") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
}
