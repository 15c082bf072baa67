#include "dump_command.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <memory>

#include "verify_command.h"
#include "verify_output.h"

namespace esekit::tools {
namespace {

// The verb that dumps a file of this kind, for "wrong kind" messages.
std::string verbFor(FileKind kind) {
  switch (kind) {
    case FileKind::Database:
    case FileKind::TempDatabase: return "esekit dump header (or dump page N)";
    case FileKind::Log: return "esekit dump log (or dump records)";
    case FileKind::Checkpoint: return "esekit dump checkpoint";
    default: return "esekit verify";
  }
}

}  // namespace

int reportDumpError(std::ostream& err, const std::string& path, const Status& status) {
  err << "esekit: " << path << ": " << status.message() << " [" << jetErrorLabel(status.code()) << "]\n";
  return kExitBad;
}

Result<DumpInput> openForDump(const std::string& path, std::initializer_list<FileKind> accepted, const char* wanted) {
  auto mapped = MappedFile::open(path);
  if (!mapped.isOk()) return mapped.status();
  DumpInput input{std::move(mapped.value()), {}};
  const Bytes bytes = input.file.bytes();
  input.detection = inspectFileKind(bytes.first(std::min(bytes.size(), kFileKindProbeSize)));
  if (std::find(accepted.begin(), accepted.end(), input.detection.kind) != accepted.end()) return input;

  const FileKind kind = input.detection.kind;
  if (kind == FileKind::Empty) {
    return Status(JetError::FileIOBeyondEOF, std::string("empty file: no ") + wanted + " header at offset 0");
  }
  if (kind == FileKind::Unknown || kind == FileKind::AllZero || kind == FileKind::ReserveLogPattern) {
    std::string reason = "not " + std::string(wanted) + ": ";
    if (kind == FileKind::Unknown && bytes.size() >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B) {
      reason += "gzip-compressed data: decompress it first";
    } else if (kind == FileKind::Unknown) {
      reason += bytes.size() <= kFileTypeOffset
                    ? "no file type at offset 667 (the file is only " + std::to_string(bytes.size()) + " bytes)"
                    : "no valid ESE header (file type at offset 667 is " + hex32(input.detection.fileTypeField) + ")";
    } else {
      reason += "the file holds only fill (" + std::string(fileKindName(kind)) + "), no header at offset 0";
    }
    const bool gzip = bytes.size() >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;
    if (!input.detection.reason.empty() && !gzip) reason += "; " + input.detection.reason;
    return Status(JetError::FileInvalidType, reason);
  }
  return Status(JetError::FileInvalidType, "this is a " + std::string(fileKindName(kind)) + ", not " + wanted +
                                               " (file type " + std::to_string(input.detection.fileTypeField) +
                                               " at offset 667); use `" + verbFor(kind) + "`");
}

void addDumpCommand(CLI::App& app, int& exitCode) {
  CLI::App* dump = app.add_subcommand("dump", "Print the structures of one ESE file (text, or JSON with --json)");
  dump->require_subcommand(1);
  dump->footer("Exit status: 0 success, 2 the file is of another kind, damaged or unreadable, 64 usage error.");

  struct Verb {
    const char* name;
    const char* help;
    int (*run)(const DumpOptions&, std::ostream&, std::ostream&);
  };
  static constexpr Verb kVerbs[] = {
      {"header", "Database header and the state of its shadow copy (like esentutl /mh)", dumpHeader},
      {"checkpoint", "Checkpoint file, both copies (like esentutl /mk)", dumpCheckpoint},
      {"log", "Log file header and a scan summary: sectors by class, end of log, records (like esentutl /ml)",
       dumpLog},
      {"records", "Every log record: position, type, length, key fields; one per line (--json: JSON Lines)",
       dumpRecords},
      {"tables", "The catalog: every table with its columns and indexes (--json: one object per table)", dumpTables},
  };
  for (const Verb& verb : kVerbs) {
    auto options = std::make_shared<DumpOptions>();
    CLI::App* command = dump->add_subcommand(verb.name, verb.help);
    command->add_option("file", options->path, "The file to dump")->required()->type_name("FILE");
    command->add_flag("--json", options->json, "JSON output");
    auto run = verb.run;
    command->callback([options, run, &exitCode]() { exitCode = run(*options, std::cout, std::cerr); });
  }
  auto pageOptions = std::make_shared<DumpOptions>();
  CLI::App* page = dump->add_subcommand("page", "One database page: header, flags, tags and nodes (esekit dump page N FILE)");
  page->add_option("pgno", pageOptions->pageNumber, "Page number (1 = first page after the two header pages)")
      ->required()
      ->type_name("N")
      ->check(CLI::Range(1u, 0xFFFFFFFEu));
  page->add_option("file", pageOptions->path, "The database file")->required()->type_name("FILE");
  page->add_flag("--json", pageOptions->json, "JSON output");
  page->callback([pageOptions, &exitCode]() { exitCode = dumpPage(*pageOptions, std::cout, std::cerr); });

  auto tableOptions = std::make_shared<DumpOptions>();
  CLI::App* tableVerb = dump->add_subcommand("table", "Every live row of one table, one JSON object per line (esekit dump table NAME FILE)");
  tableVerb->add_option("name", tableOptions->tableName, "Table name, as `esekit dump tables` lists it")->required()->type_name("NAME");
  tableVerb->add_option("file", tableOptions->path, "The database file")->required()->type_name("FILE");
  tableVerb->add_flag("--json", tableOptions->json, "Accepted for symmetry: rows are always JSON Lines");
  tableVerb->callback([tableOptions, &exitCode]() { exitCode = dumpTable(*tableOptions, std::cout, std::cerr); });
}

}  // namespace esekit::tools
