// Verification of database pages and of a whole database image, as ESE does
// on every page read (page-format.md §6, checksums.md §4-§5).
//
// Page classes and the JET error each stands for:
//   Ok               checksum good, page structurally valid.
//   Uninitialized    all bytes zero: JET_errPageNotInitialized (-1019). A
//                    normal state for never-used pages: counted, not an error.
//   Corrected        single-bit error(s) (at most one per checksum block) that
//                    ESE would fix in place; the exact page-absolute bit
//                    positions are reported, and the corrected page is valid.
//                    Beyond ESE (which fails such reads with -1018), two
//                    unambiguous single-bit errors are also corrected on
//                    XOR+ECC pages: a flipped bit in the stored checksum
//                    (bytes 0-7) and a flipped checksum-format flag (bit
//                    301); the reason then says ESE would not correct it.
//                    Exception: on pages <= 8 KiB a flipped bit in bytes 0-3
//                    (the XOR half, which also carries the pgno) cannot be
//                    told from the page of pgno ^ (1 << bit); it is reported
//                    as WrongPageNumber, with both readings in the reason.
//   Bad              checksum mismatch that cannot be corrected:
//                    JET_errReadVerifyFailure (-1018). Also a correctable page
//                    whose correction fails structural validation (ESE then
//                    reports -1018 too).
//   WrongPageNumber  the page verifies, but as another page number (checksum
//                    consistent with a different pgno, or PGHDR2.pgno differs
//                    on 16/32 KiB pages): JET_errReadPgnoVerifyFailure (-1118).
//                    The page number the data belongs to is reported.
//   Malformed        checksum good but the page fails structural validation
//                    (validatePage): JET_errDatabaseCorrupted (-1206), which is
//                    what ESE's CPAGE::ErrCheckPage returns for such a page.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/fields.h"
#include "esekit/format/status.h"

namespace esekit::page {

enum class PageClass : uint8_t { Ok, Uninitialized, Corrected, Bad, WrongPageNumber, Malformed };
inline constexpr size_t kPageClassCount = 6;
// "ok", "uninitialized", "corrected", "bad", "wrong-page-number", "malformed".
const char* pageClassName(PageClass pageClass);
// The JET error a page of this class gives (Success for Ok and Corrected).
JetError pageClassError(PageClass pageClass);

// Why a Bad page is bad (diagnostic detail; all are -1018).
enum class BadKind : uint8_t {
  None,
  ChecksumMismatch,  // an ESE page header whose checksum does not match (damage)
  NoChecksum,        // plausible header, flag 0x2000 clear and checksum field zero: written without a checksum
  NotEsePage,        // header fields impossible for an ESE page: foreign (non-ESE) data
  CorrectionInvalid, // single-bit correction possible, but the corrected page is malformed
};
const char* badKindName(BadKind kind);

struct PageVerdict {
  PageClass pageClass = PageClass::Ok;
  JetError error = JetError::Success;
  BadKind badKind = BadKind::None;
  // Corrected: page-absolute bit positions (byte * 8 + bit, LSB first) that
  // were flipped, first-found first (the one ESE reports).
  std::vector<uint32_t> correctedBits;
  // WrongPageNumber: the page number the data belongs to.
  uint32_t actualPageNumber = 0;
  // Human-readable detail (empty for Ok and Uninitialized).
  std::string reason;
};

// Classifies one page read as page number `pgno`. `page` must be one whole
// page (2-32 KiB); other sizes give Bad with a reason. When the page is
// Corrected and `correctedOut` has the page's size, the corrected page is
// written there (otherwise `correctedOut` is not touched). With
// `checkStructure` false, a checksum-good page is Ok without validatePage().
PageVerdict verifyPage(Bytes page, uint32_t pgno, MutableBytes correctedOut = {}, bool checkStructure = true);
PageClass classifyPage(Bytes page, uint32_t pgno);

// "byte 4660 bit 3" for a page-absolute bit position.
std::string describeBit(uint32_t bit);

// --- Whole database image ---------------------------------------------------

struct PageProblem {
  uint32_t pageNumber = 0;
  uint64_t fileOffset = 0;
  PageClass pageClass = PageClass::Bad;
  JetError error = JetError::ReadVerifyFailure;
  BadKind badKind = BadKind::None;
  std::vector<uint32_t> correctedBits;  // page-absolute
  uint32_t actualPageNumber = 0;
  std::string reason;
  // Failure on a scratch database (see DatabaseImageReport::scratchDatabase):
  // listed and counted, but not damage.
  bool tolerated = false;

