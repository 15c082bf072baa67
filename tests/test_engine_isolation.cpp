// Concurrency through the public API: snapshot isolation of readers (point
// reads and cursor walks) while writers commit, write-write conflicts
// (session.h: at once, JET_errWriteConflict, also against a transaction that
// committed after the writer began), concurrent writers on different keys,
// and group commit (concurrent durable commits share fdatasyncs).
#include <doctest/doctest.h>

#include <atomic>
#include <barrier>
#include <thread>

#include "corpus.h"
#include "e2e/engine_harness.h"

using namespace esekit;
using namespace esekit::test;
using engine::Durability;

namespace {

struct Fixture {
  std::unique_ptr<engine::Instance> instance;
  engine::Database database;
  engine::Table table;

  explicit Fixture(const std::string& name, uint32_t pageSize = 8192) {
    const fs::path dir = tempDir(name);
    engine::InstanceOptions options;
    options.logDirectory = dir / "logs";
    options.pageSize = pageSize;
    options.logFileSize = 256 * 1024;
    auto opened = engine::Instance::open(options);
    REQUIRE_MESSAGE(opened.isOk(), opened.status().toString());
    instance = std::move(*opened);
    auto db = instance->createDatabase(dir / "isolation.edb");
    REQUIRE_MESSAGE(db.isOk(), db.status().toString());
    database = *db;
    auto t = database.createTable("Rows");
    REQUIRE_MESSAGE(t.isOk(), t.status().toString());
    table = *t;
  }
  ~Fixture() {
    if (instance) {
      const Status s = instance->shutdown();
      CHECK_MESSAGE(s.isOk(), s.toString());
    }
  }

  std::unique_ptr<engine::Session> session() {
    auto s = instance->beginSession();
    REQUIRE_MESSAGE(s.isOk(), s.status().toString());
    return std::move(*s);
  }
};

ByteString rowKey(uint32_t n) {
  return {'r', static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8),
          static_cast<uint8_t>(n)};
}

ByteString rowValue(uint32_t n, uint32_t version) {
  Random random(uint64_t{n} * 1000003 + version);
  ByteString value(version % 3 == 0 ? 1500 + random.below(3000) : random.below(200));
  random.fill(value);
  return value;
}

TableModel modelOf(const TableRows& rows) {
  TableModel model;
  for (const auto& [k, v] : rows) model[k] = std::make_shared<const ByteString>(v);
  return model;
}

}  // namespace

