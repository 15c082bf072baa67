// Redo of a split that propagates (log-records.md §3.5, §4.3): ESE logs one
// Split2 per level of the split path inside one macro, top level first (the
// level that only receives a separator has no new page), then the node
// operation. The engine's own splits are one level per macro
// (btree_split.cpp), so the macro is built by hand with the encoder on a
// known 3-level tree, and the pages after redo are compared node by node with
// the tree ESE's split leaves. Also: the split page already flushed past the
// split (its dehydrated + Xpress before-image rebuilds the new page), a
// broken flush dependency, and DbTimeBeyondMaxRequired.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "corpus.h"
#include "engine_store_support.h"
#include "esekit/format/log_record_encode.h"
#include "esekit/format/page_edit.h"
#include "store/node_page.h"
#include "store/redo_windows.h"

using namespace esekit;
using namespace esekit::engine::store;

namespace {

constexpr uint32_t kPageSize = 4096;
constexpr uint32_t kObjid = 77;
constexpr int64_t kMacroDbtime = 200;

std::vector<uint8_t> bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }
std::vector<uint8_t> pointer(uint32_t pgno) {
  std::vector<uint8_t> data(4);
  storeLittleEndian<uint32_t>(data.data(), pgno);
  return data;
}

struct Node {
  std::string key;
  std::vector<uint8_t> data;
};

std::vector<uint8_t> buildPage(uint32_t pgno, int64_t dbtime, uint32_t flags, uint32_t previous, uint32_t next,
                               const std::vector<Node>& nodes) {
  std::vector<uint8_t> page(kPageSize, 0);
  page::initializePage(page, page::NewPage{pgno, kObjid, dbtime, flags, previous, next});
  page::PageEditor editor(page);
  for (size_t i = 0; i < nodes.size(); ++i)
    REQUIRE(editor.insertNode(static_cast<uint16_t>(i), 0, bytes(nodes[i].key), nodes[i].data).isOk());
  editor.seal(pgno);
  return page;
}

// "dbtime prev next flags | key:data ..." (internal data as page numbers).
std::string describe(Bytes image) {
  NodePage page(image);
  std::string out = std::to_string(page.dbtime()) + " prev=" + std::to_string(page.previous()) +
                    " next=" + std::to_string(page.next()) + (page.leaf() ? " leaf" : " internal") + " |";
  for (uint16_t i = 0; i < page.nodeCount(); ++i) {
    const std::vector<uint8_t> key = page.key(i);
    out.append(" ").append(key.begin(), key.end()).append(":");
    const Bytes data = page.line(i).data;
    if (!page.leaf() && data.size() == 4)
      out.append(std::to_string(loadLittleEndian<uint32_t>(data.data())));
    else
      out.append(data.begin(), data.end());
  }
  return out;
}

// The 3-level tree: root R -> P (parent of leaves) -> L1 [a b], L2 [c d], L3 [e f].
struct Tree {
  uint32_t R, P, L1, L2, L3, N2, NP;  // N2, NP: the pages the split allocates
  uint32_t rootFlags, parentFlags, leafFlags;
};

struct Fixture {
  std::filesystem::path path;
  esekit::test::RecordingSink sink;
  Tree t{};
  std::vector<std::vector<uint8_t>> encoded;  // keeps the records' bytes alive
  std::vector<LogRecord> records;
  std::vector<LogPosition> positions;

  explicit Fixture(const std::string& name) {
    path = esekit::test::tempDir(name) / "db.edb";
    StoreOptions options;
    options.path = path;
    options.pageSize = kPageSize;
    options.log = &sink;
    {
      auto store = DatabaseStore::create(options, esekit::test::createParameters());
      REQUIRE_MESSAGE(store.isOk(), store.status().toString());
      REQUIRE((*store)->flush().isOk());
    }
    const uint32_t first = static_cast<uint32_t>(std::filesystem::file_size(path) / kPageSize) - 1;
    t = Tree{first, first + 1, first + 2, first + 3, first + 4, first + 5, first + 6, 0, 0, 0};
    t.rootFlags = page::flag::Root;
    t.parentFlags = page::flag::ParentOfLeaf;
    t.leafFlags = page::flag::Leaf;
    writePage(t.R, buildPage(t.R, 90, t.rootFlags, 0, 0, {{"", pointer(t.P)}}));
    writePage(t.P, buildPage(t.P, 95, t.parentFlags, 0, 0,
                             {{"b", pointer(t.L1)}, {"d", pointer(t.L2)}, {"", pointer(t.L3)}}));
    writePage(t.L1, buildPage(t.L1, 96, t.leafFlags, 0, t.L2, {{"a", bytes("A")}, {"b", bytes("B")}}));
    writePage(t.L2, buildPage(t.L2, 98, t.leafFlags, t.L1, t.L3, {{"c", bytes("C")}, {"d", bytes("D")}}));
    writePage(t.L3, buildPage(t.L3, 97, t.leafFlags, t.L2, 0, {{"e", bytes("E")}, {"f", bytes("F")}}));
    writePage(t.N2, std::vector<uint8_t>(kPageSize, 0));
    writePage(t.NP, std::vector<uint8_t>(kPageSize, 0));
  }