  // "page 42 (file offset 0x2b000): <reason>" with this problem's JET error
  // (Success for Corrected).
  Status status() const;
};

struct VerifyOptions {
  // Worker threads; 0 = std::thread::hardware_concurrency().
  unsigned threads = 0;
  // Called with (pages done, total pages) after each chunk of pages (a few
  // MiB), from worker threads, but never concurrently (an internal mutex
  // serializes the calls) and with non-decreasing counts; the last call has
  // done == total. Must not throw and should return quickly.
  std::function<void(uint64_t pagesDone, uint64_t totalPages)> progress;
  // When non-empty (it must have the image's size and must not be the
  // image): receives a copy of the image with every Corrected page fixed.
  // The input image is never modified.
  MutableBytes fixedCopy;
  // Problems listed (lowest page numbers first); the rest are only counted.
  size_t maxProblems = 1000;
  // Run validatePage() on checksum-good pages (Malformed class).
  bool checkStructure = true;
  // Treat a scratch database like any other (no tolerated failures).
  bool strict = false;
};

struct DatabaseImageReport {
  uint32_t pageSize = 0;
  // Database pages verified: whole pages after header and shadow (pgno
  // 1..totalPages), not counting a trailer page.
  uint64_t totalPages = 0;
  // The last whole page is the trailer (PATCHHDR) of a streamed backup image
  // (checkpoint-and-backup.md §5): zero PGHDR except a legacy XOR checksum
  // over the whole page at 0-3, and the header's signDb at 64. Recognised only
  // when that checksum verifies and signDb matches; then it is not a database
  // page and is excluded from counts and totalPages.
  bool trailerPage = false;
  std::array<uint64_t, kPageClassCount> counts{};
  std::vector<PageProblem> problems;  // every class except Ok/Uninitialized, ascending pgno
  uint64_t unlistedProblems = 0;      // problems beyond maxProblems
  // Image-level failure: bad page size, image too small for header + shadow,
  // trailing partial page (whole pages are still verified), unusable fixedCopy.
  Status imageStatus;
  uint64_t trailingBytes = 0;  // bytes after the last whole page
  // The image header (magic 0x89ABCDEF) says state JustCreated (1) or file
  // type TempDatabase (5): a database whose creation never completed, which
  // ESE never reads back (temp databases are recreated at every start).
  // Its page failures are reported with tolerated = true and are not damage.
  bool scratchDatabase = false;
  uint64_t toleratedPages = 0;
  bool fixedCopyWritten = false;

  uint64_t count(PageClass pageClass) const { return counts[static_cast<size_t>(pageClass)]; }
  // Bad + WrongPageNumber + Malformed pages, minus tolerated ones.
  uint64_t damagedPages() const;
  // Nothing wrong with the image (Corrected pages count as something wrong).
  bool clean() const { return imageStatus.isOk() && damagedPages() == 0 && count(PageClass::Corrected) == 0; }
};

// Verifies every whole page of a database file held in memory (e.g. mmap'ed
// by the caller): pgno N at offset (N + 1) * pageSize, after the header and
// its shadow, which are not checked here (see database_header.h), except for
// the few fields read to recognise a scratch database or a trailer page. Runs on options.threads threads in
// chunks of pages. Pure: no I/O, the image is only read.
DatabaseImageReport verifyDatabaseImage(Bytes image, uint32_t pageSize, const VerifyOptions& options = {});

// "report.pages", "report.counts.<class>", "report.problems.<i>.*", ...
FieldList describe(const DatabaseImageReport& report);

}  // namespace esekit::page
