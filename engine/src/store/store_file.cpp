// Creating and opening the database file, its header, and flushing.
// see ese-format/database-header.md §5 (shadowed header), §9-§10 (create, attach)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "esekit/engine/database_writer.h"
#include "layout/writer_header.h"
#include "store/page_operations.h"
#include "store/store_impl.h"

namespace esekit::engine::store {
namespace {

Status fileError(const std::filesystem::path& path, const char* what, int error) {
  JetError code = JetError::DiskIO;
  if (error == ENOSPC || error == EDQUOT || error == EFBIG) code = JetError::DiskFull;
  else if (error == ENOENT) code = JetError::FileNotFound;
  else if (error == EACCES || error == EPERM || error == EROFS) code = JetError::FileAccessDenied;
  return Status(code, path.string() + ": " + what + " failed: " + std::strerror(error));
}

Status writeAll(int fd, const std::filesystem::path& path, Bytes bytes, uint64_t offset) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t wrote = ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (wrote < 0) {
      if (errno == EINTR) continue;
      return fileError(path, ("write at file offset " + std::to_string(offset + done)).c_str(), errno);
    }
    if (wrote == 0) return fileError(path, ("write at file offset " + std::to_string(offset + done)).c_str(), ENOSPC);
    done += static_cast<size_t>(wrote);
  }
  return Status::ok();
}

void syncDirectory(const std::filesystem::path& path) {
  const std::filesystem::path directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

StoreImpl::StoreImpl(const StoreOptions& options, std::unique_ptr<PageCache> cache, DatabaseHeader header)
    : options_(options), cache_(std::move(cache)), header_(std::move(header)), pageSize_(cache_->pageSize()) {}

Result<std::unique_ptr<DatabaseStore>> DatabaseStore::create(const StoreOptions& options,
                                                              const CreateParameters& params) {
  if (options.readOnly) return Status(JetError::InvalidParameter, options.path.string() + ": cannot create read-only");
  if (options.log == nullptr) return Status(JetError::InvalidParameter, options.path.string() + ": no log sink");
  DatabaseWriterOptions writerOptions;
  writerOptions.pageSize = options.pageSize;
  writerOptions.signatureRandom = params.databaseSignature.random;
  writerOptions.creationTime = params.databaseSignature.created;
  auto written = writeDatabase(writerOptions, {});
  if (!written) return written.status().withContext(options.path.string());
  std::vector<uint8_t>& file = written->file;
  auto parsed = parseDatabaseHeader(file);
  if (!parsed) return parsed.status().withContext(options.path.string());
  DatabaseHeader header = std::move(*parsed);
  // Attached to a logged instance (database-header.md §10): dirty, bound to
  // the log stream, required generations = the attach generation.
  if (!params.databaseSignature.isZero()) header.databaseSignature = params.databaseSignature;
  header.state = DatabaseState::DirtyShutdown;
  header.logSignature = params.logSignature;
  header.attachPosition = params.attachPosition;
  header.attachTime = layout::currentLogTime();
  header.consistentPosition = LogPosition{};
  header.detachPosition = LogPosition{};
  header.detachTime = LogTime{};
  header.dbid = options.dbid;
  const int32_t generation = params.attachPosition.generation;
  header.minRequiredGeneration = generation;
  header.maxRequiredGeneration = generation;
  header.maxCommittedGeneration = generation;
  header.minConsistentGeneration = generation;
  header.dbtimeDirtied = written->lastDbtime;
  header.lastObjectId = written->lastObjectId;
  const std::vector<uint8_t> headerPage = serializeDatabaseHeader(header, written->pageSize);
  std::memcpy(file.data(), headerPage.data(), headerPage.size());
  std::memcpy(file.data() + written->pageSize, headerPage.data(), headerPage.size());

  const int fd = ::open(options.path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST)
      return Status(JetError::DatabaseDuplicate, options.path.string() + ": the file already exists");
    return fileError(options.path, "create", errno);
  }
  auto cache = std::make_unique<PageCache>(fd, options.path, written->pageSize, options.cleanCacheBytes);
  Status status = writeAll(fd, options.path, file, 0);
  if (status.isOk() && ::fsync(fd) != 0) status = fileError(options.path, "fsync", errno);
  if (!status.isOk()) {
    cache.reset();
    ::unlink(options.path.c_str());
    return status;
  }
  syncDirectory(options.path);
  auto store = std::make_unique<StoreImpl>(options, std::move(cache), header);
  ESEKIT_RETURN_IF_ERROR(store->initializeAfterOpen());
  return std::unique_ptr<DatabaseStore>(std::move(store));
}

