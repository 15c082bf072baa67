#include "integrity_command.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <memory>

#include "esekit/format/file_kind.h"
#include "esekit/format/integrity.h"
#include "json_writer.h"
#include "mapped_file.h"
#include "verify_command.h"

namespace esekit::tools {
namespace {

bool isGzip(Bytes file) { return file.size() >= 2 && file[0] == 0x1F && file[1] == 0x8B; }

// Why `file` cannot be checked as a database, or empty when it can.
std::string notADatabase(Bytes file) {
  if (isGzip(file)) return "gzip-compressed data: decompress it first";
  const FileKindDetection detection = inspectFileKind(file.first(std::min(file.size(), kFileKindProbeSize)));
  if (detection.kind == FileKind::Database || detection.kind == FileKind::TempDatabase) return {};
  if (detection.kind == FileKind::Unknown) {
    // A database whose header copies both fail still names itself at offset 667;
    // checkIntegrity() then reports the header damage precisely.
    if (file.size() > kFileTypeOffset && detection.fileTypeField == static_cast<uint32_t>(FileType::Database)) return {};
    return "not an ESE file" + (detection.reason.empty() ? std::string() : " (" + detection.reason + ")");
  }
  return std::string("not a database but a ") + std::string(fileKindName(detection.kind));
}

struct Outcome {
  bool ok = false;
  std::string line;  // text form
  std::string json;  // one JSON object
  std::vector<std::string> details;
};

Outcome failure(const std::string& path, const Status& status) {
  Outcome outcome;
  outcome.line = path + ": error: " + status.toString();
  JsonWriter json;
  json.beginObject().key("path").string(path).key("status").string("error");
  json.key("error").string(jetErrorName(status.code())).key("code").number(status.number());
  json.key("message").string(status.message()).endObject();
  outcome.json = json.text();
  return outcome;
}

Outcome checkFile(const std::string& path) {
  auto mapped = MappedFile::open(path, MapMode::WholeFile);
  if (!mapped) return failure(path, mapped.status());
  const Bytes file = mapped->bytes();
  if (const std::string why = notADatabase(file); !why.empty())
    return failure(path, Status(JetError::FileInvalidType, why));
  auto report = integrity::checkIntegrity(file);
  if (!report) return failure(path, report.status());

  Outcome outcome;
  outcome.ok = report->ok();
  outcome.line = path + ": " + integrity::verdict(*report) + " (page size " + std::to_string(report->pageSize) + ", " +
                 std::to_string(report->databasePages) + " database pages, " + std::to_string(report->trees) + " trees, " +
                 std::to_string(report->pages) + " pages in trees, " + std::to_string(report->records) + " records, " +
                 std::to_string(report->longValues) + " long values" + (report->dirty ? ", not cleanly shut down" : "") + ")";
  for (const integrity::Problem& problem : report->problems) outcome.details.push_back("  " + problem.toString());
  const uint64_t unlisted = report->errors + report->warnings - report->problems.size();
  if (unlisted > 0) outcome.details.push_back("  ... and " + std::to_string(unlisted) + " more");
  JsonWriter json;
  json.beginObject().key("path").string(path);
  json.key("status").string(report->errors > 0 ? "corrupt" : report->warnings > 0 ? "warnings" : "ok");
  json.fieldMembers(integrity::describe(*report));
  json.endObject();
  outcome.json = json.text();
  return outcome;
}

}  // namespace

int runIntegrity(const IntegrityCommandOptions& options, std::ostream& out, std::ostream& err) {
  bool allOk = true;
  for (const std::string& path : options.paths) {
    const Outcome outcome = checkFile(path);
    allOk = allOk && outcome.ok;
    if (options.json) {
      out << outcome.json << '\n';
    } else if (!options.quiet || !outcome.ok) {
      out << outcome.line << '\n';
      for (const std::string& detail : outcome.details) out << detail << '\n';
    }
    out.flush();
  }
  (void)err;
  return allOk ? kExitOk : kExitBad;
}

void addIntegrityCommand(CLI::App& app, int& exitCode) {
  auto options = std::make_shared<IntegrityCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "integrity",
      "Check the structure of databases like esentutl /g: every B-tree reachable from the catalog, page layout, "
      "space trees and page ownership, catalog consistency, records and long values.");
  command->add_option("databases", options->paths, "Database files to check")->required()->type_name("DB");
  command->add_flag("--json", options->json, "One JSON object per database per line (JSON Lines) on stdout");
  command->add_flag("--quiet,-q", options->quiet, "Print only databases that are not ok");
  command->footer(
      "Exit status: 0 every database ok (warnings such as leaked pages allowed), 2 a database is corrupt or could not\n"
      "be checked, 64 usage error. Formats: doc/cli.md.");
  command->callback([options, &exitCode]() { exitCode = runIntegrity(*options, std::cout, std::cerr); });
}

}  // namespace esekit::tools
