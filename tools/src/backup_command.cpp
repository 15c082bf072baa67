#include "backup_command.h"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

#include "esekit/backup/backup.h"
#include "esekit/engine/instance.h"
#include "instance_from_log.h"
#include "json_writer.h"
#include "progress_bar.h"
#include "snapshot_command.h"
#include "verify_command.h"

namespace esekit::tools {
namespace {

namespace fs = std::filesystem;

void printError(std::ostream& out, bool json, const BackupCommandOptions& options, const Status& status) {
  if (json) {
    JsonWriter w;
    w.beginObject().key("logDirectory").string(options.logDirectory).key("destination").string(options.destination);
    w.key("status").string("error").key("error").string(jetErrorName(status.code()));
    w.key("code").number(status.number()).key("message").string(status.message()).endObject();
    out << w.text() << '\n';
  } else {
    out << "esekit backup: " << status.toString() << '\n';
  }
}


uint64_t estimateBytes(const BackupCommandOptions& options) {
  uint64_t total = 0;
  std::error_code error;
  for (const std::string& db : options.databases) total += fs::file_size(db, error);
  for (const auto& entry : fs::directory_iterator(options.logDirectory, error)) {
    if (entry.path().extension() == ".log") total += entry.file_size(error);
  }
  return total;
}

}  // namespace

int runBackup(const BackupCommandOptions& options, std::ostream& out, std::ostream& err) {
  backup::BackupOptions backupOptions;
  auto type = backup::parseBackupType(options.type);
  if (!type) {
    err << "esekit backup: --type " << options.type << ": use full, incremental, differential, copy, log or pages\n";
    return kExitUsage;
  }
  backupOptions.type = *type;
  Status compression = backup::parseCompressionSpec(options.compress, backupOptions.compression,
                                                    backupOptions.compressionLevel);
  if (!compression.isOk()) {
    err << "esekit backup: --compress: " << compression.message() << '\n';
    return kExitUsage;
  }
  if (options.baseName.size() != 3) {
    err << "esekit backup: --base must be three characters (like edb)\n";
    return kExitUsage;
  }
  backupOptions.atomic = !options.noAtomic;
  backupOptions.createPaths = options.createPaths;
  backupOptions.previousBackup = options.previous;

  auto settings = instanceOptionsFromLog(options.logDirectory, options.systemDirectory, options.baseName);
  if (!settings) {
    printError(out, options.json, options, settings.status());
    return kExitBad;
  }
  auto instance = engine::Instance::open(*settings);
  if (!instance) {
    printError(out, options.json, options, instance.status());
    return kExitBad;
  }
  for (const std::string& db : options.databases) {
    auto attached = (*instance)->attachDatabase(db);
    if (!attached) {
      printError(out, options.json, options, attached.status());
      (void)(*instance)->shutdown();
      return kExitBad;
    }
  }
  const uint64_t estimate = estimateBytes(options);
  ProgressBar bar("backup", estimate, progressWanted(estimate, options.quiet || options.json));
  backupOptions.progress = [&](const backup::BackupProgress& p) { bar.update(std::min(p.bytesDone, estimate)); };
  auto result = backup::backup(**instance, options.destination, backupOptions);
  bar.finish();
  const Status down = (*instance)->shutdown();
  if (!result) {
    printError(out, options.json, options, result.status());
    return kExitBad;
  }
  if (!down.isOk()) {
    printError(out, options.json, options, down);
    return kExitBad;
  }
  const backup::Manifest& m = result->manifest;
  if (options.json) {
    JsonWriter w;
    w.beginObject().key("logDirectory").string(options.logDirectory).key("destination").string(options.destination);
    w.key("status").string("ok").key("type").string(backup::backupTypeName(options.destination.empty() ? *type : m.type));
    w.key("files").unsignedNumber(result->filesWritten).key("bytesRead").unsignedNumber(result->bytesRead);
    w.key("bytesStored").unsignedNumber(result->bytesStored).key("seconds").real(result->seconds, 3);
    w.key("stamp").beginObject().key("startGeneration").number(m.stamp.startGeneration);
    w.key("endGeneration").number(m.stamp.endGeneration).key("checkpoint").string(m.stamp.checkpoint.toString());
    w.key("mark").string(m.stamp.mark.toString()).endObject();
    w.key("logsTruncated").boolean(result->logsTruncated).key("truncatedBefore").number(result->truncatedBefore);
    w.key("notes").beginArray();
    for (const std::string& note : result->notes) w.string(note);
    w.endArray().endObject();
    out << w.text() << '\n';
  } else if (options.destination.empty()) {
    out << "esekit backup: no destination: logs truncated below generation " << result->truncatedBefore << "\n";
  } else {
    out << "esekit backup: " << backup::backupTypeName(m.type) << " backup of " << options.logDirectory << " into "
        << options.destination << "\n";
    out << "files: " << result->filesWritten << " (" << result->bytesRead << " bytes read, " << result->bytesStored
        << " stored) in " << result->seconds << " s\n";
    out << "logs: generations " << m.stamp.startGeneration << " to " << m.stamp.endGeneration << "\n";
    if (result->logsTruncated) out << "truncated: generations below " << result->truncatedBefore << "\n";
    for (const std::string& note : result->notes) out << "note: " << note << "\n";
  }
  return kExitOk;
}

void addBackupCommand(CLI::App& app, int& exitCode) {
  auto options = std::make_shared<BackupCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "backup",
      "Back up an esekit instance (not running elsewhere) into a directory: databases with verified pages, the logs "
      "they need, a manifest; truncates the logs after success (full, incremental, log).");
  command->add_option("logdir", options->logDirectory, "The instance's log directory")->type_name("LOGDIR");
  CLI::Option* dest = command->add_option("dest", options->destination, "Backup directory (\"\" only truncates logs)")
                          ->type_name("DEST");
  command->add_option("--database", options->databases, "Database to attach and back up (repeatable)")
      ->type_name("DB");
  command->add_option("--type", options->type, "full, incremental, differential, copy, log or pages (default full)")
      ->type_name("T");
  command->add_option("--compress", options->compress, "none, zstd or zstd:LEVEL (default none)")->type_name("C");
  command->add_option("--previous", options->previous, "The backup an incremental/differential builds on")
      ->type_name("DIR");
  command->add_option("--system-dir", options->systemDirectory, "Where <base>.chk lives (default: LOGDIR)")
      ->type_name("D");
  command->add_option("--base", options->baseName, "Base name of the log files (default edb)")->type_name("NAME");
  command->add_flag("--no-atomic", options->noAtomic, "Write straight into DEST, which must be empty");
  command->add_flag("--create", options->createPaths, "Create DEST if it does not exist");
  command->add_flag("--json", options->json, "One JSON object instead of text");
  command->add_flag("--quiet", options->quiet, "No progress bar");
  command->add_option("--export-snapshot", options->exportSnapshot,
                      "Freeze, snapshot the files, thaw; write the backup-components document DOC (doc/snapshot.md)")
      ->type_name("DOC");
  command->add_option("--snapshot-dir", options->snapshotDirectory, "Where the snapshot files go (default DOC.files)")
      ->type_name("DIR");
  command->add_option("--from-snapshot", options->fromSnapshot, "Make the backup DEST from the snapshot of DOC")
      ->type_name("DOC");
  command->add_option("--complete", options->complete, "The copy of DOC's snapshot is safe: let LOGDIR truncate")
      ->type_name("DOC");
  command->add_option("--freeze-timeout", options->freezeTimeoutMs, "Longest freeze in ms (default 20000)")
      ->type_name("MS");
  command->footer("Exit status: 0 complete, 2 failed (nothing changed), 64 usage error. Formats: doc/cli.md.");
  command->callback([options, dest, &exitCode]() {
    options->destinationGiven = dest->count() > 0;
    if (snapshotModeRequested(*options)) {
      exitCode = runSnapshotMode(*options, std::cout, std::cerr);
    } else if (options->logDirectory.empty() || !options->destinationGiven) {
      std::cerr << "esekit backup: LOGDIR and DEST are required (DEST \"\" only truncates logs)\n";
      exitCode = kExitUsage;
    } else {
      exitCode = runBackup(*options, std::cout, std::cerr);
    }
  });
}

}  // namespace esekit::tools
