// The engine's record layout for esekit rows (layout::buildUserRecord) is
// byte for byte what the general record builder makes of the same row, and
// reads back through the record parser (records-and-catalog.md §2).
#include <doctest/doctest.h>

#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include "esekit/format/record.h"
#include "layout/table_content.h"

using namespace esekit;
namespace layout = esekit::engine::layout;

namespace {

bool sameBytes(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

}  // namespace

TEST_CASE("buildUserRecord equals the general record builder and parses back") {
  std::mt19937 random(1234);
  const size_t keySizes[] = {0, 1, 16, 100, 254, 255};
  const std::optional<size_t> valueSizes[] = {std::nullopt, 0, 1, 8, 100, 1023};
  int checked = 0;
  for (size_t keySize : keySizes) {
    for (const std::optional<size_t>& valueSize : valueSizes) {
      for (bool separated : {false, true}) {
        for (bool largePage : {false, true}) {
          CAPTURE(keySize);
          CAPTURE(valueSize.value_or(99999));
          CAPTURE(separated);
          CAPTURE(largePage);
          std::vector<uint8_t> key(keySize), value(valueSize.value_or(0));
          for (uint8_t& b : key) b = static_cast<uint8_t>(random());
          for (uint8_t& b : value) b = static_cast<uint8_t>(random());
          const std::optional<Bytes> maybeValue = valueSize ? std::optional<Bytes>(Bytes(value)) : std::nullopt;
          auto fast = layout::buildUserRecord(key, maybeValue, separated, largePage);
          auto general = layout::buildUserRecordGeneral(key, maybeValue, separated, largePage);
          REQUIRE(fast.isOk());
          REQUIRE(general.isOk());
          CHECK(sameBytes(*fast, *general));
          auto view = record::parseRecord(*fast, largePage);
          REQUIRE(view.isOk());
          const auto storedKey = view->variable(static_cast<uint8_t>(layout::kKeyColumnFid));
          REQUIRE(storedKey);
          CHECK(sameBytes(std::vector<uint8_t>(storedKey->begin(), storedKey->end()), key));
          const record::TaggedColumn* tagged = view->findTagged(layout::kValueColumnFid);
          CHECK((tagged != nullptr) == valueSize.has_value());
          if (tagged != nullptr) {
            CHECK(sameBytes(std::vector<uint8_t>(tagged->data.begin(), tagged->data.end()), value));
            CHECK(((tagged->header & record::tagged_header::kSeparated) != 0) == separated);
          }
          ++checked;
        }
      }
    }
  }
  CHECK(checked == 6 * 6 * 4);
}
