// freezeWrites / thawWrites (snapshot_support.h) over the instance's
// FreezeGate (freeze_gate.h).
#include "esekit/engine/snapshot_support.h"

#include <mutex>
#include <string>

#include "instance/instance_impl.h"

namespace esekit::engine {

Result<FreezePoint> freezeWrites(Instance& instance, std::chrono::milliseconds timeout) {
  if (timeout < std::chrono::milliseconds(1) || timeout > std::chrono::hours(1))
    return Status(JetError::InvalidParameter,
                  "snapshot freeze timeout " + std::to_string(timeout.count()) + " ms: must be 1 ms .. 1 hour");
  InstanceImpl& impl = instance.impl();
  std::unique_lock commitLock(impl.commitMutex());
  if (impl.stopped || !impl.log) return Status(JetError::TermInProgress, "the instance is shut down");
  if (impl.freezeGate.frozen())
    return Status(JetError::OSSnapshotInvalidSequence, "the instance is already frozen for a snapshot");
  // No commit is between Begin0 and Commit0 here (we hold the commit mutex):
  // after this flush the log on disk holds every acknowledged commit.
  ESEKIT_RETURN_IF_ERROR(impl.log->flushAll());
  FreezePoint point;
  point.logEnd = impl.log->end();
  point.checkpoint = impl.lastCheckpointPosition();
  point.currentGeneration = static_cast<int32_t>(impl.log->currentGeneration());
  point.timeout = timeout;
  if (!impl.freezeGate.freeze(timeout))
    return Status(JetError::OSSnapshotInvalidSequence, "the instance is already frozen for a snapshot");
  return point;
}

Status thawWrites(Instance& instance) {
  InstanceImpl& impl = instance.impl();
  std::unique_lock commitLock(impl.commitMutex());
  switch (impl.freezeGate.thaw()) {
    case FreezeGate::ThawResult::Thawed: return Status();
    case FreezeGate::ThawResult::TimedOut:
      return Status(JetError::OSSnapshotTimeOut,
                    "the snapshot freeze outlived its timeout: the engine thawed itself and writes went on, the "
                    "snapshot is not consistent");
    case FreezeGate::ThawResult::NotFrozen: break;
  }
  return Status(JetError::OSSnapshotInvalidSequence, "thaw without a freeze");
}

bool writesFrozen(Instance& instance) {
  InstanceImpl& impl = instance.impl();
  std::unique_lock commitLock(impl.commitMutex());
  return impl.freezeGate.frozen();
}

}  // namespace esekit::engine
