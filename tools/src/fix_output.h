// The output of `verify --fix OUT`: a new file OUT.tmp mapped writable,
// filled with a copy of the input that the verifiers correct in place, then
// flushed (msync + fsync) and renamed to OUT. The input is never opened for
// writing; OUT must not be the input (same device and inode, or same path).
#pragma once

#include <filesystem>

#include "esekit/format/bytes.h"
#include "esekit/format/status.h"
#include "mapped_file.h"

namespace esekit::tools {

class FixOutput {
 public:
  // Creates OUT.tmp with a copy of `input`. Refuses (InvalidParameter) when
  // OUT is the input file itself.
  static Result<FixOutput> create(const std::filesystem::path& out, const MappedFile& input);

  FixOutput() = default;
  FixOutput(FixOutput&& other) noexcept;
  FixOutput& operator=(FixOutput&& other) noexcept;
  FixOutput(const FixOutput&) = delete;
  FixOutput& operator=(const FixOutput&) = delete;
  // Removes OUT.tmp unless commit() succeeded.
  ~FixOutput();

  MutableBytes bytes() { return {data_, size_}; }
  const std::filesystem::path& path() const { return out_; }

  // msync, fsync, rename OUT.tmp -> OUT, fsync the directory.
  Status commit();

 private:
  void discard();

  std::filesystem::path out_;
  std::filesystem::path temporary_;
  int fd_ = -1;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool committed_ = false;
};

// True when `out` names the same file as `input` (device+inode when `out`
// exists, else compares the absolute normalised paths).
bool sameFile(const std::filesystem::path& out, const MappedFile& input);

}  // namespace esekit::tools
