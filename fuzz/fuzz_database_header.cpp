// Fuzzes the database header reader: any input must give a value or a clear
// Status; a parsed header must serialize back to the same page and re-parse
// to an equal struct.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "esekit/format/database_header.h"
#include "esekit/format/file_kind.h"

using namespace esekit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Bytes input(data, size);
  (void)inspectFileKind(input);

  for (HeaderChecksumPolicy policy : {HeaderChecksumPolicy::Verify, HeaderChecksumPolicy::Ignore}) {
    Result<DatabaseHeader> parsed = parseDatabaseHeader(input, policy);
    if (!parsed.isOk()) {
      if (parsed.status().message().empty()) std::abort();
      continue;
    }
    (void)describe(*parsed);
    const uint32_t pageSize = parsed->pageSize();
    const std::vector<uint8_t> page = serializeDatabaseHeader(*parsed, pageSize);
    if (page.size() != pageSize) std::abort();
    Result<DatabaseHeader> again = parseDatabaseHeader(page);
    if (!again.isOk()) std::abort();
    if (policy == HeaderChecksumPolicy::Verify) {
      // The input verified, so its page is reproduced exactly.
      if (!std::equal(page.begin(), page.end(), data)) std::abort();
      if (!(*again == *parsed)) std::abort();
    } else {
      DatabaseHeader expected = *parsed;
      expected.checksum = again->checksum;
      if (!(*again == expected)) std::abort();
    }
  }

  Result<DatabaseHeaderRead> read = readDatabaseHeader(input);
  if (read.isOk()) {
    (void)describe(read->check);
    if (!read->check.usable()) std::abort();
  } else if (read.status().message().empty()) {
    std::abort();
  }
  return 0;
}
