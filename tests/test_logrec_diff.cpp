// ReplaceD after-images (ese-format/log-records.md §3.4; ErrLGGetAfterImage
// and the checks redo adds after it).
#include <doctest/doctest.h>

#include <string>

#include "esekit/format/log_record_decode.h"
#include "logrec/record_builder.h"

using namespace esekit;
using esekit::test::RecordBuilder;

namespace {

Bytes view(const std::string& s) { return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

std::string apply(const std::string& before, const std::vector<uint8_t>& diff, bool diff2 = false,
                  uint32_t pageSize = kMaxPageSize) {
  auto r = applyReplaceDiff(view(before), diff, diff2, pageSize);
  REQUIRE_MESSAGE(r.isOk(), r.status().toString());
  return std::string(r->begin(), r->end());
}

JetError applyError(const std::string& before, const std::vector<uint8_t>& diff, bool diff2 = false,
                    uint32_t pageSize = kMaxPageSize) {
  auto r = applyReplaceDiff(view(before), diff, diff2, pageSize);
  return r.isOk() ? JetError::Success : r.status().code();
}

// DIFFHDR word: offset | flags (bit 13 same length, 14 insert, 15 two-byte lengths).
std::vector<uint8_t> header(uint16_t offset, uint16_t flags) {
  const uint16_t word = static_cast<uint16_t>(offset | flags);
  return {static_cast<uint8_t>(word & 0xFF), static_cast<uint8_t>(word >> 8)};
}
std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
std::vector<uint8_t> bytesOf(std::string_view s) { return {s.begin(), s.end()}; }

constexpr uint16_t kSame = 0x2000, kInsert = 0x4000, kTwoBytes = 0x8000;

}  // namespace

TEST_CASE("an empty diff stream leaves the data unchanged") {
  CHECK(apply("abcdef", {}) == "abcdef");
}

TEST_CASE("same-length replace, insert, shrink, grow, delete") {
  CHECK(apply("abcdef", cat({header(1, kSame), {2}, bytesOf("XY")})) == "aXYdef");
  CHECK(apply("abcdef", cat({header(3, kInsert), {2}, bytesOf("++")})) == "abc++def");
  CHECK(apply("abcdef", cat({header(0, kInsert | kSame), {1}, bytesOf("^")})) == "^abcdef");  // insert wins
  // Different length: cbNew then cbOld.
  CHECK(apply("abcdef", cat({header(1, 0), {1, 3}, bytesOf("Z")})) == "aZef");       // 3 old -> 1 new
  CHECK(apply("abcdef", cat({header(1, 0), {4, 1}, bytesOf("WXYZ")})) == "aWXYZcdef");  // 1 old -> 4 new
  CHECK(apply("abcdef", cat({header(2, 0), {0, 2}})) == "abef");                    // deletion
  // Several entries in increasing old offsets; trailing old bytes are kept.
  CHECK(apply("0123456789", cat({header(0, kSame), {1}, bytesOf("A"), header(5, kInsert), {1}, bytesOf("-"),
                                 header(8, 0), {0, 1}})) == "A1234-5679");
  // An entry at the very end appends.
  CHECK(apply("abc", cat({header(3, kInsert), {1}, bytesOf("!")})) == "abc!");
}

TEST_CASE("two-byte lengths") {
  const std::string big(300, 'n');
  auto diff = cat({header(1, kTwoBytes), {0x2C, 0x01, 0x02, 0x00}, bytesOf(big)});  // cbNew 300, cbOld 2
  CHECK(apply("abcd", diff) == "a" + big + "d");
}

TEST_CASE("DIFFHDR2: 16-bit offsets beyond the 13-bit DIFFHDR range") {
  std::string before(9000, '.');
  // DIFFHDR2: USHORT offset 0x2327 (8999), flag byte 0x20 (same length), cbNew 1.
  const std::vector<uint8_t> diff = {0x27, 0x23, 0x20, 1, '#'};
  std::string expected = before;
  expected[8999] = '#';
  CHECK(apply(before, diff, true) == expected);
  // Read as DIFFHDR the same bytes mean offset 0x327 with cbNew 0x20, which runs past the stream.
  CHECK(applyError(before, diff, false) != JetError::Success);
}

TEST_CASE("out-of-range offsets and lengths are JET_errLogFileCorrupt") {
  // Offset going backwards.
  CHECK(applyError("abcdef", cat({header(3, kSame), {1}, bytesOf("x"), header(1, kSame), {1}, bytesOf("y")})) ==
        JetError::LogFileCorrupt);
  // Offset beyond the old data.
  CHECK(applyError("abc", cat({header(4, kInsert), {1}, bytesOf("x")})) == JetError::LogFileCorrupt);
  // Replacing more old bytes than remain.
  CHECK(applyError("abc", cat({header(2, kSame), {2}, bytesOf("xy")})) == JetError::LogFileCorrupt);
  CHECK(applyError("abc", cat({header(1, 0), {1, 5}, bytesOf("x")})) == JetError::LogFileCorrupt);
  // Stream ends inside a header, a length, or the new data.
  CHECK(applyError("abc", {0x01}) == JetError::LogFileCorrupt);
  CHECK(applyError("abc", header(1, 0)) == JetError::LogFileCorrupt);
  CHECK(applyError("abc", cat({header(1, 0), {1}})) == JetError::LogFileCorrupt);
  CHECK(applyError("abc", cat({header(1, kSame), {2}, bytesOf("x")})) == JetError::LogFileCorrupt);
}

TEST_CASE("page size limit: ErrLGGetAfterImage allows up to a page, redo needs less") {
  const std::string before(10, 'o');
  auto grow = cat({header(10, kInsert), {6}, bytesOf("123456")});
  CHECK(apply(before, grow, false, 16).size() == 16);
  CHECK(applyError(before, grow, false, 15) == JetError::LogFileCorrupt);
  // Skipped old bytes count as well.
  CHECK(applyError(std::string(20, 'o'), cat({header(19, kSame), {1}, bytesOf("x")}), false, 16) ==
        JetError::LogFileCorrupt);

  // replaceAfterImage: same stream through a ReplaceD record of cbNewData 16.
  RecordBuilder b(LogRecordType::ReplaceD);
  b.u16(44, static_cast<uint16_t>(grow.size())).u16(46, 10).u16(48, 16).append(grow);
  auto rec = decodeLogRecord(b.span());
  REQUIRE(rec.isOk());
  const auto* rep = rec->as<ReplaceRecord>();
  REQUIRE(rep);
  auto ok = replaceAfterImage(view(before), *rep, 32);
  REQUIRE(ok.isOk());
  CHECK(std::string(ok->begin(), ok->end()) == "oooooooooo123456");
  auto full = replaceAfterImage(view(before), *rep, 16);
  CHECK(full.status().code() == JetError::LogCorrupted);
}

TEST_CASE("after-image length must equal cbNewData") {
  auto diff = cat({header(0, kSame), {1}, bytesOf("x")});
  RecordBuilder b(LogRecordType::ReplaceD);
  b.u16(44, static_cast<uint16_t>(diff.size())).u16(46, 3).u16(48, 4).append(diff);  // claims 4, produces 3
  auto rec = decodeLogRecord(b.span());
  REQUIRE(rec.isOk());
  auto r = replaceAfterImage(view("abc"), *rec->as<ReplaceRecord>());
  CHECK(r.status().code() == JetError::LogCorrupted);
  CHECK(r.status().message().find("cbNewData") != std::string::npos);

  RecordBuilder full(LogRecordType::Replace);
  full.u16(44, 3).u16(46, 9).u16(48, 3).append("new");
  rec = decodeLogRecord(full.span());
  REQUIRE(rec.isOk());
  auto image = replaceAfterImage(view("whatever"), *rec->as<ReplaceRecord>());
  REQUIRE(image.isOk());
  CHECK(std::string(image->begin(), image->end()) == "new");

  RecordBuilder wrong(LogRecordType::Replace);
  wrong.u16(44, 3).u16(46, 9).u16(48, 5).append("new");
  rec = decodeLogRecord(wrong.span());
  REQUIRE(rec.isOk());
  CHECK(replaceAfterImage(view("x"), *rec->as<ReplaceRecord>()).status().code() == JetError::LogCorrupted);
}

TEST_CASE("parseReplaceDiff reports the entry offset") {
  auto r = parseReplaceDiff(cat({header(0, kSame), {1}, bytesOf("x"), header(1, kSame), {5}}), false);
  REQUIRE_FALSE(r.isOk());
  CHECK(r.status().code() == JetError::LogCorrupted);
  CHECK(r.status().message().find("stream offset 4") != std::string::npos);
}
