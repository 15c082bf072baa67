// The transportable snapshot hand-off of `esekit backup` (doc/snapshot.md):
// --export-snapshot DOC, then --from-snapshot DOC DEST (another process),
// then --complete DOC lets the source truncate — only with the document of
// the instance's pending snapshot.
#include <CLI/CLI.hpp>

#include <fstream>
#include <sstream>

#include "backup_command.h"
#include "esekit/restore/restore.h"
#include "snapshot_command.h"
#include "snapshot_test_support.h"

namespace esekit::test {
namespace {

struct Run {
  int exit = -1;
  std::string out;
  std::string err;
};

Run runMode(const tools::BackupCommandOptions& options) {
  std::ostringstream out, err;
  Run run;
  run.exit = tools::runSnapshotMode(options, out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

// Parses `args` as the real CLI does (CLI11), without running anything else.
int parseExit(std::vector<std::string> args) {
  CLI::App app("esekit");
  int exitCode = -1;
  tools::addBackupCommand(app, exitCode);
  std::vector<const char*> argv{"esekit"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return 64;
  }
  return exitCode;
}

TEST_CASE("esekit backup --export-snapshot, --from-snapshot, --complete: the hand-off round trip") {
  const fs::path root = freshDir("tools-snapshot");
  fs::path logs, database;
  {
    TestInstance t = openTestInstance(root);
    fillLogs(t);
    logs = t.logs;
    database = t.database;
    REQUIRE(t.instance->shutdown().isOk());
  }
  const fs::path document = root / "components.json";

  tools::BackupCommandOptions exportOptions;
  exportOptions.logDirectory = logs.string();
  exportOptions.exportSnapshot = document.string();
  exportOptions.databases = {database.string()};
  exportOptions.json = true;
  Run exported = runMode(exportOptions);
  REQUIRE_MESSAGE(exported.exit == 0, exported.out, exported.err);
  CHECK_MESSAGE(exported.out.find("\"ok\"") != std::string::npos, exported.out);
  REQUIRE(fs::exists(document));
  CHECK(fs::is_directory(root / "components.json.files"));
  CHECK(fs::exists(logs / "esekit-snapshot-edb.json"));
  auto parsed = backup::readSnapshotDocument(document);
  REQUIRE_MESSAGE(parsed.isOk(), parsed.status().toString());
  CHECK(parsed->type == backup::BackupType::Full);
  CHECK(parsed->files.front().kind == backup::FileKind::Database);
  for (const backup::SnapshotFile& file : parsed->files) {
    REQUIRE(file.hash.has_value());
    auto digest = backup::hashFile(file.snapshot);
    REQUIRE(digest.isOk());
    CHECK(digest->hash == *file.hash);
    CHECK(digest->size == file.size);
  }
  const int32_t start = parsed->stamp.startGeneration;
  REQUIRE(start > 1);
  // Round trip of the document.
  auto again = backup::parseSnapshotDocument(backup::serializeSnapshotDocument(*parsed));
  REQUIRE(again.isOk());
  CHECK(again->id == parsed->id);
  CHECK(again->files.size() == parsed->files.size());

  // The instance goes on after the export (a later run of the application).
  {
    TestInstance t = openTestInstance(root);
    REQUIRE(commitBatches(t, 3, 0, 10).isOk());
    REQUIRE(t.instance->shutdown().isOk());
  }

  // Another process makes the backup from the snapshot files.
  tools::BackupCommandOptions fromOptions;
  fromOptions.fromSnapshot = document.string();
  fromOptions.logDirectory = (root / "backup").string();  // the only positional: DEST
  fromOptions.createPaths = true;
  Run made = runMode(fromOptions);
  REQUIRE_MESSAGE(made.exit == 0, made.out, made.err);
  auto restored = restoreSnapshotBackup(root / "backup", root / "restored");
  // The state at the export: thread 9's 320 batches, nothing of thread 3.
  CHECK(restored[9] == 320);
  CHECK(restored.count(3) == 0);

  // restore/ (what `esekit restore` runs) accepts the set and replays it.
  const fs::path sets[] = {root / "backup"};
  auto restoredByModule = restore::restore(sets, root / "restored-by-module");
  REQUIRE_MESSAGE(restoredByModule.isOk(), restoredByModule.status().toString());
  CHECK(restoredByModule->lastGeneration == parsed->stamp.endGeneration);

  // Not truncated yet.
  CHECK(generationOnDisk(logs, 1));

  SUBCASE("a document that is not the pending snapshot is refused") {
    std::string text;
    {
      std::ifstream in(document);
      std::stringstream content;
      content << in.rdbuf();
      text = content.str();
    }
    const size_t at = text.find(parsed->id);
    REQUIRE(at != std::string::npos);
    text.replace(at, parsed->id.size(), "0123456789abcdef");
    const fs::path other = root / "other.json";
    std::ofstream(other) << text;
    tools::BackupCommandOptions completeOptions;
    completeOptions.logDirectory = logs.string();
    completeOptions.complete = other.string();
    Run refused = runMode(completeOptions);
    CHECK(refused.exit == 2);
    CHECK_MESSAGE(refused.out.find("OSSnapshotInvalidSnapId") != std::string::npos, refused.out);
    CHECK(generationOnDisk(logs, 1));
    CHECK(fs::exists(logs / "esekit-snapshot-edb.json"));
  }
  SUBCASE("--complete truncates once; a second --complete finds no pending snapshot") {
    tools::BackupCommandOptions completeOptions;
    completeOptions.logDirectory = logs.string();
    completeOptions.complete = document.string();
    completeOptions.json = true;
    Run completed = runMode(completeOptions);
    REQUIRE_MESSAGE(completed.exit == 0, completed.out, completed.err);
    CHECK_FALSE(generationOnDisk(logs, 1));
    CHECK_FALSE(generationOnDisk(logs, start - 1));
    CHECK_FALSE(fs::exists(logs / "esekit-snapshot-edb.json"));
    CHECK_FALSE(fs::exists(root / "components.json.files"));
    CHECK(fullSlotOnDisk(database).generationLow == static_cast<uint32_t>(start));
    Run second = runMode(completeOptions);
    CHECK(second.exit == 2);
    CHECK_MESSAGE(second.out.find("OSSnapshotInvalidSnapId") != std::string::npos, second.out);
    // Nothing the instance still needs was deleted: it opens and commits.
    TestInstance t = openTestInstance(root);
    CHECK(commitBatches(t, 4, 0, 2).isOk());
    REQUIRE(t.instance->shutdown().isOk());
  }
}

TEST_CASE("esekit backup: argument combinations of the snapshot modes") {
  CHECK(parseExit({"backup", "/nonexistent-logs"}) == 64);  // no DEST, no mode
  CHECK(parseExit({"backup", "--export-snapshot", "a.json", "--complete", "a.json", "/x"}) == 64);
  CHECK(parseExit({"backup", "/logs", "/dest", "--export-snapshot", "a.json"}) == 64);
  CHECK(parseExit({"backup", "--from-snapshot", "a.json"}) == 64);
  CHECK(parseExit({"backup", "/logs", "/dest", "--from-snapshot", "a.json"}) == 64);
  // A missing document is a failure (2), not a usage error.
  CHECK(parseExit({"backup", "--from-snapshot", "/nonexistent/a.json", "/dest"}) == 2);
}

}  // namespace
}  // namespace esekit::test
