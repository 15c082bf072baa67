// `esekit dump page N FILE`: one database page — its checksum verdict,
// header, flags, tags and nodes (page-format.md §2-§6).
#include <algorithm>
#include <ostream>

#include "dump_command.h"
#include "esekit/format/checksum.h"
#include "esekit/format/database_header.h"
#include "esekit/format/page.h"
#include "json_writer.h"
#include "text_table.h"

namespace esekit::tools {
namespace {

const char* verdictName(checksum::PageChecksumCheck::Verdict verdict) {
  switch (verdict) {
    case checksum::PageChecksumCheck::Verdict::Ok: return "ok";
    case checksum::PageChecksumCheck::Verdict::Correctable: return "correctable";
    case checksum::PageChecksumCheck::Verdict::Bad: return "bad";
  }
  return "bad";
}

const char* schemeName(checksum::PageScheme scheme) {
  switch (scheme) {
    case checksum::PageScheme::Legacy: return "legacy XOR";
    case checksum::PageScheme::XorEcc: return "XOR+ECC";
    case checksum::PageScheme::LargeBlocks: return "XOR+ECC, 4 blocks";
  }
  return "unknown";
}

FieldList checksumFields(Bytes page, uint32_t pgno) {
  FieldList fields;
  if (page::isAllZero(page)) {
    fields.text("checksum.status", "uninitialized (all zero)");
    return fields;
  }
  const checksum::PageChecksumCheck check = checksum::checkPage(page, pgno);
  fields.text("checksum.status", verdictName(check.verdict));
  fields.text("checksum.scheme", schemeName(check.scheme));
  if (check.verdict != checksum::PageChecksumCheck::Verdict::Ok) {
    fields.unsignedNumber("checksum.block", check.block);
    fields.text("checksum.stored", hex64(check.stored));
    fields.text("checksum.computed", hex64(check.computed));
  }
  for (size_t i = 0; i < check.flippedBits.size(); ++i) {
    const uint32_t position = check.flippedBits[i];
    fields.unsignedNumber("checksum.flippedBits." + std::to_string(i), position,
                          "byte " + std::to_string(position / 8) + " bit " + std::to_string(position % 8));
  }
  return fields;
}

}  // namespace

int dumpPage(const DumpOptions& options, std::ostream& out, std::ostream& err) {
  auto input = openForDump(options.path, {FileKind::Database, FileKind::TempDatabase}, "a database");
  if (!input.isOk()) return reportDumpError(err, options.path, input.status());
  const Bytes bytes = input->file.bytes();
  auto read = readDatabaseHeader(bytes.first(std::min(bytes.size(), kFileKindProbeSize)));
  if (!read.isOk()) return reportDumpError(err, options.path, read.status());
  const uint32_t pageSize = read->check.pageSize;
  const uint32_t pgno = options.pageNumber;
  const uint64_t offset = page::fileOffsetOfPage(pgno, pageSize);
  const uint64_t lastPage = bytes.size() / pageSize >= 3 ? bytes.size() / pageSize - 2 : 0;
  if (pgno == 0 || offset + pageSize > bytes.size()) {
    return reportDumpError(err, options.path,
                           Status(JetError::FileIOBeyondEOF,
                                  "page " + std::to_string(pgno) + " at offset " + std::to_string(offset) +
                                      " is beyond the end of the file (" + std::to_string(bytes.size()) +
                                      " bytes, pages 1-" + std::to_string(lastPage) + ")"));
  }
  const Bytes pageBytes = bytes.subspan(offset, pageSize);
  const FieldList checksumInfo = checksumFields(pageBytes, pgno);
  auto view = page::parsePage(pageBytes);
  const Status structure = view.isOk() ? page::validatePage(*view) : view.status();
  FieldList pageFields;
  FieldList nodeFields;
  if (view.isOk()) {
    pageFields = describe(*view);
    nodeFields = page::describeNodes(*view);
  } else if (auto header = page::PageHeader::parse(pageBytes); header.isOk()) {
    pageFields.nest("page.header", describe(*header));
  }

  if (options.json) {
    JsonWriter json;
    json.beginObject();
    json.key("path").string(options.path);
    json.key("kind").string("database");
    json.key("page_number").unsignedNumber(pgno);
    json.key("offset").unsignedNumber(offset);
    json.key("page_size").unsignedNumber(pageSize);
    json.fieldMembers(checksumInfo);
    json.key("structure").beginObject();
    json.key("ok").boolean(structure.isOk());
    if (!structure.isOk()) {
      json.key("error").string(structure.message());
      json.key("jet_error").string(jetErrorName(structure.code()));
    }
    json.endObject();
    json.fieldMembers(pageFields);
    json.fieldMembers(nodeFields);
    json.endObject();
    out << json.text() << '\n';
  } else {
    out << "File: " << options.path << " (database), page " << pgno << " at offset " << offset << ", "
        << pageSize << " bytes\n\n";
    out << formatGroupedTable(checksumInfo, {"checksum.flippedBits"}, 0);
    out << "structure: " << (structure.isOk() ? std::string("ok") : structure.toString()) << "\n\n";
    out << formatGroupedTable(pageFields, {"page.tags"}, 0);
    if (!nodeFields.empty()) out << '\n' << formatGroupedTable(nodeFields, {"nodes"}, 0);
  }
  return 0;
}

}  // namespace esekit::tools
