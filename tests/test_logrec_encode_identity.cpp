// decode -> encode is the identity for every record type the decoder accepts,
// including the types no corpus log contains (old Split/Merge, ScanCheck,
// ReAttach, PagePatchRequest, Backup, ...): seeded random records of each
// type that decode must re-encode to the same bytes (log-records.md §1-3).
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "esekit/format/log_record_decode.h"
#include "esekit/format/log_record_encode.h"

using namespace esekit;

namespace {

// Mostly-zero random bytes keep count fields small, so that records stay
// short and many of them are well-formed.
uint8_t sparseByte(std::mt19937& rng) { return rng() % 4 == 0 ? static_cast<uint8_t>(rng()) : 0; }

}  // namespace

TEST_CASE("random well-formed records of every decodable type re-encode exactly") {
  std::mt19937 rng(1852);
  int typesChecked = 0;
  for (unsigned type = 0; type < kLogRecordTypeCount; ++type) {
    const uint32_t fixed = logRecordFixedSize(static_cast<uint8_t>(type));
    if (fixed == 0) continue;  // the engine cannot size these types (§1)
    CAPTURE(logRecordTypeName(static_cast<uint8_t>(type)));
    int decoded = 0;
    for (int trial = 0; trial < 400; ++trial) {
      std::vector<uint8_t> record(fixed);
      for (auto& b : record) b = sparseByte(rng);
      record[0] = static_cast<uint8_t>(type);
      if (isIgnorableLogRecordType(static_cast<uint8_t>(type))) {
        storeLittleEndian<uint32_t>(record.data() + 1, rng() % 64);  // LRIGNORED cb
      }
      auto length = logRecordLength(record);
      if (!length.isOk() || *length > 200000) continue;  // counts summing past 32 bits, or just long
      const size_t fixedEnd = record.size();
      record.resize(*length);
      for (size_t i = fixedEnd; i < record.size(); ++i) record[i] = static_cast<uint8_t>(rng());
      if (type == static_cast<uint8_t>(LogRecordType::MacroInfo2) && trial % 2 == 0) {
        // cb must be exactly 5 + 4 x page count (§3.6): make it so half the time.
        record.resize(5 + 5 + 4 * (rng() % 10));
        storeLittleEndian<uint32_t>(record.data() + 1, static_cast<uint32_t>(record.size() - 5));
        storeLittleEndian<uint32_t>(record.data() + 6, static_cast<uint32_t>((record.size() - 10) / 4));
      }
      auto parsed = decodeLogRecord(record);
      if (!parsed.isOk()) continue;  // e.g. a random ReplaceD diff stream
      ++decoded;
      auto encoded = encodeLogRecord(*parsed);
      REQUIRE_MESSAGE(encoded.isOk(), encoded.status().toString());
      REQUIRE(*encoded == record);
    }
    CHECK_MESSAGE(decoded > 0, "no random record of this type decoded");
    ++typesChecked;
  }
  CHECK(typesChecked == 95);  // 102 types minus the 7 unsizable ones
}
