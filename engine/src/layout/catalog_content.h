// The nodes of the catalog B-trees for a set of user tables: MSysObjects (and
// its byte-identical shadow), its Name and RootObjects indexes, MSysObjids
// and MSysLocales. See ese-format/records-and-catalog.md §5-§6.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "esekit/format/status.h"
#include "layout/btree_plan.h"
#include "layout/catalog_rows.h"
#include "layout/system_tables.h"

namespace esekit::engine::layout {

struct UserTableEntry {
  std::string name;
  uint32_t objectId = 0;
  uint32_t rootPage = 0;
  uint32_t primaryPages = 0;    // PagesOrLocale of the table row (cpgPrimary)
  uint32_t density = 80;
  uint32_t longValueObjectId = 0;  // 0: no LV tree, no LV row
  uint32_t longValueRoot = 0;
  uint16_t keyMost = 0;            // primary index KeyMost; 0: the default 255 (not stored)
};

struct CatalogContent {
  std::vector<TreeNode> catalog;           // MSysObjects and MSysObjectsShadow
  std::vector<TreeNode> nameIndex;         // (ObjidTable, Type, Name) -> catalog key
  std::vector<TreeNode> rootObjectsIndex;  // (RootFlag, Name) -> catalog key
  std::vector<TreeNode> objids;
  std::vector<TreeNode> locales;
};

inline constexpr char kPrimaryIndexName[] = "PrimaryKey";

// The catalog rows of one user table (§5.4): table row, Key and Value
// columns, the PrimaryKey index, and the LV row when it has an LV tree.
std::vector<CatalogRow> userTableCatalogRows(const UserTableEntry& table);
// Its MSysObjids rows (§6.3): the table, and the LV tree when it has one.
std::vector<ObjidEntry> userTableObjidEntries(const UserTableEntry& table);

// One catalog row as stored: its record (in MSysObjects and, identical, in
// MSysObjectsShadow) under its primary key, and its entries in the Name and
// RootObjects indexes (key -> primary key, §7.4).
struct CatalogRowNodes {
  std::vector<uint8_t> primaryKey;
  std::vector<uint8_t> record;
  std::vector<uint8_t> nameKey;
  std::optional<std::vector<uint8_t>> rootObjectsKey;  // table rows only
};
Result<CatalogRowNodes> catalogRowNodes(const CatalogRow& row, bool largePage);

// TableDuplicate when two tables (user or system) have names equal up to case.
Result<CatalogContent> buildCatalogContent(const std::vector<UserTableEntry>& tables, uint32_t objidsPage,
                                           uint32_t localesPage, bool largePage);

}  // namespace esekit::engine::layout
