// `esekit verify PATH... [--json] [--fix OUT] [--threads N] [--quiet]`:
// walks the paths (directories recursively, in name order), verifies every
// file and prints one line (text) or one JSON object (--json) per file.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace esekit::tools {

struct VerifyCommandOptions {
  std::vector<std::string> paths;
  bool json = false;
  std::optional<std::string> fixOutput;
  unsigned threads = 0;
  bool quiet = false;
  bool checksumsOnly = false;  // skip per-page structure validation (like esentutl /k)
};

// Exit status: 0 every file ok (or skipped), 1 something was corrected or is
// correctable but nothing is bad, 2 something is bad or could not be verified.
inline constexpr int kExitOk = 0;
inline constexpr int kExitCorrected = 1;
inline constexpr int kExitBad = 2;
inline constexpr int kExitUsage = 64;

int runVerify(const VerifyCommandOptions& options, std::ostream& out, std::ostream& err);

// Registers the `verify` subcommand; `run` is set to runVerify's result when it ran.
void addVerifyCommand(CLI::App& app, int& exitCode);

}  // namespace esekit::tools
