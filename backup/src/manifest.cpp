// esekit-backup.json: serialization, parsing and directory checks
// (manifest.h; schema in doc/backup-manifest.md).
#include "esekit/backup/manifest.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <sstream>

#include "json.h"
#include "esekit/backup/stored_file.h"

namespace esekit::backup {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFormatName = "esekit-backup";

std::string toHex(Bytes bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::optional<std::vector<uint8_t>> decodeHex(std::string_view text, size_t expected) {
  if (text.size() != expected * 2) return std::nullopt;
  std::vector<uint8_t> out(expected);
  for (size_t i = 0; i < expected; ++i) {
    uint8_t byte = 0;
    for (size_t k = 0; k < 2; ++k) {
      const char c = text[i * 2 + k];
      byte = static_cast<uint8_t>(byte << 4);
      if (c >= '0' && c <= '9') byte |= static_cast<uint8_t>(c - '0');
      else if (c >= 'a' && c <= 'f') byte |= static_cast<uint8_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') byte |= static_cast<uint8_t>(c - 'A' + 10);
      else return std::nullopt;
    }
    out[i] = byte;
  }
  return out;
}

template <typename T>
std::string structHex(const T& value) {
  std::array<uint8_t, T::kSize> bytes{};
  ByteWriter writer(bytes);
  value.serialize(writer, 0);
  return toHex(bytes);
}

// --- writing ------------------------------------------------------------------

void writePosition(json::Writer& w, std::string_view name, const LogPosition& p) {
  w.key(name).beginObject();
  w.key("generation").number(p.generation).key("sector").unsignedNumber(p.sector);
  w.key("byteOffset").unsignedNumber(p.byteOffset).key("text").string(p.toString());
  w.endObject();
}

void writeTime(json::Writer& w, std::string_view name, const LogTime& t) {
  w.key(name).beginObject().key("hex").string(structHex(t)).key("text").string(t.toString()).endObject();
}

void writeSignature(json::Writer& w, std::string_view name, const Signature& s) {
  w.key(name).beginObject().key("hex").string(structHex(s)).key("text").string(s.toString()).endObject();
}

void writeStamp(json::Writer& w, std::string_view name, const BackupStamp& s) {
  w.key(name).beginObject();
  w.key("startGeneration").number(s.startGeneration).key("endGeneration").number(s.endGeneration);
  writePosition(w, "checkpoint", s.checkpoint);
  writePosition(w, "mark", s.mark);
  writeTime(w, "markTime", s.markTime);
  w.key("unixTime").number(s.unixTime);
  w.endObject();
}

// --- reading ------------------------------------------------------------------

class Reader {
 public:
  Status error(const std::string& where, const std::string& what) const {
    return Status(JetError::InvalidBackup, std::string(kManifestFileName) + ": " + where + ": " + what);
  }

  Result<const json::Value*> member(const json::Value& object, std::string_view name, const std::string& where,
                                    json::Value::Kind kind) const {
    const json::Value* value = object.find(name);
    const std::string path = where + "." + std::string(name);
    if (!value) return error(path, "missing");
    if (value->kind != kind) return error(path, "has the wrong type");
    return value;
  }

  Result<int64_t> integer(const json::Value& object, std::string_view name, const std::string& where, int64_t low,
                          int64_t high) const {
    auto value = member(object, name, where, json::Value::Kind::Number);
    if (!value) return value.status();
    auto number = (*value)->asInt();
    if (!number || *number < low || *number > high)
      return error(where + "." + std::string(name), "not an integer in [" + std::to_string(low) + ", " +
                                                        std::to_string(high) + "]");
    return *number;
  }

  Result<uint64_t> unsignedInteger(const json::Value& object, std::string_view name, const std::string& where) const {
    auto value = member(object, name, where, json::Value::Kind::Number);
    if (!value) return value.status();
    auto number = (*value)->asUnsigned();
    if (!number) return error(where + "." + std::string(name), "not an unsigned integer");
    return *number;
  }

  Result<std::string> string(const json::Value& object, std::string_view name, const std::string& where) const {
    auto value = member(object, name, where, json::Value::Kind::String);
    if (!value) return value.status();
    return (*value)->text;
  }

  template <typename T>
  Result<T> hexStruct(const json::Value& object, std::string_view name, const std::string& where) const {
    auto value = member(object, name, where, json::Value::Kind::Object);
    if (!value) return value.status();
    auto text = string(**value, "hex", where + "." + std::string(name));
    if (!text) return text.status();
    auto bytes = decodeHex(*text, T::kSize);
    if (!bytes) return error(where + "." + std::string(name) + ".hex", "not " + std::to_string(T::kSize * 2) + " hex digits");
    return T::parse(ByteView(*bytes), 0);
  }

  Result<LogPosition> position(const json::Value& object, std::string_view name, const std::string& where) const {
    auto value = member(object, name, where, json::Value::Kind::Object);
    if (!value) return value.status();
    const std::string path = where + "." + std::string(name);
    LogPosition p;
    auto generation = integer(**value, "generation", path, 0, INT32_MAX);
    if (!generation) return generation.status();
    auto sector = integer(**value, "sector", path, 0, UINT16_MAX);
    if (!sector) return sector.status();
    auto offset = integer(**value, "byteOffset", path, 0, UINT16_MAX);
    if (!offset) return offset.status();
    p.generation = static_cast<int32_t>(*generation);
    p.sector = static_cast<uint16_t>(*sector);
    p.byteOffset = static_cast<uint16_t>(*offset);
    return p;
  }

  Result<BackupStamp> stamp(const json::Value& object, std::string_view name, const std::string& where) const {
    auto value = member(object, name, where, json::Value::Kind::Object);
    if (!value) return value.status();
    const std::string path = where + "." + std::string(name);
    BackupStamp s;
    auto start = integer(**value, "startGeneration", path, 0, INT32_MAX);
    if (!start) return start.status();
    auto end = integer(**value, "endGeneration", path, 0, INT32_MAX);
    if (!end) return end.status();
    s.startGeneration = static_cast<int32_t>(*start);
    s.endGeneration = static_cast<int32_t>(*end);
    auto checkpoint = position(**value, "checkpoint", path);
    if (!checkpoint) return checkpoint.status();
    s.checkpoint = *checkpoint;
    auto mark = position(**value, "mark", path);
    if (!mark) return mark.status();
    s.mark = *mark;
    auto markTime = hexStruct<LogTime>(**value, "markTime", path);
    if (!markTime) return markTime.status();
    s.markTime = *markTime;
    auto unixTime = integer(**value, "unixTime", path, INT64_MIN, INT64_MAX);
    if (!unixTime) return unixTime.status();
    s.unixTime = *unixTime;
    return s;
  }

  Result<Hash128> hash(const json::Value& object, std::string_view name, const std::string& where) const {
    auto text = string(object, name, where);
    if (!text) return text.status();
    auto hash = Hash128::fromHex(*text);
    if (!hash) return error(where + "." + std::string(name), "not 32 hex digits");
    return *hash;
  }
};

Result<ManifestDatabase> parseDatabase(const Reader& r, const json::Value& value, const std::string& where) {
  if (value.kind != json::Value::Kind::Object) return r.error(where, "not an object");
  ManifestDatabase d;
  auto original = r.string(value, "originalPath", where);
  if (!original) return original.status();
  d.originalPath = *original;
  auto file = r.string(value, "file", where);
  if (!file) return file.status();
  d.file = *file;
  auto pageSize = r.integer(value, "pageSize", where, 2048, 32768);
  if (!pageSize) return pageSize.status();
  d.pageSize = static_cast<uint32_t>(*pageSize);
  auto dbid = r.integer(value, "dbid", where, 0, 255);
  if (!dbid) return dbid.status();
  d.dbid = static_cast<uint32_t>(*dbid);
  auto signature = r.hexStruct<Signature>(value, "databaseSignature", where);
  if (!signature) return signature.status();
  d.databaseSignature = *signature;
  auto pages = r.unsignedInteger(value, "streamPages", where);
  if (!pages) return pages.status();
  d.streamPages = *pages;
  auto trailer = r.member(value, "trailer", where, json::Value::Kind::Object);
  if (!trailer) return trailer.status();
  auto mark = r.position(**trailer, "mark", where + ".trailer");
  if (!mark) return mark.status();
  d.trailer.mark = *mark;
  auto markTime = r.hexStruct<LogTime>(**trailer, "markTime", where + ".trailer");
  if (!markTime) return markTime.status();
  d.trailer.markTime = *markTime;
  auto low = r.integer(**trailer, "generationLow", where + ".trailer", 0, UINT32_MAX);
  if (!low) return low.status();
  auto high = r.integer(**trailer, "generationHigh", where + ".trailer", 0, UINT32_MAX);
  if (!high) return high.status();
  d.trailer.generationLow = static_cast<uint32_t>(*low);
  d.trailer.generationHigh = static_cast<uint32_t>(*high);
  if (d.file.empty() || d.file.find('/') != std::string::npos || d.file == "." || d.file == "..")
    return r.error(where + ".file", "'" + d.file + "' is not a plain file name");
  return d;
}

Result<ManifestFile> parseFile(const Reader& r, const json::Value& value, const std::string& where) {
  if (value.kind != json::Value::Kind::Object) return r.error(where, "not an object");
  ManifestFile f;
  auto name = r.string(value, "name", where);
  if (!name) return name.status();
  f.name = *name;
  if (f.name.empty() || f.name.find('/') != std::string::npos || f.name == "." || f.name == ".." ||
      f.name == kManifestFileName) {
    return r.error(where + ".name", "'" + f.name + "' is not a plain file name");
  }
  auto kind = r.string(value, "kind", where);
  if (!kind) return kind.status();
  if (*kind == "database") f.kind = FileKind::Database;
  else if (*kind == "log") f.kind = FileKind::Log;
  else if (*kind == "pages") f.kind = FileKind::Pages;
  else return r.error(where + ".kind", "'" + *kind + "' is not database, log or pages");
  if (f.kind == FileKind::Log) {
    auto generation = r.integer(value, "generation", where, 1, INT32_MAX);
    if (!generation) return generation.status();
    f.generation = static_cast<int32_t>(*generation);
  }
  auto size = r.unsignedInteger(value, "size", where);
  if (!size) return size.status();
  f.size = *size;
  auto hash = r.hash(value, "xxh3_128", where);
  if (!hash) return hash.status();
  f.hash = *hash;
  if (value.find("uncompressedSize") || value.find("uncompressedXxh3_128")) {
    auto rawSize = r.unsignedInteger(value, "uncompressedSize", where);
    if (!rawSize) return rawSize.status();
    f.uncompressedSize = *rawSize;
    auto rawHash = r.hash(value, "uncompressedXxh3_128", where);
    if (!rawHash) return rawHash.status();
    f.uncompressedHash = *rawHash;
  }
  return f;
}

}  // namespace

std::string_view backupTypeName(BackupType type) {
  switch (type) {
    case BackupType::Full: return "full";
    case BackupType::Incremental: return "incremental";
    case BackupType::Differential: return "differential";
    case BackupType::Copy: return "copy";
    case BackupType::LogOnly: return "log";
    case BackupType::Pages: return "pages";
  }
  return "unknown";
}

std::optional<BackupType> parseBackupType(std::string_view name) {
  for (BackupType type : {BackupType::Full, BackupType::Incremental, BackupType::Differential, BackupType::Copy,
                          BackupType::LogOnly, BackupType::Pages}) {
    if (backupTypeName(type) == name) return type;
  }
  return std::nullopt;
}

std::string_view compressionName(Compression compression) {
  return compression == Compression::Zstd ? "zstd" : "none";
}

std::string_view fileKindName(FileKind kind) {
  switch (kind) {
    case FileKind::Database: return "database";
    case FileKind::Log: return "log";
    case FileKind::Pages: return "pages";
  }
  return "unknown";
}

std::string Hash128::hex() const {
  std::array<uint8_t, 16> bytes{};
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(high >> (56 - 8 * i));
    bytes[8 + i] = static_cast<uint8_t>(low >> (56 - 8 * i));
  }
  return toHex(bytes);
}

