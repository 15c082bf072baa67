// The .pages file layout (pages_file.h, doc/pages-differential.md §3).
#include <xxhash.h>

#include "esekit/backup/pages_file.h"
#include "esekit/engine/backup_support.h"
#include "esekit/format/checksum.h"
#include "esekit/format/database_header.h"

namespace esekit::backup {
namespace {

constexpr size_t kChecksumOffset = 120;

uint64_t startChecksum(Bytes fixed, Bytes bitmap) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  XXH3_64bits_update(state, fixed.data(), kChecksumOffset);
  if (!bitmap.empty()) XXH3_64bits_update(state, bitmap.data(), bitmap.size());
  const uint64_t digest = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return digest;
}

bool validPageSize(uint32_t size) {
  return size == 4096 || size == 8192 || size == 16384 || size == 32768 || size == 2048;
}

}  // namespace

std::vector<uint8_t> serializePagesFileStart(PagesFileHeader header, Bytes bitmap) {
  header.bitmapBytes = bitmap.size();
  std::vector<uint8_t> bytes(kPagesFileHeaderSize + bitmap.size(), 0);
  ByteWriter w(bytes);
  w.u32(0, kPagesFileMagic);
  w.u32(4, kPagesFileVersion);
  w.u32(8, header.pageSize);
  w.u64(16, header.databasePages);
  w.u64(24, header.changedPages);
  w.u64(32, header.bitmapBytes);
  header.databaseSignature.serialize(w, 40);
  header.logSignature.serialize(w, 68);
  header.fullBackup.serialize(w, 96);
  w.copy(kPagesFileHeaderSize, bitmap);
  w.u64(kChecksumOffset, startChecksum(Bytes(bytes).first(kPagesFileHeaderSize), bitmap));
  return bytes;
}

Result<PagesFile> parsePagesFile(Bytes file, const std::string& name) {
  auto bad = [&](uint64_t offset, const std::string& why) {
    return Status(JetError::ReadVerifyFailure, name + ": pages file offset " + std::to_string(offset) + ": " + why);
  };
  if (file.size() < kPagesFileHeaderSize)
    return bad(0, std::to_string(file.size()) + " bytes is shorter than the " +
                      std::to_string(kPagesFileHeaderSize) + "-byte header (truncated)");
  const ByteView view(file);
  if (view.u32(0) != kPagesFileMagic) return bad(0, "not a pages file (magic " + hex32(view.u32(0)) + ")");
  if (view.u32(4) != kPagesFileVersion) return bad(4, "unknown version " + std::to_string(view.u32(4)));
  PagesFile layout;
  PagesFileHeader& h = layout.header;
  h.pageSize = view.u32(8);
  if (!validPageSize(h.pageSize)) return bad(8, "page size " + std::to_string(h.pageSize) + " is not an ESE page size");
  h.databasePages = view.u64(16);
  h.changedPages = view.u64(24);
  h.bitmapBytes = view.u64(32);
  h.databaseSignature = Signature::parse(view, 40);
  h.logSignature = Signature::parse(view, 68);
  h.fullBackup = BackupInfo::parse(view, 96);
  if (h.databasePages > 0xFFFFFFFEull) return bad(16, "database page count " + std::to_string(h.databasePages) + " is too large");
  if (h.bitmapBytes > file.size() - kPagesFileHeaderSize)
    return bad(32, "bitmap of " + std::to_string(h.bitmapBytes) + " bytes runs past the end of the file (truncated)");
  const Bytes bitmap = file.subspan(kPagesFileHeaderSize, static_cast<size_t>(h.bitmapBytes));
  if (view.u64(kChecksumOffset) != startChecksum(file.first(kPagesFileHeaderSize), bitmap))
    return bad(kChecksumOffset, "header/bitmap checksum mismatch (stored " + hex64(view.u64(kChecksumOffset)) + ")");
  if (h.changedPages > h.databasePages)
    return bad(24, std::to_string(h.changedPages) + " changed pages in a database of " +
                       std::to_string(h.databasePages) + " pages");
  // Page numbers 1..databasePages (pgno 0 does not exist).
  auto pages = engine::decodePageSet(bitmap, h.databasePages + 1);
  if (!pages) return bad(kPagesFileHeaderSize, "page bitmap: " + pages.status().message());
  if (!pages->empty() && pages->front() == 0) return bad(kPagesFileHeaderSize, "page bitmap holds page 0");
  if (pages->size() != h.changedPages)
    return bad(24, "the bitmap holds " + std::to_string(pages->size()) + " pages, the header says " +
                       std::to_string(h.changedPages));
  layout.pages = std::move(*pages);
  layout.pagesOffset = kPagesFileHeaderSize + h.bitmapBytes;
  layout.headerPageOffset = layout.pagesOffset + uint64_t{h.pageSize} * h.changedPages;
  const uint64_t expected = layout.headerPageOffset + h.pageSize;
  if (file.size() != expected)
    return bad(std::min<uint64_t>(file.size(), expected),
               std::to_string(file.size()) + " bytes, the layout needs " + std::to_string(expected) +
                   (file.size() < expected ? " (truncated)" : " (trailing bytes)"));
  return layout;
}

std::vector<PagesFileProblem> verifyPagesFileImages(const PagesFile& layout, Bytes file) {
  std::vector<PagesFileProblem> problems;
  const uint32_t pageSize = layout.header.pageSize;
  for (size_t i = 0; i < layout.pages.size(); ++i) {
    const uint64_t offset = layout.imageOffset(i);
    if (offset + pageSize > file.size()) break;
    const Bytes page = file.subspan(static_cast<size_t>(offset), pageSize);
    const checksum::PageChecksumCheck check = checksum::checkPage(page, layout.pages[i]);
    if (check.verdict == checksum::PageChecksumCheck::Verdict::Ok) continue;
    problems.push_back(PagesFileProblem{
        layout.pages[i], offset,
        "page " + std::to_string(layout.pages[i]) + " (pages file offset " + std::to_string(offset) +
            "): checksum mismatch in block " + std::to_string(check.block) + ", stored " + hex64(check.stored) +
            ", computed " + hex64(check.computed)});
  }
  if (layout.headerPageOffset + pageSize <= file.size()) {
    const Status header = verifyHeaderChecksum(file.subspan(static_cast<size_t>(layout.headerPageOffset), pageSize),
                                               layout.headerPageOffset);
    if (!header.isOk())
      problems.push_back(PagesFileProblem{0, layout.headerPageOffset, "database header page: " + header.message()});
  }
  return problems;
}

}  // namespace esekit::backup
