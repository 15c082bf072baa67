// Index key normalization (records-and-catalog.md §7) against the reference's
// examples and against keys ESE stored in real databases.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "corpus.h"
#include "esekit/engine/key_normalization.h"
#include "esekit/format/table.h"
#include "interop/database_fixtures.h"

using namespace esekit;
namespace keys = esekit::engine::keys;

namespace {

std::vector<uint8_t> bytesOf(std::string_view s) { return std::vector<uint8_t>(s.begin(), s.end()); }

std::vector<uint8_t> hex(std::string_view text) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < text.size(); i += 2) {
    while (text[i] == ' ') ++i;
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

int sign(int v) { return v < 0 ? -1 : (v > 0 ? 1 : 0); }

}  // namespace

TEST_CASE("fixed types and text normalize as the reference's verified examples") {
  std::vector<uint8_t> key;
  keys::appendShort(key, -1337);
  CHECK(key == hex("7f7ac7"));
  key.clear();
  keys::appendLong(key, 2);
  keys::appendShort(key, 1);
  keys::appendLong(key, 2);
  CHECK(key == hex("7f80000002 7f8001 7f80000002"));  // the MSysObjects table row (§5.4)
  key.clear();
  keys::appendBit(key, true);
  keys::appendAsciiText(key, "basic");
  CHECK(key == hex("7fff 7f424153494300"));  // RootObjects entry of table "basic"
  key.clear();
  keys::appendAsciiText(key, "Simple ASCII text");
  CHECK(key == bytesOf(std::string("\x7fSIMPLE ASCII TEXT", 18) + std::string(1, '\0')));
  key.clear();
  keys::appendAsciiText(key, "");
  keys::appendBinary(key, {});
  CHECK(key == hex("4040"));  // empty values sort after NULL and before any value
  CHECK(keys::binaryKey(bytesOf("test binary data")) == hex("7f 746573742062696e 09 6172792064617461 08"));
}

TEST_CASE("Binary keys: count bytes, zero padding, truncation at 255 bytes") {
  CHECK(keys::binaryKey(bytesOf("abc")) == hex("7f 6162630000000000 03"));
  CHECK(keys::binaryKey(bytesOf("abcdefgh")) == hex("7f 6162636465666768 08"));
  CHECK(keys::binaryKey(bytesOf("abcdefgh1")) == hex("7f 6162636465666768 09 3100000000000000 01"));
  // 224 bytes normalize to exactly 1 + 28 * 9 = 253 bytes; longer values are cut at 255.
  CHECK(keys::binaryKey(std::vector<uint8_t>(224, 'a')).size() == 253);
  const std::vector<uint8_t> long255 = keys::binaryKey(std::vector<uint8_t>(255, 'a'));
  CHECK(long255.size() == 255);
  CHECK(long255[252] == 9);  // the last full group says "more follows"
  CHECK(long255[253] == 'a');
  CHECK(long255[254] == 'a');
}

TEST_CASE("normalized Binary keys sort exactly like the values (memcmp, shorter first)") {
  test::Random random(7);
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> a(random.below(24)), b(random.below(24));
    random.fill(a);
    random.fill(b);
    if (random.below(4) == 0 && !a.empty()) b.assign(a.begin(), a.begin() + random.below(static_cast<uint32_t>(a.size())));
    if (random.below(8) == 0) b = a, b.push_back(static_cast<uint8_t>(random.below(3)));
    for (auto* v : {&a, &b})
      for (auto& byte : *v)
        if (random.below(3) == 0) byte = 0;  // zero bytes meet the zero padding
    REQUIRE(sign(keys::compare(keys::binaryKey(a), keys::binaryKey(b))) == sign(keys::compare(a, b)));
  }
}

TEST_CASE("separators are the shortest prefix of the right key above the left key") {
  CHECK(keys::separator(hex("7f0102"), hex("7f0205")) == hex("7f02"));
  CHECK(keys::separator(hex("00000001"), hex("0000000100000000")) == hex("0000000100"));
  CHECK(keys::separator(hex("00000001000000fe"), hex("00000002")) == hex("00000002"));
  test::Random random(3);
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> a(1 + random.below(12)), b(1 + random.below(12));
    random.fill(a);
    random.fill(b);
    if (random.below(3) == 0) std::copy(a.begin(), a.begin() + std::min(a.size(), b.size()) / 2, b.begin());
    if (keys::compare(a, b) == 0) continue;
    if (keys::compare(a, b) > 0) std::swap(a, b);
    const std::vector<uint8_t> s = keys::separator(a, b);
    REQUIRE(keys::compare(a, s) < 0);
    REQUIRE(keys::compare(s, b) <= 0);
    REQUIRE(std::equal(s.begin(), s.end(), b.begin()));
  }
}

