#include "esekit/format/types.h"

#include <cstdio>

namespace esekit {

LogPosition LogPosition::parse(const ByteView& view, size_t offset) {
  LogPosition p;
  p.byteOffset = view.u16(offset);
  p.sector = view.u16(offset + 2);
  p.generation = view.i32(offset + 4);
  return p;
}

void LogPosition::serialize(ByteWriter& out, size_t offset) const {
  out.u16(offset, byteOffset);
  out.u16(offset + 2, sector);
  out.i32(offset + 4, generation);
}

std::string LogPosition::toString() const {
  char text[40];
  std::snprintf(text, sizeof text, "(%08X,%04X,%04X)", static_cast<uint32_t>(generation), sector, byteOffset);
  return text;
}

LogTime LogTime::parse(const ByteView& view, size_t offset) {
  LogTime t;
  t.seconds = view.u8(offset);
  t.minutes = view.u8(offset + 1);
  t.hours = view.u8(offset + 2);
  t.day = view.u8(offset + 3);
  t.month = view.u8(offset + 4);
  t.yearSince1900 = view.u8(offset + 5);
  const uint8_t b6 = view.u8(offset + 6);
  const uint8_t b7 = view.u8(offset + 7);
  t.isUtc = b6 & 1;
  t.milliseconds = static_cast<uint16_t>((b6 >> 1) | (((b7 >> 1) & 7) << 7));
  t.reservedBit = b7 & 1;
  t.unusedHighBits = static_cast<uint8_t>(b7 >> 4);
  return t;
}

void LogTime::serialize(ByteWriter& out, size_t offset) const {
  out.u8(offset, seconds);
  out.u8(offset + 1, minutes);
  out.u8(offset + 2, hours);
  out.u8(offset + 3, day);
  out.u8(offset + 4, month);
  out.u8(offset + 5, yearSince1900);
  out.u8(offset + 6, static_cast<uint8_t>((isUtc ? 1 : 0) | ((milliseconds & 0x7F) << 1)));
  out.u8(offset + 7, static_cast<uint8_t>((reservedBit ? 1 : 0) | (((milliseconds >> 7) & 7) << 1) |
                                          (unusedHighBits << 4)));
}

bool LogTime::isZero() const {
  return seconds == 0 && minutes == 0 && hours == 0 && day == 0 && month == 0 && yearSince1900 == 0 &&
         !isUtc && milliseconds == 0 && !reservedBit && unusedHighBits == 0;
}

std::string LogTime::toString() const {
  if (isZero()) return "(not set)";
  char text[48];
  if (milliseconds != 0) {
    std::snprintf(text, sizeof text, "%04d-%02u-%02u %02u:%02u:%02u.%03u", 1900 + yearSince1900, month, day,
                  hours, minutes, seconds, milliseconds);
  } else {
    std::snprintf(text, sizeof text, "%04d-%02u-%02u %02u:%02u:%02u", 1900 + yearSince1900, month, day, hours,
                  minutes, seconds);
  }
  return text;
}

int64_t LogTime::unixSeconds() const {
  if (isZero()) return 0;
  // Days from civil date (proleptic Gregorian), no time-zone database needed.
  int64_t y = 1900 + yearSince1900;
  const int64_t m = month == 0 ? 1 : month;
  const int64_t d = day == 0 ? 1 : day;
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = era * 146097 + doe - 719468;
  return days * 86400 + hours * 3600 + minutes * 60 + seconds;
}

Signature Signature::parse(const ByteView& view, size_t offset) {
  Signature s;
  s.random = view.u32(offset);
  s.created = LogTime::parse(view, offset + 4);
  for (size_t i = 0; i < s.computerName.size(); ++i) s.computerName[i] = view.u8(offset + 12 + i);
  return s;
}

void Signature::serialize(ByteWriter& out, size_t offset) const {
  out.u32(offset, random);
  created.serialize(out, offset + 4);
  out.copy(offset + 12, computerName);
}

bool Signature::isZero() const {
  if (random != 0 || !created.isZero()) return false;
  for (uint8_t b : computerName)
    if (b != 0) return false;
  return true;
}

std::string Signature::toString() const {
  if (isZero()) return "(zero)";
  char text[16];
  std::snprintf(text, sizeof text, "%08x", random);
  return std::string(text) + "@" + created.toString();
}

BackupInfo BackupInfo::parse(const ByteView& view, size_t offset) {
  BackupInfo b;
  b.mark = LogPosition::parse(view, offset);
  b.markTime = LogTime::parse(view, offset + 8);
  b.generationLow = view.u32(offset + 16);
  b.generationHigh = view.u32(offset + 20);
  return b;
}

void BackupInfo::serialize(ByteWriter& out, size_t offset) const {
  mark.serialize(out, offset);
  markTime.serialize(out, offset + 8);
  out.u32(offset + 16, generationLow);
  out.u32(offset + 20, generationHigh);
}

}  // namespace esekit
