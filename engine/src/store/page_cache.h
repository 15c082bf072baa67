// The pages of one database file in memory. Reads go through pread and are
// verified on every load (checksum with single-bit correction, page number,
// structure; page-format.md §6). Clean pages are evicted (CLOCK) once they
// take more than the configured bytes; dirty pages stay until flush(), which
// writes them sealed with their checksums (write-ahead: the log is made
// durable first) and fdatasyncs the file.
//
// Thread safety: get() may run concurrently from many threads (the page table
// is guarded by a mutex, disk reads happen outside it). Everything else needs
// the caller's exclusive access. A PageHandle pins its page against eviction.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit::engine::store {

class LogSink;

struct CachedPage {
  uint32_t pgno = 0;
  std::unique_ptr<uint8_t[]> data;
  uint32_t size = 0;
  bool dirty = false;
  LogPosition lastChange;           // largest log position of a change since the last flush
  std::atomic<bool> referenced{true};  // CLOCK bit
  size_t ringIndex = 0;

  MutableBytes bytes() { return MutableBytes(data.get(), size); }
  Bytes bytes() const { return Bytes(data.get(), size); }
};
using PageHandle = std::shared_ptr<CachedPage>;

enum class ReadMode : uint8_t {
  Verified,  // checksum, page number and structure must be right; zero pages are PageNotInitialized
  NewPage,   // for pages about to be (re)initialized: unreadable or zero content becomes a zero page
};

class PageCache {
 public:
  PageCache(int fd, std::filesystem::path path, uint32_t pageSize, uint64_t cleanCacheBytes);
  ~PageCache();
  PageCache(const PageCache&) = delete;
  PageCache& operator=(const PageCache&) = delete;

  const std::filesystem::path& path() const { return path_; }
  uint32_t pageSize() const { return pageSize_; }
  int fd() const { return fd_; }

  Result<PageHandle> get(uint32_t pgno, ReadMode mode = ReadMode::Verified);
  // A zeroed page image for `pgno` without reading the file (a page being
  // created); an already cached image of it is zeroed and reused.
  PageHandle fresh(uint32_t pgno);
  void markDirty(CachedPage& page, LogPosition position);

  // WAL flush: log up to the largest dirty position, every dirty page sealed
  // and written, fdatasync. The file is grown to at least `minimumPages`
  // database pages. `log` may be null (no logging).
  Status flush(LogSink* log, uint32_t minimumPages);

  uint64_t dirtyPages() const { return dirtyCount_; }
  uint64_t cachedPages() const;
  uint64_t correctedPages() const { return corrected_.load(); }

 private:
  Result<PageHandle> load(uint32_t pgno, ReadMode mode);
  void insertLocked(const PageHandle& page);
  void evictLocked();
  Status writePages(std::vector<CachedPage*>& pages);

  int fd_;
  std::filesystem::path path_;
  uint32_t pageSize_;
  uint64_t cleanLimit_;
  mutable std::mutex mutex_;
  std::vector<PageHandle> table_;  // by pgno
  std::vector<uint32_t> ring_;     // cached pgnos, CLOCK order
  size_t hand_ = 0;
  uint64_t cleanBytes_ = 0;
  uint64_t dirtyCount_ = 0;
  std::vector<uint32_t> dirtyList_;
  std::atomic<uint64_t> corrected_{0};
};

}  // namespace esekit::engine::store
