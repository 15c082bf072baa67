// Format components report where a problem is inside their Status message
// ("sector 12 (file offset 49152)"). Until they expose it as data, these
// helpers read the numbers back for the report's `sector` / `offset` fields.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace esekit::tools {

// The first unsigned decimal (or 0x hex) number that follows `label` in
// `message`, e.g. numberAfter("... sector 12 ...", "sector ") == 12.
std::optional<uint64_t> numberAfter(std::string_view message, std::string_view label);

// The file offset a message names ("offset 4096", "file offset 0x1000"), if any.
std::optional<uint64_t> offsetInMessage(std::string_view message);

}  // namespace esekit::tools
