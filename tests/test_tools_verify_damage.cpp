// `esekit verify` on damaged copies of real files: single-bit errors are
// corrected at their exact page/sector and bit (and --fix restores the
// original bytes), uncorrectable damage is bad with the right JET error at
// the right place, and truncated / empty / random files are errors naming
// the file and the offset. Runs in-process (verifyFile) and through the
// esekit binary ($ESEKIT_CLI) for exit codes and output.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "corpus.h"
#include "json_writer.h"
#include "verify_file.h"

using namespace esekit;
using namespace esekit::tools;

namespace {

struct CliResult {
  int exitCode = -1;
  std::string output;  // stdout and stderr
};

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `esekit ARGS` (from $ESEKIT_CLI); nullopt-like empty result when unset.
std::optional<CliResult> runCli(const std::string& arguments) {
  const char* cli = std::getenv("ESEKIT_CLI");
  if (cli == nullptr || *cli == '\0') {
    MESSAGE("ESEKIT_CLI not set (run through ctest): CLI checks skipped");
    return std::nullopt;
  }
  CliResult result;
  FILE* pipe = ::popen((quoted(cli) + " " + arguments + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, got);
  const int status = ::pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

void writeBytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

VerifyOptions twoThreads() {
  VerifyOptions options;
  options.threads = 2;
  return options;
}

void flip(std::vector<uint8_t>& bytes, uint64_t offset, int bit) { bytes[offset] ^= static_cast<uint8_t>(1u << bit); }

// A copy of a real database with one flipped bit per page size.
struct SingleBitCase {
  const char* relative;
  uint32_t pageSize;
  uint32_t pgno;
  uint32_t byteInPage;
  int bit;
};

}  // namespace

TEST_CASE("one flipped bit in a real database page: corrected at the exact page and bit, --fix restores it") {
  const SingleBitCase cases[] = {
      {"museum/SRUM/Win10/RathbunVM/Clean/SRUDB.dat", 4096, 1, 1000, 3},
      {"windowslivemail-kimberli13/WindowsMail.MSMessageStore", 8192, 2, 5000, 7},
      {"go-ese/Samples/qmgr.db", 16384, 3, 9000, 0},  // 16 KiB: block 2
      {"me5uts-appdata/IndexedDB/IndexedDB.edb", 32768, 1, 30000, 5},  // 32 KiB: block 3
  };
  for (const SingleBitCase& c : cases) {
    auto source = test::corpusFile(c.relative);
    if (!source) return;
    INFO(c.relative);
    const auto dir = test::tempDir("tools-bit-" + std::to_string(c.pageSize));
    const std::vector<uint8_t> original = test::readFile(*source);
    std::vector<uint8_t> damaged = original;
    const uint64_t pageOffset = (uint64_t{c.pgno} + 1) * c.pageSize;
    const uint64_t byteOffset = pageOffset + c.byteInPage;
    REQUIRE(byteOffset < damaged.size());
    flip(damaged, byteOffset, c.bit);
    const auto input = dir / std::filesystem::path(c.relative).filename();
    writeBytes(input, damaged);

    VerifyOptions options = twoThreads();
    options.fixOutput = dir / "fixed.edb";
    const FileReport report = verifyFile(input, options);
    CHECK(report.status == VerifyStatus::Corrected);
    REQUIRE(report.problems.size() == 1);
    const Problem& problem = report.problems[0];
    CHECK(problem.page == c.pgno);
    CHECK(problem.fileOffset == pageOffset);
    CHECK(problem.severity == VerifyStatus::Corrected);
    REQUIRE(problem.bits.size() == 1);
    CHECK(problem.bits[0].pageOffset == c.byteInPage);
    CHECK(problem.bits[0].bit == c.bit);
    CHECK(problem.bits[0].fileOffset == byteOffset);
    REQUIRE(report.fixedCopy.has_value());
    CHECK(test::readFile(dir / "fixed.edb") == original);
    CHECK(test::readFile(input) == damaged);  // the input is never modified

    if (auto cli = runCli("verify --json " + quoted(input.string()))) {
      CHECK(cli->exitCode == 1);
      CHECK(isValidJson(cli->output.substr(0, cli->output.find('\n'))));
      CHECK(contains(cli->output, "\"status\":\"corrected\""));
      CHECK(contains(cli->output, "\"page\":" + std::to_string(c.pgno) + ","));
      CHECK(contains(cli->output, "\"bits\":[{\"offset\":" + std::to_string(byteOffset) + ",\"page_offset\":" +
                                      std::to_string(c.byteInPage) + ",\"bit\":" + std::to_string(c.bit) + "}]"));
    }
    if (auto cli = runCli("verify " + quoted(input.string()) + " --fix " + quoted((dir / "cli-fixed.edb").string()))) {
      CHECK(cli->exitCode == 1);
      CHECK(contains(cli->output, "corrected copy written to"));
      CHECK(test::readFile(dir / "cli-fixed.edb") == original);
    }
  }
}

TEST_CASE("two flipped bits in one page: bad, JET_errReadVerifyFailure naming the page, exit status 2") {
  auto source = test::corpusFile("museum/SRUM/Win10/RathbunVM/Clean/SRUDB.dat");
  if (!source) return;
  const auto dir = test::tempDir("tools-two-bits");
  std::vector<uint8_t> bytes = test::readFile(*source);
  const uint32_t pgno = 5;
  const uint64_t pageOffset = (uint64_t{pgno} + 1) * 4096;
  flip(bytes, pageOffset + 700, 1);
  flip(bytes, pageOffset + 2100, 6);
  const auto input = dir / "SRUDB.dat";
  writeBytes(input, bytes);

  VerifyOptions options = twoThreads();
  options.fixOutput = dir / "fixed.dat";
  const FileReport report = verifyFile(input, options);
  CHECK(report.status == VerifyStatus::Bad);
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].page == pgno);
  CHECK(report.problems[0].fileOffset == pageOffset);
  CHECK(report.problems[0].error == JetError::ReadVerifyFailure);
  CHECK_FALSE(report.fixedCopy.has_value());
  CHECK_FALSE(std::filesystem::exists(dir / "fixed.dat"));
  CHECK_FALSE(std::filesystem::exists(dir / "fixed.dat.tmp"));
  CHECK(contains(report.fixNote, "cannot be corrected"));

