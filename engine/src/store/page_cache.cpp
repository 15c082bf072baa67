// see ese-format/page-format.md §6 (verification on read), checksums.md §4-§5
#include "store/page_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "esekit/format/checksum.h"
#include "esekit/format/page.h"
#include "esekit/format/page_edit.h"
#include "esekit/format/page_verify.h"
#include "instance/changed_pages.h"
#include "store/database_store.h"

namespace esekit::engine::store {
namespace {

std::string where(const std::filesystem::path& path, uint32_t pgno, uint32_t pageSize) {
  return path.string() + ": page " + std::to_string(pgno) + " (file offset " +
         std::to_string(page::fileOffsetOfPage(pgno, pageSize)) + ")";
}

Status ioError(const std::filesystem::path& path, const char* what, int error, uint64_t offset) {
  const JetError code = (error == ENOSPC || error == EDQUOT || error == EFBIG) ? JetError::DiskFull : JetError::DiskIO;
  return Status(code, path.string() + ": " + what + " at file offset " + std::to_string(offset) + " failed: " +
                          std::strerror(error));
}

}  // namespace

PageCache::PageCache(int fd, std::filesystem::path path, uint32_t pageSize, uint64_t cleanCacheBytes)
    : fd_(fd), path_(std::move(path)), pageSize_(pageSize), cleanLimit_(cleanCacheBytes) {}

PageCache::~PageCache() {
  if (fd_ >= 0) ::close(fd_);
}

uint64_t PageCache::cachedPages() const {
  std::lock_guard lock(mutex_);
  return ring_.size();
}

Result<PageHandle> PageCache::get(uint32_t pgno, ReadMode mode) {
  {
    std::lock_guard lock(mutex_);
    if (pgno < table_.size() && table_[pgno]) {
      table_[pgno]->referenced.store(true, std::memory_order_relaxed);
      return table_[pgno];
    }
  }
  auto loaded = load(pgno, mode);
  if (!loaded) return loaded;
  std::lock_guard lock(mutex_);
  if (pgno < table_.size() && table_[pgno]) return table_[pgno];  // another reader was faster
  insertLocked(*loaded);
  cleanBytes_ += pageSize_;
  evictLocked();
  return loaded;
}

Result<PageHandle> PageCache::load(uint32_t pgno, ReadMode mode) {
  if (pgno == 0) return Status(JetError::InvalidParameter, path_.string() + ": page number 0 does not exist");
  auto page = std::make_shared<CachedPage>();
  page->pgno = pgno;
  page->size = pageSize_;
  page->data = std::make_unique<uint8_t[]>(pageSize_);
  const uint64_t offset = page::fileOffsetOfPage(pgno, pageSize_);
  size_t done = 0;
  while (done < pageSize_) {
    const ssize_t got = ::pread(fd_, page->data.get() + done, pageSize_ - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return ioError(path_, "read", errno, offset);
    }
    if (got == 0) break;  // beyond the end of the file: reads as zero
    done += static_cast<size_t>(got);
  }
  if (done < pageSize_) std::memset(page->data.get() + done, 0, pageSize_ - done);
  MutableBytes bytes = page->bytes();

  const checksum::PageChecksumCheck check = checksum::checkPage(bytes, pgno);
  bool good = check.verdict == checksum::PageChecksumCheck::Verdict::Ok;
  if (good && page::isLargePage(pageSize_) && loadLittleEndian<uint32_t>(bytes.data() + 64) != pgno) {
    if (mode == ReadMode::NewPage) good = false;
    else
      return Status(JetError::ReadPgnoVerifyFailure,
                    where(path_, pgno, pageSize_) + ": the page says it is page " +
                        std::to_string(loadLittleEndian<uint32_t>(bytes.data() + 64)));
  }
  if (!good && check.verdict != checksum::PageChecksumCheck::Verdict::Ok) {
    if (check.verdict == checksum::PageChecksumCheck::Verdict::Correctable && checksum::correctPage(bytes, pgno, check) &&
        page::validatePage(bytes).isOk()) {
      corrected_.fetch_add(1);
      good = true;
    } else if (mode == ReadMode::NewPage) {
      std::memset(bytes.data(), 0, bytes.size());
      return page;
    } else if (page::isAllZero(bytes)) {
      return Status(JetError::PageNotInitialized, where(path_, pgno, pageSize_) + ": page is all zero");
    } else {
      const page::PageVerdict verdict = page::verifyPage(bytes, pgno, {}, false);
      if (verdict.pageClass == page::PageClass::WrongPageNumber)
        return Status(JetError::ReadPgnoVerifyFailure, where(path_, pgno, pageSize_) + ": " + verdict.reason);
      return Status(JetError::ReadVerifyFailure, where(path_, pgno, pageSize_) + ": checksum mismatch (stored " +
                                                     hex64(check.stored) + ", computed " + hex64(check.computed) + ")");
    }
  }
  if (!good) {  // NewPage mode, wrong page number
    std::memset(bytes.data(), 0, bytes.size());
    return page;
  }
  if (Status valid = page::validatePage(bytes); !valid.isOk()) {
    if (mode == ReadMode::NewPage) {
      std::memset(bytes.data(), 0, bytes.size());
      return page;
    }
    return valid.withContext(where(path_, pgno, pageSize_));
  }
  return page;
}

void PageCache::insertLocked(const PageHandle& page) {
  if (page->pgno >= table_.size()) table_.resize(std::max<size_t>(page->pgno + 1, table_.size() * 2));
  table_[page->pgno] = page;
  page->ringIndex = ring_.size();
  ring_.push_back(page->pgno);
}

void PageCache::evictLocked() {
  // CLOCK over the cached pages: dirty or pinned pages are skipped, a
  // referenced page gets a second chance.
  size_t budget = ring_.size() * 2;
  while (cleanBytes_ > cleanLimit_ && budget-- > 0 && !ring_.empty()) {
    if (hand_ >= ring_.size()) hand_ = 0;
    const uint32_t pgno = ring_[hand_];
    PageHandle& page = table_[pgno];
    if (page->dirty || page.use_count() > 1) {
      ++hand_;
      continue;
    }
    if (page->referenced.exchange(false, std::memory_order_relaxed)) {
      ++hand_;
      continue;
    }
    const uint32_t last = ring_.back();
    ring_[hand_] = last;
    table_[last]->ringIndex = hand_;
    ring_.pop_back();
    page.reset();
    cleanBytes_ -= pageSize_;
  }
}

PageHandle PageCache::fresh(uint32_t pgno) {
  std::lock_guard lock(mutex_);
  if (pgno < table_.size() && table_[pgno]) {
    std::memset(table_[pgno]->data.get(), 0, pageSize_);
    return table_[pgno];
  }
  auto page = std::make_shared<CachedPage>();
  page->pgno = pgno;
  page->size = pageSize_;
  page->data = std::make_unique<uint8_t[]>(pageSize_);
  std::memset(page->data.get(), 0, pageSize_);
  insertLocked(page);
  cleanBytes_ += pageSize_;  // counted clean until markDirty
  return page;
}

void PageCache::markDirty(CachedPage& page, LogPosition position) {
  if (!page.dirty) {
    page.dirty = true;
    ++dirtyCount_;
    dirtyList_.push_back(page.pgno);
    std::lock_guard lock(mutex_);
    cleanBytes_ -= pageSize_;
  }
  if (position > page.lastChange) page.lastChange = position;
}

Status PageCache::writePages(std::vector<CachedPage*>& pages) {
  // Consecutive page numbers go out in one pwritev.
  std::vector<iovec> vectors;
  size_t i = 0;
  while (i < pages.size()) {
    size_t j = i + 1;
    while (j < pages.size() && j - i < 64 && pages[j]->pgno == pages[j - 1]->pgno + 1) ++j;
    vectors.clear();
    for (size_t k = i; k < j; ++k) vectors.push_back(iovec{pages[k]->data.get(), pageSize_});
    const uint64_t offset = page::fileOffsetOfPage(pages[i]->pgno, pageSize_);
    const uint64_t total = uint64_t{pageSize_} * (j - i);
    uint64_t done = 0;
    size_t first = 0;
    while (done < total) {
      const ssize_t wrote = ::pwritev(fd_, vectors.data() + first, static_cast<int>(vectors.size() - first),
                                      static_cast<off_t>(offset + done));
      if (wrote < 0) {
        if (errno == EINTR) continue;
        return ioError(path_, "write", errno, offset + done);
      }
      if (wrote == 0) return ioError(path_, "write", ENOSPC, offset + done);
      done += static_cast<uint64_t>(wrote);
      // Advance the vectors past what was written (short write).
      size_t left = static_cast<size_t>(wrote);
      while (left > 0 && first < vectors.size()) {
        if (left >= vectors[first].iov_len) {
          left -= vectors[first].iov_len;
          ++first;
        } else {
          vectors[first].iov_base = static_cast<uint8_t*>(vectors[first].iov_base) + left;
          vectors[first].iov_len -= left;
          left = 0;
        }
      }
    }
    i = j;
  }
  return Status::ok();
}

Status PageCache::flush(LogSink* log, uint32_t minimumPages) {
  std::vector<CachedPage*> pages;
  pages.reserve(dirtyList_.size());
  LogPosition upTo;
  {
    std::lock_guard lock(mutex_);
    for (const uint32_t pgno : dirtyList_) {
      CachedPage* page = table_[pgno].get();
      if (page && page->dirty) {
        pages.push_back(page);
        if (page->lastChange > upTo) upTo = page->lastChange;
      }
    }
  }
  if (log != nullptr && !upTo.isZero()) ESEKIT_RETURN_IF_ERROR(log->flushUpTo(upTo));
  std::sort(pages.begin(), pages.end(), [](const CachedPage* a, const CachedPage* b) { return a->pgno < b->pgno; });
  for (CachedPage* page : pages) page::PageEditor(page->bytes()).seal(page->pgno);
  {
    // Pages-differential tracking, persisted before the pages change on disk (changed_pages.h).
    std::vector<uint32_t> pgnos;
    pgnos.reserve(pages.size());
    for (const CachedPage* page : pages) pgnos.push_back(page->pgno);
    ESEKIT_RETURN_IF_ERROR(changed_pages::beforePageWrite(path_, pgnos));
  }
  ESEKIT_RETURN_IF_ERROR(writePages(pages));
  const uint64_t wanted = page::fileOffsetOfPage(minimumPages, pageSize_) + pageSize_;
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return ioError(path_, "fstat", errno, 0);
  if (static_cast<uint64_t>(st.st_size) < wanted && ::ftruncate(fd_, static_cast<off_t>(wanted)) != 0)
    return ioError(path_, "extend", errno, wanted);
  if (::fdatasync(fd_) != 0) return ioError(path_, "fdatasync", errno, 0);
  std::lock_guard lock(mutex_);
  for (CachedPage* page : pages) {
    page->dirty = false;
    page->lastChange = LogPosition{};
    cleanBytes_ += pageSize_;
  }
  dirtyCount_ = 0;
  dirtyList_.clear();
  evictLocked();
  return Status::ok();
}

}  // namespace esekit::engine::store
