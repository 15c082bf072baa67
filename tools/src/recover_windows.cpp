// see recover_windows.h; ese-format/log-format.md §1 (names),
// checkpoint-and-backup.md §1 (start), §5 (streamed copy, trailer, .pat),
// database-header.md §2 (required range, signatures).
#include "recover_windows.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "esekit/engine/recovery.h"
#include "esekit/format/checkpoint.h"
#include "esekit/format/checksum.h"
#include "esekit/format/database_header.h"
#include "esekit/format/file_kind.h"
#include "esekit/format/log_header.h"
#include "json_writer.h"
#include "verify_command.h"

namespace esekit::tools {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

Result<std::vector<uint8_t>> readPrefix(const fs::path& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(JetError::FileAccessDenied, path.string() + ": cannot open for reading");
  std::vector<uint8_t> bytes(limit);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(limit));
  bytes.resize(static_cast<size_t>(in.gcount()));
  return bytes;
}

Result<std::vector<uint8_t>> readWhole(const fs::path& path) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  if (error) return Status(JetError::FileAccessDenied, path.string() + ": " + error.message());
  return readPrefix(path, static_cast<size_t>(size));
}

// A log file name: `<base>.log`, `<base>XXXXX.log` / `<base>XXXXXXXX.log`
// (hex generation), or the same with .jtx (log-format.md §1).
struct LogName {
  std::string base;
  bool current = false;
  int32_t generation = 0;  // from the name, archived files only
};
std::optional<LogName> parseLogName(const std::string& name) {
  const std::string low = lower(name);
  if (low.size() < 7) return std::nullopt;
  const std::string extension = low.substr(low.size() - 4);
  if (extension != ".log" && extension != ".jtx") return std::nullopt;
  const std::string stem = name.substr(0, name.size() - 4);
  if (stem.size() == 3) return LogName{stem, true, 0};
  const std::string digits = stem.substr(3);
  if (digits.size() != 5 && digits.size() != 8) return std::nullopt;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
    return std::nullopt;
  return LogName{stem.substr(0, 3), false, static_cast<int32_t>(std::stoul(digits, nullptr, 16))};
}

struct FoundLog {
  fs::path path;
  LogName name;
  LogFileHeader header;
};

struct FoundDatabase {
  fs::path path;
  DatabaseHeader header;
  uint32_t pageSize = 0;
};

std::string loggedFileName(const std::string& logged) {
  const size_t cut = logged.find_last_of("\\/");
  return cut == std::string::npos ? logged : logged.substr(cut + 1);
}

// Copies `from` (opened read-only) to `to`, which must not exist.
Status copyFile(const fs::path& from, const fs::path& to, std::vector<fs::path>& written) {
  std::error_code error;
  if (fs::exists(to, error)) return Status(JetError::InvalidPath, to.string() + ": already exists in the target");
  std::ifstream in(from, std::ios::binary);
  if (!in) return Status(JetError::FileAccessDenied, from.string() + ": cannot open for reading");
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  if (!out) return Status(JetError::FileAccessDenied, to.string() + ": cannot create");
  written.push_back(to);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    out.write(buffer.data(), in.gcount());
  }
  out.flush();
  if (!out || in.bad()) return Status(JetError::DiskIO, to.string() + ": copy from " + from.string() + " failed");
  return Status::ok();
}

// The streamed copy's trailer page / .pat page (checkpoint-and-backup.md §5):
// zero PGHDR except a legacy XOR checksum over the whole page, BKINFO at 40,
// signDb at 64, signLog at 92.
struct PatchPage {
  BackupInfo backup;
  Signature databaseSignature;
  Signature logSignature;
};
std::optional<PatchPage> parsePatchPage(Bytes page) {
  if (page.size() < 148) return std::nullopt;
  if (checksum::legacyXor(page) != loadLittleEndian<uint32_t>(page.data())) return std::nullopt;
  for (size_t i = 8; i < 40; ++i)
    if (page[i] != 0) return std::nullopt;
  ByteView view(page);
  PatchPage patch;
  patch.backup = BackupInfo::parse(view, 40);
  patch.databaseSignature = Signature::parse(view, 64);
  patch.logSignature = Signature::parse(view, 92);
  if (view.overrun()) return std::nullopt;
  return patch;
}

class Recovery {
 public:
  explicit Recovery(const WindowsRecoveryOptions& options) : options_(options) {}

  Result<WindowsRecoveryResult> run() {
    auto status = discover();
    if (status.isOk()) status = check();
    if (status.isOk()) status = copy();
    if (status.isOk()) status = recover();
    if (!status.isOk()) {
      removeWritten();
      return status;
    }
    return result_;
  }

