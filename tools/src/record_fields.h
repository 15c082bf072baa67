// Decoding one log record into the FieldList `esekit dump records` prints.
// Kept apart from the log-file code so that this is the only tools file that
// includes log_record_decode.h.
#pragma once

#include "esekit/format/bytes.h"
#include "esekit/format/fields.h"
#include "esekit/format/status.h"

namespace esekit::tools {

// describe(decodeLogRecord(record)); on a decoding error the type, length
// and the error as fields, and `error` set.
FieldList recordFields(Bytes record, Status& error);

}  // namespace esekit::tools
