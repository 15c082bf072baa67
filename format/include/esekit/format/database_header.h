// The database file header (DBFILEHDR, 748 bytes) stored in page 0 of every
// .edb file and again, byte-identical, in page 1 (the shadow copy).
// See ese-format/database-header.md (§3 is the field table this struct follows).
//
// Page size: the header's own le_cbPageSize field (offset 236) decides; 0
// there means 4096 (legacy). A copy only counts as good when its checksum
// verifies over exactly that many bytes — which is what ESE's probing reader
// (§5: try 2/4/8/16/32 KiB, accept a copy whose checksum matches and whose
// page-size field equals the size tried) amounts to. readDatabaseHeader()
// does that probing for a raw file start.
//
// Checksum: legacy XOR (seed 0x89ABCDEF) over the whole header page, stored
// in bytes 0-3 (database-header.md §5, checksums.md §2). In every corpus file
// the page tail after byte 748 is zero, so "whole page" and "first 4096 bytes"
// (INVENTORY obs. 2) give the same value there; esekit follows the source
// (whole page), which also catches damage in the tail.
//
// Errors:
//   InvalidDatabase   — input too short for a header, magic at offset 4 is not
//                       0x89ABCDEF, or the page-size field is not 2/4/8/16/32 KiB;
//   FileInvalidType   — le_filetype (667) names a different kind of file (log,
//                       checkpoint, ...);
//   ReadVerifyFailure — header checksum mismatch (ESE's code for a header it
//                       cannot verify, §5) or, for readDatabaseHeader(),
//                       neither copy verifies.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/fields.h"
#include "esekit/format/file_kind.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit {

inline constexpr uint32_t kDatabaseMagic = 0x89ABCDEF;
inline constexpr size_t kDatabaseHeaderSize = 748;  // sizeof(DBFILEHDR)
inline constexpr uint32_t kLegacyDefaultPageSize = 4096;  // what le_cbPageSize == 0 means

// le_dbstate (§6). Unknown numbers are kept as they are.
enum class DatabaseState : uint32_t {
  Unset = 0,
  JustCreated = 1,
  DirtyShutdown = 2,
  CleanShutdown = 3,
  BeingConverted = 4,
  ForceDetach = 5,
  IncrementalReseedInProgress = 6,
  DirtyAndPatchedShutdown = 7,
  RevertInProgress = 8,
};
// "Clean Shutdown", "Dirty Shutdown", ... as esentutl prints them;
// "unknown (N)" otherwise.
std::string databaseStateName(DatabaseState state);

// BKINFOTYPE (§2.5), the type word kept beside each "previous backup" slot.
enum class BackupType : uint32_t {
  Normal = 0,      // streaming backup
  OSSnapshot = 1,  // VSS (also stored for surrogate backups)
  Snapshot = 2,    // never shipped
  Surrogate = 3,
};
std::string backupTypeName(BackupType type);

// Bits of m_ulDbFlags (offset 208). Byte 208 holds state flags, byte 211 the
// accumulated "who attached me" build flags (§3).
inline constexpr uint32_t kDbFlagShadowingDisabled = 0x01;
inline constexpr uint32_t kDbFlagUpgradeDb = 0x02;          // obsolete
inline constexpr uint32_t kDbFlagSlvExists = 0x04;          // obsolete
inline constexpr uint32_t kDbBuildFlagEsent = 0x01u << 24;  // attached by ESENT (Windows)
inline constexpr uint32_t kDbBuildFlagEse = 0x02u << 24;    // attached by ESE (Exchange)
inline constexpr uint32_t kDbBuildFlagPrivate = 0x04u << 24;
inline constexpr uint32_t kDbBuildFlagExtentCache = 0x08u << 24;

