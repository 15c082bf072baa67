// Database verification: header and shadow (database-header.md §5), then
// every page (page-format.md §6) through the page component, in parallel.
#include <algorithm>

#include "esekit/format/database_header.h"
#include "header_copies.h"
#include "status_location.h"
#include "verify_database_pages.h"
#include "verify_kinds.h"

namespace esekit::tools {

void checkDatabase(Bytes file, const FileKindDetection& detection, VerifyContext& context, FileReport& report) {
  report.kind = detection.kind == FileKind::TempDatabase ? "temp_database" : "database";
  const Bytes start = file.first(std::min(file.size(), kFileKindProbeSize));
  auto read = readDatabaseHeader(start);
  if (!read.isOk()) {
    const Status failure = read.status();
    if (failure.code() == JetError::ReadVerifyFailure) {
      // Both copies fail their checksums: damaged, but clearly a database.
      Problem problem;
      problem.area = "database header";
      problem.fileOffset = 0;
      problem.error = failure.code();
      problem.reason = failure.message() + "; pages not verified (page size unknown)";
      report.addProblem(std::move(problem), context.options.maxProblems);
      report.summary = "no usable header copy";
      return;
    }
    // Name where it failed: the offset in the message, else the end of a truncated file.
    const bool truncated = failure.message().find("truncated") != std::string::npos;
    report.fail(failure, offsetInMessage(failure.message()).value_or(truncated ? file.size() : 0), "database header");
    return;
  }
  const DatabaseHeader& header = read->header;
  const uint32_t pageSize = read->check.pageSize;
  HeaderPair pair{&read->check.primary, &read->check.shadow, read->check.use, "database header", "shadow header",
                  pageSize, JetError::ReadVerifyFailure};
  const std::string copies = reportHeaderPair(pair, file, report, context.options.maxProblems);

  report.addFact("page_size", std::to_string(pageSize));
  report.addFact("state", databaseStateName(header.state));
  report.addFact("format", header.formatVersionString());
  report.addFact("dbtime", std::to_string(header.dbtimeDirtied));
  report.addFact("log_signature", header.logSignature.toString());
  if (header.state == DatabaseState::DirtyShutdown || header.state == DatabaseState::DirtyAndPatchedShutdown) {
    report.addFact("required_logs", std::to_string(header.minRequiredGeneration) + "-" +
                                        std::to_string(header.maxRequiredGeneration));
  }
  report.addFact("consistent", header.consistentPosition.toString());

  const DatabasePagesSummary pages = verifyDatabasePages(file, pageSize, context, report);
  // After the pages: their corrected copy starts from the input image.
  restoreHeaderPair(pair, file, context.repaired);
  report.summary = "page size " + std::to_string(pageSize) + ", " + std::to_string(pages.pages) + " pages, " +
                   databaseStateName(header.state) + ", header: " + copies +
                   (read->check.identical ? " (identical)" : "");
}

}  // namespace esekit::tools
