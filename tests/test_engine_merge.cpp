// B+tree merges: deletes that empty leaves merge them away (Merge2 empty
// page, ese-format/log-records.md §3.5) and return them to the tree's
// available space; the tree still reads right both ways, passes the
// structural check, and its log replays to the same bytes through the
// store's redo and through the Windows redo path (macros gated together),
// also onto a copy flushed half-way (pages already past some merges). The
// page operations of the other merge types (full/partial right/left, key
// change, +infinity pointer) are checked on hand-built pages, and an
// instance database with merged pages is read by esedbexport.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <set>

#include "corpus.h"
#include "e2e/engine_harness.h"
#include "engine_store_support.h"
#include "esekit/format/integrity.h"
#include "esekit/format/page.h"
#include "esekit/format/page_edit.h"
#include "esekit/format/page_verify.h"
#include "esekit/format/table.h"
#include "interop/external_readers.h"
#include "store/merge_operations.h"
#include "store/page_operations.h"
#include "store/redo_windows.h"

using namespace esekit;
using namespace esekit::engine;
using namespace esekit::engine::store;
using esekit::test::RecordingSink;

namespace {

using Key = std::vector<uint8_t>;
struct KeyLess {
  bool operator()(const Key& a, const Key& b) const {
    const size_t n = std::min(a.size(), b.size());
    const int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
    return c < 0 || (c == 0 && a.size() < b.size());
  }
};
using Model = std::map<Key, std::vector<uint8_t>, KeyLess>;

bool same(Bytes a, Bytes b) { return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0); }

size_t gKeyPadding = 0;  // long keys make deeper trees

// 'k', the padding, then the number: padded keys differ only at their end,
// so separators are long too.
Key keyOf(uint32_t n) {
  Key key(1 + gKeyPadding, 'p');
  key[0] = 'k';
  for (int i = 0; i < 4; ++i) key.push_back(static_cast<uint8_t>(n >> (24 - 8 * i)));
  return key;
}