  std::vector<uint8_t> readPage(uint32_t pgno) {
    std::ifstream file(path, std::ios::binary);
    std::vector<uint8_t> page(kPageSize);
    file.seekg(static_cast<std::streamoff>(uint64_t{pgno + 1} * kPageSize));
    file.read(reinterpret_cast<char*>(page.data()), kPageSize);
    REQUIRE(file);
    return page;
  }
  void writePage(uint32_t pgno, const std::vector<uint8_t>& page) {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(uint64_t{pgno + 1} * kPageSize));
    file.write(reinterpret_cast<const char*>(page.data()), kPageSize);
    REQUIRE(file);
  }

  void add(const LogRecord& record, int32_t generation) {
    auto encodedRecord = encodeLogRecord(record);
    REQUIRE_MESSAGE(encodedRecord.isOk(), encodedRecord.status().toString());
    encoded.push_back(std::move(*encodedRecord));
    LogPosition position;
    position.generation = generation;
    position.byteOffset = static_cast<uint16_t>(16 * encoded.size());
    positions.push_back(position);
  }

  // The macro ESE logs for inserting "cc" into L2 when L2 and P are full:
  // R receives the separator (no new page), P splits right (inserting L2's
  // separator), L2 splits right, then the Insert.
  void logMacro(int32_t generation, Bytes l2BeforeImage = {}, uint32_t beforeImageFlags = 0) {
    PageRecordPrefix prefix;
    prefix.procid = 5;
    prefix.dbid = 1;
    prefix.dbtime = kMacroDbtime;
    SplitRecord top;
    top.page = prefix;
    top.page.pgno = t.R;
    top.page.dbtimeBefore = 90;
    top.pgnoFDP = t.R;
    top.objidFDP = kObjid;
    top.ilinePrefixSplit = top.ilinePrefixNew = -1;
    top.dbtimeRightBefore = page::kDbtimeNil;
    top.dbtimeParentBefore = page::kDbtimeNil;
    add(makeSplit2(top), generation);

    static const std::vector<uint8_t> separator = bytes("cc");
    SplitRecord parent = top;
    parent.page.pgno = t.P;
    parent.page.dbtimeBefore = 95;
    parent.pgnoNew = t.NP;
    parent.pgnoParent = t.R;
    parent.dbtimeParentBefore = 90;
    parent.splitType = 1;
    parent.splitOperation = 1;
    parent.ilineOperation = 1;
    parent.ilineSplit = 2;
    parent.lineCount = 4;
    parent.newPageFlags = parent.splitPageFlags = t.parentFlags | page::flag::NewRecordFormat;
    parent.parentKey = separator;  // the last key P keeps
    add(makeSplit2(parent), generation);

    SplitRecord leaf = parent;
    leaf.page.pgno = t.L2;
    leaf.page.dbtimeBefore = 98;
    leaf.pgnoNew = t.N2;
    leaf.pgnoRight = t.L3;
    leaf.dbtimeRightBefore = 97;
    leaf.pgnoParent = t.P;
    leaf.dbtimeParentBefore = 95;
    leaf.ilineOperation = 1;
    leaf.ilineSplit = 1;
    leaf.lineCount = 3;
    leaf.newPageFlags = leaf.splitPageFlags = t.leafFlags | page::flag::NewRecordFormat;
    leaf.parentKey = separator;
    leaf.pageBeforeImage = l2BeforeImage;
    leaf.preimageFlags = beforeImageFlags;
    add(makeSplit2(leaf), generation);

    NodeRecordPrefix node;
    node.page = prefix;
    node.page.pgno = t.N2;
    node.page.dbtimeBefore = kDbtimeInvalid;
    node.page.flags = page_record_flag::kVersioned;
    node.pgnoFDP = t.R;
    node.objidFDP = kObjid;
    static const std::vector<uint8_t> key = bytes("cc"), data = bytes("X");
    add(makeInsert(node, {}, key, data), generation);

    for (const auto& bytesOfRecord : encoded) {
      auto decoded = decodeLogRecord(bytesOfRecord);
      REQUIRE_MESSAGE(decoded.isOk(), decoded.status().toString());
      records.push_back(std::move(*decoded));
    }
  }

  // The macro for inserting "cc" into L2 when L2 and the root R (parent of
  // the leaves) are full: R splits vertically (its nodes, L2's separator
  // inserted, move to the new page NP; R keeps one node pointing to NP), L2
  // splits right, then the Insert.
  void logVerticalMacro() {
    PageRecordPrefix prefix;
    prefix.procid = 5;
    prefix.dbid = 1;
    prefix.dbtime = kMacroDbtime;
    static const std::vector<uint8_t> separator = bytes("cc");
    SplitRecord root;
    root.page = prefix;
    root.page.pgno = t.R;
    root.page.dbtimeBefore = 90;
    root.pgnoNew = t.NP;
    root.pgnoFDP = t.R;
    root.objidFDP = kObjid;
    root.dbtimeRightBefore = page::kDbtimeNil;
    root.dbtimeParentBefore = page::kDbtimeNil;
    root.splitType = 0;
    root.splitOperation = 1;
    root.ilineOperation = 1;
    root.ilineSplit = 0;
    root.lineCount = 4;
    root.ilinePrefixSplit = root.ilinePrefixNew = -1;
    root.newPageFlags = t.parentFlags | page::flag::NewRecordFormat;
    root.splitPageFlags = t.rootFlags | page::flag::NewRecordFormat;
    add(makeSplit2(root), 1);

    SplitRecord leaf = root;
    leaf.page.pgno = t.L2;
    leaf.page.dbtimeBefore = 98;
    leaf.pgnoNew = t.N2;
    leaf.pgnoRight = t.L3;
    leaf.dbtimeRightBefore = 97;
    leaf.pgnoParent = t.R;
    leaf.dbtimeParentBefore = 90;
    leaf.splitType = 1;
    leaf.ilineOperation = 1;
    leaf.ilineSplit = 1;
    leaf.lineCount = 3;
    leaf.newPageFlags = leaf.splitPageFlags = t.leafFlags | page::flag::NewRecordFormat;
    leaf.parentKey = separator;
    add(makeSplit2(leaf), 1);

    NodeRecordPrefix node;
    node.page = prefix;
    node.page.pgno = t.N2;
    node.page.dbtimeBefore = kDbtimeInvalid;
    node.pgnoFDP = t.R;
    node.objidFDP = kObjid;
    static const std::vector<uint8_t> key = bytes("cc"), data = bytes("X");
    add(makeInsert(node, {}, key, data), 1);
    for (const auto& bytesOfRecord : encoded) {
      auto decoded = decodeLogRecord(bytesOfRecord);
      REQUIRE_MESSAGE(decoded.isOk(), decoded.status().toString());
      records.push_back(std::move(*decoded));
    }
  }

  // The header as ESE keeps it: logtimeGenMaxRequired set with genMaxRequired.
  void stampMaxRequiredTime() {
    StoreOptions options;
    options.path = path;
    options.pageSize = kPageSize;
    options.log = &sink;
    auto store = DatabaseStore::open(options);
    REQUIRE_MESSAGE(store.isOk(), store.status().toString());
    DatabaseHeader header = (*store)->header();
    REQUIRE(header.maxRequiredGeneration == 1);
    header.maxRequiredGenerationCreateTime.yearSince1900 = 125;
    header.maxRequiredGenerationCreateTime.month = 1;
    header.maxRequiredGenerationCreateTime.day = 2;
    REQUIRE((*store)->writeHeader(header).isOk());
  }

  Result<std::vector<RedoEffect>> redo() {
    StoreOptions options;
    options.path = path;
    options.pageSize = kPageSize;
    options.log = &sink;
    auto store = DatabaseStore::open(options);
    REQUIRE_MESSAGE(store.isOk(), store.status().toString());
    auto effects = redoMacro(**store, records, positions);
    if (effects.isOk()) REQUIRE((*store)->flush().isOk());
    return effects;
  }

  void checkSplitTree() {
    const std::string d = std::to_string(kMacroDbtime);
    CHECK(describe(readPage(t.R)) ==
          d + " prev=0 next=0 internal | cc:" + std::to_string(t.P) + " :" + std::to_string(t.NP));
    CHECK(describe(readPage(t.P)) ==
          d + " prev=0 next=0 internal | b:" + std::to_string(t.L1) + " cc:" + std::to_string(t.L2));
    CHECK(describe(readPage(t.NP)) ==
          d + " prev=0 next=0 internal | d:" + std::to_string(t.N2) + " :" + std::to_string(t.L3));
    CHECK(describe(readPage(t.L1)) == "96 prev=0 next=" + std::to_string(t.L2) + " leaf | a:A b:B");
    CHECK(describe(readPage(t.L2)) ==
          d + " prev=" + std::to_string(t.L1) + " next=" + std::to_string(t.N2) + " leaf | c:C");
    CHECK(describe(readPage(t.N2)) ==
          d + " prev=" + std::to_string(t.L2) + " next=" + std::to_string(t.L3) + " leaf | cc:X d:D");
    CHECK(describe(readPage(t.L3)) == d + " prev=" + std::to_string(t.N2) + " next=0 leaf | e:E f:F");
    for (uint32_t pgno : {t.R, t.P, t.NP, t.L2, t.N2, t.L3}) {
      const std::vector<uint8_t> image = readPage(pgno);
      CHECK(NodePage(Bytes(image)).objectId() == kObjid);
    }
  }
};

