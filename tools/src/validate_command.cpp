#include "validate_command.h"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

#include "esekit/restore/validate.h"
#include "json_writer.h"
#include "progress_bar.h"
#include "verify_command.h"

namespace esekit::tools {
namespace {

namespace fs = std::filesystem;

std::string generations(int32_t low, int32_t high) {
  if (low == 0 && high == 0) return "none";
  return low == high ? std::to_string(low) : std::to_string(low) + "-" + std::to_string(high);
}

void printText(const restore::ValidationReport& report, std::ostream& out) {
  out << "esekit validate: " << (report.valid() ? "VALID" : "INVALID") << " (" << report.sets.size() << " set"
      << (report.sets.size() == 1 ? "" : "s") << ", log generations "
      << generations(report.firstGeneration, report.lastGeneration)
      << ", " << report.bytesChecked << " bytes checked)\n";
  for (size_t i = 0; i < report.sets.size(); ++i) {
    const restore::ValidatedSet& set = report.sets[i];
    out << "set " << i + 1 << ": " << set.directory.string() << " (" << set.kind << "): log generations "
        << generations(set.firstGeneration, set.lastGeneration) << ", " << set.logs.size() << " log file"
        << (set.logs.size() == 1 ? "" : "s") << "\n";
    for (const restore::ValidatedDatabase& d : set.databases) {
      out << "  database " << d.file.filename().string() << ": " << databaseStateName(d.state) << ", " << d.pages
          << " pages of " << d.pageSize << " bytes" << (d.trailerPage ? ", backup trailer page" : "")
          << ", needs log generations " << generations(d.requiredLow, d.requiredHigh) << "\n";
    }
    for (const std::string& note : set.notes) out << "  note: " << note << "\n";
  }
  for (const restore::ValidationProblem& p : report.problems) {
    out << "problem: " << jetErrorName(p.error) << " (" << static_cast<int32_t>(p.error) << "): " << p.file.string();
    if (p.generation) out << ": generation " << *p.generation;
    if (p.page) out << ": page " << *p.page;
    if (p.offset) out << ": offset " << *p.offset;
    out << ": " << p.message << "\n";
  }
}

}  // namespace

int runValidate(const ValidateCommandOptions& options, std::ostream& out, std::ostream& err) {
  if (options.sets.empty()) {
    err << "esekit validate: give at least one backup directory\n";
    return kExitUsage;
  }
  std::vector<fs::path> sets(options.sets.begin(), options.sets.end());
  uint64_t total = 0;
  std::error_code error;
  for (const fs::path& set : sets)
    for (const auto& entry : fs::directory_iterator(set, error))
      if (entry.is_regular_file(error)) total += entry.file_size(error);
  ProgressBar bar("validate", total, progressWanted(total, options.json));
  restore::ValidateOptions validateOptions;
  validateOptions.threads = options.threads;
  validateOptions.progress = [&](uint64_t done, uint64_t) { bar.update(done); };
  auto report = restore::validateBackupSets(sets, validateOptions);
  bar.finish();
  if (!report.isOk()) {
    if (options.json) {
      JsonWriter w;
      w.beginObject().key("verdict").string("error").key("error").string(jetErrorName(report.status().code()));
      w.key("code").number(report.status().number()).key("message").string(report.status().message()).endObject();
      out << w.text() << '\n';
    } else {
      out << "esekit validate: " << report.status().toString() << '\n';
    }
    return kExitBad;
  }
  if (options.json) {
    out << fieldListToJson(restore::describe(*report)) << '\n';
  } else {
    printText(*report, out);
  }
  return report->valid() ? kExitOk : kExitBad;
}

void addValidateCommand(CLI::App& app, int& exitCode) {
  auto options = std::make_shared<ValidateCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "validate",
      "Check backup sets read-only before trusting them (CHKSGFILES): page and segment checksums, headers, log "
      "signatures and sequence, manifest hashes, chain continuity.");
  command->add_option("backup", options->sets, "Backup directories, oldest first (full, then incrementals)")
      ->required()
      ->type_name("BACKUP...");
  command->add_flag("--json", options->json, "One JSON object instead of text");
  command->add_option("--threads", options->threads, "Page verification threads (default: all cores)");
  command->footer("Exit status: 0 valid, 2 problems found, 64 usage error. Formats: doc/cli.md.");
  command->callback([options, &exitCode]() { exitCode = runValidate(*options, std::cout, std::cerr); });
}

}  // namespace esekit::tools
