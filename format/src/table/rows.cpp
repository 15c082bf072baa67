// Table rows and long values; see ese-format/records-and-catalog.md §2, §8.
#include <string>

#include "esekit/format/compression.h"
#include "esekit/format/table.h"
#include "table/table_internal.h"

namespace esekit::table {
namespace {

constexpr size_t kMaxLongValue = size_t{1} << 31;

std::string lidText(Bytes lid) {
  return lid.size() == 8 ? hex64(loadLittleEndian<uint64_t>(lid.data())) : hex32(loadLittleEndian<uint32_t>(lid.data()));
}

Result<std::vector<uint8_t>> maybeDecompress(Bytes stored, bool compressed) {
  if (!compressed) return std::vector<uint8_t>(stored.begin(), stored.end());
  return compression::decompress(stored);
}

}  // namespace

const ColumnValue* Row::find(uint16_t fid) const {
  for (const ColumnValue& v : values)
    if (v.fid == fid) return &v;
  return nullptr;
}

Result<std::vector<uint8_t>> readLongValue(const DatabaseImage& db, const Table& table, Bytes lid) {
  if (lid.size() != 4 && lid.size() != 8)
    return Status(JetError::DatabaseCorrupted, "table " + table.name + ": long-value id of " + std::to_string(lid.size()) + " bytes");
  if (table.longValueRoot == 0)
    return Status(JetError::DatabaseCorrupted, "table " + table.name + " refers to LV " + lidText(lid) + " but has no LV tree");
  std::vector<uint8_t> key(lid.rbegin(), lid.rend());  // LIDs are keyed big-endian
  bool haveRoot = false;
  uint32_t totalSize = 0;
  struct Chunk { uint32_t offset; Bytes data; std::vector<uint8_t> owned; };
  std::vector<Chunk> chunks;
  Status status = seekLeaves(db, table.longValueRoot, table.longValueObjectId, key,
                             [&](const page::Node& node, uint32_t pgno, bool& stop) -> Status {
    if (node.deleted()) return Status::ok();
    const std::vector<uint8_t> nodeKey = node.key();
    if (nodeKey.size() < key.size() || !std::equal(key.begin(), key.end(), nodeKey.begin())) {
      stop = true;
      return Status::ok();
    }
    if (nodeKey.size() == key.size()) {
      if (node.data.size() < 8)
        return Status(JetError::DatabaseCorrupted, "LV root " + lidText(lid) + " on page " + std::to_string(pgno) + " is too short");
      haveRoot = true;
      totalSize = loadLittleEndian<uint32_t>(node.data.data() + 4);
      if (totalSize > kMaxLongValue) return Status(JetError::DatabaseCorrupted, "LV " + lidText(lid) + " claims " + std::to_string(totalSize) + " bytes");
      return Status::ok();
    }
    if (nodeKey.size() != key.size() + 4) { stop = true; return Status::ok(); }
    const uint32_t offset = (uint32_t{nodeKey[key.size()]} << 24) | (uint32_t{nodeKey[key.size() + 1]} << 16) |
                            (uint32_t{nodeKey[key.size() + 2]} << 8) | nodeKey[key.size() + 3];
    // Node views die with their page: keep a copy.
    Chunk chunk{offset, {}, std::vector<uint8_t>(node.data.begin(), node.data.end())};
    chunks.push_back(std::move(chunk));
    return Status::ok();
  });
  if (!status.isOk()) return status.withContext("table " + table.name + " LV " + lidText(lid));
  if (!haveRoot) return Status(JetError::DatabaseCorrupted, "table " + table.name + ": LV " + lidText(lid) + " not found");

  std::vector<uint8_t> value;
  value.reserve(totalSize);
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (chunks[i].offset != value.size())
      return Status(JetError::DatabaseCorrupted, "LV " + lidText(lid) + ": chunk at offset " + std::to_string(chunks[i].offset) +
                                                     " after " + std::to_string(value.size()) + " bytes");
    const uint32_t end = i + 1 < chunks.size() ? chunks[i + 1].offset : totalSize;
    if (end < chunks[i].offset) return Status(JetError::DatabaseCorrupted, "LV " + lidText(lid) + ": chunk offsets out of order");
    const size_t logical = end - chunks[i].offset;
    // A chunk is compressed exactly when it is shorter than what it covers (§8.3).
    auto data = maybeDecompress(chunks[i].owned, chunks[i].owned.size() < logical);
    if (!data) return data.status().withContext("LV " + lidText(lid) + " chunk " + std::to_string(chunks[i].offset));
    if (data->size() != logical)
      return Status(JetError::DatabaseCorrupted, "LV " + lidText(lid) + " chunk " + std::to_string(chunks[i].offset) + " holds " +
                                                     std::to_string(data->size()) + " bytes, expected " + std::to_string(logical));
    value.insert(value.end(), data->begin(), data->end());
  }
  if (value.size() != totalSize)
    return Status(JetError::DatabaseCorrupted, "LV " + lidText(lid) + ": chunks hold " + std::to_string(value.size()) +
                                                   " of " + std::to_string(totalSize) + " bytes");
  return value;
}

Status forEachRow(const DatabaseImage& db, const Table& table, const std::function<Status(const Row&)>& visit) {
  const bool large = page::isLargePage(db.pageSize);
  return walkLeaves(db, table.rootPage, table.objectId, [&](const page::Node& node, uint32_t pgno) -> Status {
    if (node.deleted()) return Status::ok();
    const std::string where = "table " + table.name + " page " + std::to_string(pgno) + " node " + std::to_string(node.tag);
    auto record = record::parseRecord(node.data, large);
    if (!record) return record.status().withContext(where);
    Row row;
    row.key = node.key();
    for (const Column& column : table.columns) {
      ColumnValue value;
      value.fid = column.fid;
      if (column.fid <= record::kLastFixedFid) {
        auto bytes = record->fixed(static_cast<uint8_t>(column.fid), column.recordOffset, column.fixedSize());
        if (!bytes) continue;
        value.instances.emplace_back(bytes->begin(), bytes->end());
      } else if (column.fid <= record::kLastVariableFid) {
        auto bytes = record->variable(static_cast<uint8_t>(column.fid));
        if (!bytes) continue;
        value.instances.emplace_back(bytes->begin(), bytes->end());
      } else {
        const record::TaggedColumn* tagged = record->findTagged(column.fid);
        if (tagged == nullptr) continue;
        auto instances = record::taggedInstances(*tagged);
        if (!instances) return instances.status().withContext(where);
        if (instances->empty()) continue;  // explicit NULL
        for (const record::TaggedInstance& instance : *instances) {
          if (instance.separated) {
            auto lv = readLongValue(db, table, instance.data);
            if (!lv) return lv.status().withContext(where);
            value.instances.push_back(std::move(*lv));
          } else {
            auto data = maybeDecompress(instance.data, instance.compressed);
            if (!data) return data.status().withContext(where + " column " + column.name);
            value.instances.push_back(std::move(*data));
          }
        }
      }
      row.values.push_back(std::move(value));
    }
    return visit(row);
  });
}

}  // namespace esekit::table