void compareAll(DatabaseStore& store, const TreeRoot& tree, const Model& model) {
  auto entry = store.first(tree);
  REQUIRE(entry.isOk());
  for (const auto& [key, data] : model) {
    REQUIRE(entry->has_value());
    REQUIRE(same((*entry)->key, key));
    REQUIRE(same((*entry)->data, data));
    entry = store.seek(tree, key, SeekMode::Greater);
    REQUIRE(entry.isOk());
  }
  CHECK_FALSE(entry->has_value());
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

std::set<uint32_t> leafPages(const std::vector<uint8_t>& image, uint32_t pageSize, const TreeRoot& root) {
  std::set<uint32_t> pages;
  table::DatabaseImage db{image, pageSize};
  const Status walked = table::walkLeaves(db, root.rootPage, root.objectId, [&](const page::Node&, uint32_t pgno) {
    pages.insert(pgno);
    return Status::ok();
  });
  CHECK_MESSAGE(walked.isOk(), walked.toString());
  return pages;
}

NodePage pageAt(std::vector<uint8_t>& image, uint32_t pageSize, uint32_t pgno) {
  return NodePage(MutableBytes(image.data() + page::fileOffsetOfPage(pgno, pageSize), pageSize));
}

// Every page of the tree (internal pages included) and its empty leaves.
struct TreeShape {
  size_t pages = 0;
  size_t emptyLeaves = 0;
  std::set<uint32_t> all;
};
TreeShape treeShape(std::vector<uint8_t>& image, uint32_t pageSize, const TreeRoot& root) {
  TreeShape shape;
  std::vector<uint32_t> pending{root.rootPage};
  while (!pending.empty() && shape.pages < 100000) {
    const uint32_t pgno = pending.back();
    pending.pop_back();
    const NodePage page = pageAt(image, pageSize, pgno);
    ++shape.pages;
    shape.all.insert(pgno);
    if (page.leaf()) {
      if (page.nodeCount() == 0 && !page.root()) ++shape.emptyLeaves;
      continue;
    }
    for (uint16_t i = 0; i < page.nodeCount(); ++i) pending.push_back(page.childPage(i));
  }
  return shape;
}

// The tree's available extents (first, last) read from the file.
std::vector<std::pair<uint32_t, uint32_t>> availableExtents(std::vector<uint8_t>& image, uint32_t pageSize,
                                                            const TreeRoot& root) {
  const NodePage fdp = pageAt(image, pageSize, root.rootPage);
  const SpaceHeader space = parseSpaceHeader(fdp.externalHeader(), spaceHeaderOffset(fdp.externalHeader()));
  REQUIRE(space.multipleExtent());
  std::vector<std::pair<uint32_t, uint32_t>> out;
  table::DatabaseImage db{image, pageSize};
  const Status walked =
      table::walkLeaves(db, space.availableExtentsRoot(), root.objectId, [&](const page::Node& node, uint32_t) {
        const Key key = node.key();
        if (node.deleted() || key.size() != 4 || node.data.size() < 4) return Status::ok();
        const uint32_t last = loadBigEndian32(key.data());
        out.emplace_back(last - loadLittleEndian<uint32_t>(node.data.data()) + 1, last);
        return Status::ok();
      });
  CHECK_MESSAGE(walked.isOk(), walked.toString());
  return out;
}

size_t differingPages(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, uint32_t pageSize) {
  REQUIRE(a.size() == b.size());
  size_t differing = 0;
  for (size_t offset = 0; offset < a.size(); offset += pageSize)
    if (std::memcmp(a.data() + offset, b.data() + offset, pageSize) != 0 && differing++ < 5)
      MESSAGE("page " << offset / pageSize - 1 << " differs after redo");
  return differing;
}

// Replays records [0, count) onto `file`: through the store's own redo one
// record at a time, or through the Windows redo path with macros buffered
// and applied together as recovery does.
void replay(const StoreOptions& base, const std::filesystem::path& file, const RecordingSink& sink, bool windowsPath) {
  RecordingSink unused;
  StoreOptions options = base;
  options.path = file;
  options.log = &unused;
  auto opened = DatabaseStore::open(options);
  REQUIRE_MESSAGE(opened.isOk(), opened.status().toString());
  DatabaseStore& store = **opened;
  std::vector<LogRecord> macro;
  std::vector<LogPosition> macroPositions;
  bool inMacro = false;
  for (size_t i = 0; i < sink.records.size(); ++i) {
    auto record = decodeLogRecord(sink.records[i]);
    REQUIRE_MESSAGE(record.isOk(), record.status().toString());
    if (!windowsPath) {
      auto effect = store.redo(*record, sink.positions[i]);
      REQUIRE_MESSAGE(effect.isOk(), effect.status().toString());
      continue;
    }
    if (record->type == LogRecordType::MacroBegin) {
      inMacro = true;
      macro.clear();
      macroPositions.clear();
      continue;
    }
    if (record->type == LogRecordType::MacroCommit) {
      auto effects = redoMacro(store, macro, macroPositions);
      REQUIRE_MESSAGE(effects.isOk(), effects.status().toString());
      inMacro = false;
      continue;
    }
    if (inMacro) {
      macro.push_back(*record);
      macroPositions.push_back(sink.positions[i]);
      continue;
    }
    auto effect = redoRecord(store, *record, sink.positions[i]);
    REQUIRE_MESSAGE(effect.isOk(), effect.status().toString());
  }
  REQUIRE(store.flush().isOk());
}

void runMerges(uint32_t pageSize, size_t keyPadding) {
  CAPTURE(pageSize);
  CAPTURE(keyPadding);
  gKeyPadding = keyPadding;
  struct ResetPadding {
    ~ResetPadding() { gKeyPadding = 0; }
  } resetPadding;
  const auto dir = esekit::test::tempDir("engine-merge-" + std::to_string(pageSize));
  const auto path = dir / "merge.edb";
  const auto initial = dir / "initial.edb";
  const auto middle = dir / "middle.edb";
  RecordingSink sink;
  StoreOptions options;
  options.path = path;
  options.pageSize = pageSize;
  options.log = &sink;
  options.cleanCacheBytes = 48u * pageSize;  // small: merged pages are evicted and read back
  auto created = DatabaseStore::create(options, esekit::test::createParameters());
  REQUIRE_MESSAGE(created.isOk(), created.status().toString());
  std::unique_ptr<DatabaseStore> store = std::move(*created);
  std::filesystem::copy_file(path, initial);
  OperationContext context;
  context.procid = 1;
  context.trxBegin0 = 7;
  auto tree = store->createTree(1, 1, store->newObjectId(), TreeKind::Table, context);
  REQUIRE_MESSAGE(tree.isOk(), tree.status().toString());

  std::mt19937_64 rng(pageSize);
  Model model;
  const uint32_t total = 3000;
  const size_t dataSize = pageSize / 40;  // ~30 nodes a leaf
  for (uint32_t i = 0; i < total; ++i) {
    std::vector<uint8_t> data(dataSize + rng() % 16);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    REQUIRE(store->insert(*tree, keyOf(i), data, context).isOk());
    model[keyOf(i)] = data;
  }
  REQUIRE(store->flush().isOk());
  std::vector<uint8_t> before = esekit::test::readFile(path);
  const std::set<uint32_t> leavesBefore = leafPages(before, pageSize, *tree);
  const TreeShape shapeBefore = treeShape(before, pageSize, *tree);

  auto erase = [&](uint32_t from, uint32_t to, uint32_t step) {
    for (uint32_t i = from; i < to; i += step) {
      const Status status = store->erase(*tree, keyOf(i), context);
      REQUIRE_MESSAGE(status.isOk(), status.toString());
      model.erase(keyOf(i));
    }
  };
  erase(0, 150, 1);        // the leftmost leaves (no left sibling)
  erase(400, 1400, 1);     // a run of middle leaves
  REQUIRE(store->flush().isOk());
  std::filesystem::copy_file(path, middle);  // a database flushed between merges
  const size_t middleRecords = sink.records.size();
  erase(1400, 1900, 2);    // every other key: no leaf empties
  erase(2000, 2600, 1);
  erase(2900, total, 1);   // the rightmost leaves (the +infinity pointer)
  compareAll(*store, *tree, model);
  // Freed pages are reused by later splits.
  for (uint32_t i = 500; i < 700; ++i) {
    const std::vector<uint8_t> data(dataSize, static_cast<uint8_t>(i));
    REQUIRE(store->insert(*tree, keyOf(i), data, context).isOk());
    model[keyOf(i)] = data;
  }
  compareAll(*store, *tree, model);
  for (const uint32_t probe : {0u, 149u, 150u, 450u, 1401u, 1402u, 2599u, 2600u, 2899u, 2900u}) {
    auto found = store->find(*tree, keyOf(probe));
    REQUIRE(found.isOk());
    CHECK(found->has_value() == (model.count(keyOf(probe)) != 0));
  }
  REQUIRE(store->flush().isOk());
  const TreeRoot root = *tree;
  store.reset();

  std::vector<uint8_t> image = esekit::test::readFile(path);
  const page::DatabaseImageReport report = page::verifyDatabaseImage(image, pageSize);
  CHECK(report.damagedPages() == 0);
  const auto integrity = integrity::checkIntegrity(image);
  REQUIRE(integrity.isOk());
  for (const auto& problem : integrity->problems)
    if (problem.severity == integrity::Severity::Error) MESSAGE(problem.toString());
  CHECK(integrity->errors == 0);
  const std::set<uint32_t> leavesAfter = leafPages(image, pageSize, root);
  MESSAGE("leaves before " << leavesBefore.size() << ", after " << leavesAfter.size());
  CHECK(leavesAfter.size() < leavesBefore.size() * 2 / 3);
  const TreeShape shapeAfter = treeShape(image, pageSize, root);
  MESSAGE("tree pages before " << shapeBefore.pages << ", after " << shapeAfter.pages << ", empty leaves left "
                               << shapeAfter.emptyLeaves);
  CHECK(shapeAfter.pages < shapeBefore.pages);
  // Two levels: every emptied leaf merges. Deeper, a leaf whose parent
  // would empty stays (multi-level merges are not made).
  if (keyPadding == 0) CHECK(shapeAfter.emptyLeaves == 0);
  else CHECK(shapeAfter.emptyLeaves * 4 < leavesBefore.size() - leavesAfter.size());
  // Every leaf that left the tree is available space again.
  const auto available = availableExtents(image, pageSize, root);
  size_t freed = 0;
  for (const uint32_t pgno : leavesBefore) {
    if (shapeAfter.all.count(pgno)) continue;  // still in the tree (possibly an empty leaf left alone)
    ++freed;
    const bool inAvailable = std::any_of(available.begin(), available.end(),
                                         [&](const auto& extent) { return pgno >= extent.first && pgno <= extent.second; });
    CHECK_MESSAGE(inAvailable, "freed leaf " << pgno << " is not in the available extents");
    CHECK((pageAt(image, pageSize, pgno).flags() & page::flag::Empty) != 0);
  }
  CHECK(freed > 10);

  // The log: each merge is MacroBegin, the parent's Merge2 (delete node), the
  // leaf's Merge2 (empty page, siblings, parent), MacroCommit, one dbtime.
  // Key changes above it (the parent's last pointer went) come first.
  size_t merges = 0, keyChanges = 0;
  for (size_t i = 0; i < sink.records.size(); ++i) {
    auto record = decodeLogRecord(sink.records[i]);
    REQUIRE(record.isOk());
    const auto* leaf = record->as<MergeRecord>();
    if (!leaf || leaf->mergeType == 0) continue;
    ++merges;
    CHECK(leaf->mergeType == static_cast<uint8_t>(MergeType::EmptyPage));
    CHECK(leaf->mergeFlags == merge_flag::kEmptyPage);
    CHECK_FALSE(leaf->page.versioned());
    REQUIRE(i >= 2);
    auto level = decodeLogRecord(sink.records[i - 1]);
    auto commit = decodeLogRecord(sink.records[i + 1]);
    REQUIRE((level.isOk() && commit.isOk()));
    REQUIRE(level->as<MergeRecord>() != nullptr);
    CHECK(level->as<MergeRecord>()->page.pgno == leaf->pgnoParent);
    CHECK(level->as<MergeRecord>()->mergeFlags == merge_flag::kDeleteNode);
    CHECK(level->as<MergeRecord>()->page.dbtime == leaf->page.dbtime);
    CHECK(commit->type == LogRecordType::MacroCommit);
    size_t j = i - 2;
    for (;; --j) {
      auto upper = decodeLogRecord(sink.records[j]);
      REQUIRE(upper.isOk());
      if (upper->type == LogRecordType::MacroBegin) break;
      REQUIRE(upper->as<MergeRecord>() != nullptr);
      CHECK(upper->as<MergeRecord>()->mergeFlags == merge_flag::kKeyChange);
      CHECK(same(upper->as<MergeRecord>()->parentSeparatorKey, leaf->parentSeparatorKey));
      CHECK(upper->as<MergeRecord>()->page.dbtime == leaf->page.dbtime);
      ++keyChanges;
      REQUIRE(j > 0);
    }
  }
  MESSAGE(merges << " empty-page merges (" << keyChanges << " separator changes above), " << freed << " leaves freed");
  if (keyPadding != 0) CHECK(keyChanges > 0);
  CHECK(merges >= freed);

  // Redo: store redo record by record, and the Windows path with macros, on
  // the initial file and on the copy flushed half-way: the same bytes.
  const auto copyA = dir / "redo-store.edb";
  const auto copyB = dir / "redo-windows.edb";
  std::filesystem::copy_file(initial, copyA);
  std::filesystem::copy_file(initial, copyB);
  replay(options, copyA, sink, false);
  CHECK(differingPages(image, esekit::test::readFile(copyA), pageSize) == 0);
  replay(options, copyB, sink, true);
  CHECK(differingPages(image, esekit::test::readFile(copyB), pageSize) == 0);
  CHECK(middleRecords < sink.records.size());
  replay(options, middle, sink, true);
  CHECK(differingPages(image, esekit::test::readFile(middle), pageSize) == 0);
  // A second replay changes nothing.
  replay(options, copyB, sink, true);
  CHECK(differingPages(image, esekit::test::readFile(copyB), pageSize) == 0);
}

// --- page operations of every merge type on hand-built pages --------------

constexpr uint32_t kPage = 8192;
constexpr uint32_t kObject = 20;
constexpr uint32_t kLeafFlags = page::flag::Leaf | page::flag::NewRecordFormat | page::flag::NewChecksumFormat;
constexpr uint32_t kParentFlags = page::flag::ParentOfLeaf | page::flag::NewRecordFormat | page::flag::NewChecksumFormat;

struct Pages {
  std::vector<uint8_t> left, source, right, parent;
};

std::vector<uint8_t> newPage(uint32_t pgno, uint32_t flags, uint32_t previous, uint32_t next) {
  std::vector<uint8_t> bytes(kPage, 0);
  page::initializePage(bytes, page::NewPage{pgno, kObject, 100, flags, previous, next});
  return bytes;
}

void addLeafNodes(std::vector<uint8_t>& bytes, const std::vector<std::string>& keys) {
  NodePage page{MutableBytes(bytes.data(), bytes.size())};
  for (const std::string& key : keys) {
    const std::string data = "data of " + key;
    REQUIRE(page.insert(page.nodeCount(), 0, 0, Bytes(reinterpret_cast<const uint8_t*>(key.data()), key.size()),
                        Bytes(reinterpret_cast<const uint8_t*>(data.data()), data.size()))
                .isOk());
  }
}

// Left 9 (a, b), source 10 (m1..m5, m3 flag-deleted), right 11 (x, y);
// parent 5: "c" -> 9, "n" -> 10, "z" -> 11, "" -> 12.
Pages buildPages() {
  Pages p{newPage(9, kLeafFlags, 0, 10), newPage(10, kLeafFlags, 9, 11), newPage(11, kLeafFlags, 10, 12),
          newPage(5, kParentFlags, 0, 0)};
  addLeafNodes(p.left, {"a", "b"});
  addLeafNodes(p.source, {"m1", "m2", "m3", "m4", "m5"});
  NodePage source{MutableBytes(p.source.data(), p.source.size())};
  source.setNodeFlags(2, page::node_flag::Deleted);
  addLeafNodes(p.right, {"x", "y"});
  NodePage parent{MutableBytes(p.parent.data(), p.parent.size())};
  const std::pair<std::string, uint32_t> pointers[] = {{"c", 9}, {"n", 10}, {"z", 11}, {"", 12}};
  for (const auto& [key, child] : pointers) {
    uint8_t data[4];
    storeLittleEndian<uint32_t>(data, child);
    REQUIRE(parent.insert(parent.nodeCount(), 0, 0, Bytes(reinterpret_cast<const uint8_t*>(key.data()), key.size()),
                          Bytes(data, 4))
                .isOk());
  }
  return p;
}

std::vector<std::string> keysOf(std::vector<uint8_t>& bytes) {
  NodePage page{MutableBytes(bytes.data(), bytes.size())};
  std::vector<std::string> keys;
  for (uint16_t i = 0; i < page.nodeCount(); ++i) {
    const Key key = page.key(i);
    keys.emplace_back(key.begin(), key.end());
  }
  return keys;
}

std::vector<uint32_t> childrenOf(std::vector<uint8_t>& bytes) {
  NodePage page{MutableBytes(bytes.data(), bytes.size())};
  std::vector<uint32_t> children;
  for (uint16_t i = 0; i < page.nodeCount(); ++i) children.push_back(page.childPage(i));
  return children;
}

MergeRecord leafRecord(MergeType type, uint16_t ilineMerge, uint8_t flags, const std::string& separator) {
  MergeRecord leaf;
  leaf.page.pgno = 10;
  leaf.page.dbtime = 200;
  leaf.pgnoLeft = 9;
  leaf.pgnoRight = 11;
  leaf.pgnoParent = 5;
  leaf.mergeType = static_cast<uint8_t>(type);
  leaf.mergeFlags = flags;
  leaf.ilineMerge = ilineMerge;
  leaf.uncommittedFreedDestination = 0;
  static std::string kept;
  kept = separator;
  leaf.parentSeparatorKey = Bytes(reinterpret_cast<const uint8_t*>(kept.data()), kept.size());
  return leaf;
}

MergeRecord levelRecord(uint16_t iline, uint8_t flags) {
  MergeRecord level;
  level.page.pgno = 5;
  level.page.dbtime = 200;
  level.page.iline = iline;
  level.mergeFlags = flags;
  return level;
}

using V = std::vector<std::string>;
using C = std::vector<uint32_t>;

}  // namespace

