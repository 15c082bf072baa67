// DatabaseStore against a std::map model: random and sequential inserts,
// replaces and erases on a table tree at every page size, every seek mode,
// then the flushed file checked page by page and read back through format/,
// and the logged records redone on a copy of the empty file: the pages must
// come out byte for byte the same, and a second redo must change nothing.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>

#include "corpus.h"
#include "engine_store_support.h"
#include "esekit/format/integrity.h"
#include "esekit/format/page_verify.h"
#include "esekit/format/table.h"

using namespace esekit;
using namespace esekit::engine;
using namespace esekit::engine::store;
using esekit::test::RecordingSink;

namespace {

using Key = std::vector<uint8_t>;
// memcmp order, shorter first: ESE's key order (std::less on vectors trips a
// false GCC 12 -Wstringop-overread at -O3).
struct KeyLess {
  bool operator()(const Key& a, const Key& b) const {
    const size_t n = a.size() < b.size() ? a.size() : b.size();
    const int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
    return c < 0 || (c == 0 && a.size() < b.size());
  }
};
using Model = std::map<Key, std::vector<uint8_t>, KeyLess>;

// Byte equality without std::vector::operator== (GCC 12 -O3 warns falsely on
// its memcmp, -Wstringop-overread).
bool same(Bytes a, Bytes b) { return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0); }

