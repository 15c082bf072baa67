#include "json.h"

#include <charconv>

namespace esekit::backup::json {
namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Value> run() {
    skipSpace();
    Value value;
    ESEKIT_RETURN_IF_ERROR(parseValue(value, 0));
    skipSpace();
    if (pos_ != text_.size()) return error("unexpected data after the JSON value");
    return value;
  }

 private:
  Status error(const std::string& what) const {
    return Status(JetError::InvalidBackup, "manifest JSON at byte offset " + std::to_string(pos_) + ": " + what);
  }

  void skipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool consume(std::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
  }

  Status parseValue(Value& out, int depth) {
    if (depth > kMaxDepth) return error("nesting deeper than " + std::to_string(kMaxDepth));
    if (pos_ >= text_.size()) return error("unexpected end of input");
    const char c = text_[pos_];
    if (c == '{') return parseObject(out, depth);
    if (c == '[') return parseArray(out, depth);
    if (c == '"') {
      out.kind = Value::Kind::String;
      return parseString(out.text);
    }
    if (consume("true")) {
      out.kind = Value::Kind::Bool;
      out.boolean = true;
      return Status();
    }
    if (consume("false")) {
      out.kind = Value::Kind::Bool;
      return Status();
    }
    if (consume("null")) {
      out.kind = Value::Kind::Null;
      return Status();
    }
    if (c == '-' || (c >= '0' && c <= '9')) return parseNumber(out);
    return error(std::string("unexpected character '") + c + "'");
  }

  Status parseObject(Value& out, int depth) {
    out.kind = Value::Kind::Object;
    ++pos_;
    skipSpace();
    if (consume("}")) return Status();
    for (;;) {
      skipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') return error("expected a member name");
      std::string name;
      ESEKIT_RETURN_IF_ERROR(parseString(name));
      skipSpace();
      if (!consume(":")) return error("expected ':'");
      skipSpace();
      Value value;
      ESEKIT_RETURN_IF_ERROR(parseValue(value, depth + 1));
      out.members.push_back(Value::Member{std::move(name), std::move(value)});
      skipSpace();
      if (consume("}")) return Status();
      if (!consume(",")) return error("expected ',' or '}'");
    }
  }

  Status parseArray(Value& out, int depth) {
    out.kind = Value::Kind::Array;
    ++pos_;
    skipSpace();
    if (consume("]")) return Status();
    for (;;) {
      skipSpace();
      Value value;
      ESEKIT_RETURN_IF_ERROR(parseValue(value, depth + 1));
      out.items.push_back(std::move(value));
      skipSpace();
      if (consume("]")) return Status();
      if (!consume(",")) return error("expected ',' or ']'");
    }
  }

  Status parseNumber(Value& out) {
    const size_t start = pos_;
    auto digits = [&] {
      const size_t before = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ > before;
    };
    if (text_[pos_] == '-') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      return error("bad number");
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!digits()) return error("bad number fraction");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digits()) return error("bad number exponent");
    }
    out.kind = Value::Kind::Number;
    out.text = std::string(text_.substr(start, pos_ - start));
    return Status();
  }

  Result<uint32_t> hex4() {
    if (pos_ + 4 > text_.size()) return error("truncated \\u escape");
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      value <<= 4;
      if (c >= '0' && c <= '9') value |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') value |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') value |= static_cast<uint32_t>(c - 'A' + 10);
      else return error("bad \\u escape");
    }
    return value;
  }

  static void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  Status parseString(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      if (pos_ >= text_.size()) return error("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return Status();
      if (static_cast<unsigned char>(c) < 0x20) return error("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) return error("unterminated escape");
      const char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          auto first = hex4();
          if (!first) return first.status();
          uint32_t cp = *first;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!consume("\\u")) return error("lone high surrogate");
            auto second = hex4();
            if (!second) return second.status();
            if (*second < 0xDC00 || *second > 0xDFFF) return error("bad low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (*second - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return error("lone low surrogate");
          }
          appendUtf8(out, cp);
          break;
        }
        default: return error(std::string("bad escape \\") + e);
      }
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

const Value* Value::find(std::string_view name) const {
  if (kind != Kind::Object) return nullptr;
  for (const auto& [key, value] : members) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::optional<int64_t> Value::asInt() const {
  if (kind != Kind::Number) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<uint64_t> Value::asUnsigned() const {
  if (kind != Kind::Number) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<Value> parse(std::string_view text) { return Parser(text).run(); }

std::string quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

void Writer::newline() {
  out_ += '\n';
  out_.append(first_.size() * 2, ' ');
}

void Writer::beforeValue() {
  if (afterKey_) {
    afterKey_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
    newline();
  }
}

Writer& Writer::beginObject() {
  beforeValue();
  out_ += '{';
  first_.push_back(true);
  return *this;
}

Writer& Writer::endObject() {
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) newline();
  out_ += '}';
  return *this;
}

Writer& Writer::beginArray() {
  beforeValue();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

Writer& Writer::endArray() {
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) newline();
  out_ += ']';
  return *this;
}

Writer& Writer::key(std::string_view name) {
  beforeValue();
  out_ += quote(name);
  out_ += ": ";
  afterKey_ = true;
  return *this;
}

Writer& Writer::string(std::string_view value) {
  beforeValue();
  out_ += quote(value);
  return *this;
}

Writer& Writer::number(int64_t value) {
  beforeValue();
  out_ += std::to_string(value);
  return *this;
}

Writer& Writer::unsignedNumber(uint64_t value) {
  beforeValue();
  out_ += std::to_string(value);
  return *this;
}

Writer& Writer::boolean(bool value) {
  beforeValue();
  out_ += value ? "true" : "false";
  return *this;
}

Writer& Writer::null() {
  beforeValue();
  out_ += "null";
  return *this;
}

}  // namespace esekit::backup::json
