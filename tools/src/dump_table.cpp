// `esekit dump tables FILE` (the catalog) and `esekit dump table NAME FILE`
// (every live row): read a database's tables offline without Windows, e.g.
// SRUM, WebCache or Windows Search. Values are rendered by column type
// (ese-format/records-and-catalog.md §3).
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ostream>

#include "dump_command.h"
#include "esekit/format/database_header.h"
#include "esekit/format/table.h"
#include "esekit/format/text.h"
#include "json_writer.h"

namespace esekit::tools {
namespace {

using record::ColumnType;

struct OpenDatabase {
  DumpInput input;
  table::DatabaseImage image;
  table::Catalog catalog;
};

Result<OpenDatabase> openDatabase(const DumpOptions& options) {
  auto input = openForDump(options.path, {FileKind::Database, FileKind::TempDatabase}, "a database");
  if (!input.isOk()) return input.status();
  const Bytes bytes = input->file.bytes();
  auto header = readDatabaseHeader(bytes.first(std::min(bytes.size(), kFileKindProbeSize)));
  if (!header.isOk()) return header.status();
  OpenDatabase db{std::move(*input), {}, {}};
  db.image.file = db.input.file.bytes();
  db.image.pageSize = static_cast<uint32_t>(header->header.pageSize());
  auto catalog = table::readCatalog(db.image);
  if (!catalog.isOk()) return catalog.status();
  db.catalog = std::move(*catalog);
  return db;
}

std::string hex(const std::vector<uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (uint8_t b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}


// Text columns: code page 1200 is UTF-16LE, anything else is 8-bit (read as Latin-1).
std::string text(const table::Column& column, const std::vector<uint8_t>& bytes) {
  if (column.codePage != 1200) return latin1ToUtf8(bytes);
  std::string out = utf16leToUtf8(bytes, false);
  if (!out.empty() && out.back() == '\0') out.pop_back();  // a stored terminator
  return out;
}

template <typename T>
T scalar(const std::vector<uint8_t>& bytes) {
  T value{};
  std::memcpy(&value, bytes.data(), std::min(sizeof(T), bytes.size()));
  return value;
}

// Writes one instance as a JSON value; integers as numbers, the rest as strings.
void writeValue(JsonWriter& json, const table::Column& column, const std::vector<uint8_t>& bytes) {
  const uint32_t size = record::fixedSizeOf(column.type);
  if (size != 0 && bytes.size() != size) {
    json.string(hex(bytes));
    return;
  }
  char buffer[64];
  switch (column.type) {
    case ColumnType::Bit: json.boolean(bytes[0] != 0); return;
    case ColumnType::UnsignedByte: json.unsignedNumber(bytes[0]); return;
    case ColumnType::Short: json.number(scalar<int16_t>(bytes)); return;
    case ColumnType::UnsignedShort: json.unsignedNumber(scalar<uint16_t>(bytes)); return;
    case ColumnType::Long: json.number(scalar<int32_t>(bytes)); return;
    case ColumnType::UnsignedLong: json.unsignedNumber(scalar<uint32_t>(bytes)); return;
    case ColumnType::Currency:
    case ColumnType::LongLong: json.number(scalar<int64_t>(bytes)); return;
    case ColumnType::UnsignedLongLong: json.unsignedNumber(scalar<uint64_t>(bytes)); return;
    case ColumnType::IEEESingle: json.real(scalar<float>(bytes), 9); return;
    case ColumnType::IEEEDouble:
    case ColumnType::DateTime: json.real(scalar<double>(bytes), 17); return;  // DateTime: OLE days since 1899-12-30
    case ColumnType::GUID: {
      std::snprintf(buffer, sizeof buffer, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", scalar<uint32_t>(bytes),
                    loadLittleEndian<uint16_t>(bytes.data() + 4), loadLittleEndian<uint16_t>(bytes.data() + 6),
                    bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
      json.string(buffer);
      return;
    }
    case ColumnType::Text:
    case ColumnType::LongText: json.string(text(column, bytes)); return;
    default: json.string(hex(bytes)); return;
  }
}

}  // namespace

int dumpTables(const DumpOptions& options, std::ostream& out, std::ostream& err) {
  auto db = openDatabase(options);
  if (!db.isOk()) return reportDumpError(err, options.path, db.status());
  for (const table::Table& t : db->catalog.tables) {
    if (options.json) {
      JsonWriter json;
      json.beginObject().key("table").string(t.name).key("objid").unsignedNumber(t.objectId);
      json.key("root_page").unsignedNumber(t.rootPage).key("lv_root_page").unsignedNumber(t.longValueRoot);
      json.key("columns").beginArray();
      for (const table::Column& c : t.columns) {
        json.beginObject().key("fid").unsignedNumber(c.fid).key("name").string(c.name);
        json.key("type").string(record::columnTypeName(c.type)).key("max_size").unsignedNumber(c.maxSize);
        json.key("code_page").unsignedNumber(c.codePage).key("flags").unsignedNumber(c.flags).endObject();
      }
      json.endArray().key("indexes").beginArray();
      for (const table::Index& i : t.indexes) {
        json.beginObject().key("name").string(i.name).key("objid").unsignedNumber(i.objectId);
        json.key("root_page").unsignedNumber(i.rootPage).key("primary").boolean(i.primary()).endObject();
      }
      json.endArray().endObject();
      out << json.text() << '\n';
      continue;
    }
    out << t.name << " (objid " << t.objectId << ", root page " << t.rootPage;
    if (t.longValueRoot != 0) out << ", long values at page " << t.longValueRoot;
    out << ")\n";
    for (const table::Column& c : t.columns) {
      out << "    column " << c.fid << "  " << c.name << "  " << record::columnTypeName(c.type);
      if (c.maxSize != 0) out << "(" << c.maxSize << ")";
      if (c.codePage != 0) out << " cp" << c.codePage;
      out << '\n';
    }
    for (const table::Index& i : t.indexes)
      out << "    index  " << i.name << (i.primary() ? " (primary)" : "") << "  root page " << i.rootPage << '\n';
  }
  return 0;
}

int dumpTable(const DumpOptions& options, std::ostream& out, std::ostream& err) {
  auto db = openDatabase(options);
  if (!db.isOk()) return reportDumpError(err, options.path, db.status());
  const table::Table* t = db->catalog.find(options.tableName);
  if (t == nullptr)
    return reportDumpError(err, options.path,
                           Status(JetError::ObjectNotFound, "no table named '" + options.tableName + "' in the catalog"));
  uint64_t rows = 0;
  Status status = table::forEachRow(db->image, *t, [&](const table::Row& row) {
    JsonWriter json;
    json.beginObject();
    for (const table::ColumnValue& value : row.values) {
      const table::Column* column = t->column(value.fid);
      json.key(column->name);
      if (value.instances.size() == 1) {
        writeValue(json, *column, value.instances[0]);
      } else {
        json.beginArray();
        for (const auto& instance : value.instances) writeValue(json, *column, instance);
        json.endArray();
      }
    }
    json.endObject();
    out << json.text() << '\n';
    ++rows;
    return Status::ok();
  });
  if (!status.isOk()) return reportDumpError(err, options.path, status);
  if (!options.json) err << rows << " rows in " << t->name << '\n';
  return 0;
}

}  // namespace esekit::tools
