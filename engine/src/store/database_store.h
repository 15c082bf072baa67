// One open database file: page cache, B+trees of ESE nodes, space trees,
// logging of every page change, and redo of logged changes. The table layer
// (engine/src/table/) and the instance (transactions, recovery) sit on top.
//
// Concurrency contract: read functions (find/seek/first/last/header) may run
// concurrently from many threads; a write function (insert/replace/erase/
// createTree/deleteTree/redo/flush/writeHeader) runs only when no other call
// of any kind is in progress on this store (the caller holds an exclusive
// latch). The store itself is thread-safe for concurrent reads (its page
// cache loads pages under its own mutex).
//
// WAL: every write first builds the ESE log record(s) (log-records.md §3),
// appends them through the LogSink, then changes the page(s) with the very
// function redo uses for that record type (one code path). Each dirty page
// remembers the log position of its last change; flush() asks the sink to
// make the log durable up to the largest such position before a page is
// written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "esekit/engine/session.h"  // SeekMode
#include "esekit/format/bytes.h"
#include "esekit/format/database_header.h"
#include "esekit/format/log_record_decode.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit::engine::store {

// A B+tree: its FDP (root page) and objid.
struct TreeRoot {
  uint32_t objectId = 0;
  uint32_t rootPage = 0;
};

enum class TreeKind : uint8_t { Table, LongValues, SecondaryIndex };

// Who performs an operation (fields of LRPAGE_/LRNODE_, log-records.md §3.1).
struct OperationContext {
  uint16_t procid = 0;     // session id
  uint32_t trxBegin0 = 0;  // the session's level-0 transaction begin timestamp
  uint8_t level = 1;       // transaction level of the operation
  bool versioned = true;   // flag 0x01: undoable user change (false for system/space work)
};

// Where logged operations go. append() is called before the page changes.
class LogSink {
 public:
  virtual ~LogSink() = default;
  // Appends one record; returns the LGPOS of its first byte.
  virtual Result<LogPosition> append(const LogRecord& record) = 0;
  // Makes the log durable at least up to `position` (WAL before page writes).
  virtual Status flushUpTo(LogPosition position) = 0;
};

struct TreeEntry {
  std::vector<uint8_t> key;
  std::vector<uint8_t> data;
};

// What redo did with one record, and what undo will need.
struct RedoEffect {
  bool pageRecord = false;  // the record touches pages of this database
  bool applied = false;     // at least one page needed it (dbtime rule)
  // For node operations on a leaf (Insert/Replace/ReplaceD/FlagDelete/Delete
  // /FlagInsert...): the tree, the node's key and, when the page was redone,
  // the node data before the operation (the undo image).
  std::optional<TreeRoot> tree;
  std::vector<uint8_t> key;
  std::optional<std::vector<uint8_t>> dataBefore;
};

struct StoreOptions {
  std::filesystem::path path;
  uint8_t dbid = 1;
  uint32_t pageSize = 8192;
  bool readOnly = false;
  uint64_t cleanCacheBytes = 256u * 1024 * 1024;
  LogSink* log = nullptr;  // required unless readOnly
};

struct CreateParameters {
  Signature databaseSignature;  // random + creation time
  Signature logSignature;
  LogPosition attachPosition;   // lgposAttach (the CreateDB record)
};

class DatabaseStore {
 public:
  // Creates the file (error DatabaseDuplicate if it exists): an empty ESE
  // database as writeDatabase() lays it out, header state DirtyShutdown
  // (attached), the log signature and positions of `params`, fsynced.
  static Result<std::unique_ptr<DatabaseStore>> create(const StoreOptions& options, const CreateParameters& params);
  // Opens an existing file. Does not change the header.
  static Result<std::unique_ptr<DatabaseStore>> open(const StoreOptions& options);
  virtual ~DatabaseStore() = default;

  virtual const std::filesystem::path& path() const = 0;
  virtual uint32_t pageSize() const = 0;
  virtual uint8_t dbid() const = 0;

  // The database header as on disk (after the last writeHeader).
  virtual const DatabaseHeader& header() const = 0;
  // Writes header and shadow (with checksums) and fsyncs them.
  virtual Status writeHeader(const DatabaseHeader& header) = 0;

  // --- reads (concurrent) -------------------------------------------------
  virtual Result<std::optional<std::vector<uint8_t>>> find(const TreeRoot& tree, Bytes key) = 0;
  // Equal, >=, >, <=, < `key`; nullopt when no such entry. Flag-deleted
  // nodes are skipped.
  virtual Result<std::optional<TreeEntry>> seek(const TreeRoot& tree, Bytes key, SeekMode mode) = 0;
  virtual Result<std::optional<TreeEntry>> first(const TreeRoot& tree) = 0;
  virtual Result<std::optional<TreeEntry>> last(const TreeRoot& tree) = 0;

  // --- logged writes (exclusive) ------------------------------------------
  // Keys are node keys as stored (normalized keys for table trees).
  virtual Status insert(const TreeRoot& tree, Bytes key, Bytes data, const OperationContext& context) = 0;  // KeyDuplicate
  virtual Status replace(const TreeRoot& tree, Bytes key, Bytes data, const OperationContext& context) = 0; // RecordNotFound
  virtual Status erase(const TreeRoot& tree, Bytes key, const OperationContext& context) = 0;              // RecordNotFound
  // A new B+tree with its own OE/AE space trees and an initial extent taken
  // from the database root (CreateMultipleExtentFDP, space-trees.md §6.1).
  virtual Result<TreeRoot> createTree(uint32_t parentObjectId, uint32_t parentRootPage, uint32_t objectId, TreeKind kind,
                                      const OperationContext& context) = 0;
  // Frees every page of the tree back to its parent's available space.
  virtual Status deleteTree(const TreeRoot& tree, uint32_t parentObjectId, uint32_t parentRootPage,
                            const OperationContext& context) = 0;

  // Largest dbtime / objid given out so far; newObjectId() hands out the next.
  virtual int64_t dbtime() const = 0;
  virtual uint32_t lastObjectId() const = 0;
  virtual uint32_t newObjectId() = 0;

  // --- recovery -------------------------------------------------------------
  // Applies one record of this database if its pages need it (dbtime rule,
  // log-records.md §4); DbTimeTooOld/DbTimeTooNew per §4 otherwise.
  virtual Result<RedoEffect> redo(const LogRecord& record, LogPosition position) = 0;

  // --- durability -----------------------------------------------------------
  // Writes every dirty page (log first, WAL) and fdatasyncs the file.
  virtual Status flush() = 0;
  virtual uint64_t dirtyPages() const = 0;
  virtual uint64_t cachedPages() const = 0;
  // Pages read with a single-bit checksum error that was corrected in memory.
  virtual uint64_t correctedPages() const = 0;
  // Last page owned by the database root (its OE, space-trees.md §5): the
  // file holds at least this many pages after flush().
  virtual uint32_t ownedPages() const = 0;
};

}  // namespace esekit::engine::store
