// Bad backup input is refused before anything is written (issue 5 "Bad
// input"): a missing middle log, a log from another stream, a corrupted log
// segment, a truncated database copy, a manifest that does not match, a
// chain with a gap or out of order. Each gives its JET error naming the file
// and generation, validate lists the same problem, the target stays empty or
// absent, and the backups are unchanged.
#include <doctest/doctest.h>

#include <fstream>

#include "esekit/restore/restore.h"
#include "esekit/restore/validate.h"
#include "restore_test_support.h"

using namespace esekit;
using namespace esekit::test;

namespace {

struct Fixture {
  fs::path root;
  std::unique_ptr<Workload> work;
  BackupMade full;
  BackupMade inc1;
  BackupMade inc2;
  fs::path plain;  // the full backup without a manifest

  Fixture() : root(tempDir("restore_bad_input")) {
    work = std::make_unique<Workload>(root / "instance");
    work->run(60);
    full = fullBackup(*work, root / "full", [&] { work->runGenerations(3); });
    work->runGenerations(2);
    // inc1 truncates the logs before the checkpoint it starts at: inc2 then
    // starts after generations only inc1 holds (the gap of "a chain with a gap").
    REQUIRE(work->instance->checkpoint().isOk());
    inc1 = incrementalBackup(*work, root / "inc1", full);
    work->run(40);
    inc2 = incrementalBackup(*work, root / "inc2", inc1);
    work->shutdown();
    plain = copySet(root / "full", root / "plain");
    fs::remove(plain / backup::kManifestFileName);
    REQUIRE(full.end - full.start >= 3);
  }

  int32_t middle() const { return full.start + 1; }
};

// Restore must fail with `error`; validate must list a problem with it whose
// message or file names `names`; the target stays empty; the sets unchanged.
void expectRefused(const std::vector<fs::path>& sets, const fs::path& target, JetError error, const std::string& names,
                   std::optional<int32_t> generation = {}) {
  std::vector<std::map<std::string, FileFacts>> before;
  for (const fs::path& set : sets) before.push_back(snapshotDirectory(set));
  auto validation = restore::validateBackupSets(sets);
  REQUIRE(validation.isOk());
  CHECK_FALSE(validation->valid());
  bool found = false;
  for (const restore::ValidationProblem& p : validation->problems) {
    if (p.error != error) continue;
    if ((p.file.string() + p.message).find(names) == std::string::npos) continue;
    if (generation && p.generation != generation) continue;
    found = true;
  }
  std::string all;
  for (const restore::ValidationProblem& p : validation->problems) all += p.status().toString() + "\n";
  CHECK_MESSAGE(found, "expected " << jetErrorName(error) << " naming " << names << ", got:\n" << all);

  auto restored = restore::restore(sets, target, {});
  REQUIRE_FALSE(restored.isOk());
  CHECK_MESSAGE(restored.status().code() == error, restored.status().toString());
  CHECK(restored.status().message().find(names) != std::string::npos);
  CHECK(emptyOrMissing(target));
  for (size_t i = 0; i < sets.size(); ++i) CHECK(snapshotDirectory(sets[i]) == before[i]);
}

void flipBytes(const fs::path& file, uint64_t offset, size_t count) {
  std::vector<uint8_t> bytes = readFile(file);
  REQUIRE(offset + count <= bytes.size());
  // Different bits in every byte: an identical pattern in an even number of
  // words would cancel out of the XOR checksum (checksums.md §3).
  for (size_t i = 0; i < count; ++i) bytes[offset + i] ^= static_cast<uint8_t>(0x5B + 7 * i);
  writeFile(file, bytes);
}

}  // namespace

