// Reading tables out of a database image: B+tree walks, the catalog
// (MSysObjects), rows and long values. Pure: the caller maps the file.
// See ese-format/records-and-catalog.md §5, §7.4, §8 and page-format.md §5.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/page.h"
#include "esekit/format/record.h"
#include "esekit/format/status.h"

namespace esekit::table {

// A database file in memory: header, shadow, then pgno 1.. (database-header.md §1).
struct DatabaseImage {
  Bytes file;
  uint32_t pageSize = 0;

  uint32_t pageCount() const { return file.size() / pageSize > 2 ? static_cast<uint32_t>(file.size() / pageSize - 2) : 0; }
  // The bytes of page `pgno`; JetError::FileIOBeyondEOF when outside the file.
  Result<Bytes> page(uint32_t pgno) const;
};

// Visits every leaf node of the B-tree rooted at `rootPgno`, in key order.
// Flag-deleted nodes are included (check node.deleted()). Detects cycles,
// wrong object ids and runaway depth (JetError::DatabaseCorrupted naming the
// page). Pages are checksum-verified; a bad one stops the walk with
// JetError::ReadVerifyFailure. The callback may stop the walk by returning
// a non-OK Status, which is passed through.
using LeafVisitor = std::function<Status(const page::Node& node, uint32_t pgno)>;
Status walkLeaves(const DatabaseImage& db, uint32_t rootPgno, uint32_t objectId, const LeafVisitor& visit);

struct Column {
  uint16_t fid = 0;
  std::string name;
  record::ColumnType type = record::ColumnType::Nil;
  uint32_t maxSize = 0;     // SpaceUsage: maximum length (0 = unlimited)
  uint32_t codePage = 0;    // PagesOrLocale for text columns
  uint32_t flags = 0;       // FIELD flags (§5.3)
  uint16_t recordOffset = 0;// fixed columns: slot offset in the record
  uint32_t fixedSize() const;
};

// One key segment of an index (KeyFldIDs, §5.3).
struct IndexSegment {
  uint16_t fid = 0;
  bool descending = false;
};

struct Index {
  std::string name;
  uint32_t objectId = 0;
  uint32_t rootPage = 0;
  uint32_t flags = 0;
  uint16_t keyMost = 255;             // KeyMost (§5.2: stored only when not 255)
  std::vector<IndexSegment> segments; // key columns in key order
  bool primary() const { return (flags & 0x20) != 0; }
};

struct Table {
  std::string name;
  uint32_t objectId = 0;
  uint32_t rootPage = 0;      // pgnoFDP of the primary B-tree
  uint32_t flags = 0;
  std::vector<Column> columns;  // by FID
  std::vector<Index> indexes;
  uint32_t longValueRoot = 0;   // 0 when the table has no LV tree
  uint32_t longValueObjectId = 0;
  uint32_t longValueChunkSize = 0;  // LVChunkMax, 0 = default for the page size

  const Column* column(uint16_t fid) const;
  const Column* column(std::string_view name) const;
};

struct Catalog {
  std::vector<Table> tables;
  const Table* find(std::string_view name) const;
};

// Reads MSysObjects (pgno 4) using the catalog's own column rows (§5.2).
Result<Catalog> readCatalog(const DatabaseImage& db);

// One MSysObjects record decoded (§5.2): for readers that walk the catalog
// B-tree themselves (the engine reads it through its page cache).
struct CatalogRecord {
  uint32_t objidTable = 0;
  uint16_t type = 0;                 // §5.4: 1 table, 2 column, 3 index, 4 LV, 5 callback
  uint32_t id = 0;
  uint32_t coltypOrPgnoFdp = 0;
  uint32_t spaceUsage = 0;
  uint32_t flags = 0;
  uint32_t pagesOrLocale = 0;
  std::optional<uint16_t> recordOffset;
  std::optional<uint16_t> keyMost;
  std::optional<uint32_t> lvChunkMax;
  std::string name;
  std::vector<uint8_t> keyFieldIds;  // raw KeyFldIDs
};
// Errors: DatabaseCorrupted (record layout, or ObjidTable/Type/Id missing).
Result<CatalogRecord> parseCatalogRecord(Bytes record, bool largePage);

// Builds a Catalog from records given in catalog key order (a table's rows
// follow its table row, §5.4): add() each, then finish().
class CatalogBuilder {
 public:
  // DatabaseCorrupted when a row does not follow its table row.
  Status add(const CatalogRecord& row);
  // Sorts columns and computes fixed-column offsets where the stored ones
  // are unusable (the catalog's own rows, §5.2).
  Catalog finish();

 private:
  Catalog catalog_;
};

// A value read from a row: instances of one column (one for single-valued).
struct ColumnValue {
  uint16_t fid = 0;
  std::vector<std::vector<uint8_t>> instances;  // long values resolved
};

struct Row {
  std::vector<uint8_t> key;
  std::vector<ColumnValue> values;  // non-NULL columns, by FID
  const ColumnValue* find(uint16_t fid) const;
};

// Visits the live rows of `table` in primary-key order, resolving separated
// long values and decompressing the formats esekit knows (7-bit ASCII and
// Unicode); other compressed values are returned as stored.
Status forEachRow(const DatabaseImage& db, const Table& table, const std::function<Status(const Row&)>& visit);

// Reassembles a separated long value by LID from the table's LV tree (§8).
Result<std::vector<uint8_t>> readLongValue(const DatabaseImage& db, const Table& table, Bytes lid);

}  // namespace esekit::table
