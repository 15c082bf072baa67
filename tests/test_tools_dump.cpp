// `esekit dump ...` through the binary ($ESEKIT_CLI): text and JSON forms,
// JSON validity (own checker and python3 -m json.tool when available),
// values INVENTORY.md lists, wrong-kind and out-of-range errors, --help.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "corpus.h"
#include "json_writer.h"

using namespace esekit;

namespace {

struct CliResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::optional<CliResult> runCli(const std::string& arguments) {
  const char* cli = std::getenv("ESEKIT_CLI");
  if (cli == nullptr || *cli == '\0') {
    MESSAGE("ESEKIT_CLI not set (run through ctest): CLI checks skipped");
    return std::nullopt;
  }
  static const auto dir = test::tempDir("tools-dump-cli");
  const auto errPath = dir / "stderr.txt";
  CliResult result;
  FILE* pipe = ::popen((quoted(cli) + " " + arguments + " 2>" + quoted(errPath.string())).c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, got);
  const int status = ::pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(errPath);
  result.err.assign(std::istreambuf_iterator<char>(err), {});
  return result;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Independent check with python's parser where python3 exists.
void checkWithPython(const std::string& json) {
  if (std::system("python3 -c 'pass' >/dev/null 2>&1") != 0) return;
  static const auto dir = test::tempDir("tools-dump-json");
  const auto path = dir / "out.json";
  std::ofstream(path) << json;
  CHECK_MESSAGE(std::system(("python3 -m json.tool " + quoted(path.string()) + " >/dev/null").c_str()) == 0,
                "python3 -m json.tool rejects: " << json.substr(0, 200));
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    out.push_back(text.substr(start, end - start));
  }
  return out;
}

std::string corpusPath(const char* relative) {
  auto path = test::corpusFile(relative);
  return path ? path->string() : std::string();
}

}  // namespace

TEST_CASE("dump header --json: valid JSON with the values INVENTORY.md lists") {
  const std::string path = corpusPath("plaso/Catalog1.edb");
  if (path.empty()) return;
  auto cli = runCli("dump header --json " + quoted(path));
  if (!cli) return;
  CHECK(cli->exitCode == 0);
  const std::string json = cli->out.substr(0, cli->out.size() - 1);
  CHECK(cli->out.back() == '\n');
  CHECK(tools::isValidJson(json));
  checkWithPython(json);
  // INVENTORY: page size 4096, CleanShutdown, fmt 0x620 rev 0x14, dbtime 51536.
  CHECK(contains(json, "\"kind\":\"database\""));
  CHECK(contains(json, "\"cbDbPage\":4096"));
  CHECK(contains(json, "\"dbtime\":51536"));
  CHECK(contains(json, "\"state\":\"Clean Shutdown\""));
  CHECK(contains(json, "\"formatVersion\":\"0x620,20\""));
  CHECK(contains(json, "\"copies\":{"));

  auto text = runCli("dump header " + quoted(path));
  REQUIRE(text);
  CHECK(text->exitCode == 0);
  CHECK(contains(text->out, "Clean Shutdown"));
}

TEST_CASE("dump checkpoint --json: generation and position INVENTORY.md lists") {
  const std::string path = corpusPath("datastore-dcheva/DataStore/Logs/edb.chk");
  if (path.empty()) return;
  auto cli = runCli("dump checkpoint --json " + quoted(path));
  if (!cli) return;
  CHECK(cli->exitCode == 0);
  CHECK(tools::isValidJson(cli->out.substr(0, cli->out.size() - 1)));
  checkWithPython(cli->out);
  // INVENTORY: checkpoint gen 91 (0x5B) sector 168 byte 0.
  CHECK(contains(cli->out, "\"generation\":91"));
  CHECK(contains(cli->out, "\"checkpoint\":\"(0000005B,00A8,0000)\""));
}

TEST_CASE("dump log --json: header and scan summary") {
  const std::string path = corpusPath("cortana-akarib/Indexed DB/edb.log");
  if (path.empty()) return;
  auto cli = runCli("dump log --json " + quoted(path));
  if (!cli) return;
  CHECK(cli->exitCode == 0);
  CHECK(tools::isValidJson(cli->out.substr(0, cli->out.size() - 1)));
  checkWithPython(cli->out);
  // INVENTORY: gen 8, log ver 8.4000.5.16, 128 sectors.
  CHECK(contains(cli->out, "\"generation\":8"));
  CHECK(contains(cli->out, "\"version\":\"8.4000.5.16\""));
  CHECK(contains(cli->out, "\"scan\":{"));
}

