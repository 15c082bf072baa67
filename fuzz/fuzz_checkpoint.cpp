// Fuzzes the checkpoint reader and its attach-list parser: any input gives a
// value or a clear Status; a parsed copy serializes back to the same bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "esekit/format/checkpoint.h"

using namespace esekit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Bytes input(data, size);

  // The attach list alone, at any offset of the input.
  Result<std::vector<AttachInfo>> list = parseAttachList(input, 679);
  if (list.isOk()) {
    for (const AttachInfo& entry : *list) (void)entry.name();
  }

  Result<CheckpointRead> read = readCheckpointFile(input);
  if (!read.isOk()) {
    if (read.status().message().empty()) std::abort();
  } else {
    const Checkpoint& checkpoint = read->checkpoint;
    (void)describe(checkpoint);
    (void)describe(read->check);
    const std::vector<uint8_t> copy = serializeCheckpoint(checkpoint);
    const size_t offset = read->check.use == HeaderSource::Primary ? 0 : kCheckpointCopySize;
    if (copy.size() != kCheckpointCopySize || !std::equal(copy.begin(), copy.end(), data + offset)) std::abort();
    Result<Checkpoint> again = parseCheckpoint(copy);
    if (!again.isOk() || !(*again == checkpoint)) std::abort();
  }

  Result<Checkpoint> forced = parseCheckpoint(input, HeaderChecksumPolicy::Ignore);
  if (forced.isOk()) {
    Result<std::vector<AttachInfo>> entries = attachments(*forced);
    if (entries.isOk()) {
      Checkpoint rebuilt = *forced;
      // Re-encoding a parsed list must succeed: it came from 2048 bytes.
      if (!setAttachments(rebuilt, *entries).isOk()) std::abort();
      Result<std::vector<AttachInfo>> back = attachments(rebuilt);
      if (!back.isOk() || *back != *entries) std::abort();
    }
  }
  return 0;
}
