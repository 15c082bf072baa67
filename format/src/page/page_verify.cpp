// Classification of one database page (page-format.md §6, checksums.md §4-§5).
#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>

#include "esekit/format/checksum.h"
#include "esekit/format/page.h"
#include "esekit/format/page_verify.h"

namespace esekit::page {
namespace {

using checksum::PageChecksumCheck;

constexpr size_t kStoredPgnoOffset = 64;  // PGHDR2.pgno, §2.2
constexpr uint32_t kChecksumFormatFlagBit = 8 * 36 + 13;  // flag 0x2000 of fFlags, checksums.md §4.1

std::string num(uint64_t value) { return std::to_string(value); }

// Checksum block size of a 16/32 KiB page, checksums.md §4.2.
size_t largeBlockSize(size_t pageSize) { return pageSize <= 16384 ? 4096 : 8192; }

PageVerdict make(PageClass pageClass, std::string reason) {
  PageVerdict verdict;
  verdict.pageClass = pageClass;
  verdict.error = pageClassError(pageClass);
  verdict.reason = std::move(reason);
  return verdict;
}

// Why the header cannot be an ESE page header, or nullptr when it can.
const char* implausibleHeader(Bytes page) {
  const ByteView view(page);
  const size_t area = page.size() - headerSize(page.size());
  const uint32_t flags = view.u32(36);
  if (flags & ~flag::Known) return "flags (page offset 36) has unassigned bits set";
  if (view.u16(28) > area) return "cbFree (page offset 28) exceeds the data area";
  if (view.u16(30) > view.u16(28)) return "cbUncommittedFree (page offset 30) exceeds cbFree";
  if (view.u16(32) > area) return "ibMicFree (page offset 32) exceeds the data area";
  if (kTagSize * size_t{uint16_t(view.u16(34) & 0x0FFF)} >= area) return "tag array (page offset 34) exceeds the data area";
  return nullptr;
}

// Checksum good (for `pgno`): page number field and structure decide.
PageVerdict acceptChecksumGood(Bytes page, uint32_t pgno, bool checkStructure) {
  if (isLargePage(page.size())) {
    const uint32_t stored = loadLittleEndian<uint32_t>(page.data() + kStoredPgnoOffset);
    if (stored != pgno) {
      PageVerdict verdict = make(PageClass::WrongPageNumber, "PGHDR2.pgno (page offset 64) is " + num(stored) +
                                                                 ", expected " + num(pgno));
      verdict.actualPageNumber = stored;
      return verdict;
    }
  }
  if (checkStructure) {
    const Status structure = validatePage(page);
    if (!structure.isOk()) return make(PageClass::Malformed, structure.message());
  }
  return PageVerdict{};
}

PageVerdict tryCorrection(Bytes page, uint32_t pgno, const PageChecksumCheck& check, MutableBytes correctedOut,
                          bool checkStructure) {
  std::vector<uint8_t> trial(page.begin(), page.end());
  if (!checksum::correctPage(trial, pgno, check)) {
    PageVerdict verdict = make(PageClass::Bad, "single-bit correction did not produce a verifying page");
    verdict.badKind = BadKind::ChecksumMismatch;
    return verdict;
  }
  const PageVerdict after = acceptChecksumGood(trial, pgno, checkStructure);
  if (after.pageClass != PageClass::Ok) {
    // ESE re-checks a corrected page and fails the read if it is not sound.
    PageVerdict verdict = make(PageClass::Bad, "single-bit correction at " + describeBit(check.flippedBits.front()) +
                                                   " gives an invalid page: " + after.reason);
    verdict.badKind = BadKind::CorrectionInvalid;
    return verdict;
  }
  std::string reason = "single-bit error";
  reason += check.flippedBits.size() > 1 ? "s corrected at " : " corrected at ";
  for (size_t i = 0; i < check.flippedBits.size(); ++i) {
    if (i) reason += ", ";
    reason += describeBit(check.flippedBits[i]);
  }
  PageVerdict verdict = make(PageClass::Corrected, std::move(reason));
  verdict.correctedBits = check.flippedBits;
  if (correctedOut.size() == page.size()) std::memcpy(correctedOut.data(), trial.data(), trial.size());
  return verdict;
}

// Single-bit errors ESE itself does not correct (it fails the read with
// -1018), but which are unambiguous for XOR+ECC pages, checksums.md §5:
//  - a flipped bit in the stored checksum (bytes 0-7): the data matches the
//    recomputed checksum and the two differ in exactly one of 64 bits, which
//    a flipped data bit can never produce (it changes the XOR half and the
//    ECC half);
//  - the checksum-format flag, bit 301 (§5 step 4): flipping it back makes
//    the page verify under the other scheme.
// Each candidate is accepted only when the page then verifies completely
// (possibly with further ordinary single-bit corrections in other blocks).
std::optional<PageVerdict> tryCorrectionBeyondEse(Bytes page, uint32_t pgno, const PageChecksumCheck& check,
                                                  MutableBytes correctedOut, bool checkStructure) {
  uint32_t candidates[2];
  size_t candidateCount = 0;
  const uint64_t difference = check.stored ^ check.computed;
  // On pages <= 8 KiB a flip in the XOR half (bytes 0-3) looks exactly like
  // the page of pgno ^ (1 << bit): that case is left to the WrongPageNumber
  // test. Large pages tell them apart: a wrong pgno changes all four blocks.
  const bool xorHalfAmbiguous = check.scheme == checksum::PageScheme::XorEcc && (difference >> 32) == 0;
  if (check.scheme != checksum::PageScheme::Legacy && check.block == 0 && std::popcount(difference) == 1 &&
      !xorHalfAmbiguous)
    candidates[candidateCount++] = static_cast<uint32_t>(std::countr_zero(difference));  // block 0 starts the page
  candidates[candidateCount++] = kChecksumFormatFlagBit;
  std::vector<uint8_t> trial;
  for (size_t i = 0; i < candidateCount; ++i) {
    const uint32_t bit = candidates[i];
    trial.assign(page.begin(), page.end());
    trial[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    const PageChecksumCheck again = checksum::checkPage(trial, pgno);
    std::vector<uint32_t> bits{bit};
    if (again.verdict == PageChecksumCheck::Verdict::Correctable) {
      // Block 0 must now match exactly: a further "single-bit" correction in
      // the block we just changed could turn two real errors plus our guess
      // into a miscorrection (the code detects up to three flipped bits in a
      // block, but corrects only one). Other blocks of large pages are
      // independent and follow the ordinary rule.
      const size_t block0Size = isLargePage(page.size()) ? largeBlockSize(page.size()) : page.size();
      const auto inBlock0 = [block0Size](uint32_t b) { return b / 8 < block0Size; };
      if (std::any_of(again.flippedBits.begin(), again.flippedBits.end(), inBlock0)) continue;
      if (!checksum::correctPage(trial, pgno, again)) continue;
      bits.insert(bits.end(), again.flippedBits.begin(), again.flippedBits.end());
    } else if (again.verdict != PageChecksumCheck::Verdict::Ok) {
      continue;
    }
    if (acceptChecksumGood(trial, pgno, checkStructure).pageClass != PageClass::Ok) continue;
    std::string reason = bit == kChecksumFormatFlagBit ? "flipped checksum-format flag (bit 301) corrected"
                                                       : "flipped bit in the stored checksum corrected at " + describeBit(bit);
    for (size_t b = 1; b < bits.size(); ++b) reason += ", single-bit error corrected at " + describeBit(bits[b]);
    reason += " (ESE does not correct this bit itself: it reports JET_errReadVerifyFailure)";
    PageVerdict verdict = make(PageClass::Corrected, std::move(reason));
    verdict.correctedBits = std::move(bits);
    if (correctedOut.size() == page.size()) std::memcpy(correctedOut.data(), trial.data(), trial.size());
    return verdict;
  }
  return std::nullopt;
}

PageVerdict classifyFailure(Bytes page, uint32_t pgno, const PageChecksumCheck& check) {
  // Checksums bind the page number (§4): see whether the data verifies as
  // another page. New format: lo32(stored) ^ lo32(computed) ^ pgno is the page
  // number the data was checksummed for (checksums.md §5 "diagnostic trick");
  // old format stores it in the high DWORD; large pages also at offset 64.
  uint32_t candidates[3];
  size_t candidateCount = 0;
  if (check.scheme == checksum::PageScheme::Legacy) {
    candidates[candidateCount++] = static_cast<uint32_t>(check.stored >> 32);
  } else {
    candidates[candidateCount++] = static_cast<uint32_t>(check.stored) ^ static_cast<uint32_t>(check.computed) ^ pgno;
  }
  if (isLargePage(page.size())) candidates[candidateCount++] = loadLittleEndian<uint32_t>(page.data() + kStoredPgnoOffset);
  for (size_t i = 0; i < candidateCount; ++i) {
    const uint32_t candidate = candidates[i];
    if (candidate == pgno || (i > 0 && candidate == candidates[0])) continue;
    if (checksum::checkPage(page, candidate).verdict != PageChecksumCheck::Verdict::Ok) continue;
    std::string reason = "checksum verifies as page " + num(candidate) + ", not as page " + num(pgno);
    const uint32_t pgnoDifference = candidate ^ pgno;
    if (check.scheme == checksum::PageScheme::XorEcc && std::popcount(pgnoDifference) == 1)
      reason += " (or the stored checksum has a flipped bit at " + describeBit(std::countr_zero(pgnoDifference)) +
                ": on pages <= 8 KiB the two cannot be told apart)";
    PageVerdict verdict = make(PageClass::WrongPageNumber, std::move(reason));
    verdict.actualPageNumber = candidate;
    return verdict;
  }

  PageVerdict verdict = make(PageClass::Bad, {});
  if (const char* why = implausibleHeader(page)) {
    verdict.badKind = BadKind::NotEsePage;
    verdict.reason = std::string("checksum mismatch; not an ESE page: ") + why;
  } else if (check.scheme == checksum::PageScheme::Legacy && check.stored == 0) {
    // Seen on temp databases (checksums.md §4.1): plausible header, no checksum.
    verdict.badKind = BadKind::NoChecksum;
    verdict.reason = "page written without a checksum (checksum field zero, flag 0x2000 clear)";
  } else {
    verdict.badKind = BadKind::ChecksumMismatch;
    verdict.reason = "checksum mismatch";
    if (check.scheme == checksum::PageScheme::LargeBlocks) verdict.reason += " in block " + num(check.block);
    verdict.reason += ": stored " + hex64(check.stored) + ", computed " + hex64(check.computed);
  }
  return verdict;
}

}  // namespace

const char* pageClassName(PageClass pageClass) {
  switch (pageClass) {
    case PageClass::Ok: return "ok";
    case PageClass::Uninitialized: return "uninitialized";
    case PageClass::Corrected: return "corrected";
    case PageClass::Bad: return "bad";
    case PageClass::WrongPageNumber: return "wrong-page-number";
    case PageClass::Malformed: return "malformed";
  }
  return "unknown";
}

JetError pageClassError(PageClass pageClass) {
  switch (pageClass) {
    case PageClass::Ok:
    case PageClass::Corrected: return JetError::Success;
    case PageClass::Uninitialized: return JetError::PageNotInitialized;
    case PageClass::Bad: return JetError::ReadVerifyFailure;
    case PageClass::WrongPageNumber: return JetError::ReadPgnoVerifyFailure;
    case PageClass::Malformed: return JetError::DatabaseCorrupted;
  }
  return JetError::ReadVerifyFailure;
}

const char* badKindName(BadKind kind) {
  switch (kind) {
    case BadKind::None: return "none";
    case BadKind::ChecksumMismatch: return "checksum-mismatch";
    case BadKind::NoChecksum: return "no-checksum";
    case BadKind::NotEsePage: return "not-ese-page";
    case BadKind::CorrectionInvalid: return "correction-invalid";
  }
  return "unknown";
}

std::string describeBit(uint32_t bit) { return "byte " + num(bit / 8) + " bit " + num(bit % 8); }

PageVerdict verifyPage(Bytes page, uint32_t pgno, MutableBytes correctedOut, bool checkStructure) {
  if (!isSupportedPageSize(page.size()))
    return make(PageClass::Bad, "page of " + num(page.size()) + " bytes: not a page size (2, 4, 8, 16 or 32 KiB)");
  const PageChecksumCheck check = checksum::checkPage(page, pgno);
  switch (check.verdict) {
    case PageChecksumCheck::Verdict::Ok: return acceptChecksumGood(page, pgno, checkStructure);
    case PageChecksumCheck::Verdict::Correctable: return tryCorrection(page, pgno, check, correctedOut, checkStructure);
    case PageChecksumCheck::Verdict::Bad: break;
  }
  if (isAllZero(page)) return make(PageClass::Uninitialized, {});
  if (auto corrected = tryCorrectionBeyondEse(page, pgno, check, correctedOut, checkStructure)) return *corrected;
  return classifyFailure(page, pgno, check);
}

PageClass classifyPage(Bytes page, uint32_t pgno) { return verifyPage(page, pgno).pageClass; }

Status PageProblem::status() const {
  std::string message = "page " + num(pageNumber) + " (file offset " + hex64(fileOffset) + "): " +
                        pageClassName(pageClass);
  if (!reason.empty()) message += ": " + reason;
  if (tolerated) message += " (tolerated: scratch database)";
  return Status(error, std::move(message));
}

}  // namespace esekit::page
