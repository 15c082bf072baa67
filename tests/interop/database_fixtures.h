// Shared by the tests/test_engine_database_writer*.cpp programs: deterministic
// row sets for the bulk writer, reading a written database back through the
// format readers, and the space-accounting check of space-trees.md §7.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "esekit/engine/database_writer.h"
#include "esekit/engine/key_normalization.h"
#include "esekit/format/page.h"
#include "esekit/format/table.h"

namespace esekit::test {

inline constexpr uint32_t kAllPageSizes[] = {4096, 8192, 16384, 32768};

// memcmp order, shorter first; also sidesteps a GCC 12 -Wstringop-overread
// false positive in std::vector's operator<=>.
struct ByteOrder {
  bool operator()(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) const {
    return engine::keys::compare(a, b) < 0;
  }
};

// splitmix64: the same sequence on every platform (std distributions are not).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t bound) { return static_cast<uint32_t>(next() % bound); }
  void fill(std::vector<uint8_t>& bytes) {
    for (auto& b : bytes) b = static_cast<uint8_t>(next());
  }

 private:
  uint64_t state_;
};

// A table's rows with the storage they point into.
struct GeneratedTable {
  std::string name;
  std::vector<std::vector<uint8_t>> keys;
  std::vector<std::vector<uint8_t>> values;
  std::vector<bool> isNull;
  std::vector<engine::TableRow> rows;

  engine::TableContents contents() const { return {name, rows}; }
  size_t size() const { return keys.size(); }
};

struct RowShape {
  uint32_t maxKey = 255;             // keys of 1..maxKey random bytes
  uint32_t largeEvery = 50;          // every n-th row gets a separated value (0: none)
  uint32_t largeMax = 20000;         // separated values of 1024..largeMax bytes
  std::vector<uint32_t> hugeValues;  // sizes given to the first rows (e.g. 2 MiB)
  uint32_t nullEvery = 97;           // every n-th row has a NULL Value (0: none)
  bool boundaryValues = true;        // some values of exactly 1023 and 1024 bytes
};

// `count` rows with unique random keys in ascending order and values from 0
// bytes up: mostly small intrinsic ones, zero-length ones, exactly 1023 and
// 1024 bytes (the intrinsic/separated boundary), separated ones, NULLs.
inline GeneratedTable generateTable(const std::string& name, size_t count, uint64_t seed, const RowShape& shape = {}) {
  Random random(seed);
  GeneratedTable t;
  t.name = name;
  std::set<std::vector<uint8_t>, ByteOrder> keys;  // the order the writer requires of row keys
  while (keys.size() < count) {
    std::vector<uint8_t> key(1 + random.below(shape.maxKey));
    random.fill(key);
    keys.insert(std::move(key));
  }
  t.keys.assign(keys.begin(), keys.end());
  for (size_t i = 0; i < count; ++i) {
    size_t size;
    if (i < shape.hugeValues.size()) size = shape.hugeValues[i];
    else if (i % 13 == 5) size = 0;
    else if (shape.boundaryValues && i % 101 == 7) size = 1023;
    else if (shape.boundaryValues && i % 101 == 8) size = 1024;
    else if (shape.largeEvery != 0 && i % shape.largeEvery == 3) size = 1024 + random.below(shape.largeMax - 1024);
    else size = random.below(300);
    std::vector<uint8_t> value(size);
    random.fill(value);
    t.values.push_back(std::move(value));
    t.isNull.push_back(shape.nullEvery != 0 && i % shape.nullEvery == 11 && i >= shape.hugeValues.size());
  }
  for (size_t i = 0; i < count; ++i) {
    engine::TableRow row{t.keys[i], std::nullopt};
    if (!t.isNull[i]) row.value = Bytes(t.values[i]);
    t.rows.push_back(row);
  }
  return t;
}

