// encodeReplaceDiff / chooseReplaceDiff: every stream applies back to exactly
// the after-image through the existing applyReplaceDiff (ese-format/
// log-records.md §3.4), and the choice between diff, DIFFHDR2 and a full
// Replace follows the sizes and the 13-bit DIFFHDR offset.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "esekit/format/log_record_decode.h"
#include "esekit/format/log_record_encode.h"

using namespace esekit;

namespace {

using Image = std::vector<uint8_t>;

// An after-image derived from `before` the way rows change: a few byte runs
// overwritten, sometimes bytes inserted or removed, sometimes unrelated data.
Image mutate(const Image& before, std::mt19937& rng, size_t maxSize) {
  Image after = before;
  std::uniform_int_distribution<int> kind(0, 9);
  const int k = kind(rng);
  if (k == 0) {  // unrelated
    after.resize(std::uniform_int_distribution<size_t>(0, maxSize)(rng));
    for (auto& b : after) b = static_cast<uint8_t>(rng());
    return after;
  }
  const int edits = std::uniform_int_distribution<int>(0, 6)(rng);
  for (int e = 0; e < edits; ++e) {
    const size_t at = after.empty() ? 0 : std::uniform_int_distribution<size_t>(0, after.size())(rng);
    const size_t length = std::uniform_int_distribution<size_t>(0, 300)(rng);
    switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
      case 0:  // overwrite
        for (size_t i = at; i < std::min(after.size(), at + length); ++i) after[i] = static_cast<uint8_t>(rng());
        break;
      case 1:  // insert
        if (after.size() + length <= maxSize) {
          Image piece(length);
          for (auto& b : piece) b = static_cast<uint8_t>(rng());
          after.insert(after.begin() + static_cast<ptrdiff_t>(at), piece.begin(), piece.end());
        }
        break;
      default:  // remove
        after.erase(after.begin() + static_cast<ptrdiff_t>(at),
                    after.begin() + static_cast<ptrdiff_t>(std::min(after.size(), at + length)));
    }
  }
  return after;
}

Image randomImage(std::mt19937& rng, size_t maxSize) {
  Image image(std::uniform_int_distribution<size_t>(0, maxSize)(rng));
  // Low-entropy bytes so that edits sometimes restore equal bytes.
  for (auto& b : image) b = static_cast<uint8_t>(rng() % 4);
  return image;
}

}  // namespace

TEST_CASE("random before/after pairs of 0..5000 bytes apply back exactly, both header forms") {
  std::mt19937 rng(20261122);
  int diffs = 0, fallbacks = 0;
  for (int round = 0; round < 3000; ++round) {
    const Image before = randomImage(rng, 5000);
    const Image after = mutate(before, rng, 5000);
    for (bool diff2 : {false, true}) {
      auto stream = encodeReplaceDiff(before, after, diff2);
      REQUIRE(stream.isOk());
      if (!stream->has_value()) {
        ++fallbacks;
        continue;
      }
      ++diffs;
      CAPTURE(round);
      CAPTURE(diff2);
      CHECK((**stream).size() < after.size());  // only offered when smaller than a full Replace
      auto applied = applyReplaceDiff(before, **stream, diff2);
      REQUIRE_MESSAGE(applied.isOk(), applied.status().toString());
      CHECK(*applied == after);
    }
  }
  MESSAGE(diffs << " diffs applied back exactly, " << fallbacks << " full-Replace fallbacks");
  CHECK(diffs > 4000);
  CHECK(fallbacks > 0);
}

