#include "instance/version_store.h"

#include <algorithm>

namespace esekit::engine {

bool VersionStore::acquireIntent(const KeyBytes& key, uint64_t transaction, uint64_t snapshot) {
  std::lock_guard lock(mutex_);
  auto [intent, inserted] = intents_.try_emplace(key, transaction);
  if (!inserted && intent->second != transaction) return false;
  if (!keys_.empty()) {
    auto it = keys_.find(key);
    if (it != keys_.end() && it->second.versions.back().commit > snapshot) {
      if (inserted) intents_.erase(intent);
      return false;
    }
  }
  return true;
}

void VersionStore::releaseIntent(const KeyBytes& key, uint64_t transaction) {
  std::lock_guard lock(mutex_);
  auto it = intents_.find(key);
  if (it == intents_.end() || it->second != transaction) return;
  intents_.erase(it);
}

void VersionStore::addVersion(const KeyBytes& key, uint64_t commit, RowImage before) {
  std::lock_guard lock(mutex_);
  keys_[key].versions.push_back(Version{commit, std::move(before)});
  ++versionCount_;
}

std::optional<RowImage> VersionStore::imageAt(const KeyBytes& key, uint64_t snapshot) const {
  std::lock_guard lock(mutex_);
  auto it = keys_.find(key);
  if (it == keys_.end()) return std::nullopt;
  // The first commit after the snapshot holds the image the snapshot saw.
  for (const Version& version : it->second.versions) {
    if (version.commit > snapshot) return version.before;
  }
  return std::nullopt;
}

std::optional<KeyBytes> VersionStore::neighbourWithVersion(const KeyBytes* key, bool forward, uint64_t snapshot) const {
  std::lock_guard lock(mutex_);
  auto relevant = [&](const KeyState& state) { return state.versions.back().commit > snapshot; };
  if (forward) {
    for (auto it = key ? keys_.upper_bound(*key) : keys_.begin(); it != keys_.end(); ++it) {
      if (relevant(it->second)) return it->first;
    }
    return std::nullopt;
  }
  auto it = key ? keys_.lower_bound(*key) : keys_.end();
  while (it != keys_.begin()) {
    --it;
    if (relevant(it->second)) return it->first;
  }
  return std::nullopt;
}

void VersionStore::collect(uint64_t oldest) {
  std::lock_guard lock(mutex_);
  for (auto it = keys_.begin(); it != keys_.end();) {
    auto& versions = it->second.versions;
    auto keep = std::find_if(versions.begin(), versions.end(), [&](const Version& v) { return v.commit > oldest; });
    versionCount_ -= static_cast<size_t>(keep - versions.begin());
    versions.erase(versions.begin(), keep);
    if (versions.empty()) {
      it = keys_.erase(it);
    } else {
      ++it;
    }
  }
}

bool VersionStore::hasIntents() const {
  std::lock_guard lock(mutex_);
  return !intents_.empty();
}

size_t VersionStore::versionCount() const {
  std::lock_guard lock(mutex_);
  return versionCount_;
}

}  // namespace esekit::engine
