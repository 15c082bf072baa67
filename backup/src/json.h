// A small JSON reader and writer for the backup manifest (no JSON library is
// available to the project). The reader builds a tree of JsonValue; it is
// strict (RFC 8259), bounded (nesting depth 64) and reports the byte offset
// of the first syntax error.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "esekit/format/status.h"

namespace esekit::backup::json {

struct Value {
  enum class Kind : uint8_t { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  std::string text;  // String: the decoded string; Number: the literal as written
  std::vector<Value> items;                            // Array
  struct Member;
  std::vector<Member> members;  // Object, in document order

  const Value* find(std::string_view name) const;
  std::optional<int64_t> asInt() const;
  std::optional<uint64_t> asUnsigned() const;
};

// Declared out of line: std::pair<std::string, Value> inside Value needs
// Value complete, which clang (rightly) refuses.
struct Value::Member {
  std::string name;
  Value value;
};

// Parses one JSON value (surrounding whitespace allowed). Errors:
// InvalidBackup naming the byte offset.
Result<Value> parse(std::string_view text);

// Quoted, escaped JSON string (input assumed UTF-8; control characters escaped).
std::string quote(std::string_view text);

// Pretty-printing writer; commas and indentation are inserted automatically.
class Writer {
 public:
  Writer& beginObject();
  Writer& endObject();
  Writer& beginArray();
  Writer& endArray();
  Writer& key(std::string_view name);
  Writer& string(std::string_view value);
  Writer& number(int64_t value);
  Writer& unsignedNumber(uint64_t value);
  Writer& boolean(bool value);
  Writer& null();
  const std::string& text() const { return out_; }

 private:
  void beforeValue();
  void newline();
  std::string out_;
  std::vector<bool> first_;
  bool afterKey_ = false;
};

}  // namespace esekit::backup::json
