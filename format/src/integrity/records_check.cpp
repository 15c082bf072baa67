// A table's trees: every record of the primary tree parsed against the
// table's columns (records-and-catalog.md §2), secondary indexes walked, and
// every long value of the LV tree checked against the record references
// (§8): chunks contiguous, sizes adding up to the LV root, no dangling LID.
#include <algorithm>
#include <string>
#include <map>

#include "esekit/format/compression.h"
#include "esekit/format/record.h"
#include "integrity/integrity_internal.h"

namespace esekit::integrity::detail {
namespace {

std::string num(uint64_t value) { return std::to_string(value); }
std::string lidText(uint64_t lid) { return lid > 0xFFFFFFFFu ? hex64(lid) : hex32(static_cast<uint32_t>(lid)); }

struct Reference {
  uint32_t count = 0;
  uint32_t pgno = 0;  // first record referring to it
  int node = -1;
  size_t width = 0;
};

class RecordCheck {
 public:
  RecordCheck(Checker& checker, const table::Table* table, const std::string& tree) : c_(checker), table_(table), tree_(tree) {
    if (table_ == nullptr) return;
    for (const table::Column& column : table_->columns) {
      if (byFid_.size() <= column.fid) byFid_.resize(size_t{column.fid} + 1, nullptr);
      byFid_[column.fid] = &column;
      if (column.fid <= record::kLastFixedFid) {
        maxFixed_ = std::max<uint32_t>(maxFixed_, column.fid);
      } else if (column.fid <= record::kLastVariableFid) {
        maxVariable_ = std::max<uint32_t>(maxVariable_, column.fid);
      }
    }
  }

  void visit(Bytes data, bool deleted, size_t nodeIndex, uint32_t pgno) {
    if (deleted) return;
    ++c_.report.records;
    if (table_ == nullptr) return;
    const int at = static_cast<int>(nodeIndex);
    auto record = record::parseRecord(data, c_.large);
    if (!record) {
      c_.error(record.status().code(), pgno, at, tree_, "record does not parse: " + record.status().message());
      return;
    }
    if (record->lastFixedFid() > maxFixed_)
      c_.error(JetError::DatabaseCorrupted, pgno, at, tree_,
               "record has fixed columns up to FID " + num(record->lastFixedFid()) + ", the table defines " +
                   (maxFixed_ == 0 ? std::string("none") : "up to " + num(maxFixed_)));
    if (record->lastVariableFid() != record::kNoVariableColumns && record->lastVariableFid() > maxVariable_)
      c_.error(JetError::DatabaseCorrupted, pgno, at, tree_,
               "record has variable columns up to FID " + num(record->lastVariableFid()) + ", the table defines " +
                   (maxVariable_ == 0 ? std::string("none") : "up to " + num(maxVariable_)));
    // The fixed area holds exactly the slots of FIDs 1..lastFixedFid and the null bitmap (§2.2).
    if (const uint8_t last = record->lastFixedFid(); last > 0 && last <= maxFixed_) {
      if (const table::Column* column = find(last)) {
        const uint32_t expected = column->recordOffset + column->fixedSize() + (last + 7u) / 8u;
        if (record->endOfFixedData() != expected)
          c_.error(JetError::DatabaseCorrupted, pgno, at, tree_,
                   "fixed data ends at " + num(record->endOfFixedData()) + ", the columns up to FID " + num(last) +
                       " and their null bitmap end at " + num(expected));
      }
    }
    for (const record::TaggedColumn& tagged : record->tagged()) {
      if (!tagged.derived && find(tagged.fid) == nullptr) {
        c_.error(JetError::DatabaseCorrupted, pgno, at, tree_, "record has tagged column FID " + num(tagged.fid) +
                                                                   " that the table does not define");
        continue;
      }
      auto instances = record::taggedInstances(tagged);
      if (!instances) {
        c_.error(instances.status().code(), pgno, at, tree_,
                 "tagged column FID " + num(tagged.fid) + ": " + instances.status().message());
        continue;
      }
      for (const record::TaggedInstance& instance : *instances) {
        if (!instance.separated) continue;
        if (instance.data.size() != 4 && instance.data.size() != 8) {
          c_.error(JetError::DatabaseCorrupted, pgno, at, tree_,
                   "separated long value of FID " + num(tagged.fid) + " has a " + num(instance.data.size()) +
                       "-byte LID (expected 4 or 8)");
          continue;
        }
        const uint64_t lid = instance.data.size() == 4 ? loadLittleEndian<uint32_t>(instance.data.data())
                                                       : loadLittleEndian<uint64_t>(instance.data.data());
        Reference& ref = references[lid];
        if (ref.count++ == 0) {
          ref.pgno = pgno;
          ref.node = at;
          ref.width = instance.data.size();
        }
      }
    }
  }

