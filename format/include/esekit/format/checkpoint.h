// The checkpoint file (edb.chk / edb.jcp): two identical 4096-byte copies of
// CHECKPOINT = CHECKPOINT_FIXED (679 bytes) + a 2048-byte attach list + zero
// padding, each protected by the legacy XOR checksum over its 4096 bytes.
// See ese-format/checkpoint-and-backup.md §1 and log-format.md §3.1/§3.2
// (DBMS_PARAM and ATTACHINFO, which the log file header shares).
//
// Errors: a file shorter than 4096 bytes, or with no verifying copy, is
// JET_errCheckpointCorrupt (-533); a header whose le_filetype (667) is neither
// 4 nor the legacy 0 is JET_errFileInvalidType (-1812).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/database_header.h"
#include "esekit/format/fields.h"
#include "esekit/format/file_kind.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit {

inline constexpr size_t kCheckpointCopySize = 4096;   // one CHECKPOINT copy
inline constexpr size_t kCheckpointFileSize = 8192;   // primary + shadow
inline constexpr size_t kCheckpointFixedSize = 679;   // CHECKPOINT_FIXED
inline constexpr size_t kCheckpointAttachOffset = 679;
inline constexpr size_t kAttachAreaSize = 2048;       // rgbAttach
inline constexpr uint8_t kCheckpointVersionHasAttachList = 0x01;  // fVersion bit

// DBMS_PARAM (567 bytes): the instance settings snapshot kept in checkpoint
// (offset 48) and log headers (offset 72). log-format.md §3.1.
struct DbmsParameters {
  static constexpr size_t kSize = 567;
  static constexpr uint8_t kFlagCircularLogging = 0x01;

  std::array<uint8_t, 261> systemPath{};   //   0 szSystemPathDebugOnly (ANSI, NUL-terminated; rest kept as is)
  std::array<uint8_t, 261> logFilePath{};  // 261 szLogFilePathDebugOnly
  uint8_t flags = 0;                       // 522 fDBMSPARAMFlags
  uint32_t sessionsMax = 0;                // 523 le_lSessionsMax
  uint32_t openTablesMax = 0;              // 527 le_lOpenTablesMax
  uint32_t versionPagesMax = 0;            // 531 le_lVerPagesMax
  uint32_t cursorsMax = 0;                 // 535 le_lCursorsMax
  uint32_t logBuffers = 0;                 // 539 le_lLogBuffers
  uint32_t logFileSectors = 0;             // 543 le_lcsecLGFile
  uint32_t cacheSizeMax = 0;               // 547 le_ulCacheSizeMax
  std::array<uint8_t, 16> reserved{};      // 551

  static DbmsParameters parse(const ByteView& view, size_t offset);
  void serialize(ByteWriter& out, size_t offset) const;
  bool circularLogging() const { return (flags & kFlagCircularLogging) != 0; }
  std::string systemPathText() const;   // up to the first NUL
  std::string logFilePathText() const;
  friend bool operator==(const DbmsParameters&, const DbmsParameters&) = default;
};
FieldList describe(const DbmsParameters& parameters);

// ATTACHINFO: one attached database in an attach list (64 bytes + names).
// log-format.md §3.2.
struct AttachInfo {
  static constexpr size_t kFixedSize = 64;
  static constexpr uint8_t kFlagUnicodeNames = 0x20;
  static constexpr uint8_t kFlagSparse = 0x40;

  uint8_t dbid = 0;                 //  0 (0 terminates the list)
  uint8_t flags = 0;                //  1
  int64_t dbtime = 0;               //  4 (cbNames at 2 is nameBytes.size())
  uint32_t lastObjectId = 0;        // 12
  uint32_t maxDatabasePages = 0;    // 16 cpgDatabaseSizeMax
  LogPosition attachPosition;       // 20
  LogPosition consistentPosition;   // 28
  Signature databaseSignature;      // 36
  std::vector<uint8_t> nameBytes;   // 64: the name(s) as stored, terminator included

  bool unicodeNames() const { return (flags & kFlagUnicodeNames) != 0; }
  size_t encodedSize() const { return kFixedSize + nameBytes.size(); }
  // The database path as UTF-8 (decoded from UTF-16LE when unicodeNames()).
  std::string name() const;
  friend bool operator==(const AttachInfo&, const AttachInfo&) = default;
};

// Reads entries until a dbid of 0 or the end of `area`. An entry that does not
// fit is CheckpointCorrupt naming its offset (`baseOffset` + offset in area).
Result<std::vector<AttachInfo>> parseAttachList(Bytes area, size_t baseOffset = 0,
                                                JetError corruptError = JetError::CheckpointCorrupt);
