// Databases and tables of an esekit instance (instance.h).
//
// Every table has the same schema, stored as an ESE table so that any ESE
// reader sees it: a Key column (Binary, up to 255 bytes) carrying the
// primary index, and a Value column (LongBinary, tagged): values up to 1023
// bytes live in the record, larger ones in the table's long-value tree in
// chunks, as ESE stores them (ese-format/records-and-catalog.md §8). Keys
// order as memcmp with the shorter key first (ESE's normalized binary keys).
//
// Handles are cheap values; they stay valid until the database is detached or
// the table deleted (then operations fail with JET_errDatabaseNotFound /
// JET_errObjectNotFound). Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "esekit/format/status.h"

namespace esekit::engine {

class DatabaseImpl;
class TableImpl;

// Largest key (JET_cbKeyMost for this schema) and value.
inline constexpr size_t kMaxKeySize = 255;
inline constexpr size_t kMaxValueSize = size_t{1} << 30;  // 1 GiB

class Table {
 public:
  Table() = default;
  const std::string& name() const;
  uint32_t objectId() const;  // the table's objid in the catalog
  bool valid() const { return impl_ != nullptr; }
  std::shared_ptr<TableImpl> impl() const { return impl_; }

 private:
  friend class DatabaseImpl;
  explicit Table(std::shared_ptr<TableImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<TableImpl> impl_;
};

class Database {
 public:
  Database() = default;
  const std::filesystem::path& path() const;
  uint32_t pageSize() const;
  bool valid() const { return impl_ != nullptr; }

  // Creates an empty table (JetCreateTable). The creation is its own atomic,
  // logged operation (durable when it returns), independent of any session's
  // transaction. Errors: InvalidName (empty, over 64 characters, leading
  // space, or one of ! . [ ] or a control character), TableDuplicate (a
  // table, system tables included, with the same name ignoring case).
  Result<Table> createTable(const std::string& name);
  // Opens an existing table by name (case-insensitive, as ESE);
  // JET_errObjectNotFound if there is none.
  Result<Table> openTable(const std::string& name) const;
  // Deletes a table and all its rows (JetDeleteTable), atomically and
  // durably. JET_errTableInUse while a session has uncommitted changes to it.
  Status deleteTable(const std::string& name);
  // User tables in catalog order.
  std::vector<std::string> tableNames() const;

  std::shared_ptr<DatabaseImpl> impl() const { return impl_; }

 private:
  friend class InstanceImpl;
  friend class Instance;
  explicit Database(std::shared_ptr<DatabaseImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<DatabaseImpl> impl_;
};

}  // namespace esekit::engine
