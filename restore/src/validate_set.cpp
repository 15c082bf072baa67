// Per-file checks of one backup set (validate.h), read-only.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

#include "esekit/format/database_header.h"
#include "esekit/format/file_kind.h"
#include "esekit/format/page_verify.h"
#include "apply_pages.h"
#include "esekit/backup/pages_file.h"
#include "source_file.h"
#include "validate_internal.h"

namespace esekit::restore::detail {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kZstdSuffix = ".zst";

bool endsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The trailer page of a streamed database copy (checkpoint-and-backup.md §5).
struct Trailer {
  BackupInfo info;
  Signature databaseSignature;
  Signature logSignature;
};

Trailer parseTrailer(Bytes page) {
  const ByteView view(page);
  Trailer trailer;
  trailer.info = BackupInfo::parse(view, 40);
  trailer.databaseSignature = Signature::parse(view, 64);
  trailer.logSignature = Signature::parse(view, 92);
  return trailer;
}

bool isDirty(DatabaseState state) {
  return state == DatabaseState::DirtyShutdown || state == DatabaseState::DirtyAndPatchedShutdown;
}

class SetInspector {
 public:
  SetInspector(const fs::path& dir, size_t index, Inspection& inspection) : inspection_(inspection) {
    state_.set.directory = dir;
    index_ = index;
  }

  SetState run() {
    const fs::path dir = state_.set.directory;
    const fs::path manifestPath = dir / backup::kManifestFileName;
    std::error_code error;
    if (fs::exists(manifestPath, error)) {
      auto manifest = backup::readManifest(manifestPath);
      if (manifest.isOk()) {
        state_.manifest = std::move(*manifest);
        state_.set.hasManifest = true;
        state_.set.backupType = std::string(backup::backupTypeName(state_.manifest->type));
        state_.set.kind = "esekit " + state_.set.backupType + " backup";
        state_.set.baseName = state_.manifest->baseName;
        state_.set.firstGeneration = state_.manifest->stamp.startGeneration;
        state_.set.lastGeneration = state_.manifest->stamp.endGeneration;
        state_.set.completedUnixTime = state_.manifest->stamp.unixTime;
        for (const backup::ManifestFile& file : state_.manifest->files) listed_[file.name] = &file;
      } else {
        inspection_.problem(manifest.status().code() == JetError::FileNotFound ? JetError::InvalidBackup
                                                                               : manifest.status().code(),
                            manifestPath, "unreadable manifest: " + manifest.status().message());
      }
    }
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
      if (entry.is_regular_file(error) && entry.path().filename() != backup::kManifestFileName)
        files.push_back(entry.path());
    }
    if (error) inspection_.problem(JetError::DiskIO, dir, "cannot list the directory: " + error.message());
    std::sort(files.begin(), files.end());
    if (state_.manifest) {
      for (const backup::ManifestFile& file : state_.manifest->files) {
        if (!fs::exists(dir / file.name, error)) {
          const bool log = file.kind == backup::FileKind::Log;
          inspection_.problem(log ? JetError::MissingLogFile : JetError::FileNotFound, dir / file.name,
                              "listed in the manifest but missing from the backup",
                              log ? std::optional<int32_t>(file.generation) : std::nullopt);
        }
      }
    }
    for (const fs::path& path : files) inspectFile(path);
    for (DatabaseEntry& database : state_.databases) finishDatabase(database);
    if (!state_.manifest) {
      state_.set.kind = state_.patchFiles.empty() ? "log directory" : "JetBackup directory";
      if (!state_.logs.empty()) {
        state_.set.baseName = baseNameOfLogs_.empty() ? "edb" : baseNameOfLogs_;
      }
    }
    std::sort(state_.logs.begin(), state_.logs.end(),
              [](const LogEntry& a, const LogEntry& b) { return a.log.generation < b.log.generation; });
    if (!state_.manifest && !state_.logs.empty()) {
      state_.set.firstGeneration = state_.logs.front().log.generation;
      state_.set.lastGeneration = state_.logs.back().log.generation;
    }
    for (const LogEntry& log : state_.logs) state_.set.logs.push_back(log.log);
    for (const DatabaseEntry& database : state_.databases) state_.set.databases.push_back(database.database);
    return std::move(state_);
  }

