// Small structures embedded in every ESE header and many log records:
// LGPOS, LOGTIME, SIGNATURE and BKINFO. See ese-format/database-header.md §2.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>

#include "esekit/format/bytes.h"

namespace esekit {

// Log position {ib, isec, generation}; 8 bytes on disk (database-header.md §2.1).
// Ordered as the packed 64-bit value (generation, isec, ib).
struct LogPosition {
  uint16_t byteOffset = 0;   // ib: byte inside the sector
  uint16_t sector = 0;       // isec: sector inside the log file (0 = header)
  int32_t generation = 0;    // lGeneration

  static constexpr size_t kSize = 8;
  static LogPosition parse(const ByteView& view, size_t offset);
  void serialize(ByteWriter& out, size_t offset) const;

  uint64_t packed() const {
    return (static_cast<uint64_t>(static_cast<uint32_t>(generation)) << 32) |
           (static_cast<uint64_t>(sector) << 16) | byteOffset;
  }
  bool isZero() const { return packed() == 0; }
  friend bool operator==(const LogPosition& a, const LogPosition& b) { return a.packed() == b.packed(); }
  friend std::strong_ordering operator<=>(const LogPosition& a, const LogPosition& b) {
    return a.packed() <=> b.packed();
  }
  // "(00000051,0009,0000)" — generation, sector, byte in hex, as esentutl prints it.
  std::string toString() const;
};

// LOGTIME, 8 bytes (database-header.md §2.2). Months are 1-12, year is since 1900.
struct LogTime {
  uint8_t seconds = 0, minutes = 0, hours = 0, day = 0, month = 0, yearSince1900 = 0;
  bool isUtc = false;
  uint16_t milliseconds = 0;  // low 7 bits in byte 6 (bits 1-7), high 3 bits in byte 7 (bits 1-3)
  bool reservedBit = false;   // byte 7 bit 0 (fOSSnapshot inside BKINFO)
  uint8_t unusedHighBits = 0; // byte 7 bits 4-7; kept so serialize() is byte-exact

  static constexpr size_t kSize = 8;
  static LogTime parse(const ByteView& view, size_t offset);
  void serialize(ByteWriter& out, size_t offset) const;

  bool isZero() const;
  // "2021-02-10 19:56:02.123" (UTC); "(not set)" when zero.
  std::string toString() const;
  // Seconds since the Unix epoch, for ordering and JSON; 0 when not set.
  int64_t unixSeconds() const;
  friend bool operator==(const LogTime&, const LogTime&) = default;
};

// SIGNATURE, 28 bytes (database-header.md §2.3).
struct Signature {
  uint32_t random = 0;
  LogTime created;
  std::array<uint8_t, 16> computerName{};

  static constexpr size_t kSize = 28;
  static Signature parse(const ByteView& view, size_t offset);
  void serialize(ByteWriter& out, size_t offset) const;

  bool isZero() const;
  // "a3dd42de@2020-08-01 21:48:10"
  std::string toString() const;
  friend bool operator==(const Signature&, const Signature&) = default;
};

// BKINFO, 24 bytes (database-header.md §2.4).
struct BackupInfo {
  LogPosition mark;
  LogTime markTime;
  uint32_t generationLow = 0;
  uint32_t generationHigh = 0;

  static constexpr size_t kSize = 24;
  static BackupInfo parse(const ByteView& view, size_t offset);
  void serialize(ByteWriter& out, size_t offset) const;

  bool isZero() const { return mark.isZero() && markTime.isZero() && generationLow == 0 && generationHigh == 0; }
  friend bool operator==(const BackupInfo&, const BackupInfo&) = default;
};

}  // namespace esekit
