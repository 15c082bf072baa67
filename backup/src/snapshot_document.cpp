// The transportable backup-components document and the pending-snapshot
// record (snapshot.h, doc/snapshot.md). The document is a manifest
// (serializeManifest: type, stamp, files with sizes and XXH3-128 hashes) with
// one more member, "snapshot", which parseManifest ignores; so one schema
// and one parser serve both.
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "esekit/backup/snapshot.h"
#include "esekit/backup/stored_file.h"
#include "esekit/engine/backup_support.h"
#include "json.h"

namespace esekit::backup {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSnapshotMember = "snapshot";

Status documentError(const std::string& where, const std::string& what) {
  return Status(JetError::InvalidBackup, "snapshot document: " + where + ": " + what);
}

Result<const json::Value*> member(const json::Value& object, std::string_view name, const std::string& where,
                                  json::Value::Kind kind) {
  const json::Value* value = object.find(name);
  if (!value) return documentError(where, "member '" + std::string(name) + "' is missing");
  if (value->kind != kind) return documentError(where + "." + std::string(name), "wrong type");
  return value;
}

Result<std::string> text(const json::Value& object, std::string_view name, const std::string& where) {
  auto value = member(object, name, where, json::Value::Kind::String);
  if (!value) return value.status();
  return (*value)->text;
}

Result<int64_t> integer(const json::Value& object, std::string_view name, const std::string& where, int64_t low,
                        int64_t high) {
  auto value = member(object, name, where, json::Value::Kind::Number);
  if (!value) return value.status();
  auto number = (*value)->asInt();
  if (!number || *number < low || *number > high)
    return documentError(where + "." + std::string(name), "not an integer in range");
  return *number;
}

Status writeDurably(const fs::path& path, const std::string& content) {
  // Write a sibling, fsync, rename, fsync the directory: never a torn document.
  const fs::path temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status(JetError::DiskIO, temporary.string() + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return Status(error == ENOSPC ? JetError::DiskFull : JetError::DiskIO,
                    temporary.string() + ": " + std::strerror(error));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    return Status(JetError::DiskIO, temporary.string() + ": fsync: " + std::strerror(errno));
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) return Status(JetError::DiskIO, path.string() + ": rename: " + error.message());
  const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  return syncDirectory(parent);
}

bool sameStamp(const BackupStamp& a, const BackupStamp& b) {
  return a.startGeneration == b.startGeneration && a.endGeneration == b.endGeneration && a.mark == b.mark &&
         a.checkpoint == b.checkpoint;
}

}  // namespace

std::string serializeSnapshotDocument(const SnapshotDescription& snapshot) {
  Manifest m;
  m.type = snapshot.type;
  m.baseName = snapshot.baseName;
  m.logFileSize = snapshot.logFileSize;
  m.logSignature = snapshot.logSignature;
  m.stamp = snapshot.stamp;
  m.creator = "esekit snapshot";
  for (const SnapshotFile& file : snapshot.files) {
    ManifestFile entry;
    entry.name = file.name;
    entry.kind = file.kind;
    entry.generation = file.generation;
    entry.size = file.size;
    entry.hash = file.hash.value_or(Hash128{});
    m.files.push_back(entry);
  }
  std::string manifest = serializeManifest(m);
  json::Writer w;
  w.beginObject();
  w.key("id").string(snapshot.id).key("method").string(snapshot.method);
  w.key("location").string(snapshot.location.string());
  w.key("logDirectory").string(snapshot.logDirectory.string());
  w.key("systemDirectory").string(snapshot.systemDirectory.string());
  w.key("logEnd").beginObject();
  w.key("generation").number(snapshot.logEnd.generation).key("sector").unsignedNumber(snapshot.logEnd.sector);
  w.key("byteOffset").unsignedNumber(snapshot.logEnd.byteOffset).key("text").string(snapshot.logEnd.toString());
  w.endObject();
  w.key("files").beginArray();
  for (const SnapshotFile& file : snapshot.files) {
    w.beginObject().key("name").string(file.name).key("source").string(file.source.string());
    w.key("snapshot").string(file.snapshot.string()).key("current").boolean(file.current);
    if (file.kind == FileKind::Database) w.key("pageSize").unsignedNumber(file.pageSize).key("dbid").unsignedNumber(file.dbid);
    w.endObject();
  }
  w.endArray().endObject();
  // Splice the member in before the manifest's closing brace.
  const size_t close = manifest.rfind('}');
  std::string out = manifest.substr(0, close);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  out += ",\n  \"";
  out += kSnapshotMember;
  out += "\": ";
  // Indented one level, like the manifest's own members.
  for (const char c : w.text()) {
    out += c;
    if (c == '\n') out += "  ";
  }
  out += "\n}\n";
  return out;
}

