#include "restore_command.h"

#include <CLI/CLI.hpp>

#include <cctype>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>

#include "esekit/restore/restore.h"
#include "json_writer.h"
#include "progress_bar.h"
#include "verify_command.h"

namespace esekit::tools {
namespace {

namespace fs = std::filesystem;

bool allDigits(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

void printError(std::ostream& out, bool json, const Status& status) {
  if (json) {
    JsonWriter w;
    w.beginObject().key("status").string("error").key("error").string(jetErrorName(status.code()));
    w.key("code").number(status.number()).key("message").string(status.message()).endObject();
    out << w.text() << '\n';
  } else {
    out << "esekit restore: " << status.toString() << '\n';
  }
}

}  // namespace

std::optional<int64_t> parseUntilTime(const std::string& text) {
  if (text.size() > 1 && text[0] == '@' && allDigits(text.substr(1))) return std::stoll(text.substr(1));
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char separator = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%n", &year, &month, &day, &separator, &hour, &minute,
                  &second, &used) != 7)
    return std::nullopt;
  if (separator != 'T' && separator != ' ') return std::nullopt;
  const std::string rest = text.substr(static_cast<size_t>(used));
  if (!rest.empty() && rest != "Z") return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(::timegm(&tm));
}

int runRestore(const RestoreCommandOptions& options, std::ostream& out, std::ostream& err) {
  if (options.paths.size() < 2) {
    err << "esekit restore: give one or more backup directories and then the target directory\n";
    return kExitUsage;
  }
  std::vector<fs::path> sets(options.paths.begin(), options.paths.end() - 1);
  const fs::path target = options.paths.back();
  restore::RestoreOptions restoreOptions;
  if (options.until) {
    if (allDigits(*options.until)) {
      restoreOptions.untilGeneration = static_cast<int32_t>(std::stol(*options.until));
    } else if (auto time = parseUntilTime(*options.until)) {
      restoreOptions.untilTime = *time;
    } else {
      err << "esekit restore: --until takes a log generation (decimal) or a UTC time like 2024-05-01T12:30:00Z or "
             "@<seconds since 1970>\n";
      return kExitUsage;
    }
  }
  uint64_t total = 0;
  std::error_code error;
  for (const fs::path& set : sets)
    for (const auto& entry : fs::directory_iterator(set, error))
      if (entry.is_regular_file(error)) total += entry.file_size(error);
  // The bar shows the whole restore as a percentage (validation, copy, replay).
  ProgressBar bar("restore", 1000, options.progress && progressWanted(total, options.json));
  restoreOptions.progress = [&](const restore::RestoreProgress& progress) {
    bar.update(static_cast<uint64_t>(progress.percent * 10));
  };
  auto report = restore::restore(sets, target, restoreOptions);
  bar.finish();
  if (!report.isOk()) {
    printError(out, options.json, report.status());
    return kExitBad;
  }
  if (options.json) {
    JsonWriter w;
    w.beginObject().key("status").string("ok");
    w.fieldMembers(restore::describe(*report));
    w.endObject();
    out << w.text() << '\n';
    return kExitOk;
  }
  out << "esekit restore: restored into " << target.string() << " in " << report->seconds << " s\n";
  for (const restore::RestoredDatabase& database : report->databases) {
    out << "database: " << database.path.string();
    if (!database.originalPath.empty()) out << " (was " << database.originalPath << ")";
    out << ", " << database.bytes << " bytes, clean\n";
  }
  if (report->lastGeneration != 0) {
    out << "log generations replayed: " << report->firstGeneration << "-" << report->lastGeneration
        << (report->pointInTime ? " (point in time: later generations not applied)" : "") << "\n";
    out << "transactions: " << report->recovery.transactionsCommitted << " committed, "
        << report->recovery.transactionsUndone << " undone; page operations: " << report->recovery.pagesRedone
        << " redone, " << report->recovery.pagesSkipped << " already in the copy\n";
    out << "open it with: log directory " << target.string() << ", base name " << report->baseName
        << ", log file size " << report->logFileSize << ", page size " << report->pageSize << "\n";
  }
  for (const std::string& note : report->recovery.notes) out << "note: " << note << "\n";
  return kExitOk;
}

void addRestoreCommand(CLI::App& app, int& exitCode) {
  auto options = std::make_shared<RestoreCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "restore",
      "Restore a full backup and its incrementals (oldest first) into a new or empty TARGET directory: validate, "
      "copy, replay the logs, leave clean databases and a log stream esekit opens without recovery.");
  command->add_option("paths", options->paths, "Backup directories, oldest first, then the target directory")
      ->required()
      ->expected(2, -1)
      ->type_name("BACKUP... TARGET");
  command->add_option("--until", options->until,
                      "Point in time: stop after this log generation, or at the last generation ended at or before "
                      "this UTC time (2024-05-01T12:30:00Z or @SECONDS)")
      ->type_name("GEN|TIME");
  command->add_flag("--json", options->json, "One JSON object instead of text");
  command->footer("Exit status: 0 restored, 2 refused or failed (nothing usable left in TARGET), 64 usage error. "
                  "Formats: doc/cli.md.");
  command->callback([options, &exitCode]() { exitCode = runRestore(*options, std::cout, std::cerr); });
}

}  // namespace esekit::tools
