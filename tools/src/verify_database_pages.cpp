// The page part of database verification: page::verifyDatabaseImage() on
// all cores, turned into counts and problems (page_verify.h documents the
// classes and their JET errors).
#include "verify_database_pages.h"

#include "checksum_problems.h"
#include "esekit/format/page_verify.h"

namespace esekit::tools {
namespace {

std::string countName(page::PageClass pageClass) {
  std::string name = page::pageClassName(pageClass);
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

Problem toProblem(const page::PageProblem& source) {
  Problem problem;
  problem.page = source.pageNumber;
  problem.area = "page";
  problem.fileOffset = source.fileOffset;
  problem.error = source.error;
  problem.reason = source.reason;
  problem.severity = source.pageClass == page::PageClass::Corrected ? VerifyStatus::Corrected : VerifyStatus::Bad;
  problem.bits = correctedBits(source.correctedBits, source.fileOffset);
  if (source.pageClass == page::PageClass::WrongPageNumber) problem.actualPage = source.actualPageNumber;
  problem.cause = source.badKind != page::BadKind::None ? page::badKindName(source.badKind)
                                                         : page::pageClassName(source.pageClass);
  if (source.tolerated) {
    problem.tolerated = true;
  }
  return problem;
}

}  // namespace

DatabasePagesSummary verifyDatabasePages(Bytes file, uint32_t pageSize, VerifyContext& context, FileReport& report) {
  page::VerifyOptions options;
  options.threads = context.options.threads;
  options.maxProblems = context.options.maxProblems;
  options.checkStructure = context.options.checkStructure;
  options.fixedCopy = context.repaired;
  if (context.progress != nullptr) {
    ProgressBar* progress = context.progress;
    options.progress = [progress, pageSize](uint64_t done, uint64_t /*total*/) {
      progress->update((done + 2) * uint64_t{pageSize});
    };
  }
  const page::DatabaseImageReport pages = page::verifyDatabaseImage(file, pageSize, options);

  for (size_t c = 0; c < page::kPageClassCount; ++c) {
    report.addCount(countName(static_cast<page::PageClass>(c)), pages.counts[c]);
  }
  for (const page::PageProblem& problem : pages.problems) report.addProblem(toProblem(problem), context.options.maxProblems);
  // Problems the component only counted still decide the verdict.
  if (pages.unlistedProblems > 0) {
    report.problemsTotal += pages.unlistedProblems;
    if (pages.damagedPages() > 0) report.status = worse(report.status, VerifyStatus::Bad);
    if (pages.count(page::PageClass::Corrected) > 0) report.status = worse(report.status, VerifyStatus::Corrected);
  }
  if (!pages.imageStatus.isOk()) {
    // A truncated image (trailing partial page, ...) cannot be verified
    // completely: an error, although the whole pages were checked.
    report.fail(pages.imageStatus, pages.trailingBytes > 0 ? file.size() - pages.trailingBytes : file.size());
  }
  if (pages.trailerPage) report.addFact("trailer_page", "true");
  if (pages.scratchDatabase) {
    report.addFact("scratch_database", "true");
    report.addFact("tolerated_pages", std::to_string(pages.toleratedPages));
  }
  DatabasePagesSummary summary;
  summary.pages = pages.totalPages;
  return summary;
}

}  // namespace esekit::tools
