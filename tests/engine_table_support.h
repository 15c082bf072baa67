// Shared by tests/test_engine_table_*.cpp: a LogSink that collects records,
// an in-memory DatabaseStore (ordered maps per B-tree, seeded from a
// bulk-written database image) to test the table layer on its own, and a
// std::map model of a table's rows.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "esekit/engine/database_writer.h"
#include "esekit/engine/key_normalization.h"
#include "esekit/format/page.h"
#include "esekit/format/table.h"
#include "store/database_store.h"
#include "table/table_store.h"

namespace esekit::test {

struct KeyOrder {
  bool operator()(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) const {
    return engine::keys::compare(a, b) < 0;
  }
};
using ByteMap = std::map<std::vector<uint8_t>, std::vector<uint8_t>, KeyOrder>;

// Collects every record appended; positions advance by one "sector" per record.
class CollectingLogSink : public engine::store::LogSink {
 public:
  Result<LogPosition> append(const LogRecord& record) override {
    records.push_back(record);
    LogPosition position;
    position.generation = 1;
    position.sector = static_cast<uint16_t>(records.size() / 1000);
    position.byteOffset = static_cast<uint16_t>(records.size() % 1000);
    return position;
  }
  Status flushUpTo(LogPosition position) override {
    flushedTo = position;
    return Status::ok();
  }
  std::vector<LogRecord> records;
  LogPosition flushedTo;
};

// A DatabaseStore without pages: each B-tree is an ordered map. Logs nothing.
// Seeded with the leaves of the catalog trees of a bulk-written database.
class MemoryStore : public engine::store::DatabaseStore {
 public:
  using TreeRoot = engine::store::TreeRoot;

  static std::unique_ptr<MemoryStore> fromImage(const std::vector<uint8_t>& file, uint32_t pageSize, uint32_t lastObjectId) {
    auto store = std::make_unique<MemoryStore>();
    store->pageSize_ = pageSize;
    store->lastObjectId_ = lastObjectId;
    store->nextPage_ = static_cast<uint32_t>(file.size() / pageSize);
    table::DatabaseImage image{file, pageSize};
    auto catalog = table::readCatalog(image);
    REQUIRE_MESSAGE(catalog.isOk(), catalog.status().toString());
    auto load = [&](uint32_t objid, uint32_t root) {
      ByteMap& tree = store->trees_[{objid, root}];
      REQUIRE(table::walkLeaves(image, root, objid, [&](const page::Node& node, uint32_t) {
                if (!node.deleted()) tree[node.key()] = std::vector<uint8_t>(node.data.begin(), node.data.end());
                return Status::ok();
              }).isOk());
    };
    for (const table::Table& t : catalog->tables) {
      load(t.objectId, t.rootPage);
      for (const table::Index& ix : t.indexes)
        if (ix.rootPage != t.rootPage) load(ix.objectId, ix.rootPage);
      if (t.longValueRoot != 0) load(t.longValueObjectId, t.longValueRoot);
    }
    return store;
  }

  const std::filesystem::path& path() const override { return path_; }
  uint32_t pageSize() const override { return pageSize_; }
  uint8_t dbid() const override { return 1; }
  const DatabaseHeader& header() const override { return header_; }
  Status writeHeader(const DatabaseHeader& header) override {
    header_ = header;
    return Status::ok();
  }

  Result<std::optional<std::vector<uint8_t>>> find(const TreeRoot& root, Bytes key) override {
    auto tree = treeOf(root);
    if (!tree) return tree.status();
    auto it = (*tree)->find(std::vector<uint8_t>(key.begin(), key.end()));
    if (it == (*tree)->end()) return std::optional<std::vector<uint8_t>>();
    return std::optional<std::vector<uint8_t>>(it->second);
  }
  Result<std::optional<engine::store::TreeEntry>> seek(const TreeRoot& root, Bytes key, engine::SeekMode mode) override {
    auto tree = treeOf(root);
    if (!tree) return tree.status();
    ByteMap& map = **tree;
    const std::vector<uint8_t> k(key.begin(), key.end());
    ByteMap::iterator it;
    switch (mode) {
      case engine::SeekMode::Equal: it = map.find(k); break;
      case engine::SeekMode::GreaterOrEqual: it = map.lower_bound(k); break;
      case engine::SeekMode::Greater: it = map.upper_bound(k); break;
      case engine::SeekMode::LessOrEqual:
        it = map.upper_bound(k);
        it = it == map.begin() ? map.end() : std::prev(it);
        break;
      case engine::SeekMode::Less:
        it = map.lower_bound(k);
        it = it == map.begin() ? map.end() : std::prev(it);
        break;
    }
    if (it == map.end()) return std::optional<engine::store::TreeEntry>();
    return std::optional<engine::store::TreeEntry>(engine::store::TreeEntry{it->first, it->second});
  }
  Result<std::optional<engine::store::TreeEntry>> first(const TreeRoot& root) override {
    auto tree = treeOf(root);
    if (!tree) return tree.status();
    if ((*tree)->empty()) return std::optional<engine::store::TreeEntry>();
    auto it = (*tree)->begin();
    return std::optional<engine::store::TreeEntry>(engine::store::TreeEntry{it->first, it->second});
  }
  Result<std::optional<engine::store::TreeEntry>> last(const TreeRoot& root) override {
    auto tree = treeOf(root);
    if (!tree) return tree.status();
    if ((*tree)->empty()) return std::optional<engine::store::TreeEntry>();
    auto it = std::prev((*tree)->end());
    return std::optional<engine::store::TreeEntry>(engine::store::TreeEntry{it->first, it->second});
  }

