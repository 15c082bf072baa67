// Parallel verification of a whole database image held in memory.
//
// Work is split into chunks of a few MiB handed out through an atomic
// counter, so threads stay busy on uneven pages and each thread walks memory
// sequentially (prefetch-friendly). Each worker keeps its own counts and its
// own lowest-numbered problems; they are merged after the join. No I/O.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <iterator>
#include <mutex>
#include <system_error>
#include <thread>

#include "esekit/format/checksum.h"
#include "esekit/format/page.h"
#include "esekit/format/page_verify.h"

namespace esekit::page {
namespace {

constexpr size_t kChunkBytes = size_t{4} << 20;
constexpr uint32_t kDatabaseMagic = 0x89ABCDEF;   // database-header.md, offset 4
constexpr uint32_t kStateJustCreated = 1;         // le_dbstate at 52, database-header.md §6
constexpr uint32_t kFileTypeTempDatabase = 5;     // le_filetype at 667, database-header.md §8

std::string num(uint64_t value) { return std::to_string(value); }

constexpr size_t kSignDbOffset = 24;         // DBFILEHDR.signDb, database-header.md §3
constexpr size_t kTrailerSignDbOffset = 64;  // PATCHHDR.signDb, checkpoint-and-backup.md §5
constexpr size_t kSignatureSize = 28;

// Streamed-backup trailer (PATCHHDR) as the last page, checkpoint-and-backup.md §5.
bool isTrailerPage(Bytes image, Bytes page) {
  for (size_t i = 4; i < kSmallHeaderSize; ++i) {
    if (page[i] != 0) return false;
  }
  if (checksum::legacyXor(page) != loadLittleEndian<uint32_t>(page.data())) return false;
  return std::memcmp(page.data() + kTrailerSignDbOffset, image.data() + kSignDbOffset, kSignatureSize) == 0;
}

bool isScratchDatabase(Bytes image) {
  const ByteView view(image);
  if (view.u32(4) != kDatabaseMagic) return false;
  return view.u32(52) == kStateJustCreated || view.u32(667) == kFileTypeTempDatabase;
}

struct WorkerResult {
  std::array<uint64_t, kPageClassCount> counts{};
  std::vector<PageProblem> problems;  // the lowest pgnos this worker saw, ascending
  uint64_t extraProblems = 0;
  uint64_t tolerated = 0;
};

class ImageVerifier {
 public:
  ImageVerifier(Bytes image, uint32_t pageSize, uint64_t pages, unsigned threads, const VerifyOptions& options,
                bool scratch)
      : image_(image), pageSize_(pageSize), pages_(pages), options_(options), scratch_(scratch && !options.strict) {
    // At most a few MiB per chunk, and at least ~8 chunks per thread so small
    // images are shared out too.
    chunkPages_ = std::clamp<uint64_t>(pages_ / (uint64_t{threads} * 8), 1, std::max<uint64_t>(1, kChunkBytes / pageSize));
    chunks_ = (pages_ + chunkPages_ - 1) / chunkPages_;
  }

  void work(WorkerResult& result) {
    for (;;) {
      const uint64_t chunk = nextChunk_.fetch_add(1, std::memory_order_relaxed);
      if (chunk >= chunks_) return;
      const uint64_t first = chunk * chunkPages_;
      const uint64_t end = std::min(pages_, first + chunkPages_);
      for (uint64_t index = first; index < end; ++index) verifyOne(index, result);
      reportProgress(end - first);
    }
  }

  void finishProgress() {
    if (!options_.progress) return;
    std::lock_guard<std::mutex> lock(progressMutex_);
    if (reported_ != pages_) {
      reported_ = pages_;
      options_.progress(pages_, pages_);
    }
  }

