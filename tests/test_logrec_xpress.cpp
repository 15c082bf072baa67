// MS-XCA plain LZ77 (esekit/format/xpress.h) and the Split2/Merge2 page
// before-images built on it (esekit/format/page_before_image.h). Known
// answers: the examples of MS-XCA §3.1 and streams built by hand per §2.3;
// dehydrated pages built per ESE (page-format.md §2.1, log-records.md §3.5).
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "esekit/format/page_before_image.h"
#include "esekit/format/xpress.h"

using namespace esekit;

namespace {

std::vector<uint8_t> bytesOf(std::initializer_list<int> values) {
  std::vector<uint8_t> out;
  for (int v : values) out.push_back(static_cast<uint8_t>(v));
  return out;
}

std::string text(const std::vector<uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

bool same(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

// A valid MS-XCA stream of literals only (every flag bit 0, the unused bits
// of the last flag word 1 as the format's end marker).
std::vector<uint8_t> literalStream(const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out;
  size_t i = 0;
  while (true) {
    const size_t chunk = std::min<size_t>(32, data.size() - i);
    const uint32_t flags = chunk == 32 ? 0u : (chunk == 0 ? 0xFFFFFFFFu : (1u << (32 - chunk)) - 1u);
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<uint8_t>(flags >> (8 * b)));
    out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(i),
               data.begin() + static_cast<std::ptrdiff_t>(i + chunk));
    i += chunk;
    if (chunk < 32) return out;
  }
}

// A 4 KiB (40-byte header) or 32 KiB (80-byte header) page with `dataSize`
// data bytes and `tags` tag entries, its cbFree consistent.
std::vector<uint8_t> samplePage(size_t pageSize, uint16_t dataSize, uint16_t tags) {
  const size_t header = pageSize > 8192 ? 80 : 40;
  std::vector<uint8_t> page(pageSize, 0);
  std::memset(page.data(), 0xA5, header);  // arbitrary header bytes the fields below overwrite
  storeLittleEndian<uint16_t>(page.data() + 28, static_cast<uint16_t>(pageSize - header - dataSize - 4u * tags));
  storeLittleEndian<uint16_t>(page.data() + 30, 0);
  storeLittleEndian<uint16_t>(page.data() + 32, dataSize);
  storeLittleEndian<uint16_t>(page.data() + 34, tags);
  for (size_t i = 0; i < dataSize; ++i) page[header + i] = static_cast<uint8_t>(i * 7 + 1);
  for (size_t i = 0; i < 4u * tags; ++i) page[pageSize - 4u * tags + i] = static_cast<uint8_t>(0x50 + i);
  return page;
}

// ESE's dehydration of `page`: the gap cut out, cbFree counted against the
// shorter buffer.
std::vector<uint8_t> dehydrate(const std::vector<uint8_t>& page, size_t keep) {
  const size_t tagBytes = size_t{loadLittleEndian<uint16_t>(page.data() + 34) & 0x0FFFu} * 4;
  std::vector<uint8_t> image(page.begin(), page.begin() + static_cast<std::ptrdiff_t>(keep - tagBytes));
  image.insert(image.end(), page.end() - static_cast<std::ptrdiff_t>(tagBytes), page.end());
  const uint16_t cbFree = loadLittleEndian<uint16_t>(page.data() + 28);
  storeLittleEndian<uint16_t>(image.data() + 28, static_cast<uint16_t>(cbFree - (page.size() - keep)));
  return image;
}

}  // namespace

TEST_CASE("MS-XCA §3.1 example 1: 26 literals, the end marker in the flag word") {
  const auto stream = bytesOf({0x3f, 0x00, 0x00, 0x00, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm',
                               'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z'});
  auto out = xpress::decompress(stream, 26);
  REQUIRE(out.isOk());
  CHECK(text(*out) == "abcdefghijklmnopqrstuvwxyz");
}

