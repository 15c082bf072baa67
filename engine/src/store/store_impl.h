// The DatabaseStore implementation: one class whose parts live in
// store_file.cpp (create/open/header/flush), btree_read.cpp (seeks),
// btree_write.cpp (logged node changes), btree_split.cpp (Split2),
// space.cpp (page and extent allocation) and redo.cpp (recovery).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "esekit/format/log_record_decode.h"
#include "esekit/format/page.h"
#include "store/database_store.h"
#include "store/node_page.h"
#include "store/page_cache.h"

namespace esekit::engine::store {

inline constexpr uint32_t kDatabaseRootPage = 1;  // pgnoSystemRoot, objid 1 (page-format.md §1)

// A tree being modified: its root and what its pages carry.
struct TreeInfo {
  TreeRoot root;
  uint32_t fdpPage = 0;        // the FDP owning its space (the tree itself, or the owner of a space tree)
  uint32_t fdpObjectId = 0;
  uint32_t typeFlags = 0;      // SpaceTree / Index / LongValue / NonUniqueKeys page flags
  bool spaceTree() const { return (typeFlags & page::flag::SpaceTree) != 0; }
};

// One level of a descent: the page and the node chosen on it (the child
// followed on internal pages, the insert/seek position on the leaf).
struct PathStep {
  PageHandle page;
  uint16_t iline = 0;
};

class StoreImpl final : public DatabaseStore {
 public:
  StoreImpl(const StoreOptions& options, std::unique_ptr<PageCache> cache, DatabaseHeader header);

  const std::filesystem::path& path() const override { return cache_->path(); }
  uint32_t pageSize() const override { return pageSize_; }
  uint8_t dbid() const override { return options_.dbid; }
  const DatabaseHeader& header() const override { return header_; }
  Status writeHeader(const DatabaseHeader& header) override;

  Result<std::optional<std::vector<uint8_t>>> find(const TreeRoot& tree, Bytes key) override;
  Result<std::optional<TreeEntry>> seek(const TreeRoot& tree, Bytes key, SeekMode mode) override;
  Result<std::optional<TreeEntry>> first(const TreeRoot& tree) override;
  Result<std::optional<TreeEntry>> last(const TreeRoot& tree) override;

  Status insert(const TreeRoot& tree, Bytes key, Bytes data, const OperationContext& context) override;
  Status replace(const TreeRoot& tree, Bytes key, Bytes data, const OperationContext& context) override;
  Status erase(const TreeRoot& tree, Bytes key, const OperationContext& context) override;
  Result<TreeRoot> createTree(uint32_t parentObjectId, uint32_t parentRootPage, uint32_t objectId, TreeKind kind,
                              const OperationContext& context) override;
  Status deleteTree(const TreeRoot& tree, uint32_t parentObjectId, uint32_t parentRootPage,
                    const OperationContext& context) override;

  int64_t dbtime() const override { return dbtime_; }
  uint32_t lastObjectId() const override { return objidLast_; }
  uint32_t newObjectId() override { return ++objidLast_; }

  Result<RedoEffect> redo(const LogRecord& record, LogPosition position) override;

  Status flush() override;
  uint64_t dirtyPages() const override { return cache_->dirtyPages(); }
  uint64_t cachedPages() const override { return cache_->cachedPages(); }
  uint64_t correctedPages() const override { return cache_->correctedPages(); }
  uint32_t ownedPages() const override { return ownedLast_; }

  Status initializeAfterOpen();

 private:
  friend class WindowsRedo;  // redo of real Windows logs (redo_windows.h)

  // --- reads ---
  Result<PageHandle> page(uint32_t pgno, uint32_t objectId);
  // Descends to the leaf for `key`; each step records its page and chosen node.
  Status descend(const TreeRoot& tree, Bytes key, std::vector<PathStep>& path);
  Result<std::optional<TreeEntry>> scanForward(const TreeRoot& tree, PageHandle leaf, uint32_t position);
  Result<std::optional<TreeEntry>> scanBackward(const TreeRoot& tree, PageHandle leaf, int64_t position);
  Result<PageHandle> edgeLeaf(const TreeRoot& tree, bool leftmost);

