// checkIntegrity(): header, then the catalog and every table's trees, then
// space; plus the report's text and FieldList forms.
#include <algorithm>
#include <string>

#include "esekit/format/database_header.h"
#include "esekit/format/file_kind.h"
#include "esekit/format/integrity.h"
#include "integrity/integrity_internal.h"

namespace esekit::integrity {

const char* severityName(Severity severity) { return severity == Severity::Error ? "error" : "warning"; }

std::string Problem::toString() const {
  std::string text = std::string(severityName(severity)) + " " + jetErrorName(error) + " (" +
                     std::to_string(static_cast<int32_t>(error)) + ")";
  if (page != 0) text += " page " + std::to_string(page);
  if (node >= 0) text += " node " + std::to_string(node);
  if (!tree.empty()) text += " [" + tree + "]";
  return text + ": " + message;
}

namespace detail {

Checker::Checker(Bytes image, uint32_t pageSize, const IntegrityOptions& checkOptions, IntegrityReport& checkReport)
    : db{image, pageSize}, large(page::isLargePage(pageSize)), filePages(db.pageCount()), options(checkOptions),
      report(checkReport), reachedBy(static_cast<size_t>(filePages) + 1, 0) {}

void Checker::add(Severity severity, JetError code, uint32_t pgno, int node, const std::string& tree, std::string message) {
  if (report.stoppedEarly) return;  // stopAtFirst: the first error ends the report
  if (severity == Severity::Error) {
    ++report.errors;
    if (options.stopAtFirst) report.stoppedEarly = true;
  } else {
    ++report.warnings;
  }
  if (report.problems.size() < options.maxProblems)
    report.problems.push_back({severity, code, pgno, node, tree, std::move(message)});
}

void Checker::error(JetError code, uint32_t pgno, int node, const std::string& tree, std::string message) {
  add(Severity::Error, code, pgno, node, tree, std::move(message));
}

void Checker::warning(JetError code, uint32_t pgno, int node, const std::string& tree, std::string message) {
  add(Severity::Warning, code, pgno, node, tree, std::move(message));
}

}  // namespace detail

Result<IntegrityReport> checkIntegrity(Bytes databaseImage, const IntegrityOptions& options) {
  auto header = readDatabaseHeader(databaseImage.first(std::min(databaseImage.size(), kFileKindProbeSize)));
  if (!header) return header.status();
  const uint32_t pageSize = header->check.pageSize;
  if (!page::isSupportedPageSize(pageSize))
    return Status(JetError::DatabaseCorrupted, "unsupported page size " + std::to_string(pageSize));
  if (databaseImage.size() / pageSize < 3)
    return Status(JetError::DatabaseCorrupted, "file of " + std::to_string(databaseImage.size()) +
                                                   " bytes holds no database page after its two header pages");
  IntegrityReport report;
  report.pageSize = pageSize;
  report.dirty = header->header.state != DatabaseState::CleanShutdown;
  detail::Checker checker(databaseImage, pageSize, options, report);
  report.filePages = checker.filePages;
  detail::checkCatalogAndTables(checker);
  if (!checker.stopped()) detail::checkSpace(checker);
  return report;
}

std::string verdict(const IntegrityReport& report) {
  if (report.errors > 0)
    return "corrupt: " + std::to_string(report.errors) + (report.errors == 1 ? " problem" : " problems");
  if (report.warnings > 0)
    return "ok with " + std::to_string(report.warnings) + (report.warnings == 1 ? " warning" : " warnings");
  return "ok";
}

FieldList describe(const IntegrityReport& report) {
  FieldList fields;
  fields.text("integrity.verdict", verdict(report));
  fields.boolean("integrity.ok", report.ok());
  fields.unsignedNumber("integrity.errors", report.errors);
  fields.unsignedNumber("integrity.warnings", report.warnings);
  fields.unsignedNumber("integrity.page_size", report.pageSize);
  fields.unsignedNumber("integrity.file_pages", report.filePages);
  fields.unsignedNumber("integrity.database_pages", report.databasePages);
  fields.boolean("integrity.dirty", report.dirty);
  fields.boolean("integrity.stopped_early", report.stoppedEarly);
  fields.unsignedNumber("integrity.counts.trees", report.trees);
  fields.unsignedNumber("integrity.counts.pages", report.pages);
  fields.unsignedNumber("integrity.counts.nodes", report.nodes);
  fields.unsignedNumber("integrity.counts.records", report.records);
  fields.unsignedNumber("integrity.counts.long_values", report.longValues);
  fields.unsignedNumber("integrity.counts.leaked_pages", report.leakedPages);
  for (size_t i = 0; i < report.problems.size(); ++i) {
    const Problem& p = report.problems[i];
    const std::string base = "integrity.problems." + std::to_string(i) + ".";
    fields.text(base + "severity", severityName(p.severity));
    fields.text(base + "error", jetErrorName(p.error));
    fields.number(base + "code", static_cast<int32_t>(p.error));
    fields.unsignedNumber(base + "page", p.page);
    fields.number(base + "node", p.node);
    fields.text(base + "tree", p.tree);
    fields.text(base + "message", p.message);
  }
  for (size_t i = 0; i < report.treeSummaries.size(); ++i) {
    const TreeSummary& t = report.treeSummaries[i];
    const std::string base = "integrity.trees." + std::to_string(i) + ".";
    fields.text(base + "name", t.name);
    fields.unsignedNumber(base + "objid", t.objectId);
    fields.unsignedNumber(base + "root", t.rootPage);
    fields.unsignedNumber(base + "pages", t.pages);
    fields.unsignedNumber(base + "depth", t.depth);
    fields.unsignedNumber(base + "nodes", t.nodes);
    fields.unsignedNumber(base + "entries", t.entries);
    fields.unsignedNumber(base + "errors", t.errors);
  }
  return fields;
}

}  // namespace esekit::integrity
