// The instance API end to end on small cases: create, write, read, cursors,
// transactions, clean shutdown and reopen, recovery after a stop without
// shutdown. (Randomized, crash, interop and fault tests live in their own files.)
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>

#include "esekit/engine/instance.h"
#include "support/corpus.h"

using namespace esekit;
using namespace esekit::engine;

namespace {

Bytes bytesOf(const std::string& text) { return Bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size()); }
std::string textOf(Bytes bytes) { return std::string(bytes.begin(), bytes.end()); }
std::string textOf(const std::vector<uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

InstanceOptions optionsFor(const std::filesystem::path& dir, uint32_t pageSize = 8192) {
  InstanceOptions options;
  options.logDirectory = dir / "logs";
  options.pageSize = pageSize;
  options.logFileSize = 128 * 1024;
  options.reserveLogFiles = 1;
  return options;
}

std::map<std::string, std::string> contents(Session& session, const Table& table) {
  std::map<std::string, std::string> rows;
  auto cursor = session.openCursor(table);
  REQUIRE(cursor.isOk());
  for (Status s = cursor->first(); s.isOk(); s = cursor->next()) rows[textOf(cursor->key())] = textOf(cursor->value());
  return rows;
}

}  // namespace

TEST_CASE("instance: create, write, read back, shut down cleanly, reopen") {
  for (uint32_t pageSize : {4096u, 8192u, 32768u}) {
    CAPTURE(pageSize);
    const auto dir = test::tempDir("engine-instance-basic-" + std::to_string(pageSize));
    std::map<std::string, std::string> model;
    {
      auto instance = Instance::open(optionsFor(dir, pageSize));
      REQUIRE_MESSAGE(instance.isOk(), instance.status().toString());
      auto database = (*instance)->createDatabase(dir / "data.edb");
      REQUIRE_MESSAGE(database.isOk(), database.status().toString());
      auto table = database->createTable("Things");
      REQUIRE_MESSAGE(table.isOk(), table.status().toString());
      auto session = (*instance)->beginSession();
      REQUIRE(session.isOk());
      Session& s = **session;
      REQUIRE(s.begin().isOk());
      for (int i = 0; i < 2000; ++i) {
        char keyText[32];
        std::snprintf(keyText, sizeof keyText, "key%d", i * 7919 % 2000);
        std::string key = keyText;
        std::string value(static_cast<size_t>(i % 50) * 37, static_cast<char>('a' + i % 26));
        if (i % 500 == 0) value = std::string(5000 + i, 'L');  // a long value
        Status inserted = s.insert(*table, bytesOf(key), bytesOf(value));
        REQUIRE_MESSAGE(inserted.isOk(), inserted.toString());
        model[key] = value;
      }
      REQUIRE(s.commit().isOk());
      CHECK(s.insert(*table, bytesOf("key1"), bytesOf("x")).code() == JetError::KeyDuplicate);
      CHECK(s.replace(*table, bytesOf("nope"), bytesOf("x")).code() == JetError::RecordNotFound);
      REQUIRE(s.erase(*table, bytesOf("key1")).isOk());
      model.erase("key1");
      REQUIRE(s.replace(*table, bytesOf("key2"), bytesOf("replaced")).isOk());
      model["key2"] = "replaced";
      CHECK(contents(s, *table) == model);
      auto got = s.get(*table, bytesOf("key2"));
      REQUIRE(got.isOk());
      REQUIRE(got->has_value());
      CHECK(textOf(**got) == "replaced");
      session->reset();
      Status down = (*instance)->shutdown();
      REQUIRE_MESSAGE(down.isOk(), down.toString());
    }
    {
      auto instance = Instance::open(optionsFor(dir, pageSize));
      REQUIRE_MESSAGE(instance.isOk(), instance.status().toString());
      CHECK_FALSE((*instance)->recovery().ran);
      auto database = (*instance)->attachDatabase(dir / "data.edb");
      REQUIRE_MESSAGE(database.isOk(), database.status().toString());
      auto table = database->openTable("things");
      REQUIRE(table.isOk());
      auto session = (*instance)->beginSession();
      REQUIRE(session.isOk());
      CHECK(contents(**session, *table) == model);
      session->reset();
      REQUIRE((*instance)->shutdown().isOk());
    }
  }
}

