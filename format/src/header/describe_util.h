// Small helpers shared by the describe() functions of the header component.
#pragma once

#include <cstdio>
#include <string>

#include "esekit/format/database_header.h"
#include "esekit/format/fields.h"
#include "esekit/format/types.h"

namespace esekit::header_detail {

// "25653 (0x6435)"
inline std::string decimalAndHex(uint64_t value) {
  char text[48];
  std::snprintf(text, sizeof text, "%llu (0x%llx)", static_cast<unsigned long long>(value),
                static_cast<unsigned long long>(value));
  return text;
}

inline std::string hexBytes(const uint8_t* data, size_t size) {
  static const char digits[] = "0123456789abcdef";
  std::string text;
  text.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    text.push_back(digits[data[i] >> 4]);
    text.push_back(digits[data[i] & 15]);
  }
  return text;
}

inline FieldList& addUnsigned(FieldList& list, const std::string& name, uint64_t value) {
  return list.unsignedNumber(name, value, decimalAndHex(value));
}

inline FieldList& addHex32(FieldList& list, const std::string& name, uint32_t value) {
  return list.unsignedNumber(name, value, hex32(value));
}

inline FieldList& addPosition(FieldList& list, const std::string& name, const LogPosition& position) {
  return list.text(name, position.toString());
}

inline FieldList& addTime(FieldList& list, const std::string& name, const LogTime& time) {
  return list.text(name, time.toString());
}

// signature.random / .created / .computerName (esentutl: "Create time:... Rand:... Computer:")
inline FieldList& addSignature(FieldList& list, const std::string& name, const Signature& signature) {
  list.unsignedNumber(name + ".random", signature.random, hex32(signature.random));
  list.text(name + ".created", signature.created.toString());
  std::string computer;
  for (uint8_t c : signature.computerName) {
    if (c == 0) break;
    computer.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?');
  }
  return list.text(name + ".computerName", computer);
}

inline FieldList& addBackupInfo(FieldList& list, const std::string& name, const BackupInfo& backup) {
  list.unsignedNumber(name + ".logGenLow", backup.generationLow, decimalAndHex(backup.generationLow));
  list.unsignedNumber(name + ".logGenHigh", backup.generationHigh, decimalAndHex(backup.generationHigh));
  list.text(name + ".mark", backup.mark.toString());
  return list.text(name + ".markTime", backup.markTime.toString());
}

// state / checksums / error of one copy of a shadowed header.
inline FieldList& addCopyCheck(FieldList& list, const std::string& name, const HeaderCopyCheck& copy) {
  list.text(name + ".state", headerCopyStateName(copy.state));
  addHex32(list, name + ".storedChecksum", copy.storedChecksum);
  addHex32(list, name + ".computedChecksum", copy.computedChecksum);
  if (!copy.status.isOk()) list.text(name + ".error", copy.status.toString());
  return list;
}

// Which of two redundant copies is used and how each fared: the common part
// of ShadowedHeaderCheck (database header) and CheckpointFileCheck.
template <typename PairCheck>
FieldList& addCopyPair(FieldList& list, const PairCheck& check) {
  list.text("use", headerSourceName(check.use));
  list.boolean("identical", check.identical);
  list.number("firstDifference", check.firstDifference);
  addCopyCheck(list, "primary", check.primary);
  return addCopyCheck(list, "shadow", check.shadow);
}

}  // namespace esekit::header_detail
