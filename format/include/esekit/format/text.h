// Text stored by ESE (paths, names, column values) converted to UTF-8 for
// dumps and JSON: UTF-16LE (code page 1200, "Unicode names") or 8-bit.
#pragma once

#include <cstdint>
#include <string>

#include "esekit/format/bytes.h"

namespace esekit {

void appendUtf8(std::string& out, uint32_t codePoint);

// UTF-16LE to UTF-8; stops at the first NUL code unit when `stopAtNul`;
// unpaired surrogates become U+FFFD; an odd trailing byte is ignored.
std::string utf16leToUtf8(Bytes text, bool stopAtNul = true);

// 8-bit text (read as Latin-1, which is what a code page without a table
// amounts to) to UTF-8, up to the first NUL.
std::string latin1ToUtf8(Bytes text);

}  // namespace esekit
