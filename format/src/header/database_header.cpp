// DBFILEHDR parse and serialize (ese-format/database-header.md §3).
#include "esekit/format/database_header.h"

#include <cstdio>

#include "esekit/format/checksum.h"
#include "header/field_codec.h"

namespace esekit {
namespace {

using header_detail::FieldReader;
using header_detail::FieldWriter;

// The one list of DBFILEHDR offsets (§3); Header is DatabaseHeader or const DatabaseHeader.
template <typename Header, typename Visit>
void visitDatabaseHeaderFields(Header& h, const Visit& field) {
  field(0, h.checksum);
  field(4, h.magic);
  field(8, h.formatVersion);
  field(12, h.attributes);
  field(16, h.dbtimeDirtied);
  field(24, h.databaseSignature);
  field(52, h.state);
  field(56, h.consistentPosition);
  field(64, h.consistentTime);
  field(72, h.attachTime);
  field(80, h.attachPosition);
  field(88, h.detachTime);
  field(96, h.detachPosition);
  field(104, h.dbid);
  field(108, h.logSignature);
  field(136, h.previousFullBackup);
  field(160, h.previousIncrementalBackup);
  field(184, h.currentFullBackup);
  field(208, h.databaseFlags);
  field(212, h.lastObjectId);
  field(216, h.osMajorVersion);
  field(220, h.osMinorVersion);
  field(224, h.osBuildNumber);
  field(228, h.osServicePack);
  field(232, h.formatUpdateMajor);
  field(236, h.pageSizeField);
  field(240, h.repairCount);
  field(244, h.repairTime);
  field(252, h.reservedSlvSignature);
  field(280, h.lastScrubDbtime);
  field(288, h.lastScrubTime);
  field(296, h.minRequiredGeneration);
  field(300, h.maxRequiredGeneration);
  field(304, h.upgrade55FormatPages);
  field(308, h.upgradeFreePages);
  field(312, h.upgradeSpaceMapPages);
  field(316, h.currentSnapshotBackup);
  field(340, h.createFormatVersion);
  field(344, h.createFormatUpdateMajor);
  field(348, h.maxCommittedGenerationCreateTime);
  field(356, h.previousFullBackupType);
  field(360, h.previousIncrementalBackupType);
  field(364, h.repairCountOld);
  field(368, h.eccFixSuccessCount);
  field(372, h.eccFixSuccessTime);
  field(380, h.eccFixSuccessCountOld);
  field(384, h.eccFixFailCount);
  field(388, h.eccFixFailTime);
  field(396, h.eccFixFailCountOld);
  field(400, h.badChecksumCount);
  field(404, h.badChecksumTime);
  field(412, h.badChecksumCountOld);
  field(416, h.maxCommittedGeneration);
  field(420, h.previousCopyBackup);
  field(444, h.previousDifferentialBackup);
  field(468, h.previousCopyBackupType);
  field(472, h.previousDifferentialBackupType);
  field(476, h.incrementalReseedCount);
  field(480, h.incrementalReseedTime);
  field(488, h.incrementalReseedCountOld);
  field(492, h.pagePatchCount);
  field(496, h.pagePatchTime);
  field(504, h.pagePatchCountOld);
  field(508, h.sortVersion);
  field(516, h.dbscanPreviousFinishTime);
  field(524, h.dbscanStartTime);
  field(532, h.dbscanHighestContinuousPage);
  field(536, h.recoveringGeneration);
  field(540, h.extendCount);
  field(544, h.lastExtendTime);
  field(552, h.shrinkCount);
  field(556, h.lastShrinkTime);
  field(564, h.lastReattachTime);
  field(572, h.lastReattachPosition);
  field(580, h.trimCount);
  field(584, h.headerFlushSignature);
  field(612, h.flushMapHeaderFlushSignature);
  field(640, h.minConsistentGeneration);
  field(644, h.formatUpdateMinor);
  field(648, h.maxAttachedEngineFormatVersion);
  field(652, h.dbscanHighestPage);
  field(656, h.lastResizePosition);
  field(664, h.reserved664);
  field(667, h.fileType);
  field(671, h.reserved671);
  field(672, h.maxRequiredGenerationCreateTime);
  field(680, h.preRedoMinConsistentGeneration);
  field(684, h.preRedoMinRequiredGeneration);
  field(688, h.revertSnapshotHeaderFlushSignature);
  field(716, h.revertCount);
  field(720, h.revertFromTime);
  field(728, h.revertToTime);
  field(736, h.revertPageCount);
  field(740, h.commitPositionBeforeRevert);  // ends at 748
}

bool isKnownNonDatabaseType(uint32_t fileType) {
  return fileType >= static_cast<uint32_t>(FileType::StreamingFile) &&
         fileType <= static_cast<uint32_t>(FileType::RevertSnapshotCheckpoint) &&
         fileType != static_cast<uint32_t>(FileType::TempDatabase);
}

}  // namespace

bool isSupportedPageSize(uint32_t pageSize) {
  return pageSize == 2048 || pageSize == 4096 || pageSize == 8192 || pageSize == 16384 || pageSize == 32768;
}

std::string DatabaseHeader::formatVersionString() const {
  char text[40];
  std::snprintf(text, sizeof text, "0x%x,%u", formatVersion, formatUpdateMajor);
  return text;
}

std::string DatabaseHeader::formatTripleString() const {
  return std::to_string(formatVersion) + "." + std::to_string(formatUpdateMajor) + "." +
         std::to_string(formatUpdateMinor);
}

Status verifyHeaderChecksum(Bytes page, uint64_t fileOffset) {
  const std::string where = "database header at file offset " + std::to_string(fileOffset);
  if (page.size() < 8 || page.size() % 4 != 0) {
    return Status(JetError::InvalidParameter,
                  where + ": " + std::to_string(page.size()) + " bytes is not a checksummable header page");
  }
  const uint32_t stored = loadLittleEndian<uint32_t>(page.data());
  const uint32_t computed = checksum::legacyXor(page);
  if (stored == computed) return Status::ok();
  // With a plain XOR the difference shows which bit column(s) changed, not where.
  return Status(JetError::ReadVerifyFailure, where + ": checksum mismatch: stored " + hex32(stored) + ", computed " +
                                                 hex32(computed) + " over " + std::to_string(page.size()) +
                                                 " bytes (differing bits " + hex32(stored ^ computed) + ")");
}

Result<DatabaseHeader> parseDatabaseHeader(Bytes page, HeaderChecksumPolicy policy) {
  if (page.size() < kDatabaseHeaderSize) {
    return Status(JetError::InvalidDatabase, "database header truncated: " + std::to_string(page.size()) +
                                                 " bytes, a header needs at least " +
                                                 std::to_string(kDatabaseHeaderSize));
  }
  ByteView view(page);
  const uint32_t magic = view.u32(4);
  const uint32_t fileType = view.u32(kFileTypeOffset);
  if (isKnownNonDatabaseType(fileType)) {
    return Status(JetError::FileInvalidType, "file type " + std::to_string(fileType) + " (" +
                                                 fileTypeName(static_cast<FileType>(fileType)) +
                                                 ") at offset 667, expected a database");
  }
  if (magic != kDatabaseMagic) {
    return Status(JetError::InvalidDatabase,
                  "not a database header: magic at offset 4 is " + hex32(magic) + ", expected 0x89abcdef");
  }
  if (fileType != static_cast<uint32_t>(FileType::Unknown) && fileType != static_cast<uint32_t>(FileType::Database) &&
      fileType != static_cast<uint32_t>(FileType::TempDatabase)) {
    return Status(JetError::FileInvalidType,
                  "database header: file type " + hex32(fileType) + " at offset 667 is not a database type");
  }
  const uint32_t sizeField = view.u32(236);
  const uint32_t pageSize = sizeField == 0 ? kLegacyDefaultPageSize : sizeField;
  if (!isSupportedPageSize(pageSize)) {
    return Status(JetError::InvalidDatabase, "database header: page size field at offset 236 is " +
                                                 std::to_string(sizeField) + ", not 2048..32768");
  }
  if (page.size() < pageSize) {
    return Status(JetError::InvalidDatabase, "database header page truncated: " + std::to_string(page.size()) +
                                                 " bytes, page size (offset 236) is " + std::to_string(pageSize));
  }
  const Bytes headerPage = page.first(pageSize);
  if (policy == HeaderChecksumPolicy::Verify) ESEKIT_RETURN_IF_ERROR(verifyHeaderChecksum(headerPage));

  DatabaseHeader header;
  visitDatabaseHeaderFields(header, FieldReader{view});
  const Bytes tail = headerPage.subspan(kDatabaseHeaderSize);
  if (!header_detail::allZero(tail)) header.pageTail.assign(tail.begin(), tail.end());
  return header;
}

std::vector<uint8_t> serializeDatabaseHeader(const DatabaseHeader& header, size_t pageSize) {
  if (pageSize < kDatabaseHeaderSize || pageSize % 4 != 0) return {};
  std::vector<uint8_t> page(pageSize, 0);
  ByteWriter out(page);
  visitDatabaseHeaderFields(header, FieldWriter{out});
  // A tail longer than this page is cut: it belonged to a bigger page.
  const size_t tailRoom = pageSize - kDatabaseHeaderSize;
  const size_t tailLength = header.pageTail.size() < tailRoom ? header.pageTail.size() : tailRoom;
  out.copy(kDatabaseHeaderSize, Bytes(header.pageTail.data(), tailLength));
  checksum::setHeaderChecksum(page);
  return page;
}

}  // namespace esekit