 private:
  void inspectFile(const fs::path& path) {
    const std::string stored = path.filename().string();
    const backup::ManifestFile* entry = nullptr;
    if (state_.manifest) {
      auto found = listed_.find(stored);
      if (found == listed_.end()) {
        inspection_.problem(JetError::InvalidBackup, path, "file not listed in the backup manifest");
        return;
      }
      entry = found->second;
    }
    auto source = SourceFile::open(path);
    if (!source.isOk()) {
      inspection_.problem(source.status().code(), path, source.status().message());
      return;
    }
    state_.set.bytesRead += source->size();
    const bool compressed = entry ? entry->uncompressedSize.has_value() || endsWith(stored, kZstdSuffix)
                                  : endsWith(stored, kZstdSuffix);
    const bool isLog = entry ? entry->kind == backup::FileKind::Log : false;
    const JetError hashError = isLog ? JetError::LogReadVerifyFailure : JetError::ReadVerifyFailure;
    std::optional<int32_t> generation;
    if (entry && isLog) generation = entry->generation;
    if (entry) {
      bool intact = true;
      if (source->size() != entry->size) {
        inspection_.problem(hashError, path,
                            "size " + std::to_string(source->size()) + " bytes, the manifest lists " +
                                std::to_string(entry->size) + " (truncated or altered copy)",
                            generation);
        intact = false;
      } else if (!(hash128(source->bytes()) == entry->hash)) {
        inspection_.problem(hashError, path,
                            "XXH3-128 " + hash128(source->bytes()).hex() + " differs from the manifest's " +
                                entry->hash.hex() + " (altered copy)",
                            generation);
        intact = false;
      }
      if (!intact && compressed) {
        inspection_.advance(source->size());
        return;  // damaged compressed data cannot be inspected further
      }
    }
    std::vector<uint8_t> expanded;
    Bytes content = source->bytes();
    std::string name = stored;
    if (compressed) {
      if (endsWith(name, kZstdSuffix)) name.resize(name.size() - kZstdSuffix.size());
      auto data = decompressAll(source->bytes(), entry ? entry->uncompressedSize : std::nullopt, hashError, stored);
      if (!data.isOk()) {
        inspection_.problem(hashError, path, data.status().message(), generation);
        inspection_.advance(source->size());
        return;
      }
      expanded = std::move(*data);
      content = Bytes(expanded.data(), expanded.size());
      if (entry && entry->uncompressedSize && *entry->uncompressedSize != content.size()) {
        inspection_.problem(hashError, path,
                            "decompresses to " + std::to_string(content.size()) + " bytes, the manifest lists " +
                                std::to_string(*entry->uncompressedSize),
                            generation);
      } else if (entry && entry->uncompressedHash && !(hash128(content) == *entry->uncompressedHash)) {
        inspection_.problem(hashError, path, "decompressed XXH3-128 differs from the manifest's", generation);
      }
    }
    classify(path, name, content, entry, compressed);
    inspection_.advance(source->size());
  }

  void classify(const fs::path& path, const std::string& name, Bytes content, const backup::ManifestFile* entry,
                bool compressed) {
    const FileKindDetection detection =
        inspectFileKind(content.first(std::min<size_t>(content.size(), kFileKindProbeSize)));
    const std::optional<LogFileName> logName = parseLogFileName(name);
    const std::string suffix = lower(fs::path(name).extension().string());
    if ((entry && entry->kind == backup::FileKind::Pages) || (!entry && suffix == backup::kPagesFileSuffix)) {
      checkPagesFile(path, content, state_.manifest ? &*state_.manifest : nullptr, inspection_);  // apply_pages.h
      return;
    }
    if (entry && entry->kind == backup::FileKind::Database) {
      checkDatabase(path, name, content, compressed);
      return;
    }
    if ((entry && entry->kind == backup::FileKind::Log) || logName || detection.kind == FileKind::Log) {
      checkLog(path, name, content, compressed, entry ? std::optional<int32_t>(entry->generation) : std::nullopt);
      return;
    }
    switch (detection.kind) {
      case FileKind::Database:
        checkDatabase(path, name, content, compressed);
        return;
      case FileKind::Checkpoint: {
        auto read = readCheckpointFile(content);
        if (read.isOk()) {
          state_.checkpoints.emplace_back(path, read->checkpoint);
        } else {
          inspection_.problem(read.status().code(), path, read.status().message());
        }
        return;
      }
      case FileKind::PatchFile:
        state_.patchFiles.push_back(name);
        state_.set.notes.push_back(name + ": backup patch file (.pat)");
        return;
      default:
        break;
    }
    if (suffix == ".pat") {
      inspection_.problem(JetError::BadPatchPage, path, "patch file whose page does not verify: " + detection.reason);
      return;
    }
    if (suffix == ".chk") {
      inspection_.problem(JetError::CheckpointCorrupt, path, "checkpoint file that does not verify: " + detection.reason);
      return;
    }
    if (suffix == ".edb" || (detection.kind == FileKind::Unknown && detection.fileTypeField == 1)) {
      inspection_.problem(JetError::ReadVerifyFailure, path, "database file whose header is not recognised: " +
                                                                  detection.reason);
      return;
    }
    state_.set.notes.push_back(name + ": " + std::string(fileKindName(detection.kind)) + ", not checked");
  }