  // --- logged changes ---
  Status checkWritable() const;
  Result<TreeInfo> treeInfo(const TreeRoot& tree);
  PageRecordPrefix pagePrefix(const TreeInfo& tree, const CachedPage& page, uint16_t iline,
                              const OperationContext& context);
  NodeRecordPrefix nodePrefix(const TreeInfo& tree, const CachedPage& page, uint16_t iline,
                              const OperationContext& context);
  // The dbtime of the next change to pages now at `pageDbtime`: always above
  // them, even when the header's dbtime was stale when the file was opened.
  int64_t nextDbtime(int64_t pageDbtime) {
    if (pageDbtime > dbtime_) dbtime_ = pageDbtime;
    return ++dbtime_;
  }
  // Appends `record` to the log and returns its position (WAL: before the page changes).
  Result<LogPosition> log(const LogRecord& record);
  Status insertNode(const TreeInfo& tree, Bytes key, Bytes data, const OperationContext& context);
  Status replaceNode(const TreeInfo& tree, Bytes key, Bytes data, const OperationContext& context);
  Status eraseNode(const TreeInfo& tree, Bytes key, const OperationContext& context);
  Status logReplace(const TreeInfo& tree, PathStep& leaf, Bytes data, const OperationContext& context);

  // --- splits (btree_split.cpp) ---
  // Performs one split on the way to giving the leaf for `key` `need` more
  // bytes at node `position` (an insert when `inserting`). The caller
  // descends again and retries.
  Status makeRoom(const TreeInfo& tree, Bytes key, size_t need, bool inserting, const OperationContext& context);

  // --- merges (btree_merge.cpp) ---
  // After a delete: an emptied non-root leaf is merged away (Merge2 empty
  // page) and freed when its parent keeps other pointers; `steps` is the
  // delete's path (cleared when the merge happened).
  Status mergeEmptyLeaf(const TreeInfo& tree, std::vector<PathStep>& steps, const OperationContext& context);
  // Returns one page to the tree's FDP available space.
  Status freePage(const TreeInfo& tree, uint32_t pgno, const OperationContext& context);

  // --- space (space.cpp) ---
  Result<uint32_t> allocatePage(const TreeInfo& tree, const OperationContext& context);
  // `count` consecutive pages from the FDP's available space.
  Result<uint32_t> allocateExtent(uint32_t fdpPage, uint32_t count, const OperationContext& context);
  Status addSecondaryExtent(uint32_t fdpPage, uint32_t atLeast, const OperationContext& context);
  Status extendDatabase(uint32_t atLeast, const OperationContext& context);
  Status addExtent(const TreeInfo& spaceTree, uint32_t last, uint32_t count, const OperationContext& context);
  Result<std::vector<std::pair<uint32_t, uint32_t>>> extents(const TreeRoot& spaceTree);  // (last, count)
  Result<TreeInfo> spaceTreeInfo(uint32_t fdpPage, bool available);

  // --- redo (redo.cpp) ---
  Result<bool> needsRedo(const CachedPage& page, int64_t dbtime, int64_t dbtimeBefore, const LogRecord& record,
                         LogPosition position);
  Result<RedoEffect> redoNode(const LogRecord& record, const NodeRecordPrefix& node, LogPosition position);
  Result<RedoEffect> redoSplit(const SplitRecord& split, const LogRecord& record, LogPosition position);
  Result<RedoEffect> redoCreateFdp(const CreateFdpRecord& create, const LogRecord& record, LogPosition position);

  StoreOptions options_;
  std::unique_ptr<PageCache> cache_;
  DatabaseHeader header_;
  uint32_t pageSize_;
  int64_t dbtime_ = 0;
  uint32_t objidLast_ = 0;
  uint32_t ownedLast_ = 0;  // last page owned by the database root (space-trees.md §5)
  uint32_t rceid_ = 0;
  std::vector<uint8_t> scratch_;  // split before-images
};

}  // namespace esekit::engine::store