  if (auto cli = runCli("verify " + quoted(input.string()))) {
    CHECK(cli->exitCode == 2);
    CHECK(contains(cli->output, "page 5 (offset 24576 = 0x6000): bad:"));
    CHECK(contains(cli->output, "JET_errReadVerifyFailure (-1018)"));
  }
  if (auto cli = runCli("verify --json " + quoted(input.string()))) {
    CHECK(cli->exitCode == 2);
    CHECK(contains(cli->output, "\"status\":\"bad\""));
    CHECK(contains(cli->output, "\"page\":5,"));
    CHECK(contains(cli->output, "\"error\":{\"name\":\"JET_errReadVerifyFailure\",\"number\":-1018}"));
  }
}

TEST_CASE("a page copied to the wrong position names both page numbers") {
  auto source = test::corpusFile("museum/SRUM/Win10/RathbunVM/Clean/SRUDB.dat");
  if (!source) return;
  const auto dir = test::tempDir("tools-wrong-page");
  std::vector<uint8_t> bytes = test::readFile(*source);
  // Page 1 (the database root, always an ESE page) written over page 9.
  std::copy_n(bytes.begin() + 2 * 4096, 4096, bytes.begin() + 10 * 4096);
  writeBytes(dir / "SRUDB.dat", bytes);
  const FileReport report = verifyFile(dir / "SRUDB.dat", twoThreads());
  CHECK(report.status == VerifyStatus::Bad);
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].page == 9);
  CHECK(report.problems[0].actualPage == 1);
  CHECK(report.problems[0].error == JetError::ReadPgnoVerifyFailure);
}

