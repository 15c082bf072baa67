// Page and extent allocation (ese-format/space-trees.md §3-§6): a tree's new
// pages come from its FDP's AE; an FDP short of space takes a secondary
// extent from its parent FDP (recorded in its OE and AE); the database root
// grows the file (ExtendDB, ignorable record 68). Space-tree changes are
// ordinary logged node operations with the space flag, never versioned.
#include <algorithm>
#include <string>

#include "esekit/format/log_record_encode.h"
#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "store/page_operations.h"
#include "store/store_impl.h"

namespace esekit::engine::store {
namespace {

constexpr uint32_t kFileGrowthPages = 256;  // JET_paramDbExtensionSize default (space-trees.md §5)
constexpr uint32_t kPrimaryExtentPages = 8;  // a new tree: root, OE, AE and 5 pages to grow into
constexpr uint32_t kTreeTypeFlags = page::flag::Index | page::flag::LongValue | page::flag::NonUniqueKeys;

OperationContext systemContext(const OperationContext& context) {
  OperationContext system = context;
  system.versioned = false;
  return system;
}

}  // namespace

Result<TreeInfo> StoreImpl::spaceTreeInfo(uint32_t fdpPage, bool available) {
  auto root = page(fdpPage, 0);
  if (!root) return root.status();
  const NodePage p(Bytes((*root)->bytes()));
  const Bytes external = p.externalHeader();
  const SpaceHeader space = parseSpaceHeader(external, spaceHeaderOffset(external));
  if (!p.root() || spaceHeaderOffset(external) < 0 || !space.multipleExtent())
    return Status(JetError::DatabaseCorrupted, path().string() + ": page " + std::to_string(fdpPage) +
                                                   " is not the root of a multiple-extent FDP");
  TreeInfo info;
  info.root = TreeRoot{p.objectId(), available ? space.availableExtentsRoot() : space.ownedExtentsRoot()};
  info.fdpPage = fdpPage;
  info.fdpObjectId = p.objectId();
  info.typeFlags = page::flag::SpaceTree | (p.flags() & kTreeTypeFlags);
  return info;
}

Result<std::vector<std::pair<uint32_t, uint32_t>>> StoreImpl::extents(const TreeRoot& spaceTree) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  auto leaf = edgeLeaf(spaceTree, true);
  if (!leaf) return leaf.status();
  PageHandle current = std::move(*leaf);
  for (uint64_t pages = 0; pages <= uint64_t{ownedLast_} + 1 || pages < 64; ++pages) {
    const NodePage p(Bytes(current->bytes()));
    for (uint16_t i = 0; i < p.nodeCount(); ++i) {
      const NodePage::Line l = p.line(i);
      if (l.deleted() || l.keySize() != 4 || l.data.size() < 4) continue;  // pool keys are 5 bytes (§4)
      uint8_t key[4];
      std::copy(l.prefix.begin(), l.prefix.end(), key);
      std::copy(l.suffix.begin(), l.suffix.end(), key + l.prefix.size());
      out.emplace_back(loadBigEndian32(key), loadLittleEndian<uint32_t>(l.data.data()));
    }
    if (p.next() == 0) return out;
    auto next = page(p.next(), spaceTree.objectId);
    if (!next) return next.status();
    current = std::move(*next);
  }
  return Status(JetError::DatabaseCorrupted, path().string() + ": space tree at page " +
                                                 std::to_string(spaceTree.rootPage) + " loops");
}

Status StoreImpl::addExtent(const TreeInfo& spaceTree, uint32_t last, uint32_t count, const OperationContext& context) {
  uint8_t key[4], data[4];
  storeBigEndian32(key, last);
  storeLittleEndian<uint32_t>(data, count);
  return insertNode(spaceTree, Bytes(key, 4), Bytes(data, 4), systemContext(context));
}

// A single-extent FDP: availability bits in its SPACE_HEADER (§3.1); the
// changed header is logged as SetExternalHeader on the FDP root.
namespace {

struct Bitmap {
  PageHandle root;
  std::vector<uint8_t> external;
  int offset = -1;
  SpaceHeader space;
};

}  // namespace

