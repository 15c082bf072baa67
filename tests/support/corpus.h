// Access to the real Windows files of ../shared/corpus for tests.
//
// A user's clone has no ../shared: corpus tests then skip with a visible
// message. Under CI=true a missing corpus is a failure, so CI cannot go green
// without having looked at real files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace esekit::test {

// The corpus root (ESEKIT_CORPUS env var, else the path configured at build
// time), or nullopt when it is not there.
std::optional<std::filesystem::path> corpusRoot();

// Resolves a path relative to the corpus root. When the corpus is missing it
// prints "SKIPPED (no corpus): <what>" and returns nullopt; under CI=true it
// fails the current test instead. A "*.gz" corpus file is returned as is;
// use gunzipped() for its contents.
std::optional<std::filesystem::path> corpusFile(const std::string& relative);

// For "x.gz": the path of its decompressed copy in a per-run cache (made with
// gzip -dc once). Other paths are returned unchanged.
std::filesystem::path gunzipped(const std::filesystem::path& path);

// All regular files below the corpus root (sorted), or empty (with the same
// skip/fail behaviour) when there is no corpus.
std::vector<std::filesystem::path> corpusFiles();

// Whole-file read; fails the test on error.
std::vector<uint8_t> readFile(const std::filesystem::path& path);

// A fresh, empty temporary directory for this test (removed at exit).
std::filesystem::path tempDir(const std::string& name);

}  // namespace esekit::test
