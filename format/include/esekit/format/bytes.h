// Bounds-checked little-endian access to byte spans. Every parser in format/
// reads through these: an out-of-range read never touches memory outside the
// span, returns 0 and latches overrun() so the caller can report the offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <bit>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace esekit {

using Bytes = std::span<const uint8_t>;
using MutableBytes = std::span<uint8_t>;

// Unchecked little-endian load/store; callers have checked the range.
template <typename T>
inline T loadLittleEndian(const uint8_t* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));  // x86/ARM little-endian hosts only (static_assert below)
  return value;
}
template <typename T>
inline void storeLittleEndian(uint8_t* p, T value) {
  std::memcpy(p, &value, sizeof(T));
}
static_assert(std::endian::native == std::endian::little, "esekit assumes a little-endian host");

// Read-only view with checked loads and a sticky overrun flag.
class ByteView {
 public:
  ByteView() = default;
  explicit ByteView(Bytes bytes) : bytes_(bytes) {}

  size_t size() const { return bytes_.size(); }
  Bytes bytes() const { return bytes_; }
  bool has(size_t offset, size_t length) const {
    return offset <= bytes_.size() && length <= bytes_.size() - offset;
  }
  // True once any load fell outside the span.
  bool overrun() const { return overrun_; }

  uint8_t u8(size_t offset) const { return load<uint8_t>(offset); }
  uint16_t u16(size_t offset) const { return load<uint16_t>(offset); }
  uint32_t u32(size_t offset) const { return load<uint32_t>(offset); }
  uint64_t u64(size_t offset) const { return load<uint64_t>(offset); }
  int32_t i32(size_t offset) const { return load<int32_t>(offset); }
  int64_t i64(size_t offset) const { return load<int64_t>(offset); }

  // Sub-span; empty (and overrun latched) when out of range.
  Bytes slice(size_t offset, size_t length) const {
    if (!has(offset, length)) {
      overrun_ = true;
      return {};
    }
    return bytes_.subspan(offset, length);
  }

 private:
  template <typename T>
  T load(size_t offset) const {
    if (!has(offset, sizeof(T))) {
      overrun_ = true;
      return 0;
    }
    return loadLittleEndian<T>(bytes_.data() + offset);
  }

  Bytes bytes_;
  mutable bool overrun_ = false;
};

// Fixed-size output buffer with checked little-endian stores (serializers).
class ByteWriter {
 public:
  explicit ByteWriter(MutableBytes bytes) : bytes_(bytes) {}

  bool overrun() const { return overrun_; }
  void u8(size_t offset, uint8_t v) { store(offset, v); }
  void u16(size_t offset, uint16_t v) { store(offset, v); }
  void u32(size_t offset, uint32_t v) { store(offset, v); }
  void u64(size_t offset, uint64_t v) { store(offset, v); }
  void i32(size_t offset, int32_t v) { store(offset, v); }
  void i64(size_t offset, int64_t v) { store(offset, v); }
  void copy(size_t offset, Bytes source) {
    if (offset > bytes_.size() || source.size() > bytes_.size() - offset) {
      overrun_ = true;
      return;
    }
    if (!source.empty()) std::memcpy(bytes_.data() + offset, source.data(), source.size());
  }

 private:
  template <typename T>
  void store(size_t offset, T v) {
    if (offset > bytes_.size() || sizeof(T) > bytes_.size() - offset) {
      overrun_ = true;
      return;
    }
    storeLittleEndian<T>(bytes_.data() + offset, v);
  }

  MutableBytes bytes_;
  bool overrun_ = false;
};

// "0x0000012c" style formatting used in messages and dumps.
std::string hex32(uint32_t value);
std::string hex64(uint64_t value);

}  // namespace esekit