  std::map<uint64_t, Reference> references;

 private:
  const table::Column* find(uint16_t fid) const { return fid < byFid_.size() ? byFid_[fid] : nullptr; }

  std::vector<const table::Column*> byFid_;  // Table::column() is a linear search, once per record is too slow
  Checker& c_;
  const table::Table* table_;
  const std::string& tree_;
  uint32_t maxFixed_ = 0;
  uint32_t maxVariable_ = 0;
};

struct LongValueRoot {
  uint32_t refcount = 0;
  uint32_t pgno = 0;
  int node = -1;
};

// Walks an LV tree's leaves in key order: a root node, then its chunks
// (records-and-catalog.md §8.1-§8.3).
class LongValueCheck {
 public:
  LongValueCheck(Checker& checker, const std::string& tree) : c_(checker), tree_(tree) {}

  void visit(const page::Node& node, size_t nodeIndex, uint32_t pgno) {
    if (node.deleted()) return;
    const int at = static_cast<int>(nodeIndex);
    const std::vector<uint8_t> key = node.key();
    size_t lidSize = 0;
    bool root = false;
    if (key.size() == 4) {
      lidSize = 4, root = true;
    } else if (key.size() == 8) {
      root = (key[0] & 0x80) != 0;
      lidSize = root ? 8 : 4;
    } else if (key.size() == 12) {
      lidSize = 8;
    } else {
      c_.error(JetError::LVCorrupted, pgno, at, tree_, "LV node key of " + num(key.size()) + " bytes (expected 4, 8 or 12)");
      return;
    }
    uint64_t lid = 0;
    for (size_t i = 0; i < lidSize; ++i) lid = (lid << 8) | key[i];
    if (root) {
      finish();
      if (node.data.size() < 8) {
        c_.error(JetError::LVCorrupted, pgno, at, tree_, "LV root " + lidText(lid) + " data is " + num(node.data.size()) + " bytes (expected 8 or 9)");
        return;
      }
      ++c_.report.longValues;
      current_ = Current{};
      current_.active = true;
      current_.lid = lid;
      current_.size = loadLittleEndian<uint32_t>(node.data.data() + 4);
      current_.pgno = pgno;
      current_.node = at;
      roots[lid] = {loadLittleEndian<uint32_t>(node.data.data()), pgno, at};
      return;
    }
    uint32_t offset = 0;
    for (size_t i = lidSize; i < lidSize + 4; ++i) offset = (offset << 8) | key[i];
    if (!current_.active || current_.lid != lid) {
      c_.error(JetError::LVCorrupted, pgno, at, tree_,
               "chunk at offset " + num(offset) + " of LV " + lidText(lid) + " has no LV root before it");
      return;
    }
    if (current_.havePending) {
      if (offset <= current_.pendingOffset) {
        c_.error(JetError::LVCorrupted, pgno, at, tree_,
                 "LV " + lidText(lid) + ": chunk offset " + num(offset) + " does not follow " + num(current_.pendingOffset));
        current_.broken = true;
        return;
      }
      settlePending(offset - current_.pendingOffset, false);
    } else if (offset != 0) {
      c_.error(JetError::LVCorrupted, pgno, at, tree_, "LV " + lidText(lid) + ": first chunk at offset " + num(offset) + ", expected 0");
      current_.broken = true;
    }
    current_.havePending = true;
    current_.pendingOffset = offset;
    current_.pendingPgno = pgno;
    current_.pendingNode = at;
    current_.pending.assign(node.data.begin(), node.data.end());
  }

