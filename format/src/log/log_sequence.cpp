// Checks between consecutive generations of one log stream
// (ese-format/log-format.md §8, checksums.md §7.1).
#include "esekit/format/log_file.h"

namespace esekit {

Status checkLogSequence(const LogFileHeader& previous, const LogFileScan& previousScan, const LogFileHeader& next) {
  const std::string pair = "generation " + std::to_string(previous.generation) + " -> " +
                           std::to_string(next.generation) + ": ";
  if (!(next.logSignature == previous.logSignature))
    return Status(JetError::BadLogSignature, pair + "log signature " + next.logSignature.toString() +
                                                 " (header offset 44) differs from " +
                                                 previous.logSignature.toString());
  if (static_cast<int64_t>(next.generation) != static_cast<int64_t>(previous.generation) + 1)
    return Status(JetError::InvalidLogSequence, pair + "generations are not consecutive (header offset 4)");
  // Byte-identical 8-byte compare (LogTime keeps every bit of its bytes).
  if (!(next.previousGenerationCreated == previous.created))
    return Status(JetError::InvalidLogSequence, pair + "previous-generation time " +
                                                    next.previousGenerationCreated.toString() +
                                                    " (header offset 24) is not the creation time " +
                                                    previous.created.toString() + " of the previous generation");
  if (hasAccumulatedChecksum(next.version) && next.previousLogChecksum != 0 &&
      previousScan.format == LogFormat::Segments && next.previousLogChecksum != previousScan.accumulatedChecksum)
    return Status(JetError::LogSequenceChecksumMismatch,
                  pair + "accumulated segment checksum of the previous generation is " +
                      hex64(previousScan.accumulatedChecksum) + ", the next header (offset 653) expects " +
                      hex64(next.previousLogChecksum));
  return Status::ok();
}

}  // namespace esekit
