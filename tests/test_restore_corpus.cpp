// validateBackupSets on real Windows directories (INVENTORY.md sets S27,
// S10, S05): a Windows Mail JetBackup directory is a consistent backup set,
// a copied clean SRUM instance directory is consistent, and an IndexedDB
// directory holding a log of an older stream is refused naming that log.
// The corpus files are unchanged afterwards.
#include <doctest/doctest.h>

#include <optional>

#include "esekit/restore/validate.h"
#include "restore_test_support.h"

using namespace esekit;
using namespace esekit::test;

namespace {

std::string problemsText(const restore::ValidationReport& report) {
  std::string all;
  for (const restore::ValidationProblem& p : report.problems) all += p.status().toString() + "\n";
  return all;
}

// Validates one corpus directory as a backup set and checks that validation
// left its bytes and timestamps unchanged. nullopt: corpus absent (skipped).
std::optional<restore::ValidationReport> validateCorpusSet(const char* relative) {
  auto dir = corpusFile(relative);
  if (!dir) return std::nullopt;
  const auto before = snapshotDirectory(*dir);
  const std::vector<fs::path> sets{*dir};
  auto report = restore::validateBackupSets(sets);
  REQUIRE(report.isOk());
  return std::move(report.value());
}

}  // namespace

TEST_CASE("S27: the Windows Mail JetBackup directory is a consistent backup set") {
  auto report = validateCorpusSet("windowsmail-danyquenneville/Windows Mail/Backup/new");
  if (!report) return;
  CHECK_MESSAGE(report->valid(), problemsText(*report));
  REQUIRE(report->sets.size() == 1);
  const restore::ValidatedSet& set = report->sets[0];
  CHECK(set.kind == "JetBackup directory");
  REQUIRE(set.databases.size() == 1);
  CHECK(set.databases[0].name == "WindowsMail.MSMessageStore");
  CHECK(set.databases[0].state == DatabaseState::DirtyShutdown);
  CHECK(set.databases[0].requiredLow == 1);
  CHECK(set.databases[0].requiredHigh == 1);
  REQUIRE(set.logs.size() == 1);
  CHECK(set.logs[0].generation == 1);
  CHECK(report->firstGeneration == 1);
  CHECK(report->lastGeneration == 1);
}

TEST_CASE("S10: a copied clean SRUM instance directory is consistent") {
  auto report = validateCorpusSet("museum/SRUM/Win10/APTSimulatorVM/Clean");
  if (!report) return;
  CHECK_MESSAGE(report->valid(), problemsText(*report));
  const restore::ValidatedSet& set = report->sets[0];
  CHECK(set.kind == "log directory");
  CHECK(set.baseName == "SRU");
  REQUIRE(set.databases.size() == 1);
  CHECK(set.databases[0].state == DatabaseState::CleanShutdown);
  CHECK(set.databases[0].requiredLow == 0);
  // SRU00019..SRU0001F and SRU.log: generations 25-32; SRUtmp.log (a
  // recycled generation 24) is not part of the stream.
  CHECK(set.logs.size() == 8);
  CHECK(report->firstGeneration == 25);
  CHECK(report->lastGeneration == 32);
  bool recycledNoted = false;
  for (const std::string& note : set.notes) recycledNoted = recycledNoted || note.rfind("SRUtmp.log", 0) == 0;
  CHECK(recycledNoted);
}

TEST_CASE("S05: a log of another stream is JET_errBadLogSignature naming edb0000D.log") {
  auto report = validateCorpusSet("me5uts-appdata/IndexedDB");
  if (!report) return;
  CHECK_FALSE(report->valid());
  REQUIRE_MESSAGE(report->problems.size() == 1, problemsText(*report));
  const restore::ValidationProblem& problem = report->problems[0];
  CHECK(problem.error == JetError::BadLogSignature);
  CHECK(problem.file.filename() == "edb0000D.log");
  CHECK(problem.generation == 13);
  CHECK(report->status().code() == JetError::BadLogSignature);
}
