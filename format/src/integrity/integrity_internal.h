// Private to the integrity component: the shared checking state and the
// pieces each check family file provides.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "esekit/format/integrity.h"
#include "esekit/format/page.h"
#include "esekit/format/table.h"

namespace esekit::integrity::detail {

enum class TreeRole : uint8_t { Primary, Index, LongValue, SpaceTree };

struct TreeSpec {
  std::string name;
  uint32_t objectId = 0;
  uint32_t rootPage = 0;
  TreeRole role = TreeRole::Primary;
  // Page flags the tree's pages must carry among Index/LongValue/NonUniqueKeys
  // (space trees carry their owner's, space-trees.md §4).
  uint32_t typeFlags = 0;
  bool nonUnique = false;  // entries ordered by (key, data), records-and-catalog.md §7.4
  int fdp = -1;            // index into Checker::fdps of the FDP owning the pages
};

// Called for every leaf node in key order (flag-deleted ones included).
using LeafVisitor = std::function<void(const page::PageView& view, const page::Node& node, size_t nodeIndex, uint32_t pgno)>;

// A space-owning tree (space-trees.md §1).
struct Fdp {
  std::string name;
  uint32_t objectId = 0;
  uint32_t rootPage = 0;
  int parent = -1;  // index into Checker::fdps
  uint32_t typeFlags = 0;
  bool usable = false;  // root page loaded and carries a SPACE_HEADER
  struct Extent { uint32_t first; uint32_t last; };
  std::vector<Extent> owned;
  std::vector<Extent> available;

  static Fdp make(std::string name, uint32_t objectId, uint32_t rootPage, int parent, uint32_t typeFlags) {
    Fdp fdp;
    fdp.name = std::move(name);
    fdp.objectId = objectId;
    fdp.rootPage = rootPage;
    fdp.parent = parent;
    fdp.typeFlags = typeFlags;
    return fdp;
  }
};

struct Range { uint32_t first; uint32_t last; };

class Checker {
 public:
  Checker(Bytes image, uint32_t pageSize, const IntegrityOptions& options, IntegrityReport& report);

  table::DatabaseImage db;
  bool large = false;
  uint32_t filePages = 0;
  const IntegrityOptions& options;
  IntegrityReport& report;

  // Per page: 1 + index of the tree that reached it (0 = not reached).
  std::vector<uint32_t> reachedBy;
  std::vector<TreeSpec> trees;  // every tree walked, by index
  std::vector<Fdp> fdps;

  void error(JetError code, uint32_t pgno, int node, const std::string& tree, std::string message);
  void warning(JetError code, uint32_t pgno, int node, const std::string& tree, std::string message);
  bool stopped() const { return report.stoppedEarly; }

  // Walks one B-tree, checking pages, keys, bounds, depth and sibling links
  // (tree_check.cpp). Returns the index of its TreeSummary.
  size_t walkTree(const TreeSpec& spec, const LeafVisitor& visit);

  // A checksum-verified page (single-bit errors corrected into `scratch`),
  // or nullopt after reporting why not.
  std::optional<page::PageView> loadPage(uint32_t pgno, const std::string& tree, std::vector<uint8_t>& scratch);

 private:
  void add(Severity severity, JetError code, uint32_t pgno, int node, const std::string& tree, std::string message);
};

// Each check family (one file each).
struct CatalogRow {
  std::vector<uint8_t> key;
  std::vector<uint8_t> data;
  uint32_t pgno = 0;
  int node = -1;
  bool deleted = false;
  bool parsed = false;
  uint32_t objidTable = 0;
  uint16_t type = 0;
  uint32_t id = 0;
  uint32_t coltypOrPgnoFdp = 0;
  uint32_t flags = 0;
  std::optional<uint8_t> rootFlag;
  std::string name;
};

// Decodes the catalog columns the checks need (records-and-catalog.md §5.2).
bool decodeCatalogRow(CatalogRow& row, bool largePage, std::string& problem);
// Normalized (ObjidTable, Type, Id) key, records-and-catalog.md §5.4.
std::vector<uint8_t> catalogKey(uint32_t objidTable, uint16_t type, uint32_t id);

// catalog_check.cpp: walks MSysObjects and its shadow, checks rows, objids,
// FDP roots, the shadow, the Name/RootObjects indexes and MSysObjids; then
// walks every table (records_check.cpp) and registers the FDPs.
void checkCatalogAndTables(Checker& checker);

// records_check.cpp: the table's primary tree with every record parsed,
// its secondary indexes and its LV tree with every LV checked.
struct TableTrees {
  std::string name;
  const table::Table* table = nullptr;  // columns for record checks (nullptr: records only counted)
  uint32_t objectId = 0;
  uint32_t rootPage = 0;
  int fdp = -1;
  bool walkPrimary = true;
  // With walkPrimary false: the live rows of the already walked primary tree, for the record checks.
  const std::vector<CatalogRow>* walkedRows = nullptr;
  struct Child {
    std::string name;
    uint32_t objectId = 0;
    uint32_t rootPage = 0;
    bool nonUnique = false;
    int fdp = -1;
  };
  std::vector<Child> indexes;  // secondary indexes
  std::optional<Child> longValue;
};
// (index number in TableTrees::indexes, node, node index, pgno)
using IndexEntryVisitor = std::function<void(size_t index, const page::Node& node, size_t nodeIndex, uint32_t pgno)>;
void checkTableTrees(Checker& checker, const TableTrees& trees, const LeafVisitor& primaryExtra = {},
                     const IndexEntryVisitor& indexEntry = {});

// space_check.cpp: SPACE_HEADERs, OE/AE trees, hierarchy, ownership of
// every reached page, leaks.
void checkSpace(Checker& checker);

// memcmp order, shorter first on a common prefix.
int compareBytes(Bytes a, Bytes b);
std::string treePath(const std::string& table, const std::string& part);

}  // namespace esekit::integrity::detail
