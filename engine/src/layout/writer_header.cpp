// see ese-format/database-header.md §3 (fields), §4 (versions), §9-§10 (create, clean detach)
//
// Format choice: 0x620 / update-major 0x14 / update-minor 0, created as such.
// It is the format of most corpus databases made by esent.dll (dissect-esedb/*,
// ese_parser-stroz/*, SRUM, UAL), the last pre-"EFV" revision, which every
// ESE since Windows 8 attaches (and upgrades on attach), and libesedb 20181229
// and impacket read it. Newer triples (1568.x.y) need engine-format features
// (64-bit LIDs, extended root headers, ...) this writer does not produce, and
// newer header fields beyond byte 668 would break libesedb's 668-byte header
// checksum (corpus INVENTORY.md observation 3).
#include "layout/writer_header.h"

#include <chrono>
#include <ctime>

namespace esekit::engine::layout {
namespace {

constexpr uint32_t kFormatVersion = 0x620;
constexpr uint32_t kFormatUpdateMajor = 0x14;
// OS version ESENT records (le_dwMajorVersion..le_dwBuildNumber): 6.2.9200 is
// what esent.dll reports on Windows 8 and later without an OS manifest, as in
// corpus dissect-esedb/basic.edb and ese_parser-stroz/test.edb. It only
// qualifies Unicode index sort orders, and this writer makes none.
constexpr uint32_t kOsMajor = 6;
constexpr uint32_t kOsMinor = 2;
constexpr uint32_t kOsBuild = 9200;
// le_qwSortVersion is all-ones once MSysLocales exists (records-and-catalog.md §6.4).
constexpr uint64_t kSortVersionNone = ~uint64_t{0};

}  // namespace

LogTime currentLogTime() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  LogTime t;
  t.seconds = static_cast<uint8_t>(utc.tm_sec);
  t.minutes = static_cast<uint8_t>(utc.tm_min);
  t.hours = static_cast<uint8_t>(utc.tm_hour);
  t.day = static_cast<uint8_t>(utc.tm_mday);
  t.month = static_cast<uint8_t>(utc.tm_mon + 1);
  t.yearSince1900 = static_cast<uint8_t>(utc.tm_year);
  t.isUtc = true;
  t.milliseconds = static_cast<uint16_t>(ms);
  return t;
}

DatabaseHeader makeHeader(const HeaderInputs& in) {
  DatabaseHeader h;
  h.magic = kDatabaseMagic;
  h.formatVersion = kFormatVersion;
  h.formatUpdateMajor = kFormatUpdateMajor;
  h.formatUpdateMinor = 0;
  h.createFormatVersion = kFormatVersion;
  h.createFormatUpdateMajor = kFormatUpdateMajor;
  h.attributes = 0;  // attribDb
  h.dbtimeDirtied = in.dbtime;
  h.databaseSignature.random = in.signatureRandom;
  h.databaseSignature.created = in.time;
  // Written whole and closed: a clean detach with logging off (§10), so no
  // log signature, zero log positions and no required generations.
  h.state = DatabaseState::CleanShutdown;
  h.consistentTime = in.time;
  h.attachTime = in.time;
  h.detachTime = in.time;
  h.dbid = 1;
  h.lastObjectId = in.lastObjectId;
  h.osMajorVersion = kOsMajor;
  h.osMinorVersion = kOsMinor;
  h.osBuildNumber = kOsBuild;
  h.pageSizeField = in.pageSize;
  h.sortVersion = kSortVersionNone;
  h.headerFlushSignature.random = in.flushSignatureRandom;
  h.headerFlushSignature.created = in.time;
  h.fileType = FileType::Database;
  return h;
}

}  // namespace esekit::engine::layout
