// Per-kind verifiers behind verifyImage() (verify_file.cpp). Each fills in
// the report's kind, summary, counts, facts and problems and, when
// `context.repaired` is not empty, repairs what it can in that copy.
#pragma once

#include "esekit/format/bytes.h"
#include "esekit/format/file_kind.h"
#include "fill_pattern.h"
#include "progress_bar.h"
#include "verify_file.h"
#include "verify_report.h"

namespace esekit::tools {

struct VerifyContext {
  const VerifyOptions& options;
  MutableBytes repaired;          // empty = no --fix
  ProgressBar* progress = nullptr;  // may be null
};

void checkDatabase(Bytes file, const FileKindDetection& detection, VerifyContext& context, FileReport& report);
void checkLog(Bytes file, const FileKindDetection& detection, VerifyContext& context, FileReport& report);
void checkCheckpoint(Bytes file, VerifyContext& context, FileReport& report);
void checkFlushMap(Bytes file, VerifyContext& context, FileReport& report);
void checkPatchFile(Bytes file, const FileKindDetection& detection, VerifyContext& context, FileReport& report);
// A file that is one database page on its own (no position, no header).
void checkLonePage(Bytes file, VerifyContext& context, FileReport& report);
// Pre-created temp logs and reserve logs: the whole file must be the fill.
void checkFilledLog(Bytes file, FillKind fill, VerifyContext& context, FileReport& report);

}  // namespace esekit::tools
