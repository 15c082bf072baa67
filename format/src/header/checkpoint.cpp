// Checkpoint file parse/serialize (ese-format/checkpoint-and-backup.md §1).
#include "esekit/format/text.h"
#include "esekit/format/checkpoint.h"

#include <cstring>

#include "esekit/format/checksum.h"
#include "header/field_codec.h"
#include "header/shadow_util.h"

namespace esekit {
namespace {

using header_detail::FieldReader;
using header_detail::FieldWriter;

constexpr size_t kPaddingOffset = kCheckpointAttachOffset + kAttachAreaSize;  // 2727

template <typename Params, typename Visit>
void visitDbmsFields(Params& p, size_t base, const Visit& field) {
  field(base + 0, p.systemPath);
  field(base + 261, p.logFilePath);
  field(base + 522, p.flags);
  field(base + 523, p.sessionsMax);
  field(base + 527, p.openTablesMax);
  field(base + 531, p.versionPagesMax);
  field(base + 535, p.cursorsMax);
  field(base + 539, p.logBuffers);
  field(base + 543, p.logFileSectors);
  field(base + 547, p.cacheSizeMax);
  field(base + 551, p.reserved);  // ends at 567
}

// CHECKPOINT_FIXED + attach area; Checkpoint or const Checkpoint.
template <typename Fixed, typename Visit>
void visitCheckpointFields(Fixed& c, const Visit& field) {
  field(0, c.checksum);
  field(4, c.lastFullBackupCheckpoint);
  field(12, c.checkpoint);
  field(20, c.logSignature);
  visitDbmsFields(c.dbmsParameters, 48, field);
  field(615, c.fullBackupPosition);
  field(623, c.fullBackupTime);
  field(631, c.incrementalBackupPosition);
  field(639, c.incrementalBackupTime);
  field(647, c.version);
  field(648, c.databaseConsistencyPosition);
  field(656, c.reserved656);
  field(667, c.fileType);
  field(671, c.reserved671);
  field(679, c.attachArea);  // ends at 2727
}


bool isKnownNonCheckpointType(uint32_t fileType) {
  return fileType != static_cast<uint32_t>(FileType::Unknown) &&
         fileType != static_cast<uint32_t>(FileType::Checkpoint);
}

HeaderCopyCheck judgeCheckpointCopy(Bytes file, size_t offset, const char* which) {
  HeaderCopyCheck check;
  const std::string where = std::string(which) + " at file offset " + std::to_string(offset);
  if (file.size() < offset || file.size() - offset < kCheckpointCopySize) {
    check.state = HeaderCopyState::Missing;
    check.status = Status(JetError::CheckpointCorrupt,
                          where + ": missing (file is " + std::to_string(file.size()) + " bytes)");
    return check;
  }
  const Bytes copy = file.subspan(offset, kCheckpointCopySize);
  check.storedChecksum = loadLittleEndian<uint32_t>(copy.data());
  check.computedChecksum = checksum::legacyXor(copy);
  const uint32_t fileType = loadLittleEndian<uint32_t>(copy.data() + kFileTypeOffset);
  if (isKnownNonCheckpointType(fileType)) {
    check.state = HeaderCopyState::Unrecognized;
    check.status = Status(JetError::FileInvalidType, where + ": file type " + std::to_string(fileType) + " (" +
                                                         fileTypeName(static_cast<FileType>(fileType)) +
                                                         ") at offset 667, expected a checkpoint (4)");
    return check;
  }
  if (check.storedChecksum != check.computedChecksum) {
    check.state = HeaderCopyState::ChecksumMismatch;
    check.status = Status(JetError::CheckpointCorrupt,
                          where + ": checksum mismatch: stored " + hex32(check.storedChecksum) + ", computed " +
                              hex32(check.computedChecksum) + " over 4096 bytes");
    return check;
  }
  check.state = HeaderCopyState::Good;
  return check;
}

}  // namespace

// ---- DBMS_PARAM -------------------------------------------------------------

DbmsParameters DbmsParameters::parse(const ByteView& view, size_t offset) {
  DbmsParameters p;
  visitDbmsFields(p, offset, FieldReader{view});
  return p;
}

void DbmsParameters::serialize(ByteWriter& out, size_t offset) const {
  visitDbmsFields(*this, offset, FieldWriter{out});
}

std::string DbmsParameters::systemPathText() const { return latin1ToUtf8(systemPath); }
std::string DbmsParameters::logFilePathText() const { return latin1ToUtf8(logFilePath); }

// ---- ATTACHINFO -------------------------------------------------------------

std::string AttachInfo::name() const {
  return unicodeNames() ? utf16leToUtf8(nameBytes) : latin1ToUtf8(nameBytes);
}

Result<std::vector<AttachInfo>> parseAttachList(Bytes area, size_t baseOffset, JetError corruptError) {
  std::vector<AttachInfo> entries;
  ByteView view(area);
  size_t offset = 0;
  while (offset < area.size() && view.u8(offset) != 0) {
    if (!view.has(offset, AttachInfo::kFixedSize)) {
      return Status(corruptError, "attach list entry at offset " + std::to_string(baseOffset + offset) +
                                                     ": 64-byte ATTACHINFO runs past the end of the list");
    }
    AttachInfo entry;
    entry.dbid = view.u8(offset);
    entry.flags = view.u8(offset + 1);
    const uint16_t nameLength = view.u16(offset + 2);
    entry.dbtime = view.i64(offset + 4);
    entry.lastObjectId = view.u32(offset + 12);
    entry.maxDatabasePages = view.u32(offset + 16);
    entry.attachPosition = LogPosition::parse(view, offset + 20);
    entry.consistentPosition = LogPosition::parse(view, offset + 28);
    entry.databaseSignature = Signature::parse(view, offset + 36);
    const size_t namesOffset = offset + AttachInfo::kFixedSize;
    if (!view.has(namesOffset, nameLength)) {
      return Status(corruptError,
                    "attach list entry at offset " + std::to_string(baseOffset + offset) + ": names of " +
                        std::to_string(nameLength) + " bytes run past the end of the list");
    }
    const Bytes names = view.slice(namesOffset, nameLength);
    entry.nameBytes.assign(names.begin(), names.end());
    entries.push_back(std::move(entry));
    offset = namesOffset + nameLength;
  }
  return entries;
}

Status serializeAttachList(const std::vector<AttachInfo>& entries, MutableBytes area) {
  size_t needed = 0;  // the 0 terminator is added when there is room (parseAttachList also stops at the end)
  for (const AttachInfo& entry : entries) {
    if (entry.nameBytes.size() > UINT16_MAX) {
      return Status(JetError::InvalidParameter, "attach list: a name of " + std::to_string(entry.nameBytes.size()) +
                                                    " bytes does not fit the 16-bit length");
    }
    if (entry.dbid == 0) return Status(JetError::InvalidParameter, "attach list: dbid 0 would end the list");
    needed += AttachInfo::kFixedSize + entry.nameBytes.size();
  }
  if (needed > area.size()) {
    return Status(JetError::InvalidParameter, "attach list needs " + std::to_string(needed) + " bytes, room for " +
                                                  std::to_string(area.size()));
  }
  ByteWriter out(area);
  size_t offset = 0;
  for (const AttachInfo& entry : entries) {
    out.u8(offset, entry.dbid);
    out.u8(offset + 1, entry.flags);
    out.u16(offset + 2, static_cast<uint16_t>(entry.nameBytes.size()));
    out.i64(offset + 4, entry.dbtime);
    out.u32(offset + 12, entry.lastObjectId);
    out.u32(offset + 16, entry.maxDatabasePages);
    entry.attachPosition.serialize(out, offset + 20);
    entry.consistentPosition.serialize(out, offset + 28);
    entry.databaseSignature.serialize(out, offset + 36);
    out.copy(offset + AttachInfo::kFixedSize, Bytes(entry.nameBytes.data(), entry.nameBytes.size()));
    offset += AttachInfo::kFixedSize + entry.nameBytes.size();
  }
  if (offset < area.size()) out.u8(offset, 0);
  return Status::ok();
}

// ---- CHECKPOINT -------------------------------------------------------------

Result<std::vector<AttachInfo>> attachments(const Checkpoint& checkpoint) {
  if (!checkpoint.hasAttachList()) return std::vector<AttachInfo>{};
  return parseAttachList(checkpoint.attachArea, kCheckpointAttachOffset);
}

Status setAttachments(Checkpoint& checkpoint, const std::vector<AttachInfo>& entries) {
  std::array<uint8_t, kAttachAreaSize> area{};
  ESEKIT_RETURN_IF_ERROR(serializeAttachList(entries, area));
  checkpoint.attachArea = area;
  checkpoint.version |= kCheckpointVersionHasAttachList;
  return Status::ok();
}

Result<Checkpoint> parseCheckpoint(Bytes copy, HeaderChecksumPolicy policy) {
  if (copy.size() < kCheckpointCopySize) {
    return Status(JetError::CheckpointCorrupt, "checkpoint truncated: " + std::to_string(copy.size()) +
                                                   " bytes, a copy is 4096");
  }
  const Bytes block = copy.first(kCheckpointCopySize);
  HeaderCopyCheck check = judgeCheckpointCopy(block, 0, "checkpoint");
  if (check.state == HeaderCopyState::Unrecognized) return check.status;
  if (check.state == HeaderCopyState::ChecksumMismatch && policy == HeaderChecksumPolicy::Verify) return check.status;

  Checkpoint checkpoint;
  ByteView view(block);
  visitCheckpointFields(checkpoint, FieldReader{view});
  const Bytes padding = block.subspan(kPaddingOffset);
  if (!header_detail::allZero(padding)) checkpoint.padding.assign(padding.begin(), padding.end());
  return checkpoint;
}

std::vector<uint8_t> serializeCheckpoint(const Checkpoint& checkpoint) {
  std::vector<uint8_t> copy(kCheckpointCopySize, 0);
  ByteWriter out(copy);
  visitCheckpointFields(checkpoint, FieldWriter{out});
  const size_t room = kCheckpointCopySize - kPaddingOffset;
  const size_t length = checkpoint.padding.size() < room ? checkpoint.padding.size() : room;
  out.copy(kPaddingOffset, Bytes(checkpoint.padding.data(), length));
  checksum::setHeaderChecksum(copy);
  return copy;
}

std::vector<uint8_t> serializeCheckpointFile(const Checkpoint& checkpoint) {
  std::vector<uint8_t> file = serializeCheckpoint(checkpoint);
  file.insert(file.end(), file.begin(), file.end());
  return file;
}

Status CheckpointFileCheck::status() const {
  if (usable()) return Status::ok();
  return Status(JetError::CheckpointCorrupt,
                "neither checkpoint copy verifies: " + primary.status.message() + "; " + shadow.status.message());
}

CheckpointFileCheck compareCheckpointCopies(Bytes file) {
  CheckpointFileCheck check;
  check.primary = judgeCheckpointCopy(file, 0, "checkpoint copy 1");
  check.shadow = judgeCheckpointCopy(file, kCheckpointCopySize, "checkpoint copy 2");
  const bool primaryGood = check.primary.state == HeaderCopyState::Good;
  const bool shadowGood = check.shadow.state == HeaderCopyState::Good;
  if (file.size() >= kCheckpointFileSize) {
    check.firstDifference =
        header_detail::firstDifferingByte(file, file.subspan(kCheckpointCopySize), kCheckpointCopySize);
    check.identical = check.firstDifference < 0;
  }
  if (primaryGood && !shadowGood) header_detail::noteDifference(check.shadow, check.firstDifference, kCheckpointCopySize);
  if (shadowGood && !primaryGood) header_detail::noteDifference(check.primary, check.firstDifference, 0);
  if (primaryGood && shadowGood && !check.identical) {
    check.shadow.state = HeaderCopyState::DiffersFromPrimary;
    check.shadow.status = Status(JetError::CheckpointCorrupt,
                                 "checkpoint copy 2 at file offset 4096: verifies but differs from copy 1");
  }
  check.use = primaryGood ? HeaderSource::Primary : shadowGood ? HeaderSource::Shadow : HeaderSource::None;
  return check;
}

Result<CheckpointRead> readCheckpointFile(Bytes file) {
  if (file.size() < kCheckpointCopySize) {
    return Status(JetError::CheckpointCorrupt, "checkpoint file truncated: " + std::to_string(file.size()) +
                                                   " bytes, expected 8192 (at least one 4096-byte copy)");
  }
  CheckpointFileCheck check = compareCheckpointCopies(file);
  if (!check.usable()) {
    // Another kind of file altogether (a verifying header of another type, or
    // neither copy carrying a checkpoint file type) is a type error.
    const bool primaryIsOtherHeader = check.primary.state == HeaderCopyState::Unrecognized &&
                                      check.primary.storedChecksum == check.primary.computedChecksum;
    if (primaryIsOtherHeader || (check.primary.state == HeaderCopyState::Unrecognized &&
                                 (check.shadow.state == HeaderCopyState::Unrecognized ||
                                  check.shadow.state == HeaderCopyState::Missing))) {
      return check.primary.status;
    }
    return check.status();
  }
  const size_t offset = check.use == HeaderSource::Primary ? 0 : kCheckpointCopySize;
  Result<Checkpoint> checkpoint = parseCheckpoint(file.subspan(offset, kCheckpointCopySize));
  ESEKIT_RETURN_IF_ERROR(checkpoint);
  return CheckpointRead{std::move(checkpoint).value(), std::move(check)};
}

}  // namespace esekit
