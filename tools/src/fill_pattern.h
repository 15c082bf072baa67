// Content checks for files that hold no ESE structure on purpose: pre-created
// temp logs and reserve logs are all zero (modern) or carry the Win7-era 0xDA
// fill (every 16th byte counts up: 0xDA, 0xEA, 0xFA, 0x0A, ...), see
// INVENTORY.md observation 5.
#pragma once

#include <cstdint>
#include <optional>

#include "esekit/format/bytes.h"

namespace esekit::tools {

enum class FillKind : uint8_t { Zero, DaPattern };

// Offset of the first byte that breaks the fill, or nullopt when all of
// `bytes` follows it.
std::optional<uint64_t> firstFillMismatch(Bytes bytes, FillKind kind);

// The byte the fill has at `offset`.
uint8_t fillByte(uint64_t offset, FillKind kind);

}  // namespace esekit::tools
