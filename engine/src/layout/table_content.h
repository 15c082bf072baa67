// The B-tree contents of one bulk-loaded user table: primary-index leaf nodes
// (normalized Key -> record) and the long-value tree's nodes.
// See ese-format/records-and-catalog.md §2 (records), §7 (keys), §8 (LVs).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "esekit/engine/database_writer.h"
#include "layout/btree_plan.h"

namespace esekit::engine::layout {

// Column ids of the user-table schema.
inline constexpr uint16_t kKeyColumnFid = 128;    // Binary, variable
inline constexpr uint16_t kValueColumnFid = 256;  // LongBinary, tagged

struct TableContent {
  std::vector<TreeNode> rows;        // primary B-tree leaves, key order
  std::vector<TreeNode> longValues;  // LV tree leaves, key order (empty: no LV tree)
  std::vector<PlannedPage> longValuePages;  // leaf grouping of the OneChunkPerPage layout
  uint32_t separatedValues = 0;
};

// JET table-name rules: 1..64 printable ASCII characters, no leading space,
// none of ! . [ ] (InvalidName).
Status validateTableName(const std::string& name);

// A user-table record (§2): Key in the variable column, Value (when not
// NULL) in the tagged column as a long-value column, either the value itself
// (intrinsic) or, when `separated`, the LID reference of §8.4.
Result<std::vector<uint8_t>> buildUserRecord(Bytes key, std::optional<Bytes> value, bool separated, bool largePage);
// The same through record::RecordBuilder (buildUserRecord lays the common
// case out directly; tests compare the two).
Result<std::vector<uint8_t>> buildUserRecordGeneral(Bytes key, std::optional<Bytes> value, bool separated,
                                                    bool largePage);

// Builds the nodes for `table`'s rows. Errors: InvalidParameter (order, sizes),
// KeyDuplicate (keys equal after normalization).
Result<TableContent> buildTableContent(const TableContents& table, uint32_t pageSize, LongValueIdWidth lidWidth);

}  // namespace esekit::engine::layout