TEST_CASE("MS-XCA §3.1 example 2: \"abc\" x 100, one match with a 16-bit length") {
  const auto stream = bytesOf({0xff, 0xff, 0xff, 0x1f, 'a', 'b', 'c', 0x17, 0x00, 0x0f, 0xff, 0x26, 0x01});
  auto out = xpress::decompress(stream, 300);
  REQUIRE(out.isOk());
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += "abc";
  CHECK(text(*out) == expected);
}

TEST_CASE("two length-7 matches share one nibble byte (low nibble first)") {
  // 'a', match(distance 1, 0+7+3 = 10), match(distance 1, 2+7+3 = 12) -> 23 x 'a'.
  const auto stream = bytesOf({0xff, 0xff, 0xff, 0x7f, 'a', 0x07, 0x00, 0x20, 0x07, 0x00});
  auto out = xpress::decompress(stream, 23);
  REQUIRE(out.isOk());
  CHECK(text(*out) == std::string(23, 'a'));
}

TEST_CASE("length forms: byte (nibble 15) and 32-bit (16-bit zero)") {
  // 'x', match(distance 1, nibble 15, byte 10 -> 10+15+7+3 = 35) = 36 bytes.
  auto out = xpress::decompress(bytesOf({0xff, 0xff, 0xff, 0x7f, 'x', 0x07, 0x00, 0x0f, 10}), 36);
  REQUIRE(out.isOk());
  CHECK(text(*out) == std::string(36, 'x'));
  // 'y', match(distance 1, nibble 15, byte 255, word 0, dword 1000 -> 1000-22+15+7+3 = 1003).
  out = xpress::decompress(
      bytesOf({0xff, 0xff, 0xff, 0x7f, 'y', 0x07, 0x00, 0x0f, 0xff, 0x00, 0x00, 0xe8, 0x03, 0x00, 0x00}), 1004);
  REQUIRE(out.isOk());
  CHECK(text(*out) == std::string(1004, 'y'));
}

TEST_CASE("literal streams of every length around a flag word round-trip") {
  for (size_t n : {0u, 1u, 31u, 32u, 33u, 64u, 100u}) {
    std::vector<uint8_t> data(n);
    for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(i * 13 + 5);
    auto out = xpress::decompress(literalStream(data), n);
    REQUIRE(out.isOk());
    CHECK(same(*out, data));
  }
}

TEST_CASE("hostile streams give the chosen error with the input offset, never a crash") {
  // Truncated flag word.
  auto out = xpress::decompress(bytesOf({0x00, 0x00}), 5, JetError::LogCorrupted);
  REQUIRE_FALSE(out.isOk());
  CHECK(out.status().code() == JetError::LogCorrupted);
  CHECK(out.status().message().find("offset 0") != std::string::npos);
  // Match before the start of the output.
  out = xpress::decompress(bytesOf({0xff, 0xff, 0xff, 0xff, 0x08, 0x00}), 10);
  REQUIRE_FALSE(out.isOk());
  CHECK(out.status().code() == JetError::DatabaseCorrupted);
  CHECK(out.status().message().find("before the start") != std::string::npos);
  // End marker while bytes are still expected.
  out = xpress::decompress(bytesOf({0x3f, 0x00, 0x00, 0x00, 'a'}), 26);
  REQUIRE_FALSE(out.isOk());
  // A match longer than the declared size.
  out = xpress::decompress(bytesOf({0xff, 0xff, 0xff, 0x7f, 'a', 0x07, 0x00, 0x00}), 5);
  REQUIRE_FALSE(out.isOk());
  CHECK(out.status().message().find("past the expected size") != std::string::npos);
  // Extended length below its minimum.
  out = xpress::decompress(bytesOf({0xff, 0xff, 0xff, 0x7f, 'a', 0x07, 0x00, 0x0f, 0xff, 0x05, 0x00}), 100);
  REQUIRE_FALSE(out.isOk());
  CHECK(out.status().message().find("below 22") != std::string::npos);
}

