// File names that ESE writes. In a directory walk a file that is not ESE is
// skipped unless its name claims to be ESE (then it is an error).
#pragma once

#include <filesystem>

namespace esekit::tools {

// True for the extensions of ESE databases, logs, checkpoints, reserve logs,
// flush maps, patch files and the like (case-insensitive): .edb .dat .mdb
// .sdb .dit .vol .log .jtx .chk .jcp .jrs .jsl .jfm .pat .stm
// .msmessagestore. Not .gz: compressed copies are not verified.
bool hasEseFileName(const std::filesystem::path& path);

}  // namespace esekit::tools
