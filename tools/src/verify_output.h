// Printing verification reports: one text summary line per file (plus the
// problems, indented) or one JSON object per file per line. Field by field
// description in doc/cli.md.
#pragma once

#include <string>
#include <vector>

#include "verify_report.h"

namespace esekit::tools {

struct TextOptions {
  bool quiet = false;           // only files that are not ok/skipped, no problem list beyond maxProblems
  size_t maxProblems = 20;      // problems listed per file in text form
};

// Summary line and problem lines, each ending in '\n'; empty when quiet hides it.
std::string formatReportText(const FileReport& report, const TextOptions& options);

// One JSON object, no trailing newline.
std::string formatReportJson(const FileReport& report);

// "12 files: 10 ok, 1 corrected, 1 error, 3 skipped" with a trailing newline.
std::string formatTotals(const std::vector<VerifyStatus>& statuses);

// "JET_errReadVerifyFailure (-1018)"
std::string jetErrorLabel(JetError error);

}  // namespace esekit::tools
