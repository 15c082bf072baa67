// `esekit demo DIR [--threads N] [--seconds S | --operations N]
//                  [--page-size 4|8|16|32] [--json]`:
// shows the embeddable engine end to end. Creates an instance in DIR (logs in
// DIR/logs, database DIR/demo.edb) with two tables ("Events": big-endian
// timestamp+sequence keys and JSON-ish event text; "Profiles": user names and
// profile blobs, some long values), runs a mixed workload on N threads
// (inserts, replaces, erases, point reads, range scans; durable and lazy
// commits, rollbacks, write conflicts retried), shuts down cleanly, verifies
// every file in DIR as `esekit verify` does, reopens the instance and checks
// the row counts, and prints a summary (doc/cli.md).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace esekit::tools {

struct DemoCommandOptions {
  std::string directory;
  unsigned threads = 4;
  double seconds = 5;                   // used when operations is not set
  std::optional<uint64_t> operations;   // total operations over all threads
  unsigned pageSizeKiB = 8;             // 4, 8, 16 or 32
  bool json = false;
};

// Exit status: 0 everything checked out (workload without unexpected errors,
// every file verifies ok, row counts match after reopening), 2 otherwise,
// 64 usage error (bad option, DIR already holds a demo).
int runDemo(const DemoCommandOptions& options, std::ostream& out, std::ostream& err);

// Registers the `demo` subcommand; `exitCode` is set when it ran.
void addDemoCommand(CLI::App& app, int& exitCode);

}  // namespace esekit::tools
