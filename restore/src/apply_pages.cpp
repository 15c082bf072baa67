// Pages sets in validation and restore (apply_pages.h, doc/pages-differential.md §4).
#include "apply_pages.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "esekit/backup/pages_file.h"
#include "esekit/format/database_header.h"
#include "esekit/format/page.h"
#include "source_file.h"

namespace esekit::restore {
namespace fs = std::filesystem;
namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool endsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string stampText(const BackupInfo& info) {
  return "generations " + std::to_string(info.generationLow) + "-" + std::to_string(info.generationHigh) + ", mark " +
         info.mark.toString();
}

std::string stampText(const backup::BackupStamp& stamp) {
  return "generations " + std::to_string(stamp.startGeneration) + "-" + std::to_string(stamp.endGeneration) +
         ", mark " + stamp.mark.toString();
}

bool sameStamp(const BackupInfo& info, const backup::BackupStamp& stamp) {
  return static_cast<int32_t>(info.generationLow) == stamp.startGeneration &&
         static_cast<int32_t>(info.generationHigh) == stamp.endGeneration && info.mark == stamp.mark;
}

bool isPagesSet(const detail::SetState& set) {
  return set.manifest && set.manifest->type == backup::BackupType::Pages;
}

// The database a .pages file applies to: its stored name without ".zst" and ".pages".
std::string targetName(std::string stored) {
  if (endsWith(stored, ".zst")) stored.resize(stored.size() - 4);
  if (endsWith(stored, backup::kPagesFileSuffix)) stored.resize(stored.size() - backup::kPagesFileSuffix.size());
  return stored;
}

Status writeAll(int fd, Bytes bytes, uint64_t offset, const fs::path& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return Status(errno == ENOSPC ? JetError::DiskFull : JetError::DiskIO,
                    path.string() + ": write at offset " + std::to_string(offset + done) + " failed: " +
                        std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return Status();
}

}  // namespace

namespace detail {

void checkPagesFile(const fs::path& path, Bytes content, const backup::Manifest* manifest, Inspection& inspection) {
  auto layout = backup::parsePagesFile(content, path.string());
  if (!layout) {
    inspection.problem(layout.status().code(), path, layout.status().message());
    return;
  }
  for (const backup::PagesFileProblem& problem : backup::verifyPagesFileImages(*layout, content)) {
    inspection.problem(JetError::ReadVerifyFailure, path, problem.message, {},
                       problem.pgno == 0 ? std::nullopt : std::optional<uint64_t>(problem.pgno), problem.offset);
  }
  if (!manifest) return;
  if (!(layout->header.logSignature == manifest->logSignature))
    inspection.problem(JetError::BadLogSignature, path,
                       "log signature " + layout->header.logSignature.toString() + " (pages file offset 68) is not "
                       "the backup's " + manifest->logSignature.toString(), {}, {}, 68);
  if (manifest->type != backup::BackupType::Pages) {
    inspection.problem(JetError::InvalidBackup, path, "a pages file in a " +
                                                          std::string(backup::backupTypeName(manifest->type)) +
                                                          " backup");
  } else if (!manifest->previous || !sameStamp(layout->header.fullBackup, manifest->previous->stamp)) {
    inspection.problem(JetError::InvalidBackup, path,
                       "base full backup " + stampText(layout->header.fullBackup) +
                           " (pages file offset 96) differs from the manifest's previous backup " +
                           (manifest->previous ? stampText(manifest->previous->stamp) : std::string("(none)")),
                       {}, {}, 96);
  }
}

std::optional<size_t> lastPagesSet(const std::vector<SetState>& sets) {
  std::optional<size_t> index;
  for (size_t i = 0; i < sets.size(); ++i)
    if (isPagesSet(sets[i])) index = i;
  return index;
}

void checkPagesBase(const std::vector<SetState>& sets, size_t pagesIndex, Inspection& inspection) {
  const SetState& pages = sets[pagesIndex];
  const SetState* full = nullptr;
  for (size_t i = 0; i < pagesIndex; ++i) {
    if (!sets[i].databases.empty()) full = &sets[i];
  }
  if (!full) {
    // Validating a pages set on its own (or with logs only) is fine; restore needs its full.
    return;
  }
  if (!pages.manifest->previous) {
    inspection.problem(JetError::InvalidBackupSequence, pages.set.directory,
                       "this pages backup names no full backup it applies to");
    return;
  }
  const backup::BackupStamp& base = pages.manifest->previous->stamp;
  if (!full->manifest) {
    inspection.problem(JetError::InvalidBackupSequence, pages.set.directory,
                       "this pages backup applies to the full backup of " + stampText(base) + ", but " +
                           full->set.directory.string() + " has no manifest to prove it is that backup");
    return;
  }
  const backup::BackupStamp& stamp = full->manifest->stamp;
  if (stamp.startGeneration != base.startGeneration || stamp.endGeneration != base.endGeneration ||
      !(stamp.mark == base.mark) || full->manifest->type != backup::BackupType::Full) {
    inspection.problem(JetError::InvalidBackupSequence, pages.set.directory,
                       "this pages backup holds the pages changed since the full backup of " + stampText(base) +
                           ", but the full backup given before it (" + full->set.directory.string() + ") is a " +
                           std::string(backup::backupTypeName(full->manifest->type)) + " backup of " +
                           stampText(stamp) + ": give the full backup it was taken after");
  }
}

}  // namespace detail

Status applyPagesSets(const ValidationReport& valid, const ValidatedSet& full, const fs::path& staging) {
  // Only the last pages set counts: the replay starts from its logs.
  const ValidatedSet* last = nullptr;
  for (const ValidatedSet& set : valid.sets)
    if (set.backupType == backup::backupTypeName(backup::BackupType::Pages)) last = &set;
  if (last) {
    const ValidatedSet& set = *last;
    auto manifest = backup::readManifest(set.directory);
    if (!manifest) return manifest.status();
    // Everything is checked before the first byte is written.
    struct Work {
      const ValidatedDatabase* database = nullptr;
      std::vector<uint8_t> content;
      backup::PagesFile layout;
      fs::path file;
    };
    std::vector<Work> work;
    for (const backup::ManifestFile& entry : manifest->files) {
      if (entry.kind != backup::FileKind::Pages) continue;
      const fs::path file = set.directory / entry.name;
      auto source = SourceFile::open(file);
      if (!source) return source.status();
      Work item;
      item.file = file;
      if (entry.uncompressedSize) {
        auto data = decompressAll(source->bytes(), entry.uncompressedSize, JetError::ReadVerifyFailure, entry.name);
        if (!data) return data.status();
        item.content = std::move(*data);
      } else {
        item.content.assign(source->bytes().begin(), source->bytes().end());
      }
      auto layout = backup::parsePagesFile(item.content, file.string());
      if (!layout) return layout.status();
      item.layout = std::move(*layout);
      const std::string name = lower(targetName(entry.name));
      for (const ValidatedDatabase& database : full.databases)
        if (lower(database.name) == name) item.database = &database;
      if (!item.database)
        return Status(JetError::DatabaseNotFound, file.string() + ": the full backup " + full.directory.string() +
                                                      " holds no database " + targetName(entry.name));
      if (!(item.layout.header.databaseSignature == item.database->databaseSignature))
        return Status(JetError::BadDbSignature,
                      file.string() + ": pages of database " + item.layout.header.databaseSignature.toString() +
                          ", but " + item.database->file.string() + " is database " +
                          item.database->databaseSignature.toString());
      if (item.layout.header.pageSize != item.database->pageSize)
        return Status(JetError::InvalidParameter, file.string() + ": page size " +
                                                      std::to_string(item.layout.header.pageSize) + ", the database's is " +
                                                      std::to_string(item.database->pageSize));
      const auto problems = backup::verifyPagesFileImages(item.layout, item.content);
      if (!problems.empty())
        return Status(JetError::ReadVerifyFailure, file.string() + ": " + problems.front().message);
      work.push_back(std::move(item));
    }
    for (const Work& item : work) {
      const fs::path target = staging / item.database->name;
      const int fd = ::open(target.c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) return Status(JetError::DiskIO, target.string() + ": cannot open to apply " + item.file.string());
      struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
      } closer{fd};
      const uint32_t pageSize = item.layout.header.pageSize;
      // Header + shadow + pages 1..databasePages: the size at pages-backup time.
      const uint64_t size = (item.layout.header.databasePages + 2) * uint64_t{pageSize};
      if (::ftruncate(fd, static_cast<off_t>(size)) != 0)
        return Status(JetError::DiskIO, target.string() + ": cannot resize to " + std::to_string(size) + " bytes");
      const Bytes content(item.content.data(), item.content.size());
      // Consecutive pages go out in one write.
      const std::vector<uint32_t>& pages = item.layout.pages;
      size_t i = 0;
      while (i < pages.size()) {
        size_t j = i + 1;
        while (j < pages.size() && j - i < 256 && pages[j] == pages[j - 1] + 1) ++j;
        ESEKIT_RETURN_IF_ERROR(writeAll(fd,
                                        content.subspan(static_cast<size_t>(item.layout.imageOffset(i)),
                                                        (j - i) * size_t{pageSize}),
                                        page::fileOffsetOfPage(pages[i], pageSize), target));
        i = j;
      }
      const Bytes header = content.subspan(static_cast<size_t>(item.layout.headerPageOffset), pageSize);
      ESEKIT_RETURN_IF_ERROR(writeAll(fd, header, 0, target));
      ESEKIT_RETURN_IF_ERROR(writeAll(fd, header, pageSize, target));
      if (::fsync(fd) != 0) return Status(JetError::DiskIO, target.string() + ": fsync failed");
    }
  }
  return Status();
}

}  // namespace esekit::restore
