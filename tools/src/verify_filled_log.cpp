// Pre-created temp logs (edbtmp.log) and reserve logs (edbres00001.jrs) that
// were never used as a log: the whole file is fill (log-format.md §1, §2;
// INVENTORY.md observation 5). Anything else inside is reported with its
// offset.
#include "verify_kinds.h"

namespace esekit::tools {

void checkFilledLog(Bytes file, FillKind fill, VerifyContext& context, FileReport& report) {
  report.kind = "reserve_log";
  const char* fillName = fill == FillKind::Zero ? "all zero" : "0xDA fill pattern";
  const auto mismatch = firstFillMismatch(file, fill);
  report.summary = std::string("unused pre-created log (") + fillName + ")";
  report.addFact("fill", fill == FillKind::Zero ? "zero" : "0xDA pattern");
  if (mismatch) {
    Problem problem;
    problem.area = "file";
    problem.fileOffset = *mismatch;
    problem.error = JetError::LogFileCorrupt;
    problem.reason = std::string("byte ") + hex32(file[*mismatch]) + " breaks the " + fillName + " (expected " +
                     hex32(fillByte(*mismatch, fill)) + ")";
    report.addProblem(std::move(problem), context.options.maxProblems);
  }
  report.addCount("bytes_checked", file.size());
}

}  // namespace esekit::tools
