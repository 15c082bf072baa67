// ReplaceD diff streams: construction (log-records.md §3.4), the inverse of
// applyReplaceDiff().
#include <algorithm>

#include "logrec/log_record_writer.h"

namespace esekit {
namespace {

// DIFFHDR flag bits as they sit in the DIFFHDR2 flag byte; in a DIFFHDR word
// they are the same bits shifted up by 8 (§3.4).
constexpr uint8_t kSameLength = 0x20, kInsert = 0x40, kTwoByteLengths = 0x80;
constexpr size_t kMaxDataSize = 0xFFFF;    // cbOldData / cbNewData are USHORTs
constexpr size_t kMaxStreamSize = 0x7FFF;  // the record's cb has 15 bits

// One entry: replace old[oldOffset, oldOffset + oldLength) by
// after[newOffset, newOffset + newLength).
struct Change {
  size_t oldOffset;
  size_t oldLength;
  size_t newOffset;
  size_t newLength;
};

// Changed runs of two equal-length ranges, merged across unchanged gaps that
// are cheaper to repeat than to cover with a new entry header.
void sameLengthRuns(Bytes before, Bytes after, size_t start, size_t length, size_t entryCost,
                    std::vector<Change>& changes) {
  size_t i = 0;
  while (i < length) {
    if (before[start + i] == after[start + i]) {
      ++i;
      continue;
    }
    size_t end = i + 1;
    size_t scan = end;
    while (scan < length) {
      if (before[start + scan] != after[start + scan]) {
        end = ++scan;
        continue;
      }
      // Unchanged gap: merge when the next change comes within entryCost bytes.
      size_t gapEnd = scan;
      while (gapEnd < length && gapEnd - scan <= entryCost && before[start + gapEnd] == after[start + gapEnd]) ++gapEnd;
      if (gapEnd < length && gapEnd - scan <= entryCost) {
        scan = gapEnd;
        continue;
      }
      break;
    }
    changes.push_back(Change{start + i, end - i, start + i, end - i});
    i = end;
  }
}

void appendEntry(std::vector<uint8_t>& stream, const Change& c, bool diff2, Bytes after) {
  const bool insert = c.oldLength == 0 && c.newLength > 0;
  const bool same = !insert && c.oldLength == c.newLength;
  const bool twoByte = c.newLength > 0xFF || c.oldLength > 0xFF;
  const uint8_t flags = static_cast<uint8_t>((insert ? kInsert : 0) | (same ? kSameLength : 0) |
                                             (twoByte ? kTwoByteLengths : 0));
  auto put16 = [&](size_t v) {
    stream.push_back(static_cast<uint8_t>(v));
    stream.push_back(static_cast<uint8_t>(v >> 8));
  };
  if (diff2) {
    put16(c.oldOffset);
    stream.push_back(flags);
  } else {
    put16(c.oldOffset | (size_t{flags} << 8));
  }
  auto putLength = [&](size_t v) {
    if (twoByte) put16(v);
    else stream.push_back(static_cast<uint8_t>(v));
  };
  putLength(c.newLength);
  if (!insert && !same) putLength(c.oldLength);
  stream.insert(stream.end(), after.begin() + static_cast<ptrdiff_t>(c.newOffset),
                after.begin() + static_cast<ptrdiff_t>(c.newOffset + c.newLength));
}

}  // namespace

Result<std::optional<std::vector<uint8_t>>> encodeReplaceDiff(Bytes before, Bytes after, bool diff2) {
  if (before.size() > kMaxDataSize || after.size() > kMaxDataSize) {
    return Status(JetError::InvalidParameter, "encodeReplaceDiff: before (" + std::to_string(before.size()) +
                                                  " bytes) and after (" + std::to_string(after.size()) +
                                                  " bytes) must each fit 65535 bytes");
  }
  size_t prefix = 0;
  const size_t shorter = std::min(before.size(), after.size());
  while (prefix < shorter && before[prefix] == after[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < shorter - prefix && before[before.size() - 1 - suffix] == after[after.size() - 1 - suffix]) {
    ++suffix;
  }
  const size_t oldMiddle = before.size() - prefix - suffix;
  const size_t newMiddle = after.size() - prefix - suffix;

  std::vector<Change> changes;
  if (oldMiddle == newMiddle) {
    // Header + one length byte: what splitting off another entry costs.
    sameLengthRuns(before, after, prefix, oldMiddle, diff2 ? 4 : 3, changes);
  } else {
    changes.push_back(Change{prefix, oldMiddle, prefix, newMiddle});
  }

  std::vector<uint8_t> stream;
  for (const Change& c : changes) {
    if (!diff2 && c.oldOffset > kMaxDiffHeaderOffset) return std::optional<std::vector<uint8_t>>();
    appendEntry(stream, c, diff2, after);
    // A full Replace carries after.size() bytes; stop once the diff cannot win.
    if (stream.size() >= after.size() || stream.size() > kMaxStreamSize) return std::optional<std::vector<uint8_t>>();
  }
  if (stream.size() >= after.size()) return std::optional<std::vector<uint8_t>>();
  return std::optional<std::vector<uint8_t>>(std::move(stream));
}

Result<std::optional<ReplaceDiff>> chooseReplaceDiff(Bytes before, Bytes after, uint32_t pageSize) {
  const bool preferDiff2 = replaceDiffUsesDiff2(pageSize);
  for (const bool diff2 : {preferDiff2, true}) {
    auto stream = encodeReplaceDiff(before, after, diff2);
    ESEKIT_RETURN_IF_ERROR(stream);
    if (stream->has_value()) return std::optional<ReplaceDiff>(ReplaceDiff{std::move(**stream), diff2});
    if (diff2) break;  // DIFFHDR2 did not help: a full Replace is smaller
  }
  return std::optional<ReplaceDiff>();
}

}  // namespace esekit
