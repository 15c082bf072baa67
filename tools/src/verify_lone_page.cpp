// A file that is one database page on its own (e.g. the checksum test vector
// in the corpus). Its page number is not known from a file position, so it
// is recovered from the page itself (checksums.md §5 "diagnostic trick": the
// XOR half of an XOR+ECC checksum is folded with the page number; legacy
// pages store it in the high DWORD; large pages at offset 64), then the page
// is verified with it.
#include "checksum_problems.h"
#include "esekit/format/checksum.h"
#include "verify_kinds.h"

namespace esekit::tools {

void checkLonePage(Bytes file, VerifyContext& context, FileReport& report) {
  report.kind = "database_page";
  const size_t size = file.size();
  if (size != 2048 && size != 4096 && size != 8192 && size != 16384 && size != 32768) {
    report.fail(Status(JetError::ReadVerifyFailure, "a lone database page must be 2-32 KiB, this file is " +
                                                        std::to_string(size) + " bytes (offset " +
                                                        std::to_string(size) + ")"),
                size);
    return;
  }
  const ByteView view(file);
  const uint64_t stored = view.u64(0);
  uint32_t pgno = 0;
  switch (checksum::pageScheme(file)) {
    case checksum::PageScheme::Legacy:
      pgno = static_cast<uint32_t>(stored >> 32);
      break;
    case checksum::PageScheme::XorEcc:
      pgno = static_cast<uint32_t>(stored) ^ static_cast<uint32_t>(checksum::xorEcc(file, 0, true));
      break;
    case checksum::PageScheme::LargeBlocks:
      pgno = view.u32(64);
      break;
  }
  MutableBytes repaired = context.repaired;
  auto problem = checksumProblem(checksum::checkPage(file, pgno), pgno, 0, repaired, JetError::ReadVerifyFailure);
  report.addCount("ok", problem ? 0 : 1);
  report.addCount("corrected", problem && problem->severity == VerifyStatus::Corrected ? 1 : 0);
  report.addCount("bad", problem && problem->severity == VerifyStatus::Bad ? 1 : 0);
  if (problem) {
    problem->page = pgno;
    problem->area = "page";
    report.addProblem(std::move(*problem), context.options.maxProblems);
  }
  report.addFact("page_number", std::to_string(pgno));
  report.summary = std::to_string(size) + "-byte page, checksum taken as page " + std::to_string(pgno);
}

}  // namespace esekit::tools
