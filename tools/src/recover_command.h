// `esekit recover LOGDIR [--system-dir D] [--base NAME] [--json]`: crash
// recovery for esekit's own instances. Opens an engine Instance on the log
// stream in LOGDIR (which replays the log from the checkpoint and undoes
// transactions without a commit, instance.h), prints its RecoveryReport and
// shuts down cleanly, leaving the databases named in the log clean.
// The log file size, database page size and circular-logging mode are taken
// from the <base>.log header. With `--target OUT` it recovers a Windows log
// set into a copy instead (recover_windows.h).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace esekit::tools {

struct RecoverCommandOptions {
  std::string logDirectory;
  std::string systemDirectory;        // empty: LOGDIR (where <base>.chk lives)
  std::string baseName = "edb";
  bool json = false;
  // Issue 6: recover the Windows log set in LOGDIR (the database directory)
  // into a copy in `target` (recover_windows.h).
  std::optional<std::string> target;
  std::string windowsLogDirectory;  // --log-dir (with --target; empty: LOGDIR)
  bool baseNameGiven = false;       // --base was given (with --target the base is otherwise inferred)
};

// Exit status: 0 recovered (or nothing to recover) and shut down cleanly,
// 2 recovery or shutdown failed (the JET error is printed), 64 usage error.
int runRecover(const RecoverCommandOptions& options, std::ostream& out, std::ostream& err);

// Registers the `recover` subcommand; `exitCode` is set when it ran.
void addRecoverCommand(CLI::App& app, int& exitCode);

}  // namespace esekit::tools
