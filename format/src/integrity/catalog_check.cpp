// The catalog (records-and-catalog.md §5, §6.3): rows decode and sit under
// their (ObjidTable, Type, Id) key, every row belongs to an existing table,
// objids are unique, every FDP is a root page of its object, the shadow
// catalog matches, the Name/RootObjects indexes and MSysObjids hold one entry
// per row that needs one. Then every table's trees are walked.
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "esekit/format/record.h"
#include "integrity/integrity_internal.h"

namespace esekit::integrity::detail {
namespace {

constexpr uint32_t kCatalogRoot = 4;
constexpr uint32_t kCatalogObjid = 2;
constexpr uint32_t kShadowRoot = 24;
constexpr uint32_t kShadowObjid = 3;
constexpr uint32_t kNameIndexObjid = 4;
constexpr uint32_t kRootObjectsIndexObjid = 5;
constexpr uint32_t kIndexUnique = 0x0001;  // IDB flag, §5.3

enum RowType : uint16_t { TableRow = 1, ColumnRow = 2, IndexRow = 3, LongValueRow = 4, CallbackRow = 5 };

const std::string kCatalogTree = "table MSysObjects";

std::string num(uint64_t value) { return std::to_string(value); }

// Byte order without std::vector's operator< (GCC 12 -Wstringop-overread false positive).
struct KeyLess {
  bool operator()(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) const { return compareBytes(a, b) < 0; }
};

struct TableEntry {
  TableTrees trees;
  const CatalogRow* row = nullptr;
};

struct IndexEntry {
  std::vector<uint8_t> bookmark;
  uint32_t pgno = 0;
  int node = -1;
};

// The FDP page of a catalogued object must be a root page of that object.
bool checkRootPage(Checker& c, uint32_t pgno, uint32_t objid, const std::string& tree, const CatalogRow* row) {
  const std::string says = row == nullptr ? "fixed FDP page " + num(pgno)
                                          : "catalog row (page " + num(row->pgno) + " node " + std::to_string(row->node) +
                                                ") names FDP page " + num(pgno);
  if (pgno == 0 || pgno > c.filePages) {
    c.error(JetError::DatabaseCorrupted, row ? row->pgno : 0, row ? row->node : -1, tree,
            says + ", outside the file (" + num(c.filePages) + " pages)");
    return false;
  }
  auto bytes = c.db.page(pgno);
  auto header = bytes ? page::PageHeader::parse(*bytes) : Result<page::PageHeader>(bytes.status());
  if (!header) return true;  // the walk reports the unreadable page itself
  if (page::isAllZero(*bytes)) return true;
  if (header->objectId != objid) {
    c.error(JetError::DatabaseCorrupted, pgno, -1, tree,
            says + " for object " + num(objid) + ", but that page belongs to object " + num(header->objectId));
    return false;
  }
  if (!header->has(page::flag::Root)) {
    c.error(JetError::DatabaseCorrupted, pgno, -1, tree, says + ", but that page is not a root page (flags " + hex32(header->flags) + ")");
    return false;
  }
  return true;
}

class CatalogCheck {
 public:
  explicit CatalogCheck(Checker& checker) : c_(checker) {}

  void run() {
    c_.fdps.push_back(Fdp::make("database root", 1, 1, -1, 0));
    c_.walkTree({"database root", 1, 1, TreeRole::Primary, 0, false, 0}, {});
    auto catalog = table::readCatalog(c_.db);
    if (catalog) {
      catalog_ = std::move(*catalog);
    } else {
      c_.error(catalog.status().code(), 0, -1, kCatalogTree,
               "column definitions cannot be read, records are not checked: " + catalog.status().message());
    }
    // The catalog first: its rows say which trees exist (§5.4).
    c_.fdps.push_back(Fdp::make(kCatalogTree, kCatalogObjid, kCatalogRoot, 0, 0));
    c_.walkTree({kCatalogTree, kCatalogObjid, kCatalogRoot, TreeRole::Primary, 0, false, 1},
                [&](const page::PageView&, const page::Node& node, size_t i, uint32_t pgno) {
                  if (node.deleted()) return;
                  CatalogRow row;
                  row.key = node.key();
                  row.data.assign(node.data.begin(), node.data.end());
                  row.pgno = pgno;
                  row.node = static_cast<int>(i);
                  rows_.push_back(std::move(row));
                });
    buildTables();
    for (TableEntry& entry : tables_) {
      if (c_.stopped()) return;
      walkTable(entry);
    }
    if (c_.stopped()) return;
    checkShadow();
    checkCatalogIndexes();
    checkObjids();
  }