TEST_CASE("a full-size before-image without flags is the page itself") {
  const auto page = samplePage(4096, 100, 3);
  auto decoded = logrec::decodePageBeforeImage(page, 0, 4096);
  REQUIRE(decoded.isOk());
  CHECK(same(*decoded, page));
  auto wrong = logrec::decodePageBeforeImage(Bytes(page).first(4000), 0, 4096);
  REQUIRE_FALSE(wrong.isOk());
  CHECK(wrong.status().code() == JetError::LogCorrupted);
}

TEST_CASE("dehydrated before-images rehydrate to the page, cbFree given back (4 and 32 KiB)") {
  for (size_t pageSize : {size_t{4096}, size_t{32768}}) {
    const auto page = samplePage(pageSize, 200, 5);
    const size_t header = pageSize > 8192 ? 80 : 40;
    const auto image = dehydrate(page, header + 200 + 20);
    REQUIRE(image.size() == header + 220);
    auto decoded = logrec::decodePageBeforeImage(image, logrec::kBeforeImageDehydrated, pageSize);
    REQUIRE(decoded.isOk());
    CHECK(same(*decoded, page));
    CHECK(loadLittleEndian<uint16_t>(decoded->data() + 28) == pageSize - header - 220);
  }
}

TEST_CASE("dehydrated and Xpress-compressed before-images decode in reverse order") {
  const auto page = samplePage(8192, 64, 2);
  const auto image = dehydrate(page, 40 + 64 + 8 + 16);  // 16 bytes of the gap kept
  std::vector<uint8_t> compressed = {0x18, static_cast<uint8_t>(image.size()), static_cast<uint8_t>(image.size() >> 8)};
  const auto stream = literalStream(image);
  compressed.insert(compressed.end(), stream.begin(), stream.end());
  auto decoded =
      logrec::decodePageBeforeImage(compressed, logrec::kBeforeImageDehydrated | logrec::kBeforeImageXpress, 8192);
  REQUIRE(decoded.isOk());
  CHECK(same(*decoded, page));
  // Xpress alone: the compressed stream is the full page.
  std::vector<uint8_t> full = {0x18, 0x00, 0x20};
  const auto fullStream = literalStream(page);
  full.insert(full.end(), fullStream.begin(), fullStream.end());
  decoded = logrec::decodePageBeforeImage(full, logrec::kBeforeImageXpress, 8192);
  REQUIRE(decoded.isOk());
  CHECK(same(*decoded, page));
}

TEST_CASE("malformed before-images: clear errors") {
  const auto page = samplePage(4096, 100, 3);
  // Tags claimed beyond the image.
  auto image = dehydrate(page, 40 + 100 + 12);
  storeLittleEndian<uint16_t>(image.data() + 34, 0x0FFF);
  auto decoded = logrec::decodePageBeforeImage(image, logrec::kBeforeImageDehydrated, 4096);
  REQUIRE_FALSE(decoded.isOk());
  CHECK(decoded.status().code() == JetError::LogCorrupted);
  // Shorter than a header, longer than a page.
  CHECK_FALSE(logrec::rehydratePage(Bytes(page).first(20), 4096).isOk());
  CHECK_FALSE(logrec::rehydratePage(page, 2048).isOk());
  // Unknown flag, other compression schemes, a size above the page.
  CHECK(logrec::decodePageBeforeImage(page, 0x4, 4096).status().code() == JetError::LogCorrupted);
  CHECK(logrec::decodePageBeforeImage(bytesOf({0x30, 0, 0x10}), logrec::kBeforeImageXpress, 4096).status().code() ==
        JetError::FeatureNotAvailable);
  CHECK(logrec::decodePageBeforeImage(bytesOf({0x18, 0x01, 0x20, 0, 0, 0, 0}), logrec::kBeforeImageXpress, 4096)
            .status()
            .code() == JetError::LogCorrupted);
  CHECK(logrec::decodePageBeforeImage({}, logrec::kBeforeImageXpress, 4096).status().code() == JetError::LogCorrupted);
}
