// Page layout from scratch (header, tags, nodes), parse/serialize symmetry,
// and every structural check failing where it should (page-format.md §2-§6).
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "esekit/format/checksum.h"
#include "esekit/format/page.h"
#include "esekit/format/page_verify.h"
#include "page_test_support.h"

using namespace esekit;
using namespace esekit::page;

namespace {

Bytes text(const char* s) { return Bytes(reinterpret_cast<const uint8_t*>(s), std::strlen(s)); }

// A leaf page built only from the writing helpers: tag 0 = key prefix
// "\x7f" "AB", node 1 = compressed (2 prefix bytes) key suffix "CD" data
// "xyz", node 2 = key "B" data "1" flagged Deleted|Versioned.
struct BuiltPage {
  std::vector<uint8_t> bytes;
  uint16_t lineOffsets[3];
  uint16_t lineSizes[3];
};

BuiltPage buildPage(size_t pageSize, uint32_t pgno) {
  const bool large = isLargePage(pageSize);
  const size_t headerBytes = headerSize(pageSize);
  BuiltPage built;
  built.bytes.assign(pageSize, 0);
  const uint8_t external[] = {0x7f, 'A', 'B'};
  const std::vector<uint8_t> lines[3] = {
      std::vector<uint8_t>(std::begin(external), std::end(external)),
      encodeNode(node_flag::Compressed, 2, text("CD"), text("xyz"), large),
      encodeNode(node_flag::Deleted | node_flag::Versioned, 0, text("B"), text("1"), large),
  };
  const uint8_t tagFlags[3] = {0, node_flag::Compressed, node_flag::Deleted | node_flag::Versioned};
  size_t offset = 0;
  for (uint16_t i = 0; i < 3; ++i) {
    std::memcpy(built.bytes.data() + headerBytes + offset, lines[i].data(), lines[i].size());
    writeTag(built.bytes, Tag::make(i, static_cast<uint16_t>(lines[i].size()), static_cast<uint16_t>(offset), tagFlags[i], large));
    built.lineOffsets[i] = static_cast<uint16_t>(offset);
    built.lineSizes[i] = static_cast<uint16_t>(lines[i].size());
    offset += lines[i].size();
  }
  PageHeader header;
  header.large = large;
  header.dbtimeDirtied = 0x40;
  header.objectId = 5;
  header.nextPage = pgno + 1;
  header.firstFreeOffset = static_cast<uint16_t>(offset);
  header.freeBytes = static_cast<uint16_t>(pageSize - headerBytes - offset - 3 * kTagSize);
  header.tagState = 3;
  // setPageChecksum sets 0x2000 itself only on pages <= 8 KiB (checksum.h).
  header.flags = flag::Leaf | flag::NewRecordFormat | flag::NewChecksumFormat;
  header.pageNumber = pgno;
  ByteWriter writer(built.bytes);
  header.serialize(writer);
  checksum::setPageChecksum(built.bytes, pgno);
  return built;
}

// Applies `change` to a fresh page, re-checksums it, and expects structural
// validation (and verifyPage) to report JET_errDatabaseCorrupted mentioning `expected`.
template <typename Change>
void expectMalformed(size_t pageSize, const std::string& expected, Change change) {
  CAPTURE(pageSize);
  CAPTURE(expected);
  BuiltPage page = buildPage(pageSize, 77);
  change(page);
  checksum::setPageChecksum(page.bytes, 77);
  const Status status = validatePage(page.bytes);
  CHECK(status.code() == JetError::DatabaseCorrupted);
  CHECK_MESSAGE(status.message().find(expected) != std::string::npos, status.message());
  const PageVerdict verdict = verifyPage(page.bytes, 77);
  CHECK(verdict.pageClass == PageClass::Malformed);
  CHECK(verdict.error == JetError::DatabaseCorrupted);
  // Without structure checks the checksum alone is fine.
  CHECK(verifyPage(page.bytes, 77, {}, false).pageClass == PageClass::Ok);
}

void setU16(BuiltPage& page, size_t offset, uint16_t value) { storeLittleEndian<uint16_t>(page.bytes.data() + offset, value); }
uint16_t getU16(const BuiltPage& page, size_t offset) { return loadLittleEndian<uint16_t>(page.bytes.data() + offset); }

}  // namespace