TEST_CASE("a reader's transaction keeps its snapshot while writers commit") {
  Fixture f("isolation-snapshot");
  auto loader = f.session();
  REQUIRE(loader->begin().isOk());
  for (uint32_t n = 0; n < 400; n += 2) REQUIRE(loader->insert(f.table, rowKey(n), rowValue(n, 0)).isOk());
  REQUIRE(loader->commit(Durability::Lazy).isOk());

  auto reader = f.session();
  REQUIRE(reader->begin().isOk());
  auto before = readTable(*reader, f.table);
  REQUIRE(before.isOk());
  const TableModel snapshot = modelOf(*before);
  REQUIRE(snapshot.size() == 200);

  // Writers insert the odd rows, replace and erase even ones, in small commits.
  std::atomic<bool> stop{false};
  std::atomic<int> writerCommits{0};
  std::atomic<int> writerErrors{0};
  std::vector<std::thread> writers;
  for (uint32_t w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      auto s = f.session();
      uint32_t version = 1;
      for (uint32_t round = 0; !stop.load() || round < 4; ++round) {
        if (round > 400) break;
        if (!s->begin().isOk()) { ++writerErrors; return; }
        for (uint32_t i = 0; i < 5; ++i) {
          // Each writer owns the keys n % 4 in {w, w + 2}: no conflicts between them.
          const uint32_t n = ((round * 5 + i) * 4 + w) % 400;
          const uint32_t odd = ((round * 5 + i) * 4 + w + 2) % 400;
          Status st = s->put(f.table, rowKey(n), rowValue(n, ++version));
          if (st.isOk()) st = (round % 3 == 0) ? s->erase(f.table, rowKey(odd)) : s->put(f.table, rowKey(odd), rowValue(odd, version));
          if (!st.isOk() && st.code() != JetError::RecordNotFound) {
            MESSAGE("writer: " << st.toString());
            ++writerErrors;
          }
        }
        if (!s->commit(round % 4 == 0 ? Durability::Durable : Durability::Lazy).isOk()) ++writerErrors;
        else ++writerCommits;
      }
    });
  }

  // The reader walks the whole table with a cursor, slowly, several times,
  // and reads keys point-wise: always the snapshot.
  int walks = 0;
  while (writerCommits.load() < 60 && walks < 2000) {
    auto cursor = reader->openCursor(f.table);
    REQUIRE(cursor.isOk());
    auto expected = snapshot.begin();
    Status st = walks % 2 == 0 ? cursor->first() : cursor->last();
    auto expectedBack = snapshot.rbegin();
    size_t seen = 0;
    while (st.isOk()) {
      const ByteString key(cursor->key().begin(), cursor->key().end());
      const ByteString value(cursor->value().begin(), cursor->value().end());
      if (walks % 2 == 0) {
        REQUIRE(expected != snapshot.end());
        CHECK_MESSAGE(key == expected->first, "walk " << walks << " row " << seen);
        CHECK(value == *expected->second);
        ++expected;
        st = cursor->next();
      } else {
        REQUIRE(expectedBack != snapshot.rend());
        CHECK_MESSAGE(key == expectedBack->first, "backward walk " << walks << " row " << seen);
        CHECK(value == *expectedBack->second);
        ++expectedBack;
        st = cursor->previous();
      }
      ++seen;
      if (seen % 16 == 0) std::this_thread::yield();
    }
    CHECK(st.code() == JetError::NoCurrentRecord);
    CHECK(seen == snapshot.size());
    for (uint32_t n = 0; n < 400; n += 37) {
      auto got = reader->get(f.table, rowKey(n));
      REQUIRE(got.isOk());
      auto it = snapshot.find(rowKey(n));
      if (it == snapshot.end()) CHECK(!got->has_value());
      else CHECK((got->has_value() && **got == *it->second));
    }
    // seek sees the snapshot too: odd keys did not exist at the snapshot.
    REQUIRE(cursor->seek(rowKey(1), engine::SeekMode::GreaterOrEqual).isOk());
    CHECK(ByteString(cursor->key().begin(), cursor->key().end()) == rowKey(2));
    ++walks;
  }
  stop = true;
  for (auto& t : writers) t.join();
  CHECK(writerErrors.load() == 0);
  CHECK(writerCommits.load() >= 60);
  MESSAGE(walks << " snapshot walks while " << writerCommits.load() << " commits ran");

  // The snapshot is still intact after the writers are done...
  auto still = readTable(*reader, f.table);
  REQUIRE(still.isOk());
  CHECK(compareRows(snapshot, *still) == "");
  REQUIRE(reader->commit().isOk());
  // ... and a new transaction sees the writers' work.
  auto fresh = f.session();
  auto now = readTable(*fresh, f.table);
  REQUIRE(now.isOk());
  CHECK(compareRows(snapshot, *now) != "");
  REQUIRE(reader->begin().isOk());
  auto again = readTable(*reader, f.table);
  REQUIRE(again.isOk());
  CHECK(*again == *now);
  REQUIRE(reader->rollback().isOk());
}

