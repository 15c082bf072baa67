// Records: the data of a leaf node of a table's primary B-tree — fixed,
// variable and tagged columns. See ese-format/records-and-catalog.md §1-§3.
// Decoding works on a view of the node's data; encoding builds the bytes the
// engine stores. Column sizes and types come from the catalog, not from here.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/status.h"

namespace esekit::record {

// JET_coltyp values (§3).
enum class ColumnType : uint8_t {
  Nil = 0, Bit = 1, UnsignedByte = 2, Short = 3, Long = 4, Currency = 5, IEEESingle = 6,
  IEEEDouble = 7, DateTime = 8, Binary = 9, Text = 10, LongBinary = 11, LongText = 12,
  SLV = 13, UnsignedLong = 14, LongLong = 15, GUID = 16, UnsignedShort = 17, UnsignedLongLong = 18,
};
// Stored size of a fixed-size type; 0 for Binary/Text/Long* (size from the catalog).
uint32_t fixedSizeOf(ColumnType type);
const char* columnTypeName(ColumnType type);

// FID classes (§1).
inline constexpr uint16_t kLastFixedFid = 127;
inline constexpr uint16_t kFirstVariableFid = 128;
inline constexpr uint16_t kLastVariableFid = 255;
inline constexpr uint16_t kFirstTaggedFid = 256;
inline constexpr uint8_t kNoVariableColumns = 127;  // fidVarLastInRec meaning "none"

// TAGFLD_HEADER bits (§2.4).
namespace tagged_header {
inline constexpr uint8_t kLongValue = 0x01;
inline constexpr uint8_t kCompressed = 0x02;
inline constexpr uint8_t kSeparated = 0x04;
inline constexpr uint8_t kMultiValued = 0x08;
inline constexpr uint8_t kTwoValues = 0x10;
inline constexpr uint8_t kNull = 0x20;
inline constexpr uint8_t kEncrypted = 0x40;
}  // namespace tagged_header

struct TaggedColumn {
  uint16_t fid = 0;
  bool derived = false;       // belongs to a template table
  bool nullInstance = false;  // explicit NULL overriding a default
  bool hasHeader = false;     // data started with a TAGFLD_HEADER byte
  uint8_t header = 0;         // TAGFLD_HEADER (0 when absent)
  Bytes data;                 // the value bytes after the header byte
};

// One instance of a (possibly multi-valued) tagged column.
struct TaggedInstance {
  Bytes data;
  bool separated = false;  // data is a LID (4 or 8 bytes) into the LV tree
  bool compressed = false;
};

// A parsed record. Views point into the bytes given to parseRecord().
class RecordView {
 public:
  uint8_t lastFixedFid() const { return lastFixedFid_; }
  uint8_t lastVariableFid() const { return lastVariableFid_; }
  uint16_t endOfFixedData() const { return endOfFixedData_; }

  // The fixed columns' bytes (offset 4 up to the null bitmap).
  Bytes fixedArea() const { return fixedArea_; }
  // True when `fid` is beyond lastFixedFid or its null bit is set.
  bool fixedIsNull(uint8_t fid) const;
  // The slot of fixed column `fid` at `offset` (from record start) of `size`
  // bytes; nullopt when NULL, absent, or outside the fixed area.
  std::optional<Bytes> fixed(uint8_t fid, uint32_t offset, uint32_t size) const;
  // Variable column 128..255; nullopt when NULL or absent.
  std::optional<Bytes> variable(uint8_t fid) const;
  const std::vector<TaggedColumn>& tagged() const { return tagged_; }
  const TaggedColumn* findTagged(uint16_t fid) const;

 private:
  friend Result<RecordView> parseRecord(Bytes record, bool largePage);
  Bytes record_;
  uint8_t lastFixedFid_ = 0;
  uint8_t lastVariableFid_ = kNoVariableColumns;
  uint16_t endOfFixedData_ = 4;
  Bytes fixedArea_;
  Bytes nullBitmap_;
  std::vector<uint16_t> variableEnds_;  // raw entries (bit 15 = NULL)
  Bytes variableData_;
  std::vector<TaggedColumn> tagged_;
};

// Parses and bounds-checks a record (§2). `largePage` selects the 16/32 KiB
// tagged encoding (§2.4). Errors: JetError::DatabaseCorrupted naming the offset.
Result<RecordView> parseRecord(Bytes record, bool largePage);

// Splits a tagged column into its instances (single, two-value, multi-value).
Result<std::vector<TaggedInstance>> taggedInstances(const TaggedColumn& column);

// Builds a record in the current format. Fixed columns must be set for
// every FID from 1 to the highest one used (NULL ones too, with their size).
class RecordBuilder {
 public:
  void setFixed(uint8_t fid, uint32_t size, std::optional<Bytes> value);
  void setVariable(uint8_t fid, std::optional<Bytes> value);
  // One tagged value; `header` as TAGFLD_HEADER bits (0 for plain columns).
  void setTagged(uint16_t fid, Bytes value, uint8_t header = 0);

  Result<std::vector<uint8_t>> build(bool largePage) const;

 private:
  struct Fixed { uint8_t fid; uint32_t size; std::optional<std::vector<uint8_t>> value; };
  struct Variable { uint8_t fid; std::optional<std::vector<uint8_t>> value; };
  struct Tagged { uint16_t fid; std::vector<uint8_t> value; uint8_t header; };
  std::vector<Fixed> fixed_;
  std::vector<Variable> variable_;
  std::vector<Tagged> tagged_;
};

}  // namespace esekit::record
