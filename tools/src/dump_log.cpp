// `esekit dump log` (header + scan summary) and `esekit dump records` (every
// record, one line or one JSON object each).
#include <ostream>

#include "dump_command.h"
#include "esekit/format/log_file.h"
#include "json_writer.h"
#include "record_fields.h"
#include "text_table.h"

namespace esekit::tools {

int dumpLog(const DumpOptions& options, std::ostream& out, std::ostream& err) {
  auto input = openForDump(options.path, {FileKind::Log}, "a log file");
  if (!input.isOk()) return reportDumpError(err, options.path, input.status());
  const Bytes bytes = input->file.bytes();
  auto header = parseLogFileHeader(bytes);
  if (!header.isOk()) return reportDumpError(err, options.path, header.status());
  LogScanOptions scanOptions;
  scanOptions.collectRecords = false;
  auto scan = scanLogFile(bytes, scanOptions);
  const FieldList headerFields = describe(*header);
  const FieldList scanFields = scan.isOk() ? describe(*scan) : FieldList{};
  const LogFileIdentity identity = identifyLogFile(input->file.path().filename().string(), bytes);

  if (options.json) {
    JsonWriter json;
    json.beginObject();
    json.key("path").string(options.path);
    json.key("kind").string("log");
    json.key("identity").string(identity.summary);
    json.key("header").fields(headerFields);
    if (scan.isOk()) json.key("scan").fields(scanFields);
    json.endObject();
    out << json.text() << '\n';
  } else {
    out << "File: " << options.path << " (log)\n";
    if (!identity.summary.empty()) out << "Identity: " << identity.summary << '\n';
    out << "\nheader:\n" << formatFieldTable(headerFields, 4);
    if (scan.isOk()) out << "\nscan:\n" << formatFieldTable(scanFields, 4);
  }
  if (!scan.isOk()) return reportDumpError(err, options.path, scan.status());
  return 0;
}

int dumpRecords(const DumpOptions& options, std::ostream& out, std::ostream& err) {
  auto input = openForDump(options.path, {FileKind::Log}, "a log file");
  if (!input.isOk()) return reportDumpError(err, options.path, input.status());
  LogScanOptions scanOptions;
  scanOptions.collectRecords = true;
  auto scan = scanLogFile(input->file.bytes(), scanOptions);
  if (!scan.isOk()) return reportDumpError(err, options.path, scan.status());

  int exitCode = 0;
  for (const LogRecordView& record : scan->records) {
    Status decodeError;
    const FieldList fields = recordFields(record.bytes, decodeError);
    // Keep going: one undecodable record should not hide the rest.
    if (!decodeError.isOk()) exitCode = 2;
    if (options.json) {
      JsonWriter json;
      json.beginObject();
      json.key("lgpos").string(record.position.toString());
      json.key("generation").number(record.position.generation);
      json.key("sector").unsignedNumber(record.position.sector);
      json.key("byte").unsignedNumber(record.position.byteOffset);
      if (record.reassembled) json.key("reassembled").boolean(true);
      json.key("record").fields(fields);
      json.endObject();
      out << json.text() << '\n';
    } else {
      out << record.position.toString() << ' ' << formatFieldLine(fields) << (record.reassembled ? " (reassembled)" : "")
          << '\n';
    }
  }
  if (exitCode != 0) err << "esekit: " << options.path << ": some records could not be decoded (see \"error\")\n";
  return exitCode;
}

}  // namespace esekit::tools
