// Catalog rows of user tables in the four catalog trees (MSysObjects, its
// Name and RootObjects indexes, MSysObjectsShadow) and MSysObjids.
// see ese-format/records-and-catalog.md §5.4 (keys, shadow), §6.3 (MSysObjids), §7.4 (index nodes)
#include "esekit/engine/key_normalization.h"
#include "table/table_store_impl.h"

namespace esekit::engine::table {
namespace {

bool startsWith(Bytes key, Bytes prefix) {
  return key.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), key.begin());
}

std::vector<uint8_t> objidKey(uint32_t objid) {
  std::vector<uint8_t> key;
  keys::appendLong(key, static_cast<int32_t>(objid));
  return key;
}

}  // namespace

Result<bool> TableStoreImpl::nameTaken(const std::string& name) {
  const std::string upper = upperCase(name);
  for (const std::string& system : systemNames_)
    if (system == upper) return true;
  if (find(name)) return true;
  // The RootObjects index is the database's own uniqueness rule (§5.4).
  layout::CatalogRow probe;
  probe.rootFlag = 0xFF;
  probe.name = name;
  auto existing = database_.find(rootObjectsIndex_, *layout::catalogRootObjectsKey(probe));
  if (!existing) return existing.status().withContext("looking up '" + name + "' in the RootObjects index");
  return existing->has_value();
}

// ESE inserts the row into MSysObjects, which maintains its two indexes,
// then the identical row into MSysObjectsShadow (§5.4).
Status TableStoreImpl::insertCatalogRow(const layout::CatalogRow& row, const store::OperationContext& context) {
  auto nodes = layout::catalogRowNodes(row, largePage_);
  if (!nodes) return nodes.status();
  const std::string what = "catalog row '" + row.name + "' of object " + std::to_string(row.objidTable);
  ESEKIT_RETURN_IF_ERROR(database_.insert(catalog_, nodes->primaryKey, nodes->record, context).withContext(what + " in MSysObjects"));
  ESEKIT_RETURN_IF_ERROR(database_.insert(nameIndex_, nodes->nameKey, nodes->primaryKey, context).withContext(what + " in index Name"));
  if (nodes->rootObjectsKey)
    ESEKIT_RETURN_IF_ERROR(database_.insert(rootObjectsIndex_, *nodes->rootObjectsKey, nodes->primaryKey, context)
                               .withContext(what + " in index RootObjects"));
  if (shadow_)
    ESEKIT_RETURN_IF_ERROR(database_.insert(*shadow_, nodes->primaryKey, nodes->record, context).withContext(what + " in MSysObjectsShadow"));
  return Status::ok();
}

Status TableStoreImpl::eraseCatalogRows(uint32_t objidTable, std::vector<uint32_t>& objids,
                                        const store::OperationContext& context) {
  const std::vector<uint8_t> prefix = objidKey(objidTable);
  while (true) {
    auto entry = database_.seek(catalog_, prefix, SeekMode::GreaterOrEqual);
    if (!entry) return entry.status().withContext("catalog rows of object " + std::to_string(objidTable));
    if (!*entry || !startsWith((*entry)->key, prefix)) return Status::ok();
    auto parsed = esekit::table::parseCatalogRecord((*entry)->data, largePage_);
    if (!parsed) return parsed.status().withContext("catalog row of object " + std::to_string(objidTable));

    layout::CatalogRow row;
    row.objidTable = parsed->objidTable;
    row.type = static_cast<layout::CatalogRowType>(parsed->type);
    row.id = parsed->id;
    row.name = parsed->name;
    if (row.type == layout::CatalogRowType::Table) row.rootFlag = 0xFF;
    if (row.type == layout::CatalogRowType::Table ||
        (row.type == layout::CatalogRowType::Index && row.id != objidTable) ||
        row.type == layout::CatalogRowType::LongValue)
      objids.push_back(row.id);

    const std::string what = "catalog row '" + row.name + "' of object " + std::to_string(objidTable);
    const std::vector<uint8_t> key = std::move((*entry)->key);
    ESEKIT_RETURN_IF_ERROR(database_.erase(catalog_, key, context).withContext(what + " in MSysObjects"));
    ESEKIT_RETURN_IF_ERROR(database_.erase(nameIndex_, layout::catalogNameKey(row), context).withContext(what + " in index Name"));
    if (auto rootKey = layout::catalogRootObjectsKey(row))
      ESEKIT_RETURN_IF_ERROR(database_.erase(rootObjectsIndex_, *rootKey, context).withContext(what + " in index RootObjects"));
    if (shadow_) ESEKIT_RETURN_IF_ERROR(database_.erase(*shadow_, key, context).withContext(what + " in MSysObjectsShadow"));
  }
}

Status TableStoreImpl::insertObjid(const layout::ObjidEntry& entry, const store::OperationContext& context) {
  if (!objids_) return Status::ok();
  auto node = layout::objidsNode(entry, largePage_);
  if (!node) return node.status();
  return database_.insert(*objids_, node->key, node->data, context).withContext("MSysObjids row " + std::to_string(entry.objid));
}

Status TableStoreImpl::eraseObjid(uint32_t objid, const store::OperationContext& context) {
  if (!objids_) return Status::ok();
  const std::vector<uint8_t> key = objidKey(objid);
  // Databases repaired by esentutl /p may lack rows (records-and-catalog.md §6.2).
  auto existing = database_.find(*objids_, key);
  if (!existing) return existing.status();
  if (!*existing) return Status::ok();
  return database_.erase(*objids_, key, context).withContext("MSysObjids row " + std::to_string(objid));
}

}  // namespace esekit::engine::table