TEST_CASE("flag names") {
  CHECK(describeFlags(0) == "none");
  CHECK(describeFlags(flag::Root | flag::Leaf | flag::NewChecksumFormat) == "Root|Leaf|NewChecksumFormat");
  CHECK(describeFlags(flag::SpaceTree | flag::Index | flag::NonUniqueKeys | flag::NewRecordFormat | flag::Scrubbed) ==
        "SpaceTree|Index|NonUniqueKeys|NewRecordFormat|Scrubbed");
  CHECK(describeFlags(flag::Empty | flag::Repair | flag::LongValue | flag::PreInit | flag::FdpDelete | flag::ParentOfLeaf) ==
        "ParentOfLeaf|Empty|Repair|LongValue|PreInit|FdpDelete");
  // Flush type lives in bits 15-16 (§3): 1 rock, 2 paper, 3 scissors; unassigned bits in hex.
  CHECK(describeFlags(0x00008000) == "FlushType=Rock");
  CHECK(describeFlags(0x00010000 | flag::Leaf) == "Leaf|FlushType=Paper");
  CHECK(describeFlags(0x00018000 | 0x1000 | 0x00100000) == "FlushType=Scissors|0x00101000");
  CHECK(describeNodeFlags(0) == "none");
  CHECK(describeNodeFlags(7) == "Versioned|Deleted|Compressed");
}

TEST_CASE("PageHeader: field offsets, both layouts, byte-exact serialize") {
  std::vector<uint8_t> page(16384);
  for (size_t i = 0; i < 80; ++i) page[i] = static_cast<uint8_t>(i * 7 + 1);
  const auto header = PageHeader::parse(page);
  REQUIRE(header.isOk());
  CHECK(header->large);
  CHECK(header->checksum == loadLittleEndian<uint64_t>(page.data()));
  CHECK(header->dbtimeDirtied == loadLittleEndian<int64_t>(page.data() + 8));
  CHECK(header->previousPage == loadLittleEndian<uint32_t>(page.data() + 16));
  CHECK(header->nextPage == loadLittleEndian<uint32_t>(page.data() + 20));
  CHECK(header->objectId == loadLittleEndian<uint32_t>(page.data() + 24));
  CHECK(header->freeBytes == loadLittleEndian<uint16_t>(page.data() + 28));
  CHECK(header->uncommittedFreeBytes == loadLittleEndian<uint16_t>(page.data() + 30));
  CHECK(header->firstFreeOffset == loadLittleEndian<uint16_t>(page.data() + 32));
  CHECK(header->tagState == loadLittleEndian<uint16_t>(page.data() + 34));
  CHECK(header->flags == loadLittleEndian<uint32_t>(page.data() + 36));
  CHECK(header->blockChecksums[2] == loadLittleEndian<uint64_t>(page.data() + 56));
  CHECK(header->pageNumber == loadLittleEndian<uint32_t>(page.data() + 64));
  CHECK(header->reserved[11] == page[79]);
  std::vector<uint8_t> out(80);
  ByteWriter writer(out);
  header->serialize(writer);
  CHECK(std::equal(out.begin(), out.end(), page.begin()));

  // itagState: 12-bit count, 3-bit reserved count (0 = 1), spare bit 15 (§2.1).
  PageHeader h;
  h.tagState = 0xB00A;
  CHECK(h.tagCount() == 10);
  CHECK(h.storedReservedTagCount() == 3);
  CHECK(h.reservedTagCount() == 3);
  CHECK(h.nodeCount() == 7);
  CHECK(h.tagStateSpareBit());
  h.tagState = 0x0005;
  CHECK(h.reservedTagCount() == 1);
  CHECK(h.nodeCount() == 4);

  const std::vector<uint8_t> small(4096, 0xFF);
  const auto smallHeader = PageHeader::parse(small);
  REQUIRE(smallHeader.isOk());
  CHECK_FALSE(smallHeader->large);
  CHECK(smallHeader->size() == 40);
  CHECK(smallHeader->flushType() == FlushType::Scissors);
  const std::vector<uint8_t> odd(5000);
  CHECK(PageHeader::parse(odd).status().code() == JetError::InvalidParameter);
}

