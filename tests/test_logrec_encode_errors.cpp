// Records the encoder must refuse, with JetError::InvalidParameter naming the
// field, and leaving the output untouched: a written record must always
// decode again (ese-format/log-records.md §2-3).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "esekit/format/log_record_decode.h"
#include "esekit/format/log_record_encode.h"

using namespace esekit;

namespace {

// Encodes into a non-empty vector; the failure must leave it as it was.
Status refused(const LogRecord& record, const std::string& field) {
  std::vector<uint8_t> out = {0xEE, 0xFF};
  Status status = appendLogRecord(record, out);
  CHECK(out == std::vector<uint8_t>{0xEE, 0xFF});
  CHECK(status.code() == JetError::InvalidParameter);
  CHECK_MESSAGE(status.message().find(field) != std::string::npos, status.message());
  return status;
}

}  // namespace

TEST_CASE("payloads larger than their count field") {
  const std::vector<uint8_t> big(70000, 0x41);
  const Bytes tooBig(big);
  refused(makeInsert({}, {}, tooBig, {}), "keySuffix");
  refused(makeInsert({}, tooBig, {}, {}), "keyPrefix");
  refused(makeInsert({}, {}, {}, tooBig), "data");
  refused(makeFlagInsert({}, tooBig, {}), "key");
  refused(makeSetExternalHeader({}, tooBig), "data");
  refused(makeUndoInfo({}, {}, {}, 2, 0, 0, tooBig), "beforeImage");
  refused(makeDelta({}, {}, tooBig, 1, 0), "bookmarkData");
  // 15 bits of cb; bit 15 is fDiff2 (§3.3).
  refused(makeReplace({}, Bytes(big).first(0x8000), 0), "payload");
  refused(makeTrace(1, tooBig), "text");
  refused(makeDetachDatabase(1, 1, tooBig), "path");
  SplitRecord split;
  split.parentKey = tooBig;
  refused(makeSplit2(split), "parentKey");
  refused(makeEmptyTree({}, std::vector<EmptyPage>(4096)), "pages");  // 65536 bytes
}

TEST_CASE("count fields inconsistent with their payloads") {
  const uint8_t pgnos[8] = {};
  LogRecord info = makeMacroInfo2(1, Bytes(pgnos));
  std::get<MacroInfoRecord>(info.body).pageCount = 3;
  refused(info, "pageCount");
  CHECK(refused(makeMacroInfo2(1, Bytes(pgnos).first(6)), "pageCount").message().find("MacroInfo2") !=
        std::string::npos);

  // A ReplaceD payload that is not a diff stream: DIFFHDR promising 5 new bytes, 1 present.
  const uint8_t brokenDiff[4] = {0x00, 0x00, 0x05, 'x'};
  refused(makeReplaceDiff({}, Bytes(brokenDiff), false, 4, 4), "payload");

  LogRecord create = makeCreateDatabase(1, 1, 0, 0, {}, {}, 0x08);
  std::get<CreateDatabaseRecord>(create.body).flags |= 0x04;  // version info flag without the values
  refused(create, "version");

  LogRecord patch;
  patch.type = LogRecordType::PagePatchRequest;
  PagePatchRequestRecord p;
  p.reserved = Bytes(pgnos);  // 8 bytes, the area has 32
  patch.body = p;
  refused(patch, "reserved");

  LogRecord delta = makeDelta({}, {}, {}, 0, 0);
  std::get<DeltaRecord>(delta.body).delta = int64_t{1} << 33;
  refused(delta, "delta");

  refused(makeBegin(1, 16, 1), "levelBeginFrom");
}

TEST_CASE("body that does not match the type, and types that cannot be written") {
  LogRecord mismatched = makeBegin0(1, 2);
  mismatched.type = LogRecordType::Insert;
  refused(mismatched, "body");

  LogRecord commit0 = makeCommit(1, 0);
  commit0.type = LogRecordType::Commit0;  // Commit0 needs trxCommit0
  refused(commit0, "trxCommit0");

  LogRecord split = makeSplit2(SplitRecord{});
  split.type = LogRecordType::Split;  // hasBeforeImage says Split2
  refused(split, "hasBeforeImage");

  refused(makeMacro(LogRecordType::Insert, 1, 2), "body");

  for (uint8_t type : {40, 41, 43, 44, 47, 55, 56, 102, 255}) {
    LogRecord record;
    record.type = static_cast<LogRecordType>(type);
    refused(record, "type");
  }
}

TEST_CASE("a refused record after good ones leaves the good ones") {
  std::vector<uint8_t> out;
  REQUIRE(appendLogRecord(makeCommit0(1, 2), out).isOk());
  const std::vector<uint8_t> big(70000, 0);
  CHECK(appendLogRecord(makeSetExternalHeader({}, big), out).code() == JetError::InvalidParameter);
  CHECK(out.size() == 8);
  auto decoded = decodeLogRecord(out);
  REQUIRE(decoded.isOk());
  CHECK(decoded->type == LogRecordType::Commit0);
}
