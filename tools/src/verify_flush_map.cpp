// Flush map (.jfm) verification. No format component describes the flush
// map yet (checksums.md §1 lists it as out of scope), so this checks only
// what every corpus .jfm shows (16 of 16 files):
//  - an 8 KiB header page at offset 0 whose legacy XOR checksum over its
//    first 4096 bytes verifies (checksums.md §2; the rest of the page is zero);
//  - map pages of 8 KiB from offset 8192, each all zero (not yet written) or
//    verifying as XOR+ECC with page number = index of the map page (0 for
//    the first; every corpus file has a single map page, so whether later
//    pages use their index is UNCONFIRMED).
// Not checked: the header fields and the per-page flush states against the
// database (that needs the database).
#include <algorithm>

#include "checksum_problems.h"
#include "esekit/format/checksum.h"
#include "verify_kinds.h"

namespace esekit::tools {
namespace {

constexpr size_t kFlushMapPageSize = 8192;
constexpr size_t kFlushMapChecksummedHeader = 4096;

bool allZero(Bytes bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace

void checkFlushMap(Bytes file, VerifyContext& context, FileReport& report) {
  report.kind = "flush_map";
  if (file.size() < kFlushMapPageSize) {
    report.fail(Status(JetError::ReadVerifyFailure, "flush map truncated: " + std::to_string(file.size()) +
                                                        " bytes, the header page alone is 8192 bytes (offset " +
                                                        std::to_string(file.size()) + ")"),
                file.size());
    return;
  }
  const uint32_t stored = ByteView(file).u32(0);
  const uint32_t computed = checksum::legacyXor(file.first(kFlushMapChecksummedHeader));
  if (stored != computed) {
    Problem problem;
    problem.area = "header";
    problem.fileOffset = 0;
    problem.error = JetError::ReadVerifyFailure;
    problem.reason = "flush map header checksum mismatch: stored " + hex32(stored) + ", computed " + hex32(computed);
    report.addProblem(std::move(problem), context.options.maxProblems);
  }

  uint64_t ok = 0, uninitialized = 0, corrected = 0, bad = 0;
  const size_t mapPages = (file.size() - kFlushMapPageSize) / kFlushMapPageSize;
  for (size_t index = 0; index < mapPages; ++index) {
    const uint64_t offset = kFlushMapPageSize * (index + 1);
    const Bytes page = file.subspan(offset, kFlushMapPageSize);
    if (allZero(page)) {
      ++uninitialized;
      continue;
    }
    const auto pgno = static_cast<uint32_t>(index);
    MutableBytes repairedPage = context.repaired.empty() ? MutableBytes{} : context.repaired.subspan(offset, kFlushMapPageSize);
    auto problem = checksumProblem(checksum::checkPage(page, pgno), pgno, offset, repairedPage, JetError::ReadVerifyFailure);
    if (!problem) {
      ++ok;
      continue;
    }
    problem->area = "map page " + std::to_string(index);
    (problem->severity == VerifyStatus::Corrected ? corrected : bad) += 1;
    report.addProblem(std::move(*problem), context.options.maxProblems);
  }
  if (file.size() % kFlushMapPageSize != 0) {
    Problem problem;
    problem.area = "file";
    problem.fileOffset = file.size() - file.size() % kFlushMapPageSize;
    problem.error = JetError::ReadVerifyFailure;
    problem.reason = "file size " + std::to_string(file.size()) + " is not a multiple of the 8192-byte flush map page";
    report.addProblem(std::move(problem), context.options.maxProblems);
  }
  report.summary = "header " + std::string(stored == computed ? "ok" : "bad") + ", " + std::to_string(mapPages) +
                   " map page" + (mapPages == 1 ? "" : "s") + "; flush states not checked against the database";
  report.addCount("ok", ok);
  report.addCount("uninitialized", uninitialized);
  report.addCount("corrected", corrected);
  report.addCount("bad", bad);
  report.addFact("not_checked", "header fields; per-page flush states against the database");
}

}  // namespace esekit::tools