TEST_CASE("tags: 13-bit fields with flags on small pages, 15-bit fields on large pages") {
  const Tag small = Tag::decode(0xE123, 0xA456, 4, false);
  CHECK(small.size == 0x0123);
  CHECK(small.offset == 0x0456);
  CHECK(small.nodeFlags == 0x5);  // 0xA456 >> 13
  const Tag large = Tag::decode(0x8123, 0xF456, 4, true);
  CHECK(large.size == 0x0123);
  CHECK(large.offset == 0x7456);
  CHECK(large.nodeFlags == 0);
  const Tag made = Tag::make(2, 100, 300, node_flag::Deleted, false);
  CHECK(made.sizeWord == 100);
  CHECK(made.offsetWord == (300 | 0x4000));
  CHECK(Tag::entryOffset(4096, 0) == 4092);
  CHECK(Tag::entryOffset(4096, 3) == 4080);
}

TEST_CASE("a page built with the writing helpers verifies and parses back") {
  for (size_t pageSize : {2048u, 4096u, 8192u, 16384u, 32768u}) {
    CAPTURE(pageSize);
    const BuiltPage built = buildPage(pageSize, 1234);
    CHECK(verifyPage(built.bytes, 1234).pageClass == PageClass::Ok);
    const auto view = parsePage(built.bytes);
    REQUIRE(view.isOk());
    CHECK(view->tags.size() == 3);
    REQUIRE(view->nodes.size() == 2);
    CHECK(view->externalHeader().size() == 3);
    const Node& first = view->nodes[0];
    CHECK(first.tag == 1);
    CHECK(first.compressed());
    CHECK(first.prefixSize == 2);
    CHECK(first.key() == std::vector<uint8_t>{0x7f, 'A', 'C', 'D'});
    CHECK(std::string(first.data.begin(), first.data.end()) == "xyz");
    const Node& second = view->nodes[1];
    CHECK(second.deleted());
    CHECK(second.versioned());
    CHECK_FALSE(second.compressed());
    CHECK(second.key() == std::vector<uint8_t>{'B'});
    CHECK(std::string(second.data.begin(), second.data.end()) == "1");
    CHECK(second.lineOffset == headerSize(pageSize) + built.lineOffsets[2]);

    const FieldList page = describe(*view);
    const FieldList nodes = describeNodes(*view);
    auto find = [](const FieldList& list, const std::string& name) -> std::string {
      for (const Field& f : list.items()) {
        if (f.name == name) return f.value;
      }
      return "(missing)";
    };
    CHECK(find(page, "page.header.objectId") == "5");
    CHECK(find(page, "page.header.flagNames") == "Leaf|NewRecordFormat|NewChecksumFormat");
    CHECK(find(page, "page.externalHeader.bytes") == "7f 41 42");
    CHECK(find(nodes, "nodes.0.key") == "7f 41 43 44");
    CHECK(find(nodes, "nodes.0.data") == "78 79 7a");
    CHECK(find(nodes, "nodes.1.flags") == std::to_string(node_flag::Deleted | node_flag::Versioned));
    if (isLargePage(pageSize)) CHECK(find(page, "page.header.pageNumber") == "1234");
  }
}

