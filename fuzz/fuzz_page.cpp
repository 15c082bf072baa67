// libFuzzer target for the page component: parsePage, validatePage,
// describe/describeNodes, verifyPage/classifyPage and verifyDatabaseImage on
// arbitrary bytes. Input: byte 0 picks the page size (1, 2, 4, 8 -> 4/8/16/32
// KiB as fuzz/seeds.sh writes them; other values -> 2..32 KiB by value % 5),
// the rest is the page (zero-padded or cut to the page size).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "esekit/format/page.h"
#include "esekit/format/page_verify.h"

using namespace esekit;
using namespace esekit::page;

namespace {

size_t pageSizeFor(uint8_t selector) {
  switch (selector) {
    case 1: return 4096;
    case 2: return 8192;
    case 4: return 16384;
    case 8: return 32768;
    default: return size_t{2048} << (selector % 5);
  }
}

void exercisePage(Bytes page, uint32_t pgno) {
  if (auto view = parsePage(page)) {
    (void)view->externalHeader();
    (void)view->keyPrefix();
    for (const Node& node : view->nodes) (void)node.key();
    (void)describe(*view);
    (void)describeNodes(*view);
    (void)validatePage(*view);
  } else {
    (void)view.status().toString();
  }
  (void)validatePage(page);
  if (auto header = PageHeader::parse(page)) {
    std::vector<uint8_t> out(header->size());
    ByteWriter writer(out);
    header->serialize(writer);
    if (std::memcmp(out.data(), page.data(), out.size()) != 0) __builtin_trap();  // must be byte-exact
    (void)describe(*header);
    (void)describeFlags(header->flags);
  }
  std::vector<uint8_t> corrected(page.size());
  const PageVerdict verdict = verifyPage(page, pgno, corrected);
  if (verdict.pageClass == PageClass::Corrected) {
    // A correction must verify as a clean page.
    if (verifyPage(corrected, pgno).pageClass != PageClass::Ok) __builtin_trap();
  }
  (void)classifyPage(page, pgno ^ 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t pageSize = pageSizeFor(data[0]);
  const Bytes rest(data + 1, size - 1);

  std::vector<uint8_t> page(pageSize, 0);
  std::memcpy(page.data(), rest.data(), std::min(rest.size(), pageSize));
  const uint32_t pgno = pageSize >= 68 ? loadLittleEndian<uint32_t>(page.data() + 64) : 1;
  exercisePage(page, pgno);
  exercisePage(page, 1);

  // Raw remainder as given (any size): errors, never crashes.
  (void)parsePage(rest);
  (void)validatePage(rest);
  (void)verifyPage(rest, 1);

  // The whole input as a small database image (header + shadow + pages).
  VerifyOptions options;
  options.threads = 1;
  options.maxProblems = 4;
  std::vector<uint8_t> image(rest.begin(), rest.end());
  if (image.size() < 3 * pageSize) image.resize(3 * pageSize, 0);
  std::vector<uint8_t> fixed(image.size());
  options.fixedCopy = fixed;
  const DatabaseImageReport report = verifyDatabaseImage(image, static_cast<uint32_t>(pageSize), options);
  (void)describe(report);
  for (const PageProblem& problem : report.problems) (void)problem.status().toString();
  return 0;
}