Result<std::unique_ptr<DatabaseStore>> DatabaseStore::open(const StoreOptions& options) {
  if (!options.readOnly && options.log == nullptr)
    return Status(JetError::InvalidParameter, options.path.string() + ": no log sink");
  const int fd = ::open(options.path.c_str(), (options.readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) return fileError(options.path, "open", errno);
  std::vector<uint8_t> start(65536);
  size_t done = 0;
  while (done < start.size()) {
    const ssize_t got = ::pread(fd, start.data() + done, start.size() - done, static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int error = errno;
      ::close(fd);
      return fileError(options.path, "read of the header", error);
    }
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  start.resize(done);
  auto read = readDatabaseHeader(start);
  if (!read) {
    ::close(fd);
    return read.status().withContext(options.path.string());
  }
  const uint32_t pageSize = read->header.pageSize();
  if (options.pageSize != 0 && options.pageSize != pageSize) {
    ::close(fd);
    return Status(JetError::PageSizeMismatch, options.path.string() + ": database page size is " +
                                                  std::to_string(pageSize) + ", expected " +
                                                  std::to_string(options.pageSize));
  }
  auto cache = std::make_unique<PageCache>(fd, options.path, pageSize, options.cleanCacheBytes);
  auto store = std::make_unique<StoreImpl>(options, std::move(cache), read->header);
  ESEKIT_RETURN_IF_ERROR(store->initializeAfterOpen());
  return std::unique_ptr<DatabaseStore>(std::move(store));
}

Status StoreImpl::initializeAfterOpen() {
  dbtime_ = header_.dbtimeDirtied;
  objidLast_ = header_.lastObjectId;
  // The database's size is the last page its root owns (space-trees.md §5).
  auto root = page(kDatabaseRootPage, 1);
  if (!root) return root.status();
  const NodePage rootPage((*root)->bytes());
  const SpaceHeader space = parseSpaceHeader(rootPage.externalHeader(), spaceHeaderOffset(rootPage.externalHeader()));
  if (!space.multipleExtent())
    return Status(JetError::DatabaseCorrupted, path().string() + ": database root (page 1) has no space trees");
  auto owned = extents(TreeRoot{1, space.ownedExtentsRoot()});
  if (!owned) return owned.status();
  for (const auto& extent : *owned) ownedLast_ = std::max(ownedLast_, extent.first);
  return Status::ok();
}

Status StoreImpl::checkWritable() const {
  if (options_.readOnly) return Status(JetError::FileAccessDenied, path().string() + ": opened read-only");
  if (options_.log == nullptr) return Status(JetError::InvalidParameter, path().string() + ": no log sink");
  return Status::ok();
}

Status StoreImpl::writeHeader(const DatabaseHeader& header) {
  ESEKIT_RETURN_IF_ERROR(checkWritable());
  const std::vector<uint8_t> bytes = serializeDatabaseHeader(header, pageSize_);
  if (bytes.empty()) return Status(JetError::InvalidParameter, path().string() + ": header cannot be serialized");
  ESEKIT_RETURN_IF_ERROR(writeAll(cache_->fd(), path(), bytes, 0));
  ESEKIT_RETURN_IF_ERROR(writeAll(cache_->fd(), path(), bytes, pageSize_));
  if (::fdatasync(cache_->fd()) != 0) return fileError(path(), "fdatasync", errno);
  auto parsed = parseDatabaseHeader(bytes);
  if (!parsed) return parsed.status();
  header_ = std::move(*parsed);
  return Status::ok();
}

Status StoreImpl::flush() {
  if (options_.readOnly) return Status::ok();
  return cache_->flush(options_.log, ownedLast_);
}

}  // namespace esekit::engine::store
