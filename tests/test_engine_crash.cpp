// SIGKILL crash test. Each round forks a child that runs a multi-threaded
// workload on one instance directory: transactions that insert a batch of
// recognisable rows (key = 'B' round thread counter row, value derived from
// the key) and set the thread's counter row ('C' round thread = counter).
// After each durable commit returns the child writes "round thread counter"
// to a pipe. The parent kills the child with SIGKILL after a seeded random
// delay (5..300 ms), then opens the instance (recovery), attaches the
// database and checks: every commit reported to the pipe (in any round) is
// there with its exact values; every batch present is complete (no partial
// transaction) and its counter row agrees; `esekit verify` passes on the
// database and the logs after a clean shutdown, and the header is clean.
// Rounds continue on the same directory, so recovery also meets logs that an
// earlier recovery already replayed.
//
// ESEKIT_SEED replays; ESEKIT_CRASH_ROUNDS sets the number of kills (default 50).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>
#include <tuple>

#include "corpus.h"
#include "e2e/engine_harness.h"

using namespace esekit;
using namespace esekit::test;
using engine::Durability;

namespace {

constexpr uint32_t kThreads = 3;

struct BatchId {
  uint16_t round;
  uint8_t thread;
  uint32_t counter;
  auto operator<=>(const BatchId&) const = default;
};

ByteString batchKey(const BatchId& id, uint8_t row) {
  return {'B', static_cast<uint8_t>(id.round >> 8), static_cast<uint8_t>(id.round), id.thread,
          static_cast<uint8_t>(id.counter >> 24), static_cast<uint8_t>(id.counter >> 16),
          static_cast<uint8_t>(id.counter >> 8), static_cast<uint8_t>(id.counter), row};
}

ByteString counterKey(uint16_t round, uint8_t thread) {
  return {'C', static_cast<uint8_t>(round >> 8), static_cast<uint8_t>(round), thread};
}

uint64_t mix(const BatchId& id) {
  return (uint64_t{id.round} << 48) ^ (uint64_t{id.thread} << 40) ^ id.counter ^ 0x5bd1e995ull;
}

// Rows in a batch: 1..6 for threads 0-1; thread 2 writes bigger batches with
// long values (separated into the LV tree).
uint8_t batchRows(const BatchId& id) {
  Random random(mix(id));
  return static_cast<uint8_t>(id.thread == 2 ? 4 + random.below(12) : 1 + random.below(6));
}

ByteString batchValue(const BatchId& id, uint8_t row) {
  Random random(mix(id) * 31 + row);
  const size_t size = id.thread == 2 && row % 3 == 0 ? 1024 + random.below(12000) : random.below(400);
  ByteString value(size);
  random.fill(value);
  return value;
}

ByteString counterValue(uint32_t counter) {
  return {static_cast<uint8_t>(counter >> 24), static_cast<uint8_t>(counter >> 16), static_cast<uint8_t>(counter >> 8),
          static_cast<uint8_t>(counter)};
}

engine::InstanceOptions crashOptions(const fs::path& root) {
  engine::InstanceOptions o;
  o.logDirectory = root / "logs";
  o.pageSize = 8192;
  o.logFileSize = 64 * 1024;
  o.circularLogging = true;
  o.checkpointDepth = 256 * 1024;
  o.cacheSize = 16u << 20;
  return o;
}

// The child: never returns (killed, or _exit on error).
[[noreturn]] void childWorkload(const fs::path& root, uint16_t round, uint64_t seed, int reportFd) {
  auto instance = engine::Instance::open(crashOptions(root));
  if (!instance.isOk()) childFail("open: " + instance.status().toString());
  auto db = (*instance)->attachDatabase(root / "crash.edb");
  if (!db.isOk()) childFail("attach: " + db.status().toString());
  auto table = db->openTable("Batches");
  if (!table.isOk()) childFail("openTable: " + table.status().toString());
  std::vector<std::thread> threads;
  for (uint8_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto session = (*instance)->beginSession();
      if (!session.isOk()) childFail("beginSession");
      engine::Session& s = **session;
      Random random(seed * 7 + t);
      for (uint32_t counter = 1;; ++counter) {
        const BatchId id{round, t, counter};
        if (!s.begin().isOk()) childFail("begin");
        const uint8_t rows = batchRows(id);
        for (uint8_t r = 0; r < rows; ++r) {
          const Status st = s.insert(*table, batchKey(id, r), batchValue(id, r));
          if (!st.isOk()) childFail("insert: " + st.toString());
          if (t == 2 && r == rows / 2) std::this_thread::sleep_for(std::chrono::microseconds(random.below(2000)));
        }
        const Status put = s.put(*table, counterKey(round, t), counterValue(counter));
        if (!put.isOk()) childFail("put: " + put.toString());
        const uint32_t dice = random.below(10);
        if (dice == 0) {
          // Rolled back: its counter is never used again and never present.
          if (!s.rollback().isOk()) childFail("rollback");
          continue;
        }
        const bool durable = dice >= 3;
        const Status st = s.commit(durable ? Durability::Durable : Durability::Lazy);
        if (!st.isOk()) childFail("commit: " + st.toString());
        if (durable) {
          const std::string line =
              std::to_string(round) + " " + std::to_string(t) + " " + std::to_string(counter) + "\n";
          if (::write(reportFd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) childFail("pipe");
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ::_exit(3);
}

struct RoundResult {
  std::set<BatchId> reported;
  bool childFailed = false;
  int status = 0;
};

// Runs one child and kills it after `delayMs`; collects the reported commits.
RoundResult crashRound(const fs::path& root, uint16_t round, uint64_t seed, uint32_t delayMs) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    childWorkload(root, round, seed, fds[1]);
  }
  ::close(fds[1]);
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delayMs);
  char buffer[4096];
  bool open = true;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !open) break;
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) > 0) {
      const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
      if (n > 0) text.append(buffer, static_cast<size_t>(n));
      else open = false;
    }
  }
  ::kill(pid, SIGKILL);
  // Lines written before the kill are still in the pipe.
  for (;;) {
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  RoundResult result;
  REQUIRE(::waitpid(pid, &result.status, 0) == pid);
  result.childFailed = !(WIFSIGNALED(result.status) && WTERMSIG(result.status) == SIGKILL);
  std::istringstream lines(text);
  unsigned r, t, c;
  while (lines >> r >> t >> c) result.reported.insert(BatchId{static_cast<uint16_t>(r), static_cast<uint8_t>(t), c});
  return result;
}

