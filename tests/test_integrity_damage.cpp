// Surgical damage to real databases, each page re-checksummed so that only
// the integrity check (not page verification) can notice: every damage must
// be reported as an error on the right page with a message naming it.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "corpus.h"
#include "esekit/format/checksum.h"
#include "esekit/format/integrity.h"
#include "esekit/format/page.h"
#include "esekit/format/record.h"
#include "esekit/format/table.h"

using namespace esekit;
using namespace esekit::integrity;

namespace {

struct Db {
  std::vector<uint8_t> bytes;
  uint32_t pageSize = 0;

  MutableBytes page(uint32_t pgno) { return MutableBytes(bytes).subspan((size_t{pgno} + 1) * pageSize, pageSize); }
  page::PageView view(uint32_t pgno) {
    auto parsed = page::parsePage(page(pgno));
    REQUIRE(parsed.isOk());
    return *parsed;
  }
  // Page-absolute offset of bytes inside page `pgno`.
  size_t offsetIn(uint32_t pgno, Bytes inside) { return static_cast<size_t>(inside.data() - page(pgno).data()); }
  void reseal(uint32_t pgno) { checksum::setPageChecksum(page(pgno), pgno); }
  table::DatabaseImage image() const { return {bytes, pageSize}; }
  uint32_t childOf(uint32_t pgno, size_t node) {
    const page::PageView v = view(pgno);
    REQUIRE(v.internal());
    REQUIRE(node < v.nodes.size());
    return loadLittleEndian<uint32_t>(v.nodes[node].data.data());
  }
};

std::optional<Db> load(const std::string& relative) {
  auto path = test::corpusFile(relative);
  if (!path) return std::nullopt;
  Db db;
  db.bytes = test::readFile(test::gunzipped(*path));
  db.pageSize = loadLittleEndian<uint32_t>(db.bytes.data() + 236);
  return db;
}

IntegrityReport run(const Db& db) {
  auto report = checkIntegrity(db.bytes);
  REQUIRE_MESSAGE(report.isOk(), report.status().toString());
  return std::move(*report);
}

std::string listProblems(const IntegrityReport& report) {
  std::string text;
  for (size_t i = 0; i < report.problems.size() && i < 25; ++i) text += "\n  " + report.problems[i].toString();
  return text;
}

// The error on `pgno` whose message contains `text`, if any.
const Problem* findError(const IntegrityReport& report, uint32_t pgno, const std::string& text) {
  for (const Problem& p : report.problems)
    if (p.severity == Severity::Error && p.page == pgno && p.message.find(text) != std::string::npos) return &p;
  return nullptr;
}

void expectError(const IntegrityReport& report, uint32_t pgno, const std::string& text) {
  CHECK_MESSAGE(!report.ok(), "damage not detected");
  CHECK_MESSAGE(findError(report, pgno, text) != nullptr,
                "no error on page " << pgno << " mentioning '" << text << "'; got:" << listProblems(report));
}

const uint32_t kCatalogRoot = 4;

}  // namespace

TEST_CASE("the undamaged databases used below are clean") {
  for (const char* name : {"dissect-esedb/basic.edb", "dissect-esedb/text.edb"}) {
    auto db = load(name);
    if (!db) return;
    const IntegrityReport report = run(*db);
    CHECK_MESSAGE(report.errors == 0, name << listProblems(report));
    CHECK(report.warnings == 0);
  }
}

TEST_CASE("two swapped keys on a leaf") {
  auto db = load("dissect-esedb/basic.edb");
  if (!db) return;
  const uint32_t leaf = db->childOf(kCatalogRoot, 0);
  page::PageView v = db->view(leaf);
  REQUIRE(v.nodes.size() >= 4);
  // Swap the tag entries of nodes 1 and 2: the nodes trade places.
  const uint16_t tagA = v.nodes[1].tag, tagB = v.nodes[2].tag;
  MutableBytes p = db->page(leaf);
  uint8_t a[4], b[4];
  std::memcpy(a, p.data() + page::Tag::entryOffset(db->pageSize, tagA), 4);
  std::memcpy(b, p.data() + page::Tag::entryOffset(db->pageSize, tagB), 4);
  std::memcpy(p.data() + page::Tag::entryOffset(db->pageSize, tagA), b, 4);
  std::memcpy(p.data() + page::Tag::entryOffset(db->pageSize, tagB), a, 4);
  db->reseal(leaf);
  const IntegrityReport report = run(*db);
  expectError(report, leaf, "sorts before the previous key");
  const Problem* problem = findError(report, leaf, "sorts before the previous key");
  REQUIRE(problem != nullptr);
  CHECK(problem->node == 2);
  CHECK(problem->tree == "table MSysObjects");
}