TEST_CASE("internal pages list child page numbers") {
  BuiltPage built = buildPage(4096, 9);
  // Turn node 2 into a separator + child pgno 4660 and clear the Leaf flag.
  const uint8_t child[] = {0x34, 0x12, 0, 0};
  const std::vector<uint8_t> line = encodeNode(0, 0, text("B"), Bytes(child, 4), false);
  REQUIRE(line.size() == 7);
  std::vector<uint8_t> bytes = built.bytes;
  std::memcpy(bytes.data() + 40 + built.lineOffsets[2], line.data(), line.size());
  writeTag(bytes, Tag::make(2, 7, built.lineOffsets[2], 0, false));
  // 7-byte line instead of 4: keep the accounting right.
  storeLittleEndian<uint16_t>(bytes.data() + 32, static_cast<uint16_t>(built.lineOffsets[2] + 7));
  storeLittleEndian<uint16_t>(bytes.data() + 28, static_cast<uint16_t>(4096 - 40 - (built.lineOffsets[2] + 7) - 12));
  storeLittleEndian<uint32_t>(bytes.data() + 36, flag::ParentOfLeaf);
  const Bytes page(bytes);
  const auto view = parsePage(page);
  REQUIRE(view.isOk());
  CHECK(view->internal());
  CHECK(validatePage(page).isOk());
  bool found = false;
  const FieldList nodes = describeNodes(*view);
  for (const Field& f : nodes.items()) {
    if (f.name == "nodes.1.childPage") found = f.value == "4660";
  }
  CHECK(found);
}

TEST_CASE("each structural check fails with JET_errDatabaseCorrupted at the right place") {
  for (size_t pageSize : {4096u, 32768u}) {
    const size_t hdr = headerSize(pageSize);
    const size_t area = pageSize - hdr;
    const size_t tag2 = Tag::entryOffset(pageSize, 2);
    expectMalformed(pageSize, "cbFree", [&](BuiltPage& p) { setU16(p, 28, static_cast<uint16_t>(area + 1)); });
    expectMalformed(pageSize, "cbUncommittedFree", [&](BuiltPage& p) { setU16(p, 30, getU16(p, 28) + 1); });
    expectMalformed(pageSize, "ibMicFree", [&](BuiltPage& p) { setU16(p, 32, static_cast<uint16_t>(area + 1)); });
    // 4095 tags do not fit a 4 KiB page; on 32 KiB they do, and tag 3 is then the first bad (empty) one.
    expectMalformed(pageSize, pageSize == 4096 ? "itagMicFree 4095" : "tag 3 (entry at page offset 32752",
                    [&](BuiltPage& p) { setU16(p, 34, 0x0FFF); });
    expectMalformed(pageSize, "space mismatch", [&](BuiltPage& p) { setU16(p, 28, getU16(p, 28) - 1); });
    expectMalformed(pageSize, "Leaf and ParentOfLeaf", [&](BuiltPage& p) {
      storeLittleEndian<uint32_t>(p.bytes.data() + 36, flag::Leaf | flag::ParentOfLeaf | flag::NewRecordFormat);
    });
    expectMalformed(pageSize, "neither Empty nor PreInit", [&](BuiltPage& p) {
      setU16(p, 34, 0);
      setU16(p, 28, static_cast<uint16_t>(area));
    });
    // Tag 2 pointed at tag 1's line (which still decodes as a node).
    expectMalformed(pageSize, "overlaps tag 1", [&](BuiltPage& p) {
      const Tag moved = Tag::make(2, p.lineSizes[1], p.lineOffsets[1], node_flag::Deleted | node_flag::Versioned,
                                  isLargePage(pageSize));
      writeTag(p.bytes, moved);
    });
    // ibMicFree lowered below the end of the last line.
    expectMalformed(pageSize, "beyond ibMicFree", [&](BuiltPage& p) {
      setU16(p, 32, getU16(p, 32) - 1);
    });
    // An empty line on a node tag (space given back to cbFree).
    expectMalformed(pageSize, "empty line", [&](BuiltPage& p) {
      setU16(p, 28, static_cast<uint16_t>(getU16(p, 28) + p.lineSizes[2]));
      setU16(p, tag2, 0);
    });
    // Node contents: key suffix longer than the line, prefix longer than the
    // external header, key filling the whole line (no data).
    expectMalformed(pageSize, "key suffix longer than the line", [&](BuiltPage& p) {
      const size_t line = hdr + p.lineOffsets[1];
      setU16(p, line + 2, static_cast<uint16_t>((getU16(p, line + 2) & 0xE000) | 0x100));
    });
    expectMalformed(pageSize, "cbPrefix longer", [&](BuiltPage& p) {
      const size_t line = hdr + p.lineOffsets[1];
      setU16(p, line, static_cast<uint16_t>((getU16(p, line) & 0xE000) | 4));
    });
    expectMalformed(pageSize, "no data", [&](BuiltPage& p) {
      const size_t line = hdr + p.lineOffsets[1];
      setU16(p, line + 2, static_cast<uint16_t>((getU16(p, line + 2) & 0xE000) | 5));  // "CDxyz" all key
    });
  }
}

