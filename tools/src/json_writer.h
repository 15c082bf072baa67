// Minimal JSON output: a streaming writer that inserts commas itself, string
// escaping that always yields valid UTF-8, and FieldList -> nested object
// (dotted names become nested objects; objects whose keys are 0,1,2,...
// become arrays). Used for `--json` (one object per line, JSON Lines).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "esekit/format/fields.h"

namespace esekit::tools {

// Quoted JSON string. Bytes that are not valid UTF-8 are taken as Latin-1
// (\u00XX), so ANSI text from headers stays readable and the output parses.
std::string jsonQuote(std::string_view text);

class JsonWriter {
 public:
  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  // Inside an object: the next value's name.
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view value);
  JsonWriter& number(int64_t value);
  JsonWriter& unsignedNumber(uint64_t value);
  JsonWriter& real(double value, int decimals);
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  // A JSON integer literal as text (FieldList numbers); falls back to a
  // string when `literal` is not an integer.
  JsonWriter& numberLiteral(std::string_view literal);
  // Writes `fields` as one object value (see header comment).
  JsonWriter& fields(const FieldList& fields);
  // Writes the members of `fields` into the object that is currently open
  // (to merge several FieldLists and own keys into one object).
  JsonWriter& fieldMembers(const FieldList& fields);

  const std::string& text() const { return out_; }

 private:
  void beforeValue();

  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool afterKey_ = false;
};

// One-line JSON object for a FieldList.
std::string fieldListToJson(const FieldList& fields);

// True when `text` is one syntactically valid JSON value (tests, self-checks).
bool isValidJson(std::string_view text);

}  // namespace esekit::tools
