// validateBackupSets (validate.h): inspect every set, then check the chain.
#include "esekit/restore/validate.h"

#include <chrono>

#include "validate_internal.h"

namespace esekit::restore {
namespace fs = std::filesystem;

Status ValidationProblem::status() const {
  std::string where = file.string();
  if (page) where += ": page " + std::to_string(*page);
  return Status(error, where + ": " + message);
}

Status ValidationReport::status() const {
  if (problems.empty()) return Status();
  Status first = problems.front().status();
  if (problems.size() == 1) return first;
  return Status(first.code(), first.message() + " (and " + std::to_string(problems.size() - 1) + " more problem" +
                                  (problems.size() == 2 ? "" : "s") + ")");
}

Result<ValidationReport> validateBackupSets(std::span<const fs::path> sets, const ValidateOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  if (sets.empty()) return Status(JetError::InvalidParameter, "no backup set given");
  std::vector<fs::path> directories;
  for (const fs::path& set : sets) {
    std::error_code error;
    if (!fs::is_directory(set, error)) return Status(JetError::InvalidPath, set.string() + ": not a directory");
    directories.push_back(detail::setDirectory(set));
  }
  ValidationReport report;
  detail::Inspection inspection{report, options};
  for (const fs::path& dir : directories) inspection.totalBytes += detail::setBytes(dir);
  std::vector<detail::SetState> states;
  for (size_t i = 0; i < directories.size(); ++i) states.push_back(detail::inspectSet(directories[i], i, inspection));
  detail::checkChain(states, inspection);
  for (detail::SetState& state : states) {
    report.bytesChecked += state.set.bytesRead;
    report.sets.push_back(std::move(state.set));
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

FieldList describe(const ValidationReport& report) {
  FieldList fields;
  fields.text("verdict", report.valid() ? "valid" : "invalid");
  fields.unsignedNumber("problemCount", report.problems.size());
  for (size_t i = 0; i < report.sets.size(); ++i) {
    const ValidatedSet& set = report.sets[i];
    FieldList s;
    s.text("directory", set.directory.string());
    s.text("kind", set.kind);
    s.boolean("manifest", set.hasManifest);
    if (!set.backupType.empty()) s.text("type", set.backupType);
    s.number("firstGeneration", set.firstGeneration);
    s.number("lastGeneration", set.lastGeneration);
    s.unsignedNumber("bytes", set.bytesRead);
    for (size_t j = 0; j < set.databases.size(); ++j) {
      const ValidatedDatabase& d = set.databases[j];
      FieldList db;
      db.text("file", d.file.string());
      if (!d.originalPath.empty()) db.text("originalPath", d.originalPath);
      db.text("state", databaseStateName(d.state));
      db.unsignedNumber("pageSize", d.pageSize);
      db.unsignedNumber("pages", d.pages);
      db.boolean("trailerPage", d.trailerPage);
      db.number("requiredLow", d.requiredLow);
      db.number("requiredHigh", d.requiredHigh);
      db.text("logSignature", d.logSignature.toString());
      s.nest("databases." + std::to_string(j), db);
    }
    s.unsignedNumber("logCount", set.logs.size());
    for (size_t j = 0; j < set.notes.size(); ++j) s.text("notes." + std::to_string(j), set.notes[j]);
    fields.nest("sets." + std::to_string(i), s);
  }
  FieldList chain;
  chain.text("logSignature", report.logSignature.toString());
  chain.text("baseName", report.baseName);
  chain.number("firstGeneration", report.firstGeneration);
  chain.number("lastGeneration", report.lastGeneration);
  chain.number("requiredLow", report.requiredLow);
  chain.number("requiredHigh", report.requiredHigh);
  fields.nest("chain", chain);
  for (size_t i = 0; i < report.problems.size(); ++i) {
    const ValidationProblem& p = report.problems[i];
    FieldList problem;
    problem.text("error", jetErrorName(p.error));
    problem.number("code", static_cast<int32_t>(p.error));
    problem.text("file", p.file.string());
    if (p.generation) problem.number("generation", *p.generation);
    if (p.page) problem.unsignedNumber("page", *p.page);
    if (p.offset) problem.unsignedNumber("offset", *p.offset);
    problem.text("message", p.message);
    fields.nest("problems." + std::to_string(i), problem);
  }
  fields.unsignedNumber("bytesChecked", report.bytesChecked);
  fields.text("seconds", std::to_string(report.seconds));
  return fields;
}

}  // namespace esekit::restore
