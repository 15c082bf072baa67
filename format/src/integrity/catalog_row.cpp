// Decoding the few catalog columns the checks need straight from a catalog
// row, so the checks work even where readCatalog() gives up
// (records-and-catalog.md §5.2, §5.4).
#include <array>
#include <string>

#include "esekit/format/record.h"
#include "integrity/integrity_internal.h"

namespace esekit::integrity::detail {
namespace {

// Sizes of the catalog's hard-coded fixed columns FID 1..9 (§5.2); the
// catalog's own column rows say offset 4, so slots are computed from sizes.
constexpr std::array<uint32_t, 9> kFixedSizes{4, 2, 4, 4, 4, 4, 4, 1, 2};
constexpr uint8_t kNameFid = 128;

std::optional<uint32_t> fixedColumn(const record::RecordView& row, uint8_t fid) {
  uint32_t offset = 4;
  for (uint8_t f = 1; f < fid; ++f) offset += kFixedSizes[f - 1];
  const uint32_t size = kFixedSizes[fid - 1];
  auto bytes = row.fixed(fid, offset, size);
  if (!bytes || bytes->size() != size) return std::nullopt;
  if (size == 1) return (*bytes)[0];
  if (size == 2) return loadLittleEndian<uint16_t>(bytes->data());
  return loadLittleEndian<uint32_t>(bytes->data());
}

void appendBigEndian(std::vector<uint8_t>& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

}  // namespace

bool decodeCatalogRow(CatalogRow& row, bool largePage, std::string& problem) {
  auto record = record::parseRecord(row.data, largePage);
  if (!record) {
    problem = "catalog row does not parse: " + record.status().message();
    return false;
  }
  const auto objidTable = fixedColumn(*record, 1);
  const auto type = fixedColumn(*record, 2);
  const auto id = fixedColumn(*record, 3);
  if (!objidTable || !type || !id) {
    problem = "catalog row lacks ObjidTable, Type or Id";
    return false;
  }
  row.objidTable = *objidTable;
  row.type = static_cast<uint16_t>(*type);
  row.id = *id;
  row.coltypOrPgnoFdp = fixedColumn(*record, 4).value_or(0);
  row.flags = fixedColumn(*record, 6).value_or(0);
  if (auto rootFlag = fixedColumn(*record, 8)) row.rootFlag = static_cast<uint8_t>(*rootFlag);
  if (auto name = record->variable(kNameFid)) row.name.assign(name->begin(), name->end());
  row.parsed = true;
  return true;
}

std::vector<uint8_t> catalogKey(uint32_t objidTable, uint16_t type, uint32_t id) {
  // Long: big-endian with the sign bit flipped; Short likewise (§7.2).
  std::vector<uint8_t> key;
  key.push_back(0x7F);
  appendBigEndian(key, objidTable ^ 0x80000000u, 4);
  key.push_back(0x7F);
  appendBigEndian(key, static_cast<uint16_t>(type ^ 0x8000u), 2);
  key.push_back(0x7F);
  appendBigEndian(key, id ^ 0x80000000u, 4);
  return key;
}

}  // namespace esekit::integrity::detail
