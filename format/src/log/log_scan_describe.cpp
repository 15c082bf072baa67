// FieldList summary of a log scan (sector classes, end of log, records).
#include "esekit/format/log_file.h"

namespace esekit {

FieldList describe(const LogFileScan& scan) {
  FieldList f;
  f.number("generation", scan.header.generation);
  f.text("format", logFormatName(scan.format));
  f.number("sectors.total", static_cast<int64_t>(scan.sectors.size()));
  for (size_t c = 0; c < kSectorClassCount; ++c) {
    const auto sectorClass = static_cast<SectorClass>(c);
    f.number("sectors." + std::string(sectorClassName(sectorClass)), static_cast<int64_t>(scan.count(sectorClass)));
  }
  f.number("lastDataSector", scan.lastDataSector);
  f.text("lastRecordPosition", scan.lastRecordPosition.toString());
  f.text("endPosition", scan.endPosition.toString());
  f.text("lastRecordType", scan.lastRecordType ? std::string(logRecordTypeName(*scan.lastRecordType)) : "(none)");
  f.boolean("cleanEnd", scan.cleanEnd);
  if (scan.format == LogFormat::Segments) f.text("accumulatedChecksum", hex64(scan.accumulatedChecksum));
  if (scan.format == LogFormat::Legacy) f.number("legacyChecksumRecords", scan.legacyChecksumRecords);
  f.unsignedNumber("records.count", scan.recordCount);
  f.unsignedNumber("records.reassembled", scan.reassembledCount);
  f.number("notes.count", static_cast<int64_t>(scan.notes.size()));
  for (size_t i = 0; i < scan.notes.size(); ++i) {
    const LogScanNote& note = scan.notes[i];
    FieldList entry;
    entry.text("kind", logScanNoteKindName(note.kind));
    entry.number("sector", note.sector);
    entry.unsignedNumber("fileOffset", note.fileOffset);
    if (note.kind == LogScanNote::Kind::CorrectedBit) entry.number("bit", note.bit);
    entry.text("message", note.message);
    f.nest("notes." + std::to_string(i), entry);
  }
  return f;
}

}  // namespace esekit
