// `esekit validate BACKUP... [--json]`: read-only check of backup sets (a
// full backup followed by its incrementals or differential, oldest first;
// or a Windows JetBackup directory, or a copied instance directory), the
// CHKSGFILES equivalent (restore/validate.h). Prints a verdict and every
// problem with its ESE error name, file and generation/page/offset.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace esekit::tools {

struct ValidateCommandOptions {
  std::vector<std::string> sets;
  bool json = false;
  unsigned threads = 0;
};

// Exit status: 0 valid, 2 problems found (or the sets could not be read), 64 usage.
int runValidate(const ValidateCommandOptions& options, std::ostream& out, std::ostream& err);

void addValidateCommand(CLI::App& app, int& exitCode);

}  // namespace esekit::tools