std::vector<uint8_t> randomBytes(std::mt19937_64& rng, size_t size) {
  std::vector<uint8_t> out(size);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// A key of random length whose first bytes are drawn from a small alphabet,
// so keys share prefixes and collide now and then.
Key randomKey(std::mt19937_64& rng) {
  const size_t size = 1 + rng() % 255;
  Key key(size);
  for (size_t i = 0; i < size; ++i) key[i] = static_cast<uint8_t>(i < 3 ? 'a' + rng() % 4 : rng());
  return key;
}

Key sequentialKey(uint64_t n, std::mt19937_64& rng) {
  Key key(8);
  for (int i = 0; i < 8; ++i) key[i] = static_cast<uint8_t>(n >> (56 - 8 * i));
  const size_t tail = rng() % 24;
  for (size_t i = 0; i < tail; ++i) key.push_back(static_cast<uint8_t>(rng()));
  return key;
}

std::optional<std::pair<Key, std::vector<uint8_t>>> modelSeek(const Model& model, const Key& key, SeekMode mode) {
  Model::const_iterator it;
  switch (mode) {
    case SeekMode::Equal: it = model.find(key); break;
    case SeekMode::GreaterOrEqual: it = model.lower_bound(key); break;
    case SeekMode::Greater: it = model.upper_bound(key); break;
    case SeekMode::LessOrEqual:
      it = model.upper_bound(key);
      if (it == model.begin()) return std::nullopt;
      --it;
      break;
    case SeekMode::Less:
      it = model.lower_bound(key);
      if (it == model.begin()) return std::nullopt;
      --it;
      break;
  }
  if (it == model.end()) return std::nullopt;
  return std::make_pair(it->first, it->second);
}

void compareAll(DatabaseStore& store, const TreeRoot& tree, const Model& model) {
  // Forward with first/GT, backward with last/LT.
  auto entry = store.first(tree);
  REQUIRE(entry.isOk());
  size_t seen = 0;
  for (const auto& [key, data] : model) {
    REQUIRE(entry->has_value());
    REQUIRE(same((*entry)->key, key));
    REQUIRE(same((*entry)->data, data));
    ++seen;
    entry = store.seek(tree, key, SeekMode::Greater);
    REQUIRE(entry.isOk());
  }
  CHECK_FALSE(entry->has_value());
  CHECK(seen == model.size());
  entry = store.last(tree);
  REQUIRE(entry.isOk());
  for (auto it = model.rbegin(); it != model.rend(); ++it) {
    REQUIRE(entry->has_value());
    REQUIRE(same((*entry)->key, it->first));
    entry = store.seek(tree, it->first, SeekMode::Less);
    REQUIRE(entry.isOk());
  }
  CHECK_FALSE(entry->has_value());
}

void checkSeeks(DatabaseStore& store, const TreeRoot& tree, const Model& model, std::mt19937_64& rng, int count) {
  static constexpr SeekMode kModes[] = {SeekMode::Equal, SeekMode::GreaterOrEqual, SeekMode::Greater,
                                        SeekMode::LessOrEqual, SeekMode::Less};
  for (int i = 0; i < count; ++i) {
    Key key;
    if (!model.empty() && rng() % 2 == 0) {
      auto it = model.begin();
      std::advance(it, static_cast<long>(rng() % model.size()));
      key = it->first;
      if (rng() % 2 == 0) key.push_back(0);  // just after an existing key
    } else {
      key = randomKey(rng);
    }
    for (const SeekMode mode : kModes) {
      auto got = store.seek(tree, key, mode);
      REQUIRE(got.isOk());
      const auto expected = modelSeek(model, key, mode);
      REQUIRE(got->has_value() == expected.has_value());
      if (expected) {
        REQUIRE(same((*got)->key, expected->first));
        REQUIRE(same((*got)->data, expected->second));
      }
    }
    auto found = store.find(tree, key);
    REQUIRE(found.isOk());
    const auto it = model.find(key);
    REQUIRE(found->has_value() == (it != model.end()));
    if (it != model.end()) REQUIRE(same(**found, it->second));
  }
}

std::vector<uint8_t> readAll(const std::filesystem::path& path) { return esekit::test::readFile(path); }

void runModel(uint32_t pageSize, int operations) {
  CAPTURE(pageSize);
  const auto dir = esekit::test::tempDir("store-model-" + std::to_string(pageSize));
  const auto path = dir / "model.edb";
  const auto copy = dir / "copy.edb";
  RecordingSink sink;
  StoreOptions options;
  options.path = path;
  options.pageSize = pageSize;
  options.log = &sink;
  options.cleanCacheBytes = 64u * pageSize;  // small: evictions and re-reads happen
  auto created = DatabaseStore::create(options, esekit::test::createParameters());
  REQUIRE_MESSAGE(created.isOk(), created.status().toString());
  std::unique_ptr<DatabaseStore> store = std::move(*created);
  std::filesystem::copy_file(path, copy);
  CHECK(store->header().state == DatabaseState::DirtyShutdown);
  CHECK(store->header().logSignature.random == 0x9abcdef0);

  OperationContext context;
  context.procid = 1;
  context.trxBegin0 = 7;
  auto tree = store->createTree(1, 1, store->newObjectId(), TreeKind::Table, context);
  REQUIRE_MESSAGE(tree.isOk(), tree.status().toString());

  std::mt19937_64 rng(pageSize * 7919u);
  Model model;
  const size_t maxData = pageSize / 4;
  // Sequential inserts first (append splits), then random work.
  const int sequential = operations / 5;
  for (int i = 0; i < sequential; ++i) {
    const Key key = sequentialKey(static_cast<uint64_t>(i) * 3, rng);
    const auto data = randomBytes(rng, 1 + rng() % 64);
    const Status status = store->insert(*tree, key, data, context);
    REQUIRE_MESSAGE(status.isOk(), status.toString());
    model[key] = data;
  }
  compareAll(*store, *tree, model);
  for (int i = sequential; i < operations; ++i) {
    const uint64_t choice = rng() % 100;
    if (choice < 45 || model.empty()) {
      const Key key = rng() % 8 == 0 ? sequentialKey(rng() % (3u * sequential + 10), rng) : randomKey(rng);
      const auto data = randomBytes(rng, 1 + rng() % maxData);
      const Status status = store->insert(*tree, key, data, context);
      if (model.count(key)) {
        REQUIRE(status.code() == JetError::KeyDuplicate);
      } else {
        REQUIRE_MESSAGE(status.isOk(), status.toString());
        model[key] = data;
      }
    } else if (choice < 70) {
      auto it = model.begin();
      std::advance(it, static_cast<long>(rng() % model.size()));
      const auto data = rng() % 4 == 0 ? randomBytes(rng, 1 + rng() % maxData) : [&] {
        auto changed = it->second;  // small edits: ReplaceD
        changed[rng() % changed.size()] ^= 0x5A;
        if (rng() % 2) changed.push_back(1);
        return changed;
      }();
      const Status status = store->replace(*tree, it->first, data, context);
      REQUIRE_MESSAGE(status.isOk(), status.toString());
      it->second = data;
    } else if (choice < 97) {
      auto it = model.begin();
      std::advance(it, static_cast<long>(rng() % model.size()));
      const Status status = store->erase(*tree, it->first, context);
      REQUIRE_MESSAGE(status.isOk(), status.toString());
      model.erase(it);
    } else {
      const Key missing = randomKey(rng);
      if (!model.count(missing)) {
        CHECK(store->replace(*tree, missing, Key{1}, context).code() == JetError::RecordNotFound);
        CHECK(store->erase(*tree, missing, context).code() == JetError::RecordNotFound);
      }
    }
    if (i % 10000 == 9999) {
      compareAll(*store, *tree, model);
      checkSeeks(*store, *tree, model, rng, 200);
    }
  }
  compareAll(*store, *tree, model);
  checkSeeks(*store, *tree, model, rng, 500);
  CHECK(store->insert(*tree, {}, Key{1}, context).code() == JetError::InvalidParameter);
  CHECK(store->insert(*tree, Key{1}, {}, context).code() == JetError::InvalidParameter);

  REQUIRE(store->flush().isOk());
  CHECK(store->dirtyPages() == 0);
  CHECK(sink.flushedUpTo == sink.positions.back());
  const uint32_t ownedPages = store->ownedPages();
  const TreeRoot root = *tree;
  store.reset();

  // The file: every page verifies, the tree reads back through format/ as the model.
  const std::vector<uint8_t> image = readAll(path);
  CHECK(image.size() >= (uint64_t{ownedPages} + 2) * pageSize);
  const page::DatabaseImageReport report = page::verifyDatabaseImage(image, pageSize);
  CHECK(report.imageStatus.isOk());
  CHECK(report.damagedPages() == 0);
  CHECK(report.count(page::PageClass::Corrected) == 0);
  for (const auto& problem : report.problems) MESSAGE(problem.status().toString());
  table::DatabaseImage db{image, pageSize};
  auto expected = model.begin();
  size_t leaves = 0;
  const Status walked = table::walkLeaves(db, root.rootPage, root.objectId, [&](const page::Node& node, uint32_t) {
    if (node.deleted()) return Status::ok();
    ++leaves;
    if (expected == model.end()) return Status(JetError::DatabaseCorrupted, "more nodes than the model");
    if (!same(node.key(), expected->first) || !same(node.data, expected->second))
      return Status(JetError::DatabaseCorrupted, "node differs from the model");
    ++expected;
    return Status::ok();
  });
  CHECK_MESSAGE(walked.isOk(), walked.toString());
  CHECK(leaves == model.size());
  const auto integrity = integrity::checkIntegrity(image);
  REQUIRE(integrity.isOk());
  for (const auto& problem : integrity->problems)
    if (problem.severity == integrity::Severity::Error) MESSAGE(problem.toString());
  CHECK(integrity->errors == 0);

  // The workload exercised every split shape and grew the file.
  int splits[3] = {0, 0, 0}, extends = 0, creates = 0;
  for (const auto& bytes : sink.records) {
    auto record = decodeLogRecord(bytes);
    REQUIRE(record.isOk());
    if (const auto* split = record->as<SplitRecord>()) ++splits[split->splitType % 3];
    if (record->type == LogRecordType::ExtendDB) ++extends;
    if (record->type == LogRecordType::CreateMultipleExtentFDP) ++creates;
  }
  MESSAGE("splits vertical/right/append " << splits[0] << "/" << splits[1] << "/" << splits[2] << ", extends "
                                          << extends << ", pages " << ownedPages);
  CHECK(splits[0] >= 1);
  CHECK(splits[1] >= 10);
  CHECK(splits[2] >= 10);
  CHECK(extends >= 1);
  CHECK(creates == 1);

  // Redo of every record on the copy of the empty file gives the same pages.
  RecordingSink unused;
  StoreOptions copyOptions = options;
  copyOptions.path = copy;
  copyOptions.log = &unused;
  for (int round = 0; round < 2; ++round) {
    CAPTURE(round);
    auto opened = DatabaseStore::open(copyOptions);
    REQUIRE_MESSAGE(opened.isOk(), opened.status().toString());
    size_t applied = 0;
    for (size_t i = 0; i < sink.records.size(); ++i) {
      auto record = decodeLogRecord(sink.records[i]);
      REQUIRE_MESSAGE(record.isOk(), record.status().toString());
      auto effect = (*opened)->redo(*record, sink.positions[i]);
      REQUIRE_MESSAGE(effect.isOk(), effect.status().toString());
      if (effect->pageRecord && effect->applied) ++applied;
    }
    REQUIRE((*opened)->flush().isOk());
    if (round == 0) CHECK(applied > 0);
    else CHECK(applied == 0);
    CHECK((*opened)->dbtime() >= sink.records.size() / 2);
    opened->reset();
    const std::vector<uint8_t> redone = readAll(copy);
    REQUIRE(redone.size() == image.size());
    size_t differing = 0;
    for (size_t offset = 0; offset < image.size(); offset += pageSize)
      if (std::memcmp(image.data() + offset, redone.data() + offset, pageSize) != 0) {
        if (differing++ < 5) MESSAGE("page " << offset / pageSize - 1 << " differs after redo");
      }
    CHECK(differing == 0);
  }
}

}  // namespace

TEST_CASE("store model: 4 KiB pages") { runModel(4096, 50000); }
TEST_CASE("store model: 8 KiB pages") { runModel(8192, 50000); }
TEST_CASE("store model: 16 KiB pages") { runModel(16384, 50000); }
TEST_CASE("store model: 32 KiB pages") { runModel(32768, 50000); }