TEST_CASE("corpus: ESE's stored Binary/LongBinary index keys equal binaryKey() of the column values") {
  auto path = test::corpusFile("dissect-esedb/index.edb");
  if (!path) return;
  const std::vector<uint8_t> file = test::readFile(*path);
  table::DatabaseImage image{file, 4096};
  auto catalog = table::readCatalog(image);
  REQUIRE(catalog.isOk());
  const table::Table* t = catalog->find("index");
  REQUIRE(t != nullptr);
  std::vector<table::Row> rows;
  REQUIRE(table::forEachRow(image, *t, [&](const table::Row& r) {
            rows.push_back(r);
            return Status::ok();
          }).isOk());
  REQUIRE(rows.size() == 1);
  // IxBinary (Binary, FID 128) and IxLongBinary (LongBinary, FID 256, cut at 255 key bytes).
  int compared = 0;
  for (const char* indexName : {"IxBinary", "IxLongBinary"}) {
    CAPTURE(indexName);
    const table::Index* index = nullptr;
    for (const table::Index& ix : t->indexes)
      if (ix.name == indexName) index = &ix;
    REQUIRE(index != nullptr);
    const uint16_t fid = std::string(indexName) == "IxBinary" ? 128 : 256;
    const table::ColumnValue* value = rows[0].find(fid);
    REQUIRE(value != nullptr);
    std::vector<std::vector<uint8_t>> stored;
    REQUIRE(table::walkLeaves(image, index->rootPage, index->objectId, [&](const page::Node& n, uint32_t) {
              stored.push_back(n.key());
              return Status::ok();
            }).isOk());
    REQUIRE(stored.size() == 1);
    CHECK(keys::binaryKey(value->instances[0]) == stored[0]);
    ++compared;
  }
  CHECK(compared == 2);
}

TEST_CASE("corpus: MSysLocales and catalog Name-index keys of basic.edb are reproduced") {
  auto path = test::corpusFile("dissect-esedb/basic.edb");
  if (!path) return;
  const std::vector<uint8_t> file = test::readFile(*path);
  table::DatabaseImage image{file, 4096};
  // MSysLocales (FDP 30, objid 7): key = Binary normalization of the Key column.
  int locales = 0;
  REQUIRE(table::walkLeaves(image, 30, 7, [&](const page::Node& n, uint32_t) {
            auto row = record::parseRecord(n.data, false);
            REQUIRE(row.isOk());
            auto value = row->variable(128);
            REQUIRE(value.has_value());
            CHECK(keys::binaryKey(*value) == n.key());
            ++locales;
            return Status::ok();
          }).isOk());
  CHECK(locales == 7);
  // Name index (FDP 7, objid 4): (ObjidTable, Type, Name) of every catalog row.
  int names = 0;
  REQUIRE(table::walkLeaves(image, 7, 4, [&](const page::Node& n, uint32_t) {
            const std::vector<uint8_t> bookmark(n.data.begin(), n.data.end());
            // The bookmark is the catalog primary key: 7F objid 7F type 7F id.
            REQUIRE(bookmark.size() == 13);
            std::string name;
            REQUIRE(table::walkLeaves(image, 4, 2, [&](const page::Node& row, uint32_t) {
                      if (row.key() != bookmark) return Status::ok();
                      auto rec = record::parseRecord(row.data, false);
                      REQUIRE(rec.isOk());
                      auto bytes = rec->variable(128);
                      REQUIRE(bytes.has_value());
                      name.assign(bytes->begin(), bytes->end());
                      return Status::ok();
                    }).isOk());
            std::vector<uint8_t> key(bookmark.begin(), bookmark.begin() + 8);  // 7F objid 7F type
            keys::appendAsciiText(key, name);
            CHECK(key == n.key());
            ++names;
            return Status::ok();
          }).isOk());
  CHECK(names > 70);
}