std::optional<Hash128> Hash128::fromHex(std::string_view text) {
  auto bytes = decodeHex(text, 16);
  if (!bytes) return std::nullopt;
  Hash128 hash;
  for (int i = 0; i < 8; ++i) {
    hash.high = (hash.high << 8) | (*bytes)[i];
    hash.low = (hash.low << 8) | (*bytes)[8 + i];
  }
  return hash;
}

std::string serializeManifest(const Manifest& m) {
  json::Writer w;
  w.beginObject();
  w.key("format").string(kFormatName);
  w.key("formatVersion").unsignedNumber(m.formatVersion);
  w.key("creator").string(m.creator);
  w.key("type").string(backupTypeName(m.type));
  w.key("compression").beginObject();
  w.key("algorithm").string(compressionName(m.compression)).key("level").number(m.compressionLevel);
  w.endObject();
  w.key("instance").beginObject();
  w.key("baseName").string(m.baseName).key("logFileSize").unsignedNumber(m.logFileSize);
  writeSignature(w, "logSignature", m.logSignature);
  w.endObject();
  writeStamp(w, "stamp", m.stamp);
  if (m.previous) {
    w.key("previous").beginObject();
    w.key("type").string(backupTypeName(m.previous->type)).key("source").string(m.previous->source);
    writeStamp(w, "stamp", m.previous->stamp);
    w.endObject();
  } else {
    w.key("previous").null();
  }
  w.key("truncation").beginObject();
  w.key("requested").boolean(m.truncateRequested).key("before").number(m.truncateBefore);
  w.endObject();
  w.key("databases").beginArray();
  for (const ManifestDatabase& d : m.databases) {
    w.beginObject();
    w.key("originalPath").string(d.originalPath).key("file").string(d.file);
    w.key("pageSize").unsignedNumber(d.pageSize).key("dbid").unsignedNumber(d.dbid);
    writeSignature(w, "databaseSignature", d.databaseSignature);
    w.key("streamPages").unsignedNumber(d.streamPages);
    w.key("trailer").beginObject();
    writePosition(w, "mark", d.trailer.mark);
    writeTime(w, "markTime", d.trailer.markTime);
    w.key("generationLow").unsignedNumber(d.trailer.generationLow);
    w.key("generationHigh").unsignedNumber(d.trailer.generationHigh);
    w.endObject();
    w.endObject();
  }
  w.endArray();
  w.key("files").beginArray();
  for (const ManifestFile& f : m.files) {
    w.beginObject();
    w.key("name").string(f.name).key("kind").string(fileKindName(f.kind));
    if (f.kind == FileKind::Log) w.key("generation").number(f.generation);
    w.key("size").unsignedNumber(f.size).key("xxh3_128").string(f.hash.hex());
    if (f.uncompressedSize && f.uncompressedHash) {
      w.key("uncompressedSize").unsignedNumber(*f.uncompressedSize);
      w.key("uncompressedXxh3_128").string(f.uncompressedHash->hex());
    }
    w.endObject();
  }
  w.endArray();
  w.endObject();
  return w.text() + "\n";
}

