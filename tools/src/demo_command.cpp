#include "demo_command.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "esekit/engine/instance.h"
#include "json_writer.h"
#include "verify_command.h"
#include "verify_file.h"
#include "verify_output.h"

namespace esekit::tools {
namespace {

namespace fs = std::filesystem;
using engine::Durability;

using Clock = std::chrono::steady_clock;
using ByteString = std::vector<uint8_t>;

constexpr uint32_t kProfileNames = 2000;
constexpr uint32_t kPreloadedProfiles = 300;
constexpr int kMaxRetries = 8;

// splitmix64: cheap, deterministic per thread.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t bound) { return static_cast<uint32_t>(next() % bound); }

 private:
  uint64_t state_;
};

struct Counters {
  std::atomic<uint64_t> inserts{0}, replaces{0}, erases{0}, reads{0}, scans{0}, scannedRows{0};
  std::atomic<uint64_t> commits{0}, durableCommits{0}, lazyCommits{0}, rollbacks{0};
  std::atomic<uint64_t> conflicts{0}, retries{0}, abandoned{0}, operations{0};
  std::atomic<int64_t> events{0}, profiles{0};
  std::atomic<bool> failed{false};
  std::mutex errorMutex;
  std::string firstError;

  void fail(const std::string& what) {
    std::lock_guard lock(errorMutex);
    if (firstError.empty()) firstError = what;
    failed = true;
  }
};

void appendBigEndian(ByteString& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

uint64_t nowMicros() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

ByteString profileName(uint32_t n) {
  const std::string name = "user" + std::to_string(100000 + n).substr(1);
  return ByteString(name.begin(), name.end());
}

// 100..20,000 bytes, a third over 1023 (stored as ESE long values).
ByteString profileValue(Random& random, const ByteString& name) {
  const size_t size = random.below(3) == 0 ? 1024 + random.below(18977) : 100 + random.below(924);
  std::string text = "{\"user\":\"" + std::string(name.begin(), name.end()) + "\",\"settings\":\"";
  ByteString value(text.begin(), text.end());
  while (value.size() < size) value.push_back(static_cast<uint8_t>('a' + random.below(26)));
  value.resize(size);
  return value;
}

const char* const kEventKinds[] = {"login", "logout", "purchase", "view", "search", "error"};

ByteString eventValue(Random& random, uint64_t timestamp, unsigned thread) {
  const size_t size = 50 + random.below(1951);
  std::string text = "{\"ts\":" + std::to_string(timestamp) + ",\"thread\":" + std::to_string(thread) +
                     ",\"kind\":\"" + kEventKinds[random.below(6)] + "\",\"detail\":\"";
  while (text.size() + 2 < size) text.push_back(static_cast<char>('a' + random.below(26)));
  text += "\"}";
  text.resize(size);
  return ByteString(text.begin(), text.end());
}

enum class OpKind { InsertEvent, UpsertProfile, EraseEvent, EraseProfile, ReadProfile, ScanEvents };

struct PlannedOp {
  OpKind kind;
  ByteString key;
  ByteString value;
};

struct Tables {
  engine::Table events;
  engine::Table profiles;
};

// One attempt at a planned transaction. Returns the error that stopped it
// (WriteConflict is retried by the caller).
struct Attempt {
  int64_t events = 0, profiles = 0;
  std::vector<ByteString> erasedEvents;
};

Status runOps(engine::Session& session, const Tables& tables, const std::vector<PlannedOp>& plan, Counters& counters,
              Attempt& attempt) {
  for (const PlannedOp& op : plan) {
    ++counters.operations;
    switch (op.kind) {
      case OpKind::InsertEvent:
        ESEKIT_RETURN_IF_ERROR(session.insert(tables.events, op.key, op.value));
        ++counters.inserts;
        ++attempt.events;
        break;
      case OpKind::UpsertProfile: {
        Status st = session.replace(tables.profiles, op.key, op.value);
        if (st.code() == JetError::RecordNotFound) {
          ESEKIT_RETURN_IF_ERROR(session.insert(tables.profiles, op.key, op.value));
          ++counters.inserts;
          ++attempt.profiles;
        } else {
          ESEKIT_RETURN_IF_ERROR(st);
          ++counters.replaces;
        }
        break;
      }
      case OpKind::EraseEvent:
      case OpKind::EraseProfile: {
        const bool event = op.kind == OpKind::EraseEvent;
        const Status st = session.erase(event ? tables.events : tables.profiles, op.key);
        if (st.code() == JetError::RecordNotFound) break;
        ESEKIT_RETURN_IF_ERROR(st);
        ++counters.erases;
        if (event) {
          --attempt.events;
          attempt.erasedEvents.push_back(op.key);
        } else {
          --attempt.profiles;
        }
        break;
      }
      case OpKind::ReadProfile: {
        auto value = session.get(tables.profiles, op.key);
        ESEKIT_RETURN_IF_ERROR(value);
        ++counters.reads;
        break;
      }
      case OpKind::ScanEvents: {
        auto cursor = session.openCursor(tables.events);
        ESEKIT_RETURN_IF_ERROR(cursor);
        Status st = cursor->seek(op.key, engine::SeekMode::GreaterOrEqual);
        uint64_t rows = 0;
        while (st.isOk() && rows < 20) {
          ++rows;
          st = cursor->next();
        }
        if (!st.isOk() && st.code() != JetError::RecordNotFound && st.code() != JetError::NoCurrentRecord) return st;
        ++counters.scans;
        counters.scannedRows += rows;
        break;
      }
    }
  }
  return Status();
}

struct WorkerContext {
  engine::Instance* instance;
  Tables tables;
  Counters* counters;
  Clock::time_point deadline;
  std::optional<uint64_t> operations;
};

void worker(const WorkerContext& context, unsigned thread) {
  Counters& counters = *context.counters;
  auto opened = context.instance->beginSession();
  if (!opened.isOk()) return counters.fail("beginSession: " + opened.status().toString());
  engine::Session& session = **opened;
  Random random(0xE5E0000ull + thread * 7919ull + nowMicros());
  std::vector<ByteString> myEvents;  // committed events of this thread (only it erases them)
  uint32_t sequence = 0;
  auto done = [&] {
    if (counters.failed) return true;
    if (context.operations) return counters.operations.load() >= *context.operations;
    return Clock::now() >= context.deadline;
  };
  while (!done()) {
    // Plan a transaction of 1..5 operations.
    std::vector<PlannedOp> plan;
    const uint32_t size = 1 + random.below(5);
    for (uint32_t i = 0; i < size; ++i) {
      const uint32_t dice = random.below(100);
      PlannedOp op;
      if (dice < 30) {
        const uint64_t timestamp = nowMicros();
        op.kind = OpKind::InsertEvent;
        appendBigEndian(op.key, timestamp, 8);
        appendBigEndian(op.key, (uint64_t{thread} << 24) | (++sequence & 0xFFFFFF), 4);
        op.value = eventValue(random, timestamp, thread);
      } else if (dice < 45) {
        op.kind = OpKind::UpsertProfile;
        op.key = profileName(random.below(kProfileNames));
        op.value = profileValue(random, op.key);
      } else if (dice < 50 && !myEvents.empty()) {
        op.kind = OpKind::EraseEvent;
        op.key = myEvents[random.below(static_cast<uint32_t>(myEvents.size()))];
      } else if (dice < 55) {
        op.kind = OpKind::EraseProfile;
        op.key = profileName(random.below(kProfileNames));
      } else if (dice < 85) {
        op.kind = OpKind::ReadProfile;
        op.key = profileName(random.below(kProfileNames));
      } else {
        op.kind = OpKind::ScanEvents;
        appendBigEndian(op.key, nowMicros() - random.below(2'000'000), 8);
      }
      plan.push_back(std::move(op));
    }
    const uint32_t ending = random.below(100);
    const bool rollback = ending < 10;
    const Durability durability = ending < 40 ? Durability::Durable : Durability::Lazy;
    for (int attempt = 0;; ++attempt) {
      Status st = session.begin();
      Attempt result;
      if (st.isOk()) st = runOps(session, context.tables, plan, counters, result);
      if (st.isOk() && rollback) {
        st = session.rollback();
        if (st.isOk()) ++counters.rollbacks;
        else counters.fail("rollback: " + st.toString());
        break;
      }
      if (st.isOk()) st = session.commit(durability);
      if (st.isOk()) {
        ++counters.commits;
        ++(durability == Durability::Durable ? counters.durableCommits : counters.lazyCommits);
        counters.events += result.events;
        counters.profiles += result.profiles;
        for (const ByteString& erased : result.erasedEvents) std::erase(myEvents, erased);
        for (const PlannedOp& op : plan)
          if (op.kind == OpKind::InsertEvent && std::find(result.erasedEvents.begin(), result.erasedEvents.end(), op.key) == result.erasedEvents.end())
            myEvents.push_back(op.key);
        if (myEvents.size() > 5000) myEvents.erase(myEvents.begin(), myEvents.begin() + 1000);
        break;
      }
      if (session.inTransaction()) (void)session.rollback();
      if (st.code() != JetError::WriteConflict) {
        counters.fail("thread " + std::to_string(thread) + ": " + st.toString());
        return;
      }
      ++counters.conflicts;
      if (attempt + 1 >= kMaxRetries) {
        ++counters.abandoned;
        break;
      }
      ++counters.retries;
      std::this_thread::sleep_for(std::chrono::microseconds(50 * (attempt + 1) + random.below(200)));
    }
  }
}

engine::InstanceOptions instanceOptions(const fs::path& dir, uint32_t pageSize) {
  engine::InstanceOptions options;
  options.logDirectory = dir / "logs";
  options.pageSize = pageSize;
  options.logFileSize = 1024 * 1024;
  options.checkpointDepth = 8u * 1024 * 1024;
  options.cacheSize = 64u * 1024 * 1024;
  return options;
}

Result<uint64_t> countRows(engine::Session& session, const engine::Table& table) {
  auto cursor = session.openCursor(table);
  ESEKIT_RETURN_IF_ERROR(cursor);
  uint64_t rows = 0;
  Status st = cursor->first();
  while (st.isOk()) {
    ++rows;
    st = cursor->next();
  }
  if (st.code() != JetError::RecordNotFound && st.code() != JetError::NoCurrentRecord) return st;
  return rows;
}

struct FileVerdict {
  std::string path;  // relative to DIR
  std::string kind;
  VerifyStatus status;
  std::string line;
};

struct Summary {
  std::string directory;
  uint32_t pageSize = 0;
  unsigned threads = 0;
  double seconds = 0;
  engine::InstanceStats stats;
  uint64_t databaseBytes = 0;
  std::vector<FileVerdict> files;
  uint64_t eventsRead = 0, profilesRead = 0;
  int64_t eventsExpected = 0, profilesExpected = 0;
  bool recoveryRanOnReopen = false;
  bool reopened = false;
  std::string error;
  bool ok() const {
    if (!error.empty() || !reopened || recoveryRanOnReopen || files.empty()) return false;
    for (const FileVerdict& f : files)
      if (f.status != VerifyStatus::Ok) return false;
    return eventsRead == static_cast<uint64_t>(eventsExpected) && profilesRead == static_cast<uint64_t>(profilesExpected);
  }
};

std::string rate(double count, double seconds) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(0);
  s << (seconds > 0 ? count / seconds : 0.0);
  return s.str();
}

void printText(std::ostream& out, const Summary& s, const Counters& c) {
  std::ostringstream elapsed;
  elapsed.setf(std::ios::fixed);
  elapsed.precision(2);
  elapsed << s.seconds;
  out << "esekit demo: " << s.directory << " (page size " << s.pageSize / 1024 << " KiB, " << s.threads
      << " threads)\n";
  out << "operations: " << c.inserts << " inserts, " << c.replaces << " replaces, " << c.erases << " erases, " << c.reads
      << " point reads, " << c.scans << " range scans (" << c.scannedRows << " rows)\n";
  out << "transactions: " << c.commits << " commits (" << c.durableCommits << " durable, " << c.lazyCommits
      << " lazy), " << c.rollbacks << " rollbacks, " << c.conflicts << " write conflicts, " << c.retries << " retries, "
      << c.abandoned << " abandoned\n";
  out << "log: " << s.stats.currentGeneration << " generations written, " << s.stats.checkpoints << " checkpoints, "
      << s.stats.durableFlushes << " log flushes (group commit)\n";
  out << "database: demo.edb " << s.databaseBytes << " bytes (" << s.databaseBytes / s.pageSize << " pages), Events "
      << s.eventsExpected << " rows, Profiles " << s.profilesExpected << " rows\n";
  for (const FileVerdict& f : s.files) out << "verify: " << f.path << " " << verifyStatusName(f.status) << " (" << f.kind << ")\n";
  const bool countsOk = s.eventsRead == static_cast<uint64_t>(s.eventsExpected) &&
                        s.profilesRead == static_cast<uint64_t>(s.profilesExpected);
  if (s.reopened) {
    out << "reopen: Events " << s.eventsRead << " rows, Profiles " << s.profilesRead << " rows: "
        << (countsOk && !s.recoveryRanOnReopen ? "ok" : "MISMATCH") << (s.recoveryRanOnReopen ? " (recovery ran)" : "")
        << "\n";
  } else {
    out << "reopen: skipped (the workload failed)\n";
  }
  out << "elapsed: " << elapsed.str() << " s, " << rate(static_cast<double>(c.operations), s.seconds)
      << " operations/s, " << rate(static_cast<double>(c.commits), s.seconds) << " commits/s\n";
  if (!s.error.empty()) out << "error: " << s.error << "\n";
  out << "result: " << (s.ok() ? "ok" : "FAILED") << "\n";
}

void printJson(std::ostream& out, const Summary& s, const Counters& c) {
  JsonWriter json;
  json.beginObject().key("directory").string(s.directory).key("pageSize").unsignedNumber(s.pageSize);
  json.key("threads").unsignedNumber(s.threads).key("seconds").real(s.seconds, 3);
  json.key("operations").beginObject();
  json.key("inserts").unsignedNumber(c.inserts).key("replaces").unsignedNumber(c.replaces);
  json.key("erases").unsignedNumber(c.erases).key("reads").unsignedNumber(c.reads);
  json.key("scans").unsignedNumber(c.scans).key("scannedRows").unsignedNumber(c.scannedRows).endObject();
  json.key("transactions").beginObject();
  json.key("commits").unsignedNumber(c.commits).key("durable").unsignedNumber(c.durableCommits);
  json.key("lazy").unsignedNumber(c.lazyCommits).key("rollbacks").unsignedNumber(c.rollbacks);
  json.key("conflicts").unsignedNumber(c.conflicts).key("retries").unsignedNumber(c.retries);
  json.key("abandoned").unsignedNumber(c.abandoned).endObject();
  json.key("log").beginObject().key("generations").unsignedNumber(s.stats.currentGeneration);
  json.key("checkpoints").unsignedNumber(s.stats.checkpoints).key("flushes").unsignedNumber(s.stats.durableFlushes);
  json.endObject();
  json.key("database").beginObject().key("bytes").unsignedNumber(s.databaseBytes);
  json.key("events").number(s.eventsExpected).key("profiles").number(s.profilesExpected).endObject();
  json.key("verify").beginArray();
  for (const FileVerdict& f : s.files)
    json.beginObject().key("path").string(f.path).key("kind").string(f.kind).key("status").string(verifyStatusName(f.status)).endObject();
  json.endArray();
  json.key("reopen").beginObject().key("done").boolean(s.reopened).key("events").unsignedNumber(s.eventsRead).key("profiles").unsignedNumber(s.profilesRead);
  json.key("recoveryRan").boolean(s.recoveryRanOnReopen).endObject();
  json.key("operationsPerSecond").real(s.seconds > 0 ? static_cast<double>(c.operations) / s.seconds : 0, 1);
  if (!s.error.empty()) json.key("error").string(s.error);
  json.key("result").string(s.ok() ? "ok" : "failed").endObject();
  out << json.text() << '\n';
}

// Creates the database, runs the workload, shuts down. Errors go to summary.error.
void runWorkload(const DemoCommandOptions& options, Summary& summary, Counters& counters) {
  const fs::path dir = options.directory;
  auto instance = engine::Instance::open(instanceOptions(dir, summary.pageSize));
  if (!instance.isOk()) {
    summary.error = "open: " + instance.status().toString();
    return;
  }
  auto fail = [&](const std::string& what, const Status& status) {
    summary.error = what + ": " + status.toString();
    (void)(*instance)->shutdown();
  };
  auto db = (*instance)->createDatabase(dir / "demo.edb");
  if (!db.isOk()) return fail("create database", db.status());
  auto events = db->createTable("Events");
  if (!events.isOk()) return fail("create table Events", events.status());
  auto profiles = db->createTable("Profiles");
  if (!profiles.isOk()) return fail("create table Profiles", profiles.status());
  const Tables tables{*events, *profiles};
  {
    auto session = (*instance)->beginSession();
    if (!session.isOk()) return fail("session", session.status());
    Random random(42);
    Status st = (*session)->begin();
    for (uint32_t n = 0; n < kPreloadedProfiles && st.isOk(); ++n) {
      const ByteString name = profileName(n * (kProfileNames / kPreloadedProfiles));
      st = (*session)->insert(tables.profiles, name, profileValue(random, name));
    }
    if (st.isOk()) st = (*session)->commit(Durability::Durable);
    if (!st.isOk()) return fail("preload", st);
    counters.profiles = kPreloadedProfiles;
    counters.inserts = kPreloadedProfiles;
  }
  const auto started = Clock::now();
  WorkerContext context{instance->get(), tables, &counters,
                        started + std::chrono::milliseconds(static_cast<int64_t>(options.seconds * 1000)),
                        options.operations};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < options.threads; ++t) threads.emplace_back([&context, t] { worker(context, t); });
  for (auto& t : threads) t.join();
  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  summary.stats = (*instance)->stats();
  if (counters.failed) summary.error = counters.firstError;
  const Status down = (*instance)->shutdown();
  if (!down.isOk() && summary.error.empty()) summary.error = "shutdown: " + down.toString();
}