 private:
  void rowError(const CatalogRow& row, std::string message) {
    c_.error(JetError::DatabaseCorrupted, row.pgno, row.node, kCatalogTree, std::move(message));
  }

  const table::Table* columnsOf(uint32_t objid) const {
    for (const table::Table& t : catalog_.tables)
      if (t.objectId == objid) return &t;
    return nullptr;
  }

  bool claimObjid(uint32_t objid, const std::string& what, const CatalogRow& row) {
    auto [it, inserted] = objids_.emplace(objid, what);
    if (!inserted) rowError(row, what + " has objid " + num(objid) + ", already used by " + it->second);
    return inserted;
  }

  void buildTables() {
    std::map<uint32_t, size_t> byObjid;
    for (CatalogRow& row : rows_) {
      std::string problem;
      if (!decodeCatalogRow(row, c_.large, problem)) {
        rowError(row, problem);
        continue;
      }
      if (catalogKey(row.objidTable, row.type, row.id) != row.key)
        rowError(row, "row key " + page::hexBytes(row.key, 24) + " does not match its columns (ObjidTable " +
                          num(row.objidTable) + ", Type " + num(row.type) + ", Id " + num(row.id) + ")");
      if (row.type == TableRow) {
        if (row.id != row.objidTable) rowError(row, "table row '" + row.name + "' has Id " + num(row.id) + " but ObjidTable " + num(row.objidTable));
        if (!claimObjid(row.objidTable, "table " + row.name, row)) continue;
        TableEntry entry;
        entry.row = &row;
        entry.trees.name = row.name;
        entry.trees.objectId = row.objidTable;
        entry.trees.rootPage = row.coltypOrPgnoFdp;
        byObjid[row.objidTable] = tables_.size();
        tables_.push_back(std::move(entry));
        continue;
      }
      auto owner = byObjid.find(row.objidTable);
      if (owner == byObjid.end()) {
        rowError(row, "row '" + row.name + "' (type " + num(row.type) + ") refers to table objid " + num(row.objidTable) +
                          ", which has no table row");
        continue;
      }
      TableEntry& table = tables_[owner->second];
      const std::string tableTree = "table " + table.trees.name;
      if (row.type == IndexRow) {
        if (row.id == row.objidTable) {
          if (row.coltypOrPgnoFdp != table.trees.rootPage)
            rowError(row, "primary index '" + row.name + "' of table " + table.trees.name + " names FDP page " +
                              num(row.coltypOrPgnoFdp) + ", the table's is " + num(table.trees.rootPage));
          continue;
        }
        if (!claimObjid(row.id, treePath(tableTree, "index " + row.name), row)) continue;
        table.trees.indexes.push_back({row.name, row.id, row.coltypOrPgnoFdp, (row.flags & kIndexUnique) == 0, -1});
      } else if (row.type == LongValueRow) {
        if (table.trees.longValue) {
          rowError(row, "table " + table.trees.name + " has a second LV tree row");
          continue;
        }
        if (!claimObjid(row.id, treePath(tableTree, "LV"), row)) continue;
        table.trees.longValue = TableTrees::Child{"LV", row.id, row.coltypOrPgnoFdp, false, -1};
      } else if (row.type != ColumnRow && row.type != CallbackRow) {
        c_.warning(JetError::DatabaseCorrupted, row.pgno, row.node, kCatalogTree,
                   "row '" + row.name + "' has obsolete or unknown type " + num(row.type));
      }
    }
    // The two fixed catalog trees are checked even when their rows are lost.
    for (const auto& [objid, root, name] : {std::tuple{kCatalogObjid, kCatalogRoot, "MSysObjects"},
                                            std::tuple{kShadowObjid, kShadowRoot, "MSysObjectsShadow"}}) {
      if (byObjid.find(objid) != byObjid.end()) continue;
      c_.error(JetError::DatabaseCorrupted, kCatalogRoot, -1, kCatalogTree,
               std::string("the catalog has no table row for ") + name + " (objid " + num(objid) + ")");
      TableEntry entry;
      entry.trees.name = name;
      entry.trees.objectId = objid;
      entry.trees.rootPage = root;
      tables_.push_back(std::move(entry));
    }
  }

