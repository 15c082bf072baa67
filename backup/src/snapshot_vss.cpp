// The Windows SnapshotSource (snapshot.h): a VSS requester. Compiled only
// when _WIN32 (the Linux build globs this file and gets an empty object);
// CI cross-compiles it with mingw-w64 (scripts/check-vss.sh) so it cannot rot.
//
// esekit is not a VSS writer, so the requester holds the writes itself: the
// engine freeze (snapshot_support.h) brackets DoSnapshotSet, which is where
// VSS creates the shadow copies. Sequence (the IVssBackupComponents calls of
// a backup requester, VSS_CTX_BACKUP, non-persistent shadow copies):
//   prepare: CreateVssBackupComponents, InitializeForBackup, SetContext,
//            SetBackupState(full or copy), GatherWriterMetadata (wait),
//            StartSnapshotSet, AddToSnapshotSet per volume, PrepareForBackup (wait)
//   freeze:  engine freeze, DoSnapshotSet (wait), GetSnapshotProperties per
//            volume: file paths inside the shadow copy device
//   thaw:    engine thaw (OSSnapshotTimeOut when DoSnapshotSet outlived it)
//   complete(true): BackupComplete (wait), then truncation (SnapshotCore)
//   abandon: AbortBackup; releasing the components deletes the shadow copies
// HRESULTs map to JET errors in vssError().
#ifdef _WIN32

#include <windows.h>
#include <objbase.h>
#include <vss.h>
#include <vswriter.h>
#include <vsbackup.h>

#include <cstdio>
#include <map>
#include <string>

#include "snapshot_core.h"

#ifdef __MINGW32__
// mingw-w64's vsbackup.h does not declare the vssapi.dll entry points that
// the Windows SDK wraps in inline functions; libvssapi.a exports them.
extern "C" HRESULT STDAPICALLTYPE CreateVssBackupComponentsInternal(IVssBackupComponents** ppBackup);
extern "C" void STDAPICALLTYPE VssFreeSnapshotPropertiesInternal(VSS_SNAPSHOT_PROP* pProp);
#define ESEKIT_CREATE_VSS_BACKUP_COMPONENTS CreateVssBackupComponentsInternal
#define ESEKIT_FREE_VSS_SNAPSHOT_PROPERTIES VssFreeSnapshotPropertiesInternal
#else
#define ESEKIT_CREATE_VSS_BACKUP_COMPONENTS CreateVssBackupComponents
#define ESEKIT_FREE_VSS_SNAPSHOT_PROPERTIES VssFreeSnapshotProperties
#endif

namespace esekit::backup {
namespace {

namespace fs = std::filesystem;

std::string hresultText(HRESULT hr) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08lX", static_cast<unsigned long>(hr));
  return text;
}

// VSS HRESULT -> JET error (checkpoint-and-backup.md §10: -2401..-2404).
Status vssError(const char* step, HRESULT hr) {
  JetError code = JetError::DiskIO;
  switch (hr) {
    case VSS_E_BAD_STATE: code = JetError::OSSnapshotInvalidSequence; break;
    case VSS_E_FLUSH_WRITES_TIMEOUT:
    case VSS_E_HOLD_WRITES_TIMEOUT: code = JetError::OSSnapshotTimeOut; break;
    case VSS_E_SNAPSHOT_SET_IN_PROGRESS:
    case VSS_E_VOLUME_NOT_SUPPORTED:
    case VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER:
    case VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED:
    case VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED:
    case VSS_E_UNEXPECTED_PROVIDER_ERROR:
    case E_ACCESSDENIED: code = JetError::OSSnapshotNotAllowed; break;
    case VSS_E_OBJECT_NOT_FOUND: code = JetError::OSSnapshotInvalidSnapId; break;
    case VSS_E_INSUFFICIENT_STORAGE: code = JetError::DiskFull; break;
    case E_OUTOFMEMORY: code = JetError::OutOfMemory; break;
    default: break;
  }
  return Status(code, std::string("VSS ") + step + " failed with HRESULT " + hresultText(hr));
}

// Waits for an IVssAsync and releases it; the operation's own result counts.
Status waitAsync(const char* step, HRESULT started, IVssAsync* async) {
  if (FAILED(started)) return vssError(step, started);
  HRESULT hr = async->Wait(INFINITE);
  HRESULT result = S_OK;
  if (SUCCEEDED(hr)) hr = async->QueryStatus(&result, nullptr);
  async->Release();
  if (FAILED(hr)) return vssError(step, hr);
  if (FAILED(result)) return vssError(step, result);
  if (result != VSS_S_ASYNC_FINISHED) return vssError(step, result);
  return Status();
}

// "C:\\" for a path on C:, or the mount point that holds it.
Result<std::wstring> volumeOf(const fs::path& path) {
  wchar_t volume[MAX_PATH + 1] = {};
  const std::wstring full = fs::absolute(path).wstring();
  if (!GetVolumePathNameW(full.c_str(), volume, MAX_PATH))
    return Status(JetError::InvalidPath, path.string() + ": GetVolumePathNameW failed (" +
                                             std::to_string(GetLastError()) + ")");
  return std::wstring(volume);
}

class VssSnapshot final : public SnapshotSource {
 public:
  explicit VssSnapshot(SnapshotOptions options) : core_(std::move(options)) {}
  ~VssSnapshot() override {
    abandon();
    if (comInitialized_) CoUninitialize();
  }

  Status prepare(engine::Instance& instance) override {
    ESEKIT_RETURN_IF_ERROR(core_.prepare(instance, "vss"));
    Status status = prepareVss(instance);
    if (!status.isOk()) abandon();
    return status;
  }

