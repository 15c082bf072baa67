// FieldList view of a written database, for dumps and JSON output.
#include "esekit/engine/database_writer.h"

#include <string>

namespace esekit::engine {

FieldList describe(const WrittenDatabase& database) {
  FieldList fields;
  fields.unsignedNumber("database.pageSize", database.pageSize)
      .unsignedNumber("database.pageCount", database.pageCount)
      .unsignedNumber("database.fileSize", database.file.size())
      .unsignedNumber("database.lastObjectId", database.lastObjectId)
      .number("database.lastDbtime", database.lastDbtime);
  for (size_t i = 0; i < database.tables.size(); ++i) {
    const WrittenTable& t = database.tables[i];
    FieldList table;
    table.text("name", t.name)
        .unsignedNumber("objectId", t.objectId)
        .unsignedNumber("rootPage", t.rootPage)
        .unsignedNumber("ownedPages", t.ownedPages)
        .unsignedNumber("treePages", t.treePages)
        .unsignedNumber("depth", t.depth)
        .unsignedNumber("separatedValues", t.separatedValues)
        .unsignedNumber("longValueObjectId", t.longValueObjectId)
        .unsignedNumber("longValueRoot", t.longValueRoot)
        .unsignedNumber("longValuePages", t.longValuePages);
    fields.nest("database.tables." + std::to_string(i), table);
  }
  return fields;
}

}  // namespace esekit::engine