inline std::string hexOf(Bytes bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

// Compares the rows of `tableName` read with the format readers (readCatalog
// + forEachRow, long values resolved) with `expected`; returns the rows seen.
inline size_t checkRowsWithFormatReader(const std::vector<uint8_t>& file, uint32_t pageSize, const GeneratedTable& expected) {
  table::DatabaseImage image{file, pageSize};
  auto catalog = table::readCatalog(image);
  REQUIRE_MESSAGE(catalog.isOk(), catalog.status().toString());
  const table::Table* t = catalog->find(expected.name);
  REQUIRE(t != nullptr);
  size_t index = 0;
  size_t mismatches = 0;
  const Status status = table::forEachRow(image, *t, [&](const table::Row& row) -> Status {
    if (index >= expected.size()) {
      ++mismatches;
      ++index;
      return Status::ok();
    }
    const table::ColumnValue* key = row.find(128);
    const table::ColumnValue* value = row.find(256);
    const bool keyOk = key != nullptr && key->instances.size() == 1 && key->instances[0] == expected.keys[index];
    bool valueOk;
    if (expected.isNull[index]) valueOk = value == nullptr;
    else valueOk = value != nullptr && value->instances.size() == 1 && value->instances[0] == expected.values[index];
    if (!keyOk || !valueOk) {
      if (mismatches < 5) MESSAGE("row " << index << " differs (key ok " << keyOk << ", value ok " << valueOk << ")");
      ++mismatches;
    }
    ++index;
    return Status::ok();
  });
  CHECK_MESSAGE(status.isOk(), status.toString());
  CHECK(index == expected.size());
  CHECK(mismatches == 0);
  return index;
}

// ---- space accounting (space-trees.md §7) ----------------------------------

struct SpaceReport {
  std::set<uint32_t> databasePages;  // owned by the database root
  std::set<uint32_t> available;      // AE extents + bitmap pages of every FDP
  std::set<uint32_t> reachable;      // every page of every B-tree, space trees and pages 1-3 included
  std::vector<std::string> problems;
};

namespace detail {

inline void addExtents(std::set<uint32_t>& pages, const table::DatabaseImage& image, uint32_t root, uint32_t objid,
                       std::vector<std::string>& problems) {
  const Status s = table::walkLeaves(image, root, objid, [&](const page::Node& node, uint32_t) -> Status {
    const std::vector<uint8_t> key = node.key();
    if (key.size() != 4 || node.data.size() != 4) return Status(JetError::DatabaseCorrupted, "space node size");
    const uint32_t last = (uint32_t{key[0]} << 24) | (uint32_t{key[1]} << 16) | (uint32_t{key[2]} << 8) | key[3];
    const uint32_t count = loadLittleEndian<uint32_t>(node.data.data());
    for (uint32_t p = last - count + 1; p <= last; ++p) pages.insert(p);
    return Status::ok();
  });
  if (!s.isOk()) problems.push_back("space tree " + std::to_string(root) + ": " + s.toString());
}

// Every page of the tree at `root` (internal pages included).
inline void collectTree(std::set<uint32_t>& pages, const table::DatabaseImage& image, uint32_t pgno, uint32_t objid,
                        int depth, std::vector<std::string>& problems) {
  if (depth > 32 || !pages.insert(pgno).second) {
    problems.push_back("page " + std::to_string(pgno) + " reached twice or too deep");
    return;
  }
  auto bytes = image.page(pgno);
  if (!bytes) {
    problems.push_back(bytes.status().toString());
    return;
  }
  auto view = page::parsePage(*bytes);
  if (!view) {
    problems.push_back(view.status().toString());
    return;
  }
  if (view->header.objectId != objid) problems.push_back("page " + std::to_string(pgno) + " has the wrong objid");
  if (view->header.has(page::flag::Leaf)) return;
  for (const page::Node& node : view->nodes)
    collectTree(pages, image, loadLittleEndian<uint32_t>(node.data.data()), objid, depth + 1, problems);
}

}  // namespace detail

// Reads every FDP of the catalog (database root, catalog + shadow, tables,
// secondary indexes, LV trees): owned/available pages from its SPACE_HEADER
// and OE/AE trees, and the pages its trees reach.
inline SpaceReport accountSpace(const std::vector<uint8_t>& file, uint32_t pageSize) {
  SpaceReport report;
  table::DatabaseImage image{file, pageSize};
  auto catalog = table::readCatalog(image);
  if (!catalog) {
    report.problems.push_back(catalog.status().toString());
    return report;
  }
  struct FdpRef { uint32_t pgno, objid; };
  std::vector<FdpRef> fdps{{1, 1}};
  for (const table::Table& t : catalog->tables) {
    fdps.push_back({t.rootPage, t.objectId});
    for (const table::Index& ix : t.indexes)
      if (ix.rootPage != t.rootPage) fdps.push_back({ix.rootPage, ix.objectId});
    if (t.longValueRoot != 0) fdps.push_back({t.longValueRoot, t.longValueObjectId});
  }
  for (const FdpRef& fdp : fdps) {
    auto bytes = image.page(fdp.pgno);
    if (!bytes) {
      report.problems.push_back(bytes.status().toString());
      continue;
    }
    auto view = page::parsePage(*bytes);
    if (!view || view->externalHeader().size() != 16) {
      report.problems.push_back("FDP " + std::to_string(fdp.pgno) + ": no 16-byte SPACE_HEADER");
      continue;
    }
    const Bytes header = view->externalHeader();
    const uint32_t primary = loadLittleEndian<uint32_t>(header.data());
    const bool multiple = header[8] & 1;
    const uint32_t last = loadLittleEndian<uint32_t>(header.data() + 12);
    std::set<uint32_t> owned;
    if (multiple) {
      detail::addExtents(owned, image, last, fdp.objid, report.problems);
      detail::addExtents(report.available, image, last + 1, fdp.objid, report.problems);
      report.reachable.insert(last);
      report.reachable.insert(last + 1);
    } else {
      for (uint32_t i = 0; i < 32; ++i)
        if ((last >> i) & 1) report.available.insert(fdp.pgno + 1 + i);
      for (uint32_t p = fdp.pgno; p < fdp.pgno + primary; ++p) owned.insert(p);
    }
    if (fdp.pgno == 1) report.databasePages = owned;
    detail::collectTree(report.reachable, image, fdp.pgno, fdp.objid, 0, report.problems);
  }
  return report;
}

// Pages in use per the space data (database pages minus available) must be
// exactly the reachable pages, and the file must end with the last database page.
inline void checkSpace(const std::vector<uint8_t>& file, uint32_t pageSize) {
  const SpaceReport space = accountSpace(file, pageSize);
  for (size_t i = 0; i < std::min<size_t>(space.problems.size(), 5); ++i) MESSAGE(space.problems[i]);
  CHECK(space.problems.empty());
  REQUIRE(!space.databasePages.empty());
  std::set<uint32_t> inUse;
  std::set_difference(space.databasePages.begin(), space.databasePages.end(), space.available.begin(),
                      space.available.end(), std::inserter(inUse, inUse.begin()));
  CHECK(inUse == space.reachable);
  CHECK(std::includes(space.databasePages.begin(), space.databasePages.end(), space.available.begin(), space.available.end()));
  CHECK(*space.databasePages.begin() == 1);
  CHECK(*space.databasePages.rbegin() == space.databasePages.size());  // no holes
  CHECK(file.size() == (uint64_t{space.databasePages.size()} + 2) * pageSize);
}

}  // namespace esekit::test
