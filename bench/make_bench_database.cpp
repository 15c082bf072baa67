// esekit_make_bench_db OUT SIZE_MIB [PAGE_SIZE [SOURCE_DB]]
//
// Writes a large database for whole-command benchmarks (verify_vs_cat.sh),
// grown from a real Windows-made database of the same page size:
//   - header and shadow: copied byte for byte (checksums stay valid);
//   - pages 1..L (L = last page the database root owns): copied, except the
//     root's owned-extent tree (pgno 2), whose last extent is stretched to
//     the new end of file, so every page of the file belongs to the database
//     (space-trees.md §5, §7);
//   - pages L+1..N: the source's leaf pages replayed in turn, each with its
//     page number (PGHDR2.pgno at offset 64 on 16/32 KiB pages) and checksum
//     rewritten for its new place, and sibling links cleared.
// The limits of such a file are listed in bench/README.md.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "esekit/format/checksum.h"
#include "esekit/format/database_header.h"
#include "esekit/format/page.h"

using namespace esekit;

namespace {

constexpr uint32_t kRootOwnedExtentPage = 2;  // pgnoOE of the database root, space-trees.md §5

// Default source per page size: clean databases of the corpus (INVENTORY.md);
// there is no clean 16 KiB database, qmgr.db is dirty.
const char* defaultSource(uint32_t pageSize) {
  switch (pageSize) {
    case 4096: return "go-ese/SRUM/SRUDB.dat";
    case 8192: return "ese_parser-stroz/decompress_test.edb";
    case 16384: return "go-ese/Samples/qmgr.db";
    case 32768: return "cortana-akarib/Indexed DB/IndexedDB.edb";
    default: return nullptr;
  }
}

std::filesystem::path corpusRoot() {
  if (const char* env = std::getenv("ESEKIT_CORPUS")) return env;
  return ESEKIT_CORPUS_DIR;
}

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "esekit_make_bench_db: " << message << "\n";
  std::exit(1);
}

std::vector<uint8_t> readWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open " + path.string() + ": " + std::strerror(errno));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

uint32_t parseNumber(const char* text, const char* what) {
  char* end = nullptr;
  const unsigned long value = std::strtoul(text, &end, 10);
  if (end == text || *end != '\0' || value == 0 || value > 0xFFFFFFFFul) fail(std::string("bad ") + what + ": " + text);
  return static_cast<uint32_t>(value);
}

uint32_t bigEndian32(Bytes bytes) {
  return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | uint32_t{bytes[3]};
}

// The last extent of the root's owned-extent tree: where its key and count live.
struct LastExtent {
  uint32_t lastPage = 0;
  uint32_t pageCount = 0;
  size_t keyOffset = 0;    // page offset of the stored key suffix
  size_t prefixSize = 0;   // key bytes taken from the page's prefix
  size_t countOffset = 0;  // page offset of the 4-byte count
};

LastExtent findLastExtent(Bytes ownedExtentPage) {
  Result<page::PageView> parsed = page::parsePage(ownedExtentPage);
  if (!parsed) fail("page 2 (root owned-extent tree): " + parsed.status().toString());
  const page::PageView& view = *parsed;
  const uint32_t needed = page::flag::Root | page::flag::Leaf | page::flag::SpaceTree;
  if ((view.header.flags & needed) != needed || view.header.objectId != 1)
    fail("page 2 is not a single-page owned-extent tree of the database root (flags " +
         page::describeFlags(view.header.flags) + ", objid " + std::to_string(view.header.objectId) +
         "); this generator only handles that shape");
  LastExtent last;
  for (const page::Node& node : view.nodes) {
    if (node.keySize() != 4 || node.data.size() != 4 || node.deleted()) continue;
    const std::vector<uint8_t> key = node.key();
    const uint32_t lastPage = bigEndian32(key);
    if (lastPage < last.lastPage) continue;
    last.lastPage = lastPage;
    last.pageCount = loadLittleEndian<uint32_t>(node.data.data());
    last.keyOffset = static_cast<size_t>(node.suffix.data() - ownedExtentPage.data());
    last.prefixSize = node.prefix.size();
    last.countOffset = static_cast<size_t>(node.data.data() - ownedExtentPage.data());
  }
  if (last.lastPage == 0) fail("page 2 holds no 4-byte extent node");
  return last;
}

