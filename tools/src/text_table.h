// Plain-text rendering of a FieldList: one "name: value" line per field,
// names padded to a common width, in the spirit of `esentutl /mh`.
#pragma once

#include <string>
#include <vector>

#include "esekit/format/fields.h"

namespace esekit::tools {

// Uses each field's `display` form when it has one. `indent` spaces precede
// every line; every line ends with '\n'.
std::string formatFieldTable(const FieldList& fields, int indent = 0);

// One line "name=value name=value ..." (dump records); values with spaces are quoted.
std::string formatFieldLine(const FieldList& fields);

// Like formatFieldTable, but fields named "<group>.<i>.<name>" (lists such as
// "page.tags.3.size" or "nodes.0.key") are printed one line per element:
// "<group> <i>: name=value name=value".
std::string formatGroupedTable(const FieldList& fields, const std::vector<std::string>& groups, int indent = 0);

}  // namespace esekit::tools
