// Shared by tests/test_restore_windows_*.cpp: running `esekit recover DIR
// --target OUT --json` on a corpus set, and checks on what it leaves.
#pragma once

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "corpus.h"
#include "esekit/format/checksum.h"
#include "esekit/format/database_header.h"
#include "esekit/format/integrity.h"
#include "esekit/format/page.h"

namespace esekit::test::windows {

namespace fs = std::filesystem;

inline std::string cli() {
  const char* path = std::getenv("ESEKIT_CLI");
  return path ? path : "esekit";
}

struct CommandResult {
  int exitCode = -1;
  std::string output;
};

inline CommandResult runCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, got);
  const int status = ::pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string quote(const fs::path& path) {
  std::string quoted(1, '\'');
  quoted.append(path.string()).push_back('\'');
  return quoted;
}

// A string field of the one-line JSON object the command prints.
inline std::string jsonString(const std::string& json, const std::string& key) {
  std::string marker = "\"";
  marker.append(key).append("\":\"");
  const size_t at = json.find(marker);
  if (at == std::string::npos) return {};
  const size_t start = at + marker.size();
  return json.substr(start, json.find('"', start) - start);
}
inline long long jsonNumber(const std::string& json, const std::string& key) {
  std::string marker = "\"";
  marker.append(key).append("\":");
  const size_t at = json.find(marker);
  if (at == std::string::npos) return -1;
  return std::atoll(json.c_str() + at + marker.size());
}

// Content and modification time of every file of a directory (the
// evidence must not change).
struct FileState {
  std::vector<uint8_t> bytes;
  int64_t mtimeNanoseconds = 0;
};
inline std::map<std::string, FileState> snapshot(const fs::path& directory) {
  std::map<std::string, FileState> files;
  for (const auto& entry : fs::recursive_directory_iterator(directory)) {
    if (!entry.is_regular_file()) continue;
    struct stat info {};
    REQUIRE(::stat(entry.path().c_str(), &info) == 0);
    files[entry.path().string()] =
        FileState{readFile(entry.path()), int64_t{info.st_mtim.tv_sec} * 1000000000 + info.st_mtim.tv_nsec};
  }
  return files;
}
inline void checkUnchanged(const std::map<std::string, FileState>& before, const fs::path& directory) {
  const auto after = snapshot(directory);
  REQUIRE(after.size() == before.size());
  for (const auto& [path, state] : before) {
    CAPTURE(path);
    const auto found = after.find(path);
    REQUIRE(found != after.end());
    CHECK(found->second.bytes == state.bytes);
    CHECK(found->second.mtimeNanoseconds == state.mtimeNanoseconds);
  }
}

// What a recovered database must satisfy: clean header at `end`, every
// page that is not all zero verifies, and the structural check passes.
inline void checkRecoveredDatabase(const fs::path& database, const std::string& end) {
  CAPTURE(database);
  const std::vector<uint8_t> image = readFile(database);
  auto read = readDatabaseHeader(image);
  REQUIRE_MESSAGE(read.isOk(), read.status().toString());
  const DatabaseHeader& header = read->header;
  CHECK(header.state == DatabaseState::CleanShutdown);
  CHECK(header.consistentPosition.toString() == end);
  CHECK(header.minRequiredGeneration == 0);
  CHECK(header.maxRequiredGeneration == 0);
  const uint32_t pageSize = header.pageSize();
  REQUIRE(pageSize != 0);
  size_t bad = 0, checked = 0;
  uint32_t firstBad = 0;
  for (size_t offset = 2 * size_t{pageSize}; offset + pageSize <= image.size(); offset += pageSize) {
    const Bytes page(image.data() + offset, pageSize);
    if (page::isAllZero(page)) continue;
    const uint32_t pgno = static_cast<uint32_t>(offset / pageSize - 1);
    ++checked;
    if (checksum::checkPage(page, pgno).verdict != checksum::PageChecksumCheck::Verdict::Ok && bad++ == 0)
      firstBad = pgno;
  }
  CHECK(checked > 0);
  CHECK_MESSAGE(bad == 0, bad, " pages do not verify, first pgno ", firstBad);
  auto integrity = integrity::checkIntegrity(image);
  REQUIRE_MESSAGE(integrity.isOk(), integrity.status().toString());
  std::string first;
  if (!integrity->problems.empty()) first = integrity->problems.front().toString();
  CHECK_MESSAGE(integrity->errors == 0, integrity::verdict(*integrity), " first: ", first);
}

}  // namespace esekit::test::windows