Result<uint32_t> StoreImpl::allocateExtent(uint32_t fdpPage, uint32_t count, const OperationContext& context) {
  const OperationContext system = systemContext(context);
  for (int attempt = 0; attempt < 4; ++attempt) {
    auto rootHandle = page(fdpPage, 0);
    if (!rootHandle) return rootHandle.status();
    NodePage root((*rootHandle)->bytes());
    const Bytes external = root.externalHeader();
    const int offset = spaceHeaderOffset(external);
    if (offset < 0)
      return Status(JetError::DatabaseCorrupted, path().string() + ": page " + std::to_string(fdpPage) +
                                                     " has no SPACE_HEADER");
    SpaceHeader space = parseSpaceHeader(external, offset);
    if (!space.multipleExtent()) {
      // Lowest run of `count` available bits.
      const uint32_t bits = std::min<uint32_t>(32, space.primaryPages == 0 ? 0 : space.primaryPages - 1);
      const uint32_t mask = count >= 32 ? 0xFFFFFFFFu : ((uint32_t{1} << count) - 1);
      for (uint32_t bit = 0; bit + count <= bits; ++bit) {
        if ((space.bitmapOrOwnedExtents & (mask << bit)) != (mask << bit)) continue;
        space.bitmapOrOwnedExtents &= ~(mask << bit);
        std::vector<uint8_t> header(external.begin(), external.end());
        serializeSpaceHeader(space, header.data() + offset);
        TreeInfo owner;
        owner.root = TreeRoot{root.objectId(), fdpPage};
        owner.fdpPage = fdpPage;
        owner.typeFlags = root.flags() & kTreeTypeFlags;
        NodeRecordPrefix prefix = nodePrefix(owner, **rootHandle, 0, system);
        prefix.page.flags |= page_record_flag::kSpaceTree;
        const LogRecord record = makeSetExternalHeader(prefix, header);
        auto position = log(record);
        if (!position) return position.status();
        ESEKIT_RETURN_IF_ERROR(applySetExternalHeader(root, *record.as<SetExternalHeaderRecord>()));
        cache_->markDirty(**rootHandle, *position);
        return fdpPage + 1 + bit;
      }
      return Status(JetError::FeatureNotAvailable,
                    path().string() + ": single-extent FDP at page " + std::to_string(fdpPage) +
                        " is out of space; converting it to multiple extent (ConvertFDP) is not implemented");
    }
    auto available = spaceTreeInfo(fdpPage, true);
    if (!available) return available.status();
    auto list = extents(available->root);
    if (!list) return list.status();
    for (const auto& [last, pages] : *list) {
      if (pages < count) continue;
      // Take the extent's first pages: its key (the last page) stays.
      uint8_t key[4], data[4];
      storeBigEndian32(key, last);
      if (pages == count) {
        ESEKIT_RETURN_IF_ERROR(eraseNode(*available, Bytes(key, 4), system));
      } else {
        storeLittleEndian<uint32_t>(data, pages - count);
        ESEKIT_RETURN_IF_ERROR(replaceNode(*available, Bytes(key, 4), Bytes(data, 4), system));
      }
      return last - pages + 1;
    }
    ESEKIT_RETURN_IF_ERROR(addSecondaryExtent(fdpPage, count, system));
  }
  return Status(JetError::DiskFull, path().string() + ": no space for " + std::to_string(count) +
                                        " pages in the FDP at page " + std::to_string(fdpPage));
}

Result<uint32_t> StoreImpl::allocatePage(const TreeInfo& tree, const OperationContext& context) {
  return allocateExtent(tree.fdpPage, 1, context);
}

