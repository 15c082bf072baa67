// Helpers for the header tests: the corpus INVENTORY.md table and cheap
// reads of a file's first bytes (databases are up to 25 MiB once gunzipped).
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "corpus.h"

namespace esekit::test {

// One row of INVENTORY.md's "## Files" table.
struct InventoryRow {
  std::string path;      // relative to the corpus root, as listed (".gz" for gzipped files)
  std::string kind;      // "database", "log", "checkpoint", ...
  std::string pageSize;  // "4096" or empty
  std::string state;     // "CleanShutdown", ... or empty
  std::string details;
};

inline std::vector<std::string> splitRow(std::string line) {
  // "| a | b | c |" -> {"a", "b", "c"}
  if (line.rfind("| ", 0) == 0) line.erase(0, 2);
  if (line.size() >= 2 && line.compare(line.size() - 2, 2, " |") == 0) line.erase(line.size() - 2);
  std::vector<std::string> cells;
  size_t start = 0;
  for (;;) {
    const size_t end = line.find(" | ", start);
    cells.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 3;
  }
  return cells;
}

// Rows of the "## Files" table (not the "left out" table after it).
inline std::vector<InventoryRow> loadInventory() {
  std::vector<InventoryRow> rows;
  auto path = corpusFile("INVENTORY.md");
  if (!path) return rows;
  std::ifstream in(*path);
  std::string line;
  bool inFiles = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) {
      inFiles = line == "## Files";
      continue;
    }
    if (!inFiles || line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells = splitRow(line);
    REQUIRE_MESSAGE(cells.size() >= 9, "unexpected INVENTORY row: " << line);
    InventoryRow row;
    row.path = cells[0].substr(1, cells[0].size() - 2);  // strip backticks
    row.kind = cells[1];
    row.pageSize = cells[5];
    row.state = cells[6];
    row.details = cells[8];
    rows.push_back(row);
  }
  return rows;
}

// Up to `limit` leading bytes of a corpus file (gunzipped first for ".gz").
inline std::vector<uint8_t> readPrefix(const std::filesystem::path& path, size_t limit) {
  const std::filesystem::path real = gunzipped(path);
  std::ifstream in(real, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << real.string());
  std::vector<uint8_t> data(limit);
  in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(limit));
  data.resize(static_cast<size_t>(in.gcount()));
  return data;
}

// The text after "key " in an INVENTORY details cell, up to the next ';' ("" if absent).
inline std::string detail(const std::string& details, const std::string& key) {
  const size_t at = details.find(key + " ");
  if (at == std::string::npos) return {};
  const size_t start = at + key.size() + 1;
  const size_t end = details.find(';', start);
  return details.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace esekit::test
