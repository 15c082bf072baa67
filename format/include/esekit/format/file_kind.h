// What kind of ESE file a byte buffer starts with: database, log, checkpoint,
// flush map, patch file, reserve log, ... or not ESE at all.
//
// Every ESE header (database, log, checkpoint, flush map) stores JET_filetype
// as an unaligned 32-bit word at offset 667 (ese-format/database-header.md §8).
// The field alone is not trusted: a kind is only reported when the structure
// around it is plausible too (database magic at offset 4, a valid legacy XOR
// header checksum for logs, checkpoints and flush maps), so that random data or
// a text file is reported as Unknown.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "esekit/format/bytes.h"

namespace esekit {

// JET_filetype values (database-header.md §8). Stored as the raw on-disk word,
// so values outside the list survive a parse/serialize round trip.
enum class FileType : uint32_t {
  Unknown = 0,  // also what pre-filetype headers hold
  Database = 1,
  StreamingFile = 2,
  Log = 3,
  Checkpoint = 4,
  TempDatabase = 5,
  Ftl = 6,
  FlushMap = 7,
  CachedFile = 8,
  CachingFile = 9,
  RevertSnapshot = 10,
  RevertSnapshotCheckpoint = 11,
};

// "database", "log", ...; "unknown (0x...)" for values outside the list.
std::string fileTypeName(FileType type);

// Offset of le_filetype in database, log and checkpoint headers.
inline constexpr size_t kFileTypeOffset = 667;

// How many leading bytes detectFileKind() wants: enough for the largest
// database header page and its shadow. Fewer bytes work, but checks that need
// more (e.g. the checksum of a 32 KiB header page) are then skipped.
inline constexpr size_t kFileKindProbeSize = 65536;

enum class FileKind : uint8_t {
  Unknown,             // not recognised as anything ESE wrote
  Empty,               // zero bytes
  AllZero,             // only zero bytes: a pre-created edbtmp.log / reserve log, or a wiped file
  ReserveLogPattern,   // Win7-era reserve log fill: 0xDA except every 16th byte (INVENTORY obs. 5)
  Database,            // DBFILEHDR with magic 0x89ABCDEF, file type 1 (or 0 in old headers)
  TempDatabase,        // DBFILEHDR with file type 5
  StreamingFile,       // DBFILEHDR with file type 2 (obsolete .stm)
  Log,                 // LGFILEHDR (file type 3, or 0 with a 7.x/8.x version) with a valid checksum
  Checkpoint,          // CHECKPOINT (file type 4) with a valid checksum
  FlushMap,            // .jfm header (file type 7) with a valid checksum
  PatchFile,           // legacy backup .pat: a PATCHHDR page (checkpoint-and-backup.md §5) with a valid checksum
  DatabasePage,        // a lone database page whose XOR+ECC checksum is consistent (checksums.md §3)
  OtherEseFile,        // file types 6, 8-11 (FTL, cache files, revert snapshots) with a valid checksum
};

// "database", "reserve log (all zero)", ...
std::string_view fileKindName(FileKind kind);

// Detection details, for messages and dumps.
struct FileKindDetection {
  FileKind kind = FileKind::Unknown;
  uint32_t fileTypeField = 0;    // raw word at offset 667 (0 when the input is shorter)
  bool headerChecksumOk = false; // the legacy XOR header checksum verified (where one was checked)
  uint32_t pageSize = 0;         // database / patch-file page size when known
  std::string reason;            // one line: why this kind (or why not ESE)
};

// Classifies the first bytes of a file (pass kFileKindProbeSize bytes, or the
// whole file when smaller). Never fails; unrecognised input is Unknown.
FileKindDetection inspectFileKind(Bytes firstBytes);
inline FileKind detectFileKind(Bytes firstBytes) { return inspectFileKind(firstBytes).kind; }

}  // namespace esekit