 private:
  fs::path logDirectory() const { return options_.logDirectory.empty() ? options_.directory : options_.logDirectory; }
  fs::path systemDirectory() const {
    return options_.systemDirectory.empty() ? logDirectory() : options_.systemDirectory;
  }

  Status discover() {
    std::error_code error;
    if (!fs::is_directory(options_.directory, error))
      return Status(JetError::InvalidPath, options_.directory.string() + ": not a directory");
    if (options_.target.empty()) return Status(JetError::InvalidParameter, "no --target directory");
    // Databases: every file whose first bytes are an ESE database header.
    for (const auto& entry : fs::directory_iterator(options_.directory, error)) {
      if (!entry.is_regular_file()) continue;
      auto start = readPrefix(entry.path(), kFileKindProbeSize);
      if (!start.isOk()) return start.status();
      if (detectFileKind(*start) != FileKind::Database) continue;
      auto read = readDatabaseHeader(*start);
      if (!read.isOk()) return read.status().withContext(entry.path().string());
      databases_.push_back(FoundDatabase{entry.path(), read->header, read->header.pageSize()});
    }
    if (error) return Status(JetError::InvalidPath, options_.directory.string() + ": " + error.message());
    if (databases_.empty())
      return Status(JetError::FileNotFound, options_.directory.string() + ": no ESE database in this directory");
    std::sort(databases_.begin(), databases_.end(), [](const auto& a, const auto& b) { return a.path < b.path; });

    // Logs, grouped by base name.
    std::map<std::string, std::vector<FoundLog>> byBase;
    for (const auto& entry : fs::directory_iterator(logDirectory(), error)) {
      if (!entry.is_regular_file()) continue;
      auto name = parseLogName(entry.path().filename().string());
      if (!name) continue;
      auto start = readPrefix(entry.path(), kLogFileHeaderSize);
      if (!start.isOk()) return start.status();
      if (detectFileKind(*start) != FileKind::Log) {
        result_.notes.push_back(entry.path().filename().string() + ": not a log (" +
                                std::string(fileKindName(detectFileKind(*start))) + "), ignored");
        continue;
      }
      auto header = parseLogFileHeader(*start);
      if (!header.isOk()) return header.status().withContext(entry.path().string());
      byBase[name->base].push_back(FoundLog{entry.path(), *name, *header});
    }
    if (error) return Status(JetError::InvalidPath, logDirectory().string() + ": " + error.message());
    std::string base = options_.baseName;
    if (base.empty()) {
      if (byBase.empty())
        return Status(JetError::MissingLogFile, logDirectory().string() + ": no log files (<base>.log, <base>XXXXX.log)");
      if (byBase.size() > 1) {
        std::string names;
        for (const auto& [name, logs] : byBase) names += (names.empty() ? "" : ", ") + name;
        return Status(JetError::InvalidParameter,
                      logDirectory().string() + ": logs of several base names (" + names + "): choose one with --base");
      }
      base = byBase.begin()->first;
    } else {
      // Names compare case-insensitively, as on Windows.
      for (const auto& [name, logs] : byBase)
        if (lower(name) == lower(base)) base = name;
    }
    if (!byBase.count(base))
      return Status(JetError::MissingLogFile, logDirectory().string() + ": no log files with base name " + base);
    result_.baseName = base;
    for (FoundLog& log : byBase[base]) {
      const int32_t generation = log.header.generation;
      if (!log.name.current && generation != log.name.generation)
        return Status(JetError::LogGenerationMismatch, log.path.string() + ": the header says generation " +
                                                           std::to_string(generation));
      if (logs_.count(generation))
        return Status(JetError::InvalidLogSequence, log.path.string() + " and " + logs_[generation].path.string() +
                                                        " both hold generation " + std::to_string(generation));
      logs_[generation] = std::move(log);
    }
    for (const char* extension : {".chk", ".jcp"}) {
      const fs::path candidate = systemDirectory() / (base + extension);
      if (fs::exists(candidate, error)) {
        result_.checkpoint = candidate;
        break;
      }
    }
    return Status::ok();
  }