struct ContentCheck {
  size_t batches = 0;
  size_t rows = 0;
};

// Every batch complete and exact, counters agree, every reported batch present.
ContentCheck checkContents(const TableRows& rows, const std::set<BatchId>& reported, const std::string& when) {
  std::map<BatchId, std::set<uint8_t>> batches;
  std::map<std::pair<uint16_t, uint8_t>, uint32_t> counters;
  size_t bad = 0;
  for (const auto& [key, value] : rows) {
    if (key.size() == 9 && key[0] == 'B') {
      const BatchId id{static_cast<uint16_t>((key[1] << 8) | key[2]), key[3],
                       (uint32_t{key[4]} << 24) | (uint32_t{key[5]} << 16) | (uint32_t{key[6]} << 8) | key[7]};
      if (value != batchValue(id, key[8])) {
        if (++bad <= 3) MESSAGE(when << ": wrong value in row " << shortHex(key));
      }
      batches[id].insert(key[8]);
    } else if (key.size() == 4 && key[0] == 'C' && value.size() == 4) {
      counters[{static_cast<uint16_t>((key[1] << 8) | key[2]), key[3]}] =
          (uint32_t{value[0]} << 24) | (uint32_t{value[1]} << 16) | (uint32_t{value[2]} << 8) | value[3];
    } else {
      if (++bad <= 3) MESSAGE(when << ": unexpected row " << shortHex(key));
    }
  }
  std::map<std::pair<uint16_t, uint8_t>, uint32_t> newest;
  for (const auto& [id, present] : batches) {
    const uint8_t expected = batchRows(id);
    if (present.size() != expected || *present.rbegin() != expected - 1) {
      if (++bad <= 3)
        MESSAGE(when << ": partial batch round " << id.round << " thread " << int(id.thread) << " counter " << id.counter
                     << ": " << present.size() << " of " << int(expected) << " rows");
    }
    uint32_t& n = newest[{id.round, id.thread}];
    n = std::max(n, id.counter);
  }
  if (newest != counters) {
    ++bad;
    MESSAGE(when << ": counter rows disagree with the batches present (" << counters.size() << " counters, "
                 << newest.size() << " threads with batches)");
  }
  size_t missing = 0;
  for (const BatchId& id : reported) {
    if (!batches.count(id)) {
      if (++missing <= 3)
        MESSAGE(when << ": durable commit lost: round " << id.round << " thread " << int(id.thread) << " counter "
                     << id.counter);
    }
  }
  CHECK_MESSAGE(bad == 0, when);
  CHECK_MESSAGE(missing == 0, when);
  return ContentCheck{batches.size(), rows.size()};
}

}  // namespace

