// Rows of esekit-schema tables and their long values.
// see ese-format/records-and-catalog.md §2 (records), §7.2 (Binary keys), §8 (long values)
#include <algorithm>

#include "esekit/engine/database.h"
#include "esekit/engine/key_normalization.h"
#include "esekit/format/record.h"
#include "layout/long_values.h"
#include "layout/table_content.h"
#include "table/table_store_impl.h"

namespace esekit::engine::table {
namespace {

constexpr uint32_t kSingleReference = 1;
constexpr size_t kLongValueRootSize = 8;  // LVROOT; LVROOT2 adds a flags byte (§8.1)
// Reserve at most this much before the chunks confirm a long value's size.
constexpr size_t kLargestUpfrontReserve = 64u << 20;

bool startsWith(Bytes key, Bytes prefix) {
  return key.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), key.begin());
}

uint32_t bigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// The LV tree key of a record's LID reference (little-endian, 4 or 8 bytes, §8.4).
Result<std::vector<uint8_t>> keyOfReference(Bytes reference) {
  if (reference.size() == 4)
    return layout::longValueKey(loadLittleEndian<uint32_t>(reference.data()), LongValueIdWidth::Lid32);
  if (reference.size() == 8)
    return layout::longValueKey(loadLittleEndian<uint64_t>(reference.data()), LongValueIdWidth::Lid64);
  return Status(JetError::DatabaseCorrupted, "separated Value holds a " + std::to_string(reference.size()) +
                                                 "-byte LID (4 or 8 expected)");
}

std::string lidText(Bytes key) {
  uint64_t lid = 0;
  for (uint8_t b : key) lid = (lid << 8) | b;
  return "LID " + hex64(lid);
}

const record::TaggedColumn* valueColumn(const record::RecordView& view) {
  return view.findTagged(layout::kValueColumnFid);
}

}  // namespace

// --- table lookup and keys ---------------------------------------------------

Result<const TableState*> TableStoreImpl::readable(const TableInfo& table) const {
  const auto it = tables_.find(table.objectId);
  if (it == tables_.end())
    return Status(JetError::ObjectNotFound, "table '" + table.name + "' (object " + std::to_string(table.objectId) +
                                                ") does not exist");
  if (!it->second.supported)
    return Status(JetError::FeatureNotAvailable, "table '" + it->second.info.name +
                                                     "' is not of the esekit schema: " + it->second.unsupportedReason);
  return &it->second;
}

Result<TableState*> TableStoreImpl::writable(const TableInfo& table) {
  auto state = readable(table);
  if (!state) return state.status();
  return &tables_.at(table.objectId);
}

Result<std::vector<uint8_t>> TableStoreImpl::normalizedKey(const TableState& state, Bytes key) const {
  if (key.size() > kMaxKeySize)
    return Status(JetError::KeyTooBig, "key of " + std::to_string(key.size()) + " bytes (at most " +
                                           std::to_string(kMaxKeySize) + ")");
  return keys::binaryKey(key, state.keyMost);
}

// --- records -----------------------------------------------------------------

Result<Row> TableStoreImpl::decode(const TableState& state, Bytes record) const {
  auto view = record::parseRecord(record, largePage_);
  if (!view) return view.status().withContext("record of table '" + state.info.name + "'");
  Row row;
  const auto key = view->variable(static_cast<uint8_t>(layout::kKeyColumnFid));
  if (!key) return Status(JetError::DatabaseCorrupted, "record of table '" + state.info.name + "' has no Key");
  row.key.assign(key->begin(), key->end());
  const record::TaggedColumn* value = valueColumn(*view);
  if (value == nullptr) return row;  // NULL Value (bulk-written tables may hold them): read as empty
  constexpr uint8_t kUnsupported = record::tagged_header::kCompressed | record::tagged_header::kMultiValued |
                                   record::tagged_header::kTwoValues | record::tagged_header::kEncrypted;
  if (value->header & kUnsupported)
    return Status(JetError::FeatureNotAvailable, "table '" + state.info.name + "': Value with TAGFLD header " +
                                                     hex32(value->header) + " (compressed/multi-valued/encrypted)");
  if (value->header & record::tagged_header::kSeparated) {
    auto bytes = readLongValue(state, value->data);
    if (!bytes) return bytes.status().withContext("table '" + state.info.name + "'");
    row.value = std::move(*bytes);
  } else {
    row.value.assign(value->data.begin(), value->data.end());
  }
  return row;
}