TEST_CASE("merge: empty leaves are merged and freed, redo gives the same pages (4 KiB)") { runMerges(4096, 0); }
TEST_CASE("merge: empty leaves are merged and freed, redo gives the same pages (16 KiB)") { runMerges(16384, 0); }
TEST_CASE("merge: three levels, separators change up the tree (4 KiB, long keys)") { runMerges(4096, 300); }

TEST_CASE("merge page operations: full right merge") {
  Pages p = buildPages();
  const std::vector<uint8_t> sourceBefore = p.source;
  const MergeRecord leaf = leafRecord(MergeType::FullRight, 0, merge_flag::kEmptyPage, "");
  NodePage right{MutableBytes(p.right.data(), p.right.size())};
  REQUIRE(applyMergeToDestinationPage(right, leaf, sourceBefore).isOk());
  NodePage source{MutableBytes(p.source.data(), p.source.size())};
  REQUIRE(applyMergeToSourcePage(source, leaf).isOk());
  NodePage left{MutableBytes(p.left.data(), p.left.size())};
  REQUIRE(applyMergeToLeftPage(left, leaf).isOk());
  REQUIRE(applyMergeToRightPage(right, leaf).isOk());
  NodePage parent{MutableBytes(p.parent.data(), p.parent.size())};
  const MergeRecord level = levelRecord(1, merge_flag::kDeleteNode);
  REQUIRE(applyMergeToInternalPage(parent, level, &leaf).isOk());
  CHECK(keysOf(p.right) == V{"m1", "m2", "m4", "m5", "x", "y"});  // the flag-deleted m3 is dropped
  CHECK(source.nodeCount() == 0);
  CHECK((source.flags() & page::flag::Empty) != 0);
  CHECK(left.next() == 11);
  CHECK(right.previous() == 9);
  CHECK(childrenOf(p.parent) == C{9, 11, 12});
  CHECK(keysOf(p.parent) == V{"c", "z", ""});
  for (const NodePage* page : {&right, &source, &left, &parent}) CHECK(page->dbtime() == 200);
}