TEST_CASE("bad backup input is refused with the right error and nothing is restored") {
  Fixture f;

  SUBCASE("the intact sets validate and restore") {
    const std::vector<fs::path> chain{f.root / "full", f.root / "inc1", f.root / "inc2"};
    auto validation = restore::validateBackupSets(chain);
    REQUIRE(validation.isOk());
    std::string all;
    for (const auto& p : validation->problems) all += p.status().toString() + "\n";
    CHECK_MESSAGE(validation->valid(), all);
    CHECK(validation->firstGeneration == f.full.start);
    CHECK(validation->lastGeneration == f.inc2.end);
    const std::vector<fs::path> plain{f.plain};
    auto plainValidation = restore::validateBackupSets(plain);
    REQUIRE(plainValidation.isOk());
    CHECK(plainValidation->valid());
    CHECK(plainValidation->sets[0].kind == "log directory");
  }

  SUBCASE("missing middle log (no manifest)") {
    fs::remove(f.plain / logName(f.middle()));
    expectRefused({f.plain}, f.root / "t1", JetError::MissingLogFile, logName(f.middle()), f.middle());
  }

  SUBCASE("missing middle log (manifest lists it)") {
    const fs::path set = copySet(f.root / "full", f.root / "missing");
    fs::remove(set / logName(f.middle()));
    expectRefused({set}, f.root / "t2", JetError::MissingLogFile, logName(f.middle()), f.middle());
  }

  SUBCASE("a log from another log stream") {
    // Same generation, same size, another instance (another signLog).
    Workload other(f.root / "other", 999);
    while (other.instance->stats().currentGeneration <= static_cast<uint32_t>(f.middle())) other.run(20);
    other.shutdown();
    fs::copy_file(f.root / "other" / logName(f.middle()), f.plain / logName(f.middle()),
                  fs::copy_options::overwrite_existing);
    expectRefused({f.plain}, f.root / "t3", JetError::BadLogSignature, logName(f.middle()), f.middle());
  }

  SUBCASE("a corrupted log segment") {
    flipBytes(f.plain / logName(f.middle()), 4096 + 200, 37);  // inside the first data segment
    expectRefused({f.plain}, f.root / "t4", JetError::LogFileCorrupt, logName(f.middle()), f.middle());
  }

  SUBCASE("a truncated database copy") {
    const fs::path set = copySet(f.root / "full", f.root / "truncated");
    const uint64_t size = fs::file_size(set / "data.edb");
    fs::resize_file(set / "data.edb", size / 2 / 8192 * 8192);
    expectRefused({set}, f.root / "t5", JetError::ReadVerifyFailure, "data.edb");
  }

  SUBCASE("a manifest that does not match its files") {
    const fs::path set = copySet(f.root / "full", f.root / "altered");
    std::ifstream in(set / backup::kManifestFileName);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto manifest = backup::parseManifest(text);
    REQUIRE(manifest.isOk());
    for (backup::ManifestFile& file : manifest->files)
      if (file.generation == f.middle()) file.hash.low ^= 1;
    std::ofstream(set / backup::kManifestFileName, std::ios::trunc) << backup::serializeManifest(*manifest);
    expectRefused({set}, f.root / "t6", JetError::LogReadVerifyFailure, logName(f.middle()), f.middle());
  }

  SUBCASE("a chain with a gap") {
    const std::vector<fs::path> sets{f.root / "full", f.root / "inc2"};
    REQUIRE(f.inc2.start > f.full.end + 1);
    expectRefused(sets, f.root / "t7", JetError::MissingLogFile, logName(f.full.end + 1), f.full.end + 1);
  }

  SUBCASE("a chain out of order") {
    const std::vector<fs::path> sets{f.root / "full", f.root / "inc2", f.root / "inc1"};
    expectRefused(sets, f.root / "t8", JetError::InvalidLogSequence, "out of order");
  }

  SUBCASE("a non-empty target is refused") {
    fs::create_directories(f.root / "busy");
    std::ofstream(f.root / "busy" / "keep.txt") << "mine";
    const std::vector<fs::path> sets{f.root / "full"};
    auto restored = restore::restore(sets, f.root / "busy", {});
    REQUIRE_FALSE(restored.isOk());
    CHECK(restored.status().code() == JetError::InvalidPath);
    CHECK(fs::exists(f.root / "busy" / "keep.txt"));
  }
}
