// libFuzzer target: whole log files (header, segments, legacy chains,
// record reassembly) and the name/content helpers on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "esekit/format/log_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1u << 20)) return 0;  // 1 MiB cap: bigger inputs add nothing but time
  const esekit::Bytes bytes(data, size);
  esekit::LogScanOptions options;
  options.collectRecords = true;
  esekit::Result<esekit::LogFileScan> scan = esekit::scanLogFile(bytes, options);
  if (scan.isOk()) {
    // Touch every record and the summary so views into owned storage are exercised.
    uint64_t sum = 0;
    for (const esekit::LogRecordView& r : scan->records) sum += r.bytes[0] + r.bytes[r.bytes.size() - 1];
    (void)sum;
    (void)esekit::describe(*scan);
    (void)esekit::checkLogSequence(scan->header, *scan, scan->header);
  }
  esekit::Result<esekit::LogFileHeader> header = esekit::parseLogFileHeader(bytes);
  if (header.isOk()) {
    (void)esekit::describe(*header);
    (void)esekit::serializeLogFileHeader(*header, true);
  }
  const std::string name(reinterpret_cast<const char*>(data), size < 24 ? size : 24);
  (void)esekit::identifyLogFile(name, bytes);
  return 0;
}
