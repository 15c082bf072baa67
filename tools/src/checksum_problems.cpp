#include "checksum_problems.h"

namespace esekit::tools {

std::vector<CorrectedBit> correctedBits(const std::vector<uint32_t>& pageBits, uint64_t fileOffset) {
  std::vector<CorrectedBit> bits;
  for (uint32_t position : pageBits) {
    CorrectedBit bit;
    bit.pageOffset = position / 8;
    bit.bit = static_cast<uint8_t>(position % 8);
    bit.fileOffset = fileOffset + bit.pageOffset;
    bits.push_back(bit);
  }
  return bits;
}

std::optional<Problem> checksumProblem(const checksum::PageChecksumCheck& check, uint32_t pgno, uint64_t fileOffset,
                                       MutableBytes repairedPage, JetError badError) {
  using Verdict = checksum::PageChecksumCheck::Verdict;
  if (check.verdict == Verdict::Ok) return std::nullopt;
  Problem problem;
  problem.fileOffset = fileOffset;
  if (check.verdict == Verdict::Correctable) {
    problem.severity = VerifyStatus::Corrected;
    problem.error = JetError::Success;  // ESE reads such a page successfully after correcting it
    problem.bits = correctedBits(check.flippedBits, fileOffset);
    problem.reason = "checksum mismatch corrected (single-bit error" + std::string(check.flippedBits.size() > 1 ? "s" : "") + ")";
    if (!repairedPage.empty() && !checksum::correctPage(repairedPage, pgno, check)) {
      problem.severity = VerifyStatus::Bad;
      problem.error = badError;
      problem.reason = "single-bit correction did not produce a verifying page";
    }
    return problem;
  }
  problem.severity = VerifyStatus::Bad;
  problem.error = badError;
  problem.reason = "checksum mismatch in block " + std::to_string(check.block) + ": stored " + hex64(check.stored) +
                   ", computed " + hex64(check.computed);
  return problem;
}

}  // namespace esekit::tools