  Status insert(const TreeRoot& root, Bytes key, Bytes data, const engine::store::OperationContext&) override {
    auto tree = treeOf(root);
    if (!tree) return tree.status();
    ++operations;
    if (!(*tree)->emplace(std::vector<uint8_t>(key.begin(), key.end()), std::vector<uint8_t>(data.begin(), data.end())).second)
      return Status(JetError::KeyDuplicate, "memory store: duplicate key");
    return Status::ok();
  }
  Status replace(const TreeRoot& root, Bytes key, Bytes data, const engine::store::OperationContext&) override {
    auto tree = treeOf(root);
    if (!tree) return tree.status();
    ++operations;
    auto it = (*tree)->find(std::vector<uint8_t>(key.begin(), key.end()));
    if (it == (*tree)->end()) return Status(JetError::RecordNotFound, "memory store: no such key");
    it->second.assign(data.begin(), data.end());
    return Status::ok();
  }
  Status erase(const TreeRoot& root, Bytes key, const engine::store::OperationContext&) override {
    auto tree = treeOf(root);
    if (!tree) return tree.status();
    ++operations;
    if ((*tree)->erase(std::vector<uint8_t>(key.begin(), key.end())) == 0)
      return Status(JetError::RecordNotFound, "memory store: no such key");
    return Status::ok();
  }
  Result<TreeRoot> createTree(uint32_t parentObjectId, uint32_t parentRootPage, uint32_t objectId, engine::store::TreeKind,
                              const engine::store::OperationContext&) override {
    if (parentObjectId != 1 && !trees_.count({parentObjectId, parentRootPage}))
      return Status(JetError::InvalidParameter, "memory store: no parent tree");
    const TreeRoot root{objectId, nextPage_++};
    trees_[{root.objectId, root.rootPage}];
    parents[root.objectId] = parentObjectId;
    return root;
  }
  Status deleteTree(const TreeRoot& root, uint32_t parentObjectId, uint32_t, const engine::store::OperationContext&) override {
    if (parents.count(root.objectId) && parents[root.objectId] != parentObjectId)
      return Status(JetError::InvalidParameter, "memory store: wrong parent");
    if (trees_.erase({root.objectId, root.rootPage}) == 0) return Status(JetError::InvalidParameter, "memory store: no tree");
    return Status::ok();
  }
  int64_t dbtime() const override { return 0; }
  uint32_t lastObjectId() const override { return lastObjectId_; }
  uint32_t newObjectId() override { return ++lastObjectId_; }
  Result<engine::store::RedoEffect> redo(const LogRecord&, LogPosition) override { return engine::store::RedoEffect{}; }
  Status flush() override { return Status::ok(); }
  uint64_t dirtyPages() const override { return 0; }
  uint64_t cachedPages() const override { return 0; }
  uint64_t correctedPages() const override { return 0; }
  uint32_t ownedPages() const override { return nextPage_; }

  // Test access.
  const ByteMap* tree(uint32_t objid, uint32_t root) const {
    auto it = trees_.find({objid, root});
    return it == trees_.end() ? nullptr : &it->second;
  }
  size_t treeCount() const { return trees_.size(); }
  uint64_t operations = 0;
  std::map<uint32_t, uint32_t> parents;

