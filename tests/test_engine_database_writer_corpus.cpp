// What the writer puts into a new database, compared byte for byte with what
// esent.dll wrote into real databases of the corpus: the catalog rows of the
// system tables, MSysObjids, MSysLocales, the catalog's index entries, the
// space headers and owned-extent trees of the system FDPs, and the header.
#include <doctest/doctest.h>

#include <map>

#include "corpus.h"
#include "esekit/engine/database_writer.h"
#include "esekit/format/database_header.h"
#include "esekit/format/page.h"
#include "esekit/format/table.h"
#include "interop/database_fixtures.h"

using namespace esekit;

namespace {

using NodeMap = std::map<std::vector<uint8_t>, std::vector<uint8_t>, test::ByteOrder>;

// Leaf nodes of a B-tree (key -> data), optionally only those `keep` accepts.
NodeMap leafNodes(const table::DatabaseImage& image, uint32_t root, uint32_t objid,
                  const std::function<bool(const std::vector<uint8_t>& key, Bytes data)>& keep = {}) {
  NodeMap nodes;
  const Status s = table::walkLeaves(image, root, objid, [&](const page::Node& n, uint32_t) {
    std::vector<uint8_t> key = n.key();
    if (!keep || keep(key, n.data)) nodes.emplace(std::move(key), std::vector<uint8_t>(n.data.begin(), n.data.end()));
    return Status::ok();
  });
  REQUIRE_MESSAGE(s.isOk(), s.toString());
  return nodes;
}

// Catalog primary keys start 7F <objidTable BE ^ 0x80000000>.
uint32_t keyObjid(const std::vector<uint8_t>& key) {
  if (key.size() < 5) return 0;
  return ((uint32_t{key[1]} << 24) | (uint32_t{key[2]} << 16) | (uint32_t{key[3]} << 8) | key[4]) ^ 0x80000000u;
}

bool isSystemObject(uint32_t objid) { return objid == 2 || objid == 3 || objid == 6 || objid == 7; }

std::vector<uint8_t> writeEmpty(uint32_t pageSize) {
  engine::DatabaseWriterOptions o;
  o.pageSize = pageSize;
  auto written = engine::writeDatabase(o, {});
  REQUIRE_MESSAGE(written.isOk(), written.status().toString());
  return std::move(written->file);
}

struct CorpusCase {
  const char* path;
  uint32_t pageSize;
};

// Databases created by esent.dll with format 0x620/0x14 and the current
// layout (MSysObjids at 29, MSysLocales at 30, 28 catalog columns).
constexpr CorpusCase kCases[] = {
    {"dissect-esedb/basic.edb", 4096},
    {"ese_parser-stroz/decompress_test.edb", 8192},
    {"cortana-akarib/Indexed DB/IndexedDB.edb", 32768},
};

}  // namespace

TEST_CASE("system catalog rows and their Name/RootObjects entries equal esent.dll's, byte for byte") {
  for (const CorpusCase& c : kCases) {
    CAPTURE(c.path);
    auto path = test::corpusFile(c.path);
    if (!path) return;
    const std::vector<uint8_t> real = test::readFile(*path);
    const std::vector<uint8_t> ours = writeEmpty(c.pageSize);
    const table::DatabaseImage realImage{real, c.pageSize}, ourImage{ours, c.pageSize};
    auto system = [](const std::vector<uint8_t>& key, Bytes) { return isSystemObject(keyObjid(key)); };

    const NodeMap realRows = leafNodes(realImage, 4, 2, system);
    const NodeMap ourRows = leafNodes(ourImage, 4, 2);
    CHECK(realRows.size() == 72);
    CHECK(ourRows == realRows);
    CHECK(leafNodes(ourImage, 24, 3) == realRows);  // the shadow catalog

    // Index entries point at system rows through their bookmark (the data).
    auto systemBookmark = [](const std::vector<uint8_t>&, Bytes data) {
      return isSystemObject(keyObjid(std::vector<uint8_t>(data.begin(), data.end())));
    };
    CHECK(leafNodes(ourImage, 7, 4) == leafNodes(realImage, 7, 4, systemBookmark));
    CHECK(leafNodes(ourImage, 10, 5) == leafNodes(realImage, 10, 5, systemBookmark));
  }
}

TEST_CASE("MSysObjids and MSysLocales hold esent.dll's records for a new database") {
  for (const CorpusCase& c : kCases) {
    CAPTURE(c.path);
    auto path = test::corpusFile(c.path);
    if (!path) return;
    const std::vector<uint8_t> real = test::readFile(*path);
    const std::vector<uint8_t> ours = writeEmpty(c.pageSize);
    const table::DatabaseImage realImage{real, c.pageSize}, ourImage{ours, c.pageSize};
    // MSysObjids: one row per system B-tree 2..7 (user objects come later).
    const NodeMap realObjids = leafNodes(realImage, 29, 6, [](const std::vector<uint8_t>& key, Bytes) {
      const uint32_t objid = keyObjid(key);
      return objid >= 2 && objid <= 7;
    });
    CHECK(realObjids.size() == 6);
    CHECK(leafNodes(ourImage, 29, 6) == realObjids);
    // MSysLocales: schema versions and MSysLocalesConsistent (no Unicode indexes).
    const NodeMap realLocales = leafNodes(realImage, 30, 7, [](const std::vector<uint8_t>& key, Bytes) {
      return key.size() > 2 && key[1] != 'L';  // skip "LocaleName=..." rows of Unicode indexes
    });
    CHECK(realLocales.size() == 7);
    CHECK(leafNodes(ourImage, 30, 7) == realLocales);
  }
}