// Every field of DBFILEHDR in on-disk order; offsets in the comments.
struct DatabaseHeader {
  uint32_t checksum = 0;                 //   0 le_ulChecksum (as stored)
  uint32_t magic = kDatabaseMagic;       //   4 le_ulMagic
  uint32_t formatVersion = 0x620;        //   8 le_ulVersion (major format, 0x620)
  uint32_t attributes = 0;               //  12 le_attrib: 0 database, 1 obsolete SLV/streaming
  int64_t dbtimeDirtied = 0;             //  16 le_dbtimeDirtied
  Signature databaseSignature;           //  24 signDb
  DatabaseState state = DatabaseState::Unset;  //  52 le_dbstate
  LogPosition consistentPosition;        //  56 le_lgposConsistent
  LogTime consistentTime;                //  64 logtimeConsistent
  LogTime attachTime;                    //  72 logtimeAttach
  LogPosition attachPosition;            //  80 le_lgposAttach
  LogTime detachTime;                    //  88 logtimeDetach
  LogPosition detachPosition;            //  96 le_lgposDetach
  uint32_t dbid = 0;                     // 104 le_dbid
  Signature logSignature;                // 108 signLog
  BackupInfo previousFullBackup;         // 136 bkinfoFullPrev
  BackupInfo previousIncrementalBackup;  // 160 bkinfoIncPrev
  BackupInfo currentFullBackup;          // 184 bkinfoFullCur (set in streamed/restored copies)
  uint32_t databaseFlags = 0;            // 208 m_ulDbFlags (kDbFlag*, kDbBuildFlag*)
  uint32_t lastObjectId = 0;             // 212 le_objidLast
  uint32_t osMajorVersion = 0;           // 216 le_dwMajorVersion
  uint32_t osMinorVersion = 0;           // 220 le_dwMinorVersion
  uint32_t osBuildNumber = 0;            // 224 le_dwBuildNumber
  uint32_t osServicePack = 0;            // 228 le_lSPNumber
  uint32_t formatUpdateMajor = 0;        // 232 le_ulDaeUpdateMajor ("revision", e.g. 0x14)
  uint32_t pageSizeField = 0;            // 236 le_cbPageSize as stored (0 = 4096); see pageSize()
  uint32_t repairCount = 0;              // 240 le_ulRepairCount
  LogTime repairTime;                    // 244 logtimeRepair
  std::array<uint8_t, 28> reservedSlvSignature{};  // 252 rgbReservedSignSLV (obsolete)
  int64_t lastScrubDbtime = 0;           // 280 le_dbtimeLastScrub
  LogTime lastScrubTime;                 // 288 logtimeScrub
  int32_t minRequiredGeneration = 0;     // 296 le_lGenMinRequired
  int32_t maxRequiredGeneration = 0;     // 300 le_lGenMaxRequired
  uint32_t upgrade55FormatPages = 0;     // 304 le_cpgUpgrade55Format
  uint32_t upgradeFreePages = 0;         // 308 le_cpgUpgradeFreePages
  uint32_t upgradeSpaceMapPages = 0;     // 312 le_cpgUpgradeSpaceMapPages
  BackupInfo currentSnapshotBackup;      // 316 bkinfoSnapshotCur
  uint32_t createFormatVersion = 0;      // 340 le_ulCreateVersion
  uint32_t createFormatUpdateMajor = 0;  // 344 le_ulCreateUpdate
  LogTime maxCommittedGenerationCreateTime;  // 348 logtimeGenMaxCreate
  BackupType previousFullBackupType = BackupType::Normal;         // 356 bkinfoTypeFullPrev
  BackupType previousIncrementalBackupType = BackupType::Normal;  // 360 bkinfoTypeIncPrev
  uint32_t repairCountOld = 0;           // 364 le_ulRepairCountOld
  uint32_t eccFixSuccessCount = 0;       // 368 le_ulECCFixSuccess
  LogTime eccFixSuccessTime;             // 372 logtimeECCFixSuccess
  uint32_t eccFixSuccessCountOld = 0;    // 380 le_ulECCFixSuccessOld
  uint32_t eccFixFailCount = 0;          // 384 le_ulECCFixFail
  LogTime eccFixFailTime;                // 388 logtimeECCFixFail
  uint32_t eccFixFailCountOld = 0;       // 396 le_ulECCFixFailOld
  uint32_t badChecksumCount = 0;         // 400 le_ulBadChecksum
  LogTime badChecksumTime;               // 404 logtimeBadChecksum
  uint32_t badChecksumCountOld = 0;      // 412 le_ulBadChecksumOld
  int32_t maxCommittedGeneration = 0;    // 416 le_lGenMaxCommitted
  BackupInfo previousCopyBackup;         // 420 bkinfoCopyPrev
  BackupInfo previousDifferentialBackup; // 444 bkinfoDiffPrev
  BackupType previousCopyBackupType = BackupType::Normal;          // 468 bkinfoTypeCopyPrev
  BackupType previousDifferentialBackupType = BackupType::Normal;  // 472 bkinfoTypeDiffPrev
  uint32_t incrementalReseedCount = 0;   // 476 le_ulIncrementalReseedCount
  LogTime incrementalReseedTime;         // 480 logtimeIncrementalReseed
  uint32_t incrementalReseedCountOld = 0;  // 488 le_ulIncrementalReseedCountOld
  uint32_t pagePatchCount = 0;           // 492 le_ulPagePatchCount
  LogTime pagePatchTime;                 // 496 logtimePagePatch
  uint32_t pagePatchCountOld = 0;        // 504 le_ulPagePatchCountOld
  uint64_t sortVersion = 0;              // 508 le_qwSortVersion (deprecated NLS sort version)
  LogTime dbscanPreviousFinishTime;      // 516 logtimeDbscanPrev
  LogTime dbscanStartTime;               // 524 logtimeDbscanStart
  uint32_t dbscanHighestContinuousPage = 0;  // 532 le_pgnoDbscanHighestContinuous
  int32_t recoveringGeneration = 0;      // 536 le_lGenRecovering
  uint32_t extendCount = 0;              // 540 le_ulExtendCount
  LogTime lastExtendTime;                // 544 logtimeLastExtend
  uint32_t shrinkCount = 0;              // 552 le_ulShrinkCount
  LogTime lastShrinkTime;                // 556 logtimeLastShrink
  LogTime lastReattachTime;              // 564 logtimeLastReAttach
  LogPosition lastReattachPosition;      // 572 le_lgposLastReAttach
  uint32_t trimCount = 0;                // 580 le_ulTrimCount
  Signature headerFlushSignature;        // 584 signDbHdrFlush
  Signature flushMapHeaderFlushSignature;  // 612 signFlushMapHdrFlush
  int32_t minConsistentGeneration = 0;   // 640 le_lGenMinConsistent
  uint32_t formatUpdateMinor = 0;        // 644 le_ulDaeUpdateMinor
  uint32_t maxAttachedEngineFormatVersion = 0;  // 648 le_efvMaxBinAttachDiagnostic
  uint32_t dbscanHighestPage = 0;        // 652 le_pgnoDbscanHighest
  LogPosition lastResizePosition;        // 656 le_lgposLastResize
  std::array<uint8_t, 3> reserved664{};  // 664 rgbReserved
  FileType fileType = FileType::Database;  // 667 le_filetype (unaligned)
  uint8_t reserved671 = 0;               // 671 rgbReserved2
  LogTime maxRequiredGenerationCreateTime;  // 672 logtimeGenMaxRequired (newer engines only)
  int32_t preRedoMinConsistentGeneration = 0;  // 680 le_lGenPreRedoMinConsistent
  int32_t preRedoMinRequiredGeneration = 0;    // 684 le_lGenPreRedoMinRequired
  Signature revertSnapshotHeaderFlushSignature;  // 688 signRBSHdrFlush
  uint32_t revertCount = 0;              // 716 le_ulRevertCount
  LogTime revertFromTime;                // 720 logtimeRevertFrom
  LogTime revertToTime;                  // 728 logtimeRevertTo
  uint32_t revertPageCount = 0;          // 736 le_ulRevertPageCount
  LogPosition commitPositionBeforeRevert;  // 740 le_lgposCommitBeforeRevert
  // Bytes 748 .. page end exactly as parsed (zero in every real file). Kept so
  // that serializing a parsed page reproduces it byte for byte; empty = zero.
  std::vector<uint8_t> pageTail;

