// Loading the catalog, creating and deleting tables.
// see ese-format/records-and-catalog.md §5 (catalog), §6.1 (creation), space-trees.md §6.1/§6.3
#include <algorithm>

#include "esekit/engine/key_normalization.h"
#include "esekit/format/page.h"
#include "layout/table_content.h"
#include "table/table_store_impl.h"

namespace esekit::engine::table {
namespace {

constexpr uint32_t kDatabaseRootObjectId = 1;
constexpr uint32_t kDatabaseRootPage = 1;
constexpr uint32_t kSystemTableFlag = 0x80000000;  // JET_bitObjectSystem (§5.3)
constexpr uint32_t kTableDensity = 80;             // ESE's default density
// PagesOrLocale of a new table row: the initial-pages hint given to
// JetCreateTable, stored as given (corpus ese_parser-stroz/test.edb: 0 for a
// table whose FDP owns more). esekit passes no hint.
constexpr uint32_t kTablePagesHint = 0;

std::optional<store::TreeRoot> indexRoot(const esekit::table::Table& table, std::string_view name) {
  for (const esekit::table::Index& index : table.indexes)
    if (index.name == name) return store::TreeRoot{index.objectId, index.rootPage};
  return std::nullopt;
}

// The esekit schema (database.h): Key (128, Binary) and Value (256,
// LongBinary) only, primary index on Key ascending.
std::string schemaProblem(const esekit::table::Table& table) {
  if (table.columns.size() != 2) return "it has " + std::to_string(table.columns.size()) + " columns, not Key and Value";
  const esekit::table::Column* key = table.column(layout::kKeyColumnFid);
  const esekit::table::Column* value = table.column(layout::kValueColumnFid);
  if (key == nullptr || key->type != record::ColumnType::Binary) return "column 128 is not a Binary Key column";
  if (value == nullptr || value->type != record::ColumnType::LongBinary) return "column 256 is not a LongBinary Value column";
  const esekit::table::Index* primary = nullptr;
  for (const esekit::table::Index& index : table.indexes)
    if (index.primary()) primary = &index;
  if (primary == nullptr || primary->objectId != table.objectId || primary->rootPage != table.rootPage)
    return "it has no primary index in its own tree";
  if (primary->segments.size() != 1 || primary->segments[0].fid != layout::kKeyColumnFid || primary->segments[0].descending)
    return "its primary index is not on Key ascending";
  if (primary->keyMost < keys::kDefaultKeyMost) return "its primary index KeyMost is below 255";
  return {};
}

}  // namespace

std::string upperCase(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

Result<std::unique_ptr<TableStore>> TableStore::load(store::DatabaseStore& database) {
  auto store = std::make_unique<TableStoreImpl>(database);
  ESEKIT_RETURN_IF_ERROR(store->loadCatalog());
  return std::unique_ptr<TableStore>(std::move(store));
}

TableStoreImpl::TableStoreImpl(store::DatabaseStore& database)
    : database_(database), largePage_(page::isLargePage(database.pageSize())) {}

Status TableStoreImpl::loadCatalog() {
  esekit::table::CatalogBuilder builder;
  auto entry = database_.first(catalog_);
  size_t position = 0;
  while (true) {
    if (!entry) return entry.status().withContext("reading the catalog (MSysObjects) at row " + std::to_string(position));
    if (!*entry) break;
    auto row = esekit::table::parseCatalogRecord((*entry)->data, largePage_);
    if (!row) return row.status().withContext("catalog (MSysObjects) row " + std::to_string(position));
    ESEKIT_RETURN_IF_ERROR(builder.add(*row).withContext("catalog (MSysObjects) row " + std::to_string(position)));
    ++position;
    const std::vector<uint8_t> key = std::move((*entry)->key);
    entry = database_.seek(catalog_, key, SeekMode::Greater);
  }
  const esekit::table::Catalog catalog = builder.finish();

  // Objids are never reused (§5.4). The header's objidLast may lag behind the
  // catalog (it is written at detach); move the store's counter past every
  // objid the catalog knows.
  uint32_t largestObjid = 0;
  for (const esekit::table::Table& table : catalog.tables) {
    largestObjid = std::max({largestObjid, table.objectId, table.longValueObjectId});
    for (const esekit::table::Index& index : table.indexes) largestObjid = std::max(largestObjid, index.objectId);
  }
  while (database_.lastObjectId() < largestObjid) database_.newObjectId();

  for (const esekit::table::Table& table : catalog.tables) {
    if (table.flags & kSystemTableFlag) {
      systemNames_.push_back(upperCase(table.name));
      if (table.objectId == layout::kCatalogObjectId) {
        if (auto root = indexRoot(table, "Name")) nameIndex_ = *root;
        if (auto root = indexRoot(table, "RootObjects")) rootObjectsIndex_ = *root;
      } else if (table.name == "MSysObjectsShadow") {
        shadow_ = store::TreeRoot{table.objectId, table.rootPage};
      } else if (table.name == "MSysObjids") {
        objids_ = store::TreeRoot{table.objectId, table.rootPage};
      }
      continue;
    }
    TableState state;
    state.info.name = table.name;
    state.info.objectId = table.objectId;
    state.info.tree = {table.objectId, table.rootPage};
    if (table.longValueRoot != 0) state.info.longValues = store::TreeRoot{table.longValueObjectId, table.longValueRoot};
    state.unsupportedReason = schemaProblem(table);
    state.supported = state.unsupportedReason.empty();
    state.longValueChunkSize = table.longValueChunkSize != 0 ? table.longValueChunkSize : longValueChunkSize(database_.pageSize());
    for (const esekit::table::Index& index : table.indexes) {
      if (index.primary()) state.keyMost = index.keyMost;
      else if (index.rootPage != table.rootPage) state.otherTrees.push_back({index.objectId, index.rootPage});
    }
    tables_.emplace(table.objectId, std::move(state));
  }
  // Shadowing off (records-and-catalog.md §5.4: plaso Catalog1.edb): the
  // shadow tree exists but stays empty; keep it so.
  if (shadow_ && position > 0) {
    auto first = database_.first(*shadow_);
    if (!first) return first.status().withContext("reading MSysObjectsShadow");
    if (!*first) shadow_.reset();
  }
  return Status::ok();
}

std::vector<TableInfo> TableStoreImpl::tables() const {
  std::vector<TableInfo> out;
  for (const auto& [objid, state] : tables_) out.push_back(state.info);
  return out;
}

std::optional<TableInfo> TableStoreImpl::find(const std::string& name) const {
  const std::string wanted = upperCase(name);
  for (const auto& [objid, state] : tables_)
    if (upperCase(state.info.name) == wanted) return state.info;
  return std::nullopt;
}

Result<TableInfo> TableStoreImpl::createTable(const std::string& name, const store::OperationContext& context) {
  ESEKIT_RETURN_IF_ERROR(layout::validateTableName(name));
  auto taken = nameTaken(name);
  if (!taken) return taken.status();
  if (*taken) return Status(JetError::TableDuplicate, "a table named '" + name + "' exists (names compare without case)");

  const uint32_t objid = database_.newObjectId();
  auto tree = database_.createTree(kDatabaseRootObjectId, kDatabaseRootPage, objid, store::TreeKind::Table, context);
  if (!tree) return tree.status().withContext("creating the B-tree of table '" + name + "'");

  layout::UserTableEntry entry;
  entry.name = name;
  entry.objectId = objid;
  entry.rootPage = tree->rootPage;
  entry.primaryPages = kTablePagesHint;
  entry.density = kTableDensity;
  entry.keyMost = kUntruncatedKeyMost;
  for (const layout::CatalogRow& row : layout::userTableCatalogRows(entry))
    ESEKIT_RETURN_IF_ERROR(insertCatalogRow(row, context).withContext("creating table '" + name + "'"));
  for (const layout::ObjidEntry& objidEntry : layout::userTableObjidEntries(entry))
    ESEKIT_RETURN_IF_ERROR(insertObjid(objidEntry, context).withContext("creating table '" + name + "'"));

  TableState state;
  state.info.name = name;
  state.info.objectId = objid;
  state.info.tree = *tree;
  state.supported = true;
  state.keyMost = kUntruncatedKeyMost;
  state.longValueChunkSize = longValueChunkSize(database_.pageSize());
  state.lidWidth = LongValueIdWidth::Lid32;
  const TableInfo info = state.info;
  tables_[objid] = std::move(state);
  return info;
}

Status TableStoreImpl::deleteTable(const std::string& name, const store::OperationContext& context) {
  const std::optional<TableInfo> found = find(name);
  if (!found) {
    const std::string upper = upperCase(name);
    if (std::find(systemNames_.begin(), systemNames_.end(), upper) != systemNames_.end())
      return Status(JetError::InvalidParameter, "table '" + name + "' is a system table and cannot be deleted");
    return Status(JetError::ObjectNotFound, "no table named '" + name + "'");
  }
  const TableState& state = tables_.at(found->objectId);
  const std::string where = "deleting table '" + state.info.name + "'";

  std::vector<uint32_t> objids;
  ESEKIT_RETURN_IF_ERROR(eraseCatalogRows(state.info.objectId, objids, context).withContext(where));
  for (uint32_t objid : objids) ESEKIT_RETURN_IF_ERROR(eraseObjid(objid, context).withContext(where));

  // Child trees give their extents back to the table, then the table gives
  // everything back to the database root (space-trees.md §6.3).
  const store::TreeRoot tableTree = state.info.tree;
  if (state.info.longValues)
    ESEKIT_RETURN_IF_ERROR(database_.deleteTree(*state.info.longValues, tableTree.objectId, tableTree.rootPage, context)
                               .withContext(where + ": its long-value tree"));
  for (const store::TreeRoot& index : state.otherTrees)
    ESEKIT_RETURN_IF_ERROR(database_.deleteTree(index, tableTree.objectId, tableTree.rootPage, context)
                               .withContext(where + ": index tree " + std::to_string(index.rootPage)));
  ESEKIT_RETURN_IF_ERROR(database_.deleteTree(tableTree, kDatabaseRootObjectId, kDatabaseRootPage, context).withContext(where));
  tables_.erase(tableTree.objectId);
  return Status::ok();
}

}  // namespace esekit::engine::table
