// B+tree traversal over a database image; see ese-format/page-format.md §5
// and records-and-catalog.md §7.4 (internal nodes: separator key -> child pgno).
#include <string>
#include <vector>

#include "esekit/format/checksum.h"
#include "esekit/format/table.h"
#include "table/table_internal.h"

namespace esekit::table {
namespace {

constexpr int kMaxDepth = 32;

}  // namespace

Result<Bytes> DatabaseImage::page(uint32_t pgno) const {
  const uint64_t offset = page::fileOffsetOfPage(pgno, pageSize);
  if (pgno == 0 || pageSize == 0 || offset > file.size() || pageSize > file.size() - offset)
    return Status(JetError::FileIOBeyondEOF, "page " + std::to_string(pgno) + " (offset " + std::to_string(offset) +
                                                 ") is beyond the end of the file (" + std::to_string(file.size()) + " bytes)");
  return file.subspan(offset, pageSize);
}

Result<LoadedPage> loadPage(const DatabaseImage& db, uint32_t pgno, uint32_t objectId) {
  auto bytes = db.page(pgno);
  if (!bytes) return bytes.status();
  LoadedPage loaded;
  Bytes source = *bytes;
  const checksum::PageChecksumCheck check = checksum::checkPage(source, pgno);
  if (check.verdict == checksum::PageChecksumCheck::Verdict::Correctable) {
    loaded.corrected.assign(source.begin(), source.end());
    if (!checksum::correctPage(loaded.corrected, pgno, check))
      return Status(JetError::ReadVerifyFailure, "page " + std::to_string(pgno) + ": checksum mismatch");
    source = loaded.corrected;
  } else if (check.verdict != checksum::PageChecksumCheck::Verdict::Ok) {
    return Status(JetError::ReadVerifyFailure, "page " + std::to_string(pgno) + " (offset " +
                                                   std::to_string(page::fileOffsetOfPage(pgno, db.pageSize)) +
                                                   "): checksum mismatch, stored " + hex64(check.stored) +
                                                   " computed " + hex64(check.computed));
  }
  auto view = page::parsePage(source);
  if (!view) return view.status().withContext("page " + std::to_string(pgno));
  if (objectId != 0 && view->header.objectId != objectId)
    return Status(JetError::DatabaseCorrupted, "page " + std::to_string(pgno) + " belongs to object " +
                                                   std::to_string(view->header.objectId) + ", expected " +
                                                   std::to_string(objectId));
  loaded.view = std::move(*view);
  return loaded;
}

int compareKeys(Bytes a, Bytes b) {
  const size_t n = std::min(a.size(), b.size());
  if (n != 0) {
    if (const int c = std::memcmp(a.data(), b.data(), n); c != 0) return c < 0 ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

Result<uint32_t> childPage(const page::Node& node, uint32_t pgno) {
  if (node.data.size() != 4)
    return Status(JetError::DatabaseCorrupted, "page " + std::to_string(pgno) + " node " + std::to_string(node.tag) +
                                                   ": internal node data is " + std::to_string(node.data.size()) +
                                                   " bytes, expected a 4-byte child page number");
  return loadLittleEndian<uint32_t>(node.data.data());
}

namespace {

Status walk(const DatabaseImage& db, uint32_t pgno, uint32_t objectId, int depth, std::vector<bool>& seen,
            const LeafVisitor& visit) {
  if (depth > kMaxDepth) return Status(JetError::DatabaseCorrupted, "B-tree deeper than 32 levels at page " + std::to_string(pgno));
  if (pgno < seen.size()) {
    if (seen[pgno]) return Status(JetError::DatabaseCorrupted, "page " + std::to_string(pgno) + " reached twice (B-tree cycle)");
    seen[pgno] = true;
  }
  auto loaded = loadPage(db, pgno, objectId);
  if (!loaded) return loaded.status();
  const page::PageView& view = loaded->view;
  if (view.header.has(page::flag::Leaf)) {
    for (const page::Node& node : view.nodes) ESEKIT_RETURN_IF_ERROR(visit(node, pgno));
    return Status::ok();
  }
  for (const page::Node& node : view.nodes) {
    auto child = childPage(node, pgno);
    if (!child) return child.status();
    ESEKIT_RETURN_IF_ERROR(walk(db, *child, objectId, depth + 1, seen, visit));
  }
  return Status::ok();
}

}  // namespace

Status walkLeaves(const DatabaseImage& db, uint32_t rootPgno, uint32_t objectId, const LeafVisitor& visit) {
  std::vector<bool> seen(static_cast<size_t>(db.pageCount()) + 1, false);
  return walk(db, rootPgno, objectId, 0, seen, visit);
}

Status seekLeaves(const DatabaseImage& db, uint32_t rootPgno, uint32_t objectId, Bytes key, const SeekVisitor& visit) {
  // Descend: in an internal page the child for `key` is the first whose
  // separator sorts after it; an empty last key is +infinity.
  uint32_t pgno = rootPgno;
  for (int depth = 0;; ++depth) {
    if (depth > kMaxDepth) return Status(JetError::DatabaseCorrupted, "B-tree deeper than 32 levels at page " + std::to_string(pgno));
    auto loaded = loadPage(db, pgno, objectId);
    if (!loaded) return loaded.status();
    const page::PageView& view = loaded->view;
    if (view.header.has(page::flag::Leaf)) break;
    if (view.nodes.empty()) return Status(JetError::DatabaseCorrupted, "internal page " + std::to_string(pgno) + " has no nodes");
    const page::Node* chosen = &view.nodes.back();
    for (const page::Node& node : view.nodes) {
      const std::vector<uint8_t> separator = node.key();
      if (separator.empty() || compareKeys(key, separator) < 0) {
        chosen = &node;
        break;
      }
    }
    auto child = childPage(*chosen, pgno);
    if (!child) return child.status();
    pgno = *child;
  }
  // Then follow the leaf chain until the visitor stops.
  std::vector<bool> seen(static_cast<size_t>(db.pageCount()) + 1, false);
  while (pgno != 0) {
    if (pgno < seen.size()) {
      if (seen[pgno]) return Status(JetError::DatabaseCorrupted, "leaf chain loops at page " + std::to_string(pgno));
      seen[pgno] = true;
    }
    auto loaded = loadPage(db, pgno, objectId);
    if (!loaded) return loaded.status();
    for (const page::Node& node : loaded->view.nodes) {
      const std::vector<uint8_t> nodeKey = node.key();
      if (compareKeys(nodeKey, key) < 0) continue;
      bool stop = false;
      ESEKIT_RETURN_IF_ERROR(visit(node, pgno, stop));
      if (stop) return Status::ok();
    }
    pgno = loaded->view.header.nextPage;
  }
  return Status::ok();
}

}  // namespace esekit::table