TEST_CASE("a damaged shadow header is recoverable from the primary; both damaged is bad") {
  auto source = test::corpusFile("plaso/Catalog1.edb");
  if (!source) return;
  const auto dir = test::tempDir("tools-shadow");
  const std::vector<uint8_t> original = test::readFile(*source);
  std::vector<uint8_t> bytes = original;
  flip(bytes, 4096 + 100, 2);  // inside the shadow copy (page 1 of the file, 4 KiB pages)
  writeBytes(dir / "Catalog1.edb", bytes);
  VerifyOptions options = twoThreads();
  options.fixOutput = dir / "fixed.edb";
  const FileReport report = verifyFile(dir / "Catalog1.edb", options);
  CHECK(report.status == VerifyStatus::Corrected);
  REQUIRE_FALSE(report.problems.empty());
  CHECK(report.problems[0].area == "shadow header");
  CHECK(report.problems[0].fileOffset == 4096);
  CHECK(test::readFile(dir / "fixed.edb") == original);

  flip(bytes, 100, 2);  // now the primary too
  writeBytes(dir / "Catalog1.edb", bytes);
  const FileReport both = verifyFile(dir / "Catalog1.edb", twoThreads());
  CHECK(both.status == VerifyStatus::Bad);
  REQUIRE_FALSE(both.problems.empty());
  CHECK(both.problems[0].error == JetError::ReadVerifyFailure);
  CHECK(both.problems[0].fileOffset == 0);
}

TEST_CASE("one flipped bit in a log segment is corrected at its sector and bit; two bits are corruption") {
  auto source = test::corpusFile("museum/SRUM/Win10/RathbunVM/Clean/SRU00004.log");
  if (!source) return;
  const auto dir = test::tempDir("tools-log-bits");
  const std::vector<uint8_t> original = test::readFile(*source);
  std::vector<uint8_t> bytes = original;
  const uint32_t sector = 5;
  flip(bytes, sector * 4096 + 1234, 4);
  writeBytes(dir / "SRU00004.log", bytes);
  VerifyOptions options = twoThreads();
  options.fixOutput = dir / "fixed.log";
  const FileReport report = verifyFile(dir / "SRU00004.log", options);
  CHECK(report.status == VerifyStatus::Corrected);
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].sector == sector);
  REQUIRE(report.problems[0].bits.size() == 1);
  CHECK(report.problems[0].bits[0].pageOffset == 1234);
  CHECK(report.problems[0].bits[0].bit == 4);
  CHECK(report.problems[0].bits[0].fileOffset == sector * 4096 + 1234);
  CHECK(test::readFile(dir / "fixed.log") == original);

  flip(bytes, sector * 4096 + 3000, 0);
  writeBytes(dir / "SRU00004.log", bytes);
  const FileReport bad = verifyFile(dir / "SRU00004.log", twoThreads());
  CHECK(bad.status == VerifyStatus::Bad);
  REQUIRE(bad.problems.size() == 1);
  CHECK(bad.problems[0].sector == sector);
  CHECK(bad.problems[0].fileOffset == sector * 4096);
  CHECK(bad.problems[0].error == JetError::LogFileCorrupt);
  if (auto cli = runCli("verify " + quoted((dir / "SRU00004.log").string()))) {
    CHECK(cli->exitCode == 2);
    CHECK(contains(cli->output, "sector 5"));
    CHECK(contains(cli->output, "JET_errLogFileCorrupt (-501)"));
  }

  // A damaged log header (no shadow copy exists) is bad, still reported as a log.
  bytes = original;
  flip(bytes, 100, 2);
  writeBytes(dir / "SRU00004.log", bytes);
  const FileReport header = verifyFile(dir / "SRU00004.log", {});
  CHECK(header.kind == "log");
  CHECK(header.status == VerifyStatus::Bad);
  REQUIRE(header.problems.size() == 1);
  CHECK(header.problems[0].fileOffset == 0);
  CHECK(header.problems[0].error == JetError::LogFileCorrupt);
}

