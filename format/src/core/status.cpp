#include "esekit/format/status.h"

#include <array>

namespace esekit {
namespace {

struct ErrorName {
  JetError code;
  const char* name;
};

// Names as published in jethdr.w (see ese-format/checkpoint-and-backup.md §8).
constexpr std::array kErrorNames{
    ErrorName{JetError::Success, "JET_errSuccess"},
    ErrorName{JetError::InvalidLoggedOperation, "JET_errInvalidLoggedOperation"},
    ErrorName{JetError::LogFileCorrupt, "JET_errLogFileCorrupt"},
    ErrorName{JetError::NoBackupDirectory, "JET_errNoBackupDirectory"},
    ErrorName{JetError::BackupDirectoryNotEmpty, "JET_errBackupDirectoryNotEmpty"},
    ErrorName{JetError::BackupInProgress, "JET_errBackupInProgress"},
    ErrorName{JetError::RestoreInProgress, "JET_errRestoreInProgress"},
    ErrorName{JetError::MissingPreviousLogFile, "JET_errMissingPreviousLogFile"},
    ErrorName{JetError::LogWriteFail, "JET_errLogWriteFail"},
    ErrorName{JetError::LogGenerationMismatch, "JET_errLogGenerationMismatch"},
    ErrorName{JetError::BadLogVersion, "JET_errBadLogVersion"},
    ErrorName{JetError::InvalidLogSequence, "JET_errInvalidLogSequence"},
    ErrorName{JetError::LoggingDisabled, "JET_errLoggingDisabled"},
    ErrorName{JetError::LogBufferTooSmall, "JET_errLogBufferTooSmall"},
    ErrorName{JetError::LogSequenceEnd, "JET_errLogSequenceEnd"},
    ErrorName{JetError::NoBackup, "JET_errNoBackup"},
    ErrorName{JetError::InvalidBackupSequence, "JET_errInvalidBackupSequence"},
    ErrorName{JetError::BackupNotAllowedYet, "JET_errBackupNotAllowedYet"},
    ErrorName{JetError::DeleteBackupFileFail, "JET_errDeleteBackupFileFail"},
    ErrorName{JetError::MakeBackupDirectoryFail, "JET_errMakeBackupDirectoryFail"},
    ErrorName{JetError::InvalidBackup, "JET_errInvalidBackup"},
    ErrorName{JetError::RecoveredWithErrors, "JET_errRecoveredWithErrors"},
    ErrorName{JetError::MissingLogFile, "JET_errMissingLogFile"},
    ErrorName{JetError::LogDiskFull, "JET_errLogDiskFull"},
    ErrorName{JetError::BadLogSignature, "JET_errBadLogSignature"},
    ErrorName{JetError::BadDbSignature, "JET_errBadDbSignature"},
    ErrorName{JetError::BadCheckpointSignature, "JET_errBadCheckpointSignature"},
    ErrorName{JetError::CheckpointCorrupt, "JET_errCheckpointCorrupt"},
    ErrorName{JetError::MissingPatchPage, "JET_errMissingPatchPage"},
    ErrorName{JetError::BadPatchPage, "JET_errBadPatchPage"},
    ErrorName{JetError::RedoAbruptEnded, "JET_errRedoAbruptEnded"},
    ErrorName{JetError::PatchFileMissing, "JET_errPatchFileMissing"},
    ErrorName{JetError::DatabaseLogSetMismatch, "JET_errDatabaseLogSetMismatch"},
    ErrorName{JetError::DatabaseStreamingFileMismatch, "JET_errDatabaseStreamingFileMismatch"},
    ErrorName{JetError::LogFileSizeMismatch, "JET_errLogFileSizeMismatch"},
    ErrorName{JetError::CheckpointFileNotFound, "JET_errCheckpointFileNotFound"},
    ErrorName{JetError::RequiredLogFilesMissing, "JET_errRequiredLogFilesMissing"},
    ErrorName{JetError::SoftRecoveryOnBackupDatabase, "JET_errSoftRecoveryOnBackupDatabase"},
    ErrorName{JetError::LogSectorSizeMismatch, "JET_errLogSectorSizeMismatch"},
    ErrorName{JetError::DatabaseInconsistent, "JET_errDatabaseInconsistent"},
    ErrorName{JetError::ConsistentTimeMismatch, "JET_errConsistentTimeMismatch"},
    ErrorName{JetError::DatabasePatchFileMismatch, "JET_errDatabasePatchFileMismatch"},
    ErrorName{JetError::EndingRestoreLogTooLow, "JET_errEndingRestoreLogTooLow"},
    ErrorName{JetError::StartingRestoreLogTooHigh, "JET_errStartingRestoreLogTooHigh"},
    ErrorName{JetError::GivenLogFileHasBadSignature, "JET_errGivenLogFileHasBadSignature"},
    ErrorName{JetError::GivenLogFileIsNotContiguous, "JET_errGivenLogFileIsNotContiguous"},
    ErrorName{JetError::MissingRestoreLogFiles, "JET_errMissingRestoreLogFiles"},
    ErrorName{JetError::MissingFullBackup, "JET_errMissingFullBackup"},
    ErrorName{JetError::BadBackupDatabaseSize, "JET_errBadBackupDatabaseSize"},
    ErrorName{JetError::DatabaseIncompleteUpgrade, "JET_errDatabaseIncompleteUpgrade"},
    ErrorName{JetError::MissingCurrentLogFiles, "JET_errMissingCurrentLogFiles"},
    ErrorName{JetError::DbTimeTooOld, "JET_errDbTimeTooOld"},
    ErrorName{JetError::DbTimeTooNew, "JET_errDbTimeTooNew"},
    ErrorName{JetError::MissingFileToBackup, "JET_errMissingFileToBackup"},
    ErrorName{JetError::LogTornWriteDuringHardRestore, "JET_errLogTornWriteDuringHardRestore"},
    ErrorName{JetError::LogTornWriteDuringHardRecovery, "JET_errLogTornWriteDuringHardRecovery"},
    ErrorName{JetError::LogCorruptDuringHardRestore, "JET_errLogCorruptDuringHardRestore"},
    ErrorName{JetError::LogCorruptDuringHardRecovery, "JET_errLogCorruptDuringHardRecovery"},
    ErrorName{JetError::BadRestoreTargetInstance, "JET_errBadRestoreTargetInstance"},
    ErrorName{JetError::RecoveredWithoutUndo, "JET_errRecoveredWithoutUndo"},
    ErrorName{JetError::SoftRecoveryOnSnapshot, "JET_errSoftRecoveryOnSnapshot"},
    ErrorName{JetError::CommittedLogFilesMissing, "JET_errCommittedLogFilesMissing"},
    ErrorName{JetError::SectorSizeNotSupported, "JET_errSectorSizeNotSupported"},
    ErrorName{JetError::LogSequenceChecksumMismatch, "JET_errLogSequenceChecksumMismatch"},
    ErrorName{JetError::LogReadVerifyFailure, "JET_errLogReadVerifyFailure"},
    ErrorName{JetError::CheckpointDepthTooDeep, "JET_errCheckpointDepthTooDeep"},
    ErrorName{JetError::RestoreOfNonBackupDatabase, "JET_errRestoreOfNonBackupDatabase"},
    ErrorName{JetError::LogFileNotCopied, "JET_errLogFileNotCopied"},
    ErrorName{JetError::SurrogateBackupInProgress, "JET_errSurrogateBackupInProgress"},
    ErrorName{JetError::DbTimeBeyondMaxRequired, "JET_errDbTimeBeyondMaxRequired"},
    ErrorName{JetError::BackupAbortByServer, "JET_errBackupAbortByServer"},
    ErrorName{JetError::InvalidGrbit, "JET_errInvalidGrbit"},
    ErrorName{JetError::TermInProgress, "JET_errTermInProgress"},
    ErrorName{JetError::FeatureNotAvailable, "JET_errFeatureNotAvailable"},
    ErrorName{JetError::InvalidName, "JET_errInvalidName"},
    ErrorName{JetError::InvalidParameter, "JET_errInvalidParameter"},
    ErrorName{JetError::OutOfMemory, "JET_errOutOfMemory"},
    ErrorName{JetError::ReadVerifyFailure, "JET_errReadVerifyFailure"},
    ErrorName{JetError::PageNotInitialized, "JET_errPageNotInitialized"},
    ErrorName{JetError::DiskIO, "JET_errDiskIO"},
    ErrorName{JetError::InvalidPath, "JET_errInvalidPath"},
    ErrorName{JetError::InvalidDatabase, "JET_errInvalidDatabase"},
    ErrorName{JetError::FileAccessDenied, "JET_errFileAccessDenied"},
    ErrorName{JetError::WriteConflict, "JET_errWriteConflict"},
    ErrorName{JetError::InvalidDatabaseVersion, "JET_errInvalidDatabaseVersion"},
    ErrorName{JetError::KeyTooBig, "JET_errKeyTooBig"},
    ErrorName{JetError::BadParentPageLink, "JET_errBadParentPageLink"},
    ErrorName{JetError::BadPageLink, "JET_errBadPageLink"},
    ErrorName{JetError::SPAvailExtCorrupted, "JET_errSPAvailExtCorrupted"},
    ErrorName{JetError::SPOwnExtCorrupted, "JET_errSPOwnExtCorrupted"},
    ErrorName{JetError::LVCorrupted, "JET_errLVCorrupted"},
    ErrorName{JetError::FileAlreadyExists, "JET_errFileAlreadyExists"},
    ErrorName{JetError::TableInUse, "JET_errTableInUse"},
    ErrorName{JetError::DatabaseInUse, "JET_errDatabaseInUse"},
    ErrorName{JetError::RecordTooBig, "JET_errRecordTooBig"},
    ErrorName{JetError::InTransaction, "JET_errInTransaction"},
    ErrorName{JetError::InvalidSesid, "JET_errInvalidSesid"},
    ErrorName{JetError::TransTooDeep, "JET_errTransTooDeep"},
    ErrorName{JetError::InstanceUnavailable, "JET_errInstanceUnavailable"},
    ErrorName{JetError::TooManyActiveUsers, "JET_errTooManyActiveUsers"},
    ErrorName{JetError::NotInTransaction, "JET_errNotInTransaction"},
    ErrorName{JetError::AlreadyInitialized, "JET_errAlreadyInitialized"},
    ErrorName{JetError::NotInitialized, "JET_errNotInitialized"},
    ErrorName{JetError::ReadPgnoVerifyFailure, "JET_errReadPgnoVerifyFailure"},
    ErrorName{JetError::ReadLostFlushVerifyFailure, "JET_errReadLostFlushVerifyFailure"},
    ErrorName{JetError::DatabaseDuplicate, "JET_errDatabaseDuplicate"},
    ErrorName{JetError::DatabaseNotFound, "JET_errDatabaseNotFound"},
    ErrorName{JetError::DatabaseCorrupted, "JET_errDatabaseCorrupted"},
    ErrorName{JetError::PageSizeMismatch, "JET_errPageSizeMismatch"},
    ErrorName{JetError::DatabaseAttachedForRecovery, "JET_errDatabaseAttachedForRecovery"},
    ErrorName{JetError::TableDuplicate, "JET_errTableDuplicate"},
    ErrorName{JetError::ObjectNotFound, "JET_errObjectNotFound"},
    ErrorName{JetError::RecordNotFound, "JET_errRecordNotFound"},
    ErrorName{JetError::NoCurrentRecord, "JET_errNoCurrentRecord"},
    ErrorName{JetError::KeyDuplicate, "JET_errKeyDuplicate"},
    ErrorName{JetError::DiskFull, "JET_errDiskFull"},
    ErrorName{JetError::FileNotFound, "JET_errFileNotFound"},
    ErrorName{JetError::FileInvalidType, "JET_errFileInvalidType"},
    ErrorName{JetError::LogCorrupted, "JET_errLogCorrupted"},
    ErrorName{JetError::OSSnapshotInvalidSequence, "JET_errOSSnapshotInvalidSequence"},
    ErrorName{JetError::OSSnapshotTimeOut, "JET_errOSSnapshotTimeOut"},
    ErrorName{JetError::OSSnapshotNotAllowed, "JET_errOSSnapshotNotAllowed"},
    ErrorName{JetError::OSSnapshotInvalidSnapId, "JET_errOSSnapshotInvalidSnapId"},
    ErrorName{JetError::FileIOBeyondEOF, "JET_errFileIOBeyondEOF"},
};

}  // namespace

std::string jetErrorName(JetError code) {
  for (const auto& entry : kErrorNames) {
    if (entry.code == code) return entry.name;
  }
  return "JET_err" + std::to_string(static_cast<int32_t>(code));
}

std::string jetErrorName(int32_t code) { return jetErrorName(static_cast<JetError>(code)); }

std::string Status::toString() const {
  if (isOk()) return "JET_errSuccess (0)";
  std::string text = jetErrorName(code_) + " (" + std::to_string(number()) + ")";
  if (!message_.empty()) text += ": " + message_;
  return text;
}

Status Status::withContext(std::string_view context) const {
  if (isOk()) return *this;
  return Status(code_, std::string(context) + ": " + message_);
}

}  // namespace esekit
