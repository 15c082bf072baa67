// Private to the checksum component.
#pragma once

#include <cstdint>

#include "esekit/format/bytes.h"

namespace esekit::checksum {

// Straightforward row-by-row form of §3, the oracle for the fast path.
uint64_t xorEccReference(Bytes block, uint32_t pgno, bool headerBlock);

}  // namespace esekit::checksum