// L2 as it is after the split, with the macro's dbtime: what a flush that
// happened before the crash left on disk.
std::vector<uint8_t> flushedL2(const Tree& t) {
  return buildPage(t.L2, kMacroDbtime, t.leafFlags, t.L1, t.N2, {{"c", bytes("C")}});
}

// ESE's dehydration (page_before_image.h): the gap between the data and the
// tag array cut out, cbFree counted against the shorter buffer.
std::vector<uint8_t> dehydrated(const std::vector<uint8_t>& page) {
  const size_t tagBytes = size_t{loadLittleEndian<uint16_t>(page.data() + 34) & 0x0FFFu} * 4;
  const size_t dataEnd = 40 + loadLittleEndian<uint16_t>(page.data() + 32);
  std::vector<uint8_t> image(page.begin(), page.begin() + static_cast<std::ptrdiff_t>(dataEnd));
  image.insert(image.end(), page.end() - static_cast<std::ptrdiff_t>(tagBytes), page.end());
  storeLittleEndian<uint16_t>(image.data() + 28, static_cast<uint16_t>(loadLittleEndian<uint16_t>(page.data() + 28) -
                                                                       (page.size() - image.size())));
  return image;
}

// Scheme byte 0x18, 16-bit size, an MS-XCA stream of literals only.
std::vector<uint8_t> xpressLiterals(const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out = {0x18, static_cast<uint8_t>(data.size()), static_cast<uint8_t>(data.size() >> 8)};
  for (size_t i = 0;; i += 32) {
    const size_t chunk = std::min<size_t>(32, data.size() - i);
    const uint32_t flags = chunk == 32 ? 0u : (chunk == 0 ? 0xFFFFFFFFu : (1u << (32 - chunk)) - 1u);
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<uint8_t>(flags >> (8 * b)));
    out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(i),
               data.begin() + static_cast<std::ptrdiff_t>(i + chunk));
    if (chunk < 32) return out;
  }
}

}  // namespace