Result<Manifest> parseManifest(std::string_view text) {
  auto parsed = json::parse(text);
  if (!parsed) return parsed.status();
  const json::Value& root = *parsed;
  Reader r;
  if (root.kind != json::Value::Kind::Object) return r.error("$", "not a JSON object");
  Manifest m;
  auto format = r.string(root, "format", "$");
  if (!format) return format.status();
  if (*format != kFormatName) return r.error("$.format", "'" + *format + "' is not " + std::string(kFormatName));
  auto version = r.integer(root, "formatVersion", "$", 1, UINT32_MAX);
  if (!version) return version.status();
  if (*version > kManifestFormatVersion)
    return r.error("$.formatVersion", std::to_string(*version) + " is newer than this esekit reads (" +
                                          std::to_string(kManifestFormatVersion) + ")");
  m.formatVersion = static_cast<uint32_t>(*version);
  if (const json::Value* creator = root.find("creator"); creator && creator->kind == json::Value::Kind::String)
    m.creator = creator->text;
  auto type = r.string(root, "type", "$");
  if (!type) return type.status();
  auto typeValue = parseBackupType(*type);
  if (!typeValue) return r.error("$.type", "unknown backup type '" + *type + "'");
  m.type = *typeValue;

  auto compression = r.member(root, "compression", "$", json::Value::Kind::Object);
  if (!compression) return compression.status();
  auto algorithm = r.string(**compression, "algorithm", "$.compression");
  if (!algorithm) return algorithm.status();
  if (*algorithm == "zstd") m.compression = Compression::Zstd;
  else if (*algorithm == "none") m.compression = Compression::None;
  else return r.error("$.compression.algorithm", "unknown algorithm '" + *algorithm + "'");
  auto level = r.integer(**compression, "level", "$.compression", -131072, 22);
  if (!level) return level.status();
  m.compressionLevel = static_cast<int>(*level);

  auto instance = r.member(root, "instance", "$", json::Value::Kind::Object);
  if (!instance) return instance.status();
  auto baseName = r.string(**instance, "baseName", "$.instance");
  if (!baseName) return baseName.status();
  m.baseName = *baseName;
  auto logFileSize = r.integer(**instance, "logFileSize", "$.instance", 0, UINT32_MAX);
  if (!logFileSize) return logFileSize.status();
  m.logFileSize = static_cast<uint32_t>(*logFileSize);
  auto logSignature = r.hexStruct<Signature>(**instance, "logSignature", "$.instance");
  if (!logSignature) return logSignature.status();
  m.logSignature = *logSignature;

  auto stamp = r.stamp(root, "stamp", "$");
  if (!stamp) return stamp.status();
  m.stamp = *stamp;
  if (m.stamp.endGeneration < m.stamp.startGeneration)
    return r.error("$.stamp", "endGeneration " + std::to_string(m.stamp.endGeneration) + " is below startGeneration " +
                                  std::to_string(m.stamp.startGeneration));

  const json::Value* previous = root.find("previous");
  if (previous && previous->kind == json::Value::Kind::Object) {
    PreviousBackup p;
    auto previousType = r.string(*previous, "type", "$.previous");
    if (!previousType) return previousType.status();
    auto parsedType = parseBackupType(*previousType);
    if (!parsedType) return r.error("$.previous.type", "unknown backup type '" + *previousType + "'");
    p.type = *parsedType;
    auto source = r.string(*previous, "source", "$.previous");
    if (!source) return source.status();
    p.source = *source;
    auto previousStamp = r.stamp(*previous, "stamp", "$.previous");
    if (!previousStamp) return previousStamp.status();
    p.stamp = *previousStamp;
    m.previous = std::move(p);
  } else if (previous && previous->kind != json::Value::Kind::Null) {
    return r.error("$.previous", "neither an object nor null");
  }

  auto truncation = r.member(root, "truncation", "$", json::Value::Kind::Object);
  if (!truncation) return truncation.status();
  auto done = r.member(**truncation, "requested", "$.truncation", json::Value::Kind::Bool);
  if (!done) return done.status();
  m.truncateRequested = (*done)->boolean;
  auto before = r.integer(**truncation, "before", "$.truncation", 0, INT32_MAX);
  if (!before) return before.status();
  m.truncateBefore = static_cast<int32_t>(*before);

  auto databases = r.member(root, "databases", "$", json::Value::Kind::Array);
  if (!databases) return databases.status();
  for (size_t i = 0; i < (*databases)->items.size(); ++i) {
    auto d = parseDatabase(r, (*databases)->items[i], "$.databases[" + std::to_string(i) + "]");
    if (!d) return d.status();
    m.databases.push_back(std::move(*d));
  }
  auto files = r.member(root, "files", "$", json::Value::Kind::Array);
  if (!files) return files.status();
  std::set<std::string> names;
  for (size_t i = 0; i < (*files)->items.size(); ++i) {
    const std::string where = "$.files[" + std::to_string(i) + "]";
    auto f = parseFile(r, (*files)->items[i], where);
    if (!f) return f.status();
    if (!names.insert(f->name).second) return r.error(where + ".name", "'" + f->name + "' is listed twice");
    m.files.push_back(std::move(*f));
  }
  return m;
}

