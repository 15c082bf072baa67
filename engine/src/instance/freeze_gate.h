// The write freeze of an OS snapshot (snapshot_support.h): while frozen, every
// path that writes a database or log file waits here, under the instance's
// commit mutex, until thaw() or the freeze deadline. The gate is a flag and a
// condition variable rather than a held lock, because freeze and thaw may
// come from different threads (a VSS requester thaws from its own thread).
// A waiter that reaches the deadline thaws the instance itself (ESE's
// freeze timeout, JET_errOSSnapshotTimeOut, checkpoint-and-backup.md §10):
// writes are never held longer than the timeout, and the next thaw() reports
// that the snapshot may have been taken after writes resumed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace esekit::engine {

class FreezeGate {
 public:
  using Clock = std::chrono::steady_clock;

  // With the commit mutex held through `lock`: returns when writes may go on.
  void waitWritable(std::unique_lock<std::mutex>& lock) {
    while (frozen_) {
      ++blockedWaits_;
      if (changed_.wait_until(lock, deadline_) == std::cv_status::timeout && frozen_ && Clock::now() >= deadline_) {
        frozen_ = false;
        timedOut_ = true;
        changed_.notify_all();
      }
    }
  }
  // Commit mutex held. False when already frozen.
  bool freeze(Clock::duration timeout) {
    if (frozen_) return false;
    frozen_ = true;
    timedOut_ = false;
    deadline_ = Clock::now() + timeout;
    return true;
  }
  enum class ThawResult { Thawed, TimedOut, NotFrozen };
  // Commit mutex held.
  ThawResult thaw() {
    if (timedOut_) {
      timedOut_ = false;
      return ThawResult::TimedOut;
    }
    if (!frozen_) return ThawResult::NotFrozen;
    frozen_ = false;
    changed_.notify_all();
    return Clock::now() >= deadline_ ? ThawResult::TimedOut : ThawResult::Thawed;
  }
  // Commit mutex held.
  bool frozen() const { return frozen_ && Clock::now() < deadline_; }
  bool pendingTimeout() const { return timedOut_; }
  uint64_t blockedWaits() const { return blockedWaits_; }

 private:
  std::condition_variable changed_;
  bool frozen_ = false;
  bool timedOut_ = false;
  Clock::time_point deadline_{};
  uint64_t blockedWaits_ = 0;
};

}  // namespace esekit::engine
