// A flat, ordered list of named values that describes a parsed structure.
// Every format component offers describe(...) functions that return one, so
// the CLI prints text (`esekit dump`) and JSON from the same source.
// Names are dotted paths ("checkpoint.generation") that JSON output turns
// into nested objects.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace esekit {

struct Field {
  enum class Kind : uint8_t { Text, Number, Boolean };
  std::string name;
  std::string value;  // already formatted; for Number a JSON-ready integer literal
  Kind kind = Kind::Text;
  std::string display;  // optional human form (e.g. "0x620 (1568)"); empty = value
};

class FieldList {
 public:
  FieldList& text(std::string_view name, std::string_view value) {
    items_.push_back({std::string(name), std::string(value), Field::Kind::Text, {}});
    return *this;
  }
  FieldList& number(std::string_view name, int64_t value, std::string_view display = {}) {
    items_.push_back({std::string(name), std::to_string(value), Field::Kind::Number, std::string(display)});
    return *this;
  }
  FieldList& unsignedNumber(std::string_view name, uint64_t value, std::string_view display = {}) {
    items_.push_back({std::string(name), std::to_string(value), Field::Kind::Number, std::string(display)});
    return *this;
  }
  FieldList& boolean(std::string_view name, bool value) {
    items_.push_back({std::string(name), value ? "true" : "false", Field::Kind::Boolean, {}});
    return *this;
  }
  // Appends `other` with every name prefixed by "prefix.".
  FieldList& nest(std::string_view prefix, const FieldList& other) {
    for (const Field& f : other.items_) {
      Field copy = f;
      copy.name = std::string(prefix) + "." + f.name;
      items_.push_back(std::move(copy));
    }
    return *this;
  }

  const std::vector<Field>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<Field> items_;
};

}  // namespace esekit