TEST_CASE("a damaged checkpoint copy is recovered from the other one") {
  auto source = test::corpusFile("museum/SRUM/Win10/RathbunVM/Clean/SRU.chk");
  if (!source) return;
  const auto dir = test::tempDir("tools-chk");
  const std::vector<uint8_t> original = test::readFile(*source);
  std::vector<uint8_t> bytes = original;
  flip(bytes, 4096 + 20, 0);  // copy 2, inside signLog
  writeBytes(dir / "SRU.chk", bytes);
  VerifyOptions options;
  options.fixOutput = dir / "fixed.chk";
  const FileReport report = verifyFile(dir / "SRU.chk", options);
  CHECK(report.status == VerifyStatus::Corrected);
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].area == "checkpoint copy 2");
  CHECK(report.problems[0].fileOffset == 4096);
  CHECK(test::readFile(dir / "fixed.chk") == original);

  flip(bytes, 20, 0);  // and copy 1
  writeBytes(dir / "SRU.chk", bytes);
  const FileReport bad = verifyFile(dir / "SRU.chk", {});
  CHECK(bad.status == VerifyStatus::Bad);
  REQUIRE(bad.problems.size() == 2);
  CHECK(bad.problems[0].error == JetError::CheckpointCorrupt);
}

TEST_CASE("flush map: a flipped bit in a map page is corrected, in the header it is bad") {
  auto source = test::corpusFile("museum/SRUM/Win10/RathbunVM/Clean/SRUDB.jfm");
  if (!source) return;
  const auto dir = test::tempDir("tools-jfm");
  const std::vector<uint8_t> original = test::readFile(*source);
  std::vector<uint8_t> bytes = original;
  flip(bytes, 8192 + 100, 3);
  writeBytes(dir / "SRUDB.jfm", bytes);
  VerifyOptions options;
  options.fixOutput = dir / "fixed.jfm";
  const FileReport report = verifyFile(dir / "SRUDB.jfm", options);
  CHECK(report.status == VerifyStatus::Corrected);
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].bits.at(0).fileOffset == 8192 + 100);
  CHECK(test::readFile(dir / "fixed.jfm") == original);

  bytes = original;
  flip(bytes, 200, 1);
  writeBytes(dir / "SRUDB.jfm", bytes);
  const FileReport bad = verifyFile(dir / "SRUDB.jfm", {});
  CHECK(bad.status == VerifyStatus::Bad);
}

