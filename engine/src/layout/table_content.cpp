// see ese-format/records-and-catalog.md §2.3-§2.4 (record), §7.2 (Binary keys), §8.4 (intrinsic vs separated)
#include "layout/table_content.h"

#include <string>

#include "esekit/engine/key_normalization.h"
#include "esekit/format/page.h"
#include "esekit/format/record.h"
#include "layout/long_values.h"

namespace esekit::engine::layout {
namespace {

constexpr size_t kLargestName = 64;                    // JET_cbNameMost
constexpr uint64_t kLargestLongValue = 0x7FFFFFFF;     // LongBinary maximum, §3

std::string where(const TableContents& table, size_t row) {
  return "table '" + table.name + "' row " + std::to_string(row);
}

}  // namespace

Status validateTableName(const std::string& name) {
  if (name.empty() || name.size() > kLargestName)
    return Status(JetError::InvalidName, "table name '" + name + "' must have 1 to 64 characters");
  if (name.front() == ' ') return Status(JetError::InvalidName, "table name '" + name + "' starts with a space");
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7E || c == '!' || c == '.' || c == '[' || c == ']')
      return Status(JetError::InvalidName, "table name '" + name + "' contains a character JET names cannot hold");
  }
  return Status::ok();
}

Result<std::vector<uint8_t>> buildUserRecord(Bytes key, std::optional<Bytes> value, bool separated, bool largePage) {
  // The esekit row has one shape (§2.3-§2.4): no fixed column, the Key as
  // the only variable column (fid 128), the Value as the only tagged column
  // (fid 256, with its TAGFLD header byte). Laid out directly, byte for byte
  // what RecordBuilder makes of it (test_engine_user_record.cpp): the
  // general builder's sorting and per-area vectors were a fifth of the CPU
  // of an insert (bench/README.md).
  static_assert(kKeyColumnFid == 128 && kValueColumnFid == 256);
  if (key.size() <= kLargestKey && (!value || value->size() <= (largePage ? 0x7FFFu : 0x1FFFu))) {
    std::vector<uint8_t> out;
    out.reserve(6 + key.size() + (value ? 5 + value->size() : 0));
    // Fixed area: last fixed fid 0, last variable fid 128, end of fixed data 4 (no null bitmap).
    out.insert(out.end(), {0, static_cast<uint8_t>(kKeyColumnFid), 4, 0});
    // Variable offset array (one entry: end of the Key) and the Key.
    out.push_back(static_cast<uint8_t>(key.size()));
    out.push_back(static_cast<uint8_t>(key.size() >> 8));
    out.insert(out.end(), key.begin(), key.end());
    if (value) {
      // Tagged array (one entry: fid, offset 4 past the array; small pages
      // flag the header byte in bit 14) and the data: header byte, value.
      const uint8_t header = separated ? record::tagged_header::kLongValue | record::tagged_header::kSeparated
                                       : record::tagged_header::kLongValue;
      const uint16_t word = largePage ? 4 : 4 | 0x4000;
      out.insert(out.end(), {static_cast<uint8_t>(kValueColumnFid & 0xFF), static_cast<uint8_t>(kValueColumnFid >> 8),
                             static_cast<uint8_t>(word), static_cast<uint8_t>(word >> 8), header});
      out.insert(out.end(), value->begin(), value->end());
    }
    return out;
  }
  return buildUserRecordGeneral(key, value, separated, largePage);
}

Result<std::vector<uint8_t>> buildUserRecordGeneral(Bytes key, std::optional<Bytes> value, bool separated,
                                                    bool largePage) {
  record::RecordBuilder builder;
  builder.setVariable(static_cast<uint8_t>(kKeyColumnFid), key);
  if (value) {
    const uint8_t header = separated ? record::tagged_header::kLongValue | record::tagged_header::kSeparated
                                     : record::tagged_header::kLongValue;
    builder.setTagged(kValueColumnFid, *value, header);
  }
  return builder.build(largePage);
}

Result<TableContent> buildTableContent(const TableContents& table, uint32_t pageSize, LongValueIdWidth lidWidth) {
  const bool large = page::isLargePage(pageSize);
  LongValueTree longValues(engine::longValueChunkSize(pageSize), lidWidth);
  TableContent content;
  content.rows.reserve(table.rows.size());
  for (size_t i = 0; i < table.rows.size(); ++i) {
    const TableRow& row = table.rows[i];
    if (row.key.size() > kLargestKey)
      return Status(JetError::InvalidParameter, where(table, i) + ": key of " + std::to_string(row.key.size()) +
                                                    " bytes exceeds the Key column's 255");
    if (i > 0) {
      const int order = keys::compare(table.rows[i - 1].key, row.key);
      if (order == 0) return Status(JetError::KeyDuplicate, where(table, i) + ": key equals the previous row's");
      if (order > 0) return Status(JetError::InvalidParameter, where(table, i) + ": key sorts before the previous row's");
    }
    TreeNode node;
    node.key = keys::binaryKey(row.key);
    // Keys longer than ~224 bytes are cut at the 255-byte key limit (§7.1).
    if (!content.rows.empty() && keys::compare(content.rows.back().key, node.key) >= 0)
      return Status(JetError::KeyDuplicate, where(table, i) + ": key equals the previous row's after truncation to 255 key bytes");

    std::optional<Bytes> stored = row.value;
    std::vector<uint8_t> lid;
    bool separated = false;
    if (row.value) {
      const Bytes value = *row.value;
      if (value.size() > kLargestLongValue)
        return Status(JetError::InvalidParameter, where(table, i) + ": value of " + std::to_string(value.size()) +
                                                      " bytes exceeds the LongBinary maximum");
      if (value.size() > kLargestIntrinsicValue) {
        auto added = longValues.add(value);
        if (!added) return added.status().withContext(where(table, i));
        lid = std::move(*added);
        stored = Bytes(lid);
        separated = true;
        ++content.separatedValues;
      }
    }
    auto record = buildUserRecord(row.key, stored, separated, large);
    if (!record) return record.status().withContext(where(table, i));
    node.data = std::move(*record);
    content.rows.push_back(std::move(node));
  }
  content.longValuePages = longValues.oneChunkPerPage();
  content.longValues = longValues.takeNodes();
  return content;
}

}  // namespace esekit::engine::layout