Result<std::optional<std::vector<uint8_t>>> TableStoreImpl::separatedReference(Bytes record) const {
  auto view = record::parseRecord(record, largePage_);
  if (!view) return view.status();
  const record::TaggedColumn* value = valueColumn(*view);
  if (value == nullptr || !(value->header & record::tagged_header::kSeparated)) return std::optional<std::vector<uint8_t>>();
  return std::optional<std::vector<uint8_t>>(std::vector<uint8_t>(value->data.begin(), value->data.end()));
}

Result<std::vector<uint8_t>> TableStoreImpl::recordFor(TableState& state, Bytes key, Bytes value,
                                                       const store::OperationContext& context) {
  if (value.size() > kMaxValueSize)
    return Status(JetError::RecordTooBig, "value of " + std::to_string(value.size()) + " bytes (at most " +
                                              std::to_string(kMaxValueSize) + ")");
  const bool large = largePage_;
  if (value.size() <= kLargestIntrinsicValue) return layout::buildUserRecord(key, value, false, large);
  auto tree = ensureLongValueTree(state, context);
  if (!tree) return tree.status();
  auto lid = allocateLid(state);
  if (!lid) return lid.status();
  const std::vector<uint8_t> lidKey = layout::longValueKey(*lid, state.lidWidth);
  ESEKIT_RETURN_IF_ERROR(writeLongValue(state, lidKey, value, context));
  const std::vector<uint8_t> reference = layout::longValueReference(*lid, state.lidWidth);
  return layout::buildUserRecord(key, Bytes(reference), true, large);
}

// --- long values -------------------------------------------------------------

// ESE creates the LV tree with the table's first separated value
// (records-and-catalog.md §5.4, §8.1), inside the table's space
// (space-trees.md §6.1), and adds its LV catalog row and MSysObjids row.
// This is system work: a rolled-back row leaves the (empty) tree in place,
// as in ESE, so it is logged as not versioned.
Result<store::TreeRoot> TableStoreImpl::ensureLongValueTree(TableState& state, const store::OperationContext& context) {
  if (state.info.longValues) return *state.info.longValues;
  store::OperationContext system = context;
  system.versioned = false;
  const uint32_t objid = database_.newObjectId();
  const store::TreeRoot table = state.info.tree;
  auto tree = database_.createTree(table.objectId, table.rootPage, objid, store::TreeKind::LongValues, system);
  if (!tree) return tree.status().withContext("creating the long-value tree of table '" + state.info.name + "'");
  ESEKIT_RETURN_IF_ERROR(insertCatalogRow(layout::longValueRow(table.objectId, objid, tree->rootPage), system));
  ESEKIT_RETURN_IF_ERROR(insertObjid({objid, table.objectId, layout::kObjidTypeLongValue}, system));
  state.info.longValues = *tree;
  state.lidWidth = LongValueIdWidth::Lid32;
  state.nextLid = layout::kFirstLid32;
  return *tree;
}

// New LIDs continue after the largest in the tree (ESE seeks the last LV
// node when it first needs one); the tree's width is kept (§8.1).
Result<uint64_t> TableStoreImpl::allocateLid(TableState& state) {
  if (state.nextLid == 0) {
    auto last = database_.last(*state.info.longValues);
    if (!last) return last.status().withContext("long-value tree of table '" + state.info.name + "'");
    if (!*last) {
      state.lidWidth = LongValueIdWidth::Lid32;
      state.nextLid = layout::kFirstLid32;
    } else {
      const std::vector<uint8_t>& key = (*last)->key;
      const bool lid64 = key.size() == 12 || (key.size() == 8 && (key[0] & 0x80) != 0);
      if (key.size() != 4 && key.size() != 8 && key.size() != 12)
        return Status(JetError::DatabaseCorrupted, "long-value tree of table '" + state.info.name + "' ends with a " +
                                                       std::to_string(key.size()) + "-byte key");
      state.lidWidth = lid64 ? LongValueIdWidth::Lid64 : LongValueIdWidth::Lid32;
      const uint64_t lid = lid64 ? (uint64_t{bigEndian32(key.data())} << 32) | bigEndian32(key.data() + 4)
                                 : bigEndian32(key.data());
      state.nextLid = lid + 1;
    }
  }
  if (state.lidWidth == LongValueIdWidth::Lid32 && state.nextLid > layout::kLastLid32)
    return Status(JetError::FeatureNotAvailable, "table '" + state.info.name + "' has used up its 32-bit LIDs");
  return state.nextLid++;
}