  // Ends the LV being read (call once more after the walk).
  void finish() {
    if (!current_.active) return;
    if (!current_.broken) {
      if (!current_.havePending) {
        if (current_.size != 0)
          c_.error(JetError::LVCorrupted, current_.pgno, current_.node, tree_,
                   "LV " + lidText(current_.lid) + " root says " + num(current_.size) + " bytes but it has no chunks");
      } else if (current_.pendingOffset >= current_.size) {
        c_.error(JetError::LVCorrupted, current_.pendingPgno, current_.pendingNode, tree_,
                 "LV " + lidText(current_.lid) + ": chunk at offset " + num(current_.pendingOffset) +
                     " lies beyond the root's size " + num(current_.size));
      } else {
        settlePending(current_.size - current_.pendingOffset, true);
      }
    }
    current_ = Current{};
  }

  std::map<uint64_t, LongValueRoot> roots;

 private:
  // The pending chunk covers `logical` bytes: its stored bytes are that
  // many, or fewer when compressed (§8.3); every chunk but the last spans
  // the same chunk size.
  void settlePending(uint64_t logical, bool last) {
    const std::string where = "LV " + lidText(current_.lid) + " chunk at offset " + num(current_.pendingOffset);
    // A chunk never covers more than a page (chunk sizes, §8.2); this also
    // bounds what decompression below may produce.
    if (logical > c_.db.pageSize) {
      c_.error(JetError::LVCorrupted, current_.pendingPgno, current_.pendingNode, tree_,
               where + (last ? " is the last, but the root's size " + num(current_.size) + " leaves " : " spans ") + num(logical) +
                   " bytes for it, more than a page");
      current_.broken = true;
      return;
    }
    if (!last) {
      if (current_.chunkSpan == 0) {
        current_.chunkSpan = logical;
      } else if (logical != current_.chunkSpan) {
        c_.error(JetError::LVCorrupted, current_.pendingPgno, current_.pendingNode, tree_,
                 where + " spans " + num(logical) + " bytes, earlier chunks span " + num(current_.chunkSpan));
        current_.broken = true;
        return;
      }
    } else if (current_.chunkSpan != 0 && logical > current_.chunkSpan) {
      c_.error(JetError::LVCorrupted, current_.pendingPgno, current_.pendingNode, tree_,
               where + ": the root's size " + num(current_.size) + " leaves " + num(logical) +
                   " bytes for the last chunk, more than the chunk size " + num(current_.chunkSpan) + " (a chunk is missing)");
      return;
    }
    const size_t stored = current_.pending.size();
    if (stored > logical) {
      c_.error(JetError::LVCorrupted, current_.pendingPgno, current_.pendingNode, tree_,
               where + " stores " + num(stored) + " bytes but covers only " + num(logical) +
                   (last ? " (the root's size is " + num(current_.size) + ")" : ""));
    } else if (stored < logical) {
      auto data = compression::decompress(current_.pending, logical + 1);
      if (!data) {
        c_.error(JetError::LVCorrupted, current_.pendingPgno, current_.pendingNode, tree_,
                 where + ": " + num(stored) + " stored bytes for " + num(logical) + " logical ones, but " + data.status().message());
      } else if (data->size() != logical) {
        c_.error(JetError::LVCorrupted, current_.pendingPgno, current_.pendingNode, tree_,
                 where + " decompresses to " + num(data->size()) + " bytes, expected " + num(logical));
      }
    }
  }