TEST_CASE("merge page operations: partial right merge changes the parent separator") {
  Pages p = buildPages();
  const std::vector<uint8_t> sourceBefore = p.source;
  const MergeRecord leaf = leafRecord(MergeType::PartialRight, 3, 0, "m4");
  NodePage right{MutableBytes(p.right.data(), p.right.size())};
  REQUIRE(applyMergeToDestinationPage(right, leaf, sourceBefore).isOk());
  NodePage source{MutableBytes(p.source.data(), p.source.size())};
  REQUIRE(applyMergeToSourcePage(source, leaf).isOk());
  NodePage left{MutableBytes(p.left.data(), p.left.size())};
  REQUIRE(applyMergeToLeftPage(left, leaf).isOk());
  NodePage parent{MutableBytes(p.parent.data(), p.parent.size())};
  REQUIRE(applyMergeToInternalPage(parent, levelRecord(1, merge_flag::kKeyChange), &leaf).isOk());
  CHECK(keysOf(p.right) == V{"m4", "m5", "x", "y"});
  CHECK(keysOf(p.source) == V{"m1", "m2", "m3"});
  CHECK((source.flags() & page::flag::Empty) == 0);
  CHECK(left.next() == 10);  // partial merges keep the siblings
  CHECK(keysOf(p.parent) == V{"c", "m4", "z", ""});
  CHECK(childrenOf(p.parent) == C{9, 10, 11, 12});
  // Without the leaf record a key change cannot be redone.
  Pages q = buildPages();
  NodePage alone{MutableBytes(q.parent.data(), q.parent.size())};
  CHECK(applyMergeToInternalPage(alone, levelRecord(1, merge_flag::kKeyChange), nullptr).code() ==
        JetError::DatabaseCorrupted);
}