Status StoreImpl::addSecondaryExtent(uint32_t fdpPage, uint32_t atLeast, const OperationContext& context) {
  if (fdpPage == kDatabaseRootPage) return extendDatabase(atLeast, context);
  auto rootHandle = page(fdpPage, 0);
  if (!rootHandle) return rootHandle.status();
  const NodePage root(Bytes((*rootHandle)->bytes()));
  const SpaceHeader space = parseSpaceHeader(root.externalHeader(), spaceHeaderOffset(root.externalHeader()));
  auto owned = spaceTreeInfo(fdpPage, false);
  if (!owned) return owned.status();
  auto available = spaceTreeInfo(fdpPage, true);
  if (!available) return available.status();
  auto list = extents(owned->root);
  if (!list) return list.status();
  uint64_t ownedPages = 0;
  for (const auto& extent : *list) ownedPages += extent.second;
  // Sizes of space-trees.md §6.2 (v1 header: a quarter of the primary extent).
  const uint32_t size = ownedPages <= 16 ? std::max<uint32_t>(atLeast, 4)
                                         : std::max({atLeast, uint32_t{16}, space.primaryPages / 4});
  auto first = allocateExtent(space.parentPage, size, context);
  if (!first) return first.status();
  const uint32_t last = *first + size - 1;
  // AE first: an OE split then finds pages available.
  ESEKIT_RETURN_IF_ERROR(addExtent(*available, last, size, context));
  return addExtent(*owned, last, size, context);
}

Status StoreImpl::extendDatabase(uint32_t atLeast, const OperationContext& context) {
  const uint32_t growth = std::max(atLeast, kFileGrowthPages);
  const uint32_t newLast = ownedLast_ + growth;
  if (newLast >= 0x7FEFFFFFu || newLast < ownedLast_)
    return Status(JetError::DiskFull, path().string() + ": the database cannot grow past page " +
                                          std::to_string(ownedLast_));
  // Reserve the disk space now (ESE extends the file when it extends the
  // database): a full disk then fails this operation cleanly, before anything
  // is logged, and a later flush or shutdown never needs new space.
  const uint64_t wanted = page::fileOffsetOfPage(newLast, pageSize_) + pageSize_;
  const uint64_t have = page::fileOffsetOfPage(ownedLast_, pageSize_) + pageSize_;
  if (const int error = ::posix_fallocate(cache_->fd(), static_cast<off_t>(have), static_cast<off_t>(wanted - have));
      error != 0 && error != EOPNOTSUPP && error != EINVAL) {
    return Status(error == ENOSPC ? JetError::DiskFull : JetError::DiskIO,
                  path().string() + ": cannot extend the database to page " + std::to_string(newLast) + ": " +
                      std::strerror(error));
  }
  auto position = log(makeExtendDatabase(options_.dbid, newLast));
  if (!position) return position.status();
  ownedLast_ = newLast;
  auto available = spaceTreeInfo(kDatabaseRootPage, true);
  if (!available) return available.status();
  auto owned = spaceTreeInfo(kDatabaseRootPage, false);
  if (!owned) return owned.status();
  ESEKIT_RETURN_IF_ERROR(addExtent(*available, newLast, growth, context));
  return addExtent(*owned, newLast, growth, context);
}

