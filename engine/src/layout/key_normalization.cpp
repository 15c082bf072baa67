// Key normalization; see ese-format/records-and-catalog.md §7.
#include "esekit/engine/key_normalization.h"

#include <algorithm>
#include <cstring>

namespace esekit::engine::keys {
namespace {

constexpr size_t kBinaryGroup = 8;
constexpr uint8_t kMoreGroups = 9;

void appendBigEndian(std::vector<uint8_t>& key, uint64_t value, size_t bytes) {
  for (size_t i = bytes; i-- > 0;) key.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

}  // namespace

void appendBit(std::vector<uint8_t>& key, bool value) {
  key.push_back(kSegmentValue);
  key.push_back(value ? 0xFF : 0x00);
}

void appendUnsignedByte(std::vector<uint8_t>& key, uint8_t value) {
  key.push_back(kSegmentValue);
  key.push_back(value);
}

void appendShort(std::vector<uint8_t>& key, int16_t value) {
  key.push_back(kSegmentValue);
  appendBigEndian(key, static_cast<uint16_t>(value) ^ 0x8000u, 2);
}

void appendLong(std::vector<uint8_t>& key, int32_t value) {
  key.push_back(kSegmentValue);
  appendBigEndian(key, static_cast<uint32_t>(value) ^ 0x80000000u, 4);
}

void appendNull(std::vector<uint8_t>& key) { key.push_back(kSegmentNull); }

void appendBinary(std::vector<uint8_t>& key, Bytes value) {
  if (value.empty()) {
    key.push_back(kSegmentEmpty);
    return;
  }
  key.push_back(kSegmentValue);
  for (size_t at = 0; at < value.size(); at += kBinaryGroup) {
    const size_t used = std::min(kBinaryGroup, value.size() - at);
    key.insert(key.end(), value.begin() + at, value.begin() + at + used);
    key.insert(key.end(), kBinaryGroup - used, 0x00);
    const bool last = at + used == value.size();
    key.push_back(last ? static_cast<uint8_t>(used) : kMoreGroups);
  }
}

void appendAsciiText(std::vector<uint8_t>& key, std::string_view text) {
  const size_t end = std::min(text.find('\0'), text.size());
  if (end == 0) {
    key.push_back(kSegmentEmpty);
    return;
  }
  key.push_back(kSegmentValue);
  for (size_t i = 0; i < end; ++i) {
    const auto c = static_cast<uint8_t>(text[i]);
    key.push_back(c >= 'a' && c <= 'z' ? static_cast<uint8_t>(c - 'a' + 'A') : c);
  }
  key.push_back(0x00);
}

void truncate(std::vector<uint8_t>& key, size_t keyMost) {
  if (key.size() > keyMost) key.resize(keyMost);
}

std::vector<uint8_t> binaryKey(Bytes value, size_t keyMost) {
  std::vector<uint8_t> key;
  key.reserve(1 + (value.size() / kBinaryGroup + 1) * (kBinaryGroup + 1));
  appendBinary(key, value);
  truncate(key, keyMost);
  return key;
}

int compare(Bytes a, Bytes b) {
  const size_t n = std::min(a.size(), b.size());
  if (n != 0) {
    if (const int c = std::memcmp(a.data(), b.data(), n); c != 0) return c < 0 ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

std::vector<uint8_t> separator(Bytes left, Bytes right) {
  size_t common = 0;
  while (common < left.size() && common < right.size() && left[common] == right[common]) ++common;
  // left < right, so right is longer than the common prefix.
  const size_t length = std::min(common + 1, right.size());
  return std::vector<uint8_t>(right.begin(), right.begin() + length);
}

}  // namespace esekit::engine::keys