TEST_CASE("truncated, empty and random files are errors naming the file and the offset") {
  auto source = test::corpusFile("museum/SRUM/Win10/RathbunVM/Clean/SRUDB.dat");
  auto log = test::corpusFile("museum/SRUM/Win10/RathbunVM/Clean/SRU.log");
  if (!source || !log) return;
  const auto dir = test::tempDir("tools-truncated");
  std::vector<uint8_t> database = test::readFile(*source);
  database.resize(50 * 4096 + 1000);  // mid-page
  writeBytes(dir / "cut.edb", database);
  std::vector<uint8_t> logBytes = test::readFile(*log);
  logBytes.resize(3 * 4096 + 17);
  writeBytes(dir / "cut.log", logBytes);
  writeBytes(dir / "tiny.edb", std::vector<uint8_t>(database.begin(), database.begin() + 300));
  writeBytes(dir / "empty.edb", {});
  std::vector<uint8_t> random(65536);
  std::mt19937 generator(12345);
  for (auto& b : random) b = static_cast<uint8_t>(generator());
  writeBytes(dir / "random.edb", random);
  writeBytes(dir / "random.bin", random);

  const FileReport cut = verifyFile(dir / "cut.edb", twoThreads());
  CHECK(cut.status == VerifyStatus::Error);
  REQUIRE_FALSE(cut.problems.empty());
  CHECK(cut.problems.back().fileOffset == 50 * 4096);
  const FileReport cutLog = verifyFile(dir / "cut.log", {});
  CHECK(cutLog.status == VerifyStatus::Error);
  CHECK(cutLog.error.code() == JetError::LogFileSizeMismatch);
  const FileReport tiny = verifyFile(dir / "tiny.edb", {});
  CHECK(tiny.status == VerifyStatus::Error);
  CHECK(tiny.problems.at(0).fileOffset == 300);
  const FileReport empty = verifyFile(dir / "empty.edb", {});
  CHECK(empty.status == VerifyStatus::Error);
  CHECK(empty.problems.at(0).fileOffset == 0);
  const FileReport randomReport = verifyFile(dir / "random.edb", {});
  CHECK(randomReport.status == VerifyStatus::Error);
  CHECK(randomReport.error.code() == JetError::FileInvalidType);
  CHECK(randomReport.problems.at(0).fileOffset == 667);

  if (auto cli = runCli("verify " + quoted((dir / "cut.edb").string()))) {
    CHECK(cli->exitCode == 2);
    CHECK(contains(cli->output, "cut.edb:"));
    CHECK(contains(cli->output, "offset"));
    CHECK(contains(cli->output, "JET_err"));
  }
  for (const char* name : {"tiny.edb", "empty.edb", "random.edb", "random.bin", "cut.log"}) {
    auto cli = runCli("verify " + quoted((dir / name).string()));
    if (!cli) break;
    INFO(name << ": " << cli->output);
    CHECK(cli->exitCode == 2);
    // One line: status, file, offset, reason, JET error name and number.
    CHECK(std::count(cli->output.begin(), cli->output.end(), '\n') == 1);
    CHECK(contains(cli->output, std::string(name) + ":"));
    CHECK(contains(cli->output, "offset"));
    CHECK(contains(cli->output, "JET_err"));
    CHECK(contains(cli->output, "(-"));
  }
  // A directory walk skips non-ESE files without an ESE name, but not those that claim one.
  if (auto cli = runCli("verify --json " + quoted(dir.string()))) {
    CHECK(cli->exitCode == 2);
    CHECK(contains(cli->output, "random.bin\",\"kind\":\"unknown\",\"status\":\"skipped\""));
    CHECK(contains(cli->output, "random.edb\",\"kind\":\"unknown\",\"status\":\"error\""));
    size_t lines = 0;
    size_t start = 0;
    for (size_t end; (end = cli->output.find('\n', start)) != std::string::npos; start = end + 1) {
      CHECK(isValidJson(cli->output.substr(start, end - start)));
      ++lines;
    }
    CHECK(lines == 6);
  }
}

TEST_CASE("--fix refuses to overwrite the input and usage errors exit 64") {
  auto source = test::corpusFile("museum/SRUM/Win10/RathbunVM/Clean/SRU.chk");
  if (!source) return;
  const auto dir = test::tempDir("tools-fix-input");
  const std::vector<uint8_t> original = test::readFile(*source);
  writeBytes(dir / "SRU.chk", original);
  if (auto cli = runCli("verify " + quoted((dir / "SRU.chk").string()) + " --fix " + quoted((dir / "SRU.chk").string()))) {
    CHECK(cli->exitCode == 2);
    CHECK(contains(cli->output, "refusing to overwrite the input"));
    CHECK(test::readFile(dir / "SRU.chk") == original);
  }
  if (auto cli = runCli("verify")) CHECK(cli->exitCode == 64);
  if (auto cli = runCli("frobnicate x")) CHECK(cli->exitCode == 64);
  if (auto cli = runCli("verify --help")) {
    CHECK(cli->exitCode == 0);
    CHECK(contains(cli->output, "--fix"));
  }
}