Result<TreeRoot> StoreImpl::createTree(uint32_t parentObjectId, uint32_t parentRootPage, uint32_t objectId,
                                       TreeKind kind, const OperationContext& context) {
  ESEKIT_RETURN_IF_ERROR(checkWritable());
  auto parent = page(parentRootPage, parentObjectId);
  if (!parent) return parent.status();
  if (!NodePage(Bytes((*parent)->bytes())).root())
    return Status(JetError::InvalidParameter, path().string() + ": parent page " + std::to_string(parentRootPage) +
                                                  " is not an FDP root");
  const OperationContext system = systemContext(context);
  auto first = allocateExtent(parentRootPage, kPrimaryExtentPages, system);
  if (!first) return first.status();
  uint32_t typeFlags = 0;
  if (kind == TreeKind::LongValues) typeFlags = page::flag::LongValue;
  if (kind == TreeKind::SecondaryIndex) typeFlags = page::flag::Index;
  int64_t oldest = 0;  // the pages' old images must not look newer (see makeRoom)
  for (uint32_t pgno = *first; pgno < *first + 3; ++pgno) {
    auto previous = cache_->get(pgno, ReadMode::NewPage);
    if (!previous) return previous.status();
    oldest = std::max(oldest, NodePage(Bytes((*previous)->bytes())).dbtime());
  }
  PageRecordPrefix prefix;
  prefix.procid = context.procid;
  prefix.dbid = options_.dbid;
  prefix.pgno = *first;
  prefix.dbtime = nextDbtime(oldest);
  prefix.dbtimeBefore = page::kDbtimeNil;  // new pages: redone by dbtime alone
  prefix.trxBegin0 = context.trxBegin0;
  prefix.level = context.level;
  const LogRecord record = makeCreateMultipleExtentFdp(prefix, objectId, *first + 1, *first + 2, parentRootPage,
                                                       kPrimaryExtentPages, typeFlags);
  auto position = log(record);
  if (!position) return position.status();
  const CreateFdpRecord& create = *record.as<CreateFdpRecord>();
  PageHandle root = cache_->fresh(*first);
  PageHandle owned = cache_->fresh(*first + 1);
  PageHandle available = cache_->fresh(*first + 2);
  ESEKIT_RETURN_IF_ERROR(applyCreateFdpRoot(root->bytes(), create));
  ESEKIT_RETURN_IF_ERROR(applyCreateFdpSpaceTree(owned->bytes(), *first + 1, create, false));
  ESEKIT_RETURN_IF_ERROR(applyCreateFdpSpaceTree(available->bytes(), *first + 2, create, true));
  cache_->markDirty(*root, *position);
  cache_->markDirty(*owned, *position);
  cache_->markDirty(*available, *position);
  objidLast_ = std::max(objidLast_, objectId);
  return TreeRoot{objectId, *first};
}

Status StoreImpl::deleteTree(const TreeRoot& tree, uint32_t parentObjectId, uint32_t parentRootPage,
                             const OperationContext& context) {
  ESEKIT_RETURN_IF_ERROR(checkWritable());
  auto rootHandle = page(tree.rootPage, tree.objectId);
  if (!rootHandle) return rootHandle.status();
  const NodePage root(Bytes((*rootHandle)->bytes()));
  const SpaceHeader space = parseSpaceHeader(root.externalHeader(), spaceHeaderOffset(root.externalHeader()));
  if (space.parentPage != parentRootPage)
    return Status(JetError::InvalidParameter, path().string() + ": tree at page " + std::to_string(tree.rootPage) +
                                                  " gets its space from page " + std::to_string(space.parentPage) +
                                                  ", not " + std::to_string(parentRootPage));
  std::vector<std::pair<uint32_t, uint32_t>> owned;
  if (space.multipleExtent()) {
    auto list = extents(TreeRoot{tree.objectId, space.ownedExtentsRoot()});
    if (!list) return list.status();
    owned = std::move(*list);
  } else {
    owned.emplace_back(tree.rootPage + space.primaryPages - 1, space.primaryPages);
  }
  auto parent = page(parentRootPage, parentObjectId);
  if (!parent) return parent.status();
  const NodePage parentPage(Bytes((*parent)->bytes()));
  const SpaceHeader parentSpace =
      parseSpaceHeader(parentPage.externalHeader(), spaceHeaderOffset(parentPage.externalHeader()));
  if (!parentSpace.multipleExtent())
    return Status(JetError::FeatureNotAvailable, path().string() + ": returning space to the single-extent FDP at page " +
                                                     std::to_string(parentRootPage) + " is not implemented");
  auto available = spaceTreeInfo(parentRootPage, true);
  if (!available) return available.status();
  for (const auto& [last, count] : owned) ESEKIT_RETURN_IF_ERROR(addExtent(*available, last, count, context));
  return Status::ok();
}

}  // namespace esekit::engine::store
