// Shared by tests/test_page_*.cpp: the corpus databases and real pages.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "corpus.h"
#include "esekit/format/bytes.h"
#include "esekit/format/page.h"
#include "esekit/format/page_verify.h"

namespace esekit::test {

struct CorpusDatabase {
  std::string name;  // path relative to the corpus root (with .gz when gzipped)
  std::vector<uint8_t> image;
  uint32_t pageSize = 0;

  size_t pageCount() const { return image.size() / pageSize - 2; }
  Bytes page(uint32_t pgno) const { return Bytes(image).subspan((size_t{pgno} + 1) * pageSize, pageSize); }
};

// The page size a database header records (offset 236, 0 = 4096), database-header.md §3.
inline uint32_t headerPageSize(const std::vector<uint8_t>& image) {
  const uint32_t size = image.size() >= 240 ? loadLittleEndian<uint32_t>(image.data() + 236) : 0;
  return size == 0 ? 4096 : size;
}

// Every corpus file with a database header (magic 0x89ABCDEF at 4, file type
// 1 or 5 at 667), gunzipped; `visit` is called once per database, in path order.
inline size_t forEachCorpusDatabase(const std::function<void(const CorpusDatabase&)>& visit) {
  size_t count = 0;
  const auto root = corpusRoot();
  for (const std::filesystem::path& file : corpusFiles()) {
    const std::string ext = file.extension().string();
    if (ext == ".md" || ext == ".log" || ext == ".jrs" || ext == ".chk" || ext == ".jfm") continue;
    CorpusDatabase db;
    db.image = readFile(gunzipped(file));
    if (db.image.size() < 4096 || loadLittleEndian<uint32_t>(db.image.data() + 4) != 0x89ABCDEF) continue;
    const uint32_t fileType = loadLittleEndian<uint32_t>(db.image.data() + 667);
    if (fileType != 1 && fileType != 5) continue;
    db.name = root ? std::filesystem::relative(file, *root).string() : file.string();
    db.pageSize = headerPageSize(db.image);
    ++count;
    visit(db);
  }
  return count;
}

inline std::optional<CorpusDatabase> loadCorpusDatabase(const std::string& relative) {
  const auto path = corpusFile(relative);
  if (!path) return std::nullopt;
  CorpusDatabase db;
  db.name = relative;
  db.image = readFile(gunzipped(*path));
  db.pageSize = headerPageSize(db.image);
  return db;
}

// Page numbers of pages that verify Ok and carry at least `minNodes` nodes.
inline std::vector<uint32_t> okPages(const CorpusDatabase& db, size_t minNodes) {
  std::vector<uint32_t> pages;
  for (uint32_t pgno = 1; pgno <= db.pageCount(); ++pgno) {
    if (page::verifyPage(db.page(pgno), pgno).pageClass != page::PageClass::Ok) continue;
    auto view = page::parsePage(db.page(pgno));
    if (view && view->nodes.size() >= minNodes) pages.push_back(pgno);
  }
  return pages;
}

}  // namespace esekit::test
