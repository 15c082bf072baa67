// Redo of macros: the split and merge paths ESE logs as one Split2/Merge2
// record per level between MacroBegin and MacroCommit, followed by the node
// operation made with them (log-records.md §3.5, §4.3).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "esekit/format/page.h"
#include "esekit/format/page_before_image.h"
#include "esekit/format/page_edit.h"
#include "store/page_operations.h"
#include "store/redo_windows_internal.h"
#include "store/store_impl.h"

namespace esekit::engine::store {
namespace {

bool isPathRecord(const LogRecord& record) {
  return record.type == LogRecordType::Split2 || record.type == LogRecordType::Split ||
         record.type == LogRecordType::Merge2 || record.type == LogRecordType::Merge;
}

}  // namespace

Result<std::vector<RedoEffect>> WindowsRedo::redoMacro(StoreImpl& store, std::span<const LogRecord> records,
                                                       std::span<const LogPosition> positions) {
  ESEKIT_RETURN_IF_ERROR(store.checkWritable());
  std::vector<RedoEffect> effects;
  bool split = false, merge = false;
  for (const LogRecord& record : records) {
    split = split || record.type == LogRecordType::Split2 || record.type == LogRecordType::Split;
    merge = merge || record.type == LogRecordType::Merge2 || record.type == LogRecordType::Merge;
  }
  if (!split && !merge) {
    // A macro of ordinary records: each by itself.
    for (size_t i = 0; i < records.size(); ++i) {
      auto effect = redo(store, records[i], positions[i]);
      if (!effect) return effect.status();
      effects.push_back(std::move(*effect));
    }
    return effects;
  }
  for (const LogRecord& record : records) note(store, record);
  auto gated = gate(store, records, positions);
  if (!gated) return gated.status();
  if (!gated->anyNeeded) {
    for (const LogRecord& record : records) effects.push_back(skippedEffect(record));
    return effects;
  }
  if (split && merge) {
    for (size_t i = 0; i < records.size(); ++i)
      if (isPathRecord(records[i]))
        return Status(JetError::InvalidLoggedOperation,
                      store.path().string() + ": cannot redo the macro with the " + describe(records[i], positions[i]) +
                          ": it mixes split and merge records");
  }
  return split ? redoSplitPath(store, records, positions, *gated) : redoMergePath(store, records, positions, *gated);
}

// One line of the split page as the split sees it (ESE's LINEINFO): the
// page's nodes with the macro's operation applied at ilineOper.
struct SplitPathLine {
  std::vector<uint8_t> key;
  std::vector<uint8_t> data;
  uint8_t flags = 0;  // node flags without Compressed
};

namespace {

constexpr size_t kPrefixOverhead = 2;  // a cbPrefix word (page-format.md §5)

size_t commonLength(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// Writes `lines` into an emptied page, compressed against `prefix` where
// that saves more than the cbPrefix word (ErrLGIRedoSplitLineinfo).
Status writeLines(NodePage& page, const std::vector<SplitPathLine>& lines, size_t first, size_t last,
                  const std::vector<uint8_t>* prefix) {
  for (size_t i = first; i < last; ++i) {
    const SplitPathLine& line = lines[i];
    size_t common = prefix ? commonLength(*prefix, line.key) : 0;
    if (common <= kPrefixOverhead) common = 0;
    ESEKIT_RETURN_IF_ERROR(page.insert(static_cast<uint16_t>(i - first), line.flags, static_cast<uint16_t>(common),
                                       Bytes(line.key).subspan(common), line.data));
  }
  return Status::ok();
}

// A child pointer (internal node data, page-format.md §5).
std::vector<uint8_t> pointerTo(uint32_t pgno) {
  std::vector<uint8_t> data(4);
  storeLittleEndian<uint32_t>(data.data(), pgno);
  return data;
}

}  // namespace

// One level of a split path with its node operation: what ESE's split puts
// at ilineOper of that level (log-records.md §3.5). The leaf level takes the
// macro's Insert/Replace/FlagInsertAndReplaceData; a level above a split
// level inserts that level's separator (parent key -> child split page), and
// the node after it, which pointed to the child's split page, now points to
// the child's new page.
struct SplitLevelOperation {
  SplitPathLine line;
  bool inserting = false;
  std::optional<uint32_t> repointFrom, repointTo;  // node ilineOper + 1: child pointer change
};

Result<std::vector<RedoEffect>> WindowsRedo::redoSplitPath(StoreImpl& store, std::span<const LogRecord> records,
                                                           std::span<const LogPosition> positions, Gate& gated) {
  // Levels of the path as logged: top first (the level that only receives a
  // separator has no new page), the leaf last; then the node operation.
  std::vector<size_t> splitLevels;
  const LogRecord* operation = nullptr;
  for (size_t i = 0; i < records.size(); ++i) {
    if (const auto* split = records[i].as<SplitRecord>()) {
      if (split->pgnoNew != 0) splitLevels.push_back(i);
    } else if (records[i].type == LogRecordType::Insert || records[i].type == LogRecordType::Replace ||
               records[i].type == LogRecordType::FlagInsertAndReplaceData) {
      operation = &records[i];
    }
  }
  if (splitLevels.empty()) return unsupported(store, records.front(), positions.front());
  // The split level whose split page is `pgno` (a parent that splits too).
  auto splitLevelOf = [&](uint32_t pgno) -> const SplitRecord* {
    for (size_t i : splitLevels)
      if (records[i].as<SplitRecord>()->page.pgno == pgno) return records[i].as<SplitRecord>();
    return nullptr;
  };
  auto childOf = [&](const SplitRecord& level) -> const SplitRecord* {
    for (size_t i : splitLevels)
      if (records[i].as<SplitRecord>()->pgnoParent == level.page.pgno) return records[i].as<SplitRecord>();
    return nullptr;
  };
  size_t leaves = 0;
  for (size_t i : splitLevels) leaves += childOf(*records[i].as<SplitRecord>()) ? 0 : 1;
  if (leaves != 1)
    return Status(JetError::InvalidLoggedOperation,
                  store.path().string() + ": cannot redo the macro with the " +
                      describe(records[splitLevels.front()], positions[splitLevels.front()]) + ": its " +
                      std::to_string(splitLevels.size()) + " split levels do not form one path");

  std::vector<RedoEffect> effects(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    effects[i] = skippedEffect(records[i]);
    effects[i].applied = gated.anyNeeded;
  }
  std::vector<uint8_t> operatedKey;
  for (size_t levelIndex : splitLevels) {
    const SplitRecord& level = *records[levelIndex].as<SplitRecord>();
    SplitLevelOperation op;
    if (const SplitRecord* child = childOf(level)) {
      if (level.splitOperation != 1)
        return Status(JetError::DatabaseCorrupted,
                      store.path().string() + ": page " + std::to_string(level.page.pgno) + ", " +
                          describe(records[levelIndex], positions[levelIndex]) +
                          ": a level above a split must insert its separator (split operation " +
                          std::to_string(level.splitOperation) + ")");
      op.inserting = true;
      op.line.key.assign(child->parentKey.begin(), child->parentKey.end());
      op.line.data = pointerTo(child->page.pgno);
      op.repointFrom = child->page.pgno;
      op.repointTo = child->pgnoNew;
    } else {
      op.inserting = level.splitOperation == 1;
      if (level.splitOperation != 0) {
        if (!operation)
          return Status(JetError::DatabaseCorrupted, store.path().string() + ": page " +
                                                         std::to_string(level.page.pgno) + ", " +
                                                         describe(records[levelIndex], positions[levelIndex]) +
                                                         ": the macro has no node operation for the split");
        if (const auto* insert = operation->as<InsertRecord>()) {
          op.line.key.assign(insert->keyPrefix.begin(), insert->keyPrefix.end());
          op.line.key.insert(op.line.key.end(), insert->keySuffix.begin(), insert->keySuffix.end());
          op.line.data.assign(insert->data.begin(), insert->data.end());
        } else if (const auto* replace = operation->as<ReplaceRecord>()) {
          if (replace->isDiff)
            return Status(JetError::DatabaseCorrupted, store.path().string() + ": " +
                                                           describe(records[levelIndex], positions[levelIndex]) +
                                                           ": a ReplaceD made with a split");
          op.line.data.assign(replace->payload.begin(), replace->payload.end());
        } else if (const auto* flagInsert = operation->as<FlagInsertRecord>()) {
          op.line.key.assign(flagInsert->key.begin(), flagInsert->key.end());
          op.line.data.assign(flagInsert->data.begin(), flagInsert->data.end());
        }
      }
      operatedKey = op.line.key;
    }
    const std::string where = describe(records[levelIndex], positions[levelIndex]);
    ESEKIT_RETURN_IF_ERROR(redoSplitLevel(store, level, op, positions[levelIndex], where, gated));
  }

  // A parent that does not split itself (the top level's record without a
  // new page): a node (separator -> split page) before the one that pointed
  // to the split page, which now points to the new page.
  for (size_t levelIndex : splitLevels) {
    const SplitRecord& level = *records[levelIndex].as<SplitRecord>();
    if (level.pgnoParent == 0 || splitLevelOf(level.pgnoParent)) continue;
    GatePage& parent = gated.pages.at(level.pgnoParent);
    if (!parent.needed) continue;
    const std::string where = describe(records[levelIndex], positions[levelIndex]);
    auto fail = [&](const std::string& what) {
      return Status(JetError::DatabaseCorrupted,
                    store.path().string() + ": page " + std::to_string(parent.pgno) + ", " + where + ": " + what);
    };
    if (!parent.handle) return fail("the parent page is all zero");
    NodePage page(parent.handle->bytes());
    const uint16_t count = page.nodeCount();
    uint16_t at = count;
    for (uint16_t i = 0; i < count; ++i) {
      if (page.childPage(i) == level.page.pgno) {
        at = i;
        break;
      }
    }
    if (at == count) return fail("no node of the parent points to the split page");
    const Bytes prefix = page.keyPrefix();
    size_t common = 0;
    while (common < prefix.size() && common < level.parentKey.size() && prefix[common] == level.parentKey[common])
      ++common;
    if (common <= kPrefixOverhead) common = 0;
    Status status = page.insert(at, 0, static_cast<uint16_t>(common), level.parentKey.subspan(common),
                                pointerTo(level.page.pgno));
    if (status.isOk()) status = page.replaceData(static_cast<uint16_t>(at + 1), pointerTo(level.pgnoNew));
    if (!status.isOk()) return fail(status.message());
    markRedone(store, parent, level.page.dbtime, positions[levelIndex]);
  }
  // Pages named only by a level without a new page (and not the parent of
  // a split) change nothing but their dbtime.
  const int64_t dbtime = records[splitLevels.front()].as<SplitRecord>()->page.dbtime;
  for (auto& [pgno, page] : gated.pages) {
    if (!page.needed || !page.handle) continue;
    if (NodePage(Bytes(page.handle->bytes())).dbtime() < dbtime)
      markRedone(store, page, dbtime, positions[splitLevels.front()]);
  }
  // Undo needs the operated node's key.
  for (size_t i = 0; i < records.size(); ++i)
    if (&records[i] == operation && effects[i].key.empty()) effects[i].key = operatedKey;
  return effects;
}

Status WindowsRedo::redoSplitLevel(StoreImpl& store, const SplitRecord& level, const SplitLevelOperation& op,
                                   LogPosition position, const std::string& where, Gate& gated) {
  auto fail = [&](uint32_t pgno, const std::string& what) {
    return Status(JetError::DatabaseCorrupted,
                  store.path().string() + ": page " + std::to_string(pgno) + ", " + where + ": " + what);
  };
  const int64_t dbtime = level.page.dbtime;
  GatePage& splitPage = gated.pages.at(level.page.pgno);
  GatePage& newPage = gated.pages.at(level.pgnoNew);
  if (level.splitType > 2) return fail(level.page.pgno, "unknown split type " + std::to_string(level.splitType));
  if (!splitPage.needed && !newPage.needed) {
    if (level.pgnoRight == 0 || !gated.pages.at(level.pgnoRight).needed) return Status::ok();
  }

  // The split page as it was before the split: the page itself when it
  // needs redo, else the logged before-image (ESE logs it exactly for this:
  // the new page must be rebuilt but the split page on disk is already past
  // the split).
  std::vector<uint8_t> before;
  if (splitPage.needed) {
    if (!splitPage.handle) return fail(splitPage.pgno, "the split page is all zero");
    before.assign(splitPage.handle->bytes().begin(), splitPage.handle->bytes().end());
  } else if (newPage.needed && !(level.splitType == 2 && op.inserting)) {
    if (level.pageBeforeImage.empty())
      return fail(splitPage.pgno,
                  "the new page needs redo, the split page is past the split and no before-image was logged "
                  "(flush dependency broken)");
    auto image = logrec::decodePageBeforeImage(level.pageBeforeImage, level.preimageFlags, store.pageSize());
    if (!image)
      return image.status().withContext(store.path().string() + ": page " + std::to_string(splitPage.pgno) + ", " +
                                        where);
    before = std::move(*image);
  }

  // Lines (LINEINFO) in split order.
  std::vector<SplitPathLine> lines;
  if (!before.empty()) {
    NodePage source{MutableBytes(before.data(), before.size())};
    const uint16_t count = source.nodeCount();
    for (uint16_t i = 0; i < count; ++i) {
      const NodePage::Line line = source.line(i);
      SplitPathLine one;
      source.appendKey(i, one.key);
      one.data.assign(line.data.begin(), line.data.end());
      one.flags = static_cast<uint8_t>(line.flags & ~page::node_flag::Compressed);
      lines.push_back(std::move(one));
    }
    if (op.inserting) {
      if (level.ilineOperation > lines.size()) return fail(splitPage.pgno, "ilineOper past the last node");
      lines.insert(lines.begin() + level.ilineOperation, op.line);
    } else if (level.splitOperation != 0) {
      if (level.ilineOperation >= lines.size()) return fail(splitPage.pgno, "ilineOper past the last node");
      lines[level.ilineOperation].data = op.line.data;
    }
    if (op.repointFrom) {
      const size_t next = size_t{level.ilineOperation} + 1;
      if (next >= lines.size() || lines[next].data.size() != 4 ||
          loadLittleEndian<uint32_t>(lines[next].data.data()) != *op.repointFrom)
        return fail(splitPage.pgno, "the node after ilineOper does not point to the child split page " +
                                        std::to_string(*op.repointFrom));
      lines[next].data = pointerTo(*op.repointTo);
    }
  } else if (newPage.needed) {
    // Append whose split page is already past the split: only the new node.
    if (op.repointFrom) return fail(splitPage.pgno, "an append split above a split level");
    lines.resize(level.lineCount);
    if (!lines.empty()) lines.back() = op.line;
  }
  if ((splitPage.needed || newPage.needed) && (lines.size() != level.lineCount || level.ilineSplit > lines.size()))
    return fail(splitPage.pgno, "the split page gives " + std::to_string(lines.size()) + " lines, the record " +
                                    std::to_string(level.lineCount) + " split at " + std::to_string(level.ilineSplit));
  const bool vertical = level.splitType == 0;
  const size_t firstMoved = vertical ? 0 : level.ilineSplit;

  // New page: the moved lines under the prefix of line ilineSplit + ilinePrefixNew.
  if (newPage.needed) {
    if (!newPage.handle) newPage.handle = store.cache_->fresh(newPage.pgno);
    const bool linked = !vertical && (level.newPageFlags & page::flag::Leaf);
    page::initializePage(newPage.handle->bytes(),
                         page::NewPage{level.pgnoNew, level.objidFDP, dbtime, level.newPageFlags,
                                       linked ? level.page.pgno : 0u, linked ? level.pgnoRight : 0u});
    NodePage page(newPage.handle->bytes());
    page.setFlags(level.newPageFlags);
    std::vector<uint8_t> prefix;
    const bool hasPrefix =
        level.ilinePrefixNew >= 0 && firstMoved + static_cast<size_t>(level.ilinePrefixNew) < lines.size();
    if (hasPrefix) {
      prefix = lines[firstMoved + static_cast<size_t>(level.ilinePrefixNew)].key;
      ESEKIT_RETURN_IF_ERROR(page.setExternalHeader(prefix));
    }
    const Status status = writeLines(page, lines, firstMoved, lines.size(), hasPrefix ? &prefix : nullptr);
    if (!status.isOk()) return fail(newPage.pgno, status.message());
    markRedone(store, newPage, dbtime, position);
  }

  // Split page: keeps [0, ilineSplit) (nothing for a vertical split, which
  // leaves one node with the empty key pointing to the new page).
  if (splitPage.needed) {
    NodePage page(splitPage.handle->bytes());
    for (uint16_t i = page.nodeCount(); i > 0; --i) page.remove(static_cast<uint16_t>(i - 1));
    if (level.ilinePrefixSplit >= 0) ESEKIT_RETURN_IF_ERROR(page.setExternalHeader(level.prefixSplitNew));
    if (vertical) {
      ESEKIT_RETURN_IF_ERROR(page.insert(0, 0, 0, {}, pointerTo(level.pgnoNew)));
    } else {
      std::vector<uint8_t> prefix;
      const Bytes current = page.keyPrefix();
      prefix.assign(current.begin(), current.end());
      const Status status = writeLines(page, lines, 0, level.ilineSplit, prefix.empty() ? nullptr : &prefix);
      if (!status.isOk()) return fail(splitPage.pgno, status.message());
      if (level.splitPageFlags & page::flag::Leaf) page.setNext(level.pgnoNew);
    }
    page.setFlags(level.splitPageFlags);
    markRedone(store, splitPage, dbtime, position);
  }

  // Old right sibling: now after the new page.
  if (level.pgnoRight != 0) {
    GatePage& right = gated.pages.at(level.pgnoRight);
    if (right.needed) {
      if (!right.handle) return fail(right.pgno, "the right sibling is all zero");
      NodePage(right.handle->bytes()).setPrevious(level.pgnoNew);
      markRedone(store, right, dbtime, position);
    }
  }
  return Status::ok();
}

}  // namespace esekit::engine::store