TEST_CASE("a split path of two levels under a root that only receives the separator") {
  Fixture f("windows_split_two_levels");
  f.logMacro(1);
  auto effects = f.redo();
  REQUIRE_MESSAGE(effects.isOk(), effects.status().toString());
  REQUIRE(effects->size() == 4);
  CHECK(effects->at(3).applied);
  CHECK(effects->at(3).key == bytes("cc"));  // undo of the Insert finds the node by it
  f.checkSplitTree();

  SUBCASE("replaying the same macro again changes nothing (dbtime rule)") {
    const std::vector<uint8_t> before = f.readPage(f.t.N2);
    auto again = f.redo();
    REQUIRE_MESSAGE(again.isOk(), again.status().toString());
    CHECK_FALSE(again->at(3).applied);
    CHECK(describe(f.readPage(f.t.N2)) == describe(before));
  }
}

TEST_CASE("the leaf split page already flushed: its dehydrated, Xpress-compressed before-image rebuilds the new page") {
  Fixture f("windows_split_before_image");
  const std::vector<uint8_t> original = f.readPage(f.t.L2);
  std::vector<uint8_t> image = original;
  storeLittleEndian<int64_t>(image.data() + 8, kMacroDbtime);  // ESE logs it after dirtying the page
  const std::vector<uint8_t> logged = xpressLiterals(dehydrated(image));
  REQUIRE(logged.size() < kPageSize);
  f.writePage(f.t.L2, flushedL2(f.t));
  f.logMacro(1, logged, 0x3);
  auto effects = f.redo();
  REQUIRE_MESSAGE(effects.isOk(), effects.status().toString());
  f.checkSplitTree();
}

