// `esekit dump header` (database header + shadow state) and `esekit dump
// checkpoint` (both checkpoint copies).
#include <algorithm>
#include <ostream>

#include "dump_command.h"
#include "esekit/format/checkpoint.h"
#include "esekit/format/database_header.h"
#include "json_writer.h"
#include "text_table.h"

namespace esekit::tools {
namespace {

void printSections(std::ostream& out, const DumpOptions& options, const char* kind,
                   std::initializer_list<std::pair<const char*, const FieldList*>> sections) {
  if (options.json) {
    JsonWriter json;
    json.beginObject();
    json.key("path").string(options.path);
    json.key("kind").string(kind);
    for (const auto& [name, fields] : sections) json.key(name).fields(*fields);
    json.endObject();
    out << json.text() << '\n';
    return;
  }
  out << "File: " << options.path << " (" << kind << ")\n";
  for (const auto& [name, fields] : sections) {
    out << '\n' << name << ":\n" << formatFieldTable(*fields, 4);
  }
}

}  // namespace

int dumpHeader(const DumpOptions& options, std::ostream& out, std::ostream& err) {
  auto input = openForDump(options.path, {FileKind::Database, FileKind::TempDatabase}, "a database");
  if (!input.isOk()) return reportDumpError(err, options.path, input.status());
  const Bytes bytes = input->file.bytes();
  auto read = readDatabaseHeader(bytes.first(std::min(bytes.size(), kFileKindProbeSize)));
  if (!read.isOk()) {
    // Show what is there anyway (forensics), then fail.
    if (auto damaged = parseDatabaseHeader(bytes, HeaderChecksumPolicy::Ignore); damaged.isOk()) {
      const FieldList header = describe(*damaged);
      printSections(out, options, "database", {{"header", &header}});
    }
    return reportDumpError(err, options.path, read.status());
  }
  const FieldList header = describe(read->header);
  const FieldList copies = describe(read->check);
  printSections(out, options, "database", {{"header", &header}, {"copies", &copies}});
  return 0;
}

int dumpCheckpoint(const DumpOptions& options, std::ostream& out, std::ostream& err) {
  auto input = openForDump(options.path, {FileKind::Checkpoint}, "a checkpoint file");
  if (!input.isOk()) return reportDumpError(err, options.path, input.status());
  const Bytes bytes = input->file.bytes();
  auto read = readCheckpointFile(bytes);
  if (!read.isOk()) {
    if (auto damaged = parseCheckpoint(bytes, HeaderChecksumPolicy::Ignore); damaged.isOk()) {
      const FieldList checkpoint = describe(*damaged);
      printSections(out, options, "checkpoint", {{"checkpoint", &checkpoint}});
    }
    return reportDumpError(err, options.path, read.status());
  }
  const FieldList checkpoint = describe(read->checkpoint);
  const FieldList copies = describe(read->check);
  printSections(out, options, "checkpoint", {{"checkpoint", &checkpoint}, {"copies", &copies}});
  return 0;
}

}  // namespace esekit::tools