TEST_CASE("write-write conflicts fail at once and against transactions committed after the writer began") {
  Fixture f("isolation-conflict");
  auto a = f.session();
  auto b = f.session();
  const ByteString key = bytesOf("shared"), other = bytesOf("other");
  REQUIRE(a->insert(f.table, key, bytesOf("v0")).isOk());  // committed on its own

  REQUIRE(a->begin().isOk());
  REQUIRE(b->begin().isOk());
  REQUIRE(a->put(f.table, key, bytesOf("from a")).isOk());
  // b writes the key a has changed: fails at once, b stays open.
  CHECK(b->put(f.table, key, bytesOf("from b")).code() == JetError::WriteConflict);
  CHECK(b->replace(f.table, key, bytesOf("from b")).code() == JetError::WriteConflict);
  CHECK(b->erase(f.table, key).code() == JetError::WriteConflict);
  CHECK(b->inTransaction());
  REQUIRE(b->put(f.table, other, bytesOf("b's other")).isOk());
  // b still reads its snapshot of the key.
  auto seen = b->get(f.table, key);
  REQUIRE(seen.isOk());
  CHECK((seen->has_value() && **seen == bytesOf("v0")));

  REQUIRE(a->commit().isOk());
  // a committed after b began: still a conflict for b.
  CHECK(b->put(f.table, key, bytesOf("from b")).code() == JetError::WriteConflict);
  // b's own other change commits fine.
  REQUIRE(b->commit().isOk());

  // A transaction that begins after a's commit writes the key.
  REQUIRE(b->begin().isOk());
  CHECK(b->put(f.table, key, bytesOf("from b, later")).isOk());
  REQUIRE(b->commit().isOk());
  auto final = a->get(f.table, key);
  REQUIRE(final.isOk());
  CHECK((final->has_value() && **final == bytesOf("from b, later")));
  auto bOther = a->get(f.table, other);
  REQUIRE(bOther.isOk());
  CHECK((bOther->has_value() && **bOther == bytesOf("b's other")));

  // Inserting a key another open transaction inserted conflicts too, and a
  // rolled-back change frees the key at once.
  REQUIRE(a->begin().isOk());
  REQUIRE(b->begin().isOk());
  REQUIRE(a->insert(f.table, bytesOf("new"), bytesOf("a")).isOk());
  CHECK(b->insert(f.table, bytesOf("new"), bytesOf("b")).code() == JetError::WriteConflict);
  REQUIRE(a->rollback().isOk());
  REQUIRE(b->rollback().isOk());
  REQUIRE(b->begin().isOk());
  CHECK(b->insert(f.table, bytesOf("new"), bytesOf("b")).isOk());
  REQUIRE(b->commit().isOk());

  // Outside transactions the second writer conflicts while the first is open.
  REQUIRE(a->begin().isOk());
  REQUIRE(a->put(f.table, bytesOf("new"), bytesOf("a2")).isOk());
  CHECK(b->put(f.table, bytesOf("new"), bytesOf("b2")).code() == JetError::WriteConflict);
  REQUIRE(a->commit().isOk());
  CHECK(b->put(f.table, bytesOf("new"), bytesOf("b2")).isOk());
}

TEST_CASE("concurrent writers on different keys all commit") {
  Fixture f("isolation-writers", 4096);
  constexpr uint32_t kThreads = 4, kTransactions = 40, kRows = 6;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto s = f.session();
      for (uint32_t x = 0; x < kTransactions; ++x) {
        Status st = s->begin();
        for (uint32_t r = 0; r < kRows && st.isOk(); ++r) {
          const uint32_t n = (t * kTransactions + x) * kRows + r;
          st = s->insert(f.table, rowKey(n), rowValue(n, 3));
        }
        if (st.isOk()) st = s->commit(x % 2 ? Durability::Durable : Durability::Lazy);
        if (!st.isOk()) {
          MESSAGE("thread " << t << ": " << st.toString());
          ++failures;
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
  auto s = f.session();
  auto rows = readTable(*s, f.table);
  REQUIRE(rows.isOk());
  TableModel expected;
  for (uint32_t n = 0; n < kThreads * kTransactions * kRows; ++n)
    expected[rowKey(n)] = std::make_shared<const ByteString>(rowValue(n, 3));
  CHECK(compareRows(expected, *rows) == "");
}

TEST_CASE("group commit: concurrent durable commits share log flushes") {
  Fixture f("isolation-group-commit");
  constexpr uint32_t kThreads = 8, kCommits = 25;
  const engine::InstanceStats before = f.instance->stats();
  std::barrier start(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto s = f.session();
      start.arrive_and_wait();
      for (uint32_t c = 0; c < kCommits; ++c) {
        Status st = s->begin();
        if (st.isOk()) st = s->put(f.table, rowKey(t * 1000 + c), rowValue(c, t));
        if (st.isOk()) st = s->commit(Durability::Durable);
        if (!st.isOk()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
  const engine::InstanceStats after = f.instance->stats();
  const uint64_t commits = after.commits - before.commits;
  const uint64_t flushes = after.durableFlushes - before.durableFlushes;
  MESSAGE(commits << " durable commits, " << flushes << " log fdatasyncs");
  CHECK(commits == kThreads * kCommits);
  CHECK(flushes > 0);
  CHECK(flushes < commits);
}
