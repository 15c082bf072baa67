// Writes a whole database: plan every B-tree (shapes depend only on node sizes
// and keys), allocate pages through the FDP hierarchy, then render the pages
// and the header. See ese-format/records-and-catalog.md §6.1 for the creation
// sequence this reproduces and space-trees.md §5-§7 for page ownership.
#include "esekit/engine/database_writer.h"

#include <optional>
#include <random>
#include <string>

#include "esekit/format/database_header.h"
#include "esekit/format/page.h"
#include "layout/btree_plan.h"
#include "layout/catalog_content.h"
#include "layout/catalog_rows.h"
#include "layout/image_buffer.h"
#include "layout/page_builder.h"
#include "layout/space_planner.h"
#include "layout/table_content.h"
#include "layout/writer_header.h"

namespace esekit::engine {

uint32_t longValueChunkSize(uint32_t pageSize) {
  // records-and-catalog.md §8.2: small pages page size - 82, large pages fixed
  // values chosen so that four chunks fill a page.
  switch (pageSize) {
    case 2048: return 1966;
    case 4096: return 4014;
    case 8192: return 8110;
    case 16384: return 4050;
    case 32768: return 8150;
    default: return 0;
  }
}

namespace {

using namespace layout;

constexpr uint32_t kRootPrimaryPages = 254;  // 256 pages with header and shadow (§6.1)
constexpr uint32_t kExtensionPages = 256;    // JET_paramDbExtensionSize default (space-trees.md §5)
constexpr uint32_t kCatalogPrimaryPages = 20;
constexpr uint32_t kShadowPrimaryPages = 5;
constexpr uint32_t kCatalogIndexPrimaryPages = 3;
constexpr uint8_t kCatalogDensity = 80;
constexpr uint8_t kObjidsDensity = 100;
constexpr uint8_t kLocalesDensity = 92;
constexpr uint8_t kLongValueDensity = 100;
// Below this, a large table's first extent goes to new space instead of
// starting in what is left of the current space.
constexpr uint32_t kSmallestSplitPrimary = 16;

struct TableState {
  const TableContents* input = nullptr;
  uint32_t objectId = 0;
  uint32_t longValueObjectId = 0;
  uint32_t separated = 0;
  TreePlan tree;
  std::optional<TreePlan> longValues;
  int fdp = -1;
  int longValueFdp = -1;
  std::vector<uint32_t> treePages;
  std::vector<uint32_t> longValuePages;
};

struct SystemTree {
  TreePlan plan;
  int fdp = -1;
  uint32_t objectId = 0;
  uint32_t treeFlags = 0;
  std::vector<uint32_t> pages;
};

struct SystemTrees {
  SystemTree catalog, shadow, name, rootObjects, objids, locales;
};

TreeShape shapeFor(const DatabaseWriterOptions& options, uint8_t density) {
  TreeShape shape;
  shape.pageSize = options.pageSize;
  shape.density = density;
  shape.prefixCompression = options.prefixCompression;
  shape.rootHeaderSize = kSpaceHeaderSize;
  return shape;
}

Status validate(const DatabaseWriterOptions& options) {
  if (options.pageSize != 4096 && options.pageSize != 8192 && options.pageSize != 16384 && options.pageSize != 32768)
    return Status(JetError::InvalidParameter, "page size " + std::to_string(options.pageSize) +
                                                  " is not one of 4096, 8192, 16384, 32768");
  if (options.tableDensity < 20 || options.tableDensity > 100)
    return Status(JetError::InvalidParameter, "table density " + std::to_string(options.tableDensity) + "% is not in 20..100");
  return Status::ok();
}

// Contents and shapes of one user table; it takes the next objid, and its LV
// tree the one after (ESE creates the LV tree with the first separated value).
Result<TableState> planUserTable(const TableContents& table, const DatabaseWriterOptions& options,
                                 uint32_t& nextObjectId) {
  ESEKIT_RETURN_IF_ERROR(validateTableName(table.name));
  auto content = buildTableContent(table, options.pageSize, options.longValueIds);
  if (!content) return content.status();
  TableState state;
  state.input = &table;
  state.objectId = nextObjectId++;
  state.separated = content->separatedValues;
  auto tree = planTree(std::move(content->rows), shapeFor(options, options.tableDensity));
  if (!tree) return tree.status().withContext("table '" + table.name + "'");
  state.tree = std::move(*tree);
  if (!content->longValues.empty()) {
    state.longValueObjectId = nextObjectId++;
    const TreeShape lvShape = shapeFor(options, kLongValueDensity);
    auto lv = options.longValueLayout == LongValueLayout::OneChunkPerPage
                  ? planTree(std::move(content->longValues), std::move(content->longValuePages), lvShape)
                  : planTree(std::move(content->longValues), lvShape);
    if (!lv) return lv.status().withContext("table '" + table.name + "' long values");
    state.longValues = std::move(*lv);
  }
  return state;
}

// Space for a user table and its LV tree. Each tree gets one extent of
// exactly its size: single extent (bitmap) while that fits 32 pages, else
// multiple extent with OE/AE at FDP+1/+2.
Status allocateUserTable(SpacePlanner& space, TableState& t) {
  const uint32_t treePages = static_cast<uint32_t>(t.tree.pageCount());
  const uint32_t lvPages = t.longValues ? static_cast<uint32_t>(t.longValues->pageCount()) : 0;
  const bool lvMultiple = lvPages > kLargestSingleExtent;
  const uint32_t lvExtent = lvPages == 0 ? 0 : (lvMultiple ? lvPages + 2 : lvPages);
  const uint32_t needed = treePages + lvExtent;
  const bool multiple = needed > kLargestSingleExtent;
  // A large table starts with whatever is left of the database's current
  // space and takes the rest as a secondary extent, as a table grown by
  // ESE would, rather than leaving that space empty before it.
  uint32_t primary = multiple ? needed + 2 : needed;
  const uint32_t leftover = space.firstFreeRun(SpacePlanner::kRoot);
  if (multiple && leftover < primary && leftover >= kSmallestSplitPrimary) primary = leftover;
  auto fdp = space.createFdp(SpacePlanner::kRoot, t.objectId, primary, multiple, 0);
  if (!fdp) return fdp.status().withContext("table '" + t.input->name + "'");
  t.fdp = *fdp;
  if (t.longValues) {
    auto lvFdp = space.createFdp(t.fdp, t.longValueObjectId, lvExtent, lvMultiple, page::flag::LongValue);
    if (!lvFdp) return lvFdp.status().withContext("table '" + t.input->name + "' long values");
    t.longValueFdp = *lvFdp;
    auto pages = space.allocatePages(t.longValueFdp, lvPages - 1);
    if (!pages) return pages.status();
    t.longValuePages = std::move(*pages);
  }
  auto pages = space.allocatePages(t.fdp, treePages - 1);
  if (!pages) return pages.status();
  t.treePages = std::move(*pages);
  return Status::ok();
}

// Header and its shadow, byte-identical (database-header.md §5).
Status writeHeaderPages(const DatabaseWriterOptions& options, uint32_t lastObjectId, ImageBuffer& image) {
  HeaderInputs inputs;
  inputs.pageSize = options.pageSize;
  inputs.dbtime = image.lastDbtime();
  inputs.lastObjectId = lastObjectId;
  std::random_device random;
  inputs.signatureRandom = options.signatureRandom != 0 ? options.signatureRandom : (random() | 1u);
  inputs.flushSignatureRandom = random() | 1u;
  inputs.time = options.creationTime.isZero() ? currentLogTime() : options.creationTime;
  const std::vector<uint8_t> header = serializeDatabaseHeader(makeHeader(inputs), options.pageSize);
  if (header.size() != options.pageSize) return Status(JetError::InvalidParameter, "header did not serialize");
  for (uint32_t copy = 0; copy < 2; ++copy) {
    MutableBytes target = image.headerPage(copy);
    std::copy(header.begin(), header.end(), target.begin());
  }
  return Status::ok();
}

WrittenDatabase summarize(const DatabaseWriterOptions& options, const std::vector<TableState>& states,
                          const SpacePlanner& space, uint32_t lastObjectId, ImageBuffer& image) {
  WrittenDatabase written;
  written.pageSize = options.pageSize;
  written.pageCount = image.databasePages();
  written.lastObjectId = lastObjectId;
  written.lastDbtime = image.lastDbtime();
  for (const TableState& t : states) {
    WrittenTable info;
    info.name = t.input->name;
    info.objectId = t.objectId;
    info.rootPage = space.fdp(t.fdp).pgno;
    for (const Extent& e : space.fdp(t.fdp).owned) info.ownedPages += e.count;
    info.treePages = static_cast<uint32_t>(t.tree.pageCount());
    info.depth = static_cast<uint32_t>(t.tree.depth());
    info.separatedValues = t.separated;
    if (t.longValues) {
      info.longValueObjectId = t.longValueObjectId;
      info.longValueRoot = space.fdp(t.longValueFdp).pgno;
      info.longValuePages = static_cast<uint32_t>(t.longValues->pageCount());
    }
    written.tables.push_back(std::move(info));
  }
  written.file = std::move(image.file());
  return written;
}

std::vector<UserTableEntry> catalogEntries(const std::vector<TableState>& tables, const SpacePlanner* space,
                                           uint8_t density) {
  std::vector<UserTableEntry> entries;
  for (const TableState& t : tables) {
    UserTableEntry e;
    e.name = t.input->name;
    e.objectId = t.objectId;
    e.density = density;
    e.longValueObjectId = t.longValueObjectId;
    if (space != nullptr) {
      e.rootPage = space->fdp(t.fdp).pgno;
      e.primaryPages = space->fdp(t.fdp).initialPages;
      if (t.longValueFdp >= 0) e.longValueRoot = space->fdp(t.longValueFdp).pgno;
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

// Plans the system trees from catalog content (the shadow holds the same rows).
Status planSystemTrees(const CatalogContent& content, const DatabaseWriterOptions& options, SystemTrees& trees) {
  struct Item { SystemTree& tree; const std::vector<TreeNode>& nodes; uint8_t density; };
  const Item items[] = {
      {trees.catalog, content.catalog, kCatalogDensity},       {trees.shadow, content.catalog, kCatalogDensity},
      {trees.name, content.nameIndex, kCatalogDensity},        {trees.rootObjects, content.rootObjectsIndex, kCatalogDensity},
      {trees.objids, content.objids, kObjidsDensity},          {trees.locales, content.locales, kLocalesDensity},
  };
  for (const Item& item : items) {
    auto plan = planTree(item.nodes, shapeFor(options, item.density));
    if (!plan) return plan.status();
    if (!item.tree.plan.levels.empty() && plan->pageCount() != item.tree.plan.pageCount())
      return Status(JetError::InvalidParameter, "catalog tree of object " + std::to_string(item.tree.objectId) +
                                                    " changed shape once page numbers were known");
    item.tree.plan = std::move(*plan);
  }
  return Status::ok();
}

Status renderSpaceTrees(const SpacePlanner& space, int index, ImageBuffer& image) {
  const Fdp& fdp = space.fdp(index);
  if (!fdp.multipleExtent) return Status::ok();
  const std::array<uint8_t, 16> emptySplitBuffer{};  // no pages reserved for space-tree splits (§4)
  for (int which = 0; which < 2; ++which) {
    const uint32_t pgno = fdp.ownedExtentRoot + static_cast<uint32_t>(which);
    const std::vector<Extent> extents = which == 0 ? space.ownedExtents(index) : space.availableExtents(index);
    page::NewPage init;
    init.pgno = pgno;
    init.objectId = fdp.objectId;
    init.dbtime = image.nextDbtime();
    init.flags = page::flag::Root | page::flag::Leaf | page::flag::SpaceTree | fdp.treeFlags;
    PageBuilder builder(image.page(pgno), init);
    builder.setExternalHeader(emptySplitBuffer);
    for (const Extent& e : extents) {
      // Key: last page of the extent, big-endian; data: page count (§4).
      const uint8_t key[4] = {static_cast<uint8_t>(e.last() >> 24), static_cast<uint8_t>(e.last() >> 16),
                              static_cast<uint8_t>(e.last() >> 8), static_cast<uint8_t>(e.last())};
      uint8_t data[4];
      storeLittleEndian<uint32_t>(data, e.count);
      if (!builder.appendNode(key, data))
        return Status(JetError::FeatureNotAvailable, "object " + std::to_string(fdp.objectId) + " has " +
                                                         std::to_string(extents.size()) +
                                                         " extents, more than one space-tree page holds");
    }
    builder.seal();
  }
  return Status::ok();
}

Status renderDatabaseRoot(const SpacePlanner& space, ImageBuffer& image) {
  page::NewPage init;
  init.pgno = kDatabaseRootPage;
  init.objectId = 1;
  init.dbtime = image.nextDbtime();
  init.flags = page::flag::Root | page::flag::Leaf;
  PageBuilder builder(image.page(kDatabaseRootPage), init);
  const auto header = space.spaceHeader(SpacePlanner::kRoot);
  builder.setExternalHeader(header);
  builder.seal();
  return Status::ok();
}

Status renderFdpTree(const SpacePlanner& space, int fdp, TreePlan& plan, const std::vector<uint32_t>& pages,
                     ImageBuffer& image) {
  const Fdp& f = space.fdp(fdp);
  const auto header = space.spaceHeader(fdp);
  return renderTree(plan, f.pgno, pages, header, TreeIdentity{f.objectId, f.treeFlags}, image);
}

Status expectPage(const SpacePlanner& space, int fdp, uint32_t pgno) {
  if (space.fdp(fdp).pgno == pgno) return Status::ok();
  return Status(JetError::InvalidParameter, "system object " + std::to_string(space.fdp(fdp).objectId) + " landed on page " +
                                                std::to_string(space.fdp(fdp).pgno) + " instead of " + std::to_string(pgno));
}

}  // namespace

Result<WrittenDatabase> writeDatabase(const DatabaseWriterOptions& options, std::span<const TableContents> tables) {
  ESEKIT_RETURN_IF_ERROR(validate(options));
  const bool large = page::isLargePage(options.pageSize);

  // 1. Contents and shapes of the user tables, objids in creation order.
  uint32_t nextObjectId = kFirstUserObjectId;
  std::vector<TableState> states;
  states.reserve(tables.size());
  for (const TableContents& table : tables) {
    auto state = planUserTable(table, options, nextObjectId);
    if (!state) return state.status();
    states.push_back(std::move(*state));
  }
  const uint32_t lastObjectId = nextObjectId - 1;

  // 2. Catalog shapes (page numbers do not change row sizes).
  SystemTrees system;
  system.catalog.objectId = kCatalogObjectId;
  system.shadow.objectId = kShadowObjectId;
  system.name = {{}, -1, kNameIndexObjectId, page::flag::Index, {}};
  system.rootObjects = {{}, -1, kRootObjectsIndexObjectId, page::flag::Index, {}};
  system.objids.objectId = kObjidsObjectId;
  system.locales.objectId = kLocalesObjectId;
  {
    auto content = buildCatalogContent(catalogEntries(states, nullptr, options.tableDensity), 0, 0, large);
    if (!content) return content.status();
    ESEKIT_RETURN_IF_ERROR(planSystemTrees(*content, options, system));
  }

  // 3. Page ownership, in ESE's creation order (§6.1): root 1-3, MSysObjects
  //    4-23 with its indexes at 7 and 10, shadow 24-28, MSysObjids 29,
  //    MSysLocales 30, then the user tables; overflow pages of the system
  //    trees come last.
  SpacePlanner space(kRootPrimaryPages, kExtensionPages);
  auto create = [&](int parent, SystemTree& tree, uint32_t pages, bool multiple) -> Status {
    auto fdp = space.createFdp(parent, tree.objectId, pages, multiple, tree.treeFlags);
    if (!fdp) return fdp.status();
    tree.fdp = *fdp;
    return Status::ok();
  };
  ESEKIT_RETURN_IF_ERROR(create(SpacePlanner::kRoot, system.catalog, kCatalogPrimaryPages, true));
  ESEKIT_RETURN_IF_ERROR(create(system.catalog.fdp, system.name, kCatalogIndexPrimaryPages, true));
  ESEKIT_RETURN_IF_ERROR(create(system.catalog.fdp, system.rootObjects, kCatalogIndexPrimaryPages, true));
  ESEKIT_RETURN_IF_ERROR(create(SpacePlanner::kRoot, system.shadow, kShadowPrimaryPages, true));
  ESEKIT_RETURN_IF_ERROR(create(SpacePlanner::kRoot, system.objids, 1, false));
  ESEKIT_RETURN_IF_ERROR(create(SpacePlanner::kRoot, system.locales, 1, false));
  ESEKIT_RETURN_IF_ERROR(expectPage(space, system.catalog.fdp, kCatalogPage));
  ESEKIT_RETURN_IF_ERROR(expectPage(space, system.shadow.fdp, kShadowPage));

  for (TableState& t : states) ESEKIT_RETURN_IF_ERROR(allocateUserTable(space, t));
  for (SystemTree* tree : {&system.name, &system.rootObjects, &system.catalog, &system.shadow, &system.objids, &system.locales}) {
    auto pages = space.allocatePages(tree->fdp, static_cast<uint32_t>(tree->plan.pageCount() - 1));
    if (!pages) return pages.status();
    tree->pages = std::move(*pages);
  }

  // 4. Final catalog content, with page numbers.
  {
    auto content = buildCatalogContent(catalogEntries(states, &space, options.tableDensity),
                                       space.fdp(system.objids.fdp).pgno, space.fdp(system.locales.fdp).pgno, large);
    if (!content) return content.status();
    ESEKIT_RETURN_IF_ERROR(planSystemTrees(*content, options, system));
  }

  // 5. Pages.
  ImageBuffer image(options.pageSize, space.databasePages());
  ESEKIT_RETURN_IF_ERROR(renderDatabaseRoot(space, image));
  for (size_t i = 0; i < space.fdpCount(); ++i) ESEKIT_RETURN_IF_ERROR(renderSpaceTrees(space, static_cast<int>(i), image));
  for (SystemTree* tree : {&system.catalog, &system.shadow, &system.name, &system.rootObjects, &system.objids, &system.locales})
    ESEKIT_RETURN_IF_ERROR(renderFdpTree(space, tree->fdp, tree->plan, tree->pages, image));
  for (TableState& t : states) {
    if (t.longValues) ESEKIT_RETURN_IF_ERROR(renderFdpTree(space, t.longValueFdp, *t.longValues, t.longValuePages, image));
    ESEKIT_RETURN_IF_ERROR(renderFdpTree(space, t.fdp, t.tree, t.treePages, image));
  }

  // 6. Header and shadow, then what went where.
  ESEKIT_RETURN_IF_ERROR(writeHeaderPages(options, lastObjectId, image));
  return summarize(options, states, space, lastObjectId, image);
}

}  // namespace esekit::engine
