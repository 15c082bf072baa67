// Visitors that read or write one typed field at a byte offset. Each header
// layout is written once as a list of visitor calls (offset, member) and used
// for both parsing and serializing, so the two can never disagree.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>

#include "esekit/format/bytes.h"
#include "esekit/format/types.h"

namespace esekit::header_detail {

// Reads fields from a bounds-checked view (an overrun latches in the view).
struct FieldReader {
  const ByteView& view;

  void operator()(size_t offset, uint8_t& value) const { value = view.u8(offset); }
  void operator()(size_t offset, uint16_t& value) const { value = view.u16(offset); }
  void operator()(size_t offset, uint32_t& value) const { value = view.u32(offset); }
  void operator()(size_t offset, int32_t& value) const { value = view.i32(offset); }
  void operator()(size_t offset, uint64_t& value) const { value = view.u64(offset); }
  void operator()(size_t offset, int64_t& value) const { value = view.i64(offset); }
  void operator()(size_t offset, LogPosition& value) const { value = LogPosition::parse(view, offset); }
  void operator()(size_t offset, LogTime& value) const { value = LogTime::parse(view, offset); }
  void operator()(size_t offset, Signature& value) const { value = Signature::parse(view, offset); }
  void operator()(size_t offset, BackupInfo& value) const { value = BackupInfo::parse(view, offset); }
  template <size_t N>
  void operator()(size_t offset, std::array<uint8_t, N>& value) const {
    for (size_t i = 0; i < N; ++i) value[i] = view.u8(offset + i);
  }
  // All on-disk enums of these headers are 32-bit words.
  template <typename E>
    requires std::is_enum_v<E>
  void operator()(size_t offset, E& value) const {
    static_assert(sizeof(std::underlying_type_t<E>) == 4);
    value = static_cast<E>(view.u32(offset));
  }
};

struct FieldWriter {
  ByteWriter& out;

  void operator()(size_t offset, const uint8_t& value) const { out.u8(offset, value); }
  void operator()(size_t offset, const uint16_t& value) const { out.u16(offset, value); }
  void operator()(size_t offset, const uint32_t& value) const { out.u32(offset, value); }
  void operator()(size_t offset, const int32_t& value) const { out.i32(offset, value); }
  void operator()(size_t offset, const uint64_t& value) const { out.u64(offset, value); }
  void operator()(size_t offset, const int64_t& value) const { out.i64(offset, value); }
  void operator()(size_t offset, const LogPosition& value) const { value.serialize(out, offset); }
  void operator()(size_t offset, const LogTime& value) const { value.serialize(out, offset); }
  void operator()(size_t offset, const Signature& value) const { value.serialize(out, offset); }
  void operator()(size_t offset, const BackupInfo& value) const { value.serialize(out, offset); }
  template <size_t N>
  void operator()(size_t offset, const std::array<uint8_t, N>& value) const {
    out.copy(offset, Bytes(value.data(), value.size()));
  }
  template <typename E>
    requires std::is_enum_v<E>
  void operator()(size_t offset, const E& value) const {
    static_assert(sizeof(std::underlying_type_t<E>) == 4);
    out.u32(offset, static_cast<uint32_t>(value));
  }
};

inline bool allZero(Bytes bytes) {
  for (uint8_t b : bytes)
    if (b != 0) return false;
  return true;
}

}  // namespace esekit::header_detail