  void checkDatabase(const fs::path& path, const std::string& name, Bytes content, bool compressed) {
    auto header = readDatabaseHeader(content.first(std::min<size_t>(content.size(), kFileKindProbeSize)));
    if (!header.isOk()) {
      inspection_.problem(header.status().code(), path, "database header: " + header.status().message(), {}, 0, 0);
      return;
    }
    const DatabaseHeader& h = header->header;
    DatabaseEntry database;
    database.set = index_;
    ValidatedDatabase& d = database.database;
    d.file = path;
    d.name = name;
    d.compressed = compressed;
    d.pageSize = h.pageSize();
    d.state = h.state;
    d.databaseSignature = h.databaseSignature;
    d.logSignature = h.logSignature;
    if (state_.manifest) {
      for (const backup::ManifestDatabase& listed : state_.manifest->databases) {
        if (listed.file == name) {
          d.originalPath = listed.originalPath;
          manifestTrailer_[name] = listed.trailer;
          if (listed.streamPages != 0 && listed.streamPages * d.pageSize != content.size()) {
            inspection_.problem(JetError::ReadVerifyFailure, path,
                                "database copy holds " + std::to_string(content.size() / d.pageSize) +
                                    " pages, the manifest lists " + std::to_string(listed.streamPages) +
                                    " (truncated copy)");
          }
        }
      }
    }
    page::VerifyOptions verify;
    verify.threads = inspection_.options.threads;
    verify.maxProblems = inspection_.options.maxPageProblems;
    const page::DatabaseImageReport image = page::verifyDatabaseImage(content, d.pageSize, verify);
    if (!image.imageStatus.isOk()) {
      inspection_.problem(image.imageStatus.code() == JetError::Success ? JetError::ReadVerifyFailure
                                                                        : image.imageStatus.code(),
                          path, image.imageStatus.message() + " (truncated copy?)", {}, {},
                          content.size() - image.trailingBytes);
    }
    for (const page::PageProblem& problem : image.problems) {
      if (problem.tolerated || problem.pageClass == page::PageClass::Corrected) continue;
      inspection_.problem(problem.error, path, problem.status().message(), {}, problem.pageNumber, problem.fileOffset);
    }
    if (image.unlistedProblems > 0) {
      inspection_.problem(JetError::ReadVerifyFailure, path,
                          std::to_string(image.unlistedProblems) + " more damaged pages not listed");
    }
    d.pages = image.totalPages;
    d.trailerPage = image.trailerPage;
    d.restoredSize = content.size() - image.trailingBytes - (image.trailerPage ? d.pageSize : 0);

    // The logs this copy needs (checkpoint-and-backup.md §6, database-header.md §6).
    int32_t low = 0, high = 0;
    if (isDirty(h.state)) {
      low = h.minRequiredGeneration;
      high = h.maxRequiredGeneration;
    } else if (h.state != DatabaseState::CleanShutdown) {
      inspection_.problem(JetError::DatabaseInconsistent, path,
                          "database state " + databaseStateName(h.state) +
                              ": neither clean nor a dirty copy recovery can start from");
    }
    if (h.currentFullBackup.generationLow != 0) {
      low = static_cast<int32_t>(h.currentFullBackup.generationLow);
      high = std::max<int32_t>(high, static_cast<int32_t>(h.currentFullBackup.generationHigh));
      database.needsTrailer = h.currentFullBackup.generationHigh == 0;
    }
    std::optional<Trailer> trailer;
    if (image.trailerPage) {
      const uint64_t offset = content.size() - image.trailingBytes - d.pageSize;
      trailer = parseTrailer(content.subspan(offset, d.pageSize));
      if (!(trailer->logSignature == h.logSignature) || !(trailer->databaseSignature == h.databaseSignature)) {
        inspection_.problem(JetError::DatabasePatchFileMismatch, path,
                            "the backup trailer page's signatures do not match the database header", {}, {}, offset);
      }
    }
    auto listedTrailer = manifestTrailer_.find(name);
    if (!trailer && listedTrailer != manifestTrailer_.end() && listedTrailer->second.generationLow != 0) {
      trailer = Trailer{listedTrailer->second, h.databaseSignature, h.logSignature};
    }
    if (trailer && trailer->info.generationLow != 0) {
      low = static_cast<int32_t>(trailer->info.generationLow);
      high = std::max<int32_t>(high, static_cast<int32_t>(trailer->info.generationHigh));
      database.needsTrailer = false;
    }
    if (high < low) high = low;
    d.requiredLow = low;
    d.requiredHigh = high;
    state_.databases.push_back(std::move(database));
  }