TEST_CASE("merge page operations: full and partial left merges") {
  {
    Pages p = buildPages();
    const std::vector<uint8_t> sourceBefore = p.source;
    const MergeRecord leaf = leafRecord(MergeType::FullLeft, 4, merge_flag::kEmptyPage, "");
    NodePage left{MutableBytes(p.left.data(), p.left.size())};
    REQUIRE(applyMergeToDestinationPage(left, leaf, sourceBefore).isOk());
    NodePage source{MutableBytes(p.source.data(), p.source.size())};
    REQUIRE(applyMergeToSourcePage(source, leaf).isOk());
    REQUIRE(applyMergeToLeftPage(left, leaf).isOk());
    NodePage parent{MutableBytes(p.parent.data(), p.parent.size())};
    REQUIRE(applyMergeToInternalPage(parent, levelRecord(1, merge_flag::kKeyChange | merge_flag::kDeleteNode), &leaf)
                .isOk());
    CHECK(keysOf(p.left) == V{"a", "b", "m1", "m2", "m4", "m5"});
    CHECK(left.next() == 11);
    // The merged page's pointer now points to the left page; the left's goes.
    CHECK(keysOf(p.parent) == V{"n", "z", ""});
    CHECK(childrenOf(p.parent) == C{9, 11, 12});
  }
  {
    Pages p = buildPages();
    const std::vector<uint8_t> sourceBefore = p.source;
    const MergeRecord leaf = leafRecord(MergeType::PartialLeft, 1, 0, "m2");
    NodePage left{MutableBytes(p.left.data(), p.left.size())};
    REQUIRE(applyMergeToDestinationPage(left, leaf, sourceBefore).isOk());
    NodePage source{MutableBytes(p.source.data(), p.source.size())};
    REQUIRE(applyMergeToSourcePage(source, leaf).isOk());
    NodePage parent{MutableBytes(p.parent.data(), p.parent.size())};
    REQUIRE(applyMergeToInternalPage(parent, levelRecord(1, merge_flag::kKeyChange), &leaf).isOk());
    CHECK(keysOf(p.left) == V{"a", "b", "m1", "m2"});
    CHECK(keysOf(p.source) == V{"m3", "m4", "m5"});
    CHECK(keysOf(p.parent) == V{"m2", "n", "z", ""});  // the left page's separator
  }
}

