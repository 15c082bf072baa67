// Contents of the small system tables of a new database:
// MSysObjids (records-and-catalog.md §6.3) and MSysLocales (§6.4).
#pragma once

#include <cstdint>
#include <vector>

#include "esekit/format/status.h"
#include "layout/btree_plan.h"

namespace esekit::engine::layout {

// MSysObjids.type values: the row types of the catalog (§6.3).
inline constexpr uint16_t kObjidTypeTable = 1;
inline constexpr uint16_t kObjidTypeIndex = 3;
inline constexpr uint16_t kObjidTypeLongValue = 4;

struct ObjidEntry {
  uint32_t objid = 0;
  uint32_t objidTable = 0;
  uint16_t type = kObjidTypeTable;
};

// One MSysObjids node: key 7F <objid BE ^ 0x80000000>, record of the three
// tagged columns objid (256), objidTable (257), type (258).
Result<TreeNode> objidsNode(const ObjidEntry& entry, bool largePage);
// The entries of a new database's own B-trees (objids 2-7).
std::vector<ObjidEntry> systemObjidEntries();

// MSysLocales of a database without Unicode indexes: the external and internal
// schema versions 1.0.0 and MSysLocalesConsistent, in key order.
Result<std::vector<TreeNode>> localesNodes(bool largePage);

}  // namespace esekit::engine::layout
