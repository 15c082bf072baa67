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

namespace {

constexpr uint8_t kKeyMostFid = 11;
constexpr uint8_t kKeyFieldIdsFid = 132;
constexpr uint32_t kIndexFourByteSegments = 0x00010000;  // IDXFLAG bit 0x0001 in the high word (§5.3)

// KeyFldIDs (§5.3): 4-byte elements (flags, reserved, FID) or old 2-byte signed FIDs.
std::vector<IndexSegment> indexSegments(const std::vector<uint8_t>& raw, uint32_t flags) {
  std::vector<IndexSegment> segments;
  if (flags & kIndexFourByteSegments) {
    for (size_t i = 0; i + 4 <= raw.size(); i += 4)
      segments.push_back({loadLittleEndian<uint16_t>(raw.data() + i + 2), (raw[i] & 0x40) != 0});
  } else {
    for (size_t i = 0; i + 2 <= raw.size(); i += 2) {
      const auto fid = static_cast<int16_t>(loadLittleEndian<uint16_t>(raw.data() + i));
      segments.push_back({static_cast<uint16_t>(fid < 0 ? -fid : fid), fid < 0});
    }
  }
  return segments;
}

}  // namespace

Result<CatalogRecord> parseCatalogRecord(Bytes record, bool largePage) {
  auto row = record::parseRecord(record, largePage);
  if (!row) return row.status();
  const auto objidTable = readFixed(*row, ObjidTable);
  const auto type = readFixed(*row, Type);
  const auto id = readFixed(*row, Id);
  if (!objidTable || !type || !id)
    return Status(JetError::DatabaseCorrupted, "catalog row lacks ObjidTable/Type/Id");
  CatalogRecord out;
  out.objidTable = *objidTable;
  out.type = static_cast<uint16_t>(*type);
  out.id = *id;
  out.coltypOrPgnoFdp = readFixed(*row, ColtypOrPgnoFDP).value_or(0);
  out.spaceUsage = readFixed(*row, SpaceUsage).value_or(0);
  out.flags = readFixed(*row, Flags).value_or(0);
  out.pagesOrLocale = readFixed(*row, PagesOrLocale).value_or(0);
  if (auto v = readFixed(*row, RecordOffset)) out.recordOffset = static_cast<uint16_t>(*v);
  if (auto v = readFixed(*row, kKeyMostFid)) out.keyMost = static_cast<uint16_t>(*v);
  if (auto v = readFixed(*row, LVChunkMax)) out.lvChunkMax = *v;
  if (auto bytes = row->variable(kNameFid)) out.name.assign(bytes->begin(), bytes->end());
  if (auto bytes = row->variable(kKeyFieldIdsFid)) out.keyFieldIds.assign(bytes->begin(), bytes->end());
  return out;
}

Status CatalogBuilder::add(const CatalogRecord& row) {
  if (row.type == TableRow) {
    Table table;
    table.name = row.name;
    table.objectId = row.objidTable;
    table.rootPage = row.coltypOrPgnoFdp;
    table.flags = row.flags;
    table.longValueChunkSize = row.lvChunkMax.value_or(0);
    catalog_.tables.push_back(std::move(table));
    return Status::ok();
  }
  // Rows of one table follow its table row (key order, §5.4).
  if (catalog_.tables.empty() || catalog_.tables.back().objectId != row.objidTable)
    return Status(JetError::DatabaseCorrupted, "catalog row '" + row.name + "' of object " +
                                                   std::to_string(row.objidTable) + " does not follow its table row");
  Table& table = catalog_.tables.back();
  if (row.type == ColumnRow) {
    Column column;
    column.fid = static_cast<uint16_t>(row.id);
    column.name = row.name;
    column.type = static_cast<record::ColumnType>(row.coltypOrPgnoFdp);
    column.maxSize = row.spaceUsage;
    column.codePage = row.pagesOrLocale;
    column.flags = row.flags;
    column.recordOffset = row.recordOffset.value_or(0);
    table.columns.push_back(std::move(column));
  } else if (row.type == IndexRow) {
    Index index;
    index.name = row.name;
    index.objectId = row.id;
    index.rootPage = row.coltypOrPgnoFdp;
    index.flags = row.flags;
    index.keyMost = row.keyMost.value_or(255);
    index.segments = indexSegments(row.keyFieldIds, row.flags);
    table.indexes.push_back(std::move(index));
  } else if (row.type == LongValueRow) {
    table.longValueRoot = row.coltypOrPgnoFdp;
    table.longValueObjectId = row.id;
  }
  return Status::ok();
}

Catalog CatalogBuilder::finish() {
  // Fixed-column slots: the catalog's own rows say 4 (fixed up at open, §5.2);
  // compute every table's offsets from the sizes when the stored ones are not usable.
  for (Table& table : catalog_.tables) {
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
  Catalog out = std::move(catalog_);
  catalog_ = Catalog();
  return out;
}

Result<Catalog> readCatalog(const DatabaseImage& db) {
  CatalogBuilder builder;
  const bool large = page::isLargePage(db.pageSize);
  Status status = walkLeaves(db, kCatalogRoot, kCatalogObjectId, [&](const page::Node& node, uint32_t pgno) -> Status {
    if (node.deleted()) return Status::ok();
    const std::string where = "catalog page " + std::to_string(pgno) + " node " + std::to_string(node.tag);
    auto row = parseCatalogRecord(node.data, large);
    if (!row) return row.status().withContext(where);
    return builder.add(*row).withContext(where);
  });
  if (!status.isOk()) return status.withContext("catalog (MSysObjects)");
  return builder.finish();
}

}  // namespace esekit::table
