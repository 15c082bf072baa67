// Shared by the end-to-end engine tests (tests/test_engine_{model,isolation,
// crash,interop,faults}.cpp) and tests/test_tools_demo.cpp: seeds, a row
// model, reading whole tables through the public API, child processes and
// file hashes. Only public headers: these tests use the engine as an
// application does.
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "esekit/engine/instance.h"
#include "esekit/format/database_header.h"
#include "../interop/database_fixtures.h"

namespace esekit::test {

namespace fs = std::filesystem;

using ByteString = std::vector<uint8_t>;
using SharedValue = std::shared_ptr<const ByteString>;
// One table's rows in engine order (memcmp, shorter first).
using TableModel = std::map<ByteString, SharedValue, ByteOrder>;
// Key and value, as a cursor walk returns them.
using TableRows = std::vector<std::pair<ByteString, ByteString>>;

inline ByteString bytesOf(const std::string& text) { return ByteString(text.begin(), text.end()); }

inline uint64_t envNumber(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  return std::strtoull(text, nullptr, 0);
}

// ESEKIT_SEED replays a run; otherwise a fresh seed, printed so that a
// failure can be replayed.
inline uint64_t testSeed(const char* what) {
  const char* text = std::getenv("ESEKIT_SEED");
  uint64_t seed;
  if (text != nullptr && *text != '\0') {
    seed = std::strtoull(text, nullptr, 0);
  } else {
    seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
           (static_cast<uint64_t>(::getpid()) << 40);
    seed &= 0xFFFFFFFFFFFFull;
  }
  std::fprintf(stderr, "%s: seed %llu (replay with ESEKIT_SEED=%llu)\n", what, static_cast<unsigned long long>(seed),
               static_cast<unsigned long long>(seed));
  return seed;
}

inline std::string shortHex(const ByteString& bytes, size_t most = 24) {
  std::string text = hexOf(Bytes(bytes.data(), std::min(bytes.size(), most)));
  if (bytes.size() > most) text += "..(" + std::to_string(bytes.size()) + " bytes)";
  return text;
}

// Every row of `table` by a cursor walk in `session` (first/next).
inline Result<TableRows> readTable(engine::Session& session, const engine::Table& table) {
  auto cursor = session.openCursor(table);
  if (!cursor.isOk()) return cursor.status();
  TableRows rows;
  Status status = cursor->first();
  while (status.isOk()) {
    const Bytes key = cursor->key(), value = cursor->value();
    rows.emplace_back(ByteString(key.begin(), key.end()), ByteString(value.begin(), value.end()));
    status = cursor->next();
  }
  if (status.code() != JetError::RecordNotFound && status.code() != JetError::NoCurrentRecord) return status;
  return rows;
}

// Empty when equal; otherwise the first differences in words.
inline std::string compareRows(const TableModel& expected, const TableRows& actual) {
  std::ostringstream out;
  int shown = 0;
  auto e = expected.begin();
  size_t a = 0;
  while ((e != expected.end() || a < actual.size()) && shown < 5) {
    const int order = e == expected.end() ? 1 : a == actual.size() ? -1 : engine::keys::compare(e->first, actual[a].first);
    if (order < 0) {
      out << "missing row " << shortHex(e->first) << "; ";
      ++e;
      ++shown;
    } else if (order > 0) {
      out << "unexpected row " << shortHex(actual[a].first) << " (" << actual[a].second.size() << " bytes); ";
      ++a;
      ++shown;
    } else {
      if (*e->second != actual[a].second) {
        out << "row " << shortHex(e->first) << " has " << shortHex(actual[a].second) << ", expected "
            << shortHex(*e->second) << "; ";
        ++shown;
      }
      ++e;
      ++a;
    }
  }
  if (shown == 0) return {};
  out << "(expected " << expected.size() << " rows, read " << actual.size() << ")";
  return out.str();
}

inline bool sameRows(const TableModel& expected, const TableRows& actual) {
  if (expected.size() != actual.size()) return false;
  size_t i = 0;
  for (const auto& [key, value] : expected) {
    if (key != actual[i].first || *value != actual[i].second) return false;
    ++i;
  }
  return true;
}

// Runs `body` in a forked child and returns its exit status (-signal when
// killed). The child never returns into the test framework: it leaves with
// _exit(body()).
inline int runInChild(const std::function<int()>& body) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int code = 99;
    try {
      code = body();
    } catch (...) {
      std::fprintf(stderr, "child: exception\n");
    }
    std::fflush(nullptr);
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? -WTERMSIG(status) : -1000;
}

// Failure inside a forked child: says what and leaves with status 2.
[[noreturn]] inline void childFail(const std::string& what) {
  std::fprintf(stderr, "child: %s\n", what.c_str());
  std::fflush(nullptr);
  ::_exit(2);
}

// FNV-1a of a whole file (byte-identity checks, not security).
inline uint64_t fileHash(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  uint64_t hash = 1469598103934665603ull;
  char buffer[1 << 16];
  while (in) {
    in.read(buffer, sizeof buffer);
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      hash ^= static_cast<uint8_t>(buffer[i]);
      hash *= 1099511628211ull;
    }
  }
  return hash;
}

// Name, size and hash of every file below `dir`.
inline std::map<std::string, std::pair<uint64_t, uint64_t>> directoryHashes(const fs::path& dir) {
  std::map<std::string, std::pair<uint64_t, uint64_t>> hashes;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file())
      hashes[fs::relative(entry.path(), dir).string()] = {entry.file_size(), fileHash(entry.path())};
  return hashes;
}

inline std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

struct CommandResult {
  int exitCode = -1;
  std::string output;  // stdout and stderr
};

inline CommandResult runCommand(const std::string& command) {
  CommandResult result;
  std::fflush(nullptr);
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// The state in a database file's header (CleanShutdown after a shutdown).
inline Result<DatabaseState> databaseState(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> start(65536);
  in.read(reinterpret_cast<char*>(start.data()), static_cast<std::streamsize>(start.size()));
  start.resize(static_cast<size_t>(in.gcount()));
  auto read = readDatabaseHeader(start);
  if (!read.isOk()) return read.status();
  return read->header.state;
}

// The esekit binary CTest names in ESEKIT_CLI; nullopt (with a message) when unset.
inline std::optional<std::string> cliPath() {
  const char* cli = std::getenv("ESEKIT_CLI");
  if (cli == nullptr || *cli == '\0') {
    MESSAGE("SKIPPED: ESEKIT_CLI not set (run through ctest)");
    return std::nullopt;
  }
  return std::string(cli);
}

}  // namespace esekit::test
