// Changed-page tracking (changed_pages.h, doc/pages-differential.md §2).
#include "instance/changed_pages.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <roaring/roaring.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace esekit::engine::changed_pages {
namespace fs = std::filesystem;
namespace {

// Sidecar layout (little-endian), doc/pages-differential.md §2:
//   0  u32 magic "EKPG"      4  u32 version (1)
//   8  database signature (28 bytes)
//  36  BKINFO of the full backup (24 bytes)
//  60  u64 size of the bitmap   68  roaring portable bitmap
//  end-8: u64 XXH3-64 of every byte before it
constexpr uint32_t kMagic = 0x47504b45;  // "EKPG"
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderSize = 68;
constexpr size_t kMaxSidecarBytes = size_t{64} << 20;  // 2^32 pages fit in ~520 MiB worst case; real sets are far smaller

struct Bitmap {
  roaring_bitmap_t* map = roaring_bitmap_create();
  Bitmap() = default;
  explicit Bitmap(roaring_bitmap_t* m) : map(m) {}
  ~Bitmap() { roaring_bitmap_free(map); }
  Bitmap(const Bitmap&) = delete;
  Bitmap& operator=(const Bitmap&) = delete;
};

struct Sidecar {
  Signature databaseSignature;
  BackupInfo full;
  std::unique_ptr<Bitmap> pages = std::make_unique<Bitmap>();
};

// What is known of one database file.
struct Entry {
  std::mutex mutex;
  // The sidecar as last read or written, and the stat identity of that file.
  std::optional<Sidecar> sidecar;
  bool loaded = false;
  ino_t inode = 0;
  int64_t mtimeNs = 0;
  off_t size = 0;
  // Pages written since the running backup session began, and where it began.
  std::unique_ptr<Bitmap> epoch;
  LogPosition epochStart;
};

std::mutex registryMutex;
std::map<std::string, std::shared_ptr<Entry>>& registry() {
  static auto* map = new std::map<std::string, std::shared_ptr<Entry>>();
  return *map;
}

std::string key(const fs::path& database) {
  std::error_code error;
  fs::path canonical = fs::weakly_canonical(database, error);
  return (error ? database : canonical).string();
}

std::shared_ptr<Entry> entryFor(const fs::path& database) {
  const std::string k = key(database);
  std::lock_guard lock(registryMutex);
  auto& slot = registry()[k];
  if (!slot) slot = std::make_shared<Entry>();
  return slot;
}

std::vector<uint8_t> portableBytes(const roaring_bitmap_t* map) {
  std::vector<uint8_t> bytes(roaring_bitmap_portable_size_in_bytes(map));
  roaring_bitmap_portable_serialize(map, reinterpret_cast<char*>(bytes.data()));
  return bytes;
}

Result<std::unique_ptr<Bitmap>> parsePortable(Bytes bytes) {
  const size_t needed = roaring_bitmap_portable_deserialize_size(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (needed == 0 || needed != bytes.size())
    return Status(JetError::InvalidParameter, "the roaring bitmap is damaged (" + std::to_string(bytes.size()) +
                                                  " bytes, its own size says " + std::to_string(needed) + ")");
  roaring_bitmap_t* map = roaring_bitmap_portable_deserialize_safe(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (map == nullptr) return Status(JetError::InvalidParameter, "the roaring bitmap does not deserialize");
  return std::make_unique<Bitmap>(map);
}

std::vector<uint8_t> serializeSidecar(const Sidecar& sidecar) {
  const std::vector<uint8_t> bitmap = portableBytes(sidecar.pages->map);
  std::vector<uint8_t> bytes(kHeaderSize + bitmap.size() + 8, 0);
  ByteWriter w(bytes);
  w.u32(0, kMagic);
  w.u32(4, kVersion);
  sidecar.databaseSignature.serialize(w, 8);
  sidecar.full.serialize(w, 36);
  w.u64(60, bitmap.size());
  w.copy(kHeaderSize, bitmap);
  w.u64(bytes.size() - 8, XXH3_64bits(bytes.data(), bytes.size() - 8));
  return bytes;
}

Result<Sidecar> parseSidecar(Bytes bytes, const fs::path& path) {
  auto damaged = [&](const std::string& why) {
    return Status(JetError::InvalidBackupSequence, path.string() + ": changed-page file is damaged (" + why +
                                                       "); a pages differential needs a new full backup first");
  };
  if (bytes.size() < kHeaderSize + 8) return damaged(std::to_string(bytes.size()) + " bytes is too short");
  const ByteView view(bytes);
  if (view.u32(0) != kMagic) return damaged("bad magic at offset 0");
  if (view.u32(4) != kVersion) return damaged("unknown version " + std::to_string(view.u32(4)) + " at offset 4");
  if (view.u64(bytes.size() - 8) != XXH3_64bits(bytes.data(), bytes.size() - 8))
    return damaged("checksum mismatch at offset " + std::to_string(bytes.size() - 8));
  const uint64_t bitmapSize = view.u64(60);
  if (bitmapSize != bytes.size() - kHeaderSize - 8) return damaged("bitmap size at offset 60 disagrees with the file size");
  Sidecar sidecar;
  sidecar.databaseSignature = Signature::parse(view, 8);
  sidecar.full = BackupInfo::parse(view, 36);
  auto bitmap = parsePortable(bytes.subspan(kHeaderSize, bitmapSize));
  if (!bitmap) return damaged(bitmap.status().message());
  sidecar.pages = std::move(*bitmap);
  return sidecar;
}

Status ioError(const fs::path& path, const char* what) {
  const int error = errno;
  return Status(error == ENOSPC ? JetError::DiskFull : JetError::DiskIO,
                path.string() + ": " + what + " failed: " + std::strerror(error));
}

Status syncParent(const fs::path& path) {
  fs::path parent = path.parent_path();
  if (parent.empty()) parent = ".";
  const int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ioError(parent, "open directory");
  const int result = ::fsync(fd);
  ::close(fd);
  return result == 0 ? Status() : ioError(parent, "fsync directory");
}

// Temp file, fsync, rename over, fsync of the directory: the sidecar is the
// old or the new one after any crash.
Status writeAtomically(const fs::path& path, const std::vector<uint8_t>& bytes) {
  const fs::path temp = path.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ioError(temp, "create");
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status failed = ioError(temp, "write");
      ::close(fd);
      ::unlink(temp.c_str());
      return failed;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status failed = ioError(temp, "fsync");
    ::close(fd);
    ::unlink(temp.c_str());
    return failed;
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    Status failed = ioError(path, "rename");
    ::unlink(temp.c_str());
    return failed;
  }
  return syncParent(path);
}

void remember(Entry& entry, const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    entry.inode = st.st_ino;
    entry.mtimeNs = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    entry.size = st.st_size;
  } else {
    entry.inode = 0;
    entry.mtimeNs = 0;
    entry.size = 0;
  }
  entry.loaded = true;
}

// Brings entry.sidecar in line with the file (someone may have removed,
// replaced or copied it since it was last seen). Caller holds entry.mutex.
Status refresh(Entry& entry, const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return ioError(path, "stat");
    entry.sidecar.reset();
    entry.loaded = true;
    entry.inode = 0;
    return Status();
  }
  const int64_t mtime = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  if (entry.loaded && entry.sidecar && entry.inode == st.st_ino && entry.mtimeNs == mtime && entry.size == st.st_size)
    return Status();
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) > kMaxSidecarBytes) {
    entry.sidecar.reset();
    remember(entry, path);
    return Status(JetError::InvalidBackupSequence, path.string() + ": changed-page file of " +
                                                       std::to_string(st.st_size) + " bytes is implausibly large");
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ioError(path, "open");
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  bytes.resize(done);
  remember(entry, path);
  auto parsed = parseSidecar(bytes, path);
  if (!parsed) {
    entry.sidecar.reset();
    return parsed.status();
  }
  entry.sidecar.emplace(std::move(*parsed));
  return Status();
}

}  // namespace

