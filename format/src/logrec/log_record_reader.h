// Private helpers shared by the log record decoders (one file per family).
#pragma once

#include <string>
#include <string_view>

#include "esekit/format/log_record_decode.h"

namespace esekit::logrec {

// A whole record whose length has already been checked against its fixed
// part and count fields. Fixed fields are read with u8/u16/...; payload
// pieces are taken in order after the fixed part with take().
class RecordReader {
 public:
  RecordReader(Bytes record, LogRecordType type)
      : view_(record), type_(type), cursor_(logRecordFixedSize(static_cast<uint8_t>(type))) {}

  LogRecordType type() const { return type_; }
  size_t size() const { return view_.size(); }
  uint8_t u8(size_t offset) const { return view_.u8(offset); }
  uint16_t u16(size_t offset) const { return view_.u16(offset); }
  uint32_t u32(size_t offset) const { return view_.u32(offset); }
  int16_t i16(size_t offset) const { return static_cast<int16_t>(view_.u16(offset)); }
  int32_t i32(size_t offset) const { return view_.i32(offset); }
  int64_t i64(size_t offset) const { return view_.i64(offset); }
  const ByteView& view() const { return view_; }

  // The next `length` bytes after the fixed part (and earlier takes).
  Bytes take(size_t length) {
    Bytes piece = view_.slice(cursor_, length);
    cursor_ += length;
    return piece;
  }
  size_t cursor() const { return cursor_; }
  // True if any read or take fell outside the record (a decoder bug or an
  // inconsistent record); decodeLogRecord turns it into LogCorrupted.
  bool overrun() const { return view_.overrun(); }

  // LogCorrupted "<Type> record: offset <n>: <what>".
  Status corrupt(size_t offset, std::string_view what) const {
    return Status(JetError::LogCorrupted, std::string(logRecordTypeName(type_)) + " record: offset " +
                                              std::to_string(offset) + ": " + std::string(what));
  }

  PageRecordPrefix pagePrefix() const;  // offsets 0..31, §3.1
  NodeRecordPrefix nodePrefix() const;  // offsets 0..43, §3.2

 private:
  ByteView view_;
  LogRecordType type_;
  size_t cursor_;
};

// One decoder per family; each handles the types the dispatcher sends it.
Result<LogRecordBody> decodeTransactionRecord(RecordReader& reader);
Result<LogRecordBody> decodeNodeRecord(RecordReader& reader);
Result<LogRecordBody> decodeMultiPageRecord(RecordReader& reader);
Result<LogRecordBody> decodeDatabaseRecord(RecordReader& reader);
Result<LogRecordBody> decodeLifecycleRecord(RecordReader& reader);
Result<LogRecordBody> decodeOtherRecord(RecordReader& reader);

// Parses a ReplaceD diff stream (log-records.md §3.4). On failure returns
// false with the stream offset of the bad entry and a description.
bool parseDiffStream(Bytes diffs, bool diff2, std::vector<ReplaceDiffEntry>& entries, size_t& errorOffset,
                     std::string& error);




// Ignorable records (LRIGNORED): `cb` at offset 1 must cover `needed` bytes
// of known layout after the 5-byte header.
Status checkIgnorableSize(const RecordReader& reader, uint32_t needed);

}  // namespace esekit::logrec
