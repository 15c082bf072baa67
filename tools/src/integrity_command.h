// `esekit integrity DB... [--json] [--quiet]`: the structural database check
// of esekit/format/integrity.h (B-trees, pages, space, catalog, records,
// long values) on each file, one verdict per database (doc/cli.md).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace esekit::tools {

struct IntegrityCommandOptions {
  std::vector<std::string> paths;
  bool json = false;
  bool quiet = false;  // print only databases that are not ok (warnings alone count as ok)
};

// Exit status: 0 every database ok (warnings allowed), 2 a database is
// corrupt or could not be checked (not a database, unreadable), 64 usage.
int runIntegrity(const IntegrityCommandOptions& options, std::ostream& out, std::ostream& err);

// Registers the `integrity` subcommand; `exitCode` is set when it ran.
void addIntegrityCommand(CLI::App& app, int& exitCode);

}  // namespace esekit::tools
