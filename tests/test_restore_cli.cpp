// `esekit validate` and `esekit restore` as a user runs them (doc/cli.md):
// exit statuses, the problem named in text and JSON, usage errors. Needs the
// esekit binary (ESEKIT_CLI, set by ctest); skips visibly without it.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/wait.h>

#include "corpus.h"

namespace {

struct Run {
  int exitCode = -1;
  std::string output;
};

std::optional<std::string> cli() {
  const char* path = std::getenv("ESEKIT_CLI");
  if (path == nullptr || *path == '\0') {
    MESSAGE("SKIPPED: ESEKIT_CLI not set (run through ctest)");
    return std::nullopt;
  }
  return std::string(path);
}

Run run(const std::string& command) {
  Run result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string quoted(const std::string& text) { return "'" + text + "'"; }

}  // namespace

TEST_CASE("esekit validate: exit status and the problem named, text and JSON") {
  auto binary = cli();
  if (!binary) return;
  auto clean = esekit::test::corpusFile("museum/SRUM/Win10/APTSimulatorVM/Clean");
  auto mixed = esekit::test::corpusFile("me5uts-appdata/IndexedDB");
  if (!clean || !mixed) return;

  const Run valid = run(*binary + " validate " + quoted(clean->string()));
  CHECK_MESSAGE(valid.exitCode == 0, valid.output);
  CHECK(valid.output.find("VALID") != std::string::npos);

  const Run invalid = run(*binary + " validate " + quoted(mixed->string()));
  CHECK(invalid.exitCode == 2);
  CHECK(invalid.output.find("JET_errBadLogSignature (-530)") != std::string::npos);
  CHECK(invalid.output.find("edb0000D.log") != std::string::npos);

  const Run json = run(*binary + " validate --json " + quoted(mixed->string()));
  CHECK(json.exitCode == 2);
  CHECK(json.output.rfind("{", 0) == 0);
  CHECK(json.output.find("\"verdict\":\"invalid\"") != std::string::npos);
  CHECK(json.output.find("\"error\":\"JET_errBadLogSignature\"") != std::string::npos);
  CHECK(json.output.find("\"generation\":13") != std::string::npos);

  CHECK(run(*binary + " validate").exitCode == 64);
}

TEST_CASE("esekit restore: usage errors and refused input") {
  auto binary = cli();
  if (!binary) return;
  auto mixed = esekit::test::corpusFile("me5uts-appdata/IndexedDB");
  if (!mixed) return;
  CHECK(run(*binary + " restore /only-one-path").exitCode == 64);
  const std::filesystem::path target = esekit::test::tempDir("restore_cli") / "target";
  CHECK(run(*binary + " restore " + quoted(mixed->string()) + " " + quoted(target.string()) + " --until yesterday")
            .exitCode == 64);
  const Run refused = run(*binary + " restore --json " + quoted(mixed->string()) + " " + quoted(target.string()));
  CHECK(refused.exitCode == 2);
  CHECK(refused.output.find("\"error\":\"JET_errBadLogSignature\"") != std::string::npos);
  CHECK(!std::filesystem::exists(target));
}
