// Turning a checksum::checkPage() verdict for a page or 4 KiB block into a
// Problem, and repairing single-bit errors in the --fix copy. Used for the
// blocks esekit verifies itself (flush map pages, patch pages); database
// pages and log segments come with verdicts from their components.
#pragma once

#include <optional>

#include "esekit/format/checksum.h"
#include "verify_report.h"

namespace esekit::tools {

// nullopt when `check` is Ok. Correctable -> severity Corrected with the
// exact bits; Bad -> severity Bad with `badError`. When `repairedPage` is not
// empty the bits are flipped there (it must hold the same bytes as the page).
std::optional<Problem> checksumProblem(const checksum::PageChecksumCheck& check, uint32_t pgno, uint64_t fileOffset,
                                       MutableBytes repairedPage, JetError badError);

// The CorrectedBit list for page-absolute bit positions of a page at `fileOffset`.
std::vector<CorrectedBit> correctedBits(const std::vector<uint32_t>& pageBits, uint64_t fileOffset);

}  // namespace esekit::tools
