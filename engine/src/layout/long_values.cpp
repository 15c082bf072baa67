// see ese-format/records-and-catalog.md §8.1 (keys, LVROOT), §8.2 (chunks), §8.4 (record reference)
#include "layout/long_values.h"

#include <algorithm>

namespace esekit::engine::layout {
namespace {

constexpr uint32_t kReferenceCount = 1;  // one record points at each value

void appendBigEndian32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

}  // namespace

std::vector<uint8_t> longValueKey(uint64_t lid, LongValueIdWidth width) {
  std::vector<uint8_t> key;
  if (width == LongValueIdWidth::Lid64) appendBigEndian32(key, static_cast<uint32_t>(lid >> 32));
  appendBigEndian32(key, static_cast<uint32_t>(lid));
  return key;
}

std::vector<uint8_t> longValueChunkKey(Bytes valueKey, uint32_t offset) {
  std::vector<uint8_t> key(valueKey.begin(), valueKey.end());
  appendBigEndian32(key, offset);
  return key;
}

std::vector<uint8_t> longValueRootData(uint32_t referenceCount, uint32_t size) {
  std::vector<uint8_t> data(8);
  storeLittleEndian<uint32_t>(data.data(), referenceCount);
  storeLittleEndian<uint32_t>(data.data() + 4, size);
  return data;
}

std::vector<uint8_t> longValueReference(uint64_t lid, LongValueIdWidth width) {
  std::vector<uint8_t> reference(width == LongValueIdWidth::Lid64 ? 8 : 4);
  if (width == LongValueIdWidth::Lid64) storeLittleEndian<uint64_t>(reference.data(), lid);
  else storeLittleEndian<uint32_t>(reference.data(), static_cast<uint32_t>(lid));
  return reference;
}

Result<std::vector<uint8_t>> LongValueTree::add(Bytes value) {
  uint64_t lid;
  if (width_ == LongValueIdWidth::Lid64) {
    lid = kFirstLid64 + values_;
  } else {
    if (values_ > kLastLid32 - kFirstLid32) return Status(JetError::InvalidParameter, "table has more long values than 32-bit LIDs allow");
    lid = kFirstLid32 + values_;
  }
  ++values_;
  const std::vector<uint8_t> key = longValueKey(lid, width_);

  roots_.push_back(nodes_.size());
  nodes_.push_back({key, longValueRootData(kReferenceCount, static_cast<uint32_t>(value.size()))});
  // Every chunk but the last holds exactly chunkSize logical bytes (§8.2).
  for (size_t offset = 0; offset < value.size(); offset += chunkSize_) {
    TreeNode chunk;
    chunk.key = longValueChunkKey(key, static_cast<uint32_t>(offset));
    const size_t size = std::min<size_t>(chunkSize_, value.size() - offset);
    chunk.data.assign(value.begin() + static_cast<std::ptrdiff_t>(offset),
                      value.begin() + static_cast<std::ptrdiff_t>(offset + size));
    nodes_.push_back(std::move(chunk));
  }
  return longValueReference(lid, width_);
}

std::vector<PlannedPage> LongValueTree::oneChunkPerPage() const {
  std::vector<PlannedPage> pages;
  for (size_t v = 0; v < roots_.size(); ++v) {
    const size_t root = roots_[v];
    const size_t end = v + 1 < roots_.size() ? roots_[v + 1] : nodes_.size();
    // A separated value always has at least one chunk (it is over 1023 bytes).
    pages.push_back({root, 2, nodes_[root + 1].key.size(), root + 1});
    for (size_t chunk = root + 2; chunk < end; ++chunk) pages.push_back({chunk, 1, nodes_[chunk].key.size(), chunk});
  }
  return pages;
}

}  // namespace esekit::engine::layout
