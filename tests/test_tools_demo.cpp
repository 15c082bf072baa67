// `esekit demo` and `esekit recover` (doc/cli.md) run as a user runs them:
// the binary CTest names in ESEKIT_CLI.
#include <doctest/doctest.h>
#include <signal.h>

#include "corpus.h"
#include "e2e/engine_harness.h"
#include "json_writer.h"

using namespace esekit;
using namespace esekit::test;

namespace {

std::vector<std::string> linesStartingWith(const std::string& output, const std::string& prefix) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) lines.push_back(line);
  return lines;
}

engine::InstanceOptions optionsFor(const fs::path& root) {
  engine::InstanceOptions o;
  o.logDirectory = root / "logs";
  o.pageSize = 16384;
  o.logFileSize = 128 * 1024;
  o.circularLogging = true;
  return o;
}

ByteString valueOf(uint32_t n) {
  Random random(n);
  ByteString v(n % 4 == 0 ? 3000 : 100);
  random.fill(v);
  return v;
}

}  // namespace

TEST_CASE("esekit demo runs the engine end to end and prints its summary") {
  const auto cli = cliPath();
  if (!cli) return;
  const fs::path dir = tempDir("tools-demo") / "demo";
  const CommandResult r = runCommand(shellQuote(*cli) + " demo " + shellQuote(dir.string()) + " --seconds 2 --threads 3");
  INFO(r.output);
  CHECK(r.exitCode == 0);
  for (const char* prefix : {"operations: ", "transactions: ", "log: ", "database: demo.edb ", "reopen: ", "elapsed: "})
    CHECK_MESSAGE(linesStartingWith(r.output, prefix).size() == 1, prefix);
  CHECK(linesStartingWith(r.output, "result: ok").size() == 1);
  // Every file of the instance was verified, and all are ok.
  const auto verified = linesStartingWith(r.output, "verify: ");
  CHECK(verified.size() >= 3);  // database, current log, checkpoint at least
  for (const std::string& line : verified) CHECK_MESSAGE(line.find(" ok (") != std::string::npos, line);
  CHECK(r.output.find("verify: demo.edb ok (database)") != std::string::npos);
  CHECK(r.output.find("verify: logs/edb.log ok (log)") != std::string::npos);
  CHECK(r.output.find("reopen: Events ") != std::string::npos);
  CHECK(linesStartingWith(r.output, "reopen: ")[0].find(": ok") != std::string::npos);
  // Numbers are there: some commits, some inserts.
  CHECK(linesStartingWith(r.output, "transactions: 0 commits").empty());
  CHECK(fs::exists(dir / "demo.edb"));
  CHECK(*databaseState(dir / "demo.edb") == DatabaseState::CleanShutdown);

  // Again into the same directory: refused, nothing touched.
  const uint64_t before = fileHash(dir / "demo.edb");
  const CommandResult again = runCommand(shellQuote(*cli) + " demo " + shellQuote(dir.string()) + " --seconds 1");
  CHECK(again.exitCode == 64);
  CHECK(fileHash(dir / "demo.edb") == before);
}

TEST_CASE("esekit demo --json with an operation count and 32 KiB pages") {
  const auto cli = cliPath();
  if (!cli) return;
  const fs::path dir = tempDir("tools-demo-json");
  const CommandResult r = runCommand(shellQuote(*cli) + " demo " + shellQuote((dir / "d").string()) +
                                     " --operations 2000 --threads 2 --page-size 32 --json 2>/dev/null");
  INFO(r.output);
  CHECK(r.exitCode == 0);
  std::string json = r.output;
  while (!json.empty() && (json.back() == '\n')) json.pop_back();
  CHECK(tools::isValidJson(json));
  CHECK(json.find("\"result\":\"ok\"") != std::string::npos);
  CHECK(json.find("\"pageSize\":32768") != std::string::npos);
  const CommandResult usage = runCommand(shellQuote(*cli) + " demo " + shellQuote((dir / "e").string()) + " --page-size 12");
  CHECK(usage.exitCode == 64);
}

