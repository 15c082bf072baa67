// StoredFileWriter, hashFile, extractStoredFile (stored_file.h).
#include "esekit/backup/stored_file.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace esekit::backup {
namespace {

namespace fs = std::filesystem;

Hash128 toHash(XXH128_hash_t value) { return Hash128{value.high64, value.low64}; }

Status ioError(const fs::path& path, const char* what, int error) {
  const JetError code = (error == ENOSPC || error == EDQUOT) ? JetError::DiskFull : JetError::DiskIO;
  return Status(code, path.string() + ": " + what + " failed: " + std::strerror(error));
}

Status writeAll(int fd, const fs::path& path, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError(path, "write", errno);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status();
}

class Hasher {
 public:
  Hasher() : state_(XXH3_createState()) { XXH3_128bits_reset(state_); }
  ~Hasher() { XXH3_freeState(state_); }
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  void update(const void* data, size_t size) {
    XXH3_128bits_update(state_, data, size);
    size_ += size;
  }
  FileDigest digest() const { return FileDigest{size_, toHash(XXH3_128bits_digest(state_))}; }

 private:
  XXH3_state_t* state_;
  uint64_t size_ = 0;
};

}  // namespace

struct StoredFileWriter::State {
  fs::path path;
  int fd = -1;
  Compression compression = Compression::None;
  ZSTD_CCtx* zstd = nullptr;
  std::vector<uint8_t> out;
  Hasher original;
  Hasher stored;
  FaultHook hook;
  bool finished = false;
  FileDigest storedDigest;
  FileDigest originalDigest;

  // Pipeline (write() from the second chunk on): a worker thread hashes,
  // compresses and writes the chunks while the caller reads and verifies
  // the next ones, so a backup's copy runs on two cores instead of one.
  static constexpr size_t kQueuedChunks = 4;
  std::thread worker;
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::vector<uint8_t>> queue;
  std::vector<std::vector<uint8_t>> spare;
  bool closing = false;
  bool firstChunkDone = false;
  Status failed;

  ~State() {
    stopWorker();
    if (zstd) ZSTD_freeCCtx(zstd);
    if (fd >= 0) ::close(fd);
    if (!finished && !path.empty()) ::unlink(path.c_str());
  }

  Status emit(const uint8_t* data, size_t size) {
    if (size == 0) return Status();
    if (hook) ESEKIT_RETURN_IF_ERROR(hook("write", path));
    // Uncompressed, the stored bytes are the original ones: hashed once (finish()).
    if (compression != Compression::None) stored.update(data, size);
    return writeAll(fd, path, data, size);
  }

  // One chunk of original bytes: hash, compress (or not), write.
  Status process(Bytes data) {
    original.update(data.data(), data.size());
    if (compression == Compression::None) return emit(data.data(), data.size());
    return compress(data, ZSTD_e_continue);
  }

  Status enqueue(Bytes data) {
    if (!worker.joinable()) worker = std::thread([this] { drain(); });
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return queue.size() < kQueuedChunks || !failed.isOk(); });
    if (!failed.isOk()) return failed;
    std::vector<uint8_t> chunk;
    if (!spare.empty()) {
      chunk = std::move(spare.back());
      spare.pop_back();
    }
    chunk.assign(data.begin(), data.end());
    queue.push_back(std::move(chunk));
    changed.notify_all();
    return Status();
  }

  void drain() {
    std::unique_lock lock(mutex);
    for (;;) {
      changed.wait(lock, [&] { return !queue.empty() || closing; });
      if (queue.empty()) return;
      std::vector<uint8_t> chunk = std::move(queue.front());
      queue.pop_front();
      lock.unlock();
      const Status status = failed.isOk() ? process(Bytes(chunk.data(), chunk.size())) : Status();
      lock.lock();
      if (!status.isOk() && failed.isOk()) {
        failed = status;
        queue.clear();
      }
      spare.push_back(std::move(chunk));
      changed.notify_all();
    }
  }

  // Waits until every queued chunk is written; the first error of the worker.
  Status stopWorker() {
    if (!worker.joinable()) return Status();
    {
      std::lock_guard lock(mutex);
      closing = true;
    }
    changed.notify_all();
    worker.join();
    return failed;
  }

  Status compress(Bytes data, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    for (;;) {
      ZSTD_outBuffer output{out.data(), out.size(), 0};
      const size_t remaining = ZSTD_compressStream2(zstd, &output, &in, mode);
      if (ZSTD_isError(remaining))
        return Status(JetError::DiskIO, path.string() + ": zstd compression failed: " + ZSTD_getErrorName(remaining));
      ESEKIT_RETURN_IF_ERROR(emit(out.data(), output.pos));
      const bool done = mode == ZSTD_e_end ? remaining == 0 : in.pos == in.size;
      if (done) return Status();
    }
  }
};

StoredFileWriter::StoredFileWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
StoredFileWriter::~StoredFileWriter() = default;