void verifyFiles(const fs::path& dir, Summary& summary) {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  VerifyOptions verifyOptions;
  for (const fs::path& path : paths) {
    const FileReport report = verifyFile(path, verifyOptions);
    summary.files.push_back(FileVerdict{fs::relative(path, dir).string(), report.kind, report.status,
                                        formatReportText(report, TextOptions{})});
  }
}

void reopenAndCount(const fs::path& dir, Summary& summary) {
  auto instance = engine::Instance::open(instanceOptions(dir, summary.pageSize));
  if (!instance.isOk()) {
    summary.error = "reopen: " + instance.status().toString();
    return;
  }
  summary.reopened = true;
  summary.recoveryRanOnReopen = (*instance)->recovery().ran;
  auto db = (*instance)->attachDatabase(dir / "demo.edb");
  auto session = (*instance)->beginSession();
  if (db.isOk() && session.isOk()) {
    auto events = db->openTable("Events");
    auto profiles = db->openTable("Profiles");
    auto eventRows = events.isOk() ? countRows(**session, *events) : Result<uint64_t>(events.status());
    auto profileRows = profiles.isOk() ? countRows(**session, *profiles) : Result<uint64_t>(profiles.status());
    if (eventRows.isOk()) summary.eventsRead = *eventRows;
    else summary.error = "reopen: Events: " + eventRows.status().toString();
    if (profileRows.isOk()) summary.profilesRead = *profileRows;
    else summary.error = "reopen: Profiles: " + profileRows.status().toString();
  } else {
    summary.error = "reopen: " + (db.isOk() ? session.status() : db.status()).toString();
  }
  if (session.isOk()) session->reset();
  const Status down = (*instance)->shutdown();
  if (!down.isOk() && summary.error.empty()) summary.error = "shutdown after reopen: " + down.toString();
}

}  // namespace

