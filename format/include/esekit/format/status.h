// Errors as values: every fallible call in esekit returns a Status or a
// Result<T>. A Status carries an ESE error code (the JET_err* number a Windows
// caller would see) and a message that names the file, offset or page.
// Exceptions never cross a module boundary.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace esekit {

// ESE error numbers (see ese-format/checkpoint-and-backup.md §8 and jethdr.w).
// Only codes esekit reports are listed; jetErrorName() knows their names.
enum class JetError : int32_t {
  Success = 0,
  InvalidLoggedOperation = -500,
  LogFileCorrupt = -501,
  NoBackupDirectory = -503,
  BackupDirectoryNotEmpty = -504,
  BackupInProgress = -505,
  RestoreInProgress = -506,
  MissingPreviousLogFile = -509,
  LogWriteFail = -510,
  LogGenerationMismatch = -513,
  BadLogVersion = -514,
  InvalidLogSequence = -515,
  LoggingDisabled = -516,
  LogBufferTooSmall = -517,
  LogSequenceEnd = -519,
  NoBackup = -520,
  InvalidBackupSequence = -521,
  BackupNotAllowedYet = -523,
  DeleteBackupFileFail = -524,
  MakeBackupDirectoryFail = -525,
  InvalidBackup = -526,
  RecoveredWithErrors = -527,
  MissingLogFile = -528,
  LogDiskFull = -529,
  BadLogSignature = -530,
  BadDbSignature = -531,
  BadCheckpointSignature = -532,
  CheckpointCorrupt = -533,
  MissingPatchPage = -534,
  BadPatchPage = -535,
  RedoAbruptEnded = -536,
  PatchFileMissing = -538,
  DatabaseLogSetMismatch = -539,
  DatabaseStreamingFileMismatch = -540,
  LogFileSizeMismatch = -541,
  CheckpointFileNotFound = -542,
  RequiredLogFilesMissing = -543,
  SoftRecoveryOnBackupDatabase = -544,
  LogSectorSizeMismatch = -546,
  DatabaseInconsistent = -550,  // a.k.a. JET_errDatabaseDirtyShutdown
  ConsistentTimeMismatch = -551,
  DatabasePatchFileMismatch = -552,
  EndingRestoreLogTooLow = -553,
  StartingRestoreLogTooHigh = -554,
  GivenLogFileHasBadSignature = -555,
  GivenLogFileIsNotContiguous = -556,
  MissingRestoreLogFiles = -557,
  MissingFullBackup = -560,
  BadBackupDatabaseSize = -561,
  DatabaseIncompleteUpgrade = -563,
  MissingCurrentLogFiles = -565,
  DbTimeTooOld = -566,
  DbTimeTooNew = -567,
  MissingFileToBackup = -569,
  LogTornWriteDuringHardRestore = -570,
  LogTornWriteDuringHardRecovery = -571,
  LogCorruptDuringHardRestore = -573,
  LogCorruptDuringHardRecovery = -574,
  BadRestoreTargetInstance = -577,
  RecoveredWithoutUndo = -579,
  SoftRecoveryOnSnapshot = -581,
  CommittedLogFilesMissing = -582,
  SectorSizeNotSupported = -583,
  LogSequenceChecksumMismatch = -590,
  LogReadVerifyFailure = -612,
  CheckpointDepthTooDeep = -614,
  RestoreOfNonBackupDatabase = -615,
  LogFileNotCopied = -616,
  SurrogateBackupInProgress = -617,
  DbTimeBeyondMaxRequired = -625,
  BackupAbortByServer = -801,
  InvalidGrbit = -900,
  TermInProgress = -1000,
  FeatureNotAvailable = -1001,
  InvalidName = -1002,
  InvalidParameter = -1003,
  OutOfMemory = -1011,
  ReadVerifyFailure = -1018,
  PageNotInitialized = -1019,
  DiskIO = -1022,
  InvalidPath = -1023,
  InvalidDatabase = -1028,
  FileAccessDenied = -1032,
  WriteConflict = -1102,
  InvalidDatabaseVersion = -1209,
  KeyTooBig = -408,
  BadParentPageLink = -338,
  BadPageLink = -327,
  SPAvailExtCorrupted = -341,
  SPOwnExtCorrupted = -343,
  LVCorrupted = -1526,
  FileAlreadyExists = -1814,
  TableInUse = -1304,
  DatabaseInUse = -1202,
  RecordTooBig = -1026,
  InTransaction = -1108,
  InvalidSesid = -1104,
  TransTooDeep = -1103,
  InstanceUnavailable = -1090,
  TooManyActiveUsers = -1059,
  NotInTransaction = -1054,
  AlreadyInitialized = -1030,
  NotInitialized = -1029,
  ReadPgnoVerifyFailure = -1118,
  ReadLostFlushVerifyFailure = -1119,
  DatabaseDuplicate = -1201,
  DatabaseNotFound = -1203,
  DatabaseCorrupted = -1206,
  PageSizeMismatch = -1213,
  DatabaseAttachedForRecovery = -1231,
  TableDuplicate = -1303,
  ObjectNotFound = -1305,
  RecordNotFound = -1601,
  NoCurrentRecord = -1603,
  KeyDuplicate = -1605,
  DiskFull = -1808,
  FileNotFound = -1811,
  FileInvalidType = -1812,
  LogCorrupted = -1852,
  OSSnapshotInvalidSequence = -2401,
  OSSnapshotTimeOut = -2402,
  OSSnapshotNotAllowed = -2403,
  OSSnapshotInvalidSnapId = -2404,
  FileIOBeyondEOF = -4001,
};

// "JET_errReadVerifyFailure" for -1018; "JET_err<number>" for unknown codes.
std::string jetErrorName(JetError code);
std::string jetErrorName(int32_t code);

class Status {
 public:
  Status() = default;  // success
  Status(JetError code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }

  bool isOk() const { return code_ == JetError::Success; }
  explicit operator bool() const { return isOk(); }
  JetError code() const { return code_; }
  int32_t number() const { return static_cast<int32_t>(code_); }
  const std::string& message() const { return message_; }

  // "JET_errReadVerifyFailure (-1018): page 42 of x.edb: checksum mismatch"
  std::string toString() const;

  // Returns a copy whose message is prefixed with context ("file.edb: ...").
  Status withContext(std::string_view context) const;

 private:
  JetError code_ = JetError::Success;
  std::string message_;
};

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  Result(Status status) : data_(std::in_place_index<1>, std::move(status)) {}
  Result(JetError code, std::string message) : data_(std::in_place_index<1>, Status(code, std::move(message))) {}

  bool isOk() const { return data_.index() == 0; }
  explicit operator bool() const { return isOk(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // The error; Status::ok() when a value is present.
  Status status() const { return isOk() ? Status() : std::get<1>(data_); }

 private:
  std::variant<T, Status> data_;
};

inline Status toStatus(const Status& s) { return s; }
template <typename T>
Status toStatus(const Result<T>& r) { return r.status(); }

}  // namespace esekit

// Propagate a failed Status/Result from the enclosing function (which must
// return Status or some Result<U>).
#define ESEKIT_RETURN_IF_ERROR(expr)                              \
  do {                                                            \
    auto&& esekit_status_ = (expr);                               \
    if (!esekit_status_.isOk()) return ::esekit::toStatus(esekit_status_); \
  } while (0)