TEST_CASE("instance: rollback discards, snapshot sees its begin, conflicts are reported") {
  const auto dir = test::tempDir("engine-instance-txn");
  auto instance = Instance::open(optionsFor(dir));
  REQUIRE(instance.isOk());
  auto database = (*instance)->createDatabase(dir / "data.edb");
  REQUIRE(database.isOk());
  auto table = database->createTable("T");
  REQUIRE(table.isOk());
  auto a = (*instance)->beginSession();
  auto b = (*instance)->beginSession();
  REQUIRE((a.isOk() && b.isOk()));
  Session& sa = **a;
  Session& sb = **b;
  REQUIRE(sa.put(*table, bytesOf("k"), bytesOf("v1")).isOk());
  REQUIRE(sa.begin().isOk());
  REQUIRE(sa.put(*table, bytesOf("k"), bytesOf("v2")).isOk());
  REQUIRE(sa.put(*table, bytesOf("j"), bytesOf("new")).isOk());
  REQUIRE(sa.rollback().isOk());
  CHECK(textOf(**sa.get(*table, bytesOf("k"))) == "v1");
  CHECK_FALSE(sa.get(*table, bytesOf("j"))->has_value());

  REQUIRE(sb.begin().isOk());  // snapshot before a's next commit
  REQUIRE(sa.begin().isOk());
  REQUIRE(sa.put(*table, bytesOf("k"), bytesOf("v3")).isOk());
  CHECK(sb.put(*table, bytesOf("k"), bytesOf("b")).code() == JetError::WriteConflict);
  REQUIRE(sa.commit().isOk());
  CHECK(textOf(**sb.get(*table, bytesOf("k"))) == "v1");  // b's snapshot
  CHECK(sb.put(*table, bytesOf("k"), bytesOf("b")).code() == JetError::WriteConflict);
  REQUIRE(sb.rollback().isOk());
  CHECK(textOf(**sb.get(*table, bytesOf("k"))) == "v3");
  a->reset();
  b->reset();
  REQUIRE((*instance)->shutdown().isOk());
}

TEST_CASE("instance: a process that exits without shutdown is recovered at the next open") {
  const auto dir = test::tempDir("engine-instance-recover");
  auto keyOf = [](int batch, int i) {
    char key[32];
    std::snprintf(key, sizeof key, "b%d-%d", batch, i);
    return std::string(key);
  };
  auto valueOf = [](int batch, int i) { return std::string(static_cast<size_t>(200 + i * 13), static_cast<char>('A' + batch)); };
  const int kBatches = 30;
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto instance = Instance::open(optionsFor(dir));
    if (!instance.isOk()) _exit(10);
    auto database = (*instance)->createDatabase(dir / "data.edb");
    if (!database.isOk()) _exit(11);
    auto table = database->createTable("T");
    if (!table.isOk()) _exit(12);
    auto session = (*instance)->beginSession();
    if (!session.isOk()) _exit(13);
    for (int batch = 0; batch < kBatches; ++batch) {
      if (!(*session)->begin().isOk()) _exit(14);
      for (int i = 0; i < 100; ++i) {
        if (!(*session)->put(*table, bytesOf(keyOf(batch, i)), bytesOf(valueOf(batch, i))).isOk()) _exit(15);
      }
      if (!(*session)->commit(Durability::Durable).isOk()) _exit(16);
      if (batch == 10 && !(*instance)->checkpoint().isOk()) _exit(17);
    }
    // An uncommitted transaction whose changes reach the log but not a commit.
    if (!(*session)->begin().isOk()) _exit(18);
    if (!(*session)->put(*table, bytesOf("uncommitted"), bytesOf("never")).isOk()) _exit(19);
    _exit(0);  // no shutdown: the log does not end clean
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  auto instance = Instance::open(optionsFor(dir));
  REQUIRE_MESSAGE(instance.isOk(), instance.status().toString());
  CHECK((*instance)->recovery().ran);
  auto database = (*instance)->attachDatabase(dir / "data.edb");
  REQUIRE_MESSAGE(database.isOk(), database.status().toString());
  auto table = database->openTable("T");
  REQUIRE(table.isOk());
  auto session = (*instance)->beginSession();
  REQUIRE(session.isOk());
  std::map<std::string, std::string> model;
  for (int batch = 0; batch < kBatches; ++batch) {
    for (int i = 0; i < 100; ++i) model[keyOf(batch, i)] = valueOf(batch, i);
  }
  CHECK(contents(**session, *table) == model);
  session->reset();
  REQUIRE((*instance)->shutdown().isOk());
}
