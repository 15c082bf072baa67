// Record decoding and encoding; see ese-format/records-and-catalog.md §2.
#include "esekit/format/record.h"

#include <algorithm>
#include <string>

namespace esekit::record {
namespace {

Status corrupt(size_t offset, const std::string& what) {
  return Status(JetError::DatabaseCorrupted, "record offset " + std::to_string(offset) + ": " + what);
}

constexpr uint16_t kVariableNullBit = 0x8000;
constexpr uint16_t kVariableOffsetMask = 0x7FFF;
// Tagged offset word, small pages (§2.4).
constexpr uint16_t kSmallOffsetMask = 0x1FFF;
constexpr uint16_t kSmallNullInstance = 0x2000;
constexpr uint16_t kSmallHasHeader = 0x4000;
constexpr uint16_t kDerived = 0x8000;
constexpr uint16_t kLargeOffsetMask = 0x7FFF;

}  // namespace

uint32_t fixedSizeOf(ColumnType type) {
  switch (type) {
    case ColumnType::Bit:
    case ColumnType::UnsignedByte: return 1;
    case ColumnType::Short:
    case ColumnType::UnsignedShort: return 2;
    case ColumnType::Long:
    case ColumnType::UnsignedLong:
    case ColumnType::IEEESingle: return 4;
    case ColumnType::Currency:
    case ColumnType::IEEEDouble:
    case ColumnType::DateTime:
    case ColumnType::LongLong:
    case ColumnType::UnsignedLongLong: return 8;
    case ColumnType::GUID: return 16;
    default: return 0;
  }
}

const char* columnTypeName(ColumnType type) {
  static const char* const names[] = {"Nil", "Bit", "UnsignedByte", "Short", "Long", "Currency", "IEEESingle",
                                      "IEEEDouble", "DateTime", "Binary", "Text", "LongBinary", "LongText",
                                      "SLV", "UnsignedLong", "LongLong", "GUID", "UnsignedShort",
                                      "UnsignedLongLong"};
  const auto index = static_cast<size_t>(type);
  return index < std::size(names) ? names[index] : "Unknown";
}

bool RecordView::fixedIsNull(uint8_t fid) const {
  if (fid == 0 || fid > lastFixedFid_) return true;
  const size_t bit = fid - 1u;
  return (nullBitmap_[bit / 8] >> (bit % 8)) & 1;
}

std::optional<Bytes> RecordView::fixed(uint8_t fid, uint32_t offset, uint32_t size) const {
  if (fixedIsNull(fid) || offset < 4) return std::nullopt;
  const size_t begin = offset - 4u;
  if (begin > fixedArea_.size() || size > fixedArea_.size() - begin) return std::nullopt;
  return fixedArea_.subspan(begin, size);
}

std::optional<Bytes> RecordView::variable(uint8_t fid) const {
  if (fid < kFirstVariableFid || lastVariableFid_ == kNoVariableColumns || fid > lastVariableFid_) return std::nullopt;
  const size_t index = fid - kFirstVariableFid;
  const uint16_t entry = variableEnds_[index];
  if (entry & kVariableNullBit) return std::nullopt;
  const size_t end = entry & kVariableOffsetMask;
  const size_t begin = index == 0 ? 0 : (variableEnds_[index - 1] & kVariableOffsetMask);
  return variableData_.subspan(begin, end - begin);  // bounds checked in parseRecord
}

const TaggedColumn* RecordView::findTagged(uint16_t fid) const {
  for (const TaggedColumn& column : tagged_)
    if (column.fid == fid) return &column;
  return nullptr;
}

Result<RecordView> parseRecord(Bytes record, bool largePage) {
  ByteView view(record);
  if (record.size() < 4) return corrupt(0, "shorter than the 4-byte record header (" + std::to_string(record.size()) + " bytes)");
  RecordView r;
  r.record_ = record;
  r.lastFixedFid_ = view.u8(0);
  r.lastVariableFid_ = view.u8(1);
  r.endOfFixedData_ = view.u16(2);
  if (r.lastFixedFid_ > kLastFixedFid) return corrupt(0, "last fixed column id " + std::to_string(r.lastFixedFid_) + " > 127");
  if (r.lastVariableFid_ < kNoVariableColumns)
    return corrupt(1, "last variable column id " + std::to_string(r.lastVariableFid_) + " < 127");
  const size_t bitmapSize = (r.lastFixedFid_ + 7u) / 8;
  if (r.endOfFixedData_ < 4 + bitmapSize || r.endOfFixedData_ > record.size())
    return corrupt(2, "end of fixed data " + std::to_string(r.endOfFixedData_) + " outside 4+bitmap.." + std::to_string(record.size()));
  r.fixedArea_ = record.subspan(4, r.endOfFixedData_ - 4 - bitmapSize);
  r.nullBitmap_ = record.subspan(r.endOfFixedData_ - bitmapSize, bitmapSize);

  const size_t variableCount = r.lastVariableFid_ == kNoVariableColumns ? 0 : r.lastVariableFid_ - kNoVariableColumns;
  const size_t arrayStart = r.endOfFixedData_;
  const size_t dataStart = arrayStart + 2 * variableCount;
  if (dataStart > record.size()) return corrupt(arrayStart, "variable offset array runs past the record end");
  size_t previousEnd = 0;
  for (size_t i = 0; i < variableCount; ++i) {
    const uint16_t entry = view.u16(arrayStart + 2 * i);
    const size_t end = entry & kVariableOffsetMask;
    if (end < previousEnd || dataStart + end > record.size())
      return corrupt(arrayStart + 2 * i, "variable column " + std::to_string(kFirstVariableFid + i) + " end " +
                                             std::to_string(end) + " out of order or past the record");
    r.variableEnds_.push_back(entry);
    previousEnd = end;
  }
  r.variableData_ = record.subspan(dataStart, previousEnd);

  // Tagged area (§2.4): TAGFLD array, then the data.
  const size_t taggedStart = dataStart + previousEnd;
  const Bytes tagged = record.subspan(taggedStart);
  if (tagged.empty()) return r;
  ByteView tv(tagged);
  if (tagged.size() < 4) return corrupt(taggedStart, "tagged area shorter than one entry");
  const uint16_t offsetMask = largePage ? kLargeOffsetMask : kSmallOffsetMask;
  const size_t firstOffset = tv.u16(2) & offsetMask;
  if (firstOffset % 4 != 0 || firstOffset == 0 || firstOffset > tagged.size())
    return corrupt(taggedStart + 2, "first tagged offset " + std::to_string(firstOffset) + " is not a valid array size");
  const size_t count = firstOffset / 4;
  uint16_t previousFid = 0;
  for (size_t i = 0; i < count; ++i) {
    const uint16_t fid = tv.u16(4 * i);
    const uint16_t word = tv.u16(4 * i + 2);
    const size_t begin = word & offsetMask;
    const size_t end = i + 1 < count ? (tv.u16(4 * (i + 1) + 2) & offsetMask) : tagged.size();
    if (fid < kFirstTaggedFid) return corrupt(taggedStart + 4 * i, "tagged column id " + std::to_string(fid) + " < 256");
    if (begin < firstOffset || end < begin || end > tagged.size())
      return corrupt(taggedStart + 4 * i + 2, "tagged column " + std::to_string(fid) + " data range " +
                                                  std::to_string(begin) + ".." + std::to_string(end) + " invalid");
    TaggedColumn column;
    column.fid = fid;
    column.derived = word & kDerived;
    // Derived entries come first, then ascending FIDs; only non-derived order is checked.
    if (!column.derived && fid <= previousFid)
      return corrupt(taggedStart + 4 * i, "tagged column ids not ascending at " + std::to_string(fid));
    if (!column.derived) previousFid = fid;
    Bytes data = tagged.subspan(begin, end - begin);
    if (largePage) {
      if (data.empty()) return corrupt(taggedStart + begin, "tagged column " + std::to_string(fid) + " lacks its header byte");
      column.hasHeader = true;
    } else {
      column.nullInstance = word & kSmallNullInstance;
      column.hasHeader = word & kSmallHasHeader;
      if (column.hasHeader && data.empty())
        return corrupt(taggedStart + begin, "tagged column " + std::to_string(fid) + " lacks its header byte");
    }
    if (column.hasHeader) {
      column.header = data[0];
      data = data.subspan(1);
      if (largePage && (column.header & tagged_header::kNull)) column.nullInstance = true;
    }
    column.data = data;
    r.tagged_.push_back(column);
  }
  return r;
}

Result<std::vector<TaggedInstance>> taggedInstances(const TaggedColumn& column) {
  using namespace tagged_header;
  std::vector<TaggedInstance> out;
  if (column.nullInstance) return out;
  const Bytes data = column.data;
  if (!(column.header & kMultiValued)) {
    out.push_back({data, (column.header & kSeparated) != 0, (column.header & kCompressed) != 0});
    return out;
  }
  if (column.header & kTwoValues) {
    if (data.empty() || data[0] > data.size() - 1)
      return Status(JetError::DatabaseCorrupted, "column " + std::to_string(column.fid) + ": bad two-value length");
    out.push_back({data.subspan(1, data[0]), false, (column.header & kCompressed) != 0});
    out.push_back({data.subspan(1 + data[0]), false, false});
    return out;
  }
  ByteView view(data);
  if (data.size() < 2) return Status(JetError::DatabaseCorrupted, "column " + std::to_string(column.fid) + ": empty multi-value array");
  const size_t first = view.u16(0) & 0x7FFF;
  if (first < 2 || first % 2 != 0 || first > data.size())
    return Status(JetError::DatabaseCorrupted, "column " + std::to_string(column.fid) + ": bad multi-value array size " + std::to_string(first));
  const size_t count = first / 2;
  for (size_t i = 0; i < count; ++i) {
    const uint16_t word = view.u16(2 * i);
    const size_t begin = word & 0x7FFF;
    const size_t end = i + 1 < count ? (view.u16(2 * (i + 1)) & 0x7FFF) : data.size();
    if (begin < first || end < begin || end > data.size())
      return Status(JetError::DatabaseCorrupted, "column " + std::to_string(column.fid) + ": multi-value " + std::to_string(i) + " out of range");
    out.push_back({data.subspan(begin, end - begin), (word & 0x8000) != 0, i == 0 && (column.header & kCompressed)});
  }
  return out;
}

void RecordBuilder::setFixed(uint8_t fid, uint32_t size, std::optional<Bytes> value) {
  std::optional<std::vector<uint8_t>> copy;
  if (value) copy.emplace(value->begin(), value->end());
  fixed_.push_back({fid, size, std::move(copy)});
}

void RecordBuilder::setVariable(uint8_t fid, std::optional<Bytes> value) {
  std::optional<std::vector<uint8_t>> copy;
  if (value) copy.emplace(value->begin(), value->end());
  variable_.push_back({fid, std::move(copy)});
}

void RecordBuilder::setTagged(uint16_t fid, Bytes value, uint8_t header) {
  tagged_.push_back({fid, std::vector<uint8_t>(value.begin(), value.end()), header});
}

Result<std::vector<uint8_t>> RecordBuilder::build(bool largePage) const {
  auto fixed = fixed_;
  auto variable = variable_;
  auto tagged = tagged_;
  std::sort(fixed.begin(), fixed.end(), [](const Fixed& a, const Fixed& b) { return a.fid < b.fid; });
  std::sort(variable.begin(), variable.end(), [](const Variable& a, const Variable& b) { return a.fid < b.fid; });
  std::sort(tagged.begin(), tagged.end(), [](const Tagged& a, const Tagged& b) { return a.fid < b.fid; });

  for (size_t i = 0; i < fixed.size(); ++i) {
    if (fixed[i].fid != i + 1 || fixed[i].fid > kLastFixedFid)
      return Status(JetError::InvalidParameter, "fixed columns must be 1..n without gaps (missing " + std::to_string(i + 1) + ")");
    if (fixed[i].value && fixed[i].value->size() != fixed[i].size)
      return Status(JetError::InvalidParameter, "fixed column " + std::to_string(fixed[i].fid) + " value size differs from its slot");
  }
  const uint8_t lastFixed = static_cast<uint8_t>(fixed.size());
  const uint8_t lastVariable = variable.empty() ? kNoVariableColumns : variable.back().fid;
  for (size_t i = 0; i < variable.size(); ++i) {
    if (variable[i].fid < kFirstVariableFid || (i > 0 && variable[i].fid == variable[i - 1].fid))
      return Status(JetError::InvalidParameter, "bad or duplicate variable column id " + std::to_string(variable[i].fid));
  }

  std::vector<uint8_t> out(4, 0);
  for (const Fixed& f : fixed) {
    if (f.value) out.insert(out.end(), f.value->begin(), f.value->end());
    else out.insert(out.end(), f.size, 0x2A);  // chRECFill, §2.2
  }
  std::vector<uint8_t> bitmap((lastFixed + 7u) / 8, 0);
  for (size_t bit = 0; bit < bitmap.size() * 8; ++bit) {
    const bool isNull = bit >= fixed.size() || !fixed[bit].value;  // bits past the last FID are written as 1
    if (isNull) bitmap[bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
  }
  out.insert(out.end(), bitmap.begin(), bitmap.end());
  if (out.size() > 0xFFFF) return Status(JetError::InvalidParameter, "fixed area too large");
  const uint16_t endOfFixed = static_cast<uint16_t>(out.size());
  out[0] = lastFixed;
  out[1] = lastVariable;
  storeLittleEndian<uint16_t>(out.data() + 2, endOfFixed);

  // Variable offset array + data (§2.3); absent FIDs in between are NULL.
  std::vector<uint8_t> variableData;
  if (lastVariable != kNoVariableColumns) {
    size_t next = 0;
    for (uint16_t fid = kFirstVariableFid; fid <= lastVariable; ++fid) {
      const bool present = next < variable.size() && variable[next].fid == fid;
      uint16_t entry;
      if (present && variable[next].value) {
        variableData.insert(variableData.end(), variable[next].value->begin(), variable[next].value->end());
        if (variableData.size() > kVariableOffsetMask) return Status(JetError::InvalidParameter, "variable data too large");
        entry = static_cast<uint16_t>(variableData.size());
      } else {
        entry = static_cast<uint16_t>(variableData.size() | kVariableNullBit);
      }
      if (present) ++next;
      out.push_back(static_cast<uint8_t>(entry));
      out.push_back(static_cast<uint8_t>(entry >> 8));
    }
  }
  out.insert(out.end(), variableData.begin(), variableData.end());

  // Tagged area (§2.4).
  if (!tagged.empty()) {
    const uint16_t offsetMask = largePage ? kLargeOffsetMask : kSmallOffsetMask;
    std::vector<uint8_t> array, data;
    const size_t arraySize = 4 * tagged.size();
    for (size_t i = 0; i < tagged.size(); ++i) {
      const Tagged& t = tagged[i];
      if (t.fid < kFirstTaggedFid || (i > 0 && t.fid == tagged[i - 1].fid))
        return Status(JetError::InvalidParameter, "bad or duplicate tagged column id " + std::to_string(t.fid));
      const size_t offset = arraySize + data.size();
      if (offset > offsetMask) return Status(JetError::InvalidParameter, "tagged area too large for this page size");
      uint16_t word = static_cast<uint16_t>(offset);
      if (largePage || t.header != 0) {
        if (!largePage) word |= kSmallHasHeader;
        data.push_back(t.header);
      }
      data.insert(data.end(), t.value.begin(), t.value.end());
      array.push_back(static_cast<uint8_t>(t.fid));
      array.push_back(static_cast<uint8_t>(t.fid >> 8));
      array.push_back(static_cast<uint8_t>(word));
      array.push_back(static_cast<uint8_t>(word >> 8));
    }
    out.insert(out.end(), array.begin(), array.end());
    out.insert(out.end(), data.begin(), data.end());
  }
  return out;
}

}  // namespace esekit::record