Result<SnapshotDescription> parseSnapshotDocument(std::string_view document) {
  auto manifest = parseManifest(document);
  if (!manifest) return manifest.status().withContext("snapshot document");
  auto root = json::parse(document);
  if (!root) return root.status();
  auto snap = member(*root, kSnapshotMember, "$", json::Value::Kind::Object);
  if (!snap) return snap.status();
  const json::Value& s = **snap;
  const std::string where = "$.snapshot";
  SnapshotDescription d;
  d.type = manifest->type;
  if (d.type != BackupType::Full && d.type != BackupType::Copy)
    return documentError("$.type", "a snapshot is a full or copy backup");
  d.baseName = manifest->baseName;
  d.logFileSize = manifest->logFileSize;
  d.logSignature = manifest->logSignature;
  d.stamp = manifest->stamp;
  auto id = text(s, "id", where);
  if (!id) return id.status();
  d.id = *id;
  auto method = text(s, "method", where);
  if (!method) return method.status();
  d.method = *method;
  for (auto [name, target] : {std::pair<std::string_view, fs::path*>{"location", &d.location},
                              {"logDirectory", &d.logDirectory}, {"systemDirectory", &d.systemDirectory}}) {
    auto value = text(s, name, where);
    if (!value) return value.status();
    *target = *value;
  }
  auto logEnd = member(s, "logEnd", where, json::Value::Kind::Object);
  if (!logEnd) return logEnd.status();
  auto generation = integer(**logEnd, "generation", where + ".logEnd", 0, INT32_MAX);
  auto sector = integer(**logEnd, "sector", where + ".logEnd", 0, UINT16_MAX);
  auto offset = integer(**logEnd, "byteOffset", where + ".logEnd", 0, UINT16_MAX);
  if (!generation) return generation.status();
  if (!sector) return sector.status();
  if (!offset) return offset.status();
  d.logEnd.generation = static_cast<int32_t>(*generation);
  d.logEnd.sector = static_cast<uint16_t>(*sector);
  d.logEnd.byteOffset = static_cast<uint16_t>(*offset);
  auto files = member(s, "files", where, json::Value::Kind::Array);
  if (!files) return files.status();
  std::map<std::string, const json::Value*> byName;
  for (const json::Value& file : (*files)->items) {
    if (file.kind != json::Value::Kind::Object) return documentError(where + ".files", "an entry is not an object");
    auto name = text(file, "name", where + ".files");
    if (!name) return name.status();
    byName[*name] = &file;
  }
  for (const ManifestFile& listed : manifest->files) {
    auto found = byName.find(listed.name);
    if (found == byName.end()) return documentError(where + ".files", listed.name + " has no snapshot entry");
    const json::Value& entry = *found->second;
    const std::string at = where + ".files[" + listed.name + "]";
    SnapshotFile file;
    file.kind = listed.kind;
    file.name = listed.name;
    file.generation = listed.generation;
    file.size = listed.size;
    file.hash = listed.hash;
    auto source = text(entry, "source", at);
    if (!source) return source.status();
    file.source = *source;
    auto path = text(entry, "snapshot", at);
    if (!path) return path.status();
    file.snapshot = *path;
    auto current = member(entry, "current", at, json::Value::Kind::Bool);
    if (!current) return current.status();
    file.current = (*current)->boolean;
    if (file.kind == FileKind::Database) {
      auto pageSize = integer(entry, "pageSize", at, 0, 65536);
      auto dbid = integer(entry, "dbid", at, 0, 255);
      if (!pageSize) return pageSize.status();
      if (!dbid) return dbid.status();
      file.pageSize = static_cast<uint32_t>(*pageSize);
      file.dbid = static_cast<uint32_t>(*dbid);
    }
    d.files.push_back(std::move(file));
  }
  return d;
}