TEST_CASE("the split page flushed past the split without a before-image: a broken flush dependency") {
  Fixture f("windows_split_no_before_image");
  f.writePage(f.t.L2, flushedL2(f.t));
  f.logMacro(1);
  auto effects = f.redo();
  REQUIRE_FALSE(effects.isOk());
  CHECK(effects.status().code() == JetError::DatabaseCorrupted);
  CHECK(effects.status().message().find("page " + std::to_string(f.t.L2)) != std::string::npos);
  CHECK(effects.status().message().find("no before-image") != std::string::npos);
}

TEST_CASE("a page already past a record of a generation beyond the header's max required: DbTimeBeyondMaxRequired") {
  // createParameters() attaches at generation 1, so the dirty header requires
  // generations up to 1; a page that already holds a generation-2 change
  // cannot be explained by the logs (logredo.cxx FLGNeedRedoCheckDbtimeBefore).
  Fixture f("windows_split_beyond_max_required");
  const std::vector<uint8_t> original = f.readPage(f.t.L2);
  f.writePage(f.t.L2, flushedL2(f.t));
  f.logMacro(2, original, 0);
  {
    // Without the time ESE stamps when it raises genMaxRequired (esekit's
    // own headers) the rule is not applied: the page is skipped.
    Fixture g("windows_split_beyond_max_required_esekit_header");
    const std::vector<uint8_t> before = g.readPage(g.t.L2);
    g.writePage(g.t.L2, flushedL2(g.t));
    g.logMacro(2, before, 0);
    auto redone = g.redo();
    REQUIRE_MESSAGE(redone.isOk(), redone.status().toString());
    g.checkSplitTree();
  }
  f.stampMaxRequiredTime();
  auto effects = f.redo();
  REQUIRE_FALSE(effects.isOk());
  CHECK(effects.status().code() == JetError::DbTimeBeyondMaxRequired);
  CHECK(effects.status().message().find("page " + std::to_string(f.t.L2)) != std::string::npos);
  CHECK(effects.status().message().find("max required 1") != std::string::npos);

  SUBCASE("the same within the required generations is legal: the page is skipped, the others redone") {
    Fixture g("windows_split_within_max_required");
    const std::vector<uint8_t> before = g.readPage(g.t.L2);
    g.writePage(g.t.L2, flushedL2(g.t));
    g.logMacro(1, before, 0);
    g.stampMaxRequiredTime();
    auto redone = g.redo();
    REQUIRE_MESSAGE(redone.isOk(), redone.status().toString());
    g.checkSplitTree();
  }
}

TEST_CASE("a split path whose top is the root splitting vertically: a new level under the root") {
  Fixture f("windows_split_vertical_root");
  const Tree& t = f.t;
  f.writePage(t.R, buildPage(t.R, 90, t.rootFlags | t.parentFlags, 0, 0,
                             {{"b", pointer(t.L1)}, {"d", pointer(t.L2)}, {"", pointer(t.L3)}}));
  f.logVerticalMacro();
  auto effects = f.redo();
  REQUIRE_MESSAGE(effects.isOk(), effects.status().toString());
  const std::string d = std::to_string(kMacroDbtime);
  const std::vector<uint8_t> root = f.readPage(t.R), level = f.readPage(t.NP);
  CHECK(describe(root) == d + " prev=0 next=0 internal | :" + std::to_string(t.NP));
  CHECK((NodePage(Bytes(root)).flags() & (page::flag::Root | page::flag::ParentOfLeaf)) == page::flag::Root);
  CHECK(describe(level) == d + " prev=0 next=0 internal | b:" + std::to_string(t.L1) + " cc:" +
                               std::to_string(t.L2) + " d:" + std::to_string(t.N2) + " :" + std::to_string(t.L3));
  CHECK((NodePage(Bytes(level)).flags() & (page::flag::Root | page::flag::ParentOfLeaf)) == page::flag::ParentOfLeaf);
  CHECK(describe(f.readPage(t.L2)) ==
        d + " prev=" + std::to_string(t.L1) + " next=" + std::to_string(t.N2) + " leaf | c:C");
  CHECK(describe(f.readPage(t.N2)) ==
        d + " prev=" + std::to_string(t.L2) + " next=" + std::to_string(t.L3) + " leaf | cc:X d:D");
}
