// The file being written: header page, shadow, then database pages
// (pgno N at offset (N + 1) * pageSize, database-header.md §1), plus the
// database time handed to each page as it is written.
#pragma once

#include <cstdint>
#include <vector>

#include "esekit/format/bytes.h"

namespace esekit::engine::layout {

// ESE starts a new database's time at dbtimeStart (page-format.md §7).
inline constexpr int64_t kFirstDbtime = 0x40;

class ImageBuffer {
 public:
  ImageBuffer(uint32_t pageSize, uint32_t databasePages)
      : pageSize_(pageSize), file_((uint64_t{databasePages} + 2) * pageSize, 0) {}

  uint32_t pageSize() const { return pageSize_; }
  uint32_t databasePages() const { return static_cast<uint32_t>(file_.size() / pageSize_ - 2); }
  // Page `pgno` (1-based); empty when outside the database.
  MutableBytes page(uint32_t pgno) {
    if (pgno == 0 || pgno > databasePages()) return {};
    return MutableBytes(file_.data() + (uint64_t{pgno} + 1) * pageSize_, pageSize_);
  }
  MutableBytes headerPage(uint32_t copy) { return MutableBytes(file_.data() + uint64_t{copy} * pageSize_, pageSize_); }

  // A fresh database time for the next page written.
  int64_t nextDbtime() { return ++dbtime_; }
  int64_t lastDbtime() const { return dbtime_; }

  std::vector<uint8_t>& file() { return file_; }

 private:
  uint32_t pageSize_;
  std::vector<uint8_t> file_;
  int64_t dbtime_ = kFirstDbtime;
};

}  // namespace esekit::engine::layout
