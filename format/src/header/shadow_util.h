// Shared by the database-header and checkpoint readers: locating where two
// copies of a shadowed header differ, to point at the damage in messages.
#pragma once

#include <cstdint>
#include <string>

#include "esekit/format/bytes.h"
#include "esekit/format/database_header.h"

namespace esekit::header_detail {

// First offset < size where a and b differ, or -1 (both must hold size bytes).
inline int64_t firstDifferingByte(Bytes a, Bytes b, size_t size) {
  if (a.size() < size || b.size() < size) return -1;
  for (size_t i = 0; i < size; ++i)
    if (a[i] != b[i]) return static_cast<int64_t>(i);
  return -1;
}

// Appends "differs from the good copy at byte N (file offset M)" to a bad copy's status.
inline void noteDifference(HeaderCopyCheck& bad, int64_t difference, uint64_t copyFileOffset) {
  if (difference < 0 || bad.status.isOk()) return;
  bad.status = Status(bad.status.code(),
                      bad.status.message() + "; first byte differing from the good copy: offset " +
                          std::to_string(difference) + " (file offset " +
                          std::to_string(copyFileOffset + static_cast<uint64_t>(difference)) + ")");
}

}  // namespace esekit::header_detail
