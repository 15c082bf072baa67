// esekit command line: verify and dump ESE files (doc/cli.md).
#include <CLI/CLI.hpp>

#include "backup_command.h"
#include "demo_command.h"
#include "dump_command.h"
#include "integrity_command.h"
#include "recover_command.h"
#include "restore_command.h"
#include "validate_command.h"
#include "verify_command.h"

int main(int argc, char** argv) {
  CLI::App app{"esekit: verify, dump, back up and restore ESE (esent.dll) files"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every command");
  int exitCode = 0;
  esekit::tools::addVerifyCommand(app, exitCode);
  esekit::tools::addDumpCommand(app, exitCode);
  esekit::tools::addIntegrityCommand(app, exitCode);
  esekit::tools::addDemoCommand(app, exitCode);
  esekit::tools::addRecoverCommand(app, exitCode);
  esekit::tools::addBackupCommand(app, exitCode);
  esekit::tools::addRestoreCommand(app, exitCode);
  esekit::tools::addValidateCommand(app, exitCode);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return esekit::tools::kExitUsage;
  }
  return exitCode;
}
