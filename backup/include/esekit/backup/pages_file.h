// The `.pages` file of a page-level differential backup (BackupType::Pages,
// doc/pages-differential.md §3): the pages of one database written since its
// last full backup, to be laid over that full backup's copy.
//
// Layout (little-endian):
//   [0, 128)           fixed header (below), XXH3-64 at 120 over [0, 120) + bitmap
//   [128, 128+B)       the page numbers, a roaring bitmap in portable format (B bytes)
//   then n page images in ascending page number order (n = bitmap cardinality),
//        each pageSize bytes with its own ESE checksum
//   then the database header page the restored database takes (pageSize bytes,
//        ESE header checksum): state dirty, logs [minRequired, maxRequired] =
//        the pages set's log range
// Fixed header: 0 u32 magic "EKPD", 4 u32 version 1, 8 u32 pageSize,
//   12 u32 reserved (0), 16 u64 databasePages (pages 1..N of the database at
//   backup time), 24 u64 changedPages (n), 32 u64 bitmapBytes (B),
//   40 database signature (28), 68 log signature (28), 96 BKINFO of the full
//   backup the pages apply to (24), 120 u64 XXH3-64.
//
// Shared by backup (writes) and restore / validate (read). Pure: bytes in,
// Status out; a truncated or hostile file gives a Status naming the offset.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit::backup {

inline constexpr uint32_t kPagesFileMagic = 0x44504b45;  // "EKPD"
inline constexpr uint32_t kPagesFileVersion = 1;
inline constexpr size_t kPagesFileHeaderSize = 128;
inline constexpr std::string_view kPagesFileSuffix = ".pages";

struct PagesFileHeader {
  uint32_t pageSize = 0;
  uint64_t databasePages = 0;  // the database holds pages 1..databasePages
  uint64_t changedPages = 0;
  uint64_t bitmapBytes = 0;
  Signature databaseSignature;
  Signature logSignature;
  BackupInfo fullBackup;  // base stamp: the full backup these pages apply to
};

// Fixed header + bitmap, with the checksum set (`header.bitmapBytes` is taken from `bitmap`).
std::vector<uint8_t> serializePagesFileStart(PagesFileHeader header, Bytes bitmap);

struct PagesFile {
  PagesFileHeader header;
  std::vector<uint32_t> pages;  // ascending page numbers
  uint64_t pagesOffset = 0;     // file offset of the first page image
  uint64_t headerPageOffset = 0;
  uint64_t imageOffset(size_t index) const { return pagesOffset + uint64_t{header.pageSize} * index; }
};

// Checks magic, version, page size, checksum, bitmap (pages within
// 1..databasePages, count = changedPages) and the file size; does not verify
// the page images (see verifyPagesFileImages). Errors: ReadVerifyFailure
// naming `name` and the offset.
Result<PagesFile> parsePagesFile(Bytes file, const std::string& name);

// One damaged page image of a .pages file.
struct PagesFileProblem {
  uint32_t pgno = 0;   // 0: the database header page
  uint64_t offset = 0; // in the .pages file
  std::string message;
};
// Verifies every page image's checksum (and the header page's).
std::vector<PagesFileProblem> verifyPagesFileImages(const PagesFile& layout, Bytes file);

}  // namespace esekit::backup
