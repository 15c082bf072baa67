// `esekit backup --export-snapshot / --from-snapshot / --complete`
// (snapshot_command.h, doc/snapshot.md).
#include "snapshot_command.h"

#include <chrono>
#include <filesystem>
#include <ostream>

#include "esekit/backup/snapshot.h"
#include "esekit/engine/instance.h"
#include "instance_from_log.h"
#include "json_writer.h"
#include "verify_command.h"

namespace esekit::tools {
namespace {

namespace fs = std::filesystem;

int fail(std::ostream& out, bool json, std::string_view mode, const Status& status) {
  if (json) {
    JsonWriter w;
    w.beginObject().key("mode").string(mode).key("status").string("error");
    w.key("error").string(jetErrorName(status.code())).key("code").number(status.number());
    w.key("message").string(status.message()).endObject();
    out << w.text() << '\n';
  } else {
    out << "esekit backup " << mode << ": " << status.toString() << '\n';
  }
  return kExitBad;
}

// Opens the instance of LOGDIR and attaches `databases`.
Result<std::unique_ptr<engine::Instance>> openInstance(const BackupCommandOptions& options,
                                                       const std::vector<std::string>& databases) {
  auto settings = instanceOptionsFromLog(options.logDirectory, options.systemDirectory, options.baseName);
  if (!settings) return settings.status();
  auto instance = engine::Instance::open(*settings);
  if (!instance) return instance.status();
  for (const std::string& db : databases) {
    auto attached = (*instance)->attachDatabase(db);
    if (!attached) {
      (void)(*instance)->shutdown();
      return attached.status().withContext("--database " + db);
    }
  }
  return instance;
}

void writeStamp(JsonWriter& w, const backup::SnapshotDescription& d) {
  w.key("id").string(d.id).key("type").string(backup::backupTypeName(d.type)).key("method").string(d.method);
  w.key("location").string(d.location.string());
  w.key("stamp").beginObject().key("startGeneration").number(d.stamp.startGeneration);
  w.key("endGeneration").number(d.stamp.endGeneration).key("checkpoint").string(d.stamp.checkpoint.toString());
  w.key("mark").string(d.stamp.mark.toString()).endObject();
}

int runExport(const BackupCommandOptions& options, std::ostream& out) {
  const std::string_view mode = "--export-snapshot";
  auto type = backup::parseBackupType(options.type);
  if (!type) return fail(out, options.json, mode, Status(JetError::InvalidGrbit, "--type " + options.type));
  const fs::path document = options.exportSnapshot;
  const fs::path directory =
      options.snapshotDirectory.empty() ? fs::path(document.string() + ".files") : fs::path(options.snapshotDirectory);
  auto instance = openInstance(options, options.databases);
  if (!instance) return fail(out, options.json, mode, instance.status());
  backup::SnapshotOptions snapshotOptions;
  snapshotOptions.type = *type;
  snapshotOptions.directory = directory;
  snapshotOptions.keepFiles = true;  // another process copies them (--from-snapshot)
  snapshotOptions.freezeTimeout = std::chrono::milliseconds(options.freezeTimeoutMs);
  auto snapshot = backup::makeLinuxSnapshot(snapshotOptions);
  Status status = snapshot->prepare(**instance);
  // The window in which the instance's writes wait: freeze + file capture + thaw.
  const auto frozenAt = std::chrono::steady_clock::now();
  if (status.isOk()) status = snapshot->freeze();
  if (status.isOk()) status = snapshot->thaw();
  const double frozenFor = std::chrono::duration<double>(std::chrono::steady_clock::now() - frozenAt).count();
  backup::SnapshotDescription description;
  if (status.isOk()) {
    description = snapshot->description();
    status = backup::hashSnapshotFiles(description);
  }
  // The record first, then the document: a document always has its record.
  if (status.isOk()) status = backup::exportPendingSnapshot(description);
  if (status.isOk()) status = backup::writeSnapshotDocument(document, description);
  // Ends the session without truncation; --complete truncates later.
  snapshot->abandon();
  if (!status.isOk()) {
    std::error_code error;
    fs::remove_all(directory, error);
    if (!description.id.empty())
      fs::remove(backup::pendingSnapshotPath(description.systemDirectory, description.baseName), error);
  }
  const Status down = (*instance)->shutdown();
  if (!status.isOk()) return fail(out, options.json, mode, status);
  if (!down.isOk()) return fail(out, options.json, mode, down);
  uint64_t bytes = 0;
  for (const backup::SnapshotFile& file : description.files) bytes += file.size;
  if (options.json) {
    JsonWriter w;
    w.beginObject().key("mode").string(mode).key("status").string("ok").key("document").string(document.string());
    writeStamp(w, description);
    w.key("files").unsignedNumber(description.files.size()).key("bytes").unsignedNumber(bytes);
    w.key("frozenSeconds").real(frozenFor, 4).endObject();
    out << w.text() << '\n';
  } else {
    out << "esekit backup: snapshot " << description.id << " (" << description.method << ") of "
        << options.logDirectory << " in " << description.location.string() << "\n";
    out << "files: " << description.files.size() << " (" << bytes << " bytes), logs " << description.stamp.startGeneration
        << " to " << description.stamp.endGeneration << "; writes frozen for " << frozenFor << " s\n";
    out << "document: " << document.string() << " (copy with --from-snapshot, then --complete)\n";
  }
  return kExitOk;
}

int runFromSnapshot(const BackupCommandOptions& options, std::ostream& out) {
  const std::string_view mode = "--from-snapshot";
  // `esekit backup --from-snapshot DOC DEST`: the only positional is DEST.
  const std::string destination = options.logDirectory;
  auto document = backup::readSnapshotDocument(options.fromSnapshot);
  if (!document) return fail(out, options.json, mode, document.status());
  backup::BackupOptions backupOptions;
  backupOptions.type = document->type;
  Status compression =
      backup::parseCompressionSpec(options.compress, backupOptions.compression, backupOptions.compressionLevel);
  if (!compression.isOk()) return fail(out, options.json, mode, compression);
  backupOptions.atomic = !options.noAtomic;
  backupOptions.createPaths = options.createPaths;
  auto result = backup::backupFromSnapshot(*document, destination, backupOptions);
  if (!result) return fail(out, options.json, mode, result.status());
  if (options.json) {
    JsonWriter w;
    w.beginObject().key("mode").string(mode).key("status").string("ok").key("destination").string(destination);
    writeStamp(w, *document);
    w.key("files").unsignedNumber(result->filesWritten).key("bytesRead").unsignedNumber(result->bytesRead);
    w.key("bytesStored").unsignedNumber(result->bytesStored).key("seconds").real(result->seconds, 3);
    w.key("notes").beginArray();
    for (const std::string& note : result->notes) w.string(note);
    w.endArray().endObject();
    out << w.text() << '\n';
  } else {
    out << "esekit backup: " << backup::backupTypeName(document->type) << " backup of snapshot " << document->id
        << " into " << destination << "\n";
    out << "files: " << result->filesWritten << " (" << result->bytesRead << " bytes verified) in " << result->seconds
        << " s; logs " << document->stamp.startGeneration << " to " << document->stamp.endGeneration << "\n";
    for (const std::string& note : result->notes) out << "note: " << note << "\n";
  }
  return kExitOk;
}

int runComplete(const BackupCommandOptions& options, std::ostream& out) {
  const std::string_view mode = "--complete";
  auto document = backup::readSnapshotDocument(options.complete);
  if (!document) return fail(out, options.json, mode, document.status());
  // The header slot is recorded in attached databases: by default those of the snapshot.
  std::vector<std::string> databases = options.databases;
  if (databases.empty()) {
    for (const backup::SnapshotFile& file : document->files)
      if (file.kind == backup::FileKind::Database) databases.push_back(file.source.string());
  }
  auto instance = openInstance(options, databases);
  if (!instance) return fail(out, options.json, mode, instance.status());
  auto limit = backup::completeExportedSnapshot(**instance, *document, true);
  const Status down = (*instance)->shutdown();
  if (!limit) return fail(out, options.json, mode, limit.status());
  if (!down.isOk()) return fail(out, options.json, mode, down);
  if (options.json) {
    JsonWriter w;
    w.beginObject().key("mode").string(mode).key("status").string("ok");
    writeStamp(w, *document);
    w.key("logsTruncated").boolean(*limit != 0).key("truncatedBefore").number(*limit).endObject();
    out << w.text() << '\n';
  } else {
    out << "esekit backup: snapshot " << document->id << " complete";
    if (*limit != 0) out << ", logs truncated below generation " << *limit;
    out << "\n";
  }
  return kExitOk;
}

}  // namespace

bool snapshotModeRequested(const BackupCommandOptions& options) {
  return !options.exportSnapshot.empty() || !options.fromSnapshot.empty() || !options.complete.empty();
}

int runSnapshotMode(const BackupCommandOptions& options, std::ostream& out, std::ostream& err) {
  const int modes = int{!options.exportSnapshot.empty()} + int{!options.fromSnapshot.empty()} + int{!options.complete.empty()};
  if (modes != 1) {
    err << "esekit backup: give one of --export-snapshot, --from-snapshot, --complete\n";
    return kExitUsage;
  }
  if (!options.fromSnapshot.empty()) {
    if (options.destinationGiven) {
      // Both positionals given: `--from-snapshot DOC DEST` takes DEST only.
      err << "esekit backup --from-snapshot DOC DEST: no LOGDIR (the document names the files)\n";
      return kExitUsage;
    }
    if (options.logDirectory.empty()) {
      err << "esekit backup --from-snapshot DOC DEST: DEST is missing\n";
      return kExitUsage;
    }
    return runFromSnapshot(options, out);
  }
  if (options.logDirectory.empty() || options.destinationGiven) {
    err << "esekit backup LOGDIR " << (options.complete.empty() ? "--export-snapshot" : "--complete")
        << " DOC: exactly LOGDIR, no DEST\n";
    return kExitUsage;
  }
  if (options.freezeTimeoutMs <= 0) {
    err << "esekit backup: --freeze-timeout must be positive (milliseconds)\n";
    return kExitUsage;
  }
  return options.complete.empty() ? runExport(options, out) : runComplete(options, out);
}

}  // namespace esekit::tools