TEST_CASE("system FDPs: space headers, page flags and owned extents equal a fresh esent.dll database") {
  // decompress_test.edb (8 KiB pages) has not grown any system tree since its creation.
  auto path = test::corpusFile("ese_parser-stroz/decompress_test.edb");
  if (!path) return;
  const std::vector<uint8_t> real = test::readFile(*path);
  const std::vector<uint8_t> ours = writeEmpty(8192);
  const table::DatabaseImage realImage{real, 8192}, ourImage{ours, 8192};
  auto rootPage = [](const table::DatabaseImage& image, uint32_t pgno) {
    auto bytes = image.page(pgno);
    REQUIRE(bytes.isOk());
    auto view = page::parsePage(*bytes);
    REQUIRE(view.isOk());
    const Bytes h = view->externalHeader();
    // Flush-type bits (lost-flush detection state) depend on the page's history.
    return std::make_pair(std::vector<uint8_t>(h.begin(), h.end()), view->header.flags & ~page::flag::FlushTypeMask);
  };
  // Database root, MSysObjects and its Name/RootObjects indexes, shadow, MSysObjids, MSysLocales,
  // and the OE/AE roots of the multiple-extent ones.
  for (uint32_t pgno : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u, 11u, 12u, 24u, 25u, 26u, 29u, 30u}) {
    CAPTURE(pgno);
    CHECK(rootPage(ourImage, pgno) == rootPage(realImage, pgno));
  }
  // Owned extents of the root, MSysObjects, Name, RootObjects and the shadow.
  for (auto [oe, objid] : {std::pair{2u, 1u}, {5u, 2u}, {8u, 4u}, {11u, 5u}, {25u, 3u}}) {
    CAPTURE(oe);
    CHECK(leafNodes(ourImage, oe, objid) == leafNodes(realImage, oe, objid));
  }
}

TEST_CASE("the header carries what esent.dll writes at a clean detach with logging off") {
  auto path = test::corpusFile("ese_parser-stroz/test.edb");  // created by esent.dll, logging off, clean
  if (!path) return;
  const std::vector<uint8_t> real = test::readFile(*path);
  auto realHeader = parseDatabaseHeader(Bytes(real).first(4096));
  REQUIRE(realHeader.isOk());
  const std::vector<uint8_t> ours = writeEmpty(4096);
  auto ourHeader = parseDatabaseHeader(Bytes(ours).first(4096));
  REQUIRE(ourHeader.isOk());
  const DatabaseHeader& r = *realHeader;
  const DatabaseHeader& o = *ourHeader;
  CHECK(o.magic == r.magic);
  CHECK(o.formatVersion == r.formatVersion);
  CHECK(o.formatUpdateMajor == r.formatUpdateMajor);
  CHECK(o.formatUpdateMinor == r.formatUpdateMinor);
  CHECK(o.createFormatVersion == r.createFormatVersion);
  CHECK(o.createFormatUpdateMajor == r.createFormatUpdateMajor);
  CHECK(o.attributes == r.attributes);
  CHECK(o.state == r.state);
  CHECK(o.dbid == r.dbid);
  CHECK(o.logSignature == r.logSignature);  // zero: no log stream
  CHECK(o.consistentPosition == r.consistentPosition);
  CHECK(o.attachPosition == r.attachPosition);
  CHECK(o.detachPosition == r.detachPosition);
  CHECK(o.databaseFlags == r.databaseFlags);
  CHECK(o.osMajorVersion == r.osMajorVersion);
  CHECK(o.osMinorVersion == r.osMinorVersion);
  CHECK(o.osBuildNumber == r.osBuildNumber);
  CHECK(o.minRequiredGeneration == r.minRequiredGeneration);
  CHECK(o.maxRequiredGeneration == r.maxRequiredGeneration);
  CHECK(o.sortVersion == r.sortVersion);
  CHECK(o.fileType == r.fileType);
  CHECK(o.pageSizeField == r.pageSizeField);
  CHECK(o.databaseSignature.computerName == r.databaseSignature.computerName);
  CHECK_FALSE(o.databaseSignature.created.isZero());
  CHECK(o.databaseSignature.created.isUtc);
  CHECK_FALSE(o.consistentTime.isZero());
  CHECK_FALSE(o.headerFlushSignature.isZero());
}
