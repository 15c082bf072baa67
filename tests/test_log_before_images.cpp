// Every page before-image of the corpus logs (Split2/Merge2, log-records.md
// §3.5) decodes (format/page_before_image.h) into the page ESE logged: its
// dbtime is the record's dbtime after (ESE logs the image after dirtying the
// page), a large page names its own page number, and the page's space
// accounting holds — exactly for dehydrated images, whose page ESE
// reorganizes before cutting the gap (so cbFree must be given back by
// rehydration, page-format.md §2.1).
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "corpus.h"
#include "esekit/format/file_kind.h"
#include "esekit/format/log_file.h"
#include "esekit/format/log_record_decode.h"
#include "esekit/format/page_before_image.h"

using namespace esekit;
namespace fs = std::filesystem;

TEST_CASE("corpus before-images: Xpress and dehydrated images decode into the logged page") {
  const auto files = test::corpusFiles();
  if (files.empty()) return;
  std::map<uint32_t, int> byFlags;
  std::set<size_t> seen;
  for (const fs::path& path : files) {
    if (path.extension() == ".gz") continue;
    const std::vector<uint8_t> bytes = test::readFile(path);
    if (detectFileKind(bytes) != FileKind::Log) continue;
    if (!seen.insert(std::hash<std::string_view>{}(
                         std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())))
             .second)
      continue;  // the same log in two sets
    LogScanOptions options;
    options.collectRecords = true;
    auto scan = scanLogFile(bytes, options);
    if (!scan.isOk()) continue;  // damaged logs are the log tests' business
    const size_t pageSize = scan->header.databasePageSize();
    for (const LogRecordView& view : scan->records) {
      if (view.type != LogRecordType::Split2 && view.type != LogRecordType::Merge2) continue;
      auto record = decodeLogRecord(view.bytes);
      REQUIRE(record.isOk());
      Bytes image;
      uint32_t flags = 0, pgno = 0;
      int64_t dbtime = 0;
      if (const auto* split = record->as<SplitRecord>()) {
        image = split->pageBeforeImage, flags = split->preimageFlags;
        pgno = split->page.pgno, dbtime = split->page.dbtime;
      } else if (const auto* merge = record->as<MergeRecord>()) {
        image = merge->pageBeforeImage, flags = merge->preimageFlags;
        pgno = merge->page.pgno, dbtime = merge->page.dbtime;
      }
      if (image.empty()) continue;
      CAPTURE(path.string());
      CAPTURE(view.position.toString());
      auto page = logrec::decodePageBeforeImage(image, flags, pageSize);
      REQUIRE_MESSAGE(page.isOk(), page.status().toString());
      ++byFlags[flags];
      const uint8_t* p = page->data();
      CHECK(loadLittleEndian<int64_t>(p + 8) == dbtime);
      if (pageSize > 8192) CHECK(loadLittleEndian<uint32_t>(p + 64) == pgno);
      const size_t accounted = (pageSize > 8192 ? 80 : 40) + loadLittleEndian<uint16_t>(p + 28) +
                               loadLittleEndian<uint16_t>(p + 32) + 4u * (loadLittleEndian<uint16_t>(p + 34) & 0x0FFFu);
      if (flags & logrec::kBeforeImageDehydrated)
        CHECK(accounted == pageSize);
      else
        CHECK(accounted >= pageSize);  // more when the data area has holes
    }
  }
  MESSAGE("before-images by flags: plain " << byFlags[0] << ", Xpress " << byFlags[2] << ", dehydrated "
                                           << byFlags[1] << ", dehydrated+Xpress " << byFlags[3]);
  CHECK(byFlags[2] > 100);  // Windows compresses nearly every before-image
  CHECK(byFlags[3] >= 1);   // DataStore's edbtmp.log: a dehydrated, compressed 16 KiB page
}