// Writes the entries and, when there is room, a 0 terminator; InvalidParameter
// when they do not fit (the rest of `area` is left as it was).
Status serializeAttachList(const std::vector<AttachInfo>& entries, MutableBytes area);

// One CHECKPOINT copy, every field in on-disk order.
struct Checkpoint {
  uint32_t checksum = 0;                    //    0 le_ulChecksum (as stored)
  LogPosition lastFullBackupCheckpoint;     //    4 le_lgposLastFullBackupCheckpoint (legacy)
  LogPosition checkpoint;                   //   12 le_lgposCheckpoint: redo starts here
  Signature logSignature;                   //   20 signLog
  DbmsParameters dbmsParameters;            //   48 dbms_param
  LogPosition fullBackupPosition;           //  615 le_lgposFullBackup
  LogTime fullBackupTime;                   //  623 logtimeFullBackup
  LogPosition incrementalBackupPosition;    //  631 le_lgposIncBackup
  LogTime incrementalBackupTime;            //  639 logtimeIncBackup
  uint8_t version = 0;                      //  647 fVersion (kCheckpointVersionHasAttachList)
  LogPosition databaseConsistencyPosition;  //  648 le_lgposDbConsistency (0 in old files)
  std::array<uint8_t, 11> reserved656{};    //  656 rgbReserved1
  FileType fileType = FileType::Checkpoint; //  667 le_filetype (unaligned)
  std::array<uint8_t, 8> reserved671{};     //  671 rgbReserved2
  std::array<uint8_t, kAttachAreaSize> attachArea{};  // 679 rgbAttach, raw (see attachments())
  // Bytes 2727..4095 as parsed when any is non-zero (zero in real files); empty = zero.
  std::vector<uint8_t> padding;

  int32_t generation() const { return checkpoint.generation; }
  bool hasAttachList() const { return (version & kCheckpointVersionHasAttachList) != 0; }
  // le_lgposDbConsistency, or the checkpoint when it is 0 (old files, §1).
  LogPosition effectiveDatabaseConsistency() const {
    return databaseConsistencyPosition.isZero() ? checkpoint : databaseConsistencyPosition;
  }
  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// The attach list when fVersion says it is valid, else empty. Real files with
// fVersion 0 may hold a stale entry whose dbid byte is 0; it reads as empty.
Result<std::vector<AttachInfo>> attachments(const Checkpoint& checkpoint);
// Encodes `entries` into checkpoint.attachArea (zero-filled) and sets fVersion bit 0.
Status setAttachments(Checkpoint& checkpoint, const std::vector<AttachInfo>& entries);

// Parses one 4096-byte copy (`copy` may be longer; the rest is ignored).
Result<Checkpoint> parseCheckpoint(Bytes copy, HeaderChecksumPolicy policy = HeaderChecksumPolicy::Verify);
// One 4096-byte copy with its checksum computed (the `checksum` member is ignored).
std::vector<uint8_t> serializeCheckpoint(const Checkpoint& checkpoint);
// The 8192-byte file: the same copy twice, as ESE writes it.
std::vector<uint8_t> serializeCheckpointFile(const Checkpoint& checkpoint);

// Verdict on both copies (same rules as the database header, §1: prefer the
// primary, fall back to the shadow).
struct CheckpointFileCheck {
  HeaderCopyCheck primary;  // file offset 0
  HeaderCopyCheck shadow;   // file offset 4096
  bool identical = false;
  int64_t firstDifference = -1;  // offset inside the copy of the first differing byte, -1 if none
  HeaderSource use = HeaderSource::None;

  bool usable() const { return use != HeaderSource::None; }
  // Ok when a copy is usable, else CheckpointCorrupt naming both reasons.
  Status status() const;
};

struct CheckpointRead {
  Checkpoint checkpoint;  // from the copy named by check.use
  CheckpointFileCheck check;
};

// Judges both copies of a checkpoint file image (normally 8192 bytes; a
// 4096-byte file has only a primary).
CheckpointFileCheck compareCheckpointCopies(Bytes file);
// Reads a checkpoint file image: CheckpointCorrupt when shorter than 4096 or
// when neither copy verifies; FileInvalidType when it is another kind of file.
Result<CheckpointRead> readCheckpointFile(Bytes file);

// esentutl /mk style dump.
FieldList describe(const Checkpoint& checkpoint);
FieldList describe(const CheckpointFileCheck& check);

}  // namespace esekit