  // Effective page size: le_cbPageSize, or 4096 when it is 0.
  uint32_t pageSize() const { return pageSizeField == 0 ? kLegacyDefaultPageSize : pageSizeField; }
  bool shadowingDisabled() const { return (databaseFlags & kDbFlagShadowingDisabled) != 0; }
  // "0x620,20" — major format version and update-major, as esentutl prints them.
  std::string formatVersionString() const;
  // "1568.20.0" — the (version, update major, update minor) triple of §4.
  std::string formatTripleString() const;

  friend bool operator==(const DatabaseHeader&, const DatabaseHeader&) = default;
};

// 2048, 4096, 8192, 16384 or 32768 (2 KiB only in old databases, §1).
bool isSupportedPageSize(uint32_t pageSize);

enum class HeaderChecksumPolicy : uint8_t {
  Verify,  // a checksum mismatch is an error (ReadVerifyFailure)
  Ignore,  // parse a damaged copy anyway (for dumps and forensics)
};

// Parses the header page. `page` holds at least pageSize() bytes (extra bytes
// are ignored); the page size comes from offset 236 (see top of file).
Result<DatabaseHeader> parseDatabaseHeader(Bytes page,
                                           HeaderChecksumPolicy policy = HeaderChecksumPolicy::Verify);

// The full header page (`pageSize` bytes: fields, pageTail, zero fill) with a
// freshly computed checksum in bytes 0-3. The header's `checksum` member is
// ignored. Empty when pageSize is not a multiple of 4 or is < 748.
std::vector<uint8_t> serializeDatabaseHeader(const DatabaseHeader& header, size_t pageSize);