  void walkTable(TableEntry& entry) {
    TableTrees& trees = entry.trees;
    const std::string tableTree = "table " + trees.name;
    const uint32_t fixedRoot = trees.objectId == kCatalogObjid ? kCatalogRoot : trees.objectId == kShadowObjid ? kShadowRoot : 0;
    if (fixedRoot != 0 && trees.rootPage != fixedRoot) {
      if (entry.row != nullptr) rowError(*entry.row, tableTree + " names FDP page " + num(trees.rootPage) + ", expected " + num(fixedRoot));
      trees.rootPage = fixedRoot;
    }
    trees.table = columnsOf(trees.objectId);
    if (trees.objectId == kCatalogObjid) {
      // Already walked (run()); its records are checked from the collected rows.
      trees.fdp = 1;
      trees.walkPrimary = false;
      trees.walkedRows = &rows_;
    } else {
      if (!checkRootPage(c_, trees.rootPage, trees.objectId, tableTree, entry.row)) return;
      c_.fdps.push_back(Fdp::make(tableTree, trees.objectId, trees.rootPage, 0, 0));
      trees.fdp = static_cast<int>(c_.fdps.size() - 1);
    }
    std::vector<TableTrees::Child> children;
    for (TableTrees::Child& index : trees.indexes) {
      const std::string name = treePath(tableTree, "index " + index.name);
      if (!checkRootPage(c_, index.rootPage, index.objectId, name, entry.row)) continue;
      const uint32_t flags = page::flag::Index | (index.nonUnique ? page::flag::NonUniqueKeys : 0);
      c_.fdps.push_back(Fdp::make(name, index.objectId, index.rootPage, trees.fdp, flags));
      index.fdp = static_cast<int>(c_.fdps.size() - 1);
      children.push_back(index);
    }
    trees.indexes = children;
    if (trees.longValue) {
      const std::string name = treePath(tableTree, "LV");
      if (checkRootPage(c_, trees.longValue->rootPage, trees.longValue->objectId, name, entry.row)) {
        c_.fdps.push_back(Fdp::make(name, trees.longValue->objectId, trees.longValue->rootPage, trees.fdp, page::flag::LongValue));
        trees.longValue->fdp = static_cast<int>(c_.fdps.size() - 1);
      } else {
        trees.longValue.reset();
      }
    }

    LeafVisitor extra;
    IndexEntryVisitor indexEntry;
    if (trees.objectId == kCatalogObjid) {
      indexEntry = [&](size_t n, const page::Node& node, size_t i, uint32_t pgno) {
        if (node.deleted()) return;
        const uint32_t objid = trees.indexes[n].objectId;
        if (objid == kNameIndexObjid || objid == kRootObjectsIndexObjid)
          indexEntries_[objid].push_back({std::vector<uint8_t>(node.data.begin(), node.data.end()), pgno, static_cast<int>(i)});
      };
      for (const TableTrees::Child& index : trees.indexes) indexNames_[index.objectId] = index.name;
    } else if (trees.objectId == kShadowObjid) {
      extra = [&](const page::PageView&, const page::Node& node, size_t i, uint32_t pgno) {
        if (node.deleted()) return;
        CatalogRow row;
        row.key = node.key();
        row.data.assign(node.data.begin(), node.data.end());
        row.pgno = pgno;
        row.node = static_cast<int>(i);
        shadow_.push_back(std::move(row));
      };
    } else if (trees.name == "MSysObjids") {
      haveObjids_ = true;
      extra = [&](const page::PageView&, const page::Node& node, size_t i, uint32_t pgno) {
        if (!node.deleted()) collectObjid(node, static_cast<int>(i), pgno);
      };
    }
    checkTableTrees(c_, trees, extra, indexEntry);
  }

  void collectObjid(const page::Node& node, int at, uint32_t pgno) {
    auto record = record::parseRecord(node.data, c_.large);
    if (!record) return;  // already reported by the record check
    auto value = [&](uint16_t fid) -> std::optional<uint32_t> {
      const record::TaggedColumn* column = record->findTagged(fid);
      if (column == nullptr) return std::nullopt;
      if (column->data.size() == 4) return loadLittleEndian<uint32_t>(column->data.data());
      if (column->data.size() == 2) return loadLittleEndian<uint16_t>(column->data.data());
      return std::nullopt;
    };
    const auto objid = value(256), objidTable = value(257), type = value(258);
    if (!objid || !objidTable || !type) {
      c_.error(JetError::DatabaseCorrupted, pgno, at, "table MSysObjids", "row lacks objid, objidTable or type");
      return;
    }
    objidRows_.push_back({{*objid, *objidTable, *type}, pgno, at});
  }