  // Signatures and the required range, before anything is written.
  Status check() {
    const FoundDatabase& database = databases_.front();
    const Signature& logSignature = database.header.logSignature;
    for (const FoundDatabase& other : databases_) {
      if (!(other.header.logSignature == logSignature))
        return Status(JetError::BadLogSignature, other.path.string() + ": its log signature differs from " +
                                                     database.path.string() + "'s: they belong to different log streams");
    }
    for (const auto& [generation, log] : logs_) {
      if (!(log.header.logSignature == logSignature))
        return Status(JetError::BadLogSignature,
                      log.path.string() + " (generation " + std::to_string(generation) + ") has log signature " +
                          log.header.logSignature.toString() + ", the database expects " + logSignature.toString());
    }
    // Start: the checkpoint, else the databases' required range (ESE without
    // a checkpoint, checkpoint-and-backup.md §1).
    int32_t first = 0, needLast = 0;
    for (const FoundDatabase& one : databases_) {
      if (one.header.state == DatabaseState::CleanShutdown) continue;
      const int32_t low = one.header.minRequiredGeneration;
      if (low > 0 && (first == 0 || low < first)) first = low;
      needLast = std::max(needLast, one.header.maxRequiredGeneration);
    }
    if (result_.checkpoint) {
      auto bytes = readWhole(*result_.checkpoint);
      if (!bytes.isOk()) return bytes.status();
      auto checkpoint = readCheckpointFile(*bytes);
      if (!checkpoint.isOk()) return checkpoint.status().withContext(result_.checkpoint->string());
      const Checkpoint& chk = checkpoint->checkpoint;
      if (!(chk.logSignature == logSignature)) {
        result_.notes.push_back(result_.checkpoint->filename().string() +
                                ": belongs to another log stream, ignored (start from the database's required range)");
        result_.checkpoint.reset();
      } else if (first != 0 && chk.checkpoint.generation > first) {
        // The checkpoint is past what a database still needs: ESE would
        // skip those records; start from the required range instead.
        result_.notes.push_back(result_.checkpoint->filename().string() + ": checkpoint at generation " +
                                std::to_string(chk.checkpoint.generation) + " is past generation " +
                                std::to_string(first) + " a database requires: ignored");
        result_.checkpoint.reset();
      } else {
        first = chk.checkpoint.generation;
      }
    }
    if (logs_.empty())
      return Status(JetError::MissingLogFile, logDirectory().string() + ": no log files with base name " + result_.baseName);
    if (first == 0) {
      // Clean databases: replay what is there, which must continue from
      // each database's consistent position.
      first = logs_.begin()->first;
      for (const FoundDatabase& one : databases_) {
        const int32_t consistent = one.header.consistentPosition.generation;
        if (consistent > 0 && consistent < first && logs_.rbegin()->first > consistent)
          return Status(JetError::MissingLogFile,
                        "generation " + std::to_string(consistent) + " (" + result_.baseName + hexName(consistent) +
                            ".log) is missing: " + one.path.filename().string() + " is consistent in it and the logs " +
                            "present start at generation " + std::to_string(first));
      }
    }
    const int32_t last = logs_.rbegin()->first;
    if (needLast > last) {
      return Status(JetError::MissingLogFile,
                    "generation " + std::to_string(needLast) + " (" + result_.baseName + hexName(needLast) +
                        ".log) is required by " + databases_.front().path.filename().string() +
                        " but the newest log present is generation " + std::to_string(last));
    }
    for (int32_t generation = first; generation <= last; ++generation) {
      if (!logs_.count(generation))
        return Status(JetError::MissingLogFile, "generation " + std::to_string(generation) + " (" + result_.baseName +
                                                    hexName(generation) + ".log) is missing from " +
                                                    logDirectory().string() + ": the required logs are " +
                                                    std::to_string(first) + " to " + std::to_string(last));
    }
    for (int32_t generation = first; generation <= last; ++generation) result_.generations.push_back(generation);
    return Status::ok();
  }

