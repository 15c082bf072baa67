// The manifest of an esekit backup: `esekit-backup.json`, written last into
// every backup directory. It says what kind of backup this is, which log
// range and checkpoint it covers (the backup stamp), which backup it builds
// on, and lists every file with its size and XXH3-128 hash, so restore and
// validate can tell a complete, unaltered backup from anything else.
// The JSON schema is documented in doc/backup-manifest.md.
//
// This header is shared with restore/ (issue 5): parse, serialize and check
// a backup directory against its manifest. All functions are thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit::backup {

inline constexpr std::string_view kManifestFileName = "esekit-backup.json";
// Bumped on any incompatible schema change; parseManifest() refuses newer ones.
inline constexpr uint32_t kManifestFormatVersion = 1;

// The backup kinds (checkpoint-and-backup.md §2, VSS backup types).
enum class BackupType : uint8_t {
  Full,          // databases + logs [startGeneration, endGeneration]; truncates; header slot Full
  Incremental,   // logs since the last full/incremental; truncates; slot Incremental
  Differential,  // logs since the last full; never truncates; slot Differential
  Copy,          // like Full; never truncates; slot Copy only
  LogOnly,       // logs only, like Incremental (VSS "log" backup); truncates; slot Incremental
  Pages,         // pages changed since the last full (one <db>.pages file per database) + logs
                 // [startGeneration, endGeneration] like Full; never truncates; slot Differential
                 // (doc/pages-differential.md)
};
// "full", "incremental", "differential", "copy", "log", "pages".
std::string_view backupTypeName(BackupType type);
std::optional<BackupType> parseBackupType(std::string_view name);
// Full and Copy copy databases; the others copy logs only.
inline bool copiesDatabases(BackupType type) { return type == BackupType::Full || type == BackupType::Copy; }
// Full, Incremental and LogOnly truncate the instance's logs after success.
inline bool truncatesLogs(BackupType type) {
  return type == BackupType::Full || type == BackupType::Incremental || type == BackupType::LogOnly;
}

enum class Compression : uint8_t { None, Zstd };
std::string_view compressionName(Compression compression);  // "none", "zstd"

// XXH3-128 as XXH128_canonical_t: 16 bytes, big-endian high64 then low64;
// hex() is the 32 lower-case hex digits of that canonical form (what
// `xxhsum -H128` prints).
struct Hash128 {
  uint64_t high = 0;
  uint64_t low = 0;
  std::string hex() const;
  static std::optional<Hash128> fromHex(std::string_view text);
  friend bool operator==(const Hash128&, const Hash128&) = default;
};

// Where a backup sits in the instance's log stream ("backup stamp").
struct BackupStamp {
  // Log generations the backup holds (Full/Copy: what its databases need;
  // log-only kinds: what it copied). endGeneration was closed by the forced
  // rollover of the backup's log phase.
  int32_t startGeneration = 0;
  int32_t endGeneration = 0;
  LogPosition checkpoint;  // the instance's checkpoint when the backup began
  LogPosition mark;        // BKINFO lgposMark recorded in the database headers
  LogTime markTime;        // BKINFO logtimeMark
  int64_t unixTime = 0;    // when the backup completed (seconds since 1970, UTC)
};

// The backup this one builds on (Incremental/Differential/LogOnly).
struct PreviousBackup {
  BackupType type = BackupType::Full;
  BackupStamp stamp;    // from its manifest, or the header BKINFO (then checkpoint and unixTime are 0)
  std::string source;   // "manifest:<path>" or "header:<database path>"
};

struct ManifestDatabase {
  std::string originalPath;  // path of the database when it was backed up (as the log names it)
  std::string file;          // name in the backup directory (without ".zst")
  uint32_t pageSize = 0;
  uint32_t dbid = 0;
  Signature databaseSignature;
  // Pages in the stored stream (checkpoint-and-backup.md §5): header, shadow,
  // pages 1..pgnoLast, and the trailer page (PATCHHDR) as the last page.
  uint64_t streamPages = 0;
  // The trailer's BKINFO: the logs [generationLow, generationHigh] a restore
  // of this database needs at least.
  BackupInfo trailer;
};

enum class FileKind : uint8_t { Database, Log, Pages };
std::string_view fileKindName(FileKind kind);  // "database", "log", "pages"

struct ManifestFile {
  std::string name;  // as stored in the directory ("edb00005.log" or "edb00005.log.zst")
  FileKind kind = FileKind::Log;
  int32_t generation = 0;  // logs: their generation
  uint64_t size = 0;       // stored bytes
  Hash128 hash;            // XXH3-128 of the stored bytes
  // Compressed files only: size and hash of the original bytes.
  std::optional<uint64_t> uncompressedSize;
  std::optional<Hash128> uncompressedHash;
};

struct Manifest {
  uint32_t formatVersion = kManifestFormatVersion;
  BackupType type = BackupType::Full;
  Compression compression = Compression::None;
  int compressionLevel = 0;  // zstd level (0 when none)
  std::string baseName = "edb";  // log base name of the instance
  uint32_t logFileSize = 0;      // bytes per log file
  Signature logSignature;        // signLog of the instance's log stream
  BackupStamp stamp;
  std::optional<PreviousBackup> previous;
  // Whether this backup truncates the instance's logs once it is committed, and
  // the limit: generations below truncateBefore are deleted (clamped to the
  // checkpoint by the engine; the range is known before the commit).
  bool truncateRequested = false;
  int32_t truncateBefore = 0;
  std::vector<ManifestDatabase> databases;
  std::vector<ManifestFile> files;  // databases first, then logs in generation order
  std::string creator = "esekit";
};

// JSON text (pretty-printed, UTF-8, trailing newline). Deterministic.
std::string serializeManifest(const Manifest& manifest);
// Parses and checks the JSON: unknown members are ignored, missing required
// ones, wrong types, bad hex and a newer formatVersion are
// JET_errInvalidBackup naming the member (and the byte offset for syntax errors).
Result<Manifest> parseManifest(std::string_view json);
// Reads `<directory>/esekit-backup.json` (or `path` itself when it names a
// file). FileNotFound when there is none.
Result<Manifest> readManifest(const std::filesystem::path& path);

// One discrepancy between a directory and its manifest.
struct ManifestProblem {
  enum class Kind : uint8_t { Missing, SizeMismatch, HashMismatch, Unexpected, Unreadable };
  Kind kind;
  std::string file;
  std::string message;
};

struct ManifestCheck {
  std::vector<ManifestProblem> problems;
  uint64_t filesChecked = 0;
  uint64_t bytesHashed = 0;
  bool ok() const { return problems.empty(); }
  // Ok, or the first problem as a Status: FileNotFound (missing),
  // ReadVerifyFailure (altered database file), LogReadVerifyFailure (altered
  // log), InvalidBackup (unexpected file).
  Status status() const;
};

// Hashes every listed file of `directory` and compares size and XXH3-128 of
// the stored bytes; other files than the manifest are reported as Unexpected.
ManifestCheck checkBackupDirectory(const std::filesystem::path& directory, const Manifest& manifest);

}  // namespace esekit::backup
