// Page-level differential backups (backup type "pages",
// doc/pages-differential.md): after a full backup the engine tracks the
// pages written to each database file; a pages backup copies exactly those
// (every page the live file changed since the full's copy is among them,
// each image equals the live page, far fewer than the database holds),
// verified, with the logs of a full backup; rules: no full backup, a lost
// tracking file, a copy backup does not restart the tracking, a new full
// backup does.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "backup_test_support.h"
#include "esekit/backup/pages_file.h"
#include "esekit/engine/backup_support.h"
#include "esekit/format/checksum.h"
#include "esekit/format/page.h"

using namespace esekit;
using namespace esekit::test;

namespace {

backup::BackupOptions optionsOf(backup::BackupType type) {
  backup::BackupOptions options;
  options.type = type;
  options.createPaths = true;
  options.readChunkBytes = 64 * 1024;
  return options;
}

Result<backup::BackupResult> take(TestInstance& t, const fs::path& dest, backup::BackupType type) {
  return backup::backup(*t.instance, dest, optionsOf(type));
}

struct PagesCopy {
  backup::PagesFile layout;
  std::vector<uint8_t> bytes;
};

PagesCopy readPages(const fs::path& set) {
  auto manifest = backup::readManifest(set);
  REQUIRE_MESSAGE(manifest.isOk(), manifest.status().toString());
  REQUIRE(manifest->type == backup::BackupType::Pages);
  const backup::ManifestFile* entry = nullptr;
  for (const auto& file : manifest->files)
    if (file.kind == backup::FileKind::Pages) entry = &file;
  REQUIRE(entry != nullptr);
  PagesCopy copy;
  copy.bytes = readFile(set / entry->name);
  auto layout = backup::parsePagesFile(copy.bytes, entry->name);
  REQUIRE_MESSAGE(layout.isOk(), layout.status().toString());
  copy.layout = std::move(*layout);
  return copy;
}

// Page `pgno` of a database image (file page pgno + 1), empty beyond its end.
std::vector<uint8_t> pageOf(const std::vector<uint8_t>& image, uint32_t pgno, uint32_t pageSize) {
  const uint64_t offset = page::fileOffsetOfPage(pgno, pageSize);
  if (offset + pageSize > image.size()) return {};
  return std::vector<uint8_t>(image.begin() + static_cast<long>(offset), image.begin() + static_cast<long>(offset + pageSize));
}

bool samePage(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

bool emptyOrMissingDir(const fs::path& dir) { return !fs::exists(dir) || fs::is_empty(dir); }

bool allZero(const std::vector<uint8_t>& page) {
  for (uint8_t b : page)
    if (b != 0) return false;
  return true;
}

// Every page of `live` that differs from the full backup's copy `full`
// (streamed: header, shadow, pages 1..n, trailer) must be in `tracked`.
void checkCovers(const std::vector<uint8_t>& full, const std::vector<uint8_t>& live, const std::set<uint32_t>& tracked,
                 uint32_t pageSize, uint32_t& differing) {
  differing = 0;
  const uint64_t fullPages = full.size() / pageSize - 3;  // minus header, shadow, trailer
  const uint64_t livePages = live.size() / pageSize - 2;
  for (uint32_t pgno = 1; pgno <= livePages; ++pgno) {
    const std::vector<uint8_t> now = pageOf(live, pgno, pageSize);
    const std::vector<uint8_t> then = pgno <= fullPages ? pageOf(full, pgno, pageSize) : std::vector<uint8_t>{};
    const bool same = then.empty() ? allZero(now) : samePage(now, then);
    if (same) continue;
    ++differing;
    CHECK_MESSAGE(tracked.count(pgno) == 1, "page ", pgno, " changed since the full backup but is not in the pages set");
  }
}

}  // namespace

TEST_CASE("a pages backup holds exactly the pages written since the full backup, taken while writers run") {
  const fs::path root = freshDir("backup_pages_exact");
  TestInstance t = openTestInstance(root / "instance");
  // A database of some size, then the full backup.
  for (uint8_t thread = 0; thread < 4; ++thread) REQUIRE(commitBatches(t, thread, 0, 250).isOk());
  REQUIRE(t.instance->checkpoint().isOk());
  auto full = take(t, root / "full", backup::BackupType::Full);
  REQUIRE_MESSAGE(full.isOk(), full.status().toString());
  REQUIRE(fs::exists(t.database.string() + ".pages.roar"));

  // A few changes, then a pages backup while two writers go on.
  REQUIRE(commitBatches(t, 5, 0, 5).isOk());
  REQUIRE(t.instance->checkpoint().isOk());
  Writers writers(t, 2, 1000);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto pages = take(t, root / "pages", backup::BackupType::Pages);
  REQUIRE_MESSAGE(pages.isOk(), pages.status().toString());
  writers.stop();
  REQUIRE_MESSAGE(writers.error().empty(), writers.error());
  const backup::Manifest& m = pages->manifest;
  CHECK(m.type == backup::BackupType::Pages);
  CHECK_FALSE(m.truncateRequested);
  CHECK_FALSE(pages->logsTruncated);
  REQUIRE(m.previous.has_value());
  CHECK(m.previous->type == backup::BackupType::Full);
  CHECK(m.previous->stamp.startGeneration == full->manifest.stamp.startGeneration);
  CHECK(m.previous->stamp.endGeneration == full->manifest.stamp.endGeneration);
  CHECK(m.previous->stamp.mark == full->manifest.stamp.mark);
  // Logs like a full backup's: from the checkpoint at begin to the rollover.
  int32_t logs = 0;
  for (const auto& file : m.files) logs += file.kind == backup::FileKind::Log ? 1 : 0;
  CHECK(logs == m.stamp.endGeneration - m.stamp.startGeneration + 1);
  CHECK(backup::checkBackupDirectory(root / "pages", m).ok());

  // Idle now: a second pages backup (a superset of the first: same full
  // backup), then nothing writes and the live file is compared with the
  // full's copy.
  REQUIRE(t.instance->checkpoint().isOk());
  auto idle = take(t, root / "pages-idle", backup::BackupType::Pages);
  REQUIRE_MESSAGE(idle.isOk(), idle.status().toString());
  const PagesCopy during = readPages(root / "pages");
  const PagesCopy copy = readPages(root / "pages-idle");
  for (uint32_t pgno : during.layout.pages)
    CHECK_MESSAGE(std::binary_search(copy.layout.pages.begin(), copy.layout.pages.end(), pgno), "page ", pgno);
  const uint32_t pageSize = copy.layout.header.pageSize;
  const std::set<uint32_t> tracked(copy.layout.pages.begin(), copy.layout.pages.end());
  CHECK(copy.layout.header.changedPages == tracked.size());
  CHECK(backup::verifyPagesFileImages(copy.layout, copy.bytes).empty());
  const std::vector<uint8_t> fullImage = readFile(root / "full" / "data.edb");
  const std::vector<uint8_t> live = readFile(t.database);
  MESSAGE("database pages ", copy.layout.header.databasePages, ", pages in the differential ", tracked.size());
  CHECK(tracked.size() > 0);
  CHECK(tracked.size() * 3 < copy.layout.header.databasePages);  // much smaller than the database
  // Every image equals the live page (nothing was written since).
  for (size_t i = 0; i < copy.layout.pages.size(); ++i) {
    const uint32_t pgno = copy.layout.pages[i];
    const std::vector<uint8_t> image(copy.bytes.begin() + static_cast<long>(copy.layout.imageOffset(i)),
                                     copy.bytes.begin() + static_cast<long>(copy.layout.imageOffset(i) + pageSize));
    CHECK_MESSAGE(samePage(image, pageOf(live, pgno, pageSize)), "page ", pgno, " differs from the live file");
  }
  uint32_t differing = 0;
  checkCovers(fullImage, live, tracked, pageSize, differing);
  MESSAGE("pages differing from the full backup's copy: ", differing);
  CHECK(differing > 0);
  CHECK(differing <= tracked.size());

  // Header slot: Differential (bkinfoDiffPrev), with the last set's range.
  auto session = engine::BackupSession::begin(*t.instance);
  REQUIRE(session.isOk());
  auto header = (*session)->databaseHeader((*session)->databases().front());
  REQUIRE(header.isOk());
  const backup::BackupStamp& last = idle->manifest.stamp;
  CHECK(header->previousDifferentialBackup.generationLow == static_cast<uint32_t>(last.startGeneration));
  CHECK(header->previousDifferentialBackup.generationHigh == static_cast<uint32_t>(last.endGeneration));
  CHECK(header->previousDifferentialBackup.mark == last.mark);
  CHECK(header->previousFullBackup.generationHigh == static_cast<uint32_t>(full->manifest.stamp.endGeneration));
  session->reset();
  REQUIRE(t.instance->shutdown().isOk());
}

TEST_CASE("a pages backup with no full backup, or with the tracking lost, is refused") {
  const fs::path root = freshDir("backup_pages_rules");
  TestInstance t = openTestInstance(root / "instance");
  REQUIRE(commitBatches(t, 0, 0, 40).isOk());
  auto none = take(t, root / "none", backup::BackupType::Pages);
  REQUIRE_FALSE(none.isOk());
  CHECK(none.status().code() == JetError::MissingFullBackup);
  CHECK(emptyOrMissingDir(root / "none"));

  REQUIRE(take(t, root / "full", backup::BackupType::Full).isOk());
  REQUIRE(commitBatches(t, 0, 40, 10).isOk());
  REQUIRE(t.instance->checkpoint().isOk());
  // previousBackup is not for pages backups: the base is the engine's.
  backup::BackupOptions withPrevious = optionsOf(backup::BackupType::Pages);
  withPrevious.previousBackup = root / "full";
  auto previous = backup::backup(*t.instance, root / "previous", withPrevious);
  REQUIRE_FALSE(previous.isOk());
  CHECK(previous.status().code() == JetError::InvalidGrbit);

  const fs::path sidecar = t.database.string() + ".pages.roar";
  REQUIRE(fs::exists(sidecar));
  const std::vector<uint8_t> kept = readFile(sidecar);
  // A damaged tracking file.
  std::vector<uint8_t> damaged = kept;
  damaged[damaged.size() / 2] ^= 0x10;
  {
    std::FILE* f = std::fopen(sidecar.c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(std::fwrite(damaged.data(), 1, damaged.size(), f) == damaged.size());
    std::fclose(f);
  }
  auto bad = take(t, root / "bad", backup::BackupType::Pages);
  REQUIRE_FALSE(bad.isOk());
  CHECK(bad.status().code() == JetError::InvalidBackupSequence);
  CHECK(bad.status().message().find("damaged") != std::string::npos);
  // A missing one.
  fs::remove(sidecar);
  auto missing = take(t, root / "missing", backup::BackupType::Pages);
  REQUIRE_FALSE(missing.isOk());
  CHECK(missing.status().code() == JetError::InvalidBackupSequence);
  CHECK(missing.status().message().find("missing") != std::string::npos);
  CHECK(emptyOrMissingDir(root / "missing"));
  // Further writes do not bring it back: only a full backup does.
  REQUIRE(commitBatches(t, 0, 50, 10).isOk());
  REQUIRE(t.instance->checkpoint().isOk());
  CHECK_FALSE(fs::exists(sidecar));
  auto full2 = take(t, root / "full2", backup::BackupType::Full);
  REQUIRE(full2.isOk());
  CHECK(fs::exists(sidecar));
  REQUIRE(commitBatches(t, 0, 60, 10).isOk());
  auto pages = take(t, root / "pages", backup::BackupType::Pages);
  REQUIRE_MESSAGE(pages.isOk(), pages.status().toString());
  CHECK(pages->manifest.previous->stamp.mark == full2->manifest.stamp.mark);
  REQUIRE(t.instance->shutdown().isOk());
}

TEST_CASE("a copy backup keeps the pages tracking of the last full backup; a sidecar of another full is refused") {
  const fs::path root = freshDir("backup_pages_copy");
  TestInstance t = openTestInstance(root / "instance");
  REQUIRE(commitBatches(t, 0, 0, 60).isOk());
  auto full = take(t, root / "full", backup::BackupType::Full);
  REQUIRE(full.isOk());
  const fs::path sidecar = t.database.string() + ".pages.roar";
  const std::vector<uint8_t> ofFirstFull = readFile(sidecar);
  REQUIRE(commitBatches(t, 0, 60, 20).isOk());
  REQUIRE(t.instance->checkpoint().isOk());
  auto copy = take(t, root / "copy", backup::BackupType::Copy);
  REQUIRE(copy.isOk());
  REQUIRE(commitBatches(t, 0, 80, 5).isOk());
  auto pages = take(t, root / "pages", backup::BackupType::Pages);
  REQUIRE_MESSAGE(pages.isOk(), pages.status().toString());
  CHECK(pages->manifest.previous->stamp.mark == full->manifest.stamp.mark);
  const PagesCopy first = readPages(root / "pages");

  // A second full restarts the set; the old full's sidecar no longer fits.
  auto full2 = take(t, root / "full2", backup::BackupType::Full);
  REQUIRE(full2.isOk());
  {
    std::FILE* f = std::fopen(sidecar.c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(std::fwrite(ofFirstFull.data(), 1, ofFirstFull.size(), f) == ofFirstFull.size());
    std::fclose(f);
  }
  auto stale = take(t, root / "stale", backup::BackupType::Pages);
  REQUIRE_FALSE(stale.isOk());
  CHECK(stale.status().code() == JetError::InvalidBackupSequence);
  CHECK(stale.status().message().find("header's last full backup") != std::string::npos);
  MESSAGE(stale.status().toString());
  (void)first;
  REQUIRE(t.instance->shutdown().isOk());
}

TEST_CASE("a .pages file that is truncated, altered or hostile gives ReadVerifyFailure naming the offset") {
  // A small well-formed file: 3 pages of 4096 bytes.
  const uint32_t pageSize = 4096;
  const std::vector<uint32_t> pgnos = {2, 3, 9};
  backup::PagesFileHeader header;
  header.pageSize = pageSize;
  header.databasePages = 12;
  header.changedPages = pgnos.size();
  header.fullBackup.generationLow = 4;
  header.fullBackup.generationHigh = 6;
  std::vector<uint8_t> file = backup::serializePagesFileStart(header, engine::encodePageSet(pgnos));
  file.resize(file.size() + (pgnos.size() + 1) * pageSize, 0);
  auto parsed = backup::parsePagesFile(file, "x.pages");
  REQUIRE_MESSAGE(parsed.isOk(), parsed.status().toString());
  CHECK(parsed->pages == pgnos);
  CHECK(parsed->header.fullBackup.generationHigh == 6);
  // Zero images and header page: every one is reported by the image check.
  CHECK(backup::verifyPagesFileImages(*parsed, file).size() == pgnos.size() + 1);

  for (size_t cut = 0; cut < file.size(); cut += 97) {
    auto shorter = backup::parsePagesFile(Bytes(file.data(), cut), "x.pages");
    REQUIRE_FALSE(shorter.isOk());
    CHECK(shorter.status().code() == JetError::ReadVerifyFailure);
  }
  const size_t start = backup::kPagesFileHeaderSize + parsed->header.bitmapBytes;
  for (size_t i = 0; i < start; ++i) {
    std::vector<uint8_t> altered = file;
    altered[i] ^= 0x01;
    auto result = backup::parsePagesFile(altered, "x.pages");
    CHECK_MESSAGE(!result.isOk(), "byte ", i, " flipped was not noticed");
    if (!result.isOk()) CHECK(result.status().message().find("offset") != std::string::npos);
  }
  // A hostile but well-checksummed header: a page number beyond the database.
  header.databasePages = 5;
  std::vector<uint8_t> beyond = backup::serializePagesFileStart(header, engine::encodePageSet(pgnos));
  beyond.resize(beyond.size() + (pgnos.size() + 1) * pageSize, 0);
  auto refused = backup::parsePagesFile(beyond, "x.pages");
  REQUIRE_FALSE(refused.isOk());
  CHECK(refused.status().message().find("bitmap") != std::string::npos);
}