  static std::string hexName(int32_t generation) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%05X", static_cast<unsigned>(generation));
    return buffer;
  }

  Status copy() {
    std::error_code error;
    const fs::path target = options_.target;
    if (!fs::exists(target, error)) {
      if (!fs::create_directories(target, error))
        return Status(JetError::InvalidPath, target.string() + ": cannot create: " + error.message());
      createdTarget_ = true;
    }
    const fs::path sourceCanonical = fs::weakly_canonical(options_.directory, error);
    if (fs::weakly_canonical(target, error) == sourceCanonical ||
        fs::weakly_canonical(target, error) == fs::weakly_canonical(logDirectory(), error))
      return Status(JetError::InvalidPath, target.string() + ": the target must not be the evidence directory");
    for (const FoundDatabase& database : databases_) {
      const fs::path to = target / database.path.filename();
      ESEKIT_RETURN_IF_ERROR(copyFile(database.path, to, written_));
      fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add, error);
      ESEKIT_RETURN_IF_ERROR(handleBackupCopy(database, to));
      result_.databases.push_back(to);
    }
    // Logs: archived generations keep their names; the newest becomes
    // `<base>.log` when the set has no current log (a backup set ends with
    // an archived generation).
    const int32_t last = result_.generations.back();
    for (int32_t generation : result_.generations) {
      const FoundLog& log = logs_[generation];
      fs::path name = log.path.filename();
      if (generation == last && !log.name.current) {
        name = result_.baseName + ".log";
        result_.notes.push_back(log.path.filename().string() + ": the newest generation, copied as " + name.string() +
                                " (the set has no current log)");
      }
      ESEKIT_RETURN_IF_ERROR(copyFile(log.path, target / name, written_));
    }
    if (result_.checkpoint) {
      const fs::path to = target / (result_.baseName + ".chk");
      ESEKIT_RETURN_IF_ERROR(copyFile(*result_.checkpoint, to, written_));
    }
    return Status::ok();
  }

  // A streamed backup copy (bkinfoFullCur set): its last page is the
  // trailer, and a `.pat` file may sit next to it (§5). Patch pages are
  // applied; the trailer is cut from the copy (it is no database page).
  Status handleBackupCopy(const FoundDatabase& database, const fs::path& copy) {
    if (database.header.currentFullBackup.generationLow == 0) return Status::ok();
    const uint32_t pageSize = database.pageSize;
    std::error_code error;
    const auto size = fs::file_size(copy, error);
    if (error || pageSize == 0 || size < 3 * uint64_t{pageSize}) return Status::ok();
    std::vector<uint8_t> last(pageSize);
    {
      std::ifstream in(copy, std::ios::binary);
      in.seekg(static_cast<std::streamoff>(size - pageSize));
      in.read(reinterpret_cast<char*>(last.data()), pageSize);
    }
    const auto trailer = parsePatchPage(last);
    if (trailer) {
      if (!(trailer->databaseSignature == database.header.databaseSignature) ||
          !(trailer->logSignature == database.header.logSignature))
        return Status(JetError::DatabasePatchFileMismatch,
                      database.path.string() + ": the trailer page of the backup copy names another database or log stream");
      fs::resize_file(copy, size - pageSize, error);
      if (error) return Status(JetError::DiskIO, copy.string() + ": cannot cut the trailer page: " + error.message());
      result_.notes.push_back(database.path.filename().string() + ": backup copy (logs " +
                              std::to_string(trailer->backup.generationLow) + " to " +
                              std::to_string(trailer->backup.generationHigh) +
                              " needed); its streamed trailer page was removed from the copy");
    }
    fs::path patch = database.path;
    patch.replace_extension(".pat");
    if (!fs::exists(patch, error)) return Status::ok();
    auto bytes = readWhole(patch);
    if (!bytes.isOk()) return bytes.status();
    const auto header = parsePatchPage(Bytes(*bytes).first(std::min<size_t>(bytes->size(), pageSize)));
    if (!header)
      return Status(JetError::BadPatchPage, patch.string() + ": the patch header page does not verify (offset 0)");
    if (!(header->databaseSignature == database.header.databaseSignature) ||
        !(header->logSignature == database.header.logSignature))
      return Status(JetError::DatabasePatchFileMismatch, patch.string() + ": names another database or log stream");
    // Pages after the header copies: database pages to patch in (older ESE).
    size_t applied = 0;
    for (size_t offset = pageSize; offset + pageSize <= bytes->size(); offset += pageSize) {
      const Bytes page = Bytes(*bytes).subspan(offset, pageSize);
      if (std::equal(page.begin(), page.end(), bytes->begin())) continue;  // the second header copy
      if (parsePatchPage(page)) continue;
      return Status(JetError::FeatureNotAvailable,
                    patch.string() + ": holds a page at offset " + std::to_string(offset) +
                        " that is not a patch header; applying patch pages is not implemented");
    }
    result_.notes.push_back(patch.filename().string() + ": patch file with the backup header only (logs " +
                            std::to_string(header->backup.generationLow) + " to " +
                            std::to_string(header->backup.generationHigh) + "), no pages to apply" +
                            (applied ? "" : ""));
    return Status::ok();
  }

  Status recover() {
    const fs::path target = options_.target;
    std::map<std::string, fs::path> byName;
    for (const fs::path& database : result_.databases) byName[lower(database.filename().string())] = database;
    engine::RecoveryOptions recovery;
    recovery.logDirectory = target;
    recovery.systemDirectory = target;
    recovery.baseName = result_.baseName;
    recovery.continueLog = false;
    recovery.replayFromFirstLog = !result_.checkpoint.has_value();
    recovery.locate = [&](const std::string& logged) {
      auto found = byName.find(lower(loggedFileName(logged)));
      if (found != byName.end()) return found->second;
      return target / ("missing-" + loggedFileName(logged));
    };
    auto report = engine::recover(recovery);
    if (!report.isOk()) return report.status();
    result_.report = *report;
    // Every database must now be clean (the report said which it recovered).
    for (const fs::path& database : result_.databases) {
      auto start = readPrefix(database, kFileKindProbeSize);
      if (!start.isOk()) return start.status();
      auto read = readDatabaseHeader(*start);
      if (!read.isOk()) return read.status().withContext(database.string());
      if (read->header.state != DatabaseState::CleanShutdown)
        return Status(JetError::DatabaseInconsistent,
                      database.string() + ": still not clean after recovery: the logs never attach it (is the base "
                                          "name right?)");
    }
    return Status::ok();
  }

  void removeWritten() {
    std::error_code error;
    for (const fs::path& path : written_) fs::remove(path, error);
    if (createdTarget_) fs::remove(options_.target, error);
  }

  const WindowsRecoveryOptions& options_;
  std::vector<FoundDatabase> databases_;
  std::map<int32_t, FoundLog> logs_;
  std::vector<fs::path> written_;
  bool createdTarget_ = false;
  WindowsRecoveryResult result_;
};

}  // namespace