// LVROOT {1 reference, size}, then chunks keyed LID‖offset, every one but the
// last holding exactly the chunk size (§8.1, §8.2), as the bulk writer lays them out.
Status TableStoreImpl::writeLongValue(TableState& state, Bytes lidKey, Bytes value, const store::OperationContext& context) {
  const store::TreeRoot tree = *state.info.longValues;
  const std::string what = lidText(lidKey) + " of table '" + state.info.name + "'";
  ESEKIT_RETURN_IF_ERROR(database_.insert(tree, lidKey, layout::longValueRootData(kSingleReference, static_cast<uint32_t>(value.size())),
                                          context).withContext(what));
  const size_t chunk = state.longValueChunkSize;
  for (size_t offset = 0; offset < value.size(); offset += chunk) {
    const size_t size = std::min(chunk, value.size() - offset);
    ESEKIT_RETURN_IF_ERROR(database_.insert(tree, layout::longValueChunkKey(lidKey, static_cast<uint32_t>(offset)),
                                            value.subspan(offset, size), context)
                               .withContext(what + " chunk at " + std::to_string(offset)));
  }
  return Status::ok();
}

Status TableStoreImpl::releaseLongValue(const TableState& state, Bytes reference, const store::OperationContext& context) {
  auto lidKey = keyOfReference(reference);
  if (!lidKey) return lidKey.status();
  const std::string what = lidText(*lidKey) + " of table '" + state.info.name + "'";
  if (!state.info.longValues) return Status(JetError::DatabaseCorrupted, what + ": the table has no long-value tree");
  const store::TreeRoot tree = *state.info.longValues;
  auto root = database_.find(tree, *lidKey);
  if (!root) return root.status().withContext(what);
  if (!*root || (*root)->size() < kLongValueRootSize)
    return Status(JetError::DatabaseCorrupted, what + ": no long-value root node");
  const uint32_t references = loadLittleEndian<uint32_t>((*root)->data());
  if (references > 1 && references != 0xFFFFFFFF) {
    // Shared with other records (not in esekit's own tables): drop one reference.
    std::vector<uint8_t> data = **root;
    storeLittleEndian<uint32_t>(data.data(), references - 1);
    return database_.replace(tree, *lidKey, data, context).withContext(what);
  }
  ESEKIT_RETURN_IF_ERROR(database_.erase(tree, *lidKey, context).withContext(what));
  while (true) {
    auto chunk = database_.seek(tree, *lidKey, SeekMode::GreaterOrEqual);
    if (!chunk) return chunk.status().withContext(what);
    if (!*chunk || !startsWith((*chunk)->key, *lidKey)) return Status::ok();
    ESEKIT_RETURN_IF_ERROR(database_.erase(tree, (*chunk)->key, context).withContext(what));
  }
}

Result<std::vector<uint8_t>> TableStoreImpl::readLongValue(const TableState& state, Bytes reference) const {
  auto lidKey = keyOfReference(reference);
  if (!lidKey) return lidKey.status();
  const std::string what = lidText(*lidKey);
  if (!state.info.longValues) return Status(JetError::DatabaseCorrupted, what + ": the table has no long-value tree");
  const store::TreeRoot tree = *state.info.longValues;
  auto root = database_.find(tree, *lidKey);
  if (!root) return root.status().withContext(what);
  if (!*root || (*root)->size() < kLongValueRootSize)
    return Status(JetError::DatabaseCorrupted, what + ": no long-value root node");
  const uint32_t size = loadLittleEndian<uint32_t>((*root)->data() + 4);

  std::vector<uint8_t> value;
  value.reserve(std::min<size_t>(size, kLargestUpfrontReserve));
  auto chunk = database_.seek(tree, layout::longValueChunkKey(*lidKey, 0), SeekMode::GreaterOrEqual);
  while (value.size() < size) {
    if (!chunk) return chunk.status().withContext(what);
    if (!*chunk || !startsWith((*chunk)->key, *lidKey) || (*chunk)->key.size() != lidKey->size() + 4)
      return Status(JetError::DatabaseCorrupted, what + ": chunks end at " + std::to_string(value.size()) + " of " +
                                                     std::to_string(size) + " bytes");
    const uint32_t offset = bigEndian32((*chunk)->key.data() + lidKey->size());
    if (offset != value.size())
      return Status(JetError::FeatureNotAvailable, what + ": chunk at offset " + std::to_string(offset) + " after " +
                                                       std::to_string(value.size()) + " bytes (compressed chunks are not read)");
    const std::vector<uint8_t>& data = (*chunk)->data;
    if (data.size() > size - value.size())
      return Status(JetError::DatabaseCorrupted, what + ": chunk at offset " + std::to_string(offset) + " runs past the size " +
                                                     std::to_string(size));
    value.insert(value.end(), data.begin(), data.end());
    if (value.size() < size) chunk = database_.seek(tree, (*chunk)->key, SeekMode::Greater);
  }
  return value;
}

