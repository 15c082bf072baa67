// Database and Table handles: table creation and deletion as logged,
// durable transactions of their own (database.h).
#include "instance/instance_impl.h"

namespace esekit::engine {
namespace {
constexpr uint16_t kDdlProcid = 0;

}  // namespace

Result<std::shared_ptr<TableImpl>> DatabaseImpl::tableHandle(const std::string& name) {
  std::optional<table::TableInfo> info;
  {
    std::shared_lock shared(latch);
    info = tables->find(name);
  }
  if (!info) return Status(JetError::ObjectNotFound, "no table " + name + " in " + path.string());
  std::lock_guard lock(tableMapMutex);
  auto& handle = tableHandles[info->objectId];
  if (!handle) handle = std::make_shared<TableImpl>(*this, *info);
  return handle;
}

const std::filesystem::path& Database::path() const { return impl_->path; }
uint32_t Database::pageSize() const { return impl_->store->pageSize(); }

Result<Table> Database::createTable(const std::string& name) {
  DatabaseImpl& database = *impl_;
  if (database.detached) return Status(JetError::DatabaseNotFound, database.path.string() + " is detached");
  InstanceImpl& instance = database.instance;
  auto committed = instance.runCommit(kDdlProcid, [&](const store::OperationContext& context) -> Status {
    std::unique_lock latch(database.latch);
    auto created = database.tables->createTable(name, context);
    return created.status();
  });
  if (!committed.isOk()) return committed.status();
  ESEKIT_RETURN_IF_ERROR(instance.waitDurable(*committed));
  auto handle = database.tableHandle(name);
  if (!handle.isOk()) return handle.status();
  return database.makeTable(*handle);
}

Result<Table> Database::openTable(const std::string& name) const {
  if (impl_->detached) return Status(JetError::DatabaseNotFound, impl_->path.string() + " is detached");
  auto handle = impl_->tableHandle(name);
  if (!handle.isOk()) return handle.status();
  return impl_->makeTable(*handle);
}

Status Database::deleteTable(const std::string& name) {
  DatabaseImpl& database = *impl_;
  if (database.detached) return Status(JetError::DatabaseNotFound, database.path.string() + " is detached");
  auto handle = database.tableHandle(name);
  if (!handle.isOk()) return handle.status();
  std::shared_ptr<TableImpl> table = *handle;
  InstanceImpl& instance = database.instance;
  auto committed = instance.runCommit(kDdlProcid, [&](const store::OperationContext& context) -> Status {
    if (table->versions.hasIntents()) {
      return Status(JetError::TableInUse, "table " + name + " has uncommitted changes in an open transaction");
    }
    std::unique_lock latch(database.latch);
    ESEKIT_RETURN_IF_ERROR(database.tables->deleteTable(table->info.name, context));
    table->deleted = true;
    return Status();
  });
  if (!committed.isOk()) return committed.status();
  {
    std::lock_guard lock(database.tableMapMutex);
    database.tableHandles.erase(table->info.objectId);
  }
  return instance.waitDurable(*committed);
}

std::vector<std::string> Database::tableNames() const {
  std::shared_lock latch(impl_->latch);
  std::vector<std::string> names;
  for (const auto& info : impl_->tables->tables()) names.push_back(info.name);
  return names;
}

const std::string& Table::name() const { return impl_->info.name; }
uint32_t Table::objectId() const { return impl_->info.objectId; }

}  // namespace esekit::engine
