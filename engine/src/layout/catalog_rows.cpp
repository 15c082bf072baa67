// see ese-format/records-and-catalog.md §5.2-§5.4, §6.3-§6.4
#include "layout/catalog_rows.h"

#include <array>

#include "esekit/engine/key_normalization.h"
#include "esekit/format/bytes.h"

namespace esekit::engine::layout {
namespace {

using record::ColumnType;

// Sizes of the catalog's fixed columns FID 1..13 (§5.2).
constexpr std::array<uint32_t, 13> kFixedSizes{4, 2, 4, 4, 4, 4, 4, 1, 2, 4, 2, 4, 8};

constexpr uint8_t kTableLastFixed = 8;         // through RootFlag
constexpr uint8_t kFixedColumnLastFixed = 9;   // through RecordOffset
constexpr uint8_t kOtherColumnLastFixed = 7;
constexpr uint8_t kIndexLastFixed = 10;        // through LCMapFlags (11 with KeyMost)
constexpr uint8_t kLongValueLastFixed = 7;

constexpr uint16_t kNameFid = 128;
constexpr uint16_t kDefaultValueFid = 131;
constexpr uint16_t kKeyFieldIdsFid = 132;
constexpr uint16_t kLocaleNameFid = 261;

constexpr uint32_t kCodePageWestern = 1252;
constexpr uint32_t kDefaultLcMapFlags = 0x00030401;  // SORTKEY|IGNORECASE|IGNOREKANATYPE|IGNOREWIDTH, §7.3
constexpr uint32_t kColumnNotNull = 0x0001;
constexpr uint32_t kColumnDefaultEscrow = 0x0030;    // has default + escrow update (MSysLocales.iValue)

constexpr uint32_t kSystemTableFlags = 0xC0000000;       // system | fixed DDL
constexpr uint32_t kObjidsTableFlags = 0xC8000000;       // + dynamic system table
constexpr uint32_t kLocalesTableFlags = 0x88000000;
constexpr uint32_t kCatalogIdIndexFlags = 0x00010031;
constexpr uint32_t kCatalogNameIndexFlags = 0x00010011;
constexpr uint32_t kCatalogRootObjectsIndexFlags = 0x00010009;
constexpr uint32_t kLocalesIndexFlags = 0x0001402F;      // primary + disallow truncation

std::vector<uint8_t> little32(uint32_t v) {
  std::vector<uint8_t> out(4);
  storeLittleEndian<uint32_t>(out.data(), v);
  return out;
}

std::vector<uint8_t> utf16(const std::string& ascii) {
  std::vector<uint8_t> out;
  for (char c : ascii) {
    out.push_back(static_cast<uint8_t>(c));
    out.push_back(0);
  }
  return out;
}

struct CatalogColumn {
  uint16_t fid;
  const char* name;
  ColumnType type;
  uint32_t size;
  uint32_t flags;
};

// The 28 columns of MSysObjects of a 0x620/0x14 database (§5.2: FID 13 is newer).
constexpr CatalogColumn kCatalogColumns[] = {
    {1, "ObjidTable", ColumnType::Long, 4, kColumnNotNull},
    {2, "Type", ColumnType::Short, 2, kColumnNotNull},
    {3, "Id", ColumnType::Long, 4, kColumnNotNull},
    {4, "ColtypOrPgnoFDP", ColumnType::Long, 4, kColumnNotNull},
    {5, "SpaceUsage", ColumnType::Long, 4, kColumnNotNull},
    {6, "Flags", ColumnType::Long, 4, kColumnNotNull},
    {7, "PagesOrLocale", ColumnType::Long, 4, kColumnNotNull},
    {8, "RootFlag", ColumnType::Bit, 1, 0},
    {9, "RecordOffset", ColumnType::Short, 2, 0},
    {10, "LCMapFlags", ColumnType::Long, 4, 0},
    {11, "KeyMost", ColumnType::UnsignedShort, 2, 0},
    {12, "LVChunkMax", ColumnType::Long, 4, 0},
    {128, "Name", ColumnType::Text, 255, kColumnNotNull},
    {129, "Stats", ColumnType::Binary, 255, 0},
    {130, "TemplateTable", ColumnType::Text, 255, 0},
    {131, "DefaultValue", ColumnType::Binary, 255, 0},
    {132, "KeyFldIDs", ColumnType::Binary, 255, 0},
    {133, "VarSegMac", ColumnType::Binary, 255, 0},
    {134, "ConditionalColumns", ColumnType::Binary, 255, 0},
    {135, "TupleLimits", ColumnType::Binary, 255, 0},
    {136, "Version", ColumnType::Binary, 255, 0},
    {137, "SortID", ColumnType::Binary, 255, 0},
    {256, "CallbackData", ColumnType::LongBinary, 0, 0},
    {257, "CallbackDependencies", ColumnType::LongBinary, 0, 0},
    {258, "SeparateLV", ColumnType::LongBinary, 0, 0},
    {259, "SpaceHints", ColumnType::LongBinary, 0, 0},
    {260, "SpaceDeferredLVHints", ColumnType::LongBinary, 0, 0},
    {261, "LocaleName", ColumnType::LongBinary, 0, 0},
};

// The catalog describes its own fixed columns with RecordOffset 4 (§5.2).
constexpr uint16_t kCatalogOwnRecordOffset = 4;

void addCatalogTable(std::vector<CatalogRow>& rows, uint32_t objid, const char* name, uint32_t pgno, uint32_t pages) {
  rows.push_back(tableRow(objid, name, pgno, 80, kSystemTableFlags, pages));
  for (const CatalogColumn& c : kCatalogColumns) {
    const bool fixed = c.fid <= record::kLastFixedFid;
    rows.push_back(columnRow(objid, c.fid, c.name, c.type, c.size, c.flags, kCodePageWestern,
                             fixed ? std::optional<uint16_t>(kCatalogOwnRecordOffset) : std::nullopt));
  }
  rows.push_back(indexRow(objid, objid, "Id", pgno, 80, kCatalogIdIndexFlags, {1, 2, 3}));
}

}  // namespace

CatalogRow tableRow(uint32_t objid, std::string name, uint32_t pgnoFdp, uint32_t density, uint32_t flags, uint32_t pages) {
  CatalogRow row;
  row.objidTable = objid;
  row.type = CatalogRowType::Table;
  row.id = objid;
  row.coltypOrPgnoFdp = pgnoFdp;
  row.spaceUsage = density;
  row.flags = flags;
  row.pagesOrLocale = pages;
  row.rootFlag = 0xFF;
  row.name = std::move(name);
  row.lastFixedFid = kTableLastFixed;
  return row;
}

CatalogRow columnRow(uint32_t objidTable, uint16_t fid, std::string name, ColumnType type, uint32_t maxSize,
                     uint32_t flags, uint32_t codePage, std::optional<uint16_t> recordOffset,
                     std::optional<std::vector<uint8_t>> defaultValue) {
  CatalogRow row;
  row.objidTable = objidTable;
  row.type = CatalogRowType::Column;
  row.id = fid;
  row.coltypOrPgnoFdp = static_cast<uint32_t>(type);
  row.spaceUsage = maxSize;
  row.flags = flags;
  row.pagesOrLocale = codePage;
  row.recordOffset = recordOffset;
  row.name = std::move(name);
  row.defaultValue = std::move(defaultValue);
  row.lastFixedFid = recordOffset ? kFixedColumnLastFixed : kOtherColumnLastFixed;
  return row;
}

CatalogRow indexRow(uint32_t objidTable, uint32_t objidIndex, std::string name, uint32_t pgnoFdp, uint32_t density,
                    uint32_t flags, const std::vector<uint16_t>& keyFids) {
  CatalogRow row;
  row.objidTable = objidTable;
  row.type = CatalogRowType::Index;
  row.id = objidIndex;
  row.coltypOrPgnoFdp = pgnoFdp;
  row.spaceUsage = density;
  row.flags = flags;
  row.pagesOrLocale = 0;
  row.lcMapFlags = kDefaultLcMapFlags;
  row.name = std::move(name);
  // New-format KeyFldIDs elements (§5.3): flags byte (0 = ascending), reserved, FID.
  std::vector<uint8_t> fields;
  for (uint16_t fid : keyFids) {
    fields.push_back(0);
    fields.push_back(0);
    fields.push_back(static_cast<uint8_t>(fid));
    fields.push_back(static_cast<uint8_t>(fid >> 8));
  }
  row.keyFieldIds = std::move(fields);
  row.localeName = "en-US";
  row.lastFixedFid = kIndexLastFixed;
  return row;
}

CatalogRow longValueRow(uint32_t objidTable, uint32_t objidLongValue, uint32_t pgnoFdp) {
  CatalogRow row;
  row.objidTable = objidTable;
  row.type = CatalogRowType::LongValue;
  row.id = objidLongValue;
  row.coltypOrPgnoFdp = pgnoFdp;
  row.spaceUsage = 100;
  row.flags = 0;
  row.pagesOrLocale = 1;
  row.name = "LV";
  row.lastFixedFid = kLongValueLastFixed;
  return row;
}

Result<std::vector<uint8_t>> encodeCatalogRow(const CatalogRow& row, bool largePage) {
  const std::array<std::optional<uint64_t>, 13> fixed{
      row.objidTable, static_cast<uint16_t>(row.type), row.id, row.coltypOrPgnoFdp, row.spaceUsage, row.flags,
      row.pagesOrLocale,
      row.rootFlag ? std::optional<uint64_t>(*row.rootFlag) : std::nullopt,
      row.recordOffset ? std::optional<uint64_t>(*row.recordOffset) : std::nullopt,
      row.lcMapFlags ? std::optional<uint64_t>(*row.lcMapFlags) : std::nullopt,
      row.keyMost ? std::optional<uint64_t>(*row.keyMost) : std::nullopt,
      std::nullopt, std::nullopt};
  const uint8_t lastFixed = row.keyMost && row.lastFixedFid < 11 ? 11 : row.lastFixedFid;
  record::RecordBuilder builder;
  for (uint8_t fid = 1; fid <= lastFixed; ++fid) {
    const uint32_t size = kFixedSizes[fid - 1u];
    if (const auto& value = fixed[fid - 1u]) {
      std::vector<uint8_t> bytes(size);
      for (uint32_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(*value >> (8 * i));
      builder.setFixed(fid, size, Bytes(bytes));
    } else {
      builder.setFixed(fid, size, std::nullopt);
    }
  }
  const std::vector<uint8_t> name(row.name.begin(), row.name.end());
  builder.setVariable(static_cast<uint8_t>(kNameFid), Bytes(name));
  if (row.defaultValue) builder.setVariable(static_cast<uint8_t>(kDefaultValueFid), Bytes(*row.defaultValue));
  if (row.keyFieldIds) builder.setVariable(static_cast<uint8_t>(kKeyFieldIdsFid), Bytes(*row.keyFieldIds));
  if (row.localeName) builder.setTagged(kLocaleNameFid, utf16(*row.localeName), record::tagged_header::kLongValue);
  return builder.build(largePage);
}

std::vector<uint8_t> catalogPrimaryKey(const CatalogRow& row) {
  std::vector<uint8_t> key;
  keys::appendLong(key, static_cast<int32_t>(row.objidTable));
  keys::appendShort(key, static_cast<int16_t>(row.type));
  keys::appendLong(key, static_cast<int32_t>(row.id));
  return key;
}

std::vector<uint8_t> catalogNameKey(const CatalogRow& row) {
  std::vector<uint8_t> key;
  keys::appendLong(key, static_cast<int32_t>(row.objidTable));
  keys::appendShort(key, static_cast<int16_t>(row.type));
  keys::appendAsciiText(key, row.name);
  keys::truncate(key);
  return key;
}

std::optional<std::vector<uint8_t>> catalogRootObjectsKey(const CatalogRow& row) {
  if (!row.rootFlag) return std::nullopt;  // the index skips rows whose first segment is NULL
  std::vector<uint8_t> key;
  keys::appendBit(key, *row.rootFlag != 0);
  keys::appendAsciiText(key, row.name);
  keys::truncate(key);
  return key;
}

std::vector<CatalogRow> systemCatalogRows(uint32_t objidsPage, uint32_t localesPage) {
  std::vector<CatalogRow> rows;
  addCatalogTable(rows, kCatalogObjectId, "MSysObjects", kCatalogPage, 20);
  rows.push_back(indexRow(kCatalogObjectId, kNameIndexObjectId, "Name", 7, 80, kCatalogNameIndexFlags, {1, 2, 128}));
  rows.push_back(indexRow(kCatalogObjectId, kRootObjectsIndexObjectId, "RootObjects", 10, 80,
                          kCatalogRootObjectsIndexFlags, {8, 128}));
  addCatalogTable(rows, kShadowObjectId, "MSysObjectsShadow", kShadowPage, 5);

  // MSysObjids (§6.3): three tagged columns, primary index on objid.
  rows.push_back(tableRow(kObjidsObjectId, "MSysObjids", objidsPage, 100, kObjidsTableFlags, 0));
  rows.push_back(columnRow(kObjidsObjectId, 256, "objid", ColumnType::Long, 4, 0, 0));
  rows.push_back(columnRow(kObjidsObjectId, 257, "objidTable", ColumnType::Long, 4, 0, 0));
  rows.push_back(columnRow(kObjidsObjectId, 258, "type", ColumnType::Short, 2, 0, 0));
  rows.push_back(indexRow(kObjidsObjectId, kObjidsObjectId, "primary", objidsPage, 100, kIndexFlagsPrimary, {256}));

  // MSysLocales (§6.4): Type, iValue (default 0, escrow), Key; primary index on Key.
  rows.push_back(tableRow(kLocalesObjectId, "MSysLocales", localesPage, 92, kLocalesTableFlags, 0));
  rows.push_back(columnRow(kLocalesObjectId, 1, "Type", ColumnType::UnsignedByte, 1, kColumnNotNull, 0, 4));
  rows.push_back(columnRow(kLocalesObjectId, 2, "iValue", ColumnType::Long, 4, kColumnDefaultEscrow, 0, 5, little32(0)));
  rows.push_back(columnRow(kLocalesObjectId, 128, "Key", ColumnType::Binary, 255, 0, 0));
  rows.push_back(indexRow(kLocalesObjectId, kLocalesObjectId, "KeyPrimary", localesPage, 92, kLocalesIndexFlags, {128}));
  return rows;
}

}  // namespace esekit::engine::layout
