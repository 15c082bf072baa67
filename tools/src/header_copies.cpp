#include "header_copies.h"

#include <algorithm>

namespace esekit::tools {

namespace {

// A copy that needs attention; a 4 KiB checkpoint lacks its second copy by design.
bool isDamaged(const HeaderPair& pair, Bytes file, int copy) {
  const HeaderCopyCheck& check = copy == 0 ? *pair.primary : *pair.shadow;
  if (check.state == HeaderCopyState::Good) return false;
  return !(copy == 1 && check.state == HeaderCopyState::Missing && file.size() <= pair.copySize);
}

}  // namespace

void restoreHeaderPair(const HeaderPair& pair, Bytes file, MutableBytes repaired) {
  if (pair.use == HeaderSource::None || repaired.size() < 2 * pair.copySize || file.size() < 2 * pair.copySize) return;
  if (!isDamaged(pair, file, 0) && !isDamaged(pair, file, 1)) return;
  const size_t from = pair.use == HeaderSource::Primary ? 0 : pair.copySize;
  const size_t to = pair.use == HeaderSource::Primary ? pair.copySize : 0;
  std::copy_n(file.data() + from, pair.copySize, repaired.data() + to);
}

std::string reportHeaderPair(const HeaderPair& pair, Bytes file, FileReport& report, size_t cap) {
  const bool usable = pair.use != HeaderSource::None;
  const HeaderCopyCheck* copies[2] = {pair.primary, pair.shadow};
  const std::string names[2] = {pair.primaryName, pair.shadowName};
  bool damaged[2] = {false, false};
  for (int i = 0; i < 2; ++i) {
    const HeaderCopyCheck& copy = *copies[i];
    if (!isDamaged(pair, file, i)) continue;
    damaged[i] = true;
    Problem problem;
    problem.area = names[i];
    problem.fileOffset = i == 0 ? 0 : pair.copySize;
    problem.severity = usable ? VerifyStatus::Corrected : VerifyStatus::Bad;
    problem.error = usable ? JetError::Success : pair.badError;
    problem.reason = std::string(headerCopyStateName(copy.state));
    if (copy.state == HeaderCopyState::ChecksumMismatch) {
      problem.reason += ": stored " + hex32(copy.storedChecksum) + ", computed " + hex32(copy.computedChecksum);
      if (!usable) problem.error = pair.badError;
    }
    if (!copy.status.isOk()) {
      problem.reason += " (" + copy.status.message() + ")";
      if (!usable) problem.error = copy.status.code();
    }
    if (usable) problem.reason += "; the other copy is good and is what ESE uses";
    report.addProblem(std::move(problem), cap);
  }
  if (!damaged[0] && !damaged[1]) return file.size() > pair.copySize ? "both copies good" : "single copy good";
  if (!usable) return "no usable copy";
  return pair.use == HeaderSource::Primary ? "using copy 1" : "using copy 2";
}

}  // namespace esekit::tools
