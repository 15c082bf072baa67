// The database header of a file written whole by the writer (database-header.md §9-§10).
#pragma once

#include <cstdint>

#include "esekit/format/database_header.h"
#include "esekit/format/types.h"

namespace esekit::engine::layout {

struct HeaderInputs {
  uint32_t pageSize = 0;
  int64_t dbtime = 0;          // highest dbtime on any page
  uint32_t lastObjectId = 0;
  uint32_t signatureRandom = 0;
  uint32_t flushSignatureRandom = 0;
  LogTime time;                // creation = attach = detach time
};

DatabaseHeader makeHeader(const HeaderInputs& inputs);

// UTC now as a LOGTIME (with milliseconds and the UTC bit), database-header.md §2.2.
LogTime currentLogTime();

}  // namespace esekit::engine::layout