TEST_CASE("a small change in a large record gives a small stream") {
  Image before(4000, 0x11);
  Image after = before;
  after[10] = 1;
  after[12] = 2;      // merged with the run at 10 (gap of 1 byte)
  after[3000] = 3;    // a separate entry
  auto stream = encodeReplaceDiff(before, after, false);
  REQUIRE(stream.isOk());
  REQUIRE(stream->has_value());
  auto entries = parseReplaceDiff(**stream, false);
  REQUIRE(entries.isOk());
  REQUIRE(entries->size() == 2);
  CHECK((*entries)[0].oldOffset == 10);
  CHECK((*entries)[0].kind == ReplaceDiffEntry::Kind::ReplaceSameLength);
  CHECK((*entries)[0].newLength == 3);
  CHECK((*entries)[1].oldOffset == 3000);
  CHECK((**stream).size() == (2 + 1 + 3) + (2 + 1 + 1));
  CHECK(*applyReplaceDiff(before, **stream, false) == after);

  // Growth at the end is one insert entry.
  Image grown = before;
  grown.insert(grown.end(), {7, 8, 9});
  auto insert = encodeReplaceDiff(before, grown, false);
  REQUIRE(insert.isOk());
  REQUIRE(insert->has_value());
  auto insertEntries = parseReplaceDiff(**insert, false);
  REQUIRE(insertEntries->size() == 1);
  CHECK((*insertEntries)[0].kind == ReplaceDiffEntry::Kind::Insert);
  CHECK(*applyReplaceDiff(before, **insert, false) == grown);
}

TEST_CASE("offsets above 8191 need DIFFHDR2: diff2 = false falls back, chooseReplaceDiff switches") {
  std::mt19937 rng(7);
  for (size_t size : {8193u, 10000u, 20000u}) {
    Image before(size);
    for (auto& b : before) b = static_cast<uint8_t>(rng());
    Image after = before;
    after[size - 1] ^= 0xFF;  // the only change is beyond DIFFHDR's 13-bit offset
    CAPTURE(size);
    auto narrow = encodeReplaceDiff(before, after, false);
    REQUIRE(narrow.isOk());
    CHECK_FALSE(narrow->has_value());
    auto chosen = chooseReplaceDiff(before, after, 8192);
    REQUIRE(chosen.isOk());
    REQUIRE(chosen->has_value());
    CHECK((**chosen).diff2);
    CHECK((**chosen).stream.size() == 3 + 1 + 1);
    CHECK(*applyReplaceDiff(before, (**chosen).stream, true, 32768) == after);
  }
  // Offsets that fit keep DIFFHDR on pages up to 8 KiB; larger pages always
  // use DIFFHDR2, as in the corpus logs.
  Image before(8000, 1), after(8000, 1);
  after[8000 - 1] = 2;
  for (uint32_t pageSize : {4096u, 8192u, 16384u, 32768u}) {
    auto chosen = chooseReplaceDiff(before, after, pageSize);
    REQUIRE(chosen.isOk());
    REQUIRE(chosen->has_value());
    CHECK((**chosen).diff2 == (pageSize > 8192));
    CHECK(*applyReplaceDiff(before, (**chosen).stream, (**chosen).diff2) == after);
  }
}

TEST_CASE("a full Replace is chosen when it is not larger") {
  const Image before = {1, 2, 3, 4};
  const Image after = {9, 8, 7, 6};
  auto stream = encodeReplaceDiff(before, after, false);
  REQUIRE(stream.isOk());
  CHECK_FALSE(stream->has_value());  // 2 + 1 + 4 bytes of diff > 4 bytes of data
  auto chosen = chooseReplaceDiff(before, after, 32768);
  REQUIRE(chosen.isOk());
  CHECK_FALSE(chosen->has_value());
  // Equal images: an empty stream (0 bytes < the after-image), except for empty data.
  auto equal = encodeReplaceDiff(before, before, false);
  REQUIRE(equal.isOk());
  REQUIRE(equal->has_value());
  CHECK((**equal).empty());
  auto empty = encodeReplaceDiff({}, {}, false);
  REQUIRE(empty.isOk());
  CHECK_FALSE(empty->has_value());
}

TEST_CASE("images larger than 65535 bytes are refused") {
  const Image big(65536, 0);
  auto stream = encodeReplaceDiff(big, Image(10, 0), true);
  CHECK(stream.status().code() == JetError::InvalidParameter);
}
