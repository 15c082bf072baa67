// see ese-format/records-and-catalog.md §6.3 (MSysObjids), §6.4 (MSysLocales)
#include "layout/system_tables.h"

#include <algorithm>
#include <string_view>

#include "esekit/engine/key_normalization.h"
#include "esekit/format/record.h"
#include "layout/catalog_rows.h"

namespace esekit::engine::layout {
namespace {

std::vector<uint8_t> little(uint64_t value, size_t bytes) {
  std::vector<uint8_t> out(bytes);
  for (size_t i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>(value >> (8 * i));
  return out;
}

// Key column values are UTF-16LE strings with their terminating NUL.
std::vector<uint8_t> utf16WithNul(std::string_view text) {
  std::vector<uint8_t> out;
  for (char c : text) {
    out.push_back(static_cast<uint8_t>(c));
    out.push_back(0);
  }
  out.push_back(0);
  out.push_back(0);
  return out;
}

struct LocaleRow {
  std::string_view key;
  uint8_t type;
  int32_t value;
};

// Rows ESE writes into a new database (corpus dissect-esedb/basic.edb page 30).
constexpr LocaleRow kLocaleRows[] = {
    {".Schema\\External\\Major", 1, 1}, {".Schema\\External\\Minor", 1, 0}, {".Schema\\External\\Update", 1, 0},
    {".Schema\\Internal\\Major", 1, 1}, {".Schema\\Internal\\Minor", 1, 0}, {".Schema\\Internal\\Update", 1, 0},
    {"MSysLocalesConsistent", 2, 1},
};

}  // namespace

Result<TreeNode> objidsNode(const ObjidEntry& entry, bool largePage) {
  record::RecordBuilder builder;
  builder.setTagged(256, little(entry.objid, 4));
  builder.setTagged(257, little(entry.objidTable, 4));
  builder.setTagged(258, little(entry.type, 2));
  auto record = builder.build(largePage);
  if (!record) return record.status();
  TreeNode node;
  keys::appendLong(node.key, static_cast<int32_t>(entry.objid));
  node.data = std::move(*record);
  return node;
}

std::vector<ObjidEntry> systemObjidEntries() {
  return {
      {kCatalogObjectId, kCatalogObjectId, kObjidTypeTable},
      {kShadowObjectId, kShadowObjectId, kObjidTypeTable},
      {kNameIndexObjectId, kCatalogObjectId, kObjidTypeIndex},
      {kRootObjectsIndexObjectId, kCatalogObjectId, kObjidTypeIndex},
      {kObjidsObjectId, kObjidsObjectId, kObjidTypeTable},
      {kLocalesObjectId, kLocalesObjectId, kObjidTypeTable},
  };
}

Result<std::vector<TreeNode>> localesNodes(bool largePage) {
  std::vector<TreeNode> nodes;
  for (const LocaleRow& row : kLocaleRows) {
    const std::vector<uint8_t> key = utf16WithNul(row.key);
    record::RecordBuilder builder;
    builder.setFixed(1, 1, little(row.type, 1));
    builder.setFixed(2, 4, little(static_cast<uint32_t>(row.value), 4));
    builder.setVariable(128, key);
    auto record = builder.build(largePage);
    if (!record) return record.status();
    nodes.push_back({keys::binaryKey(key), std::move(*record)});
  }
  std::sort(nodes.begin(), nodes.end(), [](const TreeNode& a, const TreeNode& b) { return keys::compare(a.key, b.key) < 0; });
  return nodes;
}

}  // namespace esekit::engine::layout
