// File mapping, --fix output, fill patterns, ESE names (tools/src).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <vector>

#include "corpus.h"
#include "ese_file_names.h"
#include "fill_pattern.h"
#include "fix_output.h"
#include "mapped_file.h"
#include "status_location.h"

using namespace esekit;
using namespace esekit::tools;

namespace {

void writeBytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_CASE("a missing file is JET_errFileNotFound naming the path") {
  auto mapped = MappedFile::open("/nonexistent/esekit/x.edb");
  REQUIRE_FALSE(mapped.isOk());
  CHECK(mapped.status().code() == JetError::FileNotFound);
  CHECK(mapped.status().message().find("/nonexistent/esekit/x.edb") != std::string::npos);
  CHECK(mapped.status().message().find("No such file") != std::string::npos);
}

TEST_CASE("a directory cannot be mapped") {
  const auto dir = test::tempDir("tools-map-dir");
  auto mapped = MappedFile::open(dir);
  REQUIRE_FALSE(mapped.isOk());
  CHECK(mapped.status().code() == JetError::InvalidPath);
}

TEST_CASE("an unreadable file is JET_errFileAccessDenied") {
  if (::geteuid() == 0) {
    MESSAGE("running as root: permissions are not enforced, skipping");
    return;
  }
  const auto path = test::tempDir("tools-map-denied") / "secret.edb";
  writeBytes(path, {1, 2, 3});
  ::chmod(path.c_str(), 0);
  auto mapped = MappedFile::open(path);
  REQUIRE_FALSE(mapped.isOk());
  CHECK(mapped.status().code() == JetError::FileAccessDenied);
}

TEST_CASE("zero-length and normal files map to their exact bytes") {
  const auto dir = test::tempDir("tools-map");
  writeBytes(dir / "empty.edb", {});
  writeBytes(dir / "three.edb", {7, 8, 9});
  auto empty = MappedFile::open(dir / "empty.edb");
  REQUIRE(empty.isOk());
  CHECK(empty->size() == 0);
  CHECK(empty->bytes().empty());
  auto three = MappedFile::open(dir / "three.edb");
  REQUIRE(three.isOk());
  REQUIRE(three->size() == 3);
  CHECK(three->bytes()[2] == 9);
  MappedFile moved = std::move(three.value());
  CHECK(moved.bytes()[0] == 7);
}

TEST_CASE("--fix output: copy, commit by rename, never over the input") {
  const auto dir = test::tempDir("tools-fix");
  writeBytes(dir / "in.edb", {1, 2, 3, 4});
  auto input = MappedFile::open(dir / "in.edb");
  REQUIRE(input.isOk());

  auto refused = FixOutput::create(dir / "in.edb", *input);
  REQUIRE_FALSE(refused.isOk());
  CHECK(refused.status().code() == JetError::InvalidParameter);
  CHECK(refused.status().message().find("refusing to overwrite the input") != std::string::npos);
  auto refusedOtherSpelling = FixOutput::create(dir / "." / "in.edb", *input);
  CHECK_FALSE(refusedOtherSpelling.isOk());

  {
    auto abandoned = FixOutput::create(dir / "gone.edb", *input);
    REQUIRE(abandoned.isOk());
    CHECK(std::filesystem::exists(dir / "gone.edb.tmp"));
  }
  CHECK_FALSE(std::filesystem::exists(dir / "gone.edb.tmp"));
  CHECK_FALSE(std::filesystem::exists(dir / "gone.edb"));

  auto out = FixOutput::create(dir / "out.edb", *input);
  REQUIRE(out.isOk());
  out->bytes()[1] = 0x42;
  REQUIRE(out->commit().isOk());
  CHECK_FALSE(std::filesystem::exists(dir / "out.edb.tmp"));
  CHECK(test::readFile(dir / "out.edb") == std::vector<uint8_t>{1, 0x42, 3, 4});
  CHECK(test::readFile(dir / "in.edb") == std::vector<uint8_t>{1, 2, 3, 4});
}

TEST_CASE("fill patterns: zero and the Win7 0xDA reserve-log fill") {
  CHECK(fillByte(0, FillKind::DaPattern) == 0xDA);
  CHECK(fillByte(16, FillKind::DaPattern) == 0xEA);
  CHECK(fillByte(32, FillKind::DaPattern) == 0xFA);
  CHECK(fillByte(48, FillKind::DaPattern) == 0x0A);
  CHECK(fillByte(17, FillKind::DaPattern) == 0xDA);
  CHECK(fillByte(256, FillKind::DaPattern) == 0xDA);
  std::vector<uint8_t> pattern(5000);
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = fillByte(i, FillKind::DaPattern);
  CHECK_FALSE(firstFillMismatch(pattern, FillKind::DaPattern).has_value());
  pattern[4321] ^= 1;
  CHECK(firstFillMismatch(pattern, FillKind::DaPattern) == 4321u);
  std::vector<uint8_t> zero(3000, 0);
  CHECK_FALSE(firstFillMismatch(zero, FillKind::Zero).has_value());
  zero[2999] = 1;
  CHECK(firstFillMismatch(zero, FillKind::Zero) == 2999u);
}

TEST_CASE("the real 0xDA reserve logs follow the fill exactly") {
  auto path = test::corpusFile("windowsmail-danyquenneville/Windows Mail/edbres00001.jrs");
  if (!path) return;
  const auto bytes = test::readFile(*path);
  CHECK(bytes.size() == 2097152);
  CHECK_FALSE(firstFillMismatch(bytes, FillKind::DaPattern).has_value());
}

TEST_CASE("ESE file names") {
  for (const char* name : {"x.edb", "SRUDB.dat", "Current.mdb", "secedit.sdb", "ntds.dit", "store.vol", "edb.log",
                           "USS00041.jtx", "edb.chk", "USS.jcp", "edbres00001.jrs", "x.jfm", "WindowsMail.pat",
                           "WindowsMail.MSMessageStore", "EDB.LOG"}) {
    CHECK_MESSAGE(hasEseFileName(name), name);
  }
  for (const char* name : {"SRUDB.INTEG.RAW", "large.edb.gz", "readme.txt", "catdb", "x.bin", "Data"}) {
    CHECK_FALSE_MESSAGE(hasEseFileName(name), name);
  }
}

TEST_CASE("numbers are read back from component messages") {
  CHECK(numberAfter("bad segment at sector 12 (file offset 49152)", "sector ") == 12u);
  CHECK(offsetInMessage("bad segment at sector 12 (file offset 49152)") == 49152u);
  CHECK(offsetInMessage("header at offset 0x1000: x") == 4096u);
  CHECK_FALSE(offsetInMessage("no number here").has_value());
}
