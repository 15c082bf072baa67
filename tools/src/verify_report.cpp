#include "verify_report.h"

namespace esekit::tools {

std::string_view verifyStatusName(VerifyStatus status) {
  switch (status) {
    case VerifyStatus::Ok: return "ok";
    case VerifyStatus::Corrected: return "corrected";
    case VerifyStatus::Bad: return "bad";
    case VerifyStatus::Error: return "error";
    case VerifyStatus::Skipped: return "skipped";
  }
  return "error";
}

VerifyStatus worse(VerifyStatus a, VerifyStatus b) {
  auto rank = [](VerifyStatus s) {
    switch (s) {
      case VerifyStatus::Skipped: return 0;
      case VerifyStatus::Ok: return 1;
      case VerifyStatus::Corrected: return 2;
      case VerifyStatus::Bad: return 3;
      case VerifyStatus::Error: return 4;
    }
    return 4;
  };
  return rank(a) >= rank(b) ? a : b;
}

void FileReport::addProblem(Problem problem, size_t cap) {
  if (!problem.tolerated) status = worse(status, problem.severity);
  ++problemsTotal;
  if (problems.size() < cap) problems.push_back(std::move(problem));
}

void FileReport::fail(const Status& failure, uint64_t fileOffset, std::string area) {
  Problem problem;
  problem.area = std::move(area);
  problem.fileOffset = fileOffset;
  problem.severity = VerifyStatus::Error;
  problem.reason = failure.message();
  problem.error = failure.code();
  addProblem(std::move(problem));
  status = VerifyStatus::Error;
  error = failure;
}

}  // namespace esekit::tools
