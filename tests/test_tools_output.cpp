// JSON writer, FieldList -> JSON/text, report formatting (tools/src).
#include <doctest/doctest.h>

#include <string>

#include "esekit/format/fields.h"
#include "json_writer.h"
#include "text_table.h"
#include "verify_output.h"

using namespace esekit;
using namespace esekit::tools;

TEST_CASE("jsonQuote escapes quotes, backslashes and control characters") {
  CHECK(jsonQuote("plain") == "\"plain\"");
  CHECK(jsonQuote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(jsonQuote("line\nnext\ttab") == "\"line\\nnext\\ttab\"");
  CHECK(jsonQuote(std::string("nul\0x", 5)) == "\"nul\\u0000x\"");
  CHECK(jsonQuote("\x01\x1f") == "\"\\u0001\\u001f\"");
}

TEST_CASE("jsonQuote keeps valid UTF-8 and maps other bytes as Latin-1") {
  CHECK(jsonQuote("caf\xc3\xa9") == "\"caf\xc3\xa9\"");           // é in UTF-8 stays
  CHECK(jsonQuote("caf\xe9") == "\"caf\\u00e9\"");                // é in ANSI becomes \u00e9
  CHECK(jsonQuote("\xc3") == "\"\\u00c3\"");                      // truncated sequence
  CHECK(jsonQuote("\xed\xa0\x80") == "\"\\u00ed\\u00a0\\u0080\"");  // UTF-16 surrogate encoded in UTF-8 is invalid
  CHECK(isValidJson(jsonQuote("\xff\xfe binary \x80")));
}

TEST_CASE("FieldList becomes nested JSON by dotted names, index lists become arrays") {
  FieldList fields;
  fields.text("kind", "database");
  fields.number("header.pageSize", 4096, "4 KiB");
  fields.text("header.state", "Clean Shutdown");
  fields.boolean("clean", true);
  fields.unsignedNumber("nodes.0.size", 10);
  fields.unsignedNumber("nodes.1.size", 12);
  fields.text("header.signature.random", "0x1");
  const std::string json = fieldListToJson(fields);
  CHECK(json ==
        "{\"kind\":\"database\",\"header\":{\"pageSize\":4096,\"state\":\"Clean Shutdown\",\"signature\":{\"random\":"
        "\"0x1\"}},\"clean\":true,\"nodes\":[{\"size\":10},{\"size\":12}]}");
  CHECK(isValidJson(json));
}

TEST_CASE("FieldList name clashes still give valid JSON without losing values") {
  FieldList fields;
  fields.text("a", "leaf");
  fields.text("a.b", "child");
  fields.text("x", "1");
  fields.text("x", "2");
  const std::string json = fieldListToJson(fields);
  CHECK(json == "{\"a\":{\"value\":\"leaf\",\"b\":\"child\"},\"x\":[\"1\",\"2\"]}");
  CHECK(isValidJson(json));
}

TEST_CASE("a non-numeric Number field is written as a string") {
  FieldList fields;
  fields.number("n", 5);
  JsonWriter out;
  out.beginObject().key("n").numberLiteral("0x10").key("m").numberLiteral("-12").endObject();
  CHECK(out.text() == "{\"n\":\"0x10\",\"m\":-12}");
}

TEST_CASE("isValidJson accepts JSON and rejects broken text") {
  CHECK(isValidJson("{}"));
  CHECK(isValidJson("[1, -2.5e3, true, false, null, \"\\u00e9\", {\"a\": []}]"));
  CHECK_FALSE(isValidJson(""));
  CHECK_FALSE(isValidJson("{\"a\":1,}"));
  CHECK_FALSE(isValidJson("{\"a\" 1}"));
  CHECK_FALSE(isValidJson("[01]"));
  CHECK_FALSE(isValidJson("\"unterminated"));
  CHECK_FALSE(isValidJson("{} {}"));
  CHECK_FALSE(isValidJson("\"tab\there\""));
}

TEST_CASE("text table aligns names and shows the display form") {
  FieldList fields;
  fields.number("pageSize", 4096, "4096 (4 KiB)");
  fields.text("state", "Clean Shutdown");
  CHECK(formatFieldTable(fields, 2) == "  pageSize: 4096 (4 KiB)\n  state:    Clean Shutdown\n");
  CHECK(formatFieldLine(fields) == "pageSize=\"4096 (4 KiB)\" state=\"Clean Shutdown\"");
}

TEST_CASE("grouped table prints list elements one per line") {
  FieldList fields;
  fields.text("page.size", "4096");
  fields.unsignedNumber("page.tags.0.size", 16);
  fields.unsignedNumber("page.tags.0.offset", 0);
  fields.unsignedNumber("page.tags.1.size", 20);
  fields.unsignedNumber("page.tags.1.offset", 16);
  CHECK(formatGroupedTable(fields, {"page.tags"}) ==
        "page.size: 4096\npage.tags 0: size=16 offset=0\npage.tags 1: size=20 offset=16\n");
}

TEST_CASE("report JSON carries path, kind, status, counts and problems with JET errors") {
  FileReport report;
  report.path = "dir/x \"q\".edb";
  report.kind = "database";
  report.addCount("ok", 10);
  report.addCount("bad", 1);
  Problem problem;
  problem.page = 7;
  problem.area = "page";
  problem.fileOffset = 8 * 4096;
  problem.error = JetError::ReadVerifyFailure;
  problem.reason = "checksum mismatch";
  report.addProblem(problem);
  CHECK(report.status == VerifyStatus::Bad);
  const std::string json = formatReportJson(report);
  CHECK(isValidJson(json));
  CHECK(json.find("\"path\":\"dir/x \\\"q\\\".edb\"") != std::string::npos);
  CHECK(json.find("\"status\":\"bad\"") != std::string::npos);
  CHECK(json.find("\"counts\":{\"ok\":10,\"bad\":1}") != std::string::npos);
  CHECK(json.find("\"page\":7") != std::string::npos);
  CHECK(json.find("\"offset\":32768") != std::string::npos);
  CHECK(json.find("\"error\":{\"name\":\"JET_errReadVerifyFailure\",\"number\":-1018}") != std::string::npos);

  const std::string text = formatReportText(report, {});
  CHECK(text.find("bad") == 0);
  CHECK(text.find("page 7 (offset 32768 = 0x8000)") != std::string::npos);
  CHECK(text.find("JET_errReadVerifyFailure (-1018)") != std::string::npos);
}

TEST_CASE("an error report names the offset even when the message does not") {
  FileReport report;
  report.path = "x.edb";
  report.fail(Status(JetError::FileInvalidType, "not an ESE file"), 667);
  const std::string text = formatReportText(report, {});
  CHECK(text.find("x.edb: at offset 667: not an ESE file [JET_errFileInvalidType (-1812)]") != std::string::npos);
  CHECK(formatReportText(report, {.quiet = true}).size() > 0);  // quiet still shows errors
  FileReport ok;
  ok.path = "y.edb";
  CHECK(formatReportText(ok, {.quiet = true}).empty());
}

TEST_CASE("worse() orders verdicts and totals count them") {
  CHECK(worse(VerifyStatus::Ok, VerifyStatus::Corrected) == VerifyStatus::Corrected);
  CHECK(worse(VerifyStatus::Bad, VerifyStatus::Corrected) == VerifyStatus::Bad);
  CHECK(worse(VerifyStatus::Error, VerifyStatus::Bad) == VerifyStatus::Error);
  CHECK(worse(VerifyStatus::Skipped, VerifyStatus::Ok) == VerifyStatus::Ok);
  CHECK(formatTotals({VerifyStatus::Ok, VerifyStatus::Ok, VerifyStatus::Skipped, VerifyStatus::Error}) ==
        "4 files: 2 ok, 1 error, 1 skipped\n");
}
