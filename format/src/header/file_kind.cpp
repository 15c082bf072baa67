// File-kind detection from the first bytes of a file (see file_kind.h).
#include "esekit/format/file_kind.h"

#include "esekit/format/checksum.h"
#include "esekit/format/database_header.h"
#include "header/field_codec.h"

namespace esekit {
namespace {

constexpr size_t kHeaderBlock = 4096;  // log, checkpoint and flush-map headers

// Win7-era reserve logs: every byte 0xDA except each 16th (INVENTORY obs. 5).
bool isReserveFillPattern(Bytes bytes) {
  if (bytes.size() < 64) return false;
  const size_t checked = bytes.size() < kHeaderBlock ? bytes.size() : kHeaderBlock;
  for (size_t i = 0; i < checked; ++i) {
    if (i % 16 != 0 && bytes[i] != 0xDA) return false;
  }
  return true;
}

bool legacyHeaderChecksumOk(Bytes bytes, size_t offset, size_t size) {
  if (bytes.size() < offset || bytes.size() - offset < size) return false;
  const Bytes block = bytes.subspan(offset, size);
  return loadLittleEndian<uint32_t>(block.data()) == checksum::legacyXor(block);
}

// Old log headers (before le_filetype): LGFILEHDR version 7.3704 or 8.4000 at 32/36 (log-format.md §3).
bool looksLikeLogVersion(const ByteView& view) {
  const uint32_t major = view.u32(32);
  const uint32_t minor = view.u32(36);
  return (major == 7 && minor == 3704) || (major == 8 && minor == 4000);
}

// PATCHHDR (checkpoint-and-backup.md §5): zero PGHDR apart from the checksum,
// then a BKINFO whose mark is set and the database signature.
bool looksLikePatchHeader(Bytes bytes) {
  if (bytes.size() < 148) return false;
  if (!header_detail::allZero(bytes.subspan(4, 36))) return false;
  return !header_detail::allZero(bytes.subspan(40, 24)) && !header_detail::allZero(bytes.subspan(64, 28));
}

// A lone database page: the ECC half of its XOR+ECC checksum does not depend on
// the page number (checksums.md §3), so it can be checked without knowing it.
bool looksLikeDatabasePage(Bytes bytes, uint32_t& blockSize) {
  if (bytes.size() < 40) return false;
  const uint32_t flags = loadLittleEndian<uint32_t>(bytes.data() + 36);  // PGHDR fFlags
  if ((flags & checksum::kNewChecksumFormatFlag) == 0) return false;
  for (uint32_t size : {4096u, 8192u}) {
    if (bytes.size() < size) break;
    const Bytes block = bytes.first(size);
    if (header_detail::allZero(block.subspan(8))) continue;
    const uint32_t storedEcc = loadLittleEndian<uint32_t>(block.data() + 4);
    const uint32_t computedEcc = static_cast<uint32_t>(checksum::xorEcc(block, 0, true) >> 32);
    if (storedEcc == computedEcc) {
      blockSize = size;
      return true;
    }
  }
  return false;
}

}  // namespace

std::string fileTypeName(FileType type) {
  switch (type) {
    case FileType::Unknown: return "unknown (0)";
    case FileType::Database: return "database";
    case FileType::StreamingFile: return "streaming file";
    case FileType::Log: return "log";
    case FileType::Checkpoint: return "checkpoint";
    case FileType::TempDatabase: return "temp database";
    case FileType::Ftl: return "FTL";
    case FileType::FlushMap: return "flush map";
    case FileType::CachedFile: return "cached file";
    case FileType::CachingFile: return "caching file";
    case FileType::RevertSnapshot: return "revert snapshot";
    case FileType::RevertSnapshotCheckpoint: return "revert snapshot checkpoint";
  }
  return "unknown (" + hex32(static_cast<uint32_t>(type)) + ")";
}

std::string_view fileKindName(FileKind kind) {
  switch (kind) {
    case FileKind::Unknown: return "not ESE";
    case FileKind::Empty: return "empty";
    case FileKind::AllZero: return "all zero (pre-created or reserve log)";
    case FileKind::ReserveLogPattern: return "reserve log (0xDA fill pattern)";
    case FileKind::Database: return "database";
    case FileKind::TempDatabase: return "temp database";
    case FileKind::StreamingFile: return "streaming file";
    case FileKind::Log: return "log";
    case FileKind::Checkpoint: return "checkpoint";
    case FileKind::FlushMap: return "flush map";
    case FileKind::PatchFile: return "backup patch file (.pat)";
    case FileKind::DatabasePage: return "single database page";
    case FileKind::OtherEseFile: return "other ESE file";
  }
  return "?";
}

FileKindDetection inspectFileKind(Bytes bytes) {
  FileKindDetection d;
  if (bytes.empty()) {
    d.kind = FileKind::Empty;
    d.reason = "no bytes";
    return d;
  }
  if (header_detail::allZero(bytes)) {
    d.kind = FileKind::AllZero;
    d.reason = "all " + std::to_string(bytes.size()) + " bytes are zero";
    return d;
  }
  if (isReserveFillPattern(bytes)) {
    d.kind = FileKind::ReserveLogPattern;
    d.reason = "0xDA fill with every 16th byte different";
    return d;
  }
  if (bytes.size() < kFileTypeOffset + 4) {
    d.reason = "only " + std::to_string(bytes.size()) + " bytes: too short for an ESE header";
    return d;
  }
  ByteView view(bytes);
  d.fileTypeField = view.u32(kFileTypeOffset);
  const FileType fileType = static_cast<FileType>(d.fileTypeField);

  // Database family: the magic at offset 4 is the plausibility check (§3).
  if (view.u32(4) == kDatabaseMagic) {
    const uint32_t sizeField = view.u32(236);
    d.pageSize = sizeField == 0 ? kLegacyDefaultPageSize : sizeField;
    if (isSupportedPageSize(d.pageSize)) {
      d.headerChecksumOk = legacyHeaderChecksumOk(bytes, 0, d.pageSize) ||
                           legacyHeaderChecksumOk(bytes, d.pageSize, d.pageSize);
    }
    switch (fileType) {
      case FileType::Unknown:
      case FileType::Database: d.kind = FileKind::Database; break;
      case FileType::TempDatabase: d.kind = FileKind::TempDatabase; break;
      case FileType::StreamingFile: d.kind = FileKind::StreamingFile; break;
      default:
        d.reason = "database magic at offset 4 but file type " + fileTypeName(fileType) + " at 667";
        return d;
    }
    d.reason = "database magic 0x89abcdef at offset 4, file type " + fileTypeName(fileType) +
               (d.headerChecksumOk ? ", header checksum ok" : ", header checksum NOT ok");
    return d;
  }

  d.headerChecksumOk = legacyHeaderChecksumOk(bytes, 0, kHeaderBlock);
  const std::string checksumNote = d.headerChecksumOk ? ", header checksum ok" : "";
  switch (fileType) {
    case FileType::Log:
      // A log is only believed with a verifying header, or at least a valid version.
      if (d.headerChecksumOk || looksLikeLogVersion(view)) {
        d.kind = FileKind::Log;
        d.reason = "file type 3 at 667" + std::string(d.headerChecksumOk ? ", header checksum ok"
                                                                          : ", header checksum NOT ok");
        return d;
      }
      break;
    case FileType::Checkpoint:
      if (!d.headerChecksumOk) d.headerChecksumOk = legacyHeaderChecksumOk(bytes, kHeaderBlock, kHeaderBlock);
      if (d.headerChecksumOk) {
        d.kind = FileKind::Checkpoint;
        d.reason = "file type 4 at 667, checksum ok";
        return d;
      }
      break;
    case FileType::FlushMap:
      if (d.headerChecksumOk) {
        d.kind = FileKind::FlushMap;
        d.reason = "file type 7 at 667" + checksumNote;
        return d;
      }
      break;
    case FileType::Ftl:
    case FileType::CachedFile:
    case FileType::CachingFile:
    case FileType::RevertSnapshot:
    case FileType::RevertSnapshotCheckpoint:
      if (d.headerChecksumOk) {
        d.kind = FileKind::OtherEseFile;
        d.reason = "file type " + fileTypeName(fileType) + " at 667" + checksumNote;
        return d;
      }
      break;
    case FileType::Unknown:
      // Headers written before le_filetype existed, and .pat files.
      if (d.headerChecksumOk) {
        if (looksLikeLogVersion(view)) {
          d.kind = FileKind::Log;
          d.reason = "file type 0, log version at 32/36" + checksumNote;
          return d;
        }
        if (looksLikePatchHeader(bytes)) {
          d.kind = FileKind::PatchFile;
          d.reason = "PATCHHDR: zero page header, backup info at 40, database signature at 64" + checksumNote;
          return d;
        }
        if (LogPosition::parse(view, 12).generation > 0 && !Signature::parse(view, 20).isZero()) {
          d.kind = FileKind::Checkpoint;
          d.reason = "file type 0, checkpoint position at 12 and log signature at 20" + checksumNote;
          return d;
        }
      }
      break;
    default:
      break;
  }

  uint32_t blockSize = 0;
  if (looksLikeDatabasePage(bytes, blockSize)) {
    d.kind = FileKind::DatabasePage;
    d.reason = "page flag 0x2000 and a matching ECC checksum over the first " + std::to_string(blockSize) + " bytes";
    return d;
  }
  d.reason = "file type " + fileTypeName(fileType) + " at 667 without a matching ESE structure";
  return d;
}

}  // namespace esekit
