// Checkpoint file verification: both 4096-byte copies (checksum, type,
// identical), checkpoint-and-backup.md §1.
#include "esekit/format/checkpoint.h"
#include "header_copies.h"
#include "verify_kinds.h"

namespace esekit::tools {

void checkCheckpoint(Bytes file, VerifyContext& context, FileReport& report) {
  report.kind = "checkpoint";
  if (file.size() < kCheckpointCopySize) {
    report.fail(Status(JetError::CheckpointCorrupt, "checkpoint truncated: " + std::to_string(file.size()) +
                                                        " bytes, a copy is 4096 bytes (offset " +
                                                        std::to_string(file.size()) + ")"),
                file.size());
    return;
  }
  const CheckpointFileCheck check = compareCheckpointCopies(file);
  HeaderPair pair{&check.primary, &check.shadow, check.use, "checkpoint copy 1", "checkpoint copy 2",
                  kCheckpointCopySize, JetError::CheckpointCorrupt};
  const std::string copies = reportHeaderPair(pair, file, report, context.options.maxProblems);
  restoreHeaderPair(pair, file, context.repaired);
  if (file.size() != kCheckpointCopySize && file.size() != kCheckpointFileSize) {
    Problem problem;
    problem.area = "file";
    problem.fileOffset = std::min<uint64_t>(file.size(), kCheckpointFileSize);
    problem.error = JetError::CheckpointCorrupt;
    problem.reason = "checkpoint file is " + std::to_string(file.size()) + " bytes, expected 8192";
    report.addProblem(std::move(problem), context.options.maxProblems);
  }
  report.addCount("copies_good", (check.primary.state == HeaderCopyState::Good ? 1u : 0u) +
                                     (check.shadow.state == HeaderCopyState::Good ? 1u : 0u));
  auto read = readCheckpointFile(file);
  if (!read.isOk()) {
    report.summary = copies;
    return;
  }
  const Checkpoint& checkpoint = read->checkpoint;
  report.addFact("generation", std::to_string(checkpoint.generation()));
  report.addFact("checkpoint", checkpoint.checkpoint.toString());
  report.addFact("database_consistency", checkpoint.effectiveDatabaseConsistency().toString());
  report.addFact("log_signature", checkpoint.logSignature.toString());
  report.summary = "generation " + std::to_string(checkpoint.generation()) + " at " +
                   checkpoint.checkpoint.toString() + ", " + copies + (check.identical ? " (identical)" : "");
}

}  // namespace esekit::tools