Result<std::unique_ptr<StoredFileWriter>> StoredFileWriter::create(const fs::path& path, Compression compression,
                                                                   int level, unsigned threads, FaultHook hook) {
  auto state = std::make_unique<State>();
  state->compression = compression;
  state->hook = std::move(hook);
  if (state->hook) ESEKIT_RETURN_IF_ERROR(state->hook("create", path));
  state->fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (state->fd < 0) return ioError(path, "create", errno);
  state->path = path;  // from here on a failure removes the file
  if (compression == Compression::Zstd) {
    state->zstd = ZSTD_createCCtx();
    if (!state->zstd) return Status(JetError::OutOfMemory, "zstd context");
    ZSTD_CCtx_setParameter(state->zstd, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(state->zstd, ZSTD_c_checksumFlag, 1);
    if (threads > 0) {
      // Fails harmlessly (single-threaded) when libzstd was built without threads.
      ZSTD_CCtx_setParameter(state->zstd, ZSTD_c_nbWorkers, static_cast<int>(threads));
    }
    state->out.resize(ZSTD_CStreamOutSize());
  }
  return std::unique_ptr<StoredFileWriter>(new StoredFileWriter(std::move(state)));
}

Status StoredFileWriter::write(Bytes data) {
  State& s = *state_;
  if (s.finished || s.fd < 0) return Status(JetError::InvalidParameter, s.path.string() + ": already finished");
  // The first chunk in the calling thread: small files (logs, manifests)
  // never start a worker.
  if (!s.firstChunkDone) {
    s.firstChunkDone = true;
    return s.process(data);
  }
  return s.enqueue(data);
}

Status StoredFileWriter::finish() {
  State& s = *state_;
  if (s.finished) return Status();
  ESEKIT_RETURN_IF_ERROR(s.stopWorker());
  if (s.compression == Compression::Zstd) ESEKIT_RETURN_IF_ERROR(s.compress(Bytes(), ZSTD_e_end));
  if (s.hook) ESEKIT_RETURN_IF_ERROR(s.hook("fsync", s.path));
  if (::fsync(s.fd) != 0) return ioError(s.path, "fsync", errno);
  if (::close(s.fd) != 0) {
    s.fd = -1;
    return ioError(s.path, "close", errno);
  }
  s.fd = -1;
  s.originalDigest = s.original.digest();
  s.storedDigest = s.compression == Compression::None ? s.originalDigest : s.stored.digest();
  s.finished = true;
  return Status();
}

const fs::path& StoredFileWriter::path() const { return state_->path; }
FileDigest StoredFileWriter::stored() const { return state_->storedDigest; }
FileDigest StoredFileWriter::original() const { return state_->originalDigest; }

Result<FileDigest> hashFile(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status(errno == ENOENT ? JetError::FileNotFound : JetError::DiskIO,
                            path.string() + ": open failed: " + std::strerror(errno));
  Hasher hasher;
  std::vector<uint8_t> buffer(size_t{1} << 20);
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return ioError(path, "read", error);
    }
    if (n == 0) break;
    hasher.update(buffer.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return hasher.digest();
}

Status syncDirectory(const fs::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ioError(directory, "open directory", errno);
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0) return ioError(directory, "fsync", error);
  return Status();
}

Status extractStoredFile(const fs::path& backupDirectory, const ManifestFile& entry, const fs::path& destination) {
  const fs::path source = backupDirectory / entry.name;
  const JetError verifyError = entry.kind == FileKind::Log ? JetError::LogReadVerifyFailure : JetError::ReadVerifyFailure;
  const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Status(JetError::FileNotFound, source.string() + ": " + std::strerror(errno));
  const int out = ::open(destination.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    const int error = errno;
    ::close(in);
    return ioError(destination, "create", error);
  }
  struct Closer {
    int in, out;
    ZSTD_DCtx* zstd = nullptr;
    ~Closer() {
      ::close(in);
      if (out >= 0) ::close(out);
      if (zstd) ZSTD_freeDCtx(zstd);
    }
  } closer{in, out};
  const bool compressed = entry.uncompressedHash.has_value();
  if (compressed) closer.zstd = ZSTD_createDCtx();
  Hasher storedHash;
  Hasher originalHash;
  std::vector<uint8_t> buffer(size_t{1} << 20);
  std::vector<uint8_t> plain(compressed ? ZSTD_DStreamOutSize() : 0);
  size_t lastResult = 0;
  for (;;) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError(source, "read", errno);
    }
    if (n == 0) break;
    storedHash.update(buffer.data(), static_cast<size_t>(n));
    if (!compressed) {
      originalHash.update(buffer.data(), static_cast<size_t>(n));
      ESEKIT_RETURN_IF_ERROR(writeAll(out, destination, buffer.data(), static_cast<size_t>(n)));
      continue;
    }
    ZSTD_inBuffer input{buffer.data(), static_cast<size_t>(n), 0};
    while (input.pos < input.size) {
      ZSTD_outBuffer output{plain.data(), plain.size(), 0};
      lastResult = ZSTD_decompressStream(closer.zstd, &output, &input);
      if (ZSTD_isError(lastResult))
        return Status(verifyError, source.string() + ": damaged zstd data: " + ZSTD_getErrorName(lastResult));
      originalHash.update(plain.data(), output.pos);
      ESEKIT_RETURN_IF_ERROR(writeAll(out, destination, plain.data(), output.pos));
    }
  }
  if (compressed && lastResult != 0)
    return Status(verifyError, source.string() + ": the zstd frame is truncated");
  const FileDigest stored = storedHash.digest();
  if (stored.size != entry.size || !(stored.hash == entry.hash))
    return Status(verifyError, source.string() + ": " + std::to_string(stored.size) + " bytes with XXH3-128 " +
                                   stored.hash.hex() + ", the manifest says " + std::to_string(entry.size) +
                                   " bytes with " + entry.hash.hex());
  if (compressed) {
    const FileDigest original = originalHash.digest();
    if (original.size != entry.uncompressedSize.value_or(0) || !(original.hash == *entry.uncompressedHash))
      return Status(verifyError, source.string() + ": decompressed to " + std::to_string(original.size) +
                                     " bytes with XXH3-128 " + original.hash.hex() + ", the manifest says " +
                                     std::to_string(*entry.uncompressedSize) + " bytes with " +
                                     entry.uncompressedHash->hex());
  }
  if (::fsync(out) != 0) return ioError(destination, "fsync", errno);
  return Status();
}

}  // namespace esekit::backup