fs::path sidecarPath(const fs::path& database) { return fs::path(database.string() + ".pages.roar"); }

Status beforePageWrite(const fs::path& database, std::span<const uint32_t> pgnos) {
  if (pgnos.empty()) return Status();
  std::shared_ptr<Entry> entry = entryFor(database);
  std::lock_guard lock(entry->mutex);
  if (entry->epoch) {
    for (const uint32_t pgno : pgnos) roaring_bitmap_add(entry->epoch->map, pgno);
  }
  const fs::path path = sidecarPath(database);
  Status current = refresh(*entry, path);
  if (!current.isOk() && current.code() != JetError::InvalidBackupSequence) {
    // Unknown state: make sure no stale sidecar survives.
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ioError(path, "remove");
    entry->sidecar.reset();
    return Status();
  }
  if (!entry->sidecar) return Status();  // no full backup to be relative to
  bool grew = false;
  for (const uint32_t pgno : pgnos) grew = roaring_bitmap_add_checked(entry->sidecar->pages->map, pgno) || grew;
  if (!grew) return Status();
  Status written = writeAtomically(path, serializeSidecar(*entry->sidecar));
  if (written.isOk()) {
    remember(*entry, path);
    return Status();
  }
  // Could not persist the larger set: the sidecar must not stay behind.
  entry->sidecar.reset();
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return written.withContext("the changed-page file can neither be updated nor removed");
  return syncParent(path);
}

void beginEpoch(const fs::path& database, LogPosition start) {
  std::shared_ptr<Entry> entry = entryFor(database);
  std::lock_guard lock(entry->mutex);
  entry->epoch = std::make_unique<Bitmap>();
  entry->epochStart = start;
}

void abandonEpoch(const fs::path& database) {
  std::shared_ptr<Entry> entry = entryFor(database);
  std::lock_guard lock(entry->mutex);
  entry->epoch.reset();
}