  Status freeze() override {
    ESEKIT_RETURN_IF_ERROR(core_.beginFreeze());
    IVssAsync* async = nullptr;
    Status taken = waitAsync("DoSnapshotSet", components_->DoSnapshotSet(&async), async);
    if (taken.isOk()) taken = mapFiles();
    if (!taken.isOk()) {
      core_.failFreeze();
      return taken;
    }
    core_.runDuringFreeze();
    return Status();
  }

  Status thaw() override { return core_.thaw(); }

  const SnapshotDescription& description() const override { return core_.description(); }

  Status complete(bool success) override {
    if (!success) {
      abandon();
      return Status();
    }
    ESEKIT_RETURN_IF_ERROR(core_.expect(detail::SnapshotStage::Thawed, "complete"));
    // Writers learn that the backup succeeded before esekit truncates.
    IVssAsync* async = nullptr;
    ESEKIT_RETURN_IF_ERROR(waitAsync("BackupComplete", components_->BackupComplete(&async), async));
    backupCompleted_ = true;
    Status status = core_.complete(true);
    release();
    return status;
  }

  void abandon() override {
    core_.abandon();
    release();
  }

 private:
  Status prepareVss(engine::Instance& instance) {
    const HRESULT com = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
    if (FAILED(com) && com != RPC_E_CHANGED_MODE) return vssError("CoInitializeEx", com);
    comInitialized_ = SUCCEEDED(com);
    HRESULT hr = ESEKIT_CREATE_VSS_BACKUP_COMPONENTS(&components_);
    if (FAILED(hr)) return vssError("CreateVssBackupComponents", hr);
    hr = components_->InitializeForBackup(nullptr);
    if (FAILED(hr)) return vssError("InitializeForBackup", hr);
    hr = components_->SetContext(VSS_CTX_BACKUP);
    if (FAILED(hr)) return vssError("SetContext", hr);
    const VSS_BACKUP_TYPE type = core_.options().type == BackupType::Copy ? VSS_BT_COPY : VSS_BT_FULL;
    hr = components_->SetBackupState(false, false, type, false);
    if (FAILED(hr)) return vssError("SetBackupState", hr);
    IVssAsync* async = nullptr;
    ESEKIT_RETURN_IF_ERROR(waitAsync("GatherWriterMetadata", components_->GatherWriterMetadata(&async), async));
    // No component selection (SetBackupState(false, ...)): the metadata was
    // gathered because writers expect it before PrepareForBackup.
    hr = components_->FreeWriterMetadata();
    if (FAILED(hr)) return vssError("FreeWriterMetadata", hr);
    VSS_ID setId{};
    hr = components_->StartSnapshotSet(&setId);
    if (FAILED(hr)) return vssError("StartSnapshotSet", hr);
    // One shadow copy per volume holding a database or the logs.
    std::vector<fs::path> paths{core_.description().logDirectory};
    for (const engine::Database& database : instance.databases()) paths.push_back(database.path());
    for (const fs::path& path : paths) {
      auto volume = volumeOf(path);
      if (!volume) return volume.status();
      if (snapshots_.count(*volume) != 0) continue;
      VSS_ID snapshotId{};
      hr = components_->AddToSnapshotSet(const_cast<VSS_PWSZ>(volume->c_str()), GUID_NULL, &snapshotId);
      if (FAILED(hr)) return vssError("AddToSnapshotSet", hr);
      snapshots_.emplace(*volume, snapshotId);
    }
    async = nullptr;
    return waitAsync("PrepareForBackup", components_->PrepareForBackup(&async), async);
  }

  // Each file's path inside the shadow copy of its volume:
  // <device object>\<path below the volume root>.
  Status mapFiles() {
    std::map<std::wstring, std::wstring> devices;
    for (const auto& [volume, id] : snapshots_) {
      VSS_SNAPSHOT_PROP properties{};
      const HRESULT hr = components_->GetSnapshotProperties(id, &properties);
      if (FAILED(hr)) return vssError("GetSnapshotProperties", hr);
      devices[volume] = properties.m_pwszSnapshotDeviceObject;
      ESEKIT_FREE_VSS_SNAPSHOT_PROPERTIES(&properties);
    }
    core_.description().location = fs::path(devices.begin() != devices.end() ? devices.begin()->second : L"");
    for (SnapshotFile& file : core_.description().files) {
      auto volume = volumeOf(file.source);
      if (!volume) return volume.status();
      auto device = devices.find(*volume);
      if (device == devices.end())
        return Status(JetError::OSSnapshotInvalidSnapId, file.source.string() + ": its volume is not in the snapshot set");
      const std::wstring full = fs::absolute(file.source).wstring();
      std::wstring below = full.substr(std::min(full.size(), volume->size()));
      std::wstring shadow = device->second;
      if (!shadow.empty() && shadow.back() != L'\\') shadow += L'\\';
      file.snapshot = fs::path(shadow + below);
    }
    return Status();
  }

  void release() {
    if (!components_) return;
    if (!backupCompleted_) (void)components_->AbortBackup();
    components_->Release();  // non-persistent shadow copies go with it
    components_ = nullptr;
  }

  detail::SnapshotCore core_;
  IVssBackupComponents* components_ = nullptr;
  std::map<std::wstring, VSS_ID> snapshots_;
  bool comInitialized_ = false;
  bool backupCompleted_ = false;
};

}  // namespace

std::unique_ptr<SnapshotSource> makeVssSnapshot(SnapshotOptions options) {
  return std::make_unique<VssSnapshot>(std::move(options));
}

}  // namespace esekit::backup

#endif  // _WIN32
