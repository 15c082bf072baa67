// `esekit dump header|checkpoint|log|page|records|tables|table`: readable dumps in the
// spirit of `esentutl /mh /mk /ml /m`, or JSON with --json (records: JSON
// Lines). Output formats are described in doc/cli.md.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "esekit/format/file_kind.h"
#include "esekit/format/status.h"
#include "mapped_file.h"

namespace CLI {
class App;
}

namespace esekit::tools {

struct DumpOptions {
  std::string path;
  bool json = false;
  uint32_t pageNumber = 0;  // dump page
  std::string tableName;    // dump table
};

// Each returns the process exit status (0, or 2 after printing the error).
int dumpHeader(const DumpOptions& options, std::ostream& out, std::ostream& err);
int dumpCheckpoint(const DumpOptions& options, std::ostream& out, std::ostream& err);
int dumpLog(const DumpOptions& options, std::ostream& out, std::ostream& err);
int dumpRecords(const DumpOptions& options, std::ostream& out, std::ostream& err);
int dumpPage(const DumpOptions& options, std::ostream& out, std::ostream& err);
// The catalog: tables, columns, indexes.
int dumpTables(const DumpOptions& options, std::ostream& out, std::ostream& err);
// Every live row of one table as a JSON object per line (long values resolved).
int dumpTable(const DumpOptions& options, std::ostream& out, std::ostream& err);

// Registers `dump` and its verbs.
void addDumpCommand(CLI::App& app, int& exitCode);

// ---- shared by the dump verbs ---------------------------------------------

// "esekit: PATH: MESSAGE [JET_errX (-N)]" on `err`; returns the error exit status.
int reportDumpError(std::ostream& err, const std::string& path, const Status& status);

// Maps the file and checks that its kind is one of `accepted`; otherwise a
// Status saying what the file is and which verb fits it.
struct DumpInput {
  MappedFile file;
  FileKindDetection detection;
};
Result<DumpInput> openForDump(const std::string& path, std::initializer_list<FileKind> accepted,
                              const char* wanted);

}  // namespace esekit::tools
