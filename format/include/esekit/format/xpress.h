// Decoder for MS-XCA "plain LZ77" (LZXPRESS), the Xpress format ESE uses for
// compressed column values (ese-format/records-and-catalog.md §4) and for the
// page before-images of Split2/Merge2 records (log-records.md §3.5).
//
// Hand-written because no library available to esekit (zstd, xxhash, CRoaring,
// ...) implements Xpress; the format is public (MS-XCA §2.3-§2.4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/status.h"

namespace esekit::xpress {

// Decompresses a raw plain-LZ77 stream (no ESE scheme header) that must
// produce exactly `outputSize` bytes. Every read and back-reference is
// bounds-checked; a truncated or inconsistent stream gives `corruptError`
// with the input offset. The output never exceeds `outputSize`, so the
// caller bounds the allocation.
Result<std::vector<uint8_t>> decompress(Bytes stream, size_t outputSize,
                                        JetError corruptError = JetError::DatabaseCorrupted);

}  // namespace esekit::xpress