Result<WindowsRecoveryResult> recoverWindowsSet(const WindowsRecoveryOptions& options) {
  return Recovery(options).run();
}

int runRecoverWindows(const WindowsRecoveryOptions& options, bool json, std::ostream& out, std::ostream& err) {
  if (!options.baseName.empty() && options.baseName.size() != 3) {
    err << "esekit recover: --base must be three characters (like edb or SRU)\n";
    return kExitUsage;
  }
  auto result = recoverWindowsSet(options);
  if (json) {
    JsonWriter w;
    w.beginObject().key("directory").string(options.directory.string()).key("target").string(options.target.string());
    if (!result.isOk()) {
      w.key("status").string("error").key("error").string(jetErrorName(result.status().code()));
      w.key("code").number(result.status().number()).key("message").string(result.status().message()).endObject();
      out << w.text() << '\n';
      return kExitBad;
    }
    const engine::RecoveryReport& report = result->report;
    w.key("status").string("ok").key("baseName").string(result->baseName);
    w.key("databases").beginArray();
    for (const auto& database : result->databases) w.string(database.string());
    w.endArray();
    w.key("generations").beginArray();
    for (int32_t generation : result->generations) w.number(generation);
    w.endArray();
    w.key("recovery").beginObject().key("ran").boolean(report.ran);
    w.key("start").string(report.start.toString()).key("end").string(report.end.toString());
    w.key("recordsReplayed").unsignedNumber(report.recordsReplayed);
    w.key("pagesRedone").unsignedNumber(report.pagesRedone).key("pagesSkipped").unsignedNumber(report.pagesSkipped);
    w.key("transactionsCommitted").unsignedNumber(report.transactionsCommitted);
    w.key("transactionsUndone").unsignedNumber(report.transactionsUndone).endObject();
    w.key("notes").beginArray();
    for (const auto& note : result->notes) w.string(note);
    for (const auto& note : report.notes) w.string(note);
    w.endArray().endObject();
    out << w.text() << '\n';
    return kExitOk;
  }
  if (!result.isOk()) {
    out << "esekit recover: " << options.directory.string() << ": " << result.status().toString() << '\n';
    return kExitBad;
  }
  const engine::RecoveryReport& report = result->report;
  out << "esekit recover: " << options.directory.string() << " -> " << options.target.string() << "\n";
  out << "base name: " << result->baseName << ", generations " << result->generations.front() << " to "
      << result->generations.back() << (result->checkpoint ? ", from the checkpoint" : ", no checkpoint") << "\n";
  out << "recovery: from " << report.start.toString() << " to " << report.end.toString() << "\n";
  out << "records replayed: " << report.recordsReplayed << "\n";
  out << "page operations: " << report.pagesRedone << " redone, " << report.pagesSkipped << " already on disk\n";
  out << "transactions: " << report.transactionsCommitted << " committed, " << report.transactionsUndone
      << " undone\n";
  for (const auto& database : result->databases) out << "database: " << database.string() << " (clean)\n";
  for (const auto& note : result->notes) out << "note: " << note << "\n";
  for (const auto& note : report.notes) out << "note: " << note << "\n";
  return kExitOk;
}

}  // namespace esekit::tools
