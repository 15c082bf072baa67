#include "json_writer.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <memory>

namespace esekit::tools {
namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0.
size_t utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  size_t length = 0;
  uint32_t minimum = 0;
  uint32_t codePoint = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, minimum = 0x80, codePoint = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, minimum = 0x800, codePoint = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, minimum = 0x10000, codePoint = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    codePoint = (codePoint << 6) | (byte(i + k) & 0x3F);
  }
  if (codePoint < minimum || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) return 0;
  return length;
}

bool isIntegerLiteral(std::string_view text) {
  size_t i = (!text.empty() && text[0] == '-') ? 1 : 0;
  if (i >= text.size()) return false;
  if (text[i] == '0' && i + 1 != text.size()) return false;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

// FieldList names split on '.' into a tree, in order of first appearance.
struct FieldNode {
  std::string name;
  std::vector<const Field*> values;  // leaf values with exactly this name
  std::vector<std::unique_ptr<FieldNode>> children;

  FieldNode& child(const std::string& childName) {
    for (auto& c : children) {
      if (c->name == childName) return *c;
    }
    children.push_back(std::make_unique<FieldNode>());
    children.back()->name = childName;
    return *children.back();
  }
  bool childrenAreIndices() const {
    for (size_t i = 0; i < children.size(); ++i) {
      if (children[i]->name != std::to_string(i)) return false;
    }
    return !children.empty();
  }
};

void writeFieldValue(JsonWriter& out, const Field& field) {
  switch (field.kind) {
    case Field::Kind::Number: out.numberLiteral(field.value); break;
    case Field::Kind::Boolean: out.boolean(field.value == "true"); break;
    case Field::Kind::Text: out.string(field.value); break;
  }
}

void writeNode(JsonWriter& out, const FieldNode& node);

void writeNodeValue(JsonWriter& out, const FieldNode& node) {
  const bool hasChildren = !node.children.empty();
  if (!hasChildren) {
    if (node.values.size() == 1) {
      writeFieldValue(out, *node.values[0]);
    } else {  // the same name several times: keep every value
      out.beginArray();
      for (const Field* f : node.values) writeFieldValue(out, *f);
      out.endArray();
    }
    return;
  }
  if (node.values.empty() && node.childrenAreIndices()) {
    out.beginArray();
    for (const auto& c : node.children) writeNodeValue(out, *c);
    out.endArray();
    return;
  }
  out.beginObject();
  // A name that is both a value and a prefix ("a" and "a.b"): the value goes to "value".
  if (node.values.size() == 1) {
    out.key("value");
    writeFieldValue(out, *node.values[0]);
  } else if (node.values.size() > 1) {
    out.key("value").beginArray();
    for (const Field* f : node.values) writeFieldValue(out, *f);
    out.endArray();
  }
  for (const auto& c : node.children) writeNode(out, *c);
  out.endObject();
}

void writeNode(JsonWriter& out, const FieldNode& node) {
  out.key(node.name);
  writeNodeValue(out, node);
}

// Recursive-descent JSON syntax check.
class JsonChecker {
 public:
  explicit JsonChecker(std::string_view text) : text_(text) {}
  bool check() {
    skipSpace();
    if (!value(0)) return false;
    skipSpace();
    return pos_ == text_.size();
  }

 private:
  bool value(int depth) {
    if (depth > 200 || pos_ >= text_.size()) return false;
    char c = text_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    return literal("true") || literal("false") || literal("null");
  }
  bool object(int depth) {
    ++pos_;
    skipSpace();
    if (peek('}')) return ++pos_, true;
    for (;;) {
      skipSpace();
      if (!string()) return false;
      skipSpace();
      if (!peek(':')) return false;
      ++pos_;
      skipSpace();
      if (!value(depth + 1)) return false;
      skipSpace();
      if (peek(',')) {
        ++pos_;
        continue;
      }
      if (peek('}')) return ++pos_, true;
      return false;
    }
  }
  bool array(int depth) {
    ++pos_;
    skipSpace();
    if (peek(']')) return ++pos_, true;
    for (;;) {
      skipSpace();
      if (!value(depth + 1)) return false;
      skipSpace();
      if (peek(',')) {
        ++pos_;
        continue;
      }
      if (peek(']')) return ++pos_, true;
      return false;
    }
  }
  bool string() {
    if (!peek('"')) return false;
    ++pos_;
    while (pos_ < text_.size()) {
      const auto c = static_cast<uint8_t>(text_[pos_]);
      if (c == '"') return ++pos_, true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (++pos_ >= text_.size()) return false;
        const char e = text_[pos_];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k) {
            if (++pos_ >= text_.size() || !std::isxdigit(static_cast<unsigned char>(text_[pos_]))) return false;
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
        ++pos_;
        continue;
      }
      if (c >= 0x80) {
        const size_t length = utf8SequenceLength(text_, pos_);
        if (length == 0) return false;
        pos_ += length;
        continue;
      }
      ++pos_;
    }
    return false;
  }
  bool number() {
    const size_t start = pos_;
    if (peek('-')) ++pos_;
    if (peek('0')) {
      ++pos_;
    } else if (!digits()) {
      return false;
    }
    if (peek('.')) {
      ++pos_;
      if (!digits()) return false;
    }
    if (peek('e') || peek('E')) {
      ++pos_;
      if (peek('+') || peek('-')) ++pos_;
      if (!digits()) return false;
    }
    return pos_ > start;
  }
  bool digits() {
    const size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }
  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) ++pos_;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::string jsonQuote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<uint8_t>(text[i]);
    char escape[8];
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      std::snprintf(escape, sizeof escape, "\\u%04x", c);
      out += escape;
    } else if (c >= 0x80) {
      const size_t length = utf8SequenceLength(text, i);
      if (length == 0) {
        std::snprintf(escape, sizeof escape, "\\u%04x", c);
        out += escape;
      } else {
        out.append(text.substr(i, length));
        i += length;
        continue;
      }
    } else {
      out.push_back(static_cast<char>(c));
    }
    ++i;
  }
  out.push_back('"');
  return out;
}

