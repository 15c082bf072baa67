// A one-line progress bar on stderr for long verifications. Shown only when
// stderr is a terminal and the input is large; stdout (text or JSON) is
// never touched. update() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace esekit::tools {

// Inputs below this size finish too fast for a bar to help.
inline constexpr uint64_t kProgressMinimumBytes = uint64_t{64} << 20;

// True when stderr is a TTY, the input is at least kProgressMinimumBytes and
// the user did not ask for quiet output.
bool progressWanted(uint64_t inputBytes, bool quiet);

class ProgressBar {
 public:
  // A disabled bar ignores every call.
  ProgressBar(std::string label, uint64_t total, bool enabled);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Thread-safe; redraws at most ten times a second.
  void update(uint64_t done);
  // Erases the bar line.
  void finish();

 private:
  void draw(uint64_t done);

  std::string label_;
  uint64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::mutex drawing_;
  std::atomic<int64_t> lastDrawNanos_{0};
  std::chrono::steady_clock::time_point start_;
};

}  // namespace esekit::tools
