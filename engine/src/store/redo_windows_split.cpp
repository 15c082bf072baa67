// Redo of macros: the split and merge paths ESE logs as one Split2/Merge2
// record per level between MacroBegin and MacroCommit, followed by the node
// operation made with them (log-records.md §3.5, §4.3).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "esekit/format/page.h"
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

namespace {

// One line of the split page as the split sees it (ESE's LINEINFO): the
// page's nodes with the macro's operation applied at ilineOper.
struct SplitLine {
  std::vector<uint8_t> key;
  std::vector<uint8_t> data;
  uint8_t flags = 0;  // node flags without Compressed
};

constexpr size_t kPrefixOverhead = 2;  // a cbPrefix word (page-format.md §5)

size_t commonLength(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// Writes `lines` into an emptied page, compressed against `prefix` where
// that saves more than the cbPrefix word (ErrLGIRedoSplitLineinfo).
Status writeLines(NodePage& page, const std::vector<SplitLine>& lines, size_t first, size_t last,
                  const std::vector<uint8_t>* prefix) {
  for (size_t i = first; i < last; ++i) {
    const SplitLine& line = lines[i];
    size_t common = prefix ? commonLength(*prefix, line.key) : 0;
    if (common <= kPrefixOverhead) common = 0;
    ESEKIT_RETURN_IF_ERROR(page.insert(static_cast<uint16_t>(i - first), line.flags, static_cast<uint16_t>(common),
                                       Bytes(line.key).subspan(common), line.data));
  }
  return Status::ok();
}

// A dehydrated before-image (Split2/Merge2 flag 0x1): the page with the
// free gap between the data and the tag array cut out.
std::optional<std::vector<uint8_t>> rehydrate(Bytes image, uint32_t flags, size_t pageSize) {
  if (flags & 0x2) return std::nullopt;  // Xpress-compressed: not supported
  if (image.size() == pageSize) return std::vector<uint8_t>(image.begin(), image.end());
  if (!(flags & 0x1) || image.size() < 40 || image.size() > pageSize) return std::nullopt;
  const uint16_t tags = loadLittleEndian<uint16_t>(image.data() + 34) & 0x0FFF;
  const size_t tagBytes = size_t{tags} * 4;
  if (tagBytes > image.size()) return std::nullopt;
  std::vector<uint8_t> page(pageSize, 0);
  std::copy(image.begin(), image.end() - static_cast<std::ptrdiff_t>(tagBytes), page.begin());
  std::copy(image.end() - static_cast<std::ptrdiff_t>(tagBytes), image.end(), page.end() - static_cast<std::ptrdiff_t>(tagBytes));
  return page;
}

}  // namespace

Result<std::vector<RedoEffect>> WindowsRedo::redoSplitPath(StoreImpl& store, std::span<const LogRecord> records,
                                                           std::span<const LogPosition> positions, Gate& gated) {
  // The levels of the path and the node operation made with the split.
  const SplitRecord* leaf = nullptr;
  size_t leafIndex = 0;
  const LogRecord* operation = nullptr;
  for (size_t i = 0; i < records.size(); ++i) {
    if (const auto* split = records[i].as<SplitRecord>()) {
      if (split->pgnoNew == 0) continue;  // a level that only receives the separator
      if (leaf)
        return Status(JetError::InvalidLoggedOperation,
                      store.path().string() + ": cannot redo the " + describe(records[i], positions[i]) +
                          ": splits of more than one level in one macro are not implemented");
      leaf = split;
      leafIndex = i;
    } else if (records[i].type == LogRecordType::Insert || records[i].type == LogRecordType::Replace ||
               records[i].type == LogRecordType::FlagInsertAndReplaceData) {
      operation = &records[i];
    }
  }
  if (!leaf) return unsupported(store, records.front(), positions.front());
  const std::string where = describe(records[leafIndex], positions[leafIndex]);
  auto fail = [&](uint32_t pgno, const std::string& what) {
    return Status(JetError::DatabaseCorrupted,
                  store.path().string() + ": page " + std::to_string(pgno) + ", " + where + ": " + what);
  };
  const int64_t dbtime = leaf->page.dbtime;
  GatePage& splitPage = gated.pages.at(leaf->page.pgno);
  GatePage& newPage = gated.pages.at(leaf->pgnoNew);
  if (leaf->splitType > 2) return fail(leaf->page.pgno, "unknown split type " + std::to_string(leaf->splitType));

  // The operation's node (kdf): key and data from the Insert/Replace record.
  SplitLine operated;
  bool inserting = leaf->splitOperation == 1;
  if (leaf->splitOperation != 0) {
    if (!operation) return fail(leaf->page.pgno, "the macro has no node operation for the split");
    if (const auto* insert = operation->as<InsertRecord>()) {
      operated.key.assign(insert->keyPrefix.begin(), insert->keyPrefix.end());
      operated.key.insert(operated.key.end(), insert->keySuffix.begin(), insert->keySuffix.end());
      operated.data.assign(insert->data.begin(), insert->data.end());
    } else if (const auto* replace = operation->as<ReplaceRecord>()) {
      if (replace->isDiff) return fail(leaf->page.pgno, "a ReplaceD made with a split");
      operated.data.assign(replace->payload.begin(), replace->payload.end());
    } else if (const auto* flagInsert = operation->as<FlagInsertRecord>()) {
      operated.key.assign(flagInsert->key.begin(), flagInsert->key.end());
      operated.data.assign(flagInsert->data.begin(), flagInsert->data.end());
    }
  }

  // The split page as it was before the split: the page itself when it
  // needs redo, else the logged before-image (ESE uses it exactly for this:
  // the new page must be rebuilt but the split page on disk is already past
  // the split).
  std::vector<uint8_t> before;
  if (splitPage.needed) {
    if (!splitPage.handle) return fail(splitPage.pgno, "the split page is all zero");
    before.assign(splitPage.handle->bytes().begin(), splitPage.handle->bytes().end());
  } else if (newPage.needed && !(leaf->splitType == 2 && inserting)) {
    auto image = rehydrate(leaf->pageBeforeImage, leaf->preimageFlags, store.pageSize());
    if (!image)
      return fail(splitPage.pgno, leaf->pageBeforeImage.empty()
                                      ? "the new page needs redo, the split page is past the split and no before-image "
                                        "was logged (flush dependency broken)"
                                      : "the before-image is Xpress-compressed (not supported)");
    before = std::move(*image);
  }

  // Lines (LINEINFO) in split order.
  std::vector<SplitLine> lines;
  if (!before.empty()) {
    NodePage source{MutableBytes(before.data(), before.size())};
    const uint16_t count = source.nodeCount();
    for (uint16_t i = 0; i < count; ++i) {
      const NodePage::Line line = source.line(i);
      SplitLine one;
      source.appendKey(i, one.key);
      one.data.assign(line.data.begin(), line.data.end());
      one.flags = static_cast<uint8_t>(line.flags & ~page::node_flag::Compressed);
      lines.push_back(std::move(one));
    }
    if (inserting) {
      if (leaf->ilineOperation > lines.size()) return fail(splitPage.pgno, "ilineOper past the last node");
      lines.insert(lines.begin() + leaf->ilineOperation, operated);
    } else if (leaf->splitOperation != 0) {
      if (leaf->ilineOperation >= lines.size()) return fail(splitPage.pgno, "ilineOper past the last node");
      lines[leaf->ilineOperation].data = operated.data;
    }
  } else {
    // Append whose split page is already past the split: only the new node.
    lines.resize(leaf->lineCount);
    lines.back() = operated;
  }
  if (lines.size() != leaf->lineCount || leaf->ilineSplit > lines.size())
    return fail(splitPage.pgno, "the split page gives " + std::to_string(lines.size()) + " lines, the record " +
                                    std::to_string(leaf->lineCount) + " split at " + std::to_string(leaf->ilineSplit));
  const bool vertical = leaf->splitType == 0;
  const size_t firstMoved = vertical ? 0 : leaf->ilineSplit;

  std::vector<RedoEffect> effects(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    effects[i] = skippedEffect(records[i]);
    effects[i].applied = gated.anyNeeded;
  }

  // New page: the moved lines under the prefix of line ilineSplit + ilinePrefixNew.
  if (newPage.needed) {
    if (!newPage.handle) newPage.handle = store.cache_->fresh(newPage.pgno);
    const bool linked = !vertical && (leaf->newPageFlags & page::flag::Leaf);
    page::initializePage(newPage.handle->bytes(),
                         page::NewPage{leaf->pgnoNew, leaf->objidFDP, dbtime, leaf->newPageFlags,
                                       linked ? leaf->page.pgno : 0u, linked ? leaf->pgnoRight : 0u});
    NodePage page(newPage.handle->bytes());
    page.setFlags(leaf->newPageFlags);
    std::vector<uint8_t> prefix;
    const bool hasPrefix = leaf->ilinePrefixNew >= 0 &&
                           firstMoved + static_cast<size_t>(leaf->ilinePrefixNew) < lines.size();
    if (hasPrefix) {
      prefix = lines[firstMoved + static_cast<size_t>(leaf->ilinePrefixNew)].key;
      ESEKIT_RETURN_IF_ERROR(page.setExternalHeader(prefix));
    }
    const Status status = writeLines(page, lines, firstMoved, lines.size(), hasPrefix ? &prefix : nullptr);
    if (!status.isOk()) return fail(newPage.pgno, status.message());
    markRedone(store, newPage, dbtime, positions[leafIndex]);
  }

  // Split page: keeps [0, ilineSplit) (nothing for a vertical split, which
  // leaves one node with the empty key pointing to the new page).
  if (splitPage.needed) {
    NodePage page(splitPage.handle->bytes());
    const bool newPrefix = leaf->ilinePrefixSplit >= 0;
    for (uint16_t i = page.nodeCount(); i > 0; --i) page.remove(static_cast<uint16_t>(i - 1));
    if (newPrefix) ESEKIT_RETURN_IF_ERROR(page.setExternalHeader(leaf->prefixSplitNew));
    if (vertical) {
      uint8_t child[4];
      storeLittleEndian<uint32_t>(child, leaf->pgnoNew);
      ESEKIT_RETURN_IF_ERROR(page.insert(0, 0, 0, {}, Bytes(child, 4)));
    } else {
      std::vector<uint8_t> prefix;
      const Bytes current = page.keyPrefix();
      prefix.assign(current.begin(), current.end());
      const Status status = writeLines(page, lines, 0, leaf->ilineSplit, prefix.empty() ? nullptr : &prefix);
      if (!status.isOk()) return fail(splitPage.pgno, status.message());
      if (leaf->splitPageFlags & page::flag::Leaf) page.setNext(leaf->pgnoNew);
    }
    page.setFlags(leaf->splitPageFlags);
    markRedone(store, splitPage, dbtime, positions[leafIndex]);
  }

  // Old right sibling: now after the new page.
  if (leaf->pgnoRight != 0) {
    GatePage& right = gated.pages.at(leaf->pgnoRight);
    if (right.needed) {
      if (!right.handle) return fail(right.pgno, "the right sibling is all zero");
      NodePage(right.handle->bytes()).setPrevious(leaf->pgnoNew);
      markRedone(store, right, dbtime, positions[leafIndex]);
    }
  }

  // Parent: a node (separator key -> split page) before the one that pointed
  // to the split page, which now points to the new page.
  if (leaf->pgnoParent != 0) {
    GatePage& parent = gated.pages.at(leaf->pgnoParent);
    if (parent.needed) {
      if (!parent.handle) return fail(parent.pgno, "the parent page is all zero");
      NodePage page(parent.handle->bytes());
      const uint16_t count = page.nodeCount();
      uint16_t at = count;
      for (uint16_t i = 0; i < count; ++i) {
        if (page.childPage(i) == leaf->page.pgno) {
          at = i;
          break;
        }
      }
      if (at == count) return fail(parent.pgno, "no node of the parent points to the split page");
      uint8_t child[4];
      storeLittleEndian<uint32_t>(child, leaf->page.pgno);
      const Bytes prefix = page.keyPrefix();
      size_t common = 0;
      while (common < prefix.size() && common < leaf->parentKey.size() && prefix[common] == leaf->parentKey[common])
        ++common;
      if (common <= kPrefixOverhead) common = 0;
      Status status = page.insert(at, 0, static_cast<uint16_t>(common), leaf->parentKey.subspan(common), Bytes(child, 4));
      if (status.isOk()) {
        storeLittleEndian<uint32_t>(child, leaf->pgnoNew);
        status = page.replaceData(static_cast<uint16_t>(at + 1), Bytes(child, 4));
      }
      if (!status.isOk()) return fail(parent.pgno, status.message());
      markRedone(store, parent, dbtime, positions[leafIndex]);
    }
  }
  // Pages named only by a level without a new page (and not the parent of
  // the split) change nothing but their dbtime.
  for (auto& [pgno, page] : gated.pages) {
    if (!page.needed || !page.handle) continue;
    if (NodePage(Bytes(page.handle->bytes())).dbtime() < dbtime) markRedone(store, page, dbtime, positions[leafIndex]);
  }
  // Undo needs the operated node's key.
  for (size_t i = 0; i < records.size(); ++i)
    if (&records[i] == operation && effects[i].key.empty()) effects[i].key = operated.key;
  return effects;
}

Result<std::vector<RedoEffect>> WindowsRedo::redoMergePath(StoreImpl& store, std::span<const LogRecord> records,
                                                           std::span<const LogPosition> positions, Gate& gated) {
  (void)gated;
  for (size_t i = 0; i < records.size(); ++i)
    if (isPathRecord(records[i])) return unsupported(store, records[i], positions[i]);
  return std::vector<RedoEffect>{};
}

}  // namespace esekit::engine::store
