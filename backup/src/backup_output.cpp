#include "backup_output.h"

#include <algorithm>
#include <thread>

namespace esekit::backup {

std::string storedFileName(const std::string& name, const BackupOptions& options) {
  return options.compression == Compression::Zstd ? name + ".zst" : name;
}

Result<std::unique_ptr<StoredFileWriter>> createBackupFile(BackupDirectory& directory, const std::string& name,
                                                           const BackupOptions& options) {
  const unsigned workers =
      options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  const std::filesystem::path path = directory.writeDirectory() / storedFileName(name, options);
  auto writer = StoredFileWriter::create(path, options.compression, options.compressionLevel,
                                         options.compression == Compression::Zstd ? workers : 0, options.faultHook);
  if (writer) directory.track(path);
  return writer;
}

ManifestFile finishedFileEntry(const StoredFileWriter& writer, FileKind kind, int32_t generation,
                               const BackupOptions& options, BackupResult& result) {
  ManifestFile entry;
  entry.name = writer.path().filename().string();
  entry.kind = kind;
  entry.generation = generation;
  entry.size = writer.stored().size;
  entry.hash = writer.stored().hash;
  if (options.compression != Compression::None) {
    entry.uncompressedSize = writer.original().size;
    entry.uncompressedHash = writer.original().hash;
  }
  result.bytesStored += entry.size;
  ++result.filesWritten;
  return entry;
}

Status writeManifestFile(BackupDirectory& directory, const Manifest& manifest, const BackupOptions& options) {
  const std::string text = serializeManifest(manifest);
  auto writer = StoredFileWriter::create(directory.writeDirectory() / kManifestFileName, Compression::None, 0, 0,
                                         options.faultHook);
  if (!writer) return writer.status();
  directory.track((*writer)->path());
  ESEKIT_RETURN_IF_ERROR((*writer)->write(Bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
  return (*writer)->finish();
}

}  // namespace esekit::backup
