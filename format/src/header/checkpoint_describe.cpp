// esentutl /mk style description of a checkpoint (checkpoint-and-backup.md §1).
#include "esekit/format/checkpoint.h"
#include "header/describe_util.h"

namespace esekit {

using namespace header_detail;

FieldList describe(const DbmsParameters& p) {
  FieldList list;
  list.text("systemPath", p.systemPathText());
  list.text("logFilePath", p.logFilePathText());
  list.unsignedNumber("flags", p.flags, hex32(p.flags));
  list.boolean("circularLogging", p.circularLogging());
  list.unsignedNumber("sessionsMax", p.sessionsMax);
  list.unsignedNumber("openTablesMax", p.openTablesMax);
  list.unsignedNumber("versionPagesMax", p.versionPagesMax);
  list.unsignedNumber("cursorsMax", p.cursorsMax);
  list.unsignedNumber("logBuffers", p.logBuffers);
  list.unsignedNumber("logFileSectors", p.logFileSectors);
  list.unsignedNumber("cacheSizeMax", p.cacheSizeMax);
  list.text("reserved", hexBytes(p.reserved.data(), p.reserved.size()));
  return list;
}

FieldList describe(const Checkpoint& c) {
  FieldList list;
  list.text("fileType", fileTypeName(c.fileType));
  addHex32(list, "checksum", c.checksum);
  addPosition(list, "checkpoint", c.checkpoint);
  list.number("generation", c.generation(), decimalAndHex(static_cast<uint32_t>(c.generation())));
  addPosition(list, "dbConsistency", c.databaseConsistencyPosition);
  addPosition(list, "lastFullBackupCheckpoint", c.lastFullBackupCheckpoint);
  addPosition(list, "fullBackup.position", c.fullBackupPosition);
  addTime(list, "fullBackup.time", c.fullBackupTime);
  addPosition(list, "incBackup.position", c.incrementalBackupPosition);
  addTime(list, "incBackup.time", c.incrementalBackupTime);
  addSignature(list, "signature", c.logSignature);
  list.nest("env", describe(c.dbmsParameters));
  list.unsignedNumber("version", c.version, hex32(c.version));
  list.boolean("attachListValid", c.hasAttachList());
  Result<std::vector<AttachInfo>> entries = attachments(c);
  if (!entries.isOk()) {
    list.text("attachments.error", entries.status().toString());
  } else {
    list.unsignedNumber("attachments.count", entries->size());
    for (size_t i = 0; i < entries->size(); ++i) {
      const AttachInfo& a = (*entries)[i];
      const std::string name = "attachments." + std::to_string(i);
      list.unsignedNumber(name + ".dbid", a.dbid);
      list.unsignedNumber(name + ".flags", a.flags, hex32(a.flags));
      list.text(name + ".name", a.name());
      list.number(name + ".dbtime", a.dbtime);
      list.unsignedNumber(name + ".lastObjid", a.lastObjectId);
      list.unsignedNumber(name + ".maxPages", a.maxDatabasePages);
      addPosition(list, name + ".attachPosition", a.attachPosition);
      addPosition(list, name + ".consistentPosition", a.consistentPosition);
      addSignature(list, name + ".dbSignature", a.databaseSignature);
    }
  }
  list.text("reserved.bytes656", hexBytes(c.reserved656.data(), c.reserved656.size()));
  list.text("reserved.bytes671", hexBytes(c.reserved671.data(), c.reserved671.size()));
  size_t paddingNonZero = 0;
  for (uint8_t b : c.padding) paddingNonZero += b != 0;
  list.unsignedNumber("reserved.paddingNonZeroBytes", paddingNonZero);
  return list;
}

FieldList describe(const CheckpointFileCheck& check) {
  FieldList list;
  return addCopyPair(list, check);
}

}  // namespace esekit
