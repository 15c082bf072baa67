// libFuzzer target: log record sizing, decoding, describe() and ReplaceD
// application on arbitrary bytes (ese-format/log-records.md). Any crash,
// hang, sanitizer report or oversized allocation is a bug.
#include <cstddef>
#include <cstdint>

#include "esekit/format/log_record_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace esekit;
  const Bytes input(data, size);

  // Sizing must never read past the input, whatever it holds.
  auto length = logRecordLength(input);

  // Decode the whole input, and the record at its start when it is shorter.
  auto whole = decodeLogRecord(input);
  if (whole.isOk()) {
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
    if (first.isOk()) (void)describe(*first);
  }

  // The bytes as a diff stream applied to the input's first half.
  if (size >= 2) {
    const size_t half = size / 2;
    (void)applyReplaceDiff(input.first(half), input.subspan(half), (data[0] & 1) != 0, 8192);
  }
  return 0;
}
