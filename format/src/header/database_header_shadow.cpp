// Header page + shadow copy: which copy is good, and ESE's page-size probing
// (ese-format/database-header.md §5).
#include <array>

#include "esekit/format/checksum.h"
#include "esekit/format/database_header.h"
#include "header/shadow_util.h"

namespace esekit {
namespace {

// Sizes ESE's shadowed-header reader tries, smallest first (§5 step 1).
constexpr std::array<uint32_t, 5> kProbePageSizes{2048, 4096, 8192, 16384, 32768};

HeaderCopyCheck judgeCopy(Bytes copy, uint32_t pageSize, uint64_t fileOffset, const char* which) {
  HeaderCopyCheck check;
  const std::string where = std::string(which) + " at file offset " + std::to_string(fileOffset);
  if (copy.size() < pageSize || pageSize < kDatabaseHeaderSize) {
    check.state = HeaderCopyState::Missing;
    check.status = Status(JetError::InvalidDatabase, where + ": missing (" + std::to_string(copy.size()) +
                                                         " bytes, page size " + std::to_string(pageSize) + ")");
    return check;
  }
  const Bytes page = copy.first(pageSize);
  check.storedChecksum = loadLittleEndian<uint32_t>(page.data());
  check.computedChecksum = pageSize % 4 == 0 ? checksum::legacyXor(page) : ~check.storedChecksum;
  // Structure first (magic, file type, page-size field), checksum second.
  Result<DatabaseHeader> parsed = parseDatabaseHeader(page, HeaderChecksumPolicy::Ignore);
  if (!parsed.isOk() && parsed.status().code() != JetError::InvalidDatabase) {
    check.state = HeaderCopyState::Unrecognized;
    check.status = parsed.status().withContext(where);
    return check;
  }
  if (!parsed.isOk()) {
    // A too-small page or implausible size field still deserves its checksum verdict.
    const bool magicOk = loadLittleEndian<uint32_t>(page.data() + 4) == kDatabaseMagic;
    check.state = magicOk && check.storedChecksum != check.computedChecksum ? HeaderCopyState::ChecksumMismatch
                                                                            : HeaderCopyState::Unrecognized;
    check.status = parsed.status().withContext(where);
    return check;
  }
  if (check.storedChecksum != check.computedChecksum) {
    check.state = HeaderCopyState::ChecksumMismatch;
    check.status = Status(JetError::ReadVerifyFailure,
                          where + ": checksum mismatch: stored " + hex32(check.storedChecksum) + ", computed " +
                              hex32(check.computedChecksum) + " over " + std::to_string(pageSize) + " bytes");
    return check;
  }
  if (parsed->pageSize() != pageSize) {
    check.state = HeaderCopyState::PageSizeMismatch;
    check.status = Status(JetError::ReadVerifyFailure,
                          where + ": page size field (offset 236) says " + std::to_string(parsed->pageSize()) +
                              " but the checksum verifies over a " + std::to_string(pageSize) + "-byte page");
    return check;
  }
  check.state = HeaderCopyState::Good;
  return check;
}

}  // namespace

std::string_view headerCopyStateName(HeaderCopyState state) {
  switch (state) {
    case HeaderCopyState::Good: return "good";
    case HeaderCopyState::Missing: return "missing";
    case HeaderCopyState::Unrecognized: return "not a header of this kind";
    case HeaderCopyState::ChecksumMismatch: return "checksum mismatch";
    case HeaderCopyState::PageSizeMismatch: return "page size mismatch";
    case HeaderCopyState::DiffersFromPrimary: return "differs from primary";
  }
  return "?";
}

std::string_view headerSourceName(HeaderSource source) {
  switch (source) {
    case HeaderSource::Primary: return "primary";
    case HeaderSource::Shadow: return "shadow";
    case HeaderSource::None: return "none";
  }
  return "?";
}

Status ShadowedHeaderCheck::status() const {
  if (usable()) return Status::ok();
  return Status(JetError::ReadVerifyFailure, "neither database header copy verifies: " +
                                                 primary.status.message() + "; " + shadow.status.message());
}

ShadowedHeaderCheck compareHeaderAndShadow(Bytes header, Bytes shadow) {
  ShadowedHeaderCheck check;
  const size_t size = header.empty() ? shadow.size() : header.size();
  check.pageSize = size > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(size);
  check.primary = judgeCopy(header, check.pageSize, 0, "database header page 0");
  check.shadow = judgeCopy(shadow, check.pageSize, check.pageSize, "database header page 1 (shadow)");
  const bool primaryGood = check.primary.state == HeaderCopyState::Good;
  const bool shadowGood = check.shadow.state == HeaderCopyState::Good;
  if (header.size() >= check.pageSize && shadow.size() >= check.pageSize && check.pageSize > 0) {
    check.firstDifference = header_detail::firstDifferingByte(header, shadow, check.pageSize);
    check.identical = check.firstDifference < 0;
  }
  if (primaryGood && !shadowGood) header_detail::noteDifference(check.shadow, check.firstDifference, check.pageSize);
  if (shadowGood && !primaryGood) header_detail::noteDifference(check.primary, check.firstDifference, 0);
  if (primaryGood && shadowGood && !check.identical) {
    // ESE keeps the primary and treats the other copy as bad (§5 step 2).
    check.shadow.state = HeaderCopyState::DiffersFromPrimary;
    check.shadow.status = Status(JetError::ReadVerifyFailure,
                                 "database header page 1 (shadow) at file offset " +
                                     std::to_string(check.pageSize) + ": verifies but differs from page 0");
  }
  check.use = primaryGood ? HeaderSource::Primary : shadowGood ? HeaderSource::Shadow : HeaderSource::None;
  return check;
}

Result<DatabaseHeaderRead> readDatabaseHeader(Bytes fileStart) {
  if (fileStart.size() < kProbePageSizes.front()) {
    return Status(JetError::InvalidDatabase, "database file truncated: " + std::to_string(fileStart.size()) +
                                                 " bytes, a header page needs at least 2048");
  }
  for (uint32_t pageSize : kProbePageSizes) {
    if (fileStart.size() < pageSize) break;
    const Bytes shadow = fileStart.size() >= 2ull * pageSize ? fileStart.subspan(pageSize, pageSize) : Bytes();
    ShadowedHeaderCheck check = compareHeaderAndShadow(fileStart.first(pageSize), shadow);
    if (!check.usable()) continue;
    const Bytes chosen = check.use == HeaderSource::Primary ? fileStart.first(pageSize) : shadow;
    Result<DatabaseHeader> header = parseDatabaseHeader(chosen);
    ESEKIT_RETURN_IF_ERROR(header);
    return DatabaseHeaderRead{std::move(header).value(), std::move(check)};
  }

  // Nothing verified. Explain at the size page 0 claims (or 4096).
  Result<DatabaseHeader> structure = parseDatabaseHeader(fileStart, HeaderChecksumPolicy::Ignore);
  uint32_t pageSize = kLegacyDefaultPageSize;
  if (structure.isOk()) {
    pageSize = structure->pageSize();
  } else if (structure.status().code() == JetError::FileInvalidType) {
    return structure.status();
  }
  const Bytes primary = fileStart.size() >= pageSize ? fileStart.first(pageSize) : fileStart;
  const Bytes shadow = fileStart.size() >= 2ull * pageSize ? fileStart.subspan(pageSize, pageSize) : Bytes();
  ShadowedHeaderCheck check = compareHeaderAndShadow(primary, shadow);
  if (check.primary.state == HeaderCopyState::Unrecognized &&
      (check.shadow.state == HeaderCopyState::Unrecognized || check.shadow.state == HeaderCopyState::Missing)) {
    return structure.isOk() ? check.primary.status : structure.status();
  }
  return check.status();
}

}  // namespace esekit
