// The page part of database verification (verify_database.cpp).
#pragma once

#include <cstdint>

#include "verify_kinds.h"

namespace esekit::tools {

struct DatabasePagesSummary {
  uint64_t pages = 0;
};

// Verifies every page after the header and shadow; adds counts and problems.
DatabasePagesSummary verifyDatabasePages(Bytes file, uint32_t pageSize, VerifyContext& context, FileReport& report);

}  // namespace esekit::tools
