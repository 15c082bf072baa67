// see ese-format/records-and-catalog.md §5.4 (row order, keys, indexes), §6.3 (MSysObjids)
#include "layout/catalog_content.h"

#include <algorithm>

#include "esekit/engine/key_normalization.h"
#include "esekit/format/record.h"
#include "layout/catalog_rows.h"
#include "layout/system_tables.h"
#include "layout/table_content.h"

namespace esekit::engine::layout {
namespace {

constexpr uint32_t kUserTableFlags = 0;
constexpr uint32_t kBinaryColumnMost = 255;

bool byKey(const TreeNode& a, const TreeNode& b) { return keys::compare(a.key, b.key) < 0; }

}  // namespace

std::vector<CatalogRow> userTableCatalogRows(const UserTableEntry& t) {
  std::vector<CatalogRow> rows;
  rows.push_back(tableRow(t.objectId, t.name, t.rootPage, t.density, kUserTableFlags, t.primaryPages));
  rows.push_back(columnRow(t.objectId, kKeyColumnFid, "Key", record::ColumnType::Binary, kBinaryColumnMost, 0, 0));
  rows.push_back(columnRow(t.objectId, kValueColumnFid, "Value", record::ColumnType::LongBinary, 0, 0, 0));
  rows.push_back(indexRow(t.objectId, t.objectId, kPrimaryIndexName, t.rootPage, t.density, kIndexFlagsPrimary,
                          {kKeyColumnFid}));
  if (t.keyMost != 0 && t.keyMost != keys::kDefaultKeyMost) rows.back().keyMost = t.keyMost;
  if (t.longValueObjectId != 0) rows.push_back(longValueRow(t.objectId, t.longValueObjectId, t.longValueRoot));
  return rows;
}

std::vector<ObjidEntry> userTableObjidEntries(const UserTableEntry& t) {
  std::vector<ObjidEntry> entries{{t.objectId, t.objectId, kObjidTypeTable}};
  if (t.longValueObjectId != 0) entries.push_back({t.longValueObjectId, t.objectId, kObjidTypeLongValue});
  return entries;
}

Result<CatalogRowNodes> catalogRowNodes(const CatalogRow& row, bool largePage) {
  auto record = encodeCatalogRow(row, largePage);
  if (!record) return record.status().withContext("catalog row '" + row.name + "'");
  CatalogRowNodes nodes;
  nodes.primaryKey = catalogPrimaryKey(row);
  nodes.record = std::move(*record);
  nodes.nameKey = catalogNameKey(row);
  nodes.rootObjectsKey = catalogRootObjectsKey(row);
  return nodes;
}

Result<CatalogContent> buildCatalogContent(const std::vector<UserTableEntry>& tables, uint32_t objidsPage,
                                           uint32_t localesPage, bool largePage) {
  std::vector<CatalogRow> rows = systemCatalogRows(objidsPage, localesPage);
  std::vector<ObjidEntry> objids = systemObjidEntries();
  for (const UserTableEntry& t : tables) {
    for (CatalogRow& row : userTableCatalogRows(t)) rows.push_back(std::move(row));
    for (const ObjidEntry& entry : userTableObjidEntries(t)) objids.push_back(entry);
  }

  CatalogContent content;
  for (const CatalogRow& row : rows) {
    auto nodes = catalogRowNodes(row, largePage);
    if (!nodes) return nodes.status();
    content.nameIndex.push_back({std::move(nodes->nameKey), nodes->primaryKey});
    if (nodes->rootObjectsKey) content.rootObjectsIndex.push_back({std::move(*nodes->rootObjectsKey), nodes->primaryKey});
    content.catalog.push_back({std::move(nodes->primaryKey), std::move(nodes->record)});
  }
  std::sort(content.catalog.begin(), content.catalog.end(), byKey);
  std::sort(content.nameIndex.begin(), content.nameIndex.end(), byKey);
  std::sort(content.rootObjectsIndex.begin(), content.rootObjectsIndex.end(), byKey);
  // RootObjects is unique over (RootFlag, upper-cased name): two tables whose
  // names differ only in case cannot coexist.
  for (size_t i = 1; i < content.rootObjectsIndex.size(); ++i)
    if (content.rootObjectsIndex[i - 1].key == content.rootObjectsIndex[i].key)
      return Status(JetError::TableDuplicate, "two tables share the name '" +
                                                  std::string(content.rootObjectsIndex[i].key.begin() + 3,
                                                              content.rootObjectsIndex[i].key.end() - 1) +
                                                  "' (names are compared without case)");
  for (size_t i = 1; i < content.nameIndex.size(); ++i)
    if (content.nameIndex[i - 1].key == content.nameIndex[i].key)
      return Status(JetError::InvalidParameter, "two catalog rows of one table share a name");

  std::sort(objids.begin(), objids.end(), [](const ObjidEntry& a, const ObjidEntry& b) { return a.objid < b.objid; });
  for (const ObjidEntry& entry : objids) {
    auto node = objidsNode(entry, largePage);
    if (!node) return node.status();
    content.objids.push_back(std::move(*node));
  }
  auto locales = localesNodes(largePage);
  if (!locales) return locales.status();
  content.locales = std::move(*locales);
  return content;
}

}  // namespace esekit::engine::layout
