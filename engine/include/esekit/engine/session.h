// Sessions, transactions and cursors (JetBeginSession, JetBeginTransaction,
// JetCommitTransaction, JetRollback, JetSeek/JetMove/JetRetrieveColumn,
// JetUpdate/JetDelete).
//
// Isolation: snapshot isolation, as ESE. A transaction sees the database as
// of its begin plus its own changes; readers never block and are never
// blocked by writers. Writers to *different* keys proceed concurrently; their
// commits are serialized (one commit applies its changes to the B+trees and
// appends its log records at a time). A write to a key that another open
// transaction has changed, or that a transaction committed after this one
// began, fails at once with JET_errWriteConflict; the transaction stays open
// (roll it back, or go on without that change).
//
// Operations outside a transaction run in a transaction of their own
// (committed with the instance's default durability), as if wrapped in
// begin/commit.
//
// Thread safety: a Session and its Cursors are used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "esekit/engine/database.h"
#include "esekit/format/bytes.h"
#include "esekit/format/status.h"

namespace esekit::engine {

enum class Durability : uint8_t {
  Default,  // the instance's InstanceOptions::defaultDurability
  Durable,  // commit returns after fdatasync of the log
  Lazy,     // commit returns once the commit record is in the log buffer (JET_bitCommitLazyFlush)
};

// JetSeek's JET_bitSeekEQ / GE / GT / LE / LT.
enum class SeekMode : uint8_t { Equal, GreaterOrEqual, Greater, LessOrEqual, Less };

class SessionImpl;
class CursorImpl;

// An ordered view of one table inside the session's current transaction
// (or, outside one, of the latest committed state at each call). It sees the
// session's own uncommitted changes.
class Cursor {
 public:
  ~Cursor();
  Cursor(Cursor&&) noexcept;
  Cursor& operator=(Cursor&&) noexcept;

  // Positions on the first/last row; JET_errRecordNotFound if the table is empty.
  Status first();
  Status last();
  // Positions on the row that `mode` selects relative to `key`;
  // JET_errRecordNotFound if there is none (the cursor is then unpositioned).
  Status seek(Bytes key, SeekMode mode = SeekMode::Equal);
  // Moves to the next / previous row in key order; JET_errNoCurrentRecord
  // past either end (the cursor is then unpositioned).
  Status next();
  Status previous();
  bool positioned() const;
  // The current row. Valid until the cursor moves; empty when unpositioned.
  Bytes key() const;
  Bytes value() const;

 private:
  friend class Session;
  explicit Cursor(std::unique_ptr<CursorImpl> impl);
  std::unique_ptr<CursorImpl> impl_;
};

class Session {
 public:
  ~Session();  // rolls back an open transaction
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts a transaction; JET_errInTransaction if one is open (esekit
  // transactions do not nest).
  Status begin();
  // Commits the open transaction: logs its changes and a Commit0 record.
  // JET_errNotInTransaction without one. With Durable the log is on stable
  // storage when this returns (group commit: concurrent commits share one
  // fdatasync). On error (JET_errLogDiskFull, JET_errLogWriteFail) nothing of
  // the transaction is visible or will be recovered, and it is rolled back.
  Status commit(Durability durability = Durability::Default);
  // Discards the open transaction's changes. JET_errNotInTransaction without one.
  Status rollback();
  bool inTransaction() const;

  // Inserts a new row; JET_errKeyDuplicate if the key exists.
  Status insert(const Table& table, Bytes key, Bytes value);
  // Replaces the value of an existing row; JET_errRecordNotFound if absent.
  Status replace(const Table& table, Bytes key, Bytes value);
  // Inserts or replaces.
  Status put(const Table& table, Bytes key, Bytes value);
  // Deletes a row; JET_errRecordNotFound if absent.
  Status erase(const Table& table, Bytes key);
  // The row's value, or nullopt if there is no such row.
  Result<std::optional<std::vector<uint8_t>>> get(const Table& table, Bytes key);
  Result<Cursor> openCursor(const Table& table);

  // Key/value limits: key 1..255 bytes (JET_errKeyTooBig / InvalidParameter
  // for empty), value up to kMaxValueSize (JET_errRecordTooBig).

  SessionImpl& impl() { return *impl_; }

 private:
  friend class InstanceImpl;
  friend class Instance;
  explicit Session(std::unique_ptr<SessionImpl> impl);
  std::unique_ptr<SessionImpl> impl_;
};

}  // namespace esekit::engine