TEST_CASE("SIGKILL during a multi-threaded durable workload loses no returned commit and leaves no partial one") {
  const uint64_t seed = testSeed("test_engine_crash");
  const uint64_t rounds = envNumber("ESEKIT_CRASH_ROUNDS", 50);
  const auto cli = cliPath();
  const fs::path root = tempDir("engine-crash");
  {
    auto instance = engine::Instance::open(crashOptions(root));
    REQUIRE_MESSAGE(instance.isOk(), instance.status().toString());
    auto db = (*instance)->createDatabase(root / "crash.edb");
    REQUIRE_MESSAGE(db.isOk(), db.status().toString());
    REQUIRE(db->createTable("Batches").isOk());
    REQUIRE((*instance)->shutdown().isOk());
  }
  Random random(seed);
  std::set<BatchId> reported;
  size_t recoveries = 0, undone = 0;
  const auto started = std::chrono::steady_clock::now();
  for (uint16_t round = 0; round < rounds; ++round) {
    const uint32_t delay = 5 + random.below(296);
    const std::string when = "round " + std::to_string(round) + " (seed " + std::to_string(seed) + ", kill after " +
                             std::to_string(delay) + " ms)";
    CAPTURE(when);
    const RoundResult result = crashRound(root, round, seed + round, delay);
    REQUIRE_MESSAGE(!result.childFailed, when << ": the child ended by itself, status " << result.status);
    reported.insert(result.reported.begin(), result.reported.end());

    // The files as the kill left them, kept for a failing round's diagnosis.
    const fs::path evidence = root.string() + "-before-recovery";
    fs::remove_all(evidence);
    fs::copy(root, evidence, fs::copy_options::recursive);
    auto instance = engine::Instance::open(crashOptions(root));
    REQUIRE_MESSAGE(instance.isOk(), when << ": recovery: " << instance.status().toString() << " (files before recovery: "
                                          << evidence.string() << ")");
    const engine::RecoveryReport& report = (*instance)->recovery();
    if (report.ran) ++recoveries;
    undone += report.transactionsUndone;
    auto db = (*instance)->attachDatabase(root / "crash.edb");
    REQUIRE_MESSAGE(db.isOk(), when << ": attach after recovery: " << db.status().toString());
    auto table = db->openTable("Batches");
    REQUIRE(table.isOk());
    auto session = (*instance)->beginSession();
    REQUIRE(session.isOk());
    auto rows = readTable(**session, *table);
    REQUIRE_MESSAGE(rows.isOk(), when << ": " << rows.status().toString());
    const ContentCheck check = checkContents(*rows, reported, when);
    if (round % 10 == 0 || uint64_t{round} + 1 == rounds)
      MESSAGE(when << ": " << result.reported.size() << " durable commits reported, " << check.batches
                   << " batches present, recovery replayed " << report.recordsReplayed << " records, undid "
                   << report.transactionsUndone);
    session->reset();
    const Status down = (*instance)->shutdown();
    REQUIRE_MESSAGE(down.isOk(), when << ": " << down.toString());
    instance->reset();

    auto state = databaseState(root / "crash.edb");
    REQUIRE_MESSAGE(state.isOk(), state.status().toString());
    CHECK_MESSAGE(*state == DatabaseState::CleanShutdown, when << ": " << databaseStateName(*state));
    if (cli) {
      const CommandResult verify = runCommand(shellQuote(*cli) + " verify --quiet " + shellQuote(root.string()));
      CHECK_MESSAGE(verify.exitCode == 0, when << ": esekit verify:\n" << verify.output);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  MESSAGE(rounds << " kills in " << seconds << " s: " << reported.size() << " reported durable commits all present, "
                 << recoveries << " recoveries ran, " << undone << " transactions undone");
  CHECK(recoveries > 0);
}
