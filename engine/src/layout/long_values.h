// A table's long-value tree (records-and-catalog.md §8): each separated value
// gets the next LID, an LV root node (reference count, size) and its chunks
// keyed by (LID, logical offset). The record keeps only the LID.
#pragma once

#include <cstdint>
#include <vector>

#include "esekit/engine/database_writer.h"
#include "esekit/format/bytes.h"
#include "layout/btree_plan.h"

namespace esekit::engine::layout {

// First LID64: the 64-bit flag OR (0x7FFFFFFF + 2) (§8.1).
inline constexpr uint64_t kFirstLid64 = 0x8000000080000001ull;
inline constexpr uint32_t kFirstLid32 = 1;
inline constexpr uint32_t kLastLid32 = 0x7FFFFEFF;

// Node layout shared by the bulk writer and the engine's table store (§8.1, §8.2).
// A value's key: its LID big-endian (4 or 8 bytes).
std::vector<uint8_t> longValueKey(uint64_t lid, LongValueIdWidth width);
// A chunk's key: the value's key, then the chunk's logical offset big-endian.
std::vector<uint8_t> longValueChunkKey(Bytes valueKey, uint32_t offset);
// LVROOT: reference count, total size (both little-endian).
std::vector<uint8_t> longValueRootData(uint32_t referenceCount, uint32_t size);
// The LID as the record holds it (little-endian, 4 or 8 bytes, §8.4).
std::vector<uint8_t> longValueReference(uint64_t lid, LongValueIdWidth width);

class LongValueTree {
 public:
  LongValueTree(uint32_t chunkSize, LongValueIdWidth width) : chunkSize_(chunkSize), width_(width) {}

  // Stores `value` and returns the LID as the record holds it (little-endian,
  // 4 or 8 bytes). InvalidParameter when the LIDs are used up.
  Result<std::vector<uint8_t>> add(Bytes value);

  size_t valueCount() const { return values_; }
  bool empty() const { return values_ == 0; }
  // The tree's leaf nodes in key order; the tree is empty afterwards.
  std::vector<TreeNode> takeNodes() { return std::move(nodes_); }
  // Leaf pages of the OneChunkPerPage layout: [root, first chunk], then one
  // page per further chunk, each page's prefix being its chunk's whole key
  // (so every node key on it is a prefix of the page prefix).
  std::vector<PlannedPage> oneChunkPerPage() const;

 private:
  uint32_t chunkSize_;
  LongValueIdWidth width_;
  size_t values_ = 0;
  std::vector<TreeNode> nodes_;
  std::vector<size_t> roots_;  // index of each value's root node in nodes_
};

}  // namespace esekit::engine::layout