  struct Current {
    bool active = false;
    bool broken = false;
    uint64_t lid = 0;
    uint32_t size = 0;
    uint32_t pgno = 0;
    int node = -1;
    uint64_t chunkSpan = 0;
    bool havePending = false;
    uint32_t pendingOffset = 0;
    uint32_t pendingPgno = 0;
    int pendingNode = -1;
    std::vector<uint8_t> pending;
  };
  Checker& c_;
  const std::string& tree_;
  Current current_;
};

}  // namespace

void checkTableTrees(Checker& checker, const TableTrees& trees, const LeafVisitor& primaryExtra, const IndexEntryVisitor& indexEntry) {
  const std::string primaryName = "table " + trees.name;
  RecordCheck records(checker, trees.table, primaryName);
  if (trees.walkPrimary) {
    TreeSpec spec{primaryName, trees.objectId, trees.rootPage, TreeRole::Primary, 0, false, trees.fdp};
    checker.walkTree(spec, [&](const page::PageView& view, const page::Node& node, size_t i, uint32_t pgno) {
      records.visit(node.data, node.deleted(), i, pgno);
      if (primaryExtra) primaryExtra(view, node, i, pgno);
    });
  } else if (trees.walkedRows != nullptr) {
    for (const CatalogRow& row : *trees.walkedRows) records.visit(row.data, false, static_cast<size_t>(row.node), row.pgno);
  }
  for (size_t n = 0; n < trees.indexes.size() && !checker.stopped(); ++n) {
    const TableTrees::Child& index = trees.indexes[n];
    const uint32_t flags = page::flag::Index | (index.nonUnique ? page::flag::NonUniqueKeys : 0);
    TreeSpec spec{treePath(primaryName, "index " + index.name), index.objectId, index.rootPage, TreeRole::Index, flags,
                  index.nonUnique, index.fdp};
    checker.walkTree(spec, [&](const page::PageView&, const page::Node& node, size_t i, uint32_t pgno) {
      if (indexEntry) indexEntry(n, node, i, pgno);
    });
  }
  if (!trees.longValue || checker.stopped()) {
    // No LV tree: every separated reference dangles.
    for (const auto& [lid, ref] : records.references)
      checker.error(JetError::LVCorrupted, ref.pgno, ref.node, primaryName,
                    "record refers to long value " + lidText(lid) + " but the table has no LV tree");
    return;
  }
  const std::string lvName = treePath(primaryName, "LV");
  LongValueCheck longValues(checker, lvName);
  TreeSpec spec{lvName, trees.longValue->objectId, trees.longValue->rootPage, TreeRole::LongValue, page::flag::LongValue,
                false, trees.longValue->fdp};
  checker.walkTree(spec, [&](const page::PageView&, const page::Node& node, size_t i, uint32_t pgno) {
    longValues.visit(node, i, pgno);
  });
  longValues.finish();
  if (checker.stopped()) return;
  for (const auto& [lid, ref] : records.references) {
    auto root = longValues.roots.find(lid);
    if (root == longValues.roots.end()) {
      checker.error(JetError::LVCorrupted, ref.pgno, ref.node, primaryName,
                    "record refers to long value " + lidText(lid) + ", which is not in the LV tree");
    } else if (root->second.refcount != ref.count && root->second.refcount != 0) {
      checker.warning(JetError::LVCorrupted, root->second.pgno, root->second.node, lvName,
                      "LV " + lidText(lid) + " has reference count " + num(root->second.refcount) + " but " +
                          num(ref.count) + " record value(s) refer to it");
    }
  }
  for (const auto& [lid, root] : longValues.roots) {
    if (root.refcount == 0) {
      checker.warning(JetError::LVCorrupted, root.pgno, root.node, lvName,
                      "LV " + lidText(lid) + " has reference count 0 (orphan awaiting cleanup)");
    } else if (records.references.find(lid) == records.references.end()) {
      checker.warning(JetError::LVCorrupted, root.pgno, root.node, lvName,
                      "LV " + lidText(lid) + " (reference count " + num(root.refcount) + ") is not referenced by any record");
    }
  }
}

}  // namespace esekit::integrity::detail
