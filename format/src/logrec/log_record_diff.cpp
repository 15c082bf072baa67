// ReplaceD diff streams: parsing and after-image construction
// (log-records.md §3.4; the engine's ErrLGGetAfterImage and its redo caller).
#include <algorithm>

#include "logrec/log_record_reader.h"

namespace esekit {
namespace logrec {

bool parseDiffStream(Bytes diffs, bool diff2, std::vector<ReplaceDiffEntry>& entries, size_t& errorOffset,
                     std::string& error) {
  // DIFFHDR flag bits 13-15 are the DIFFHDR2 flag byte's bits 5-7.
  constexpr uint8_t kSameLength = 0x20, kInsert = 0x40, kTwoByteLengths = 0x80;
  const ByteView view(diffs);
  size_t at = 0;
  auto fail = [&](size_t entryStart, const std::string& what) {
    errorOffset = entryStart;
    error = "entry " + std::to_string(entries.size()) + " at stream offset " + std::to_string(entryStart) + ": " +
            what + " runs past the end of the " + std::to_string(diffs.size()) + "-byte stream";
    return false;
  };
  while (at < diffs.size()) {
    const size_t start = at;
    ReplaceDiffEntry e;
    e.streamOffset = static_cast<uint32_t>(start);
    uint8_t flags = 0;
    if (diff2) {
      if (!view.has(at, 3)) return fail(start, "DIFFHDR2");
      e.oldOffset = view.u16(at);
      flags = view.u8(at + 2);
      at += 3;
    } else {
      if (!view.has(at, 2)) return fail(start, "DIFFHDR");
      const uint16_t word = view.u16(at);
      e.oldOffset = word & 0x1FFF;
      flags = static_cast<uint8_t>(word >> 8);
      at += 2;
    }
    e.twoByteLengths = flags & kTwoByteLengths;
    const size_t lengthSize = e.twoByteLengths ? 2 : 1;
    auto readLength = [&](uint16_t& out) {
      if (!view.has(at, lengthSize)) return false;
      out = e.twoByteLengths ? view.u16(at) : view.u8(at);
      at += lengthSize;
      return true;
    };
    if (!readLength(e.newLength)) return fail(start, "new length");
    if (flags & kInsert) {
      e.kind = ReplaceDiffEntry::Kind::Insert;
    } else if (flags & kSameLength) {
      e.kind = ReplaceDiffEntry::Kind::ReplaceSameLength;
      e.oldLength = e.newLength;
    } else {
      e.kind = ReplaceDiffEntry::Kind::Replace;
      if (!readLength(e.oldLength)) return fail(start, "old length");
    }
    if (!view.has(at, e.newLength)) return fail(start, std::to_string(e.newLength) + "-byte new data");
    e.newData = view.slice(at, e.newLength);
    at += e.newLength;
    entries.push_back(e);
  }
  return true;
}

}  // namespace logrec

Result<std::vector<ReplaceDiffEntry>> parseReplaceDiff(Bytes diffs, bool diff2) {
  std::vector<ReplaceDiffEntry> entries;
  size_t errorOffset = 0;
  std::string error;
  if (!logrec::parseDiffStream(diffs, diff2, entries, errorOffset, error)) {
    return Status(JetError::LogCorrupted, "ReplaceD diff stream: " + error);
  }
  return entries;
}

Result<std::vector<uint8_t>> applyReplaceDiff(Bytes before, Bytes diffs, bool diff2, uint32_t pageSize) {
  std::vector<ReplaceDiffEntry> entries;
  size_t errorOffset = 0;
  std::string error;
  // The engine reports every inconsistency of the stream as JET_errLogFileCorrupt.
  if (!logrec::parseDiffStream(diffs, diff2, entries, errorOffset, error)) {
    return Status(JetError::LogFileCorrupt, "ReplaceD diff stream: " + error);
  }
  auto corrupt = [&](const ReplaceDiffEntry& e, const std::string& what) {
    return Status(JetError::LogFileCorrupt, "ReplaceD diff stream: entry at stream offset " +
                                                std::to_string(e.streamOffset) + ": " + what);
  };
  std::vector<uint8_t> after;
  after.reserve(std::min<size_t>(pageSize, before.size() + diffs.size()));
  size_t oldCursor = 0;
  for (const ReplaceDiffEntry& e : entries) {
    if (e.oldOffset < oldCursor) {
      return corrupt(e, "old offset " + std::to_string(e.oldOffset) + " is before the current old position " +
                            std::to_string(oldCursor));
    }
    if (e.oldOffset > before.size()) {
      return corrupt(e, "old offset " + std::to_string(e.oldOffset) + " is beyond the " +
                            std::to_string(before.size()) + "-byte old data");
    }
    const size_t skip = e.oldOffset - oldCursor;
    if (after.size() + skip + e.newLength > pageSize) {
      return corrupt(e, "after-image would exceed the page size " + std::to_string(pageSize));
    }
    after.insert(after.end(), before.begin() + oldCursor, before.begin() + e.oldOffset);
    oldCursor = e.oldOffset;
    after.insert(after.end(), e.newData.begin(), e.newData.end());
    if (e.oldLength > before.size() - oldCursor) {
      return corrupt(e, "replaces " + std::to_string(e.oldLength) + " old bytes at " + std::to_string(oldCursor) +
                            ", beyond the " + std::to_string(before.size()) + "-byte old data");
    }
    oldCursor += e.oldLength;
  }
  const size_t rest = before.size() - oldCursor;
  if (after.size() + rest > pageSize) {
    return Status(JetError::LogFileCorrupt, "ReplaceD diff stream: after-image of " +
                                                std::to_string(after.size() + rest) + " bytes exceeds the page size " +
                                                std::to_string(pageSize));
  }
  after.insert(after.end(), before.begin() + oldCursor, before.end());
  return after;
}

Result<std::vector<uint8_t>> replaceAfterImage(Bytes before, const ReplaceRecord& record, uint32_t pageSize) {
  std::vector<uint8_t> after;
  if (record.isDiff) {
    auto applied = applyReplaceDiff(before, record.payload, record.diff2, pageSize);
    ESEKIT_RETURN_IF_ERROR(applied);
    after = std::move(applied.value());
    // Redo additionally rejects an after-image that fills a whole page.
    if (after.size() >= pageSize) {
      return Status(JetError::LogCorrupted, "ReplaceD: after-image of " + std::to_string(after.size()) +
                                                " bytes is not smaller than the page size " +
                                                std::to_string(pageSize));
    }
  } else {
    after.assign(record.payload.begin(), record.payload.end());
  }
  if (after.size() != record.newDataLength) {
    return Status(JetError::LogCorrupted, std::string(record.isDiff ? "ReplaceD" : "Replace") + ": after-image is " +
                                              std::to_string(after.size()) + " bytes but cbNewData (offset 48) is " +
                                              std::to_string(record.newDataLength));
  }
  return after;
}

}  // namespace esekit
