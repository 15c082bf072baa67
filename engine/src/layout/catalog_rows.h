// Rows of the catalog (MSysObjects / MSysObjectsShadow) and their keys in the
// catalog's primary index and its Name and RootObjects indexes.
// See ese-format/records-and-catalog.md §5 (schema, flags, row types, keys).
// The byte layout follows what ESE writes (checked against corpus
// dissect-esedb/basic.edb in tests): each row carries the fixed catalog
// columns up to the last one its type uses, NULL ones in between filled.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "esekit/format/record.h"
#include "esekit/format/status.h"

namespace esekit::engine::layout {

enum class CatalogRowType : uint16_t { Table = 1, Column = 2, Index = 3, LongValue = 4 };

struct CatalogRow {
  uint32_t objidTable = 0;
  CatalogRowType type = CatalogRowType::Table;
  uint32_t id = 0;                 // objid, or FID for columns
  uint32_t coltypOrPgnoFdp = 0;
  uint32_t spaceUsage = 0;         // density %, or column maximum length
  uint32_t flags = 0;
  uint32_t pagesOrLocale = 0;      // initial pages, or column code page
  std::optional<uint8_t> rootFlag;       // FID 8: 0xFF on table rows
  std::optional<uint16_t> recordOffset;  // FID 9: fixed columns
  std::optional<uint32_t> lcMapFlags;    // FID 10: indexes
  std::optional<uint16_t> keyMost;       // FID 11: indexes with KeyMost != 255
  std::string name;                      // FID 128
  std::optional<std::vector<uint8_t>> defaultValue;  // FID 131
  std::optional<std::vector<uint8_t>> keyFieldIds;   // FID 132
  std::optional<std::string> localeName;             // FID 261, stored UTF-16LE
  uint8_t lastFixedFid = 0;        // fixed catalog columns carried by the row
};

// Catalog object ids and FDPs of a new database (§5.1, §6.1).
inline constexpr uint32_t kCatalogObjectId = 2;
inline constexpr uint32_t kCatalogPage = 4;
inline constexpr uint32_t kShadowObjectId = 3;
inline constexpr uint32_t kShadowPage = 24;
inline constexpr uint32_t kNameIndexObjectId = 4;
inline constexpr uint32_t kRootObjectsIndexObjectId = 5;
inline constexpr uint32_t kObjidsObjectId = 6;
inline constexpr uint32_t kLocalesObjectId = 7;
inline constexpr uint32_t kFirstUserObjectId = 8;

// Index row Flags (§5.3): low word IDB flags, high word IDXFLAG (0x1 = 4-byte KeyFldIDs).
inline constexpr uint32_t kIndexFlagsPrimary = 0x0001002F;  // unique, all NULL variants indexed, primary

// Row builders. Tables: density `density`, `pages` initial pages (cpgPrimary).
CatalogRow tableRow(uint32_t objid, std::string name, uint32_t pgnoFdp, uint32_t density, uint32_t flags, uint32_t pages);
// Columns: fixed columns (FID <= 127) get `recordOffset`.
CatalogRow columnRow(uint32_t objidTable, uint16_t fid, std::string name, record::ColumnType type, uint32_t maxSize,
                     uint32_t flags, uint32_t codePage, std::optional<uint16_t> recordOffset = std::nullopt,
                     std::optional<std::vector<uint8_t>> defaultValue = std::nullopt);
// Indexes over ascending segments `keyFids`; LCMapFlags 0x00030401, locale "en-US".
CatalogRow indexRow(uint32_t objidTable, uint32_t objidIndex, std::string name, uint32_t pgnoFdp, uint32_t density,
                    uint32_t flags, const std::vector<uint16_t>& keyFids);
CatalogRow longValueRow(uint32_t objidTable, uint32_t objidLongValue, uint32_t pgnoFdp);

// The record stored in the catalog B-tree.
Result<std::vector<uint8_t>> encodeCatalogRow(const CatalogRow& row, bool largePage);

// Keys (§5.4): primary (ObjidTable, Type, Id); Name (ObjidTable, Type, Name);
// RootObjects (RootFlag, Name), only rows with a RootFlag (tables).
std::vector<uint8_t> catalogPrimaryKey(const CatalogRow& row);
std::vector<uint8_t> catalogNameKey(const CatalogRow& row);
std::optional<std::vector<uint8_t>> catalogRootObjectsKey(const CatalogRow& row);

// Every row ESE writes for its own system tables in a new database:
// MSysObjects (objid 2), MSysObjectsShadow (3), MSysObjids (6, FDP `objidsPage`)
// and MSysLocales (7, FDP `localesPage`) — 72 rows, in no particular order.
std::vector<CatalogRow> systemCatalogRows(uint32_t objidsPage, uint32_t localesPage);

}  // namespace esekit::engine::layout
