// esekit as an engine under test (bench_engine.cpp), through the public API
// (engine/include/esekit/engine/{instance,database,session}.h).
//
// One instance per run: logs and checkpoint in <run>/log, database
// <run>/bench.edb, one table "kv", one session. Default InstanceOptions
// (8 KiB pages, 5 MiB log files, 256 MiB cache) except circularLogging = true,
// so that old log generations are deleted at checkpoints as SQLite reuses its
// WAL (otherwise the disk figure would count every log ever written).
// Durable = Durability::Durable (commit returns after fdatasync of the log),
// lazy = Durability::Lazy (commit returns with the commit record in the log
// buffer). The reads run in one transaction (one snapshot), as in the others.
#include <string>

#include "bench_engine_workload.h"
#include "esekit/engine/instance.h"

namespace esekit::bench {
namespace {

using namespace esekit::engine;

Failure failed(const std::string& what, const Status& status) { return what + ": " + status.toString(); }

class EsekitEngine final : public EngineUnderTest {
 public:
  Failure open(const std::filesystem::path& directory, Commit commit) override {
    durability_ = commit == Commit::Durable ? Durability::Durable : Durability::Lazy;
    InstanceOptions options;
    options.logDirectory = directory / "log";
    options.circularLogging = true;
    options.defaultDurability = durability_;
    auto instance = Instance::open(options);
    if (!instance) return failed("Instance::open " + options.logDirectory.string(), instance.status());
    instance_ = std::move(instance.value());

    const std::filesystem::path path = directory / "bench.edb";
    Result<Database> database = std::filesystem::exists(path) ? instance_->attachDatabase(path)
                                                               : instance_->createDatabase(path);
    if (!database) return failed("attach/create " + path.string(), database.status());
    Result<Table> table = database->openTable("kv");
    if (!table && table.status().code() == JetError::ObjectNotFound) table = database->createTable("kv");
    if (!table) return failed("table kv", table.status());
    table_ = table.value();

    auto session = instance_->beginSession();
    if (!session) return failed("beginSession", session.status());
    session_ = std::move(session.value());
    return std::nullopt;
  }

  Failure begin() override {
    if (Status status = session_->begin(); !status) return failed("begin", status);
    return std::nullopt;
  }

  Failure insert(ByteSpan key, ByteSpan value) override {
    if (Status status = session_->insert(table_, key, value); !status) return failed("insert", status);
    return std::nullopt;
  }

  Failure commit() override {
    if (Status status = session_->commit(durability_); !status) return failed("commit", status);
    return std::nullopt;
  }

  Failure beginReads() override { return begin(); }

  Failure read(ByteSpan key, ByteSpan& value) override {
    auto found = session_->get(table_, key);
    if (!found) return failed("get", found.status());
    if (!found->has_value()) return "key not found";
    value_ = std::move(**found);
    value = ByteSpan(value_);
    return std::nullopt;
  }

  Failure endReads() override { return commit(); }

  // Clean shutdown: flushes the dirty pages, makes the log durable, writes
  // the checkpoint.
  Failure close() override {
    session_.reset();
    if (Status status = instance_->shutdown(); !status) return failed("shutdown", status);
    instance_.reset();
    return std::nullopt;
  }

 private:
  std::unique_ptr<Instance> instance_;
  std::unique_ptr<Session> session_;
  Table table_;
  Durability durability_ = Durability::Durable;
  std::vector<uint8_t> value_;
};

}  // namespace

std::unique_ptr<EngineUnderTest> makeEsekitEngine() { return std::make_unique<EsekitEngine>(); }

}  // namespace esekit::bench