void JsonWriter::beforeValue() {
  if (afterKey_) {
    afterKey_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::beginObject() {
  beforeValue();
  out_.push_back('{');
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::endObject() {
  out_.push_back('}');
  if (!first_.empty()) first_.pop_back();
  return *this;
}
JsonWriter& JsonWriter::beginArray() {
  beforeValue();
  out_.push_back('[');
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::endArray() {
  out_.push_back(']');
  if (!first_.empty()) first_.pop_back();
  return *this;
}
JsonWriter& JsonWriter::key(std::string_view name) {
  beforeValue();
  out_ += jsonQuote(name);
  out_.push_back(':');
  afterKey_ = true;
  return *this;
}
JsonWriter& JsonWriter::string(std::string_view value) {
  beforeValue();
  out_ += jsonQuote(value);
  return *this;
}
JsonWriter& JsonWriter::number(int64_t value) {
  beforeValue();
  out_ += std::to_string(value);
  return *this;
}
JsonWriter& JsonWriter::unsignedNumber(uint64_t value) {
  beforeValue();
  out_ += std::to_string(value);
  return *this;
}
JsonWriter& JsonWriter::real(double value, int decimals) {
  beforeValue();
  if (!std::isfinite(value)) {
    out_ += "null";
    return *this;
  }
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  out_ += text;
  return *this;
}
JsonWriter& JsonWriter::boolean(bool value) {
  beforeValue();
  out_ += value ? "true" : "false";
  return *this;
}
JsonWriter& JsonWriter::null() {
  beforeValue();
  out_ += "null";
  return *this;
}
JsonWriter& JsonWriter::numberLiteral(std::string_view literal) {
  if (!isIntegerLiteral(literal)) return string(literal);
  beforeValue();
  out_.append(literal);
  return *this;
}

JsonWriter& JsonWriter::fields(const FieldList& fields) {
  beginObject();
  fieldMembers(fields);
  endObject();
  return *this;
}

JsonWriter& JsonWriter::fieldMembers(const FieldList& fields) {
  FieldNode root;
  for (const Field& field : fields.items()) {
    FieldNode* node = &root;
    std::string_view rest = field.name;
    for (;;) {
      const size_t dot = rest.find('.');
      node = &node->child(std::string(rest.substr(0, dot)));
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
    node->values.push_back(&field);
  }
  for (const auto& c : root.children) writeNode(*this, *c);
  return *this;
}

std::string fieldListToJson(const FieldList& fields) {
  JsonWriter out;
  out.fields(fields);
  return out.text();
}

bool isValidJson(std::string_view text) { return JsonChecker(text).check(); }

}  // namespace esekit::tools
