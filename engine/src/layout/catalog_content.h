// The nodes of the catalog B-trees for a set of user tables: MSysObjects (and
// its byte-identical shadow), its Name and RootObjects indexes, MSysObjids
// and MSysLocales. See ese-format/records-and-catalog.md §5-§6.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "esekit/format/status.h"
#include "layout/btree_plan.h"

namespace esekit::engine::layout {

struct UserTableEntry {
  std::string name;
  uint32_t objectId = 0;
  uint32_t rootPage = 0;
  uint32_t primaryPages = 0;    // PagesOrLocale of the table row (cpgPrimary)
  uint32_t density = 80;
  uint32_t longValueObjectId = 0;  // 0: no LV tree, no LV row
  uint32_t longValueRoot = 0;
};

struct CatalogContent {
  std::vector<TreeNode> catalog;           // MSysObjects and MSysObjectsShadow
  std::vector<TreeNode> nameIndex;         // (ObjidTable, Type, Name) -> catalog key
  std::vector<TreeNode> rootObjectsIndex;  // (RootFlag, Name) -> catalog key
  std::vector<TreeNode> objids;
  std::vector<TreeNode> locales;
};

// TableDuplicate when two tables (user or system) have names equal up to case.
Result<CatalogContent> buildCatalogContent(const std::vector<UserTableEntry>& tables, uint32_t objidsPage,
                                           uint32_t localesPage, bool largePage);

}  // namespace esekit::engine::layout
