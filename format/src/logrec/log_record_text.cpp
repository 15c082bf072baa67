// Text carried by log records (paths) converted to UTF-8 for dumps. Logged
// text is either UTF-16LE or 8-bit (log-records.md §3.9).
#include "esekit/format/text.h"
#include "logrec/log_record_reader.h"

namespace esekit {

std::string LoggedPath::toUtf8() const { return utf16 ? utf16leToUtf8(raw) : latin1ToUtf8(raw); }

}  // namespace esekit