void stretchLastExtent(MutableBytes ownedExtentPage, const LastExtent& last, uint32_t newLastPage) {
  uint8_t key[4] = {static_cast<uint8_t>(newLastPage >> 24), static_cast<uint8_t>(newLastPage >> 16),
                    static_cast<uint8_t>(newLastPage >> 8), static_cast<uint8_t>(newLastPage)};
  uint8_t oldKey[4] = {static_cast<uint8_t>(last.lastPage >> 24), static_cast<uint8_t>(last.lastPage >> 16),
                       static_cast<uint8_t>(last.lastPage >> 8), static_cast<uint8_t>(last.lastPage)};
  // A prefix-compressed key keeps its leading bytes in the page's prefix: the
  // new key must share them (it does up to 2^24 pages for a 1-byte prefix).
  if (!std::equal(key, key + last.prefixSize, oldKey))
    fail("the last owned extent's key is prefix-compressed and " + std::to_string(newLastPage) +
         " does not share the prefix; choose a smaller size");
  std::memcpy(ownedExtentPage.data() + last.keyOffset, key + last.prefixSize, 4 - last.prefixSize);
  storeLittleEndian<uint32_t>(ownedExtentPage.data() + last.countOffset, last.pageCount + (newLastPage - last.lastPage));
  checksum::setPageChecksum(ownedExtentPage, kRootOwnedExtentPage);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::cerr << "usage: esekit_make_bench_db OUT SIZE_MIB [PAGE_SIZE [SOURCE_DB]]\n"
                 "  PAGE_SIZE 4096 (default), 8192, 16384 or 32768; SOURCE_DB defaults to a clean corpus\n"
                 "  database of that page size (corpus root: $ESEKIT_CORPUS or " ESEKIT_CORPUS_DIR ")\n";
    return 2;
  }
  const std::filesystem::path out = argv[1];
  const uint64_t sizeMiB = parseNumber(argv[2], "SIZE_MIB");
  const uint32_t pageSize = argc >= 4 ? parseNumber(argv[3], "PAGE_SIZE") : 4096;
  if (!defaultSource(pageSize)) fail("PAGE_SIZE must be 4096, 8192, 16384 or 32768");
  const std::filesystem::path source = argc >= 5 ? std::filesystem::path(argv[4]) : corpusRoot() / defaultSource(pageSize);

  const std::vector<uint8_t> input = readWholeFile(source);
  Result<DatabaseHeaderRead> header = readDatabaseHeader(input);
  if (!header) fail(source.string() + ": " + header.status().toString());
  if (header->header.pageSize() != pageSize)
    fail(source.string() + " has " + std::to_string(header->header.pageSize()) + "-byte pages, not " + std::to_string(pageSize));
  if (input.size() % pageSize != 0 || input.size() < 4 * size_t{pageSize}) fail(source.string() + ": not a whole number of pages");
  const uint32_t sourcePages = static_cast<uint32_t>(input.size() / pageSize - 2);
  auto sourcePage = [&](uint32_t pgno) { return Bytes(input).subspan((size_t{pgno} + 1) * pageSize, pageSize); };

  const uint64_t totalPages = (sizeMiB << 20) / pageSize;
  if (totalPages > 0x7FEFFFFF) fail("SIZE_MIB too large for this page size");
  const uint32_t lastPage = static_cast<uint32_t>(totalPages - 2);

  std::vector<uint8_t> ownedExtentPage(sourcePage(kRootOwnedExtentPage).begin(), sourcePage(kRootOwnedExtentPage).end());
  const LastExtent last = findLastExtent(ownedExtentPage);
  if (last.lastPage > sourcePages) fail("root owns pages beyond the end of " + source.string());
  if (lastPage <= last.lastPage) fail("SIZE_MIB must be larger than the source database (" + std::to_string(input.size() >> 20) + " MiB)");
  stretchLastExtent(ownedExtentPage, last, lastPage);

  // Leaf pages to replay: verified, in the owned range, not space-tree pages.
  std::vector<uint32_t> leafPages;
  for (uint32_t pgno = 1; pgno <= last.lastPage; ++pgno) {
    const Bytes page = sourcePage(pgno);
    const uint32_t flags = loadLittleEndian<uint32_t>(page.data() + 36);
    if ((flags & page::flag::Leaf) && !(flags & (page::flag::SpaceTree | page::flag::Empty)) &&
        checksum::checkPage(page, pgno).verdict == checksum::PageChecksumCheck::Verdict::Ok)
      leafPages.push_back(pgno);
  }
  if (leafPages.empty()) fail(source.string() + ": no verifiable leaf page to replay");

  std::ofstream output(out, std::ios::binary | std::ios::trunc);
  if (!output) fail("cannot create " + out.string() + ": " + std::strerror(errno));
  output.write(reinterpret_cast<const char*>(input.data()), 2 * std::streamsize{pageSize});  // header + shadow
  std::vector<uint8_t> chunk;
  chunk.reserve(size_t{8} << 20);
  auto flush = [&] {
    output.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(chunk.size()));
    chunk.clear();
  };
  for (uint32_t pgno = 1; pgno <= lastPage; ++pgno) {
    const size_t at = chunk.size();
    if (pgno == kRootOwnedExtentPage) {
      chunk.insert(chunk.end(), ownedExtentPage.begin(), ownedExtentPage.end());
    } else if (pgno <= last.lastPage) {
      const Bytes page = sourcePage(pgno);
      chunk.insert(chunk.end(), page.begin(), page.end());
    } else {
      const Bytes page = sourcePage(leafPages[(pgno - last.lastPage - 1) % leafPages.size()]);
      chunk.insert(chunk.end(), page.begin(), page.end());
      const MutableBytes copy(chunk.data() + at, pageSize);
      storeLittleEndian<uint32_t>(copy.data() + 16, 0);  // pgnoPrev
      storeLittleEndian<uint32_t>(copy.data() + 20, 0);  // pgnoNext
      if (page::isLargePage(pageSize)) storeLittleEndian<uint32_t>(copy.data() + 64, pgno);  // PGHDR2.pgno
      checksum::setPageChecksum(copy, pgno);
    }
    if (chunk.size() + pageSize > chunk.capacity()) flush();
  }
  flush();
  output.close();
  if (!output) fail("writing " + out.string() + " failed");
  std::cout << out.string() << ": " << (uint64_t{lastPage} + 2) * pageSize << " bytes, " << lastPage << " pages of "
            << pageSize << " bytes; pages 1-" << last.lastPage << " from " << source.string() << " ("
            << databaseStateName(header->header.state) << "), " << (lastPage - last.lastPage)
            << " replayed from its " << leafPages.size() << " leaf pages\n";
  return 0;
}