 private:
  Result<ByteMap*> treeOf(const TreeRoot& root) {
    auto it = trees_.find({root.objectId, root.rootPage});
    if (it == trees_.end())
      return Status(JetError::InvalidParameter, "memory store: no tree " + std::to_string(root.objectId) + "/" +
                                                    std::to_string(root.rootPage));
    return &it->second;
  }

  std::filesystem::path path_ = "memory";
  uint32_t pageSize_ = 8192;
  uint32_t lastObjectId_ = 7;
  uint32_t nextPage_ = 1000;
  DatabaseHeader header_;
  std::map<std::pair<uint32_t, uint32_t>, ByteMap> trees_;
};

// A database file made through DatabaseStore + TableStore, reopened at will.
class DiskDatabase {
 public:
  DiskDatabase(std::filesystem::path path, uint32_t pageSize) : path_(std::move(path)), pageSize_(pageSize) {
    std::filesystem::remove(path_);
    engine::store::CreateParameters params;
    params.databaseSignature.random = 0x5EED0000u + pageSize;
    params.databaseSignature.created.day = 1;
    params.databaseSignature.created.month = 1;
    params.databaseSignature.created.yearSince1900 = 126;
    params.logSignature = params.databaseSignature;
    params.logSignature.random ^= 0xFFFF;
    params.attachPosition.generation = 1;
    auto created = engine::store::DatabaseStore::create(options(), params);
    REQUIRE_MESSAGE(created.isOk(), created.status().toString());
    store_ = std::move(*created);
    loadTables();
  }
  // Flushes, closes and opens the file again, then reloads the catalog.
  // `saveObjidLast`: write the header's objidLast first, as the instance
  // does when it detaches (false: as after a crash).
  void reopen(bool saveObjidLast = true) {
    flush();
    if (saveObjidLast) {
      DatabaseHeader header = store_->header();
      header.lastObjectId = store_->lastObjectId();
      REQUIRE(store_->writeHeader(header).isOk());
    }
    tables_.reset();
    store_.reset();
    auto opened = engine::store::DatabaseStore::open(options());
    REQUIRE_MESSAGE(opened.isOk(), opened.status().toString());
    store_ = std::move(*opened);
    loadTables();
  }
  void flush() {
    const Status flushed = store_->flush();
    REQUIRE_MESSAGE(flushed.isOk(), flushed.toString());
  }
  // Marks the file cleanly detached, as the instance does at shutdown (for readers that care).
  void markClean() {
    DatabaseHeader header = store_->header();
    header.state = DatabaseState::CleanShutdown;
    REQUIRE(store_->writeHeader(header).isOk());
  }
  std::vector<uint8_t> image() const {
    std::ifstream in(path_, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
  }
  engine::table::TableStore& tables() { return *tables_; }
  engine::store::DatabaseStore& store() { return *store_; }
  CollectingLogSink& sink() { return sink_; }
  const std::filesystem::path& path() const { return path_; }
  uint32_t pageSize() const { return pageSize_; }

 private:
  engine::store::StoreOptions options() {
    engine::store::StoreOptions o;
    o.path = path_;
    o.pageSize = pageSize_;
    o.log = &sink_;
    return o;
  }
  void loadTables() {
    auto loaded = engine::table::TableStore::load(*store_);
    REQUIRE_MESSAGE(loaded.isOk(), loaded.status().toString());
    tables_ = std::move(*loaded);
  }

  std::filesystem::path path_;
  uint32_t pageSize_;
  CollectingLogSink sink_;
  std::unique_ptr<engine::store::DatabaseStore> store_;
  std::unique_ptr<engine::table::TableStore> tables_;
};

// A table's expected rows.
using RowModel = std::map<std::vector<uint8_t>, std::vector<uint8_t>, KeyOrder>;

inline std::vector<uint8_t> patternBytes(size_t size, uint64_t seed) {
  std::vector<uint8_t> out(size);
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < size; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    out[i] = static_cast<uint8_t>(state);
  }
  return out;
}

// Every row of `info` through the TableStore, in order (first, then seek Greater).
inline RowModel readAll(engine::table::TableStore& tables, const engine::table::TableInfo& info) {
  RowModel rows;
  auto row = tables.firstRow(info);
  while (true) {
    REQUIRE_MESSAGE(row.isOk(), row.status().toString());
    if (!*row) break;
    const std::vector<uint8_t> key = (*row)->key;
    CHECK(rows.emplace(key, std::move((*row)->value)).second);
    row = tables.seekRow(info, key, engine::SeekMode::Greater);
  }
  return rows;
}

}  // namespace esekit::test
