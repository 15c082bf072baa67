// The TableStore implementation (private to engine/src/table/). Split over
// table_store.cpp (load, create/delete table), table_catalog.cpp (catalog
// rows in MSysObjects, its indexes, the shadow and MSysObjids) and
// table_rows.cpp (rows and long values).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "esekit/engine/database_writer.h"
#include "esekit/format/table.h"
#include "layout/catalog_content.h"
#include "table/table_store.h"

namespace esekit::engine::table {

// Largest normalized key of a 255-byte Binary value (§7.2: 0x7F, then 32
// groups of 8 bytes plus a count byte). The PrimaryKey index of a table this
// store creates declares this KeyMost so that no user key is ever truncated;
// ESE accepts any KeyMost from 255 (JET_cbKeyMostMin) up to 1000 on 4 KiB
// pages and 2000 on larger ones (JET_cbKeyMost4KBytePage/8KBytePage).
inline constexpr uint16_t kUntruncatedKeyMost = 1 + 9 * ((kLargestKey + 7) / 8);

struct TableState {
  TableInfo info;
  bool supported = false;   // the esekit schema (database.h): Key/Value, PrimaryKey on Key
  std::string unsupportedReason;
  uint16_t keyMost = 255;   // of the primary index (keys longer are cut, §7.1)
  uint32_t longValueChunkSize = 0;
  LongValueIdWidth lidWidth = LongValueIdWidth::Lid32;
  uint64_t nextLid = 0;     // 0: not known yet (read from the LV tree on first use)
  std::vector<store::TreeRoot> otherTrees;  // secondary indexes of foreign schemas
};

class TableStoreImpl final : public TableStore {
 public:
  explicit TableStoreImpl(store::DatabaseStore& database);
  Status loadCatalog();

  std::vector<TableInfo> tables() const override;
  std::optional<TableInfo> find(const std::string& name) const override;
  Result<TableInfo> createTable(const std::string& name, const store::OperationContext& context) override;
  Status deleteTable(const std::string& name, const store::OperationContext& context) override;

  Status insertRow(const TableInfo& table, Bytes key, Bytes value, const store::OperationContext& context) override;
  Status replaceRow(const TableInfo& table, Bytes key, Bytes value, const store::OperationContext& context) override;
  Status eraseRow(const TableInfo& table, Bytes key, const store::OperationContext& context) override;
  Result<std::optional<std::vector<uint8_t>>> getRow(const TableInfo& table, Bytes key) override;
  Result<std::optional<Row>> seekRow(const TableInfo& table, Bytes key, SeekMode mode) override;
  Result<std::optional<Row>> firstRow(const TableInfo& table) override;
  Result<std::optional<Row>> lastRow(const TableInfo& table) override;
  Result<Row> decodeRecord(const TableInfo& table, Bytes nodeKey, Bytes record) override;

 private:
  // --- catalog (table_catalog.cpp) ---
  Status insertCatalogRow(const layout::CatalogRow& row, const store::OperationContext& context);
  Status eraseCatalogRows(uint32_t objidTable, std::vector<uint32_t>& objids, const store::OperationContext& context);
  Status insertObjid(const layout::ObjidEntry& entry, const store::OperationContext& context);
  Status eraseObjid(uint32_t objid, const store::OperationContext& context);
  Result<bool> nameTaken(const std::string& name);

  // --- rows (table_rows.cpp) ---
  Result<TableState*> writable(const TableInfo& table);
  Result<const TableState*> readable(const TableInfo& table) const;
  Result<std::vector<uint8_t>> normalizedKey(const TableState& state, Bytes key) const;
  // The stored record for `value`: intrinsic, or a new separated LV.
  Result<std::vector<uint8_t>> recordFor(TableState& state, Bytes key, Bytes value, const store::OperationContext& context);
  Result<store::TreeRoot> ensureLongValueTree(TableState& state, const store::OperationContext& context);
  Result<uint64_t> allocateLid(TableState& state);
  Status writeLongValue(TableState& state, Bytes lidKey, Bytes value, const store::OperationContext& context);
  Status releaseLongValue(const TableState& state, Bytes reference, const store::OperationContext& context);
  Result<std::vector<uint8_t>> readLongValue(const TableState& state, Bytes reference) const;
  // The LV referenced by the record's Value column, if it is separated.
  Result<std::optional<std::vector<uint8_t>>> separatedReference(Bytes record) const;
  Result<Row> decode(const TableState& state, Bytes record) const;
  Result<std::vector<uint8_t>> decodeKeyOnly(Bytes record) const;
  Result<std::optional<std::vector<uint8_t>>> findRecord(const store::TreeRoot& tree, Bytes normalized, Bytes key) const;
  // Positions for seekRow: entry at/after/before `key` with truncation care.
  Result<std::optional<store::TreeEntry>> seekEntry(const TableState& state, Bytes key, SeekMode mode) const;

  store::DatabaseStore& database_;
  bool largePage_;
  store::TreeRoot catalog_{layout::kCatalogObjectId, layout::kCatalogPage};
  std::optional<store::TreeRoot> shadow_;  // nullopt when shadowing is off (empty shadow tree)
  store::TreeRoot nameIndex_{layout::kNameIndexObjectId, 7};
  store::TreeRoot rootObjectsIndex_{layout::kRootObjectsIndexObjectId, 10};
  std::optional<store::TreeRoot> objids_;  // MSysObjids, absent in older layouts
  std::map<uint32_t, TableState> tables_;  // user tables by objid
  std::vector<std::string> systemNames_;   // upper-cased
};

// Upper-cases a-z (catalog names compare without case, §5.4 RootObjects).
std::string upperCase(const std::string& name);

}  // namespace esekit::engine::table