TEST_CASE("a broken leaf sibling link") {
  auto db = load("dissect-esedb/basic.edb");
  if (!db) return;
  const uint32_t first = db->childOf(kCatalogRoot, 0);
  const uint32_t second = db->childOf(kCatalogRoot, 1);
  REQUIRE(db->view(first).header.nextPage == second);
  MutableBytes p = db->page(first);
  const uint32_t wrong = second + 7;
  std::memcpy(p.data() + 20, &wrong, 4);  // pgnoNext, page-format.md §2.1
  db->reseal(first);
  const IntegrityReport report = run(*db);
  expectError(report, first, "pgnoNext is " + std::to_string(wrong) + ", expected " + std::to_string(second));
}

TEST_CASE("an internal node pointing at a page of another tree") {
  auto db = load("dissect-esedb/basic.edb");
  if (!db) return;
  auto catalog = table::readCatalog(db->image());
  REQUIRE(catalog.isOk());
  const table::Table* basic = catalog->find("basic");
  REQUIRE(basic != nullptr);
  const uint32_t foreign = basic->rootPage;
  page::PageView root = db->view(kCatalogRoot);
  const size_t at = db->offsetIn(kCatalogRoot, root.nodes[0].data);
  std::memcpy(db->page(kCatalogRoot).data() + at, &foreign, 4);
  db->reseal(kCatalogRoot);
  const IntegrityReport report = run(*db);
  expectError(report, foreign, "belongs to object " + std::to_string(basic->objectId));
}

TEST_CASE("two overlapping tags") {
  auto db = load("dissect-esedb/basic.edb");
  if (!db) return;
  const uint32_t leaf = db->childOf(kCatalogRoot, 0);
  page::PageView v = db->view(leaf);
  REQUIRE(v.tags.size() >= 4);
  // Tag 3 now names exactly tag 2's line: both nodes decode, the lines overlap.
  page::Tag moved = v.tags[2];
  moved.index = 3;
  page::writeTag(db->page(leaf), moved);
  db->reseal(leaf);
  const IntegrityReport report = run(*db);
  expectError(report, leaf, "overlaps");
}

TEST_CASE("a wrong cbFree") {
  auto db = load("dissect-esedb/basic.edb");
  if (!db) return;
  const uint32_t leaf = db->childOf(kCatalogRoot, 1);
  MutableBytes p = db->page(leaf);
  const uint16_t freeBytes = static_cast<uint16_t>(loadLittleEndian<uint16_t>(p.data() + 28) - 8);
  std::memcpy(p.data() + 28, &freeBytes, 2);
  db->reseal(leaf);
  const IntegrityReport report = run(*db);
  expectError(report, leaf, "cbFree");
}

TEST_CASE("an AE extent outside the OE") {
  auto db = load("dissect-esedb/basic.edb");
  if (!db) return;
  // MSysObjects: OE (23, 20) = 4-23, AE (23, 5) = 19-23 (space-trees.md §4).
  // Rewrite the AE key to 30: extent 26-30, pages of MSysObjectsShadow and beyond.
  const uint32_t aeRoot = 6;
  page::PageView ae = db->view(aeRoot);
  REQUIRE(ae.header.has(page::flag::SpaceTree));
  REQUIRE(ae.nodes.size() == 1);
  REQUIRE(ae.nodes[0].key() == std::vector<uint8_t>{0, 0, 0, 23});
  REQUIRE(!ae.nodes[0].suffix.empty());
  const size_t lastByte = db->offsetIn(aeRoot, ae.nodes[0].suffix) + ae.nodes[0].suffix.size() - 1;
  db->page(aeRoot)[lastByte] = 30;
  db->reseal(aeRoot);
  const IntegrityReport report = run(*db);
  expectError(report, 26, "AE must be within OE");
  CHECK(findError(report, 26, "available extent 26-30")->tree == "table MSysObjects");
}

