// Reporting on a redundant pair of header copies (database header + shadow,
// checkpoint copies 1 + 2): one Problem per copy that is not good, severity
// Corrected when the other copy is usable (ESE reads that one and --fix
// restores the damaged copy from it), Bad when neither is.
#pragma once

#include <string>

#include "esekit/format/database_header.h"
#include "verify_report.h"

namespace esekit::tools {

struct HeaderPair {
  const HeaderCopyCheck* primary;
  const HeaderCopyCheck* shadow;
  HeaderSource use;
  std::string primaryName;  // "database header", "checkpoint copy 1"
  std::string shadowName;   // "shadow header", "checkpoint copy 2"
  uint64_t copySize;        // bytes per copy; copy 2 starts here
  JetError badError;        // error when no copy is usable
};

// Adds the problems. Returns "both copies good", "using copy 1", ... for the summary.
std::string reportHeaderPair(const HeaderPair& pair, Bytes file, FileReport& report, size_t cap);

// When one copy is usable and the other is not good, copies the usable one
// over the other in `repaired` (what ESE's next header write does).
void restoreHeaderPair(const HeaderPair& pair, Bytes file, MutableBytes repaired);

}  // namespace esekit::tools