Result<std::vector<uint8_t>> TableStoreImpl::decodeKeyOnly(Bytes record) const {
  auto view = record::parseRecord(record, largePage_);
  if (!view) return view.status();
  const auto key = view->variable(static_cast<uint8_t>(layout::kKeyColumnFid));
  if (!key) return Status(JetError::DatabaseCorrupted, "record has no Key");
  return std::vector<uint8_t>(key->begin(), key->end());
}

// The record stored under `normalized` if its Key is `key`: keys cut at a
// KeyMost of 255 (bulk-written tables, §7.1) may share a normalized key.
Result<std::optional<std::vector<uint8_t>>> TableStoreImpl::findRecord(const store::TreeRoot& tree, Bytes normalized,
                                                                       Bytes key) const {
  auto existing = database_.find(tree, normalized);
  if (!existing || !*existing) return existing;
  auto stored = decodeKeyOnly(**existing);
  if (!stored) return stored.status();
  if (keys::compare(*stored, key) != 0) return std::optional<std::vector<uint8_t>>();
  return existing;
}

// --- row operations ----------------------------------------------------------

Status TableStoreImpl::insertRow(const TableInfo& table, Bytes key, Bytes value, const store::OperationContext& context) {
  auto state = writable(table);
  if (!state) return state.status();
  if (key.empty()) return Status(JetError::InvalidParameter, "empty key for table '" + table.name + "'");
  auto normalized = normalizedKey(**state, key);
  if (!normalized) return normalized.status();
  const store::TreeRoot tree = (*state)->info.tree;
  // Checked before any long value is written, so a duplicate leaves nothing
  // behind. An intrinsic value writes nothing before the tree insert, which
  // itself refuses a duplicate before any change: no second descent then.
  if (value.size() > kLargestIntrinsicValue) {
    auto existing = database_.find(tree, *normalized);
    if (!existing) return existing.status();
    if (*existing) return Status(JetError::KeyDuplicate, "table '" + table.name + "' already has this key");
  }
  auto record = recordFor(**state, key, value, context);
  if (!record) return record.status();
  return database_.insert(tree, *normalized, *record, context).withContext("table '" + table.name + "'");
}

Status TableStoreImpl::replaceRow(const TableInfo& table, Bytes key, Bytes value, const store::OperationContext& context) {
  auto state = writable(table);
  if (!state) return state.status();
  auto normalized = normalizedKey(**state, key);
  if (!normalized) return normalized.status();
  const store::TreeRoot tree = (*state)->info.tree;
  auto existing = findRecord(tree, *normalized, key);
  if (!existing) return existing.status();
  if (!*existing) return Status(JetError::RecordNotFound, "table '" + table.name + "' has no row with this key");
  auto oldReference = separatedReference(**existing);
  if (!oldReference) return oldReference.status();
  auto record = recordFor(**state, key, value, context);
  if (!record) return record.status();
  ESEKIT_RETURN_IF_ERROR(database_.replace(tree, *normalized, *record, context).withContext("table '" + table.name + "'"));
  if (*oldReference) return releaseLongValue(**state, **oldReference, context);
  return Status::ok();
}

Status TableStoreImpl::eraseRow(const TableInfo& table, Bytes key, const store::OperationContext& context) {
  auto state = writable(table);
  if (!state) return state.status();
  auto normalized = normalizedKey(**state, key);
  if (!normalized) return normalized.status();
  const store::TreeRoot tree = (*state)->info.tree;
  auto existing = findRecord(tree, *normalized, key);
  if (!existing) return existing.status();
  if (!*existing) return Status(JetError::RecordNotFound, "table '" + table.name + "' has no row with this key");
  auto oldReference = separatedReference(**existing);
  if (!oldReference) return oldReference.status();
  ESEKIT_RETURN_IF_ERROR(database_.erase(tree, *normalized, context).withContext("table '" + table.name + "'"));
  if (*oldReference) return releaseLongValue(**state, **oldReference, context);
  return Status::ok();
}

