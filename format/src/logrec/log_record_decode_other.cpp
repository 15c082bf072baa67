// NOP/End filler, fragments (log-format.md §5.2) and ignorable records
// without a known layout (log-records.md §1).
#include "logrec/log_record_reader.h"

namespace esekit::logrec {

Result<LogRecordBody> decodeOtherRecord(RecordReader& r) {
  using T = LogRecordType;
  switch (r.type()) {
    case T::Nop:
    case T::End:
      return LogRecordBody(std::monostate{});
    case T::FragmentBegin: {
      FragmentRecord f;
      f.totalSize = r.u32(1);
      f.data = r.take(r.u16(5));
      return LogRecordBody(f);
    }
    case T::Fragment: {
      FragmentRecord f;
      f.data = r.take(r.u16(1));
      return LogRecordBody(f);
    }
    default:
      if (isIgnorableLogRecordType(static_cast<uint8_t>(r.type()))) {
        return LogRecordBody(IgnoredRecord{r.take(r.u32(1))});
      }
      return r.corrupt(0, "type has no decoder");
  }
}

}  // namespace esekit::logrec
