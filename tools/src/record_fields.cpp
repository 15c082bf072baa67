#include "record_fields.h"

#include "esekit/format/log_record.h"
#include "esekit/format/log_record_decode.h"

namespace esekit::tools {

FieldList recordFields(Bytes record, Status& error) {
  auto decoded = decodeLogRecord(record);
  if (decoded.isOk()) {
    error = Status::ok();
    return describe(*decoded);
  }
  error = decoded.status();
  FieldList fields;
  fields.text("type", record.empty() ? std::string("(empty)") : logRecordTypeLabel(record[0]));
  fields.unsignedNumber("length", record.size());
  fields.text("error", error.toString());
  return fields;
}

}  // namespace esekit::tools