TEST_CASE("a table row whose FDP page belongs to a different object") {
  auto db = load("dissect-esedb/basic.edb");
  if (!db) return;
  auto catalog = table::readCatalog(db->image());
  REQUIRE(catalog.isOk());
  const table::Table* objids = catalog->find("MSysObjids");
  REQUIRE(objids != nullptr);
  // Find the table row of "basic" in the catalog leaves and point its
  // ColtypOrPgnoFDP (fixed FID 4 at record offset 14, records-and-catalog.md §5.2) at MSysObjids' root.
  bool patched = false;
  for (uint32_t leafIndex = 0; leafIndex < 2 && !patched; ++leafIndex) {
    const uint32_t leaf = db->childOf(kCatalogRoot, leafIndex);
    page::PageView v = db->view(leaf);
    for (const page::Node& node : v.nodes) {
      auto row = record::parseRecord(node.data, false);
      REQUIRE(row.isOk());
      auto type = row->fixed(2, 8, 2);
      auto name = row->variable(128);
      if (!type || loadLittleEndian<uint16_t>(type->data()) != 1 || !name) continue;
      if (std::string(name->begin(), name->end()) != "basic") continue;
      const size_t at = db->offsetIn(leaf, node.data) + 14;
      std::memcpy(db->page(leaf).data() + at, &objids->rootPage, 4);
      db->reseal(leaf);
      patched = true;
      break;
    }
  }
  REQUIRE(patched);
  const IntegrityReport report = run(*db);
  expectError(report, objids->rootPage, "belongs to object " + std::to_string(objids->objectId));
  const Problem* problem = findError(report, objids->rootPage, "belongs to object");
  REQUIRE(problem != nullptr);
  CHECK(problem->tree == "table basic");
}

TEST_CASE("a long-value reference to a missing LV") {
  auto db = load("dissect-esedb/text.edb");
  if (!db) return;
  auto catalog = table::readCatalog(db->image());
  REQUIRE(catalog.isOk());
  // The first separated value of any table with an LV tree: rewrite its LID.
  uint32_t damagedPage = 0;
  int damagedNode = -1;
  std::string tableName;
  for (const table::Table& t : catalog->tables) {
    if (t.longValueRoot == 0 || damagedPage != 0) continue;
    Status walked = table::walkLeaves(db->image(), t.rootPage, t.objectId, [&](const page::Node& node, uint32_t pgno) {
      if (damagedPage != 0 || node.deleted()) return Status::ok();
      auto row = record::parseRecord(node.data, false);
      REQUIRE(row.isOk());
      for (const record::TaggedColumn& column : row->tagged()) {
        auto instances = record::taggedInstances(column);
        REQUIRE(instances.isOk());
        for (const record::TaggedInstance& instance : *instances) {
          if (!instance.separated || instance.data.size() != 4) continue;
          damagedPage = pgno;
          const page::PageView v = db->view(pgno);
          for (size_t i = 0; i < v.nodes.size(); ++i)
            if (v.nodes[i].tag == node.tag) damagedNode = static_cast<int>(i);
          const uint32_t missing = 0x00ABCDEF;
          std::memcpy(db->page(pgno).data() + db->offsetIn(pgno, instance.data), &missing, 4);
          tableName = t.name;
          return Status::ok();
        }
      }
      return Status::ok();
    });
    REQUIRE(walked.isOk());
  }
  REQUIRE(damagedPage != 0);
  db->reseal(damagedPage);
  const IntegrityReport report = run(*db);
  expectError(report, damagedPage, "long value 0x00abcdef, which is not in the LV tree");
  const Problem* problem = findError(report, damagedPage, "not in the LV tree");
  REQUIRE(problem != nullptr);
  CHECK(problem->node == damagedNode);
  CHECK(problem->tree == "table " + tableName);
}

TEST_CASE("stopAtFirst ends the check at the first error") {
  auto db = load("dissect-esedb/basic.edb");
  if (!db) return;
  const uint32_t leaf = db->childOf(kCatalogRoot, 1);
  MutableBytes p = db->page(leaf);
  p[28] ^= 0x10;  // cbFree
  db->reseal(leaf);
  IntegrityOptions options;
  options.stopAtFirst = true;
  auto report = checkIntegrity(db->bytes, options);
  REQUIRE(report.isOk());
  CHECK(report->errors == 1);
  CHECK(report->stoppedEarly);
}

TEST_CASE("images that cannot be checked at all fail with a status") {
  std::vector<uint8_t> zeros(3 * 4096, 0);
  CHECK(!checkIntegrity(zeros).isOk());
  CHECK(!checkIntegrity(Bytes{}).isOk());
  auto db = load("dissect-esedb/basic.edb");
  if (!db) return;
  // Header and shadow only.
  CHECK(!checkIntegrity(Bytes(db->bytes).first(2 * 4096)).isOk());
  // Truncated after a few pages: an error report, not a crash.
  auto truncated = checkIntegrity(Bytes(db->bytes).first(12 * 4096));
  REQUIRE(truncated.isOk());
  CHECK(truncated->errors > 0);
}
