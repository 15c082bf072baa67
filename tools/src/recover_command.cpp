#include "recover_command.h"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

#include "esekit/engine/instance.h"
#include "instance_from_log.h"
#include "json_writer.h"
#include "recover_windows.h"
#include "verify_command.h"
#include "verify_output.h"

namespace esekit::tools {
namespace {

namespace fs = std::filesystem;

void printError(std::ostream& out, bool json, const std::string& logDirectory, const Status& status) {
  if (json) {
    JsonWriter w;
    w.beginObject().key("logDirectory").string(logDirectory).key("status").string("error");
    w.key("error").string(jetErrorName(status.code())).key("code").number(status.number());
    w.key("message").string(status.message()).endObject();
    out << w.text() << '\n';
  } else {
    out << "esekit recover: " << logDirectory << ": " << status.toString() << '\n';
  }
}


std::string position(const LogPosition& p) { return p.toString(); }

}  // namespace

int runRecover(const RecoverCommandOptions& options, std::ostream& out, std::ostream& err) {
  if (options.target) {
    // A Windows log set, recovered into a copy (recover_windows.h).
    WindowsRecoveryOptions windows;
    windows.directory = options.logDirectory;
    windows.logDirectory = options.windowsLogDirectory;
    windows.systemDirectory = options.systemDirectory;
    windows.baseName = options.baseNameGiven ? options.baseName : std::string();
    windows.target = *options.target;
    return runRecoverWindows(windows, options.json, out, err);
  }
  if (options.baseName.size() != 3) {
    err << "esekit recover: --base must be three characters (like edb)\n";
    return kExitUsage;
  }
  auto instanceOptions = instanceOptionsFromLog(options.logDirectory, options.systemDirectory, options.baseName);
  if (!instanceOptions) {
    printError(out, options.json, options.logDirectory, instanceOptions.status());
    return kExitBad;
  }
  auto instance = engine::Instance::open(*instanceOptions);
  if (!instance) {
    printError(out, options.json, options.logDirectory, instance.status());
    return kExitBad;
  }
  const engine::RecoveryReport report = (*instance)->recovery();
  std::vector<std::string> databases;
  for (const engine::Database& db : (*instance)->databases()) databases.push_back(db.path().string());
  const Status down = (*instance)->shutdown();
  if (options.json) {
    JsonWriter w;
    w.beginObject().key("logDirectory").string(options.logDirectory);
    w.key("status").string(down.isOk() ? "ok" : "error");
    w.key("recovery").beginObject().key("ran").boolean(report.ran);
    w.key("start").string(position(report.start)).key("end").string(position(report.end));
    w.key("recordsReplayed").unsignedNumber(report.recordsReplayed);
    w.key("pagesRedone").unsignedNumber(report.pagesRedone).key("pagesSkipped").unsignedNumber(report.pagesSkipped);
    w.key("transactionsCommitted").unsignedNumber(report.transactionsCommitted);
    w.key("transactionsUndone").unsignedNumber(report.transactionsUndone).endObject();
    w.key("pageSize").unsignedNumber(instanceOptions->pageSize).key("logFileSize").unsignedNumber(instanceOptions->logFileSize);
    w.key("attached").beginArray();
    for (const std::string& d : databases) w.string(d);
    w.endArray();
    if (!down.isOk()) w.key("error").string(jetErrorName(down.code())).key("message").string(down.message());
    w.endObject();
    out << w.text() << '\n';
  } else {
    out << "esekit recover: " << options.logDirectory << "\n";
    if (!report.ran) {
      out << "recovery: not needed (the log ends with a clean shutdown)\n";
    } else {
      out << "recovery: ran from " << position(report.start) << " to " << position(report.end) << "\n";
      out << "records replayed: " << report.recordsReplayed << "\n";
      out << "page operations: " << report.pagesRedone << " redone, " << report.pagesSkipped
          << " already on disk\n";
      out << "transactions: " << report.transactionsCommitted << " committed, " << report.transactionsUndone
          << " undone\n";
    }
    for (const std::string& d : databases) out << "database: " << d << " (attached after recovery)\n";
    out << "shutdown: " << (down.isOk() ? std::string("clean") : down.toString()) << "\n";
  }
  return down.isOk() ? kExitOk : kExitBad;
}

void addRecoverCommand(CLI::App& app, int& exitCode) {
  auto options = std::make_shared<RecoverCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "recover",
      "Crash recovery of an esekit instance: replay its log from the checkpoint, undo unfinished transactions, "
      "leave the databases clean, and report what was done.");
  command->add_option("logdir", options->logDirectory,
                      "The instance's log directory (with --target: DIR, the Windows database's directory)")->required()->type_name("LOGDIR");
  command->add_option("--system-dir", options->systemDirectory, "Where <base>.chk lives (default: LOGDIR)")
      ->type_name("D");
  command->add_option("--base", options->baseName, "Three-character base name of the log files (default edb; "
                                                   "with --target: inferred when the directory has one)")
      ->type_name("NAME")
      ->each([options](const std::string&) { options->baseNameGiven = true; });
  command->add_option("--log-dir", options->windowsLogDirectory,
                      "With --target: where the logs are (default: the database directory)")
      ->type_name("D");
  command->add_flag("--json", options->json, "One JSON object instead of text");
  command->add_option("--target", options->target,
                      "Recover the Windows log set of DIR (database, logs, checkpoint; 8.4000.x or 7.3704.x logs, "
                      "also a JetBackup directory with its .pat) into a copy in OUT; DIR is only read")
      ->type_name("OUT");
  command->footer("Exit status: 0 recovered (or nothing to do), 2 recovery failed, 64 usage error. Formats: doc/cli.md.");
  command->callback([options, &exitCode]() { exitCode = runRecover(*options, std::cout, std::cerr); });
}

}  // namespace esekit::tools