Result<SnapshotDescription> readSnapshotDocument(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(JetError::FileNotFound, path.string() + ": cannot open the snapshot document");
  std::ostringstream content;
  content << in.rdbuf();
  auto parsed = parseSnapshotDocument(content.str());
  if (!parsed) return parsed.status().withContext(path.string());
  return parsed;
}

Status writeSnapshotDocument(const fs::path& path, const SnapshotDescription& snapshot) {
  for (const SnapshotFile& file : snapshot.files) {
    if (!file.hash) return Status(JetError::InvalidParameter, file.name + ": not hashed yet (hashSnapshotFiles)");
  }
  return writeDurably(path, serializeSnapshotDocument(snapshot));
}

fs::path pendingSnapshotPath(const fs::path& systemDirectory, const std::string& baseName) {
  return systemDirectory / ("esekit-snapshot-" + baseName + ".json");
}

Status exportPendingSnapshot(const SnapshotDescription& snapshot) {
  return writeSnapshotDocument(pendingSnapshotPath(snapshot.systemDirectory, snapshot.baseName), snapshot);
}

Result<int32_t> completeExportedSnapshot(engine::Instance& instance, const SnapshotDescription& document,
                                         bool removeFiles) {
  const fs::path systemDirectory =
      instance.options().systemDirectory.empty() ? instance.options().logDirectory : instance.options().systemDirectory;
  const fs::path pendingPath = pendingSnapshotPath(systemDirectory, instance.options().baseName);
  auto pending = readSnapshotDocument(pendingPath);
  if (!pending) {
    return Status(JetError::OSSnapshotInvalidSnapId,
                  pendingPath.string() + ": no pending snapshot for this instance (" + pending.status().message() + ")");
  }
  if (pending->id != document.id || !(pending->logSignature == document.logSignature) ||
      !sameStamp(pending->stamp, document.stamp) || pending->type != document.type) {
    return Status(JetError::OSSnapshotInvalidSnapId,
                  "snapshot " + document.id + " is not the instance's pending snapshot " + pending->id + " (" +
                      pendingPath.string() + "): it was superseded or belongs to another instance");
  }
  auto session = engine::BackupSession::begin(instance);
  if (!session) return session.status();
  if (!((*session)->logSignature() == document.logSignature))
    return Status(JetError::OSSnapshotInvalidSnapId, "the snapshot belongs to another log stream");
  int32_t limit = 0;
  if (document.type == BackupType::Full && !(*session)->circularLogging()) {
    auto truncated = (*session)->truncateLogs(document.stamp.startGeneration);
    if (!truncated) return truncated.status();
    limit = *truncated;
  }
  BackupInfo info;
  info.mark = document.stamp.mark;
  info.markTime = document.stamp.markTime;
  info.generationLow = static_cast<uint32_t>(document.stamp.startGeneration);
  info.generationHigh = static_cast<uint32_t>(document.stamp.endGeneration);
  ESEKIT_RETURN_IF_ERROR((*session)->recordInHeaders(
      document.type == BackupType::Full ? engine::BackupSession::Slot::Full : engine::BackupSession::Slot::Copy, info));
  session->reset();
  std::error_code error;
  fs::remove(pendingPath, error);
  if (error) return Status(JetError::DiskIO, pendingPath.string() + ": " + error.message());
  ESEKIT_RETURN_IF_ERROR(syncDirectory(systemDirectory));
  if (removeFiles && !pending->location.empty()) fs::remove_all(pending->location, error);
  return limit;
}

}  // namespace esekit::backup