 private:
  void verifyOne(uint64_t index, WorkerResult& result) {
    const uint32_t pgno = static_cast<uint32_t>(index + 1);
    const uint64_t offset = fileOffsetOfPage(pgno, pageSize_);
    const Bytes page = image_.subspan(offset, pageSize_);
    MutableBytes fixed;
    if (!options_.fixedCopy.empty()) {
      fixed = options_.fixedCopy.subspan(offset, pageSize_);
      std::memcpy(fixed.data(), page.data(), pageSize_);
    }
    PageVerdict verdict = verifyPage(page, pgno, fixed, options_.checkStructure);
    ++result.counts[static_cast<size_t>(verdict.pageClass)];
    if (verdict.pageClass == PageClass::Ok || verdict.pageClass == PageClass::Uninitialized) return;
    const bool tolerated = scratch_ && verdict.pageClass != PageClass::Corrected;
    if (tolerated) ++result.tolerated;
    if (result.problems.size() >= options_.maxProblems) {
      ++result.extraProblems;  // pages arrive in ascending order per worker: keep the lowest
      return;
    }
    PageProblem problem;
    problem.pageNumber = pgno;
    problem.fileOffset = offset;
    problem.pageClass = verdict.pageClass;
    problem.error = verdict.error;
    problem.badKind = verdict.badKind;
    problem.correctedBits = std::move(verdict.correctedBits);
    problem.actualPageNumber = verdict.actualPageNumber;
    problem.reason = std::move(verdict.reason);
    problem.tolerated = tolerated;
    result.problems.push_back(std::move(problem));
  }

  void reportProgress(uint64_t pagesDone) {
    const uint64_t done = done_.fetch_add(pagesDone, std::memory_order_relaxed) + pagesDone;
    if (!options_.progress) return;
    std::lock_guard<std::mutex> lock(progressMutex_);
    if (done > reported_) {
      reported_ = done;
      options_.progress(done, pages_);
    }
  }

  Bytes image_;
  uint32_t pageSize_;
  uint64_t pages_;
  const VerifyOptions& options_;
  bool scratch_;
  uint64_t chunkPages_ = 1;
  uint64_t chunks_ = 0;
  std::atomic<uint64_t> nextChunk_{0};
  std::atomic<uint64_t> done_{0};
  std::mutex progressMutex_;
  uint64_t reported_ = 0;
};

bool overlaps(Bytes a, MutableBytes b) {
  const auto* aBegin = a.data();
  const auto* bBegin = b.data();
  return aBegin < bBegin + b.size() && bBegin < aBegin + a.size();
}

}  // namespace

uint64_t DatabaseImageReport::damagedPages() const {
  const uint64_t failing = count(PageClass::Bad) + count(PageClass::WrongPageNumber) + count(PageClass::Malformed);
  return failing - std::min(failing, toleratedPages);
}

DatabaseImageReport verifyDatabaseImage(Bytes image, uint32_t pageSize, const VerifyOptions& options) {
  DatabaseImageReport report;
  report.pageSize = pageSize;
  if (!isSupportedPageSize(pageSize)) {
    report.imageStatus = Status(JetError::InvalidParameter,
                                "page size " + num(pageSize) + " is not a page size (2, 4, 8, 16 or 32 KiB)");
    return report;
  }
  if (image.size() < 2 * uint64_t{pageSize}) {
    report.imageStatus =
        Status(JetError::InvalidDatabase, "database image of " + num(image.size()) +
                                              " bytes is smaller than its header and shadow pages (2 x " +
                                              num(pageSize) + " bytes)");
    return report;
  }
  if (!options.fixedCopy.empty() && (options.fixedCopy.size() != image.size() || overlaps(image, options.fixedCopy))) {
    report.imageStatus = Status(JetError::InvalidParameter,
                                "fixed copy buffer of " + num(options.fixedCopy.size()) +
                                    " bytes must be a separate buffer of the image's size (" + num(image.size()) + ")");
    return report;
  }
  report.totalPages = image.size() / pageSize - 2;
  report.trailingBytes = image.size() % pageSize;
  if (report.trailingBytes != 0)
    report.imageStatus = Status(JetError::DatabaseCorrupted,
                                "file size " + num(image.size()) + " is not a multiple of the page size " +
                                    num(pageSize) + ": partial page of " + num(report.trailingBytes) +
                                    " bytes at file offset " + hex64(image.size() - report.trailingBytes));
  if (report.totalPages > 0xFFFFFFFEull) {
    report.imageStatus = Status(JetError::InvalidDatabase, "image holds more pages than a page number can address");
    return report;
  }
  report.scratchDatabase = isScratchDatabase(image);
  if (report.totalPages > 0) {
    const uint64_t lastOffset = fileOffsetOfPage(static_cast<uint32_t>(report.totalPages), pageSize);
    if (isTrailerPage(image, image.subspan(lastOffset, pageSize))) {
      report.trailerPage = true;
      --report.totalPages;
      if (!options.fixedCopy.empty())
        std::memcpy(options.fixedCopy.data() + lastOffset, image.data() + lastOffset, pageSize);
    }
  }

  if (!options.fixedCopy.empty()) {
    // Header, shadow and any trailing bytes are copied as they are.
    std::memcpy(options.fixedCopy.data(), image.data(), 2 * size_t{pageSize});
    const size_t tailStart = image.size() - report.trailingBytes;
    if (report.trailingBytes) std::memcpy(options.fixedCopy.data() + tailStart, image.data() + tailStart, report.trailingBytes);
  }

  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<uint64_t>(threads, std::max<uint64_t>(1, report.totalPages)));
  ImageVerifier verifier(image, pageSize, report.totalPages, threads, options, report.scratchDatabase);
  std::vector<WorkerResult> results(threads);
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t) {
    try {
      workers.emplace_back([&verifier, &results, t] { verifier.work(results[t]); });
    } catch (const std::system_error&) {
      break;  // fewer threads; the remaining chunks are picked up by the others
    }
  }
  verifier.work(results[0]);
  for (std::thread& worker : workers) worker.join();
  verifier.finishProgress();

  for (WorkerResult& result : results) {
    for (size_t c = 0; c < kPageClassCount; ++c) report.counts[c] += result.counts[c];
    report.unlistedProblems += result.extraProblems;
    report.toleratedPages += result.tolerated;
    std::move(result.problems.begin(), result.problems.end(), std::back_inserter(report.problems));
  }
  std::sort(report.problems.begin(), report.problems.end(),
            [](const PageProblem& a, const PageProblem& b) { return a.pageNumber < b.pageNumber; });
  if (report.problems.size() > options.maxProblems) {
    report.unlistedProblems += report.problems.size() - options.maxProblems;
    report.problems.resize(options.maxProblems);
  }
  report.fixedCopyWritten = !options.fixedCopy.empty();
  return report;
}