TEST_CASE("parsePage refuses lines outside the data area and oversized tag arrays") {
  BuiltPage built = buildPage(4096, 3);
  std::vector<uint8_t> bytes = built.bytes;
  // Tag 1's line pointed into the tag array.
  writeTag(bytes, Tag::make(1, 200, 4096 - 40 - 100, node_flag::Compressed, false));
  auto view = parsePage(bytes);
  REQUIRE_FALSE(view.isOk());
  CHECK(view.status().code() == JetError::DatabaseCorrupted);
  CHECK(view.status().message().find("tag 1") != std::string::npos);
  CHECK(view.status().message().find("beyond the data area") != std::string::npos);

  bytes = built.bytes;
  storeLittleEndian<uint16_t>(bytes.data() + 34, 0x0FFF);  // 4095 tags do not fit 4 KiB
  view = parsePage(bytes);
  REQUIRE_FALSE(view.isOk());
  CHECK(view.status().message().find("itagMicFree 4095") != std::string::npos);

  const std::vector<uint8_t> odd(3000);
  CHECK(parsePage(odd).status().code() == JetError::InvalidParameter);
  CHECK(validatePage(odd).code() == JetError::InvalidParameter);
  CHECK(verifyPage(odd, 1).pageClass == PageClass::Bad);
}

TEST_CASE("a real 32 KiB page with overlapping lines is malformed, naming both tags") {
  const auto db = test::loadCorpusDatabase("cortana-akarib/Indexed DB/IndexedDB.edb");
  if (!db) return;
  bool tested = false;
  for (uint32_t pgno : test::okPages(*db, 4)) {
    std::vector<uint8_t> page(db->page(pgno).begin(), db->page(pgno).end());
    const auto view = parsePage(page);
    REQUIRE(view.isOk());
    // Point tag 3's line at tag 2's, where it still ends below ibMicFree.
    const Tag tag2 = view->tags[2], tag3 = view->tags[3];
    if (size_t{tag2.offset} + tag3.size > view->header.firstFreeOffset) continue;
    writeTag(page, Tag::decode(tag3.sizeWord, static_cast<uint16_t>((tag3.offsetWord & 0x8000) | tag2.offset), 3, true));
    checksum::setPageChecksum(page, pgno);
    const PageVerdict verdict = verifyPage(page, pgno);
    CHECK(verdict.pageClass == PageClass::Malformed);
    CHECK(verdict.error == JetError::DatabaseCorrupted);
    CHECK(verdict.reason.find("tag 3") != std::string::npos);
    CHECK(verdict.reason.find("overlaps tag 2") != std::string::npos);
    tested = true;
    break;
  }
  CHECK(tested);
}
