#include "progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace esekit::tools {

bool progressWanted(uint64_t inputBytes, bool quiet) {
  return !quiet && inputBytes >= kProgressMinimumBytes && ::isatty(STDERR_FILENO) == 1;
}

ProgressBar::ProgressBar(std::string label, uint64_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled && total > 0), start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(uint64_t done) {
  if (!enabled_) return;
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_).count();
  int64_t last = lastDrawNanos_.load(std::memory_order_relaxed);
  if (now - last < 100'000'000 && done < total_) return;
  // One thread draws; the others skip instead of queueing behind it.
  std::unique_lock<std::mutex> lock(drawing_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  lastDrawNanos_.store(now, std::memory_order_relaxed);
  draw(done);
}

void ProgressBar::draw(uint64_t done) {
  if (done > total_) done = total_;
  constexpr int kWidth = 30;
  const double fraction = static_cast<double>(done) / static_cast<double>(total_);
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  std::fprintf(stderr, "\r%s [%s] %5.1f%%", label_.c_str(), bar.c_str(), fraction * 100.0);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(drawing_);
  if (drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  drawn_ = false;
  enabled_ = false;
}

}  // namespace esekit::tools
