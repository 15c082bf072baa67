#include "status_location.h"

#include <cctype>

namespace esekit::tools {

std::optional<uint64_t> numberAfter(std::string_view message, std::string_view label) {
  for (size_t at = message.find(label); at != std::string_view::npos; at = message.find(label, at + 1)) {
    size_t i = at + label.size();
    uint64_t value = 0;
    bool any = false;
    if (message.substr(i, 2) == "0x") {
      for (i += 2; i < message.size() && std::isxdigit(static_cast<unsigned char>(message[i])); ++i) {
        const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(message[i])));
        value = value * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
        any = true;
      }
    } else {
      for (; i < message.size() && std::isdigit(static_cast<unsigned char>(message[i])); ++i) {
        value = value * 10 + static_cast<uint64_t>(message[i] - '0');
        any = true;
      }
    }
    if (any) return value;
  }
  return std::nullopt;
}

std::optional<uint64_t> offsetInMessage(std::string_view message) {
  if (auto value = numberAfter(message, "file offset ")) return value;
  return numberAfter(message, "offset ");
}

}  // namespace esekit::tools
