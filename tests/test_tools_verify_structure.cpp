// A page whose checksum is right but whose structure is not (e.g. written by
// a buggy tool): verify reports it (JET_errDatabaseCorrupted); with
// --checksums-only (esentutl /k semantics) only checksums count.
#include <doctest/doctest.h>

#include "corpus.h"
#include "esekit/format/checksum.h"
#include "esekit/format/page.h"
#include "verify_file.h"

using namespace esekit;
using namespace esekit::tools;

TEST_CASE("a checksum-good page with a broken tag is bad by default and ok with checksums only") {
  auto path = test::corpusFile("museum/SRUM/Win10/RathbunVM/Clean/SRUDB.dat");
  if (!path) return;
  std::vector<uint8_t> file = test::readFile(*path);
  const uint32_t pageSize = 4096, pgno = 4;  // the catalog root
  uint8_t* pageBytes = file.data() + page::fileOffsetOfPage(pgno, pageSize);
  MutableBytes pageSpan(pageBytes, pageSize);
  REQUIRE(page::validatePage(pageSpan).isOk());
  // Tag 1's offset points past the page; then re-checksum, as a buggy writer would.
  const size_t tag1 = page::Tag::entryOffset(pageSize, 1);
  storeLittleEndian<uint16_t>(pageBytes + tag1 + 2, 0x1FF0);
  checksum::setPageChecksum(pageSpan, pgno);
  REQUIRE_FALSE(page::validatePage(pageSpan).isOk());

  VerifyOptions options;
  const FileReport full = verifyImage("SRUDB.dat", file, options);
  CHECK(full.status == VerifyStatus::Bad);
  REQUIRE_FALSE(full.problems.empty());
  CHECK(full.problems[0].page == pgno);
  CHECK(full.problems[0].error == JetError::DatabaseCorrupted);

  options.checkStructure = false;
  const FileReport checksumsOnly = verifyImage("SRUDB.dat", file, options);
  CHECK(checksumsOnly.status == VerifyStatus::Ok);
}
