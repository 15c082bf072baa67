// Writes a complete ESE database file image in memory: header and shadow, the
// database root (pgno 1) with its space trees, the catalog (MSysObjects at
// pgno 4 with its Name and RootObjects indexes, MSysObjectsShadow at 24),
// MSysObjids and MSysLocales as ESE creates them, and bulk-loaded user tables.
// Pure: the caller writes the returned bytes to a file.
//
// Every user table has the same two-column schema:
//   Key   (FID 128) Binary, variable, at most 255 bytes, primary index "PrimaryKey"
//   Value (FID 256) LongBinary, tagged: intrinsic up to 1023 bytes, otherwise
//                   separated into the table's long-value tree in chunks
// Rows must be given in strictly ascending key order (memcmp, shorter first).
//
// The result is a database that ESE itself could have left behind after a
// clean shutdown with logging off (like corpus ese_parser-stroz/test.edb):
// format 0x620 update 0x14 (see writer_header.cpp for why), CleanShutdown,
// no log signature. Layout rules: ese-format/records-and-catalog.md §5-§8,
// space-trees.md §1-§6, page-format.md §2-§5, database-header.md §9-§10.
//
// Errors (Status):
//   InvalidParameter — unsupported page size, bad density, rows out of order,
//                      key longer than 255 bytes, value of 2^31 bytes or more;
//   InvalidName      — table name empty, over 64 characters, starting with a
//                      space, or holding a character JET names cannot (! . [ ] controls);
//   TableDuplicate   — two tables (system tables included) whose names differ only in case;
//   KeyDuplicate     — two keys equal after key normalization (the 255-byte
//                      key limit truncates keys longer than ~224 bytes);
//   FeatureNotAvailable — a structure would need more than one page where this
//                      writer only builds one (a space tree of hundreds of extents);
//   DiskFull         — the database would pass the largest page number.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/fields.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit::engine {

// One row of a user table; views into caller-owned memory.
struct TableRow {
  Bytes key;
  std::optional<Bytes> value;  // nullopt: the Value column is NULL (no tagged entry)
};

struct TableContents {
  std::string name;
  std::span<const TableRow> rows;  // strictly ascending keys
};

// Width of long-value ids in a table's LV tree (records-and-catalog.md §8.1).
enum class LongValueIdWidth : uint8_t {
  Lid32,  // 4-byte LIDs: what ESE uses in a 0x620/0x14 database; every reader knows them
  // 8-byte LIDs (first 0x8000000080000001). ESE writes them from engine
  // format 9080 (DB version 1568.70.160) on; this writer still declares
  // 0x620/0x14 in the header, so only esekit's readers should be given such files.
  Lid64,
};

// How long-value nodes are spread over LV tree pages. ESE and esekit read both.
enum class LongValueLayout : uint8_t {
  // Nodes packed in key order to 100%, as ESE appends them.
  Packed,
  // One chunk per leaf page, each value's root node on its first chunk's
  // page, every node key held whole in the page's key prefix, and an
  // internal LV root. libesedb 20181229 (Debian's esedbexport) rebuilds node
  // keys from the page prefix plus the wrong bytes, and its lookups always
  // descend to the first child and then look at one more leaf: in this layout
  // it reads the separated values of the first two LV leaf pages; in the
  // packed one, none. Costs space: a page per value under a chunk, and on
  // 16/32 KiB pages a page per chunk where ESE fits four.
  OneChunkPerPage,
};

struct DatabaseWriterOptions {
  uint32_t pageSize = 8192;   // 4096, 8192, 16384 or 32768
  // Leaf and internal pages (other than roots) are filled up to this percentage,
  // as ESE does with a table's density when rows are appended in key order.
  uint8_t tableDensity = 80;  // 20..100; ESE's default is 80
  bool prefixCompression = true;  // share a per-page key prefix (page-format.md §5)
  LongValueIdWidth longValueIds = LongValueIdWidth::Lid32;
  LongValueLayout longValueLayout = LongValueLayout::Packed;
  // Identity and times; zero/unset means "fresh random" / "now".
  uint32_t signatureRandom = 0;
  LogTime creationTime;
};

// Where the writer put one user table (for tests and diagnostics).
struct WrittenTable {
  std::string name;
  uint32_t objectId = 0;
  uint32_t rootPage = 0;
  uint32_t ownedPages = 0;        // pages of its extents (including the LV tree's)
  uint32_t treePages = 0;         // pages of its primary B-tree
  uint32_t longValueObjectId = 0; // 0 when every value is intrinsic
  uint32_t longValueRoot = 0;
  uint32_t longValuePages = 0;
  uint32_t separatedValues = 0;
  uint32_t depth = 0;             // levels of the primary B-tree (1 = root is a leaf)
};

struct WrittenDatabase {
  std::vector<uint8_t> file;  // header, shadow, pages 1..pageCount
  uint32_t pageSize = 0;
  uint32_t pageCount = 0;     // database pages (file size / pageSize - 2)
  uint32_t lastObjectId = 0;
  int64_t lastDbtime = 0;
  std::vector<WrittenTable> tables;
};

// Builds the whole file. Tables are created in the given order (objids from 8).
Result<WrittenDatabase> writeDatabase(const DatabaseWriterOptions& options, std::span<const TableContents> tables);

// "database.pageSize", "database.tables.0.rootPage", ... (not the file bytes).
FieldList describe(const WrittenDatabase& database);

// The long-value chunk size ESE uses for a page size (records-and-catalog.md §8.2).
uint32_t longValueChunkSize(uint32_t pageSize);
// Largest Value stored inside the record (cbLVIntrinsicMost, §8.4).
inline constexpr size_t kLargestIntrinsicValue = 1023;
// JET_cbColumnMost: the Key column's maximum length.
inline constexpr size_t kLargestKey = 255;

}  // namespace esekit::engine
