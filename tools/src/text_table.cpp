#include "text_table.h"

#include <algorithm>

namespace esekit::tools {
namespace {

const std::string& shownValue(const Field& field) { return field.display.empty() ? field.value : field.display; }

// Control characters would break the one-line-per-field layout.
std::string printable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) out.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
  return out;
}

}  // namespace

std::string formatFieldTable(const FieldList& fields, int indent) {
  size_t width = 0;
  for (const Field& f : fields.items()) width = std::max(width, f.name.size());
  std::string out;
  const std::string pad(static_cast<size_t>(std::max(indent, 0)), ' ');
  for (const Field& f : fields.items()) {
    out += pad;
    out += f.name;
    out += ':';
    out.append(width - f.name.size() + 1, ' ');
    out += printable(shownValue(f));
    out += '\n';
  }
  return out;
}

std::string formatFieldLine(const FieldList& fields) {
  std::string out;
  for (const Field& f : fields.items()) {
    if (!out.empty()) out += ' ';
    out += f.name;
    out += '=';
    const std::string value = printable(shownValue(f));
    if (value.empty() || value.find(' ') != std::string::npos) {
      out += '"' + value + '"';
    } else {
      out += value;
    }
  }
  return out;
}

std::string formatGroupedTable(const FieldList& fields, const std::vector<std::string>& groups, int indent) {
  FieldList plain;
  // Elements in order of first appearance: (group, index) -> fields.
  std::vector<std::pair<std::string, FieldList>> elements;
  for (const Field& f : fields.items()) {
    bool grouped = false;
    for (const std::string& group : groups) {
      const std::string prefix = group + ".";
      if (f.name.rfind(prefix, 0) != 0) continue;
      const size_t dot = f.name.find('.', prefix.size());
      if (dot == std::string::npos) continue;
      const std::string element = group + " " + f.name.substr(prefix.size(), dot - prefix.size());
      auto it = std::find_if(elements.begin(), elements.end(), [&](const auto& e) { return e.first == element; });
      if (it == elements.end()) {
        elements.emplace_back(element, FieldList{});
        it = elements.end() - 1;
      }
      it->second.text(f.name.substr(dot + 1), shownValue(f));
      grouped = true;
      break;
    }
    if (!grouped) {
      plain.text(f.name, shownValue(f));  // the table shows the display form anyway
    }
  }
  std::string out = formatFieldTable(plain, indent);
  const std::string pad(static_cast<size_t>(std::max(indent, 0)), ' ');
  for (const auto& [element, elementFields] : elements) {
    out += pad + element + ": " + formatFieldLine(elementFields) + "\n";
  }
  return out;
}

}  // namespace esekit::tools
