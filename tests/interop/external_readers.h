// Running the independent readers of ESE files on a database esekit wrote:
// Debian's esedbexport (libesedb 20181229) and python3-impacket's impacket.ese
// (through read_with_impacket.py). A missing reader skips with a message, or
// fails under CI=true. The readers' known limits are described in
// tests/test_engine_database_writer_interop.cpp.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace esekit::test::readers {

inline bool underCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

inline void readerMissing(const std::string& what) {
  if (underCi()) {
    FAIL("reader missing under CI=true: " << what);
  } else {
    MESSAGE("SKIPPED (reader not installed): " << what);
  }
}

inline std::string quote(const std::string& s) { return "'" + s + "'"; }

inline int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline std::string readText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return parts;
}

inline bool esedbexportAvailable() { return run("command -v esedbexport > /dev/null 2>&1") == 0; }

// The interpreter that can import impacket (Debian's lives in /usr/bin).
inline std::optional<std::string> impacketPython() {
  for (const char* python : {"/usr/bin/python3", "python3"})
    if (run(std::string(python) + " -c 'import impacket.ese' > /dev/null 2>&1") == 0) return std::string(python);
  return std::nullopt;
}

// Runs `esedbexport -t` once; returns table name -> lines of its export file
// (header line first, tab-separated cells, binary cells as hex).
inline std::map<std::string, std::vector<std::string>> exportDatabase(const std::filesystem::path& database) {
  namespace fs = std::filesystem;
  const fs::path dir = database.parent_path();
  const std::string target = (dir / (database.stem().string() + "-x")).string();
  fs::remove_all(target + ".export");
  const int rc = run("esedbexport -t " + quote(target) + " " + quote(database.string()) + " > " + quote(target + ".log") +
                     " 2>&1");
  CHECK_MESSAGE(rc == 0, readText(target + ".log"));
  fs::remove(target + ".log");
  std::map<std::string, std::vector<std::string>> tables;
  if (!fs::exists(target + ".export")) return tables;
  for (const auto& entry : fs::directory_iterator(target + ".export")) {
    const std::string name = entry.path().filename().string();  // <table>.<index>
    std::vector<std::string> lines = split(readText(entry.path()), '\n');
    if (!lines.empty() && lines.back().empty()) lines.pop_back();
    tables[name.substr(0, name.rfind('.'))] = std::move(lines);
  }
  fs::remove_all(target + ".export");
  return tables;
}

struct ImpacketResult {
  std::string status;  // ok / error / missing
  std::string detail;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

inline ImpacketResult readWithImpacket(const std::string& python, const std::filesystem::path& database,
                                       const std::string& table, bool largePageShim) {
  namespace fs = std::filesystem;
  const fs::path script = fs::path(__FILE__).parent_path() / "read_with_impacket.py";
  const fs::path out = database.parent_path() / (database.stem().string() + "-impacket.tsv");
  run(python + " " + quote(script.string()) + (largePageShim ? " --py3-large-page-shim " : " ") + quote(database.string()) +
      " " + quote(table) + " > " + quote(out.string()) + " 2>&1");
  ImpacketResult result;
  for (const std::string& line : split(readText(out), '\n')) {
    std::vector<std::string> fields = split(line, '\t');
    if (fields[0] == "STATUS" && fields.size() >= 3) {
      result.status = fields[1];
      result.detail = fields[2];
    } else if (fields[0] == "COLUMNS") {
      result.columns.assign(fields.begin() + 1, fields.end());
    } else if (fields[0] == "ROW") {
      result.rows.emplace_back(fields.begin() + 1, fields.end());
    }
  }
  if (result.status.empty()) result.detail = readText(out);
  fs::remove(out);
  return result;
}

}  // namespace esekit::test::readers
