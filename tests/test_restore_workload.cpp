// The multi-threaded workload round trip (issue 5 "Tests"): four writer
// threads commit random inserts, replaces and erases, each on its own keys
// with its own model, while an online full backup and two incrementals are
// taken with backup::backup(); every prefix of the chain restores to exactly
// the committed state at the end of its last backup.
//
// How the state at a backup's end is known exactly: a backup's end is its
// log rollover (backup.h), which the engine serializes with commits (both
// take the commit lock, backup_support.cpp). The writers run each
// transaction through a gate; the backup's progress callback closes the gate
// just before the rollover (at the last database chunk of a full, at Begin
// of an incremental), waits for the transactions in flight, records the four
// models, and opens the gate again at the first Logs report, which comes
// after the rollover. No transaction is in flight across the rollover, so
// the recorded models are the state the backup's logs end with. The writers
// still commit while the database pages and the logs are copied.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "esekit/restore/restore.h"
#include "restore_test_support.h"

using namespace esekit;
using namespace esekit::test;

namespace {

constexpr int kWriters = 4;

using Models = std::vector<RowModel>;

RowModel merged(const Models& models) {
  RowModel all;
  for (const RowModel& m : models) all.insert(m.begin(), m.end());
  return all;
}

class GatedWriters {
 public:
  GatedWriters(Workload& work, uint64_t seed) : work_(work), models_(kWriters), stateMutex_(kWriters) {
    for (int i = 0; i < kWriters; ++i) {
      threads_.emplace_back([this, i, seed] { runWriter(i, seed + static_cast<uint64_t>(i)); });
    }
  }
  ~GatedWriters() { stop(); }

  void stop() {
    stop_ = true;
    for (auto& thread : threads_)
      if (thread.joinable()) thread.join();
  }
  // Blocks every writer between two transactions (from the backup's progress
  // thread): returns once no transaction is in flight.
  void pause() {
    std::unique_lock lock(gateMutex_);
    paused_ = true;
    gateChanged_.wait(lock, [&] { return active_ == 0; });
  }
  void resume() {
    {
      std::lock_guard lock(gateMutex_);
      paused_ = false;
    }
    gateChanged_.notify_all();
  }
  // The committed state; only meaningful while paused or stopped.
  Models models() const {
    Models copy;
    for (int i = 0; i < kWriters; ++i) {
      std::lock_guard lock(stateMutex_[i]);
      copy.push_back(models_[i]);
    }
    return copy;
  }
  uint64_t commits() const { return commits_.load(); }
  std::string error() const {
    std::lock_guard lock(errorMutex_);
    return error_;
  }

