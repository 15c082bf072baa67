// Issue 6 evidence on S27 (windowsmail-danyquenneville/Windows Mail/Backup/
// new/, corpus INVENTORY.md): the online backup Windows Mail made of its
// store with JetBackup: the streamed database copy (dirty, requiring gen 1,
// its last page the backup trailer), edb00001.log (v7 log, 7.3704) and the
// WindowsMail.pat patch file. `esekit recover DIR --target OUT` restores it:
// the .pat holds only the backup header (checkpoint-and-backup.md §5: no
// pages), the trailer page is cut, gen 1 is replayed, and the copy ends clean.
#include <doctest/doctest.h>

#include "restore_windows_support.h"

using namespace esekit;
using namespace esekit::test::windows;

TEST_CASE("S27: the Windows Mail JetBackup set restores into a clean database") {
  auto source = test::corpusFile("windowsmail-danyquenneville/Windows Mail/Backup/new");
  if (!source) return;
  const auto before = snapshot(*source);
  const fs::path out = test::tempDir("windows_s27") / "out";

  const CommandResult run = runCommand(cli() + " recover " + quote(*source) + " --target " + quote(out) + " --json");
  INFO(run.output);
  REQUIRE(run.exitCode == 0);
  CHECK(jsonString(run.output, "status") == "ok");
  CHECK(jsonString(run.output, "baseName") == "edb");
  // No checkpoint: from the start of generation 1 (the database requires 1-1).
  CHECK(jsonString(run.output, "start") == "(00000001,0000,0000)");
  const std::string end = jsonString(run.output, "end");
  CHECK(end.rfind("(00000001,", 0) == 0);
  CHECK(run.output.find("WindowsMail.pat: patch file with the backup header only") != std::string::npos);
  CHECK(run.output.find("trailer page was removed") != std::string::npos);
  CHECK(jsonNumber(run.output, "recordsReplayed") > 100);

  // The streamed copy is header pages + pages 1..256 + trailer; the restored
  // database is the same without the trailer.
  const auto copySize = fs::file_size(*source / "WindowsMail.MSMessageStore");
  CHECK(fs::file_size(out / "WindowsMail.MSMessageStore") == copySize - 8192);
  checkRecoveredDatabase(out / "WindowsMail.MSMessageStore", end);
  checkUnchanged(before, *source);
}

TEST_CASE("S27: a patch file of another database is refused and nothing is left") {
  auto source = test::corpusFile("windowsmail-danyquenneville/Windows Mail/Backup/new");
  if (!source) return;
  const fs::path work = test::tempDir("windows_s27_patch");
  const fs::path set = work / "set";
  fs::create_directories(set);
  for (const auto& entry : fs::directory_iterator(*source)) fs::copy_file(entry.path(), set / entry.path().filename());
  // Damage signDb in both copies of the patch page and re-checksum them
  // (legacy XOR over the page, checksums.md §1).
  std::vector<uint8_t> patch = test::readFile(set / "WindowsMail.pat");
  REQUIRE(patch.size() == 16384);
  for (size_t copy = 0; copy < 2; ++copy) {
    const Bytes page(patch.data() + copy * 8192, 8192);
    patch[copy * 8192 + 64] ^= 0xFF;
    const uint32_t sum = checksum::legacyXor(page);
    storeLittleEndian<uint32_t>(patch.data() + copy * 8192, sum);
  }
  fs::permissions(set / "WindowsMail.pat", fs::perms::owner_write, fs::perm_options::add);
  {
    std::ofstream file(set / "WindowsMail.pat", std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(patch.data()), static_cast<std::streamsize>(patch.size()));
  }
  const fs::path out = work / "out";
  const CommandResult run = runCommand(cli() + " recover " + quote(set) + " --target " + quote(out) + " --json");
  INFO(run.output);
  CHECK(run.exitCode == 2);
  CHECK(jsonString(run.output, "error") == "JET_errDatabasePatchFileMismatch");
  CHECK_FALSE(fs::exists(out));
}