  void finishDatabase(DatabaseEntry& database) {
    if (!database.needsTrailer) return;
    // A JetBackup directory keeps the end of the range in <db>.pat instead.
    const std::string stem = lower(fs::path(database.database.name).stem().string());
    for (const std::string& patch : state_.patchFiles) {
      if (lower(fs::path(patch).stem().string()) == stem) return;
    }
    inspection_.problem(JetError::BadPatchPage, database.database.file,
                        "streamed database copy without its trailer page (truncated copy): the last page is not a "
                        "backup trailer and no .pat file is present");
  }

  void checkLog(const fs::path& path, const std::string& name, Bytes content, bool compressed,
                std::optional<int32_t> listedGeneration) {
    const LogFileIdentity identity = identifyLogFile(name, content);
    if (identity.spare || identity.recycled) {
      state_.set.notes.push_back(name + ": " + identity.summary);
      return;
    }
    auto header = parseLogFileHeader(content);
    const Status headerCheck = header.isOk() ? verifyLogFileHeaderChecksum(content) : header.status();
    if (!headerCheck.isOk()) {
      const std::optional<int32_t> generation =
          listedGeneration ? listedGeneration
          : identity.name && identity.name->role == LogFileRole::Archived
              ? std::optional<int32_t>(identity.name->generation)
              : std::nullopt;
      inspection_.problem(JetError::LogFileCorrupt, path, "log header: " + headerCheck.message(), generation, {}, 0);
      return;
    }
    LogEntry entry;
    entry.header = *header;
    entry.log.generation = header->generation;
    entry.log.file = path;
    entry.log.compressed = compressed;
    entry.log.current = identity.name && identity.name->role == LogFileRole::Current;
    entry.log.created = header->created;
    entry.log.fileSize = static_cast<uint32_t>(content.size());
    entry.log.set = index_;
    if (identity.name) {
      baseNameOfLogs_ = identity.name->baseName;
      const Status named = checkLogFileName(*identity.name, *header);
      if (!named.isOk()) inspection_.problem(named.code(), path, named.message(), header->generation);
    }
    if (listedGeneration && *listedGeneration != header->generation) {
      inspection_.problem(JetError::LogGenerationMismatch, path,
                          "the manifest lists generation " + std::to_string(*listedGeneration) +
                              ", the log header says " + std::to_string(header->generation),
                          header->generation);
    }
    LogScanOptions scanOptions;
    scanOptions.collectRecords = false;
    auto scan = scanLogFile(content, scanOptions);
    if (!scan.isOk()) {
      inspection_.problem(scan.status().code(), path, scan.status().message(), header->generation);
    } else {
      // logtimeSegmentStart of the last data segment (log-format.md §5.1).
      if (scan->format == LogFormat::Segments && scan->lastDataSector != 0) {
        const uint64_t offset = uint64_t{scan->lastDataSector} * header->sectorSize + 16;
        if (offset + LogTime::kSize <= content.size())
          entry.log.lastSegmentStart = LogTime::parse(ByteView(content), offset);
      }
      entry.scan = std::move(*scan);
    }
    state_.logs.push_back(std::move(entry));
  }

  Inspection& inspection_;
  SetState state_;
  size_t index_ = 0;
  std::map<std::string, const backup::ManifestFile*> listed_;
  std::map<std::string, BackupInfo> manifestTrailer_;
  std::string baseNameOfLogs_;
};

}  // namespace

fs::path setDirectory(const fs::path& dir) {
  std::error_code error;
  bool hasFiles = false;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_regular_file(error)) {
      hasFiles = true;
      break;
    }
  }
  // An atomic JetBackup directory keeps the backup in new/ (old/ is the previous one), §4.
  if (!hasFiles && fs::is_directory(dir / "new", error)) return dir / "new";
  return dir;
}

uint64_t setBytes(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_regular_file(error)) total += entry.file_size(error);
  }
  return total;
}

SetState inspectSet(const fs::path& dir, size_t index, Inspection& inspection) {
  return SetInspector(dir, index, inspection).run();
}

std::string archivedLogName(const std::string& baseName, int32_t generation, const std::string& extension) {
  char digits[16];
  std::snprintf(digits, sizeof digits, generation <= 0xFFFFF ? "%05X" : "%08X", static_cast<unsigned>(generation));
  return baseName + digits + "." + extension;
}

}  // namespace esekit::restore::detail
