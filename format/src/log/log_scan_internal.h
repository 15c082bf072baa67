// Pieces shared by the segment (8.4000) and legacy (7.3704) log scanners (private).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "esekit/format/log_file.h"

namespace esekit::log_scan {

// "sector 5 (file offset 0x5000)" for messages.
std::string sectorText(uint32_t sector, uint64_t fileOffset);

// Appends records to a scan: counts, last/end position, clean end, and the
// record itself when collecting.
class RecordCollector {
 public:
  RecordCollector(LogFileScan& scan, bool collect) : scan_(scan), collect_(collect) {}
  // `bytes` must stay valid (file view or scan storage). `end` is the position
  // of the first byte after the record.
  void add(LogPosition position, LogPosition end, Bytes bytes, bool reassembled);
  bool collecting() const { return collect_; }

 private:
  LogFileScan& scan_;
  bool collect_;
};

// Record types after which a generation ended cleanly (log-format.md §6).
bool isCleanEndType(LogRecordType type);

// Legacy 7.3704.x: follows the LRCHECKSUM chain (log-format.md §9). `scan`
// has header, format and sectors (header sectors marked) filled in.
Status scanLegacyLog(Bytes file, LogFileScan& scan, const LogScanOptions& options);

// 8.4000.x: sector classification (log-format.md §6) then record walk.
Status scanSegmentLog(Bytes file, LogFileScan& scan, const LogScanOptions& options);

// 8.4000.x record walk (log-format.md §5.2) over the valid segments
// csecHeader..scan.lastDataSector; segments[isec] holds the (possibly
// corrected or patched) 4096 bytes of each, valid as long as the scan.
Status walkSegmentRecords(LogFileScan& scan, const std::vector<Bytes>& segments, const LogScanOptions& options);

}  // namespace esekit::log_scan