TEST_CASE("dump records: one line / one JSON object per record, in log order") {
  const std::string path = corpusPath("museum/SRUM/Win10/RathbunVM/Clean/SRU.log");
  if (path.empty()) return;
  auto json = runCli("dump records --json " + quoted(path));
  auto text = runCli("dump records " + quoted(path));
  if (!json || !text) return;
  CHECK(json->exitCode == 0);
  CHECK(text->exitCode == 0);
  const auto jsonLines = lines(json->out);
  const auto textLines = lines(text->out);
  REQUIRE(jsonLines.size() > 100);
  CHECK(jsonLines.size() == textLines.size());
  for (const std::string& line : jsonLines) CHECK(tools::isValidJson(line));
  checkWithPython("[" + [&] {
    std::string joined;
    for (const auto& line : jsonLines) joined += (joined.empty() ? "" : ",") + line;
    return joined;
  }() + "]");
  // The first record starts right after the 40-byte segment header of
  // sector 1 of generation 9 (log-format.md §5.1, §7).
  CHECK(jsonLines.front().rfind("{\"lgpos\":\"(00000009,0001,0028)\",\"generation\":9,\"sector\":1,\"byte\":40,", 0) == 0);
  // A clean current log ends with ShutDownMark ... Term2 (INVENTORY / log-format.md §6).
  CHECK(contains(jsonLines.back(), "\"type\":\"Term2\""));
  CHECK(contains(textLines.back(), "type=Term2"));
  CHECK(textLines.front().rfind("(00000009,0001,0028) type=", 0) == 0);
}

TEST_CASE("dump page --json: the database root page") {
  const std::string path = corpusPath("plaso/Catalog1.edb");
  if (path.empty()) return;
  auto cli = runCli("dump page 1 --json " + quoted(path));
  if (!cli) return;
  CHECK(cli->exitCode == 0);
  CHECK(tools::isValidJson(cli->out.substr(0, cli->out.size() - 1)));
  checkWithPython(cli->out);
  // pgno 1 = system root, objid 1 (page-format.md §1), at offset 2 * 4096.
  CHECK(contains(cli->out, "\"page_number\":1,\"offset\":8192,\"page_size\":4096"));
  CHECK(contains(cli->out, "\"checksum\":{\"status\":\"ok\""));
  CHECK(contains(cli->out, "\"objectId\":1,"));
  CHECK(contains(cli->out, "Root"));

  auto text = runCli("dump page 1 " + quoted(path));
  REQUIRE(text);
  CHECK(text->exitCode == 0);
  CHECK(contains(text->out, "page 1 at offset 8192"));
}

TEST_CASE("dump verbs refuse other kinds of files and pages beyond the end") {
  const std::string log = corpusPath("museum/SRUM/Win10/RathbunVM/Clean/SRU.log");
  const std::string database = corpusPath("plaso/Catalog1.edb");
  const std::string text = corpusPath("museum/SRUM/Win10/RathbunVM/Clean/SRUDB.INTEG.RAW");
  if (log.empty() || database.empty() || text.empty()) return;
  auto header = runCli("dump header " + quoted(log));
  if (!header) return;
  CHECK(header->exitCode == 2);
  CHECK(header->out.empty());
  CHECK(contains(header->err, "not a database"));
  CHECK(contains(header->err, "esekit dump log"));
  CHECK(contains(header->err, "JET_errFileInvalidType (-1812)"));

  auto records = runCli("dump records " + quoted(database));
  REQUIRE(records);
  CHECK(records->exitCode == 2);
  CHECK(contains(records->err, "not a log file"));

  auto checkpoint = runCli("dump checkpoint " + quoted(text));
  REQUIRE(checkpoint);
  CHECK(checkpoint->exitCode == 2);
  CHECK(contains(checkpoint->err, "offset 667"));

  // Catalog1.edb: 3,153,920 bytes = 770 pages of 4 KiB, i.e. pgno 1-768.
  auto beyond = runCli("dump page 769 " + quoted(database));
  REQUIRE(beyond);
  CHECK(beyond->exitCode == 2);
  CHECK(contains(beyond->err, "page 769 at offset 3153920 is beyond the end"));
  auto last = runCli("dump page 768 " + quoted(database));
  REQUIRE(last);
  CHECK(last->exitCode == 0);

  auto missing = runCli("dump header /nonexistent/x.edb");
  REQUIRE(missing);
  CHECK(missing->exitCode == 2);
  CHECK(contains(missing->err, "JET_errFileNotFound (-1811)"));
}

TEST_CASE("--help works for every verb") {
  for (const char* verb : {"", "verify", "dump", "dump header", "dump checkpoint", "dump log", "dump page",
                           "dump records"}) {
    auto cli = runCli(std::string(verb) + " --help");
    if (!cli) return;
    INFO(verb);
    CHECK(cli->exitCode == 0);
    CHECK(contains(cli->out, "Usage"));
  }
}