TEST_CASE("merge page operations: deleting the +infinity pointer, emptying an internal page, bad input") {
  Pages p = buildPages();
  NodePage parent{MutableBytes(p.parent.data(), p.parent.size())};
  REQUIRE(applyMergeToInternalPage(parent, levelRecord(3, merge_flag::kDeleteNode), nullptr).isOk());
  CHECK(keysOf(p.parent) == V{"c", "n", ""});
  CHECK(childrenOf(p.parent) == C{9, 10, 11});
  REQUIRE(applyMergeToInternalPage(parent, levelRecord(0, merge_flag::kEmptyPage), nullptr).isOk());
  CHECK(parent.nodeCount() == 0);
  CHECK((parent.flags() & page::flag::Empty) != 0);
  Pages q = buildPages();
  NodePage other{MutableBytes(q.parent.data(), q.parent.size())};
  CHECK(applyMergeToInternalPage(other, levelRecord(7, merge_flag::kDeleteNode), nullptr).code() ==
        JetError::DatabaseCorrupted);
  NodePage right{MutableBytes(q.right.data(), q.right.size())};
  const MergeRecord bad = leafRecord(MergeType::PartialRight, 9, 0, "x");
  CHECK(applyMergeToDestinationPage(right, bad, q.source).code() == JetError::DatabaseCorrupted);
  CHECK(applyMergeToDestinationPage(right, leafRecord(MergeType::EmptyPage, 0, 4, ""), q.source).code() ==
        JetError::DatabaseCorrupted);
}

