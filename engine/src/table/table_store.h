// Tables of one database on top of DatabaseStore: the catalog (MSysObjects,
// its Name and RootObjects indexes, MSysObjectsShadow), table creation and
// deletion, and rows of the esekit schema (database.h: Key column with the
// primary index, Value column LongBinary tagged, separated into the table's
// long-value tree above the intrinsic limit). Layout rules:
// ese-format/records-and-catalog.md §2, §5, §7, §8.
//
// Concurrency: like DatabaseStore — reads concurrent, writes exclusive.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "esekit/engine/session.h"
#include "esekit/format/bytes.h"
#include "esekit/format/status.h"
#include "store/database_store.h"

namespace esekit::engine::table {

struct TableInfo {
  std::string name;
  uint32_t objectId = 0;
  store::TreeRoot tree;                       // primary index (data tree)
  std::optional<store::TreeRoot> longValues;  // LV tree, once it exists
};

struct Row {
  std::vector<uint8_t> key;    // the user's key (not normalized)
  std::vector<uint8_t> value;
};

class TableStore {
 public:
  // Reads the catalog of `database` (every user table of the esekit schema;
  // tables of other schemas are listed but refused by row operations with
  // JET_errFeatureNotAvailable).
  static Result<std::unique_ptr<TableStore>> load(store::DatabaseStore& database);
  virtual ~TableStore() = default;

  virtual std::vector<TableInfo> tables() const = 0;
  virtual std::optional<TableInfo> find(const std::string& name) const = 0;  // case-insensitive

  // Logged, exclusive. createTable: new objid, FDP (createTree), catalog rows
  // in MSysObjects, its indexes and MSysObjectsShadow. InvalidName, TableDuplicate.
  virtual Result<TableInfo> createTable(const std::string& name, const store::OperationContext& context) = 0;
  virtual Status deleteTable(const std::string& name, const store::OperationContext& context) = 0;

  // Rows. Keys are user keys (1..255 bytes); normalization is internal.
  virtual Status insertRow(const TableInfo& table, Bytes key, Bytes value, const store::OperationContext& context) = 0;   // KeyDuplicate
  virtual Status replaceRow(const TableInfo& table, Bytes key, Bytes value, const store::OperationContext& context) = 0;  // RecordNotFound
  virtual Status eraseRow(const TableInfo& table, Bytes key, const store::OperationContext& context) = 0;                // RecordNotFound
  virtual Result<std::optional<std::vector<uint8_t>>> getRow(const TableInfo& table, Bytes key) = 0;
  // Equal / >= / > / <= / < `key` in user-key order (memcmp, shorter first).
  virtual Result<std::optional<Row>> seekRow(const TableInfo& table, Bytes key, SeekMode mode) = 0;
  virtual Result<std::optional<Row>> firstRow(const TableInfo& table) = 0;
  virtual Result<std::optional<Row>> lastRow(const TableInfo& table) = 0;

  // Undo support for recovery: decodes a data-tree node (normalized key +
  // record bytes as logged) back into a user row.
  virtual Result<Row> decodeRecord(const TableInfo& table, Bytes nodeKey, Bytes record) = 0;
};

}  // namespace esekit::engine::table