 private:
  void runWriter(int index, uint64_t seed) {
    std::mt19937_64 random(seed);
    auto session = work_.instance->beginSession();
    if (!session.isOk()) return fail(session.status());
    engine::Session& s = **session;
    uint64_t serial = 0;
    while (!stop_) {
      Gate gate(*this);
      RowModel pending;
      {
        std::lock_guard lock(stateMutex_[index]);
        pending = models_[index];
      }
      Status status = s.begin();
      std::set<std::string> touched;
      for (int op = 0; status.isOk() && op < 5; ++op) {
        char name[32];
        std::snprintf(name, sizeof name, "w%d-%03u", index, static_cast<unsigned>(random() % 300));
        const std::string key = name;
        if (!touched.insert(key).second) continue;
        const Bytes keyBytes(reinterpret_cast<const uint8_t*>(key.data()), key.size());
        if (random() % 4 == 0 && pending.count(key)) {
          status = s.erase(work_.table, keyBytes);
          pending.erase(key);
        } else {
          char head[48];
          std::snprintf(head, sizeof head, "%d:%llu:", index, static_cast<unsigned long long>(serial++));
          std::string value = head;
          value.append(random() % 200, 'x');
          status = s.put(work_.table, keyBytes, Bytes(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
          pending[key] = value;
        }
      }
      // Lazy: the backup's rollover flushes the log first, so what committed before it is in the backup.
      if (status.isOk()) status = s.commit(engine::Durability::Lazy);
      if (!status.isOk()) return fail(status);
      {
        std::lock_guard lock(stateMutex_[index]);
        models_[index] = std::move(pending);
      }
      commits_.fetch_add(1);
    }
  }
  void fail(const Status& status) {
    std::lock_guard lock(errorMutex_);
    error_ = status.toString();
  }

  // A writer's pass through the gate: one transaction and its model update.
  struct Gate {
    GatedWriters& owner;
    explicit Gate(GatedWriters& w) : owner(w) {
      std::unique_lock lock(owner.gateMutex_);
      owner.gateChanged_.wait(lock, [&] { return !owner.paused_; });
      ++owner.active_;
    }
    ~Gate() {
      {
        std::lock_guard lock(owner.gateMutex_);
        --owner.active_;
      }
      owner.gateChanged_.notify_all();
    }
  };

  Workload& work_;
  Models models_;
  mutable std::vector<std::mutex> stateMutex_;
  std::mutex gateMutex_;
  std::condition_variable gateChanged_;
  bool paused_ = false;
  int active_ = 0;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> commits_{0};
  mutable std::mutex errorMutex_;
  std::string error_;
};

// A backup with the writers paused around its rollover; returns the set and
// the state its logs end with.
struct GatedBackup {
  BackupMade made;
  RowModel state;
  uint64_t commitsDuringCopy = 0;  // commits between Begin and the pause
};

GatedBackup gatedBackup(Workload& work, GatedWriters& writers, const fs::path& dest, backup::BackupType type,
                        const BackupMade* previous) {
  GatedBackup out;
  bool paused = false;
  bool resumed = false;
  bool waited = false;
  uint64_t commitsAtBegin = 0;
  backup::BackupOptions options;
  options.type = type;
  options.createPaths = true;
  options.readChunkBytes = 64 * 1024;
  if (previous) options.previousBackup = previous->directory;
  const bool full = backup::copiesDatabases(type);
  options.progress = [&](const backup::BackupProgress& p) {
    if (p.phase == backup::BackupPhase::Begin) commitsAtBegin = writers.commits();
    // After the first database chunk: let the writers commit over pages
    // already copied (the logs must bring them up to date in the restore).
    if (full && p.phase == backup::BackupPhase::Databases && p.bytesDone > 0 && !waited) {
      waited = true;
      const uint64_t until = writers.commits() + 200;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (writers.commits() < until && std::chrono::steady_clock::now() < deadline && writers.error().empty())
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    const bool pauseNow = full ? (p.phase == backup::BackupPhase::Databases && p.bytesTotal > 0 &&
                                  p.bytesDone >= p.bytesTotal)
                               : p.phase == backup::BackupPhase::Begin;
    if (pauseNow && !paused) {
      writers.pause();
      paused = true;
      out.commitsDuringCopy = writers.commits() - commitsAtBegin;
      out.state = merged(writers.models());
    }
    if (p.phase == backup::BackupPhase::Logs && paused && !resumed) {
      writers.resume();
      resumed = true;
    }
  };
  auto result = backup::backup(*work.instance, dest, options);
  if (paused && !resumed) writers.resume();  // failure path: never leave the writers blocked
  REQUIRE_MESSAGE(paused, "the backup gave no progress report before its rollover");
  REQUIRE(resumed);
  out.made = madeFrom(dest, result);
  return out;
}

std::vector<fs::path> prefix(const std::vector<BackupMade>& chain, size_t count) {
  std::vector<fs::path> sets;
  for (size_t i = 0; i < count; ++i) sets.push_back(chain[i].directory);
  return sets;
}

}  // namespace

TEST_CASE("online full + 2 incrementals under 4 writers: each chain prefix restores to its backup's end") {
  const fs::path root = tempDir("restore_workload");
  Workload work(root / "instance");
  work.run(50);  // the single-threaded model's keys ("key...") stay as they are
  const RowModel base = work.model;

  std::vector<GatedBackup> backups;
  {
    GatedWriters writers(work, 777);
    auto settle = [&](uint64_t commits) {
      const uint64_t until = writers.commits() + commits;
      while (writers.commits() < until && writers.error().empty())
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    };
    settle(300);
    backups.push_back(gatedBackup(work, writers, root / "full", backup::BackupType::Full, nullptr));
    settle(300);
    backups.push_back(gatedBackup(work, writers, root / "inc1", backup::BackupType::Incremental, &backups[0].made));
    settle(300);
    backups.push_back(gatedBackup(work, writers, root / "inc2", backup::BackupType::Incremental, &backups[1].made));
    settle(100);
    writers.stop();
    REQUIRE_MESSAGE(writers.error().empty(), writers.error());
    CHECK(backups[0].commitsDuringCopy >= 200);
  }
  work.shutdown();

  std::vector<BackupMade> chain;
  for (const GatedBackup& b : backups) chain.push_back(b.made);
  CHECK(chain[1].manifest.type == backup::BackupType::Incremental);
  CHECK(chain[2].start <= chain[1].end + 1);
  CHECK(chain[1].end > chain[0].end);
  CHECK(chain[2].end > chain[1].end);
  const auto before = std::vector{snapshotDirectory(chain[0].directory), snapshotDirectory(chain[1].directory),
                                  snapshotDirectory(chain[2].directory)};

  for (size_t count = 1; count <= chain.size(); ++count) {
    CAPTURE(count);
    RowModel expected = base;
    for (const auto& [key, value] : backups[count - 1].state) expected[key] = value;
    // The states differ from one backup to the next: the test can tell them apart.
    if (count > 1) CHECK(backups[count - 1].state != backups[count - 2].state);
    const fs::path target = root / ("target" + std::to_string(count));
    auto report = restore::restore(prefix(chain, count), target, {});
    REQUIRE_MESSAGE(report.isOk(), report.status().toString());
    CHECK(report->lastGeneration == chain[count - 1].end);
    CHECK(report->firstGeneration == chain[0].start);
    bool recoveryRan = true;
    const RowModel restored = readRestored(target, &recoveryRan);
    CHECK_FALSE(recoveryRan);
    CHECK(restored.size() == expected.size());
    CHECK(restored == expected);
  }
  for (size_t i = 0; i < chain.size(); ++i) CHECK(snapshotDirectory(chain[i].directory) == before[i]);
}