Result<std::optional<std::vector<uint8_t>>> TableStoreImpl::getRow(const TableInfo& table, Bytes key) {
  auto state = readable(table);
  if (!state) return state.status();
  auto normalized = normalizedKey(**state, key);
  if (!normalized) return normalized.status();
  auto existing = findRecord((*state)->info.tree, *normalized, key);
  if (!existing) return existing.status();
  if (!*existing) return std::optional<std::vector<uint8_t>>();
  auto row = decode(**state, **existing);
  if (!row) return row.status();
  return std::optional<std::vector<uint8_t>>(std::move(row->value));
}

Result<std::optional<store::TreeEntry>> TableStoreImpl::seekEntry(const TableState& state, Bytes key, SeekMode mode) const {
  using Entry = std::optional<store::TreeEntry>;
  auto normalized = normalizedKey(state, key);
  if (!normalized) return normalized.status();
  const store::TreeRoot tree = state.info.tree;
  if (mode == SeekMode::Equal) {
    auto data = database_.find(tree, *normalized);
    if (!data) return data.status();
    if (!*data) return Entry();
    return Entry(store::TreeEntry{*normalized, std::move(**data)});
  }
  // Seek inclusively on the normalized key, then settle a row whose
  // normalized key is equal (only possible when keys were cut) by its user key.
  const bool forward = mode == SeekMode::GreaterOrEqual || mode == SeekMode::Greater;
  auto entry = database_.seek(tree, *normalized, forward ? SeekMode::GreaterOrEqual : SeekMode::LessOrEqual);
  if (!entry) return entry.status();
  if (!*entry || (*entry)->key != *normalized) return entry;
  auto stored = decodeKeyOnly((*entry)->data);
  if (!stored) return stored.status();
  const int order = keys::compare(*stored, key);
  const bool keep = mode == SeekMode::GreaterOrEqual ? order >= 0
                    : mode == SeekMode::Greater      ? order > 0
                    : mode == SeekMode::LessOrEqual  ? order <= 0
                                                     : order < 0;
  if (keep) return entry;
  return database_.seek(tree, (*entry)->key, forward ? SeekMode::Greater : SeekMode::Less);
}

Result<std::optional<Row>> TableStoreImpl::seekRow(const TableInfo& table, Bytes key, SeekMode mode) {
  auto state = readable(table);
  if (!state) return state.status();
  auto entry = seekEntry(**state, key, mode);
  if (!entry) return entry.status();
  if (!*entry) return std::optional<Row>();
  auto row = decode(**state, (*entry)->data);
  if (!row) return row.status();
  if (mode == SeekMode::Equal && keys::compare(row->key, key) != 0) return std::optional<Row>();
  return std::optional<Row>(std::move(*row));
}

Result<std::optional<Row>> TableStoreImpl::firstRow(const TableInfo& table) {
  auto state = readable(table);
  if (!state) return state.status();
  auto entry = database_.first((*state)->info.tree);
  if (!entry) return entry.status();
  if (!*entry) return std::optional<Row>();
  auto row = decode(**state, (*entry)->data);
  if (!row) return row.status();
  return std::optional<Row>(std::move(*row));
}

Result<std::optional<Row>> TableStoreImpl::lastRow(const TableInfo& table) {
  auto state = readable(table);
  if (!state) return state.status();
  auto entry = database_.last((*state)->info.tree);
  if (!entry) return entry.status();
  if (!*entry) return std::optional<Row>();
  auto row = decode(**state, (*entry)->data);
  if (!row) return row.status();
  return std::optional<Row>(std::move(*row));
}

Result<Row> TableStoreImpl::decodeRecord(const TableInfo& table, Bytes nodeKey, Bytes record) {
  auto state = readable(table);
  if (!state) return state.status();
  auto row = decode(**state, record);
  if (!row) return row.status();
  auto normalized = normalizedKey(**state, row->key);
  if (!normalized) return normalized.status();
  if (!std::equal(normalized->begin(), normalized->end(), nodeKey.begin(), nodeKey.end()))
    return Status(JetError::DatabaseCorrupted, "table '" + table.name + "': node key does not match the record's Key");
  return row;
}

}  // namespace esekit::engine::table
