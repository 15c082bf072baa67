// Legacy backup patch file (<database>.pat, checkpoint-and-backup.md §3): the
// corpus files hold one PATCHHDR page (§5 layout: zero PGHDR but the
// checksum, BKINFO at 40, signDb at 64, signLog at 92) twice, once per
// database page; each copy carries the legacy XOR checksum over the whole
// page (checksums.md §1, §9). Checked here: both copies' checksums and that
// they are identical. No format component parses .pat files yet.
#include <algorithm>
#include <cstring>

#include "esekit/format/checksum.h"
#include "esekit/format/types.h"
#include "verify_kinds.h"

namespace esekit::tools {
namespace {

// Page size of the copies: from detection, else the size that makes the file
// exactly two (or one) copies.
size_t patchPageSize(size_t fileSize, uint32_t detected) {
  if (detected != 0) return detected;
  for (size_t size = 2048; size <= 32768; size *= 2) {
    if (fileSize == 2 * size) return size;
  }
  for (size_t size = 2048; size <= 32768; size *= 2) {
    if (fileSize == size) return size;
  }
  return 0;
}

}  // namespace

void checkPatchFile(Bytes file, const FileKindDetection& detection, VerifyContext& context, FileReport& report) {
  report.kind = "patch";
  const size_t pageSize = patchPageSize(file.size(), detection.pageSize);
  if (pageSize == 0 || file.size() < pageSize) {
    report.fail(Status(JetError::BadPatchPage, "patch file size " + std::to_string(file.size()) +
                                                   " is not one or two pages of 2-32 KiB (offset " +
                                                   std::to_string(file.size()) + ")"),
                file.size());
    return;
  }
  const size_t copies = file.size() / pageSize;
  bool goodCopy[2] = {false, false};
  for (size_t copy = 0; copy < copies && copy < 2; ++copy) {
    const Bytes page = file.subspan(copy * pageSize, pageSize);
    const uint32_t stored = ByteView(page).u32(0);
    const uint32_t computed = checksum::legacyXor(page);
    goodCopy[copy] = stored == computed;
    if (!goodCopy[copy]) {
      Problem problem;
      problem.area = "patch page copy " + std::to_string(copy + 1);
      problem.fileOffset = copy * pageSize;
      problem.error = JetError::BadPatchPage;
      problem.reason = "patch page checksum mismatch: stored " + hex32(stored) + ", computed " + hex32(computed);
      report.addProblem(std::move(problem), context.options.maxProblems);
    }
  }
  if (copies >= 2 && goodCopy[0] && goodCopy[1] &&
      std::memcmp(file.data(), file.data() + pageSize, pageSize) != 0) {
    Problem problem;
    problem.area = "patch page copy 2";
    problem.fileOffset = pageSize;
    problem.error = JetError::BadPatchPage;
    problem.reason = "the two patch page copies both verify but differ";
    report.addProblem(std::move(problem), context.options.maxProblems);
  }
  // One bad copy beside a good one is recoverable: ESE reads the good copy.
  if (copies >= 2 && goodCopy[0] != goodCopy[1]) {
    const size_t good = goodCopy[0] ? 0 : 1;
    for (Problem& problem : report.problems) problem.severity = VerifyStatus::Corrected;
    report.status = VerifyStatus::Corrected;
    if (!context.repaired.empty()) {
      std::memcpy(context.repaired.data() + (1 - good) * pageSize, file.data() + good * pageSize, pageSize);
    }
  }
  if (copies > 2 || file.size() % pageSize != 0) {
    Problem problem;
    problem.area = "file";
    problem.fileOffset = 2 * pageSize;
    problem.error = JetError::BadPatchPage;
    problem.reason = "unexpected data after the patch page copies (file size " + std::to_string(file.size()) + ")";
    report.addProblem(std::move(problem), context.options.maxProblems);
  }

  const size_t usable = goodCopy[0] ? 0 : (goodCopy[1] ? 1 : 0);
  ByteView view(file.subspan(usable * pageSize, pageSize));
  const BackupInfo backup = BackupInfo::parse(view, 40);
  const Signature logSignature = Signature::parse(view, 92);
  report.summary = std::to_string(copies) + " cop" + (copies == 1 ? "y" : "ies") + " of a " + std::to_string(pageSize) +
                   "-byte patch page, backup logs " + std::to_string(backup.generationLow) + "-" +
                   std::to_string(backup.generationHigh);
  report.addCount("copies_ok", static_cast<uint64_t>(goodCopy[0]) + static_cast<uint64_t>(goodCopy[1]));
  report.addCount("copies_bad", std::min<size_t>(copies, 2) - (static_cast<uint64_t>(goodCopy[0]) + static_cast<uint64_t>(goodCopy[1])));
  report.addFact("page_size", std::to_string(pageSize));
  report.addFact("backup_mark", backup.mark.toString());
  report.addFact("log_signature", logSignature.toString());
}

}  // namespace esekit::tools