TEST_CASE("merge: esedbexport reads an instance database after merges") {
  const auto dir = esekit::test::tempDir("engine-merge-interop");
  const auto database = dir / "merged.edb";
  engine::InstanceOptions options;
  options.logDirectory = dir / "logs";
  options.pageSize = 8192;
  options.logFileSize = 256 * 1024;
  options.defaultDurability = engine::Durability::Lazy;
  std::map<Key, std::vector<uint8_t>, KeyLess> rows;
  {
    auto instance = engine::Instance::open(options);
    REQUIRE_MESSAGE(instance.isOk(), instance.status().toString());
    auto db = (*instance)->createDatabase(database);
    REQUIRE_MESSAGE(db.isOk(), db.status().toString());
    auto table = db->createTable("Data");
    REQUIRE(table.isOk());
    auto session = (*instance)->beginSession();
    REQUIRE(session.isOk());
    engine::Session& s = **session;
    for (uint32_t batch = 0; batch < 4; ++batch) {
      REQUIRE(s.begin().isOk());
      for (uint32_t i = batch * 1000; i < (batch + 1) * 1000; ++i) {
        const std::vector<uint8_t> value(150, static_cast<uint8_t>(i));
        REQUIRE(s.insert(*table, keyOf(i), value).isOk());
        rows[keyOf(i)] = value;
      }
      REQUIRE(s.commit().isOk());
    }
    REQUIRE(s.begin().isOk());
    for (uint32_t i = 200; i < 3500; ++i) {
      if (i % 50 == 0) continue;  // a few survivors keep some leaves
      REQUIRE(s.erase(*table, keyOf(i)).isOk());
      rows.erase(keyOf(i));
    }
    REQUIRE(s.commit(engine::Durability::Durable).isOk());
    session->reset();
    REQUIRE((*instance)->shutdown().isOk());
  }
  if (!esekit::test::readers::esedbexportAvailable()) {
    esekit::test::readers::readerMissing("esedbexport");
    return;
  }
  auto tables = esekit::test::readers::exportDatabase(database);
  const std::vector<std::string>& lines = tables["Data"];
  REQUIRE(!lines.empty());
  CHECK(lines[0] == "Key\tValue");
  CHECK(lines.size() == rows.size() + 1);
  size_t i = 1, mismatches = 0;
  for (const auto& [key, value] : rows) {
    if (i >= lines.size()) break;
    const std::string expected = esekit::test::hexOf(Bytes(key)) + "\t" + esekit::test::hexOf(Bytes(value));
    if (lines[i] != expected && ++mismatches <= 3) MESSAGE("row " << i << ": " << lines[i].substr(0, 80));
    ++i;
  }
  CHECK(mismatches == 0);
}