Result<Manifest> readManifest(const fs::path& path) {
  std::error_code error;
  const fs::path file = fs::is_directory(path, error) ? path / kManifestFileName : path;
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status(JetError::FileNotFound, file.string() + ": no backup manifest");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status(JetError::DiskIO, file.string() + ": cannot read");
  auto manifest = parseManifest(text.str());
  if (!manifest) return manifest.status().withContext(file.string());
  return manifest;
}

Status ManifestCheck::status() const {
  if (problems.empty()) return Status();
  const ManifestProblem& p = problems.front();
  std::string message = p.message;
  if (problems.size() > 1) message += " (and " + std::to_string(problems.size() - 1) + " more problems)";
  switch (p.kind) {
    case ManifestProblem::Kind::Missing: return Status(JetError::FileNotFound, message);
    case ManifestProblem::Kind::Unexpected: return Status(JetError::InvalidBackup, message);
    case ManifestProblem::Kind::Unreadable: return Status(JetError::DiskIO, message);
    default: break;
  }
  const bool log = p.file.find(".log") != std::string::npos;
  return Status(log ? JetError::LogReadVerifyFailure : JetError::ReadVerifyFailure, message);
}

ManifestCheck checkBackupDirectory(const fs::path& directory, const Manifest& manifest) {
  ManifestCheck check;
  std::set<std::string> listed{std::string(kManifestFileName)};
  for (const ManifestFile& f : manifest.files) {
    listed.insert(f.name);
    const fs::path path = directory / f.name;
    std::error_code error;
    if (!fs::is_regular_file(path, error)) {
      check.problems.push_back({ManifestProblem::Kind::Missing, f.name, path.string() + ": listed in the manifest but missing"});
      continue;
    }
    auto hashed = hashFile(path);
    if (!hashed) {
      check.problems.push_back({ManifestProblem::Kind::Unreadable, f.name, hashed.status().toString()});
      continue;
    }
    ++check.filesChecked;
    check.bytesHashed += hashed->size;
    if (hashed->size != f.size) {
      check.problems.push_back({ManifestProblem::Kind::SizeMismatch, f.name,
                                path.string() + ": " + std::to_string(hashed->size) + " bytes, the manifest says " +
                                    std::to_string(f.size)});
    } else if (!(hashed->hash == f.hash)) {
      check.problems.push_back({ManifestProblem::Kind::HashMismatch, f.name,
                                path.string() + ": XXH3-128 " + hashed->hash.hex() + ", the manifest says " +
                                    f.hash.hex() + " (the file was altered)"});
    }
  }
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (!listed.count(name))
      check.problems.push_back({ManifestProblem::Kind::Unexpected, name,
                                entry.path().string() + ": not listed in the manifest"});
  }
  if (error)
    check.problems.push_back({ManifestProblem::Kind::Unreadable, directory.string(),
                              directory.string() + ": cannot list: " + error.message()});
  return check;
}

}  // namespace esekit::backup
