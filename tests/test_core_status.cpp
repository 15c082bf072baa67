#include <doctest/doctest.h>

#include <array>

#include "esekit/format/bytes.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

using namespace esekit;

TEST_CASE("Status names the JET error and its number") {
  Status s(JetError::ReadVerifyFailure, "page 42 of x.edb: checksum mismatch");
  CHECK_FALSE(s.isOk());
  CHECK(s.number() == -1018);
  CHECK(s.toString() == "JET_errReadVerifyFailure (-1018): page 42 of x.edb: checksum mismatch");
  CHECK(jetErrorName(-1118) == "JET_errReadPgnoVerifyFailure");
  CHECK(jetErrorName(-12345) == "JET_err-12345");
  CHECK(Status().isOk());
  CHECK(s.withContext("x.edb").message() == "x.edb: page 42 of x.edb: checksum mismatch");
}

TEST_CASE("Result carries a value or a status") {
  Result<int> good(7);
  REQUIRE(good.isOk());
  CHECK(*good == 7);
  Result<int> bad(JetError::InvalidParameter, "nope");
  CHECK_FALSE(bad.isOk());
  CHECK(bad.status().code() == JetError::InvalidParameter);
}

TEST_CASE("ByteView never reads outside its span") {
  const std::array<uint8_t, 6> data{1, 2, 3, 4, 5, 6};
  ByteView view(data);
  CHECK(view.u32(0) == 0x04030201u);
  CHECK_FALSE(view.overrun());
  CHECK(view.u32(3) == 0);  // 3..6 is past the end
  CHECK(view.overrun());
  CHECK(view.slice(5, 2).empty());
  CHECK(view.u64(SIZE_MAX - 2) == 0);
}

TEST_CASE("LOGTIME round-trips every bit, including milliseconds") {
  // 2021-02-10 19:56:02.999 UTC: ms 999 = low7 0x67, high3 7.
  const std::array<uint8_t, 8> raw{2, 56, 19, 10, 2, 121, static_cast<uint8_t>(1 | (0x67 << 1)),
                                   static_cast<uint8_t>(7 << 1)};
  LogTime t = LogTime::parse(ByteView(raw), 0);
  CHECK(t.milliseconds == 999);
  CHECK(t.isUtc);
  CHECK(t.toString() == "2021-02-10 19:56:02.999");
  CHECK(t.unixSeconds() == 1612986962);
  std::array<uint8_t, 8> out{};
  ByteWriter w(out);
  t.serialize(w, 0);
  CHECK(out == raw);
}

TEST_CASE("LGPOS orders by generation, sector, byte") {
  LogPosition a{10, 2, 5}, b{0, 3, 5}, c{0, 0, 6};
  CHECK(a < b);
  CHECK(b < c);
  CHECK(a.toString() == "(00000005,0002,000A)");
}