Status commitFullBackup(const fs::path& database, const Signature& databaseSignature, const BackupInfo& full) {
  std::shared_ptr<Entry> entry = entryFor(database);
  std::lock_guard lock(entry->mutex);
  const fs::path path = sidecarPath(database);
  if (!entry->epoch || full.mark < entry->epochStart) {
    // No epoch, or one that began after the full backup did (a snapshot
    // completed by a later session, --complete): writes between the copy
    // and this session are unknown, so no set can be trusted.
    entry->sidecar.reset();
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ioError(path, "remove");
    return Status();
  }
  Sidecar sidecar;
  sidecar.databaseSignature = databaseSignature;
  sidecar.full = full;
  sidecar.pages = std::move(entry->epoch);
  entry->epoch = std::make_unique<Bitmap>();  // the session goes on until its end; harmless
  Status written = writeAtomically(path, serializeSidecar(sidecar));
  if (!written.isOk()) {
    entry->sidecar.reset();
    ::unlink(path.c_str());
    return written;
  }
  entry->sidecar.emplace(std::move(sidecar));
  remember(*entry, path);
  return Status();
}

Result<ChangedPageSet> changedSince(const fs::path& database, const DatabaseHeader& header) {
  if (header.previousFullBackup.generationLow == 0)
    return Status(JetError::MissingFullBackup,
                  database.string() + ": no full backup is recorded in the header (bkinfoFullPrev is empty): a pages "
                                      "differential holds the pages changed since the last full backup, take one first");
  std::shared_ptr<Entry> entry = entryFor(database);
  std::lock_guard lock(entry->mutex);
  const fs::path path = sidecarPath(database);
  ESEKIT_RETURN_IF_ERROR(refresh(*entry, path));
  if (!entry->sidecar)
    return Status(JetError::InvalidBackupSequence,
                  database.string() + ": the changed-page file " + path.string() +
                      " is missing (it is written by a full backup and kept up to date by every checkpoint; it was "
                      "lost or could not be updated): take a full backup before a pages differential");
  const Sidecar& sidecar = *entry->sidecar;
  if (!(sidecar.databaseSignature == header.databaseSignature))
    return Status(JetError::InvalidBackupSequence,
                  path.string() + ": belongs to database " + sidecar.databaseSignature.toString() + ", not to " +
                      database.string() + " (" + header.databaseSignature.toString() + "): take a full backup first");
  const BackupInfo& full = header.previousFullBackup;
  if (!(sidecar.full.mark == full.mark) || sidecar.full.generationLow != full.generationLow ||
      sidecar.full.generationHigh != full.generationHigh)
    return Status(JetError::InvalidBackupSequence,
                  path.string() + ": tracks pages since the full backup at " + sidecar.full.mark.toString() +
                      " (generations " + std::to_string(sidecar.full.generationLow) + "-" +
                      std::to_string(sidecar.full.generationHigh) + "), but the header's last full backup is at " +
                      full.mark.toString() + " (generations " + std::to_string(full.generationLow) + "-" +
                      std::to_string(full.generationHigh) + "): take a full backup before a pages differential");
  ChangedPageSet set;
  set.databaseSignature = sidecar.databaseSignature;
  set.fullBackup = sidecar.full;
  set.pages.resize(roaring_bitmap_get_cardinality(sidecar.pages->map));
  roaring_bitmap_to_uint32_array(sidecar.pages->map, set.pages.data());
  return set;
}

std::vector<uint8_t> encodePortable(std::span<const uint32_t> pages) {
  Bitmap bitmap;
  roaring_bitmap_add_many(bitmap.map, pages.size(), pages.data());
  roaring_bitmap_run_optimize(bitmap.map);
  return portableBytes(bitmap.map);
}

Result<std::vector<uint32_t>> decodePortable(Bytes bytes, uint64_t pageLimit) {
  auto bitmap = parsePortable(bytes);
  if (!bitmap) return bitmap.status();
  const uint64_t count = roaring_bitmap_get_cardinality((*bitmap)->map);
  if (count == 0) return std::vector<uint32_t>{};
  // Bound the allocation by what the caller says can exist.
  if (count > pageLimit || roaring_bitmap_maximum((*bitmap)->map) >= pageLimit)
    return Status(JetError::InvalidParameter, "the roaring bitmap holds " + std::to_string(count) +
                                                  " pages up to page " +
                                                  std::to_string(roaring_bitmap_maximum((*bitmap)->map)) +
                                                  ", beyond the limit of " + std::to_string(pageLimit));
  std::vector<uint32_t> pages(static_cast<size_t>(count));
  roaring_bitmap_to_uint32_array((*bitmap)->map, pages.data());
  for (size_t i = 1; i < pages.size(); ++i) {
    if (pages[i] <= pages[i - 1]) return Status(JetError::InvalidParameter, "the roaring bitmap is not ordered");
  }
  return pages;
}

}  // namespace esekit::engine::changed_pages
