// `esekit integrity DB... [--json] [--quiet]`: exit codes, text and JSON on
// clean, leaky, damaged, gzipped and non-database files (doc/cli.md).
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "corpus.h"
#include "esekit/format/checksum.h"
#include "integrity_command.h"
#include "json_writer.h"
#include "verify_command.h"

using namespace esekit;

namespace {

struct Run {
  int exitCode = -1;
  std::string out;
};

Run run(std::vector<std::string> paths, bool json = false, bool quiet = false) {
  tools::IntegrityCommandOptions options;
  options.paths = std::move(paths);
  options.json = json;
  options.quiet = quiet;
  std::ostringstream out, err;
  Run result;
  result.exitCode = tools::runIntegrity(options, out, err);
  result.out = out.str();
  return result;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// basic.edb with the catalog's first leaf's pgnoNext broken, re-checksummed;
// written below tempDir(). Empty when there is no corpus.
std::string damagedCopy() {
  auto path = test::corpusFile("dissect-esedb/basic.edb");
  if (!path) return {};
  std::vector<uint8_t> bytes = test::readFile(*path);
  const size_t pageSize = 4096;
  auto page = [&](uint32_t pgno) { return MutableBytes(bytes).subspan((size_t{pgno} + 1) * pageSize, pageSize); };
  // Catalog root (pgno 4): its first node's data is the first leaf (page-format.md §5).
  const MutableBytes root = page(4);
  const uint16_t firstTagOffset = loadLittleEndian<uint16_t>(root.data() + pageSize - 8 + 2) & 0x1FFF;
  const uint16_t firstTagSize = loadLittleEndian<uint16_t>(root.data() + pageSize - 8) & 0x1FFF;
  const uint32_t leaf = loadLittleEndian<uint32_t>(root.data() + 40 + firstTagOffset + firstTagSize - 4);
  const uint32_t wrong = 200;
  std::memcpy(page(leaf).data() + 20, &wrong, 4);
  checksum::setPageChecksum(page(leaf), leaf);
  const auto out = test::tempDir("tools-integrity") / "damaged.edb";
  std::ofstream(out, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return out.string();
}

}  // namespace

TEST_CASE("a clean database: exit 0, one 'ok' line") {
  auto path = test::corpusFile("dissect-esedb/basic.edb");
  if (!path) return;
  const Run r = run({path->string()});
  CHECK(r.exitCode == tools::kExitOk);
  const auto out = lines(r.out);
  REQUIRE(out.size() == 1);
  CHECK(contains(out[0], path->string() + ": ok ("));
  CHECK(contains(out[0], "page size 4096"));
  // --quiet prints nothing for it.
  CHECK(run({path->string()}, false, true).out.empty());
}

TEST_CASE("leaked pages are warnings: exit 0, 'ok with N warnings' and one line per warning") {
  auto path = test::corpusFile("museum/SRUM/Win10/RathbunVM/Clean/SRUDB.dat");
  if (!path) return;
  const Run r = run({path->string()});
  CHECK(r.exitCode == tools::kExitOk);
  const auto out = lines(r.out);
  REQUIRE(out.size() == 11);
  CHECK(contains(out[0], ": ok with 10 warnings"));
  CHECK(contains(out[1], "warning"));
  CHECK(contains(out[1], "page 47"));
  CHECK(contains(out[1], "leaked page"));
}

TEST_CASE("a damaged database: exit 2, 'corrupt' with the problem's page, in text and JSON") {
  const std::string damaged = damagedCopy();
  if (damaged.empty()) return;
  const Run text = run({damaged});
  CHECK(text.exitCode == tools::kExitBad);
  const auto out = lines(text.out);
  REQUIRE(out.size() >= 2);
  CHECK(contains(out[0], damaged + ": corrupt: "));
  CHECK(contains(text.out, "error JET_errBadPageLink (-327) page "));
  CHECK(contains(text.out, "pgnoNext is 200"));
  // --quiet still shows it.
  CHECK(run({damaged}, false, true).out == text.out);

  const Run json = run({damaged}, true);
  CHECK(json.exitCode == tools::kExitBad);
  const auto jsonLines = lines(json.out);
  REQUIRE(jsonLines.size() == 1);
  CHECK(tools::isValidJson(jsonLines[0]));
  CHECK(contains(jsonLines[0], "\"status\":\"corrupt\""));
  CHECK(contains(jsonLines[0], "\"ok\":false"));
  CHECK(contains(jsonLines[0], "\"error\":\"JET_errBadPageLink\""));
  CHECK(contains(jsonLines[0], "\"code\":-327"));
  CHECK(contains(jsonLines[0], "pgnoNext is 200"));
}

TEST_CASE("several databases: one verdict each, exit 2 when any is corrupt") {
  auto clean = test::corpusFile("dissect-esedb/basic.edb");
  const std::string damaged = damagedCopy();
  if (!clean || damaged.empty()) return;
  const Run r = run({clean->string(), damaged}, true);
  CHECK(r.exitCode == tools::kExitBad);
  const auto out = lines(r.out);
  REQUIRE(out.size() == 2);
  CHECK(contains(out[0], "\"status\":\"ok\""));
  CHECK(contains(out[1], "\"status\":\"corrupt\""));
  for (const std::string& line : out) CHECK(tools::isValidJson(line));
}

TEST_CASE("gzip, non-database and missing files are errors (exit 2)") {
  auto gz = test::corpusFile("dissect-esedb/large.edb.gz");
  auto log = test::corpusFile("cortana-akarib/Indexed DB/edb.log");
  if (!gz || !log) return;
  Run r = run({gz->string()});
  CHECK(r.exitCode == tools::kExitBad);
  CHECK(contains(r.out, "JET_errFileInvalidType (-1812): gzip-compressed data: decompress it first"));
  r = run({log->string()});
  CHECK(r.exitCode == tools::kExitBad);
  CHECK(contains(r.out, "not a database but a "));
  r = run({"/nonexistent/x.edb"}, true);
  CHECK(r.exitCode == tools::kExitBad);
  CHECK(contains(r.out, "\"status\":\"error\""));
  CHECK(contains(r.out, "JET_errFileNotFound"));
  CHECK(tools::isValidJson(lines(r.out).at(0)));
}

TEST_CASE("the binary: usage errors exit 64") {
  const char* cli = std::getenv("ESEKIT_CLI");
  if (cli == nullptr || *cli == '\0') {
    MESSAGE("ESEKIT_CLI not set (run through ctest): CLI checks skipped");
    return;
  }
  const int status = std::system((std::string("'") + cli + "' integrity >/dev/null 2>&1").c_str());
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == tools::kExitUsage);
  const int bad = std::system((std::string("'") + cli + "' integrity --nope x >/dev/null 2>&1").c_str());
  CHECK(WEXITSTATUS(bad) == tools::kExitUsage);
}
