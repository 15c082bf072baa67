// Sessions and transactions: buffered writes with write intents, snapshot
// reads, and commit through InstanceImpl::runCommit (instance_impl.h).
#include <algorithm>

#include "esekit/engine/key_normalization.h"
#include "instance/instance_impl.h"

namespace esekit::engine {
namespace {

enum WriteMode { kInsert = 0, kReplace = 1, kPut = 2, kErase = 3 };

Status checkKey(Bytes key) {
  if (key.empty()) return Status(JetError::InvalidParameter, "empty key: keys are 1 to 255 bytes");
  if (key.size() > kMaxKeySize) {
    return Status(JetError::KeyTooBig, "key of " + std::to_string(key.size()) + " bytes: at most 255");
  }
  return Status();
}

Status checkTable(const Table& table) {
  if (!table.valid()) return Status(JetError::InvalidParameter, "no table (default-constructed Table handle)");
  auto impl = table.impl();
  if (impl->deleted) return Status(JetError::ObjectNotFound, "table " + impl->info.name + " was deleted");
  if (impl->database.detached) {
    return Status(JetError::DatabaseNotFound, impl->database.path.string() + " is detached");
  }
  return Status();
}

}  // namespace

const PendingWrite* SessionImpl::ownWrite(const TableImpl& table, const KeyBytes& key) const {
  auto found = writes.find(&table);
  if (found == writes.end()) return nullptr;
  auto it = found->second.find(key);
  return it == found->second.end() ? nullptr : &it->second;
}

SessionImpl::~SessionImpl() {
  if (inTransaction) (void)rollback();
  instance.endSession(procid);
}

Status SessionImpl::begin() {
  if (inTransaction) return Status(JetError::InTransaction, "session already has an open transaction (esekit transactions do not nest)");
  if (instance.stopped) return Status(JetError::TermInProgress, "the instance is shut down");
  snapshot = instance.takeSnapshot();
  transactionId = ++instance.transactionCounter;
  inTransaction = true;
  return Status();
}

void SessionImpl::releaseIntents() {
  for (auto& [table, tableWrites] : writes) {
    for (auto& [key, write] : tableWrites) write.table->versions.releaseIntent(key, transactionId);
  }
  writes.clear();
}

Status SessionImpl::rollback() {
  if (!inTransaction) return Status(JetError::NotInTransaction, "rollback without an open transaction");
  releaseIntents();
  instance.dropSnapshot(snapshot);
  inTransaction = false;
  return Status();
}

Status SessionImpl::commit(Durability durability) {
  if (!inTransaction) return Status(JetError::NotInTransaction, "commit without an open transaction");
  Status result;
  if (!writes.empty()) {
    auto committed = instance.runCommit(procid, [&](const store::OperationContext& context) -> Status {
      // The commit number this commit will publish; older snapshots need the before-images.
      const uint64_t commitNumber = instance.commitCounter.load() + 1;
      const bool keepVersions = instance.hasOtherSnapshots();
      // The database latch is taken once per run of writes to one database,
      // not once per row.
      DatabaseImpl* latched = nullptr;
      std::unique_lock<std::shared_mutex> latch;
      for (auto& [tablePointer, tableWrites] : writes) for (auto& [writeKey, write] : tableWrites) {
        TableImpl& table = *write.table;
        if (!write.after && !write.existedBefore) continue;  // inserted and erased again: nothing to do
        if (table.deleted) return Status(JetError::ObjectNotFound, "table " + table.info.name + " was deleted");
        DatabaseImpl& database = table.database;
        if (latched != &database) {
          if (latch.owns_lock()) latch.unlock();
          latch = std::unique_lock(database.latch);
          latched = &database;
        }
        if (keepVersions) {
          RowImage before;
          if (write.existedBefore) {
            auto current = database.tables->getRow(table.info, writeKey);
            if (!current.isOk()) return current.status();
            before = std::move(*current);
          }
          table.versions.addVersion(writeKey, commitNumber, std::move(before));
        }
        Status applied;
        if (!write.after) {
          applied = database.tables->eraseRow(table.info, writeKey, context);
        } else if (write.existedBefore) {
          applied = database.tables->replaceRow(table.info, writeKey, *write.after, context);
        } else {
          applied = database.tables->insertRow(table.info, writeKey, *write.after, context);
        }
        if (!applied.isOk()) return applied;
      }
      return Status();
    });
    if (!committed.isOk()) {
      result = committed.status();
    } else {
      const Durability effective =
          durability == Durability::Default ? instance.options.defaultDurability : durability;
      if (effective == Durability::Durable) result = instance.waitDurable(*committed);
    }
  }
  releaseIntents();
  instance.dropSnapshot(snapshot);
  inTransaction = false;
  return result;
}

Result<RowImage> SessionImpl::committedImage(TableImpl& table, const KeyBytes& key, uint64_t at) {
  RowImage fromTree;
  {
    std::shared_lock latch(table.database.latch);
    auto row = table.database.tables->getRow(table.info, key);
    if (!row.isOk()) return row.status();
    fromTree = std::move(*row);
  }
  // Tree first, then versions: see version_store.h.
  if (auto older = table.versions.imageAt(key, at)) return std::move(*older);
  return fromTree;
}

Result<RowImage> SessionImpl::read(TableImpl& table, const KeyBytes& key) {
  if (inTransaction) {
    if (const PendingWrite* own = ownWrite(table, key)) return own->after;
    return committedImage(table, key, snapshot);
  }
  const uint64_t at = instance.takeSnapshot();
  auto image = committedImage(table, key, at);
  instance.dropSnapshot(at);
  return image;
}

Status SessionImpl::write(const Table& handle, Bytes key, std::optional<Bytes> value, int mode) {
  ESEKIT_RETURN_IF_ERROR(checkTable(handle));
  ESEKIT_RETURN_IF_ERROR(checkKey(key));
  if (value && value->size() > kMaxValueSize) {
    return Status(JetError::RecordTooBig, "value of " + std::to_string(value->size()) + " bytes: at most 1 GiB");
  }
  const bool implicit = !inTransaction;
  if (implicit) ESEKIT_RETURN_IF_ERROR(begin());
  auto finish = [&](Status status) -> Status {
    if (!implicit) return status;
    if (!status.isOk()) {
      (void)rollback();
      return status;
    }
    return commit(Durability::Default);
  };

  std::shared_ptr<TableImpl> table = handle.impl();
  KeyBytes keyBytes(key.begin(), key.end());
  auto current = read(*table, keyBytes);
  if (!current.isOk()) return finish(current.status());
  const bool exists = current->has_value();
  if (mode == kInsert && exists) return finish(Status(JetError::KeyDuplicate, "key already exists in table " + table->info.name));
  if ((mode == kReplace || mode == kErase) && !exists) {
    return finish(Status(JetError::RecordNotFound, "no row with this key in table " + table->info.name));
  }

  auto& tableWrites = writes[table.get()];
  // One search: the position found is the insertion hint.
  auto existing = tableWrites.lower_bound(keyBytes);
  if (existing == tableWrites.end() || compareKeys(existing->first, keyBytes) != 0) {
    if (!table->versions.acquireIntent(keyBytes, transactionId, snapshot)) {
      return finish(Status(JetError::WriteConflict,
                           "another transaction changed this key of table " + table->info.name +
                               " (uncommitted, or committed after this transaction began)"));
    }
    PendingWrite pending;
    pending.table = table;
    pending.existedBefore = exists;
    existing = tableWrites.emplace_hint(existing, std::move(keyBytes), std::move(pending));
  }
  if (value) {
    existing->second.after = std::vector<uint8_t>(value->begin(), value->end());
  } else {
    existing->second.after.reset();
  }
  return finish(Status());
}

Result<std::optional<std::pair<KeyBytes, std::vector<uint8_t>>>> SessionImpl::neighbour(TableImpl& table,
                                                                                      const KeyBytes* key,
                                                                                      bool forward, bool inclusive) {
  using Found = std::optional<std::pair<KeyBytes, std::vector<uint8_t>>>;
  const bool implicitSnapshot = !inTransaction;
  const uint64_t at = implicitSnapshot ? instance.takeSnapshot() : snapshot;
  struct Release {
    InstanceImpl& instance;
    bool active;
    uint64_t at;
    ~Release() {
      if (active) instance.dropSnapshot(at);
    }
  } release{instance, implicitSnapshot, at};

  std::optional<KeyBytes> from;
  if (key) from = *key;
  bool include = inclusive && key != nullptr;
  for (;;) {
    // Candidate from the tree.
    std::optional<table::Row> treeRow;
    {
      std::shared_lock latch(table.database.latch);
      Result<std::optional<table::Row>> row = std::optional<table::Row>();
      if (!from) {
        row = forward ? table.database.tables->firstRow(table.info) : table.database.tables->lastRow(table.info);
      } else {
        SeekMode mode = forward ? (include ? SeekMode::GreaterOrEqual : SeekMode::Greater)
                                : (include ? SeekMode::LessOrEqual : SeekMode::Less);
        row = table.database.tables->seekRow(table.info, *from, mode);
      }
      if (!row.isOk()) return row.status();
      treeRow = std::move(*row);
    }
    // Candidates from versions newer than the snapshot and from own writes.
    std::optional<KeyBytes> candidate;
    if (treeRow) candidate = treeRow->key;
    auto better = [&](const KeyBytes& other) {
      if (!candidate) return true;
      return forward ? compareKeys(other, *candidate) < 0 : compareKeys(*candidate, other) < 0;
    };
    if (include && from && table.versions.imageAt(*from, at)) {
      if (better(*from)) candidate = *from;
    }
    if (auto versioned = table.versions.neighbourWithVersion(from ? &*from : nullptr, forward, at)) {
      if (better(*versioned)) candidate = *versioned;
    }
    if (inTransaction) {
      auto found = writes.find(&table);
      if (found != writes.end()) {
        const auto& tableWrites = found->second;
        if (forward) {
          auto it = !from ? tableWrites.begin() : include ? tableWrites.lower_bound(*from) : tableWrites.upper_bound(*from);
          if (it != tableWrites.end() && better(it->first)) candidate = it->first;
        } else {
          auto it = !from ? tableWrites.end() : include ? tableWrites.upper_bound(*from) : tableWrites.lower_bound(*from);
          if (it != tableWrites.begin() && better(std::prev(it)->first)) candidate = std::prev(it)->first;
        }
      }
    }
    if (!candidate) return Found();

    // Resolve the candidate's image: own write, then version, then tree.
    RowImage image;
    bool resolved = false;
    if (inTransaction) {
      if (const PendingWrite* own = ownWrite(table, *candidate)) {
        image = own->after;
        resolved = true;
      }
    }
    if (!resolved) {
      if (auto older = table.versions.imageAt(*candidate, at)) {
        image = std::move(*older);
      } else if (treeRow && compareKeys(treeRow->key, *candidate) == 0) {
        image = std::move(treeRow->value);
      } else {
        auto fresh = committedImage(table, *candidate, at);
        if (!fresh.isOk()) return fresh.status();
        image = std::move(*fresh);
      }
    }
    if (image) return Found(std::make_pair(std::move(*candidate), std::move(*image)));
    from = std::move(candidate);  // invisible here: continue past it
    include = false;
  }
}

// --- public Session ---------------------------------------------------------

Session::Session(std::unique_ptr<SessionImpl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;
Status Session::begin() { return impl_->begin(); }
Status Session::commit(Durability durability) { return impl_->commit(durability); }
Status Session::rollback() { return impl_->rollback(); }
bool Session::inTransaction() const { return impl_->inTransaction; }
Status Session::insert(const Table& table, Bytes key, Bytes value) { return impl_->write(table, key, value, kInsert); }
Status Session::replace(const Table& table, Bytes key, Bytes value) { return impl_->write(table, key, value, kReplace); }
Status Session::put(const Table& table, Bytes key, Bytes value) { return impl_->write(table, key, value, kPut); }
Status Session::erase(const Table& table, Bytes key) { return impl_->write(table, key, std::nullopt, kErase); }

Result<std::optional<std::vector<uint8_t>>> Session::get(const Table& table, Bytes key) {
  ESEKIT_RETURN_IF_ERROR(checkTable(table));
  ESEKIT_RETURN_IF_ERROR(checkKey(key));
  return impl_->read(*table.impl(), KeyBytes(key.begin(), key.end()));
}

}  // namespace esekit::engine
