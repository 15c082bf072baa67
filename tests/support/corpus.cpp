#include "corpus.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

namespace esekit::test {
namespace {

bool underCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

void reportMissing(const std::string& what) {
  if (underCi()) {
    FAIL("corpus missing under CI=true: " << what << " (expected ../shared/corpus beside the clone)");
  } else {
    static bool once = false;
    if (!once) {
      std::cerr << "SKIPPED (no corpus at ../shared/corpus or $ESEKIT_CORPUS): corpus tests do nothing\n";
      once = true;
    }
    MESSAGE("SKIPPED (no corpus): " << what);
  }
}

}  // namespace

std::optional<std::filesystem::path> corpusRoot() {
  if (const char* env = std::getenv("ESEKIT_CORPUS"); env != nullptr && *env != '\0') {
    if (std::filesystem::is_directory(env)) return std::filesystem::path(env);
    return std::nullopt;
  }
  std::filesystem::path configured(ESEKIT_CORPUS_DIR);
  if (std::filesystem::is_directory(configured)) return std::filesystem::canonical(configured);
  return std::nullopt;
}

std::optional<std::filesystem::path> corpusFile(const std::string& relative) {
  auto root = corpusRoot();
  if (!root) {
    reportMissing(relative);
    return std::nullopt;
  }
  std::filesystem::path path = *root / relative;
  if (!std::filesystem::exists(path)) {
    FAIL("corpus file missing: " << path.string());
    return std::nullopt;
  }
  return path;
}

std::vector<std::filesystem::path> corpusFiles() {
  auto root = corpusRoot();
  if (!root) {
    reportMissing("whole corpus");
    return {};
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(*root)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::filesystem::path gunzipped(const std::filesystem::path& path) {
  if (path.extension() != ".gz") return path;
  static const std::filesystem::path cache = tempDir("gunzip-cache");
  std::filesystem::path out = cache / (std::to_string(std::hash<std::string>{}(path.string())) + "-" +
                                       path.stem().string());
  if (!std::filesystem::exists(out)) {
    const std::string command = "gzip -dc '" + path.string() + "' > '" + out.string() + ".part' && mv '" +
                                out.string() + ".part' '" + out.string() + "'";
    REQUIRE_MESSAGE(std::system(command.c_str()) == 0, "gunzip failed: " << path.string());
  }
  return out;
}

std::vector<uint8_t> readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path.string());
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::filesystem::path tempDir(const std::string& name) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("esekit-test-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace esekit::test
