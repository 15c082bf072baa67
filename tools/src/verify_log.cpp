// Log file verification: header, every sector up to the end of the log and
// the record framing, through scanLogFile() (ese-format/log-format.md §6, §9).
// Temporary and reserve files holding an old generation are "recycled" logs
// (INVENTORY.md observation 5): verified as the log they are, not as the
// current log. Sequence checks between generations are not part of verifying
// one file.
#include <algorithm>
#include <string>

#include "esekit/format/log_file.h"
#include "status_location.h"
#include "verify_kinds.h"

namespace esekit::tools {
namespace {

// Header checks that mean "cannot verify this file" rather than "damaged".
bool isUnverifiable(JetError code) {
  return code == JetError::FileInvalidType || code == JetError::BadLogVersion ||
         code == JetError::LogSectorSizeMismatch || code == JetError::LogFileSizeMismatch;
}

std::string countName(SectorClass sectorClass) {
  std::string name(sectorClassName(sectorClass));
  for (char& c : name) {
    if (c == ' ' || c == '-') c = '_';
  }
  return name;
}

void addScanFailure(const Status& failure, uint64_t fileSize, uint32_t sectorSize, FileReport& report,
                    size_t cap) {
  uint64_t offset = offsetInMessage(failure.message()).value_or(0);
  // A short file is incomplete, not damaged: an error at its end.
  const bool truncated = failure.code() == JetError::LogFileSizeMismatch ||
                         failure.message().find("truncated") != std::string::npos;
  if (truncated) offset = fileSize;
  if (isUnverifiable(failure.code()) || truncated) {
    report.fail(failure, offset, "header");
    return;
  }
  Problem problem;
  problem.area = "log";
  problem.fileOffset = offset;
  if (auto sector = numberAfter(failure.message(), "sector ")) {
    problem.sector = *sector;
    if (problem.fileOffset == 0 && sectorSize != 0) problem.fileOffset = *sector * sectorSize;
  } else if (problem.fileOffset == 0) {
    problem.area = "header";
  }
  if (problem.fileOffset > fileSize) problem.fileOffset = fileSize;
  problem.error = failure.code();
  problem.reason = failure.message();
  report.addProblem(std::move(problem), cap);
}

}  // namespace

void checkLog(Bytes file, const FileKindDetection& /*detection*/, VerifyContext& context, FileReport& report) {
  report.kind = "log";
  const std::string fileName = report.path.filename().string();
  const LogFileIdentity identity = identifyLogFile(fileName, file);
  const size_t cap = context.options.maxProblems;

  LogScanOptions options;
  options.allowCorrections = true;
  options.collectRecords = false;
  auto scanned = scanLogFile(file, options);

  // Geometry for messages even when the scan failed.
  uint32_t sectorSize = 0;
  if (auto header = parseLogFileHeader(file); header.isOk()) {
    sectorSize = header->sectorSize;
    report.addFact("generation", std::to_string(header->generation));
    report.addFact("version", header->version.toString());
  }
  if (identity.name) report.addFact("role", std::string(logFileRoleName(identity.name->role)));
  if (identity.recycled) report.addFact("recycled", "true");

  if (!scanned.isOk()) {
    addScanFailure(scanned.status(), file.size(), sectorSize, report, cap);
    report.summary = identity.content == LogFileContent::LogHeader
                         ? identity.summary
                         : "log file (file type 3 at offset 667) whose header does not verify";
    return;
  }
  const LogFileScan& scan = *scanned;
  const LogFileHeader& header = scan.header;

  for (size_t c = 0; c < kSectorClassCount; ++c) {
    report.addCount(countName(static_cast<SectorClass>(c)), scan.count(static_cast<SectorClass>(c)));
  }
  const uint64_t sectorBytes = header.sectorSize;
  for (const LogScanNote& note : scan.notes) {
    Problem problem;
    problem.sector = note.sector;
    problem.area = "sector";
    problem.fileOffset = note.fileOffset;
    problem.reason = note.message;
    switch (note.kind) {
      case LogScanNote::Kind::CorrectedBit: {
        problem.severity = VerifyStatus::Corrected;
        CorrectedBit bit;
        bit.pageOffset = note.bit / 8;
        bit.bit = static_cast<uint8_t>(note.bit % 8);
        bit.fileOffset = uint64_t{note.sector} * sectorBytes + bit.pageOffset;
        problem.fileOffset = uint64_t{note.sector} * sectorBytes;
        problem.bits.push_back(bit);
        if (!context.repaired.empty() && bit.fileOffset < context.repaired.size()) {
          context.repaired[bit.fileOffset] ^= static_cast<uint8_t>(1u << bit.bit);
        }
        break;
      }
      case LogScanNote::Kind::TornWritePatched: {
        // Soft recovery rewrites the sector from its shadow (§6); so does --fix.
        problem.severity = VerifyStatus::Corrected;
        problem.error = JetError::LogTornWriteDuringHardRecovery;
        const uint64_t at = uint64_t{note.sector} * sectorBytes;
        if (!context.repaired.empty() && at + 2 * sectorBytes <= context.repaired.size()) {
          std::copy_n(file.data() + at + sectorBytes, sectorBytes, context.repaired.data() + at);
        }
        break;
      }
      case LogScanNote::Kind::DiscardedPartialRecord:
      case LogScanNote::Kind::LegacyShadowChecksum:
        // Normal states of a log tail, not damage.
        report.addFact(std::string(logScanNoteKindName(note.kind)) + "@" + std::to_string(note.sector), note.message);
        continue;
    }
    report.addProblem(std::move(problem), cap);
  }

  if (identity.name) {
    if (Status named = checkLogFileName(*identity.name, header); !named.isOk()) {
      Problem problem;
      problem.area = "file name";
      problem.fileOffset = log_header_offsets::kGeneration;
      problem.error = named.code();
      problem.reason = named.message();
      report.addProblem(std::move(problem), cap);
    }
  }

  report.addFact("format", std::string(logFormatName(scan.format)));
  report.addFact("sector_size", std::to_string(header.sectorSize));
  report.addFact("log_signature", header.logSignature.toString());
  report.addFact("end", scan.endPosition.toString());
  report.addFact("clean_end", scan.cleanEnd ? "true" : "false");
  report.addFact("records", std::to_string(scan.recordCount));
  if (scan.format == LogFormat::Segments) report.addFact("accumulated_checksum", hex64(scan.accumulatedChecksum));

  std::string summary = identity.recycled ? identity.summary
                                          : "generation " + std::to_string(header.generation) + ", version " +
                                                header.version.toString();
  summary += ", " + std::to_string(header.fileSectors) + " sectors of " + std::to_string(header.sectorSize) +
             ", end " + scan.endPosition.toString() + (scan.cleanEnd ? " (clean)" : "") + ", " +
             std::to_string(scan.recordCount) + " records";
  report.summary = summary;
}

}  // namespace esekit::tools