int runDemo(const DemoCommandOptions& options, std::ostream& out, std::ostream& err) {
  const fs::path dir = options.directory;
  std::error_code error;
  if (fs::exists(dir, error) && !fs::is_empty(dir, error)) {
    err << "esekit demo: " << dir.string() << " is not empty; give a new or empty directory\n";
    return kExitUsage;
  }
  if (options.threads == 0 || (options.operations && *options.operations == 0) || options.seconds <= 0) {
    err << "esekit demo: --threads, --seconds and --operations must be positive\n";
    return kExitUsage;
  }
  fs::create_directories(dir, error);
  if (error) {
    err << "esekit demo: cannot create " << dir.string() << ": " << error.message() << "\n";
    return kExitBad;
  }
  Summary summary;
  summary.directory = dir.string();
  summary.pageSize = options.pageSizeKiB * 1024;
  summary.threads = options.threads;
  Counters counters;
  runWorkload(options, summary, counters);
  summary.eventsExpected = counters.events;
  summary.profilesExpected = counters.profiles;
  summary.databaseBytes = fs::exists(dir / "demo.edb", error) ? fs::file_size(dir / "demo.edb", error) : 0;
  if (summary.error.empty()) {
    verifyFiles(dir, summary);
    reopenAndCount(dir, summary);
  }
  if (options.json) printJson(out, summary, counters);
  else printText(out, summary, counters);
  for (const FileVerdict& f : summary.files)
    if (f.status != VerifyStatus::Ok) err << f.line;
  return summary.ok() ? kExitOk : kExitBad;
}