  // MSysObjectsShadow holds a byte-identical copy of every catalog row,
  // unless shadowing is off and it is empty (records-and-catalog.md §5.4).
  void checkShadow() {
    if (shadow_.empty()) return;
    std::map<std::vector<uint8_t>, const CatalogRow*, KeyLess> primary;
    for (const CatalogRow& row : rows_) primary[row.key] = &row;
    std::set<std::vector<uint8_t>, KeyLess> seen;
    for (const CatalogRow& row : shadow_) {
      seen.insert(row.key);
      auto it = primary.find(row.key);
      if (it == primary.end()) {
        c_.error(JetError::DatabaseCorrupted, row.pgno, row.node, "table MSysObjectsShadow",
                 "shadow row " + page::hexBytes(row.key, 24) + " has no MSysObjects row");
      } else if (it->second->data != row.data) {
        c_.error(JetError::DatabaseCorrupted, row.pgno, row.node, "table MSysObjectsShadow",
                 "shadow row " + page::hexBytes(row.key, 24) + " differs from its MSysObjects row (page " +
                     num(it->second->pgno) + " node " + std::to_string(it->second->node) + ")");
      }
    }
    for (const CatalogRow& row : rows_)
      if (seen.find(row.key) == seen.end())
        rowError(row, "catalog row " + page::hexBytes(row.key, 24) + " ('" + row.name + "') is missing from MSysObjectsShadow");
  }

  // Name: one entry per catalog row; RootObjects: one per table row; each
  // entry's data is the row's primary key (bookmark), §5.4.
  void checkCatalogIndexes() {
    for (const uint32_t objid : {kNameIndexObjid, kRootObjectsIndexObjid}) {
      if (indexNames_.find(objid) == indexNames_.end()) continue;  // not catalogued: nothing walked
      const std::string tree = treePath(kCatalogTree, "index " + indexNames_[objid]);
      std::map<std::vector<uint8_t>, const CatalogRow*, KeyLess> expected;
      for (const CatalogRow& row : rows_)
        if (row.parsed && (objid == kNameIndexObjid || row.type == TableRow)) expected[row.key] = &row;
      std::set<std::vector<uint8_t>, KeyLess> seen;
      for (const IndexEntry& entry : indexEntries_[objid]) {
        if (expected.find(entry.bookmark) == expected.end()) {
          c_.error(JetError::DatabaseCorrupted, entry.pgno, entry.node, tree,
                   "index entry points at " + page::hexBytes(entry.bookmark, 24) + ", which is no " +
                       (objid == kNameIndexObjid ? "catalog row" : "table row"));
        } else if (!seen.insert(entry.bookmark).second) {
          c_.error(JetError::DatabaseCorrupted, entry.pgno, entry.node, tree,
                   "second index entry for catalog row " + page::hexBytes(entry.bookmark, 24));
        }
      }
      for (const auto& [key, row] : expected)
        if (seen.find(key) == seen.end())
          rowError(*row, "catalog row '" + row->name + "' (" + page::hexBytes(key, 24) + ") has no entry in " + tree);
    }
  }

  // MSysObjids: one row per B-tree other than primary indexes (§6.3).
  void checkObjids() {
    if (!haveObjids_) return;
    using Entry = std::tuple<uint32_t, uint32_t, uint32_t>;
    std::map<Entry, const CatalogRow*> expected;
    for (const CatalogRow& row : rows_) {
      if (!row.parsed) continue;
      if (row.type == TableRow) expected[{row.objidTable, row.objidTable, TableRow}] = &row;
      if (row.type == IndexRow && row.id != row.objidTable) expected[{row.id, row.objidTable, IndexRow}] = &row;
      if (row.type == LongValueRow) expected[{row.id, row.objidTable, LongValueRow}] = &row;
    }
    std::set<Entry> seen;
    for (const auto& [entry, pgno, node] : objidRows_) {
      seen.insert(entry);
      if (expected.find(entry) == expected.end())
        c_.error(JetError::DatabaseCorrupted, pgno, node, "table MSysObjids",
                 "row (objid " + num(std::get<0>(entry)) + ", objidTable " + num(std::get<1>(entry)) + ", type " +
                     num(std::get<2>(entry)) + ") matches no catalog row");
    }
    for (const auto& [entry, row] : expected)
      if (seen.find(entry) == seen.end())
        rowError(*row, "'" + row->name + "' (objid " + num(std::get<0>(entry)) + ", type " + num(std::get<2>(entry)) +
                           ") has no MSysObjids row");
  }

  Checker& c_;
  table::Catalog catalog_;
  std::vector<CatalogRow> rows_;
  std::vector<TableEntry> tables_;
  std::map<uint32_t, std::string> objids_;
  std::map<uint32_t, std::vector<IndexEntry>> indexEntries_;
  std::map<uint32_t, std::string> indexNames_;
  std::vector<CatalogRow> shadow_;
  bool haveObjids_ = false;
  struct ObjidRow {
    std::tuple<uint32_t, uint32_t, uint32_t> entry;
    uint32_t pgno;
    int node;
  };
  std::vector<ObjidRow> objidRows_;
};

}  // namespace

void checkCatalogAndTables(Checker& checker) { CatalogCheck(checker).run(); }

}  // namespace esekit::integrity::detail
