// `esekit dump tables` / `dump table`: real tables read offline, checked
// against esedbexport (libesedb) where it reads the same file.
#include <doctest/doctest.h>

#include <sstream>

#include "corpus.h"
#include "dump_command.h"
#include "json_writer.h"

using namespace esekit;
using namespace esekit::tools;

namespace {
std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}
}  // namespace

TEST_CASE("dump table lists every row of a SRUM table as JSON Lines, as esedbexport does") {
  auto path = test::corpusFile("museum/SRUM/Win10/RathbunVM/Clean/SRUDB.dat");
  if (!path) return;
  DumpOptions options;
  options.path = path->string();
  options.tableName = "SruDbIdMapTable";
  std::ostringstream out, err;
  REQUIRE(dumpTable(options, out, err) == 0);
  const auto rows = lines(out.str());
  CHECK(rows.size() == 288);  // esedbexport: 289 lines including its header line
  for (const std::string& row : rows) CHECK(isValidJson(row));
  CHECK(rows[0] == R"({"IdType":0,"IdIndex":1})");
  // Row 3's IdBlob as esedbexport prints it (UTF-16 "!!svchost.exe!1972/12/14:16:22:50!1c364![LocalService] [WdiServiceHost]").
  CHECK(rows[2].find(R"("IdBlob":"2100210073007600630068006f00730074002e00650078006500)") != std::string::npos);
}

TEST_CASE("dump tables lists the catalog; unknown tables and non-databases are clear errors") {
  auto path = test::corpusFile("museum/SRUM/Win10/RathbunVM/Clean/SRUDB.dat");
  if (!path) return;
  DumpOptions options;
  options.path = path->string();
  options.json = true;
  std::ostringstream out, err;
  REQUIRE(dumpTables(options, out, err) == 0);
  const auto tables = lines(out.str());
  CHECK(tables.size() == 11);  // INVENTORY.md: 11 tables
  CHECK(tables[0].find(R"("table":"MSysObjects")") != std::string::npos);

  options.tableName = "NoSuchTable";
  std::ostringstream out2, err2;
  CHECK(dumpTable(options, out2, err2) != 0);
  CHECK(err2.str().find("JET_errObjectNotFound") != std::string::npos);

  auto log = test::corpusFile("museum/SRUM/Win10/RathbunVM/Clean/SRU.log");
  if (!log) return;
  options.path = log->string();
  std::ostringstream out3, err3;
  CHECK(dumpTables(options, out3, err3) != 0);
  CHECK(err3.str().find("not a database") != std::string::npos);
}
