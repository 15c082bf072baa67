// libFuzzer target: log record sizing, decoding, describe(), ReplaceD
// application and re-encoding on arbitrary bytes (ese-format/log-records.md).
// Any crash, hang, sanitizer report or oversized allocation is a bug, and so
// is a decoded record that does not encode back to exactly its bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "esekit/format/log_record_decode.h"
#include "esekit/format/log_record_encode.h"

namespace {

// decode -> encode must be the identity (log_record_encode.h); abort otherwise.
void checkReencodes(const esekit::LogRecord& record, esekit::Bytes original) {
  auto encoded = esekit::encodeLogRecord(record);
  if (!encoded.isOk() || encoded->size() != original.size() ||
      !std::equal(encoded->begin(), encoded->end(), original.begin())) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace esekit;
  const Bytes input(data, size);

  // Sizing must never read past the input, whatever it holds.
  auto length = logRecordLength(input);

  // Decode the whole input, and the record at its start when it is shorter.
  auto whole = decodeLogRecord(input);
  if (whole.isOk()) {
    checkReencodes(*whole, input.first(whole->length));
    (void)describe(*whole);
    (void)pagePrefix(*whole);
    (void)dbidOf(*whole);
    (void)objidOf(*whole);
    if (const auto* replace = whole->as<ReplaceRecord>()) {
      const uint8_t before[64] = {};
      (void)replaceAfterImage(Bytes(before, sizeof before), *replace, 4096);
    }
  }
  if (length.isOk() && *length < size) {
    auto first = decodeLogRecord(input.first(*length));
    if (first.isOk()) {
      checkReencodes(*first, input.first(first->length));
      (void)describe(*first);
    }
  }

  // The bytes as a diff stream applied to the input's first half.
  if (size >= 2) {
    const size_t half = size / 2;
    (void)applyReplaceDiff(input.first(half), input.subspan(half), (data[0] & 1) != 0, 8192);
  }
  return 0;
}
