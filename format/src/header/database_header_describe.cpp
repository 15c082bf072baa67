// esentutl /mh style description of a database header (names follow
// esentutl's labels where it has one; see ese-format/database-header.md §3).
#include <cstdio>

#include "esekit/format/database_header.h"
#include "header/describe_util.h"

namespace esekit {

using namespace header_detail;

std::string databaseStateName(DatabaseState state) {
  switch (state) {
    case DatabaseState::Unset: return "Unset (0)";
    case DatabaseState::JustCreated: return "Just Created";
    case DatabaseState::DirtyShutdown: return "Dirty Shutdown";
    case DatabaseState::CleanShutdown: return "Clean Shutdown";
    case DatabaseState::BeingConverted: return "Being Converted";
    case DatabaseState::ForceDetach: return "Force Detach";
    case DatabaseState::IncrementalReseedInProgress: return "Incremental Reseed In Progress";
    case DatabaseState::DirtyAndPatchedShutdown: return "Dirty And Patched Shutdown";
    case DatabaseState::RevertInProgress: return "Revert In Progress";
  }
  return "unknown (" + std::to_string(static_cast<uint32_t>(state)) + ")";
}

std::string backupTypeName(BackupType type) {
  switch (type) {
    case BackupType::Normal: return "normal";
    case BackupType::OSSnapshot: return "OS snapshot";
    case BackupType::Snapshot: return "snapshot";
    case BackupType::Surrogate: return "surrogate";
  }
  return "unknown (" + std::to_string(static_cast<uint32_t>(type)) + ")";
}

namespace {

std::string versionText(uint32_t version, uint32_t update) {
  char text[40];
  std::snprintf(text, sizeof text, "0x%x,%u", version, update);
  return text;
}

void addBackupSlot(FieldList& list, const std::string& name, const BackupInfo& info, const BackupType* type) {
  addBackupInfo(list, name, info);
  if (type != nullptr) {
    list.unsignedNumber(name + ".type", static_cast<uint32_t>(*type), backupTypeName(*type));
  }
}

void addCounter(FieldList& list, const std::string& name, uint32_t count, const LogTime& time,
                const uint32_t* countOld) {
  list.unsignedNumber(name + ".count", count);
  list.text(name + ".date", time.toString());
  if (countOld != nullptr) list.unsignedNumber(name + ".oldCount", *countOld);
}

std::string buildFlagsText(uint32_t flags) {
  std::string text;
  auto add = [&](uint32_t bit, const char* name) {
    if ((flags & bit) == 0) return;
    if (!text.empty()) text += ", ";
    text += name;
  };
  add(kDbFlagShadowingDisabled, "shadowing disabled");
  add(kDbFlagUpgradeDb, "upgrade db");
  add(kDbFlagSlvExists, "SLV exists");
  add(kDbBuildFlagEsent, "attached by ESENT");
  add(kDbBuildFlagEse, "attached by ESE");
  add(kDbBuildFlagPrivate, "private build");
  add(kDbBuildFlagExtentCache, "extent cache build");
  return text.empty() ? "none" : text;
}

}  // namespace

FieldList describe(const DatabaseHeader& h) {
  FieldList list;
  list.text("fileType", fileTypeName(h.fileType));
  addHex32(list, "checksum", h.checksum);
  addHex32(list, "formatMagic", h.magic);
  list.text("formatVersion", versionText(h.formatVersion, h.formatUpdateMajor));
  list.unsignedNumber("formatUpdateMinor", h.formatUpdateMinor);
  list.text("formatTriple", h.formatTripleString());
  list.text("createdVersion", versionText(h.createFormatVersion, h.createFormatUpdateMajor));
  list.unsignedNumber("attributes", h.attributes);
  addSignature(list, "dbSignature", h.databaseSignature);
  list.unsignedNumber("cbDbPage", h.pageSize(),
                      h.pageSizeField == 0 ? "4096 (field is 0: legacy default)" : std::string());
  list.number("dbtime", h.dbtimeDirtied, decimalAndHex(static_cast<uint64_t>(h.dbtimeDirtied)));
  list.text("state", databaseStateName(h.state));
  list.unsignedNumber("stateCode", static_cast<uint32_t>(h.state));
  list.number("logRequired.min", h.minRequiredGeneration, decimalAndHex(static_cast<uint32_t>(h.minRequiredGeneration)));
  list.number("logRequired.max", h.maxRequiredGeneration, decimalAndHex(static_cast<uint32_t>(h.maxRequiredGeneration)));
  list.number("logCommitted", h.maxCommittedGeneration, decimalAndHex(static_cast<uint32_t>(h.maxCommittedGeneration)));
  list.number("logMinConsistent", h.minConsistentGeneration);
  list.number("logRecovering", h.recoveringGeneration);
  addTime(list, "genMaxCreation", h.maxCommittedGenerationCreateTime);
  addTime(list, "genMaxRequiredCreation", h.maxRequiredGenerationCreateTime);
  list.boolean("shadowed", !h.shadowingDisabled());
  list.unsignedNumber("dbFlags", h.databaseFlags, hex32(h.databaseFlags));
  list.text("dbFlagNames", buildFlagsText(h.databaseFlags));
  list.unsignedNumber("lastObjid", h.lastObjectId);
  list.number("scrubDbtime", h.lastScrubDbtime);
  addTime(list, "scrubDate", h.lastScrubTime);
  list.unsignedNumber("repairCount", h.repairCount);
  addTime(list, "repairDate", h.repairTime);
  list.unsignedNumber("oldRepairCount", h.repairCountOld);
  addPosition(list, "lastConsistent.position", h.consistentPosition);
  addTime(list, "lastConsistent.time", h.consistentTime);
  addPosition(list, "lastAttach.position", h.attachPosition);
  addTime(list, "lastAttach.time", h.attachTime);
  addPosition(list, "lastDetach.position", h.detachPosition);
  addTime(list, "lastDetach.time", h.detachTime);
  addPosition(list, "lastReAttach.position", h.lastReattachPosition);
  addTime(list, "lastReAttach.time", h.lastReattachTime);
  list.unsignedNumber("dbid", h.dbid);
  addSignature(list, "logSignature", h.logSignature);
  list.unsignedNumber("osVersion.major", h.osMajorVersion);
  list.unsignedNumber("osVersion.minor", h.osMinorVersion);
  list.unsignedNumber("osVersion.build", h.osBuildNumber);
  list.unsignedNumber("osVersion.servicePack", h.osServicePack);
  list.text("osVersion.sortVersion", hex64(h.sortVersion));

  addBackupSlot(list, "previousFullBackup", h.previousFullBackup, &h.previousFullBackupType);
  addBackupSlot(list, "previousIncrementalBackup", h.previousIncrementalBackup, &h.previousIncrementalBackupType);
  addBackupSlot(list, "previousCopyBackup", h.previousCopyBackup, &h.previousCopyBackupType);
  addBackupSlot(list, "previousDifferentialBackup", h.previousDifferentialBackup, &h.previousDifferentialBackupType);
  addBackupSlot(list, "currentFullBackup", h.currentFullBackup, nullptr);
  addBackupSlot(list, "currentShadowCopyBackup", h.currentSnapshotBackup, nullptr);

  list.unsignedNumber("cpgUpgrade55Format", h.upgrade55FormatPages);
  list.unsignedNumber("cpgUpgradeFreePages", h.upgradeFreePages);
  list.unsignedNumber("cpgUpgradeSpaceMapPages", h.upgradeSpaceMapPages);

  addCounter(list, "eccFixSuccess", h.eccFixSuccessCount, h.eccFixSuccessTime, &h.eccFixSuccessCountOld);
  addCounter(list, "eccFixError", h.eccFixFailCount, h.eccFixFailTime, &h.eccFixFailCountOld);
  addCounter(list, "badChecksumError", h.badChecksumCount, h.badChecksumTime, &h.badChecksumCountOld);
  addCounter(list, "incrementalReseed", h.incrementalReseedCount, h.incrementalReseedTime,
             &h.incrementalReseedCountOld);
  addCounter(list, "pagePatch", h.pagePatchCount, h.pagePatchTime, &h.pagePatchCountOld);
  addCounter(list, "extend", h.extendCount, h.lastExtendTime, nullptr);
  addCounter(list, "shrink", h.shrinkCount, h.lastShrinkTime, nullptr);
  list.unsignedNumber("trimCount", h.trimCount);
  addPosition(list, "lastResize.position", h.lastResizePosition);

  addTime(list, "dbscan.lastChecksumFinishDate", h.dbscanPreviousFinishTime);
  addTime(list, "dbscan.currentChecksumStartDate", h.dbscanStartTime);
  list.unsignedNumber("dbscan.currentChecksumPage", h.dbscanHighestContinuousPage);
  list.unsignedNumber("dbscan.highestPage", h.dbscanHighestPage);

  list.unsignedNumber("efvMaxBinAttachDiagnostic", h.maxAttachedEngineFormatVersion);
  list.number("preRedo.minConsistent", h.preRedoMinConsistentGeneration);
  list.number("preRedo.minRequired", h.preRedoMinRequiredGeneration);
  list.text("headerFlushSignature", h.headerFlushSignature.toString());
  list.text("flushMapHeaderFlushSignature", h.flushMapHeaderFlushSignature.toString());
  list.text("revertSnapshotHeaderFlushSignature", h.revertSnapshotHeaderFlushSignature.toString());
  list.unsignedNumber("revert.count", h.revertCount);
  addTime(list, "revert.from", h.revertFromTime);
  addTime(list, "revert.to", h.revertToTime);
  list.unsignedNumber("revert.pageCount", h.revertPageCount);
  addPosition(list, "revert.commitPositionBeforeRevert", h.commitPositionBeforeRevert);

  // Reserved areas: zero in every real file; shown so damage is visible.
  list.text("reserved.slvSignature", hexBytes(h.reservedSlvSignature.data(), h.reservedSlvSignature.size()));
  list.text("reserved.bytes664", hexBytes(h.reserved664.data(), h.reserved664.size()));
  list.unsignedNumber("reserved.byte671", h.reserved671);
  size_t tailNonZero = 0;
  for (uint8_t b : h.pageTail) tailNonZero += b != 0;
  list.unsignedNumber("reserved.pageTailNonZeroBytes", tailNonZero);
  return list;
}

FieldList describe(const ShadowedHeaderCheck& check) {
  FieldList list;
  list.unsignedNumber("pageSize", check.pageSize);
  return addCopyPair(list, check);
}

}  // namespace esekit