void addDemoCommand(CLI::App& app, int& exitCode) {
  auto options = std::make_shared<DemoCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "demo",
      "Run the embeddable engine end to end in DIR: two tables, a mixed multi-threaded workload with durable and lazy "
      "commits, clean shutdown, `verify` of every file, reopen and row-count check, then a summary.");
  command->add_option("directory", options->directory, "A new or empty directory")->required()->type_name("DIR");
  command->add_option("--threads", options->threads, "Worker threads (default 4)")->type_name("N")->check(CLI::Range(1u, 256u));
  auto* seconds = command->add_option("--seconds", options->seconds, "Run the workload this long (default 5)")
                      ->type_name("S")
                      ->check(CLI::PositiveNumber);
  command->add_option("--operations", options->operations, "Run this many operations instead of a time")
      ->type_name("N")
      ->excludes(seconds);
  command->add_option("--page-size", options->pageSizeKiB, "Database page size in KiB (default 8)")
      ->type_name("4|8|16|32")
      ->check(CLI::IsMember({4u, 8u, 16u, 32u}));
  command->add_flag("--json", options->json, "One JSON object instead of the text summary");
  command->footer("Exit status: 0 everything checked out, 2 a check failed, 64 usage error. Formats: doc/cli.md.");
  command->callback([options, &exitCode]() { exitCode = runDemo(*options, std::cout, std::cerr); });
}

}  // namespace esekit::tools