FieldList describe(const DatabaseImageReport& report) {
  FieldList f;
  f.unsignedNumber("report.pageSize", report.pageSize);
  f.unsignedNumber("report.pages", report.totalPages);
  f.boolean("report.trailerPage", report.trailerPage);
  for (size_t c = 0; c < kPageClassCount; ++c)
    f.unsignedNumber(std::string("report.counts.") + pageClassName(static_cast<PageClass>(c)), report.counts[c]);
  f.unsignedNumber("report.damagedPages", report.damagedPages());
  f.boolean("report.scratchDatabase", report.scratchDatabase);
  f.unsignedNumber("report.toleratedPages", report.toleratedPages);
  f.unsignedNumber("report.trailingBytes", report.trailingBytes);
  f.text("report.imageStatus", report.imageStatus.isOk() ? "ok" : report.imageStatus.toString());
  f.unsignedNumber("report.unlistedProblems", report.unlistedProblems);
  for (size_t i = 0; i < report.problems.size(); ++i) {
    const PageProblem& p = report.problems[i];
    const std::string name = "report.problems." + std::to_string(i);
    f.unsignedNumber(name + ".page", p.pageNumber);
    f.unsignedNumber(name + ".fileOffset", p.fileOffset, hex64(p.fileOffset));
    f.text(name + ".class", pageClassName(p.pageClass));
    f.number(name + ".error", static_cast<int32_t>(p.error), jetErrorName(p.error));
    if (p.badKind != BadKind::None) f.text(name + ".badKind", badKindName(p.badKind));
    for (size_t b = 0; b < p.correctedBits.size(); ++b)
      f.unsignedNumber(name + ".correctedBits." + std::to_string(b), p.correctedBits[b], describeBit(p.correctedBits[b]));
    if (p.pageClass == PageClass::WrongPageNumber) f.unsignedNumber(name + ".actualPage", p.actualPageNumber);
    f.text(name + ".reason", p.reason);
    f.boolean(name + ".tolerated", p.tolerated);
  }
  return f;
}

}  // namespace esekit::page