TEST_CASE("merge: crash recovery replays the merges of committed deletes") {
  const auto dir = esekit::test::tempDir("engine-merge-crash");
  const auto database = dir / "crashed.edb";
  engine::InstanceOptions options;
  options.logDirectory = dir / "logs";
  options.pageSize = 4096;
  options.logFileSize = 256 * 1024;
  options.defaultDurability = engine::Durability::Durable;
  std::map<Key, std::vector<uint8_t>, KeyLess> rows;
  for (uint32_t i = 0; i < 2500; ++i)
    if (i < 100 || (i >= 1700 && i % 3 != 0) || i >= 2400) rows[keyOf(i)] = std::vector<uint8_t>(90, static_cast<uint8_t>(i));
  // The child loads, deletes ranges (merges) with durable commits, and dies
  // without shutting down: the database file never saw the merges.
  const int code = esekit::test::runInChild([&]() -> int {
    auto instance = engine::Instance::open(options);
    if (!instance.isOk()) esekit::test::childFail(instance.status().toString());
    auto db = (*instance)->createDatabase(database);
    if (!db.isOk()) esekit::test::childFail(db.status().toString());
    auto table = db->createTable("Data");
    if (!table.isOk()) esekit::test::childFail(table.status().toString());
    auto session = (*instance)->beginSession();
    if (!session.isOk()) esekit::test::childFail(session.status().toString());
    engine::Session& s = **session;
    for (uint32_t batch = 0; batch < 5; ++batch) {
      if (!s.begin().isOk()) esekit::test::childFail("begin");
      for (uint32_t i = batch * 500; i < (batch + 1) * 500; ++i)
        if (!s.insert(*table, keyOf(i), std::vector<uint8_t>(90, static_cast<uint8_t>(i))).isOk())
          esekit::test::childFail("insert");
      if (!s.commit().isOk()) esekit::test::childFail("commit");
    }
    for (uint32_t i = 100; i < 2400; ++i) {
      if (i >= 1700 && i % 3 != 0) continue;
      if (!s.begin().isOk() || !s.erase(*table, keyOf(i)).isOk() || !s.commit().isOk())
        esekit::test::childFail("erase " + std::to_string(i));
    }
    std::fflush(nullptr);
    ::_exit(0);  // no shutdown, no destructors
  });
  REQUIRE(code == 0);
  auto instance = engine::Instance::open(options);
  REQUIRE_MESSAGE(instance.isOk(), instance.status().toString());
  const engine::RecoveryReport& report = (*instance)->recovery();
  MESSAGE("recovery ran " << report.ran << ", records " << report.recordsReplayed << ", pages redone " << report.pagesRedone
                          << ", skipped " << report.pagesSkipped);
  CHECK(report.ran);
  auto db = (*instance)->database(database);
  if (!db.isOk()) db = (*instance)->attachDatabase(database);
  REQUIRE_MESSAGE(db.isOk(), db.status().toString());
  auto table = db->openTable("Data");
  REQUIRE(table.isOk());
  auto session = (*instance)->beginSession();
  REQUIRE(session.isOk());
  auto read = esekit::test::readTable(**session, *table);
  REQUIRE_MESSAGE(read.isOk(), read.status().toString());
  REQUIRE(read->size() == rows.size());
  size_t i = 0;
  for (const auto& [key, value] : rows) {
    CHECK(same((*read)[i].first, key));
    CHECK(same((*read)[i].second, value));
    ++i;
  }
  session->reset();
  REQUIRE((*instance)->shutdown().isOk());
  const auto integrity = integrity::checkIntegrity(esekit::test::readFile(database));
  REQUIRE(integrity.isOk());
  for (const auto& problem : integrity->problems)
    if (problem.severity == integrity::Severity::Error) MESSAGE(problem.toString());
  CHECK(integrity->errors == 0);
}
