// SnapshotCore (snapshot_core.h): the ordering rules and the engine side of
// every snapshot implementation.
#include "snapshot_core.h"

#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <system_error>

#include "log_directory.h"

namespace esekit::backup::detail {
namespace {

namespace fs = std::filesystem;

const char* stageName(SnapshotStage stage) {
  switch (stage) {
    case SnapshotStage::Created: return "not prepared";
    case SnapshotStage::Prepared: return "prepared";
    case SnapshotStage::Frozen: return "frozen";
    case SnapshotStage::Thawed: return "thawed";
    case SnapshotStage::Ended: return "ended";
    case SnapshotStage::Failed: return "failed";
  }
  return "unknown";
}

}  // namespace

std::string newSnapshotId() {
  std::random_device device;
  const uint64_t value = (uint64_t{device()} << 32) ^ device() ^
                         static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

Status SnapshotCore::expect(SnapshotStage stage, const char* call) const {
  if (stage_ == stage) return Status();
  return Status(JetError::OSSnapshotInvalidSequence,
                std::string(call) + ": the snapshot is " + stageName(stage_) + ", expected " + stageName(stage));
}

Status SnapshotCore::prepare(engine::Instance& instance, std::string method) {
  ESEKIT_RETURN_IF_ERROR(expect(SnapshotStage::Created, "prepare"));
  if (options_.type != BackupType::Full && options_.type != BackupType::Copy)
    return Status(JetError::InvalidGrbit, std::string("a snapshot is a full or copy backup, not ") +
                                              std::string(backupTypeName(options_.type)));
  auto session = engine::BackupSession::begin(instance);
  if (!session) {
    return Status(JetError::OSSnapshotNotAllowed,
                  "the instance cannot be snapshotted now: " + session.status().toString());
  }
  session_ = std::move(*session);
  instance_ = &instance;
  databases_ = session_->databases();
  SnapshotDescription& d = description_;
  d.id = newSnapshotId();
  d.type = options_.type;
  d.method = std::move(method);
  d.logDirectory = session_->logDirectory();
  d.systemDirectory = instance.options().systemDirectory.empty() ? d.logDirectory : instance.options().systemDirectory;
  d.baseName = session_->baseName();
  d.logFileSize = session_->logFileSize();
  d.logSignature = session_->logSignature();
  d.stamp.startGeneration = session_->startGeneration();
  d.stamp.mark = session_->mark();
  d.stamp.markTime = session_->markTime();
  stage_ = SnapshotStage::Prepared;
  return Status();
}

Status SnapshotCore::beginFreeze() {
  ESEKIT_RETURN_IF_ERROR(expect(SnapshotStage::Prepared, "freeze"));
  auto point = engine::freezeWrites(*instance_, options_.freezeTimeout);
  if (!point) return point.status();
  stage_ = SnapshotStage::Frozen;
  SnapshotDescription& d = description_;
  d.stamp.endGeneration = point->currentGeneration;
  d.stamp.checkpoint = point->checkpoint;
  d.stamp.unixTime =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  d.logEnd = point->logEnd;
  d.files.clear();
  std::error_code error;
  std::set<std::string> names;
  for (const engine::BackupDatabaseInfo& database : databases_) {
    SnapshotFile file;
    file.kind = FileKind::Database;
    file.source = database.path;
    file.name = database.path.filename().string();
    // Two databases with one file name (different directories): dbid prefix, as backup() does.
    if (!names.insert(file.name).second) {
      file.name = std::to_string(database.dbid) + "-" + file.name;
      names.insert(file.name);
    }
    file.pageSize = database.pageSize;
    file.dbid = database.dbid;
    file.size = fs::file_size(file.source, error);
    if (error) {
      failFreeze();
      return Status(JetError::FileNotFound, file.source.string() + ": " + error.message());
    }
    d.files.push_back(std::move(file));
  }
  for (int32_t g = d.stamp.startGeneration; g <= d.stamp.endGeneration; ++g) {
    SnapshotFile file;
    file.kind = FileKind::Log;
    file.generation = g;
    file.current = g == d.stamp.endGeneration;
    file.name = file.current ? d.baseName + ".log" : archivedLogName(d.baseName, g);
    file.source = d.logDirectory / file.name;
    file.size = fs::file_size(file.source, error);
    if (error) {
      failFreeze();
      return Status(JetError::MissingLogFile,
                    file.source.string() + ": log generation " + std::to_string(g) + " of the snapshot: " + error.message());
    }
    d.files.push_back(std::move(file));
  }
  return Status();
}

void SnapshotCore::failFreeze() {
  if (stage_ == SnapshotStage::Frozen) (void)engine::thawWrites(*instance_);
  stage_ = SnapshotStage::Failed;
}

Status SnapshotCore::thaw() {
  ESEKIT_RETURN_IF_ERROR(expect(SnapshotStage::Frozen, "thaw"));
  Status thawed = engine::thawWrites(*instance_);
  if (!thawed.isOk()) {
    stage_ = SnapshotStage::Failed;
    return thawed;
  }
  stage_ = SnapshotStage::Thawed;
  return Status();
}

Status SnapshotCore::complete(bool success) {
  if (!success) {
    abandon();
    return Status();
  }
  ESEKIT_RETURN_IF_ERROR(expect(SnapshotStage::Thawed, "complete"));
  const SnapshotDescription& d = description_;
  if (options_.type == BackupType::Full && !session_->circularLogging()) {
    auto limit = session_->truncateLogs(d.stamp.startGeneration);
    if (!limit) return limit.status();
  }
  BackupInfo info;
  info.mark = d.stamp.mark;
  info.markTime = d.stamp.markTime;
  info.generationLow = static_cast<uint32_t>(d.stamp.startGeneration);
  info.generationHigh = static_cast<uint32_t>(d.stamp.endGeneration);
  ESEKIT_RETURN_IF_ERROR(session_->recordInHeaders(
      options_.type == BackupType::Full ? engine::BackupSession::Slot::Full : engine::BackupSession::Slot::Copy, info));
  session_.reset();
  stage_ = SnapshotStage::Ended;
  return Status();
}

void SnapshotCore::abandon() {
  if (stage_ == SnapshotStage::Frozen) (void)engine::thawWrites(*instance_);
  if (session_) {
    session_->abort();
    session_.reset();
  }
  stage_ = SnapshotStage::Ended;
}

}  // namespace esekit::backup::detail
