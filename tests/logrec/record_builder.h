// Hand-built log records for the logrec tests: a zeroed fixed part of the
// reference size (ese-format/log-records.md §1) with fields stored at the
// reference offsets, followed by appended payload bytes.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/log_record.h"

namespace esekit::test {

class RecordBuilder {
 public:
  RecordBuilder(LogRecordType type, size_t fixedSize) : bytes_(fixedSize, 0) {
    bytes_[0] = static_cast<uint8_t>(type);
  }
  explicit RecordBuilder(LogRecordType type) : RecordBuilder(type, logRecordFixedSize(static_cast<uint8_t>(type))) {}

  RecordBuilder& u8(size_t offset, uint8_t v) { return store(offset, v); }
  RecordBuilder& u16(size_t offset, uint16_t v) { return store(offset, v); }
  RecordBuilder& u32(size_t offset, uint32_t v) { return store(offset, v); }
  RecordBuilder& u64(size_t offset, uint64_t v) { return store(offset, v); }
  RecordBuilder& append(std::string_view text) {
    bytes_.insert(bytes_.end(), text.begin(), text.end());
    return *this;
  }
  RecordBuilder& append(const std::vector<uint8_t>& more) {
    bytes_.insert(bytes_.end(), more.begin(), more.end());
    return *this;
  }
  // LRPAGE_ (§3.1) with recognisable values.
  RecordBuilder& pagePrefix(uint16_t procid, uint8_t dbid, uint32_t pgno, uint64_t dbtime, uint64_t dbtimeBefore,
                            uint32_t trx, uint8_t level, uint16_t iline, uint8_t flags) {
    return u16(1, procid).u8(3, dbid).u32(4, pgno).u64(8, dbtime).u64(16, dbtimeBefore).u32(24, trx).u8(28, level)
        .u16(29, iline).u8(31, flags);
  }
  // LRNODE_ tail (§3.2).
  RecordBuilder& nodeTail(uint32_t rceid, uint32_t pgnoFDP, uint32_t objidFDP) {
    return u32(32, rceid).u32(36, pgnoFDP).u32(40, objidFDP);
  }

  const std::vector<uint8_t>& bytes() const { return bytes_; }
  Bytes span() const { return bytes_; }

 private:
  template <typename T>
  RecordBuilder& store(size_t offset, T v) {
    if (offset + sizeof(T) > bytes_.size()) grow(offset + sizeof(T));
    storeLittleEndian<T>(bytes_.data() + offset, v);
    return *this;
  }
  // Out of line: GCC 12 at -O3 reports false array-bounds errors for an inlined resize.
  [[gnu::noinline]] void grow(size_t size) { bytes_.resize(size, 0); }
  std::vector<uint8_t> bytes_;
};

inline std::string_view asText(Bytes bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace esekit::test
