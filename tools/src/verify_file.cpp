// Kind detection and dispatch for `esekit verify` (see verify_file.h).
#include "verify_file.h"

#include <algorithm>
#include <chrono>

#include "esekit/format/file_kind.h"
#include "esekit/format/log_file.h"
#include "ese_file_names.h"
#include "fix_output.h"
#include "mapped_file.h"
#include "verify_kinds.h"

namespace esekit::tools {

namespace {

bool isSpareLogName(const std::filesystem::path& path) {
  const auto name = parseLogFileName(path.filename().string());
  return name && (name->role == LogFileRole::Temporary || name->role == LogFileRole::Reserve);
}

// Kind detection wants a verifying header checksum. A file whose checksums
// all fail but whose file type (offset 667) names a log, checkpoint or flush
// map is a damaged file of that kind, not a foreign file: verify it as such
// so that the damage is reported where it is.
FileKind kindFromFileTypeField(Bytes file, const FileKindDetection& detection) {
  if (detection.kind != FileKind::Unknown || file.size() < 4096) return detection.kind;
  switch (static_cast<FileType>(detection.fileTypeField)) {
    case FileType::Log: return FileKind::Log;
    case FileType::Checkpoint: return FileKind::Checkpoint;
    case FileType::FlushMap: return FileKind::FlushMap;
    default: return FileKind::Unknown;
  }
}

bool isGzip(Bytes file) { return file.size() >= 2 && file[0] == 0x1F && file[1] == 0x8B; }

// Content that is not an ESE file: skipped in a directory walk unless the
// name says it should be ESE.
void notEse(Bytes file, const FileKindDetection& detection, const VerifyOptions& options, FileReport& report) {
  report.kind = "unknown";
  if (!options.explicitPath && !hasEseFileName(report.path)) {
    report.status = VerifyStatus::Skipped;
    report.summary = isGzip(file) ? "gzip-compressed, not ESE" : "not an ESE file";
    return;
  }
  std::string reason;
  if (isGzip(file)) {
    reason = "gzip-compressed data: decompress it first";
  } else if (file.size() <= kFileTypeOffset) {
    reason = "no file type at offset 667: the file is only " + std::to_string(file.size()) +
             (file.size() == 1 ? " byte" : " bytes");
  } else {
    reason = "no valid ESE header (file type at offset 667 is " + hex32(detection.fileTypeField) + ")";
  }
  // The detector's own words add nothing for a file too short to hold the field.
  if (!detection.reason.empty() && file.size() > kFileTypeOffset && !isGzip(file)) reason += "; " + detection.reason;
  report.fail(Status(JetError::FileInvalidType, "not an ESE file: " + reason),
              isGzip(file) ? 0 : std::min<uint64_t>(file.size(), kFileTypeOffset));
}

}  // namespace

FileReport verifyImage(const std::filesystem::path& name, Bytes file, const VerifyOptions& options,
                       MutableBytes repaired) {
  FileReport report;
  report.path = name;
  report.bytes = file.size();
  const auto start = std::chrono::steady_clock::now();

  ProgressBar progress(name.filename().string(), file.size(), options.progress && progressWanted(file.size(), false));
  VerifyContext context{options, repaired, &progress};
  const FileKindDetection detection = inspectFileKind(file.first(std::min(file.size(), kFileKindProbeSize)));

  switch (kindFromFileTypeField(file, detection)) {
    case FileKind::Empty:
      if (!options.explicitPath && !hasEseFileName(name)) {
        report.status = VerifyStatus::Skipped;
        report.summary = "empty file";
        break;
      }
      report.fail(Status(JetError::FileIOBeyondEOF, "empty file: no ESE header at offset 0"), 0);
      break;
    case FileKind::AllZero:
    case FileKind::ReserveLogPattern:
      if (isSpareLogName(name)) {
        checkFilledLog(file, detection.kind == FileKind::AllZero ? FillKind::Zero : FillKind::DaPattern, context,
                             report);
      } else {
        notEse(file, detection, options, report);
      }
      break;
    case FileKind::Database:
    case FileKind::TempDatabase:
      checkDatabase(file, detection, context, report);
      break;
    case FileKind::Log:
      checkLog(file, detection, context, report);
      break;
    case FileKind::Checkpoint:
      checkCheckpoint(file, context, report);
      break;
    case FileKind::FlushMap:
      checkFlushMap(file, context, report);
      break;
    case FileKind::PatchFile:
      checkPatchFile(file, detection, context, report);
      break;
    case FileKind::DatabasePage:
      checkLonePage(file, context, report);
      break;
    case FileKind::StreamingFile:
    case FileKind::OtherEseFile:
      report.kind = std::string(fileKindName(detection.kind));
      report.fail(Status(JetError::FeatureNotAvailable,
                         "ESE file type " + std::to_string(detection.fileTypeField) + " at offset 667 (" +
                             std::string(fileKindName(detection.kind)) + ") is not verified by esekit"),
                  kFileTypeOffset);
      break;
    case FileKind::Unknown:
      notEse(file, detection, options, report);
      break;
  }
  progress.finish();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

FileReport verifyFile(const std::filesystem::path& path, const VerifyOptions& options) {
  auto mapped = MappedFile::open(path, MapMode::WholeFile);
  if (!mapped.isOk()) {
    FileReport report;
    report.path = path;
    report.fail(mapped.status(), 0);
    return report;
  }
  std::optional<FixOutput> fix;
  if (options.fixOutput) {
    auto created = FixOutput::create(*options.fixOutput, *mapped);
    if (!created.isOk()) {
      FileReport report;
      report.path = path;
      report.bytes = mapped->size();
      report.fail(created.status(), 0, "--fix output");
      return report;
    }
    fix = std::move(created.value());
  }
  FileReport report = verifyImage(path, mapped->bytes(), options, fix ? fix->bytes() : MutableBytes{});
  if (fix) {
    if (report.status == VerifyStatus::Ok || report.status == VerifyStatus::Corrected) {
      if (Status committed = fix->commit(); committed.isOk()) {
        report.fixedCopy = *options.fixOutput;
      } else {
        report.fixNote = committed.toString();
        report.status = worse(report.status, VerifyStatus::Error);
        report.error = committed;
      }
    } else if (report.status != VerifyStatus::Skipped) {
      report.fixNote = "the file has damage that cannot be corrected (status " +
                       std::string(verifyStatusName(report.status)) + ")";
    }
  }
  return report;
}

}  // namespace esekit::tools
