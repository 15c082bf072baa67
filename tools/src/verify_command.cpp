#include "verify_command.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <memory>
#include <set>

#include "verify_file.h"
#include "verify_output.h"

namespace esekit::tools {
namespace {

struct Target {
  std::filesystem::path path;
  std::filesystem::path relative;  // below the directory given, or the file name
  bool explicitPath = true;
};

// Files of `paths` in order: files as given, directories walked recursively
// (regular files only, sorted; unreadable subdirectories are skipped).
std::vector<Target> expandPaths(const std::vector<std::string>& paths) {
  std::vector<Target> targets;
  for (const std::string& given : paths) {
    const std::filesystem::path path(given);
    std::error_code error;
    if (!std::filesystem::is_directory(path, error)) {
      targets.push_back({path, path.filename(), true});
      continue;
    }
    std::vector<Target> found;
    auto options = std::filesystem::directory_options::skip_permission_denied;
    for (auto it = std::filesystem::recursive_directory_iterator(path, options, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
      std::error_code statusError;
      if (it->is_regular_file(statusError)) {
        found.push_back({it->path(), std::filesystem::relative(it->path(), path, statusError), false});
      }
    }
    std::sort(found.begin(), found.end(), [](const Target& a, const Target& b) { return a.path < b.path; });
    targets.insert(targets.end(), found.begin(), found.end());
  }
  return targets;
}

// Where --fix writes the copy of `target`: OUT itself for a single file
// (or OUT/<name> when OUT is a directory); OUT/<path below the walked
// directory> when several files are verified (OUT must then be a directory).
std::optional<std::filesystem::path> fixTarget(const std::string& out, const Target& target, bool single,
                                               std::string& problem) {
  const std::filesystem::path base(out);
  std::error_code error;
  const bool directory = std::filesystem::is_directory(base, error);
  if (single && !directory) return base;
  if (!directory) {
    problem = "--fix " + out + ": with several files, OUT must be an existing directory";
    return std::nullopt;
  }
  std::filesystem::path destination = base / (single ? target.path.filename() : target.relative);
  std::filesystem::create_directories(destination.parent_path(), error);
  return destination;
}

}  // namespace

int runVerify(const VerifyCommandOptions& options, std::ostream& out, std::ostream& err) {
  const std::vector<Target> targets = expandPaths(options.paths);
  VerifyOptions verifyOptions;
  verifyOptions.threads = options.threads;
  verifyOptions.progress = !options.quiet;
  verifyOptions.checkStructure = !options.checksumsOnly;
  TextOptions textOptions;
  textOptions.quiet = options.quiet;

  std::vector<VerifyStatus> statuses;
  std::set<std::filesystem::path> fixTargets;
  VerifyStatus worst = VerifyStatus::Ok;
  for (const Target& target : targets) {
    verifyOptions.explicitPath = target.explicitPath;
    verifyOptions.fixOutput.reset();
    FileReport report;
    bool verified = false;
    if (options.fixOutput) {
      std::string problem;
      auto destination = fixTarget(*options.fixOutput, target, targets.size() == 1, problem);
      std::error_code canonicalError;
      if (destination && !fixTargets.insert(std::filesystem::weakly_canonical(*destination, canonicalError)).second) {
        problem = "--fix: two inputs would be written to " + destination->string();
        destination.reset();
      }
      if (!destination) {
        report.path = target.path;
        report.fail(Status(JetError::InvalidParameter, problem), 0, "--fix output");
        verified = true;
      } else {
        verifyOptions.fixOutput = *destination;
      }
    }
    if (!verified) report = verifyFile(target.path, verifyOptions);
    statuses.push_back(report.status);
    worst = worse(worst, report.status);
    if (options.json) {
      out << formatReportJson(report) << '\n';
    } else {
      out << formatReportText(report, textOptions);
    }
    out.flush();
  }
  if (!options.json && (targets.size() > 1 || targets.empty())) out << formatTotals(statuses);
  (void)err;
  switch (worst) {
    case VerifyStatus::Ok:
    case VerifyStatus::Skipped: return kExitOk;
    case VerifyStatus::Corrected: return kExitCorrected;
    case VerifyStatus::Bad:
    case VerifyStatus::Error: return kExitBad;
  }
  return kExitBad;
}

void addVerifyCommand(CLI::App& app, int& exitCode) {
  auto options = std::make_shared<VerifyCommandOptions>();
  CLI::App* verify = app.add_subcommand(
      "verify",
      "Check ESE files completely: databases (header, shadow, every page), logs (header, every segment, record "
      "framing), checkpoints, flush maps, reserve logs. Directories are walked recursively.");
  verify->add_option("paths", options->paths, "Files or directories to verify")->required()->type_name("PATH");
  verify->footer(
      "Exit status: 0 all files ok (or skipped), 1 damage found and corrected/correctable (nothing bad),\n"
      "2 a file is bad or could not be verified, 64 usage error. Formats: doc/cli.md.");
  verify->add_flag("--json", options->json, "One JSON object per file per line (JSON Lines) on stdout");
  verify->add_option("--fix", options->fixOutput,
                     "Write a copy with single-bit errors corrected (and damaged header copies restored) to OUT "
                     "(a directory when several files are verified); the input is never modified")
      ->type_name("OUT");
  verify->add_option("--threads", options->threads, "Threads for page verification (default: all cores)")
      ->type_name("N")
      ->check(CLI::Range(0u, 1024u));
  verify->add_flag("--quiet,-q", options->quiet, "Print only files that are not ok; no progress bar");
  verify->add_flag("--checksums-only", options->checksumsOnly,
                   "Database pages: check checksums and page numbers only, not each page's tags and nodes "
                   "(like esentutl /k; faster)");
  verify->callback([options, &exitCode]() { exitCode = runVerify(*options, std::cout, std::cerr); });
}

}  // namespace esekit::tools
