// Snapshot isolation for one table: the before-images of rows changed by
// commits that some open transaction may still need, and the write intents
// of open transactions (ESE's version store, ver.hxx, reduced to what
// snapshot reads and write-conflict detection need).
//
// Ordering contract with the B+tree (why reads are correct without holding
// the tree latch across both steps): a commit adds a key's version *before*
// it changes the tree, and a reader reads the tree *before* it asks for the
// version. Whatever the interleaving, a reader with an older snapshot finds
// either the old tree value or the version holding it.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "esekit/format/bytes.h"

namespace esekit::engine {

using KeyBytes = std::vector<uint8_t>;  // ordered like ESE binary keys: memcmp, shorter first

// memcmp order, shorter first. (Spelled out because GCC 12 at -O3 warns
// falsely inside std::vector's operator<.)
inline int compareKeys(const KeyBytes& a, const KeyBytes& b) {
  const size_t common = a.size() < b.size() ? a.size() : b.size();
  const int order = common == 0 ? 0 : std::memcmp(a.data(), b.data(), common);
  if (order != 0) return order;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}
struct KeyLess {
  bool operator()(const KeyBytes& a, const KeyBytes& b) const { return compareKeys(a, b) < 0; }
};

// The row as a snapshot sees it: absent, or present with a value.
using RowImage = std::optional<std::vector<uint8_t>>;

class VersionStore {
 public:
  // A transaction wants to change `key`. Fails (returns false) when another
  // open transaction holds an intent on it, or when a commit newer than
  // `snapshot` changed it (JET_errWriteConflict for the caller).
  bool acquireIntent(const KeyBytes& key, uint64_t transaction, uint64_t snapshot);
  void releaseIntent(const KeyBytes& key, uint64_t transaction);

  // Records that the commit numbered `commit` changes `key`, whose image
  // before that commit was `before`.
  void addVersion(const KeyBytes& key, uint64_t commit, RowImage before);

  // The image of `key` a snapshot taken at `snapshot` must see instead of
  // the tree, if a later commit changed it.
  std::optional<RowImage> imageAt(const KeyBytes& key, uint64_t snapshot) const;

  // The nearest key after (forward) or before `key` that has a version newer
  // than `snapshot` (a row the tree may no longer show, or shows changed).
  std::optional<KeyBytes> neighbourWithVersion(const KeyBytes* key, bool forward, uint64_t snapshot) const;

  // Drops versions no snapshot can see any more: those of commits <= `oldest`.
  void collect(uint64_t oldest);
  // True while some open transaction holds a write intent in this table.
  bool hasIntents() const;
  size_t versionCount() const;

 private:
  struct Version {
    uint64_t commit = 0;
    RowImage before;
  };
  struct KeyState {
    std::vector<Version> versions;  // ascending commit, never empty
  };
  struct KeyHash {
    size_t operator()(const KeyBytes& key) const {
      return std::hash<std::string_view>()(
          std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
    }
  };
  mutable std::mutex mutex_;
  // Versions in key order (neighbourWithVersion walks them); intents apart in
  // a hash table: every written key takes and releases one, and an ordered
  // map insert + erase per key was a tenth of a bulk load (bench/README.md).
  std::map<KeyBytes, KeyState, KeyLess> keys_;
  std::unordered_map<KeyBytes, uint64_t, KeyHash> intents_;  // key -> open transaction
  size_t versionCount_ = 0;
};

}  // namespace esekit::engine
