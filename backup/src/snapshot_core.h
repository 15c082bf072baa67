// What every SnapshotSource implementation shares (snapshot.h): the
// instance's backup session held from prepare() to complete()/abandon(),
// the ordering rules, the engine freeze and the truncation at completion.
// An implementation adds only how the files are captured (Linux: reflink or
// copy; VSS: a shadow copy). Plain C++20: also compiled by mingw for VSS.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "esekit/backup/snapshot.h"
#include "esekit/engine/backup_support.h"
#include "esekit/engine/snapshot_support.h"

namespace esekit::backup::detail {

enum class SnapshotStage { Created, Prepared, Frozen, Thawed, Ended, Failed };

class SnapshotCore {
 public:
  explicit SnapshotCore(SnapshotOptions options) : options_(std::move(options)) {}

  // prepare(): InvalidSequence unless Created; InvalidGrbit for a type other
  // than Full/Copy; begins the backup session (errors mapped to
  // OSSnapshotNotAllowed) and lists the databases and directories.
  Status prepare(engine::Instance& instance, std::string method);
  // freeze(), part 1: InvalidSequence unless Prepared; freezes the engine and
  // lists the files to capture (source paths, names, sizes) into description_.
  Status beginFreeze();
  // freeze() failed after beginFreeze(): thaw, stage Failed.
  void failFreeze();
  // thaw(): InvalidSequence unless Frozen; OSSnapshotTimeOut -> Failed.
  Status thaw();
  // complete(true) truncation + header record; complete(false) = abandon.
  Status complete(bool success);
  void abandon();

  // Checks the stage; OSSnapshotInvalidSequence naming the call otherwise.
  Status expect(SnapshotStage stage, const char* call) const;
  SnapshotStage stage() const { return stage_; }
  const SnapshotOptions& options() const { return options_; }
  SnapshotDescription& description() { return description_; }
  const SnapshotDescription& description() const { return description_; }
  void runDuringFreeze() const {
    if (options_.duringFreeze) options_.duringFreeze();
  }

 private:
  SnapshotOptions options_;
  SnapshotStage stage_ = SnapshotStage::Created;
  engine::Instance* instance_ = nullptr;
  std::unique_ptr<engine::BackupSession> session_;
  std::vector<engine::BackupDatabaseInfo> databases_;
  SnapshotDescription description_;
};

// Random 16 hex digits for SnapshotDescription::id.
std::string newSnapshotId();

}  // namespace esekit::backup::detail
