// The catalog, MSysObjects; see ese-format/records-and-catalog.md §5.
#include <algorithm>
#include <array>
#include <string>

#include "esekit/format/table.h"
#include "table/table_internal.h"

namespace esekit::table {
namespace {

constexpr uint32_t kCatalogRoot = 4;
constexpr uint32_t kCatalogObjectId = 2;

// The catalog's hard-coded fixed columns (FID 1..13) and their sizes (§5.2);
// its own rows store RecordOffset 4, so offsets are computed from sizes.
constexpr std::array<uint32_t, 13> kCatalogFixedSizes{4, 2, 4, 4, 4, 4, 4, 1, 2, 4, 2, 4, 8};
enum CatalogFid : uint8_t {
  ObjidTable = 1, Type = 2, Id = 3, ColtypOrPgnoFDP = 4, SpaceUsage = 5, Flags = 6, PagesOrLocale = 7,
  RecordOffset = 9, LVChunkMax = 12,
};
constexpr uint8_t kNameFid = 128;

enum RowType : uint16_t { TableRow = 1, ColumnRow = 2, IndexRow = 3, LongValueRow = 4 };

uint32_t catalogOffset(uint8_t fid) {
  uint32_t offset = 4;
  for (uint8_t f = 1; f < fid; ++f) offset += kCatalogFixedSizes[f - 1];
  return offset;
}

std::optional<uint32_t> readFixed(const record::RecordView& row, uint8_t fid) {
  const uint32_t size = kCatalogFixedSizes[fid - 1];
  auto bytes = row.fixed(fid, catalogOffset(fid), size);
  if (!bytes) return std::nullopt;
  switch (size) {
    case 1: return (*bytes)[0];
    case 2: return loadLittleEndian<uint16_t>(bytes->data());
    default: return loadLittleEndian<uint32_t>(bytes->data());
  }
}

}  // namespace

uint32_t Column::fixedSize() const {
  const uint32_t size = record::fixedSizeOf(type);
  return size != 0 ? size : maxSize;
}

const Column* Table::column(uint16_t fid) const {
  for (const Column& c : columns)
    if (c.fid == fid) return &c;
  return nullptr;
}

const Column* Table::column(std::string_view wanted) const {
  for (const Column& c : columns)
    if (c.name == wanted) return &c;
  return nullptr;
}

const Table* Catalog::find(std::string_view name) const {
  for (const Table& t : tables)
    if (t.name == name) return &t;
  return nullptr;
}

Result<Catalog> readCatalog(const DatabaseImage& db) {
  Catalog catalog;
  const bool large = page::isLargePage(db.pageSize);
  Status status = walkLeaves(db, kCatalogRoot, kCatalogObjectId, [&](const page::Node& node, uint32_t pgno) -> Status {
    if (node.deleted()) return Status::ok();
    auto row = record::parseRecord(node.data, large);
    if (!row) return row.status().withContext("catalog page " + std::to_string(pgno) + " node " + std::to_string(node.tag));
    const auto objidTable = readFixed(*row, ObjidTable);
    const auto type = readFixed(*row, Type);
    const auto id = readFixed(*row, Id);
    if (!objidTable || !type || !id)
      return Status(JetError::DatabaseCorrupted, "catalog page " + std::to_string(pgno) + " node " +
                                                     std::to_string(node.tag) + ": row lacks ObjidTable/Type/Id");
    std::string name;
    if (auto bytes = row->variable(kNameFid)) name.assign(bytes->begin(), bytes->end());
    const uint32_t coltypOrPgno = readFixed(*row, ColtypOrPgnoFDP).value_or(0);
    const uint32_t flags = readFixed(*row, Flags).value_or(0);

    if (*type == TableRow) {
      Table table;
      table.name = name;
      table.objectId = *objidTable;
      table.rootPage = coltypOrPgno;
      table.flags = flags;
      table.longValueChunkSize = readFixed(*row, LVChunkMax).value_or(0);
      catalog.tables.push_back(std::move(table));
      return Status::ok();
    }
    // Rows of one table follow its table row (key order, §5.4).
    if (catalog.tables.empty() || catalog.tables.back().objectId != *objidTable)
      return Status(JetError::DatabaseCorrupted, "catalog row '" + name + "' of object " + std::to_string(*objidTable) +
                                                     " does not follow its table row");
    Table& table = catalog.tables.back();
    if (*type == ColumnRow) {
      Column column;
      column.fid = static_cast<uint16_t>(*id);
      column.name = name;
      column.type = static_cast<record::ColumnType>(coltypOrPgno);
      column.maxSize = readFixed(*row, SpaceUsage).value_or(0);
      column.codePage = readFixed(*row, PagesOrLocale).value_or(0);
      column.flags = flags;
      column.recordOffset = static_cast<uint16_t>(readFixed(*row, RecordOffset).value_or(0));
      table.columns.push_back(std::move(column));
    } else if (*type == IndexRow) {
      table.indexes.push_back({name, *id, coltypOrPgno, flags});
    } else if (*type == LongValueRow) {
      table.longValueRoot = coltypOrPgno;
      table.longValueObjectId = *id;
    }
    return Status::ok();
  });
  if (!status.isOk()) return status.withContext("catalog (MSysObjects)");

  // Fixed-column slots: the catalog's own rows say 4 (fixed up at open, §5.2);
  // compute every table's offsets from the sizes when the stored ones are not usable.
  for (Table& table : catalog.tables) {
    std::sort(table.columns.begin(), table.columns.end(), [](const Column& a, const Column& b) { return a.fid < b.fid; });
    uint32_t offset = 4;
    bool storedUsable = true;
    for (const Column& c : table.columns) {
      if (c.fid > record::kLastFixedFid) break;
      if (c.recordOffset != offset) storedUsable = false;
      offset += c.fixedSize();
    }
    if (storedUsable) continue;
    offset = 4;
    for (Column& c : table.columns) {
      if (c.fid > record::kLastFixedFid) break;
      // A deleted column (type Nil) keeps its stored slot; trust it when plausible.
      if (c.type == record::ColumnType::Nil && c.recordOffset >= offset) offset = c.recordOffset;
      c.recordOffset = static_cast<uint16_t>(offset);
      offset += c.fixedSize();
    }
  }
  return catalog;
}

}  // namespace esekit::table