// Verifies the legacy XOR checksum of a header page over all of `page`.
// `fileOffset` only feeds the message ("database header at file offset 8192").
Status verifyHeaderChecksum(Bytes page, uint64_t fileOffset = 0);

// ---- header + shadow ------------------------------------------------------

enum class HeaderCopyState : uint8_t {
  Good,
  Missing,             // not enough bytes for this copy
  Unrecognized,        // not a header of this kind (magic, file type or size field wrong)
  ChecksumMismatch,
  PageSizeMismatch,    // checksum fine, but the page-size field does not match the page it sits in
  DiffersFromPrimary,  // verifies, but is not byte-identical to the (good) primary
};
std::string_view headerCopyStateName(HeaderCopyState state);

struct HeaderCopyCheck {
  HeaderCopyState state = HeaderCopyState::Missing;
  uint32_t storedChecksum = 0;
  uint32_t computedChecksum = 0;
  Status status;  // why the copy is not good (ok when Good)
};

enum class HeaderSource : uint8_t { Primary, Shadow, None };
std::string_view headerSourceName(HeaderSource source);

struct ShadowedHeaderCheck {
  uint32_t pageSize = 0;
  HeaderCopyCheck primary;  // page 0
  HeaderCopyCheck shadow;   // page 1
  bool identical = false;   // both present and byte-identical
  // Offset inside the page of the first byte where the two copies differ
  // (-1 when identical or a copy is missing). When one copy is bad and the
  // other good, this points at the damage; it is also named in the bad copy's status.
  int64_t firstDifference = -1;
  // ESE's choice (§5): both good -> primary; only one good -> that one;
  // none -> None (JET_errReadVerifyFailure).
  HeaderSource use = HeaderSource::None;

  bool usable() const { return use != HeaderSource::None; }
  // Ok when a copy is usable, else ReadVerifyFailure naming both reasons.
  Status status() const;
};

// Judges two header pages of the same size (page 0 and page 1 of a file).
// An empty `shadow` is reported as Missing.
ShadowedHeaderCheck compareHeaderAndShadow(Bytes header, Bytes shadow);

struct DatabaseHeaderRead {
  DatabaseHeader header;  // from the copy named by check.use
  ShadowedHeaderCheck check;
};

// Reads the header of a database file from its first bytes (ideally the first
// 64 KiB): probes page sizes 2..32 KiB like ESE, judges page 0 and page 1 at
// each size, and parses the copy ESE would use. ReadVerifyFailure when no copy
// verifies; InvalidDatabase / FileInvalidType when page 0 is not a database
// header at all and page 1 does not help.
Result<DatabaseHeaderRead> readDatabaseHeader(Bytes fileStart);

// esentutl /mh style dump of every field (dotted names, typed values).
FieldList describe(const DatabaseHeader& header);
FieldList describe(const ShadowedHeaderCheck& check);

}  // namespace esekit
