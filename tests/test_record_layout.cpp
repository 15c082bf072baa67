// Record layouts, checked against the byte examples that
// ese-format/records-and-catalog.md §2.4 verified on real databases.
#include <doctest/doctest.h>

#include <vector>

#include "esekit/format/record.h"

using namespace esekit;
using namespace esekit::record;

namespace {
std::vector<uint8_t> bytes(std::initializer_list<int> list) {
  std::vector<uint8_t> out;
  for (int b : list) out.push_back(static_cast<uint8_t>(b));
  return out;
}
}  // namespace

TEST_CASE("MSysObjids record (basic.edb, 4 KiB page): three plain tagged columns") {
  const auto raw = bytes({0x00, 0x7F, 0x04, 0x00, 0x00, 0x01, 0x0C, 0x00, 0x01, 0x01, 0x10, 0x00, 0x02, 0x01,
                          0x14, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00});
  auto r = parseRecord(raw, false);
  REQUIRE(r.isOk());
  CHECK(r->lastFixedFid() == 0);
  CHECK(r->lastVariableFid() == kNoVariableColumns);
  REQUIRE(r->tagged().size() == 3);
  CHECK(r->tagged()[0].fid == 256);
  CHECK(r->tagged()[2].fid == 258);
  CHECK(loadLittleEndian<uint32_t>(r->tagged()[0].data.data()) == 2);
  CHECK(r->tagged()[2].data.size() == 2);
  CHECK(r->tagged()[2].data[0] == 1);

  // Rebuilding gives the same bytes.
  RecordBuilder builder;
  for (const TaggedColumn& column : r->tagged()) builder.setTagged(column.fid, column.data, column.header);
  auto rebuilt = builder.build(false);
  REQUIRE(rebuilt.isOk());
  CHECK(*rebuilt == raw);
}

TEST_CASE("catalog index row tagged area: header byte flagged by 0x4000 on small pages") {
  // Record with no fixed/variable columns followed by the §2.4 tagged area.
  auto raw = bytes({0x00, 0x7F, 0x04, 0x00, 0x05, 0x01, 0x04, 0x40, 0x01, 0x65, 0x00, 0x6E, 0x00, 0x2D, 0x00,
                    0x55, 0x00, 0x53, 0x00});
  auto r = parseRecord(raw, false);
  REQUIRE(r.isOk());
  REQUIRE(r->tagged().size() == 1);
  const TaggedColumn& locale = r->tagged()[0];
  CHECK(locale.fid == 261);
  CHECK(locale.hasHeader);
  CHECK(locale.header == tagged_header::kLongValue);
  CHECK(locale.data.size() == 10);  // UTF-16 "en-US"
  RecordBuilder builder;
  builder.setTagged(261, locale.data, locale.header);
  CHECK(*builder.build(false) == raw);
}

TEST_CASE("qmgr.db Jobs record (16 KiB page): fixed GUID, separated LID64") {
  std::vector<uint8_t> raw = bytes({0x01, 0x7F, 0x15, 0x00});
  for (int i = 0; i < 16; ++i) raw.push_back(static_cast<uint8_t>(0xA0 + i));
  const auto tail = bytes({0xFE, 0x00, 0x01, 0x04, 0x00, 0x05, 0x66, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80});
  raw.insert(raw.end(), tail.begin(), tail.end());
  auto r = parseRecord(raw, true);
  REQUIRE(r.isOk());
  CHECK(r->lastFixedFid() == 1);
  CHECK_FALSE(r->fixedIsNull(1));
  auto guid = r->fixed(1, 4, 16);
  REQUIRE(guid.has_value());
  CHECK((*guid)[0] == 0xA0);
  REQUIRE(r->tagged().size() == 1);
  const TaggedColumn& job = r->tagged()[0];
  CHECK(job.header == (tagged_header::kLongValue | tagged_header::kSeparated));
  auto instances = taggedInstances(job);
  REQUIRE(instances.isOk());
  REQUIRE(instances->size() == 1);
  CHECK((*instances)[0].separated);
  CHECK(loadLittleEndian<uint64_t>((*instances)[0].data.data()) == 0x8000000080000066ull);
}

TEST_CASE("variable columns: NULL, empty and values round-trip") {
  RecordBuilder builder;
  const auto key = bytes({1, 2, 3});
  builder.setFixed(1, 4, bytes({9, 0, 0, 0}));
  builder.setFixed(2, 2, std::nullopt);
  builder.setVariable(128, key);
  builder.setVariable(130, std::vector<uint8_t>{});
  builder.setTagged(256, bytes({7, 7}), tagged_header::kLongValue);
  auto raw = builder.build(false);
  REQUIRE(raw.isOk());
  auto r = parseRecord(*raw, false);
  REQUIRE(r.isOk());
  CHECK(r->lastFixedFid() == 2);
  CHECK(r->lastVariableFid() == 130);
  CHECK_FALSE(r->fixedIsNull(1));
  CHECK(r->fixedIsNull(2));
  CHECK((*raw)[4 + 4] == 0x2A);  // NULL fixed slot filled with '*'
  REQUIRE(r->variable(128).has_value());
  CHECK(r->variable(128)->size() == 3);
  CHECK_FALSE(r->variable(129).has_value());  // gap → NULL
  REQUIRE(r->variable(130).has_value());
  CHECK(r->variable(130)->empty());
  CHECK_FALSE(r->variable(131).has_value());
  REQUIRE(r->findTagged(256) != nullptr);
  CHECK(r->findTagged(256)->data.size() == 2);
}

TEST_CASE("two-value and multi-value layouts") {
  TaggedColumn two;
  two.fid = 300;
  two.header = tagged_header::kMultiValued | tagged_header::kTwoValues;
  const auto twoData = bytes({1, 0x00, 0xFF});
  two.data = twoData;
  auto values = taggedInstances(two);
  REQUIRE(values.isOk());
  REQUIRE(values->size() == 2);
  CHECK((*values)[0].data[0] == 0x00);
  CHECK((*values)[1].data[0] == 0xFF);

  TaggedColumn multi;
  multi.fid = 301;
  multi.header = tagged_header::kMultiValued | tagged_header::kLongValue;
  const auto multiData = bytes({6, 0, 8, 0x80, 12, 0, 'a', 'b', 1, 0, 0, 0, 'c'});
  multi.data = multiData;
  values = taggedInstances(multi);
  REQUIRE(values.isOk());
  REQUIRE(values->size() == 3);
  CHECK((*values)[0].data.size() == 2);
  CHECK((*values)[1].separated);
  CHECK((*values)[2].data[0] == 'c');
}

TEST_CASE("corrupt records are refused with the offset") {
  CHECK(parseRecord(bytes({0, 0x7F}), false).status().code() == JetError::DatabaseCorrupted);
  CHECK(parseRecord(bytes({0x80, 0x7F, 4, 0}), false).status().code() == JetError::DatabaseCorrupted);
  CHECK(parseRecord(bytes({0, 0x7F, 40, 0}), false).status().code() == JetError::DatabaseCorrupted);
  // variable end past the record
  auto bad = parseRecord(bytes({0, 0x80, 4, 0, 50, 0}), false);
  REQUIRE_FALSE(bad.isOk());
  CHECK(bad.status().message().find("record offset 4") != std::string::npos);
  // tagged array size not a multiple of 4
  CHECK_FALSE(parseRecord(bytes({0, 0x7F, 4, 0, 0, 1, 3, 0, 1}), false).isOk());
  // large page tagged value without header byte
  CHECK_FALSE(parseRecord(bytes({0, 0x7F, 4, 0, 0, 1, 4, 0}), true).isOk());
}
