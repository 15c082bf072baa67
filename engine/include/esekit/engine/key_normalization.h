// Index key normalization: turning column values into byte strings that sort
// with memcmp, and the separator keys of internal B-tree pages.
// See ese-format/records-and-catalog.md §7 (types, truncation) and §7.4
// (separators). Code-page-1200 text is not here: its keys are Windows sort
// keys that cannot be reproduced off Windows (§7.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "esekit/format/bytes.h"

namespace esekit::engine::keys {

// Segment prefix bytes (§7.1).
inline constexpr uint8_t kSegmentValue = 0x7F;
inline constexpr uint8_t kSegmentNull = 0x00;
inline constexpr uint8_t kSegmentEmpty = 0x40;  // zero-length Text/Binary
// Default maximum key size of an index (catalog KeyMost absent).
inline constexpr size_t kDefaultKeyMost = 255;

// Fixed-size types (§7.2): big-endian, sign bit flipped for signed types.
void appendBit(std::vector<uint8_t>& key, bool value);
void appendUnsignedByte(std::vector<uint8_t>& key, uint8_t value);
void appendShort(std::vector<uint8_t>& key, int16_t value);
void appendLong(std::vector<uint8_t>& key, int32_t value);
void appendNull(std::vector<uint8_t>& key);

// Variable Binary/LongBinary: 0x7F, then groups of 8 bytes each followed by a
// count byte (9 = more follows, 1..8 = used bytes of the last group, which is
// zero-padded); 0x40 alone for a zero-length value.
void appendBinary(std::vector<uint8_t>& key, Bytes value);

// Text with a single-byte code page (1252): bytes up to the first NUL, a-z
// upper-cased, then a 0x00 terminator; 0x40 alone for an empty string.
void appendAsciiText(std::vector<uint8_t>& key, std::string_view text);

// Cuts a complete key to the index's maximum key size. Keys of segments
// normalized in full and then cut give the bytes ESE stores (corpus
// dissect-esedb/index.edb: a 255-byte LongBinary key ends "... 09 61 61").
void truncate(std::vector<uint8_t>& key, size_t keyMost = kDefaultKeyMost);

// The key of a Binary column value as the only segment of an index.
std::vector<uint8_t> binaryKey(Bytes value, size_t keyMost = kDefaultKeyMost);

// memcmp order, a prefix sorting first.
int compare(Bytes a, Bytes b);

// Separator for an internal node between a left child ending with `left` and
// a right child starting with `right` (left < right): the shortest prefix of
// `right` that sorts after `left` — common prefix plus one byte (§7.4).
std::vector<uint8_t> separator(Bytes left, Bytes right);

}  // namespace esekit::engine::keys