TEST_CASE("esekit recover: a clean instance needs nothing; a killed one is recovered with its commits") {
  const auto cli = cliPath();
  if (!cli) return;
  const fs::path root = tempDir("tools-recover");
  {
    auto instance = engine::Instance::open(optionsFor(root));
    REQUIRE(instance.isOk());
    auto db = (*instance)->createDatabase(root / "r.edb");
    REQUIRE(db.isOk());
    REQUIRE(db->createTable("T").isOk());
    REQUIRE((*instance)->shutdown().isOk());
  }
  const std::string logs = shellQuote((root / "logs").string());
  const CommandResult clean = runCommand(shellQuote(*cli) + " recover " + logs);
  INFO(clean.output);
  CHECK(clean.exitCode == 0);
  CHECK(clean.output.find("recovery: not needed") != std::string::npos);
  CHECK(clean.output.find("shutdown: clean") != std::string::npos);

  // A child commits durably, then is killed in the middle of a transaction.
  const int status = runInChild([&]() -> int {
    auto instance = engine::Instance::open(optionsFor(root));
    if (!instance.isOk()) childFail(instance.status().toString());
    auto db = (*instance)->attachDatabase(root / "r.edb");
    if (!db.isOk()) childFail(db.status().toString());
    auto table = db->openTable("T");
    auto session = (*instance)->beginSession();
    for (uint32_t n = 0; n < 200; ++n) {
      const ByteString key = bytesOf("key" + std::to_string(1000 + n));
      if (!(*session)->put(*table, key, valueOf(n)).isOk()) childFail("put");
    }
    if (!(*session)->begin().isOk()) childFail("begin");
    (void)(*session)->put(*table, bytesOf("uncommitted"), bytesOf("x"));
    ::kill(::getpid(), SIGKILL);
    return 1;
  });
  REQUIRE(status == -SIGKILL);
  CHECK(*databaseState(root / "r.edb") == DatabaseState::DirtyShutdown);

  const CommandResult json = runCommand(shellQuote(*cli) + " recover " + logs + " --json");
  INFO(json.output);
  CHECK(json.exitCode == 0);
  std::string line = json.output;
  while (!line.empty() && line.back() == '\n') line.pop_back();
  CHECK(tools::isValidJson(line));
  CHECK(line.find("\"ran\":true") != std::string::npos);
  CHECK(line.find("\"status\":\"ok\"") != std::string::npos);
  CHECK(*databaseState(root / "r.edb") == DatabaseState::CleanShutdown);

  const CommandResult after = runCommand(shellQuote(*cli) + " recover " + logs);
  CHECK(after.exitCode == 0);
  CHECK(after.output.find("recovery: not needed") != std::string::npos);

  // Every committed row is there, the uncommitted one is not.
  auto instance = engine::Instance::open(optionsFor(root));
  REQUIRE_MESSAGE(instance.isOk(), instance.status().toString());
  auto db = (*instance)->attachDatabase(root / "r.edb");
  REQUIRE_MESSAGE(db.isOk(), db.status().toString());
  auto session = (*instance)->beginSession();
  auto rows = readTable(**session, *db->openTable("T"));
  REQUIRE(rows.isOk());
  TableModel expected;
  for (uint32_t n = 0; n < 200; ++n)
    expected[bytesOf("key" + std::to_string(1000 + n))] = std::make_shared<const ByteString>(valueOf(n));
  CHECK(compareRows(expected, *rows) == "");
  session->reset();
  REQUIRE((*instance)->shutdown().isOk());

  // A directory without ESE files is an error naming it (recover --target for
  // Windows sets is tested in tests/test_restore_windows_*.cpp).
  const CommandResult missing = runCommand(shellQuote(*cli) + " recover " + shellQuote((root / "nothing").string()));
  CHECK(missing.exitCode == 2);
  CHECK(missing.output.find("JET_err") != std::string::npos);
}
