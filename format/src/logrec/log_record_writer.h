// Private helpers shared by the log record encoders (one file per family,
// mirroring the decoders). See ese-format/log-records.md §3 for every offset.
#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "esekit/format/log_record_encode.h"

namespace esekit::logrec {

// Appends one record to `out`: the constructor appends the zeroed fixed part
// with the type byte; fixed fields are then stored at their record offsets and
// payload pieces appended in order. Fields are stored through ByteWriter, so
// an offset outside the fixed part is latched (overrun()) instead of writing
// out of bounds; appendLogRecord reports that as an internal inconsistency.
class RecordWriter {
 public:
  RecordWriter(std::vector<uint8_t>& out, LogRecordType type)
      : out_(out), type_(type), base_(out.size()), fixedSize_(logRecordFixedSize(static_cast<uint8_t>(type))) {
    out_.resize(base_ + fixedSize_, 0);
    out_[base_] = static_cast<uint8_t>(type);
  }

  LogRecordType type() const { return type_; }
  size_t base() const { return base_; }

  void u8(size_t offset, uint8_t v) { store([&](ByteWriter& w) { w.u8(offset, v); }); }
  void u16(size_t offset, uint16_t v) { store([&](ByteWriter& w) { w.u16(offset, v); }); }
  void u32(size_t offset, uint32_t v) { store([&](ByteWriter& w) { w.u32(offset, v); }); }
  void i16(size_t offset, int16_t v) { u16(offset, static_cast<uint16_t>(v)); }
  void i32(size_t offset, int32_t v) { store([&](ByteWriter& w) { w.i32(offset, v); }); }
  void i64(size_t offset, int64_t v) { store([&](ByteWriter& w) { w.i64(offset, v); }); }
  // Types with their own serialize(ByteWriter&, offset): LogPosition, LogTime,
  // Signature, BackupInfo, DbmsParameters.
  template <typename T>
  void put(size_t offset, const T& value) {
    store([&](ByteWriter& w) { value.serialize(w, offset); });
  }
  // Copies `bytes` into the fixed part at `offset` (reserved areas).
  void copy(size_t offset, Bytes bytes) { store([&](ByteWriter& w) { w.copy(offset, bytes); }); }

  // `payload` must not point into `out` (appendLogRecord guarantees it).
  void append(Bytes payload) { out_.insert(out_.end(), payload.begin(), payload.end()); }

  // Stores payload.size() as the USHORT / ULONG count at `offset`;
  // InvalidParameter naming `field` when it does not fit.
  Status count16(size_t offset, std::string_view field, size_t size) {
    if (size > std::numeric_limits<uint16_t>::max()) return tooLong(field, size, 65535);
    u16(offset, static_cast<uint16_t>(size));
    return Status::ok();
  }
  Status count32(size_t offset, std::string_view field, size_t size) {
    if (size > std::numeric_limits<uint32_t>::max()) return tooLong(field, size, UINT32_MAX);
    u32(offset, static_cast<uint32_t>(size));
    return Status::ok();
  }

  // InvalidParameter "<Type> record: <field>: <what>".
  Status invalid(std::string_view field, std::string_view what) const {
    return Status(JetError::InvalidParameter, "encoding " + std::string(logRecordTypeName(type_)) +
                                                  " record: " + std::string(field) + ": " + std::string(what));
  }
  Status wrongBody(std::string_view expected) const {
    return invalid("body", "expected a " + std::string(expected) + " for this type");
  }

  void pagePrefix(const PageRecordPrefix& page);  // offsets 0..31, §3.1
  void nodePrefix(const NodeRecordPrefix& node);  // offsets 0..43, §3.2

  bool overrun() const { return overrun_; }

 private:
  // A fresh writer over the fixed part each time: `out_` may have been
  // reallocated by an append since the last store.
  template <typename F>
  void store(F&& write) {
    ByteWriter w(MutableBytes(out_.data() + base_, fixedSize_));
    write(w);
    overrun_ = overrun_ || w.overrun();
  }

  Status tooLong(std::string_view field, size_t size, uint64_t max) const {
    return invalid(field, std::to_string(size) + " bytes do not fit its count field (at most " +
                              std::to_string(max) + ")");
  }

  std::vector<uint8_t>& out_;
  LogRecordType type_;
  size_t base_;
  size_t fixedSize_;
  bool overrun_ = false;
};

// One encoder per family; each handles the types the dispatcher sends it.
Status encodeTransactionRecord(const LogRecord& record, RecordWriter& writer);
Status encodeNodeRecord(const LogRecord& record, RecordWriter& writer);
Status encodeMultiPageRecord(const LogRecord& record, RecordWriter& writer);
Status encodeDatabaseRecord(const LogRecord& record, RecordWriter& writer);
Status encodeLifecycleRecord(const LogRecord& record, RecordWriter& writer);
Status encodeOtherRecord(const LogRecord& record, RecordWriter& writer);

// The body as T, or nullptr (then the caller returns writer.wrongBody()).
template <typename T>
const T* bodyAs(const LogRecord& record) {
  return std::get_if<T>(&record.body);
}

}  // namespace esekit::logrec
