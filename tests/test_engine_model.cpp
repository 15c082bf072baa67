// Model-based randomized test of the engine through its public API: random
// operations on three tables (of one or two databases) are run against the
// engine and against std::map models, in transactions that commit durably,
// commit lazily or roll back. After every phase the full contents must equal
// the model. Phases end with nothing, a clean shutdown + reopen + attach, or
// a "dirty" stop: the phase runs in a forked child that _exit()s without
// shutdown, and the parent's reopen must recover exactly a prefix of the
// committed transactions that includes every durable one (lazy commits after
// the last durable point may be lost, never half of a transaction).
//
// Seeded: the seed is printed; ESEKIT_SEED replays, ESEKIT_MODEL_STEPS sets
// the transactions per configuration (default 240).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstring>

#include "corpus.h"
#include "e2e/engine_harness.h"

using namespace esekit;
using namespace esekit::test;
using engine::Durability;
using engine::SeekMode;

namespace {

constexpr int kTables = 3;
const char* const kTableNames[kTables] = {"Alpha", "Beta", "Gamma"};

struct ModelConfig {
  uint32_t pageSize;
  bool circular;
  int databases;          // tables 0,1 in the first; table 2 in the second when 2
  bool separateSystemDir;
  Durability defaultDurability;
};

// The committed state: one model per table.
using World = std::array<TableModel, kTables>;

struct Change {
  int table = 0;
  ByteString key;
  SharedValue value;  // nullptr: erase
};

// What one commit (or log flush) made permanent, in commit order.
struct CommittedEntry {
  bool durablePoint = false;  // everything up to here survives a crash
  std::vector<Change> changes;
};

void apply(World& world, const CommittedEntry& entry) {
  for (const Change& c : entry.changes) {
    if (c.value) world[c.table][c.key] = c.value;
    else world[c.table].erase(c.key);
  }
}

// ---- journal of commits written by a forked child ---------------------------

void putU32(ByteString& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void appendJournal(int fd, const CommittedEntry& entry) {
  ByteString body;
  body.push_back(entry.durablePoint ? 1 : 0);
  putU32(body, static_cast<uint32_t>(entry.changes.size()));
  for (const Change& c : entry.changes) {
    body.push_back(static_cast<uint8_t>(c.table));
    body.push_back(c.value ? 1 : 0);
    putU32(body, static_cast<uint32_t>(c.key.size()));
    body.insert(body.end(), c.key.begin(), c.key.end());
    if (c.value) {
      putU32(body, static_cast<uint32_t>(c.value->size()));
      body.insert(body.end(), c.value->begin(), c.value->end());
    }
  }
  ByteString framed;
  putU32(framed, static_cast<uint32_t>(body.size()));
  framed.insert(framed.end(), body.begin(), body.end());
  size_t done = 0;
  while (done < framed.size()) {
    const ssize_t n = ::write(fd, framed.data() + done, framed.size() - done);
    if (n <= 0) childFail("journal write failed");
    done += static_cast<size_t>(n);
  }
}

std::vector<CommittedEntry> readJournal(const fs::path& path) {
  const std::vector<uint8_t> bytes = readFile(path);
  std::vector<CommittedEntry> entries;
  size_t at = 0;
  auto u32 = [&]() {
    REQUIRE(at + 4 <= bytes.size());
    const uint32_t v = loadLittleEndian<uint32_t>(bytes.data() + at);
    at += 4;
    return v;
  };
  auto take = [&](size_t n) {
    REQUIRE(at + n <= bytes.size());
    ByteString out(bytes.begin() + static_cast<ptrdiff_t>(at), bytes.begin() + static_cast<ptrdiff_t>(at + n));
    at += n;
    return out;
  };
  while (at < bytes.size()) {
    u32();  // frame length
    CommittedEntry entry;
    entry.durablePoint = take(1)[0] != 0;
    const uint32_t count = u32();
    for (uint32_t i = 0; i < count; ++i) {
      Change c;
      const ByteString flags = take(2);
      c.table = flags[0];
      c.key = take(u32());
      if (flags[1]) c.value = std::make_shared<const ByteString>(take(u32()));
      entry.changes.push_back(std::move(c));
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

// ---- the workload -----------------------------------------------------------

struct KeyPools {
  std::array<std::vector<ByteString>, kTables> keys;
  std::array<uint32_t, kTables> sequence{};
};

struct Handles {
  std::unique_ptr<engine::Instance> instance;
  std::vector<engine::Database> databases;
  std::array<engine::Table, kTables> tables;
  std::unique_ptr<engine::Session> session;

  void close() {
    session.reset();
    tables = {};
    databases.clear();
    instance.reset();
  }
};

std::string describe(const Status& s) { return s.isOk() ? std::string("success") : s.toString(); }

class Workload {
 public:
  Workload(Random& random, World& world, KeyPools& pools, bool allowHuge,
           std::function<void(const CommittedEntry&)> onCommit)
      : random_(random), world_(world), pools_(pools), allowHuge_(allowHuge), onCommit_(std::move(onCommit)) {}

  // Runs `transactions` transactions; returns an empty string or what went wrong.
  std::string run(Handles& h, int transactions) {
    for (int t = 0; t < transactions && error_.empty(); ++t) {
      const uint32_t dice = random_.below(100);
      if (dice < 12) {
        singleOperation(h);
      } else if (dice < 14) {
        const Status s = h.instance->flushLog();
        if (!s.isOk()) fail("flushLog: " + s.toString());
        onCommit_(CommittedEntry{true, {}});
      } else if (dice < 15) {
        const Status s = h.instance->checkpoint();
        if (!s.isOk()) fail("checkpoint: " + s.toString());
      } else {
        transaction(h);
      }
    }
    return error_;
  }

  // Begins a transaction and writes without committing (a crash then finds
  // an open transaction).
  std::string leaveOpenTransaction(Handles& h) {
    if (!h.session->begin().isOk()) return "begin failed";
    for (int i = 0; i < 4; ++i) {
      const int table = static_cast<int>(random_.below(kTables));
      const ByteString key = newKey(table);
      (void)h.session->put(h.tables[table], key, *makeValue());
    }
    return error_;
  }

 private:
  using Overlay = std::array<std::map<ByteString, SharedValue, ByteOrder>, kTables>;  // nullptr = erased

  void fail(const std::string& what) {
    if (error_.empty()) error_ = what;
  }

  ByteString newKey(int table) {
    ByteString key;
    const uint32_t shape = random_.below(100);
    if (shape < 50) {  // short, sequential
      const uint32_t n = ++pools_.sequence[table];
      key = {'S', static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8),
             static_cast<uint8_t>(n)};
    } else {
      const uint32_t length = shape < 65 ? 1 + random_.below(8) : shape < 88 ? 9 + random_.below(56) : 200 + random_.below(56);
      key.resize(length);
      random_.fill(key);
    }
    pools_.keys[table].push_back(key);
    return key;
  }

  ByteString poolKey(int table) {
    auto& pool = pools_.keys[table];
    if (pool.empty()) return newKey(table);
    return pool[random_.below(static_cast<uint32_t>(pool.size()))];
  }

  SharedValue makeValue() {
    size_t size;
    const uint32_t dice = random_.below(1000);
    if (dice < 3 && allowHuge_) {
      size = dice == 0 && !hugeDone_ ? (2u << 20) : (100u << 10) + random_.below(400u << 10);
      hugeDone_ = hugeDone_ || size == (2u << 20);
    } else if (dice < 60) {
      static constexpr size_t kBoundaries[] = {1023, 1024, 1022, 1025, 0};
      size = kBoundaries[dice % 5];
    } else if (dice < 600) {
      size = random_.below(300);
    } else {
      size = random_.below(5001);
    }
    ByteString value(size);
    random_.fill(value);
    return std::make_shared<const ByteString>(std::move(value));
  }

  // The value `key` has for the transaction (its overlay over the world).
  SharedValue lookup(const Overlay& overlay, int table, const ByteString& key) const {
    auto own = overlay[table].find(key);
    if (own != overlay[table].end()) return own->second;
    auto committed = world_[table].find(key);
    return committed == world_[table].end() ? nullptr : committed->second;
  }

  TableModel merged(const Overlay& overlay, int table) const {
    TableModel view = world_[table];
    for (const auto& [key, value] : overlay[table]) {
      if (value) view[key] = value;
      else view.erase(key);
    }
    return view;
  }

  // One random operation; updates `overlay` with what it changed.
  void operation(Handles& h, Overlay& overlay) {
    const int table = static_cast<int>(random_.below(kTables));
    const engine::Table& handle = h.tables[table];
    const uint32_t dice = random_.below(100);
    engine::Session& s = *h.session;
    if (dice < 20) {  // insert
      const ByteString key = random_.below(10) < 7 ? newKey(table) : poolKey(table);
      const SharedValue value = makeValue();
      const bool exists = lookup(overlay, table, key) != nullptr;
      const Status st = s.insert(handle, key, *value);
      if (exists ? st.code() != JetError::KeyDuplicate : !st.isOk())
        return fail("insert " + shortHex(key) + " (exists " + std::to_string(exists) + "): " + describe(st));
      if (!exists) overlay[table][key] = value;
    } else if (dice < 32) {  // replace
      const ByteString key = poolKey(table);
      const SharedValue value = makeValue();
      const bool exists = lookup(overlay, table, key) != nullptr;
      const Status st = s.replace(handle, key, *value);
      if (exists ? !st.isOk() : st.code() != JetError::RecordNotFound)
        return fail("replace " + shortHex(key) + " (exists " + std::to_string(exists) + "): " + describe(st));
      if (exists) overlay[table][key] = value;
    } else if (dice < 47) {  // put
      const ByteString key = random_.below(10) < 6 ? poolKey(table) : newKey(table);
      const SharedValue value = makeValue();
      const Status st = s.put(handle, key, *value);
      if (!st.isOk()) return fail("put " + shortHex(key) + ": " + describe(st));
      overlay[table][key] = value;
    } else if (dice < 59) {  // erase
      const ByteString key = poolKey(table);
      const bool exists = lookup(overlay, table, key) != nullptr;
      const Status st = s.erase(handle, key);
      if (exists ? !st.isOk() : st.code() != JetError::RecordNotFound)
        return fail("erase " + shortHex(key) + " (exists " + std::to_string(exists) + "): " + describe(st));
      if (exists) overlay[table][key] = nullptr;
    } else if (dice < 74) {  // get (read-your-own-writes included)
      const ByteString key = random_.below(10) < 8 ? poolKey(table) : newKey(table);
      const SharedValue expected = lookup(overlay, table, key);
      auto got = s.get(handle, key);
      if (!got.isOk()) return fail("get " + shortHex(key) + ": " + got.status().toString());
      if (expected ? !(*got && **got == *expected) : got->has_value())
        return fail("get " + shortHex(key) + " returned " + (*got ? shortHex(**got) : "nothing") + ", expected " +
                    (expected ? shortHex(*expected) : "nothing"));
    } else {
      cursorWalk(h, overlay, table, dice < 90);
    }
  }

  // seek (all five modes) or first/last, then a random next/previous walk.
  void cursorWalk(Handles& h, const Overlay& overlay, int table, bool seek) {
    const TableModel view = merged(overlay, table);
    auto cursor = h.session->openCursor(h.tables[table]);
    if (!cursor.isOk()) return fail("openCursor: " + cursor.status().toString());
    TableModel::const_iterator at = view.end();
    Status st;
    std::string what;
    if (seek) {
      ByteString key = poolKey(table);
      const uint32_t variant = random_.below(4);
      if (variant == 1 && key.size() < 255) key.push_back(static_cast<uint8_t>(random_.below(256)));
      if (variant == 2 && key.size() > 1) key.pop_back();
      const auto mode = static_cast<SeekMode>(random_.below(5));
      what = "seek " + shortHex(key) + " mode " + std::to_string(static_cast<int>(mode));
      st = cursor->seek(key, mode);
      switch (mode) {
        case SeekMode::Equal: at = view.find(key); break;
        case SeekMode::GreaterOrEqual: at = view.lower_bound(key); break;
        case SeekMode::Greater: at = view.upper_bound(key); break;
        case SeekMode::LessOrEqual:
          at = view.upper_bound(key);
          at = at == view.begin() ? view.end() : std::prev(at);
          break;
        case SeekMode::Less:
          at = view.lower_bound(key);
          at = at == view.begin() ? view.end() : std::prev(at);
          break;
      }
      if (at == view.end() ? st.code() != JetError::RecordNotFound : !st.isOk())
        return fail(what + ": " + describe(st) + (at == view.end() ? " (expected no row)" : " (expected a row)"));
    } else {
      const bool first = random_.below(2) == 0;
      what = first ? "first" : "last";
      st = first ? cursor->first() : cursor->last();
      at = view.empty() ? view.end() : first ? view.begin() : std::prev(view.end());
      if (at == view.end() ? st.code() != JetError::RecordNotFound : !st.isOk()) return fail(what + ": " + describe(st));
    }
    const uint32_t steps = random_.below(10);
    for (uint32_t i = 0;; ++i) {
      if (at == view.end()) {
        if (cursor->positioned()) return fail(what + ": positioned where the model has no row");
        return;
      }
      const Bytes key = cursor->key(), value = cursor->value();
      if (ByteString(key.begin(), key.end()) != at->first || ByteString(value.begin(), value.end()) != *at->second)
        return fail(what + " step " + std::to_string(i) + ": at " + shortHex(ByteString(key.begin(), key.end())) +
                    ", model " + shortHex(at->first));
      if (i == steps) return;
      if (random_.below(3) != 0) {
        st = cursor->next();
        ++at;
        what += " next";
      } else {
        st = cursor->previous();
        at = at == view.begin() ? view.end() : std::prev(at);
        what += " previous";
      }
      if (at == view.end() ? st.code() != JetError::NoCurrentRecord : !st.isOk()) return fail(what + ": " + describe(st));
    }
  }

  CommittedEntry entryOf(const Overlay& overlay, bool durable) const {
    CommittedEntry entry;
    entry.durablePoint = durable;
    for (int t = 0; t < kTables; ++t)
      for (const auto& [key, value] : overlay[t]) entry.changes.push_back(Change{t, key, value});
    if (entry.changes.empty()) entry.durablePoint = false;  // a read-only commit may not flush
    return entry;
  }

  void publish(const CommittedEntry& entry) {
    apply(world_, entry);
    onCommit_(entry);
  }

  void transaction(Handles& h) {
    Status st = h.session->begin();
    if (!st.isOk()) return fail("begin: " + st.toString());
    Overlay overlay;
    const uint32_t operations = 1 + random_.below(10);
    for (uint32_t i = 0; i < operations && error_.empty(); ++i) operation(h, overlay);
    if (!error_.empty()) return;
    const uint32_t dice = random_.below(100);
    if (dice < 25) {
      st = h.session->rollback();
      if (!st.isOk()) return fail("rollback: " + st.toString());
      return;
    }
    const Durability durability = dice < 60 ? Durability::Durable : dice < 95 ? Durability::Lazy : Durability::Default;
    st = h.session->commit(durability);
    if (!st.isOk()) return fail("commit: " + st.toString());
    const bool durable = durability == Durability::Durable ||
                         (durability == Durability::Default && h.instance->options().defaultDurability != Durability::Lazy);
    publish(entryOf(overlay, durable));
  }

  // A write outside a transaction: its own transaction, default durability.
  void singleOperation(Handles& h) {
    Overlay overlay;
    operation(h, overlay);
    if (!error_.empty()) return;
    publish(entryOf(overlay, h.instance->options().defaultDurability != Durability::Lazy));
  }

  Random& random_;
  World& world_;
  KeyPools& pools_;
  bool allowHuge_;
  bool hugeDone_ = false;
  std::function<void(const CommittedEntry&)> onCommit_;
  std::string error_;
};

// ---- instance handling ------------------------------------------------------

struct Layout {
  fs::path root;
  ModelConfig config;

  engine::InstanceOptions options() const {
    engine::InstanceOptions o;
    o.logDirectory = root / "logs";
    if (config.separateSystemDir) o.systemDirectory = root / "system";
    o.pageSize = config.pageSize;
    o.logFileSize = 64 * 1024;
    o.circularLogging = config.circular;
    o.checkpointDepth = 512 * 1024;
    o.defaultDurability = config.defaultDurability;
    o.cacheSize = 32u << 20;
    return o;
  }
  fs::path database(int index) const { return root / ("model" + std::to_string(index) + ".edb"); }
  int databaseOf(int table) const { return config.databases == 2 && table == 2 ? 1 : 0; }
};

// Opens the instance (recovery when needed) and attaches (or creates) the
// databases and tables. Returns what failed.
std::string openAll(const Layout& layout, Handles& h, bool create) {
  auto instance = engine::Instance::open(layout.options());
  if (!instance.isOk()) return "open: " + instance.status().toString();
  h.instance = std::move(*instance);
  for (int d = 0; d < layout.config.databases; ++d) {
    auto db = create ? h.instance->createDatabase(layout.database(d)) : h.instance->database(layout.database(d));
    if (!create && !db.isOk()) db = h.instance->attachDatabase(layout.database(d));
    if (!db.isOk()) return "database " + layout.database(d).string() + ": " + db.status().toString();
    h.databases.push_back(*db);
  }
  for (int t = 0; t < kTables; ++t) {
    engine::Database& db = h.databases[static_cast<size_t>(layout.databaseOf(t))];
    auto table = create ? db.createTable(kTableNames[t]) : db.openTable(kTableNames[t]);
    if (!table.isOk()) return std::string("table ") + kTableNames[t] + ": " + table.status().toString();
    h.tables[t] = *table;
  }
  auto session = h.instance->beginSession();
  if (!session.isOk()) return "beginSession: " + session.status().toString();
  h.session = std::move(*session);
  return {};
}

std::string shutdownAll(Handles& h) {
  h.session.reset();
  const Status s = h.instance->shutdown();
  h.close();
  return s.isOk() ? std::string() : "shutdown: " + s.toString();
}

void checkContents(Handles& h, const World& world, const std::string& when) {
  for (int t = 0; t < kTables; ++t) {
    auto rows = readTable(*h.session, h.tables[t]);
    REQUIRE_MESSAGE(rows.isOk(), when << ": reading " << kTableNames[t] << ": " << rows.status().toString());
    const std::string diff = compareRows(world[t], *rows);
    CHECK_MESSAGE(diff.empty(), when << ", table " << kTableNames[t] << ": " << diff);
    // Point reads agree with the walk.
    size_t checked = 0;
    for (const auto& [key, value] : world[t]) {
      if (++checked > 50) break;
      auto got = h.session->get(h.tables[t], key);
      REQUIRE(got.isOk());
      CHECK_MESSAGE((got->has_value() && **got == *value), when << ": get " << shortHex(key));
    }
  }
}

void runModel(const ModelConfig& config, uint64_t seed) {
  const uint64_t steps = envNumber("ESEKIT_MODEL_STEPS", 240);
  Layout layout{tempDir("engine-model-" + std::to_string(config.pageSize)), config};
  Random random(seed);
  World world;
  KeyPools pools;
  Handles h;
  const std::string created = openAll(layout, h, true);
  REQUIRE_MESSAGE(created == "", "create: " << created);
  uint64_t done = 0;
  int phase = 0, dirtyStops = 0, cleanReopens = 0;
  while (done < steps) {
    const int transactions = 20 + static_cast<int>(random.below(40));
    const uint32_t dice = random.below(100);
    // The first phases cover each ending at least once.
    const int ending = phase == 0 ? 2 : phase == 1 ? 1 : dice < 30 ? 0 : dice < 65 ? 1 : 2;
    std::string when = "phase " + std::to_string(phase) + " (seed " + std::to_string(seed) + ")";
    CAPTURE(when);
    if (ending == 2) {
      // Dirty stop: the phase runs in a child that leaves without shutdown.
      REQUIRE(shutdownAll(h) == "");
      const fs::path journal = layout.root / "journal.bin";
      fs::remove(journal);
      const World before = world;
      const int status = runInChild([&]() -> int {
        Handles child;
        if (std::string e = openAll(layout, child, false); !e.empty()) childFail(e);
        const int fd = ::open(journal.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0) childFail("journal");
        World childWorld = world;
        Workload workload(random, childWorld, pools, true, [&](const CommittedEntry& e) { appendJournal(fd, e); });
        if (std::string e = workload.run(child, transactions); !e.empty()) childFail(e);
        if (std::string e = workload.leaveOpenTransaction(child); !e.empty()) childFail(e);
        ::_exit(0);  // no shutdown, no destructors: the log ends dirty
      });
      REQUIRE_MESSAGE(status == 0, "the workload child failed (" << status << "), " << when);
      const std::vector<CommittedEntry> entries = readJournal(journal);
      // The child's keys join the parent's pools; its sequence numbers are skipped.
      for (const CommittedEntry& e : entries)
        for (const Change& c : e.changes) pools.keys[c.table].push_back(c.key);
      for (uint32_t& n : pools.sequence) n += 100000;
      // The child consumed its copy of the generator; move ours on so the
      // parent's next phases differ from the child's.
      for (int i = 0; i < 7; ++i) random.next();
      const std::string reopened = openAll(layout, h, false);
      REQUIRE_MESSAGE(reopened == "", when << ": reopen after the dirty stop: " << reopened);
      CHECK_MESSAGE(h.instance->recovery().ran, when << ": the log of the dirty stop did not need recovery");
      std::array<TableRows, kTables> actual;
      for (int t = 0; t < kTables; ++t) {
        auto rows = readTable(*h.session, h.tables[t]);
        REQUIRE_MESSAGE(rows.isOk(), rows.status().toString());
        actual[t] = std::move(*rows);
      }
      size_t lastDurable = 0;
      for (size_t i = 0; i < entries.size(); ++i)
        if (entries[i].durablePoint) lastDurable = i + 1;
      World candidate = before;
      for (size_t i = 0; i < lastDurable; ++i) apply(candidate, entries[i]);
      std::optional<size_t> matched;
      for (size_t k = lastDurable;; ++k) {
        bool same = true;
        for (int t = 0; t < kTables && same; ++t) same = sameRows(candidate[t], actual[t]);
        if (same) {
          matched = k;
          break;
        }
        if (k == entries.size()) break;
        apply(candidate, entries[k]);
      }
      if (!matched) {
        World durable = before;
        for (size_t i = 0; i < lastDurable; ++i) apply(durable, entries[i]);
        for (int t = 0; t < kTables; ++t)
          MESSAGE("against the last durable state, table " << kTableNames[t] << ": " << compareRows(durable[t], actual[t]));
      }
      REQUIRE_MESSAGE(matched.has_value(), when << ": recovered contents are no prefix of the " << entries.size()
                                                << " committed transactions that includes the " << lastDurable
                                                << " up to the last durable point");
      MESSAGE("dirty stop: " << entries.size() << " commits, durable up to " << lastDurable << ", recovered " << *matched
                             << "; records replayed " << h.instance->recovery().recordsReplayed << ", undone "
                             << h.instance->recovery().transactionsUndone);
      world = candidate;
      ++dirtyStops;
      checkContents(h, world, when + " after recovery");
    } else {
      Workload workload(random, world, pools, true, [](const CommittedEntry&) {});
      const std::string error = workload.run(h, transactions);
      REQUIRE_MESSAGE(error.empty(), when << ": " << error);
      checkContents(h, world, when);
      if (ending == 1) {
        REQUIRE(shutdownAll(h) == "");
        const std::string reopened = openAll(layout, h, false);
        REQUIRE_MESSAGE(reopened == "", when << ": clean reopen: " << reopened);
        CHECK_MESSAGE(!h.instance->recovery().ran, when << ": recovery ran after a clean shutdown");
        checkContents(h, world, when + " after clean reopen");
        ++cleanReopens;
      }
    }
    done += static_cast<uint64_t>(transactions);
    ++phase;
  }
  REQUIRE(shutdownAll(h) == "");
  // Last look: a clean reopen sees the same rows.
  REQUIRE(openAll(layout, h, false) == "");
  checkContents(h, world, "final reopen");
  const engine::InstanceStats stats = h.instance->stats();
  size_t rows = 0;
  for (const TableModel& t : world) rows += t.size();
  MESSAGE("page size " << config.pageSize << ": " << phase << " phases, " << dirtyStops << " dirty stops, "
                       << cleanReopens << " clean reopens, " << rows << " rows, log generation "
                       << stats.currentGeneration);
  REQUIRE(shutdownAll(h) == "");
}

}  // namespace

TEST_CASE("random operations match a model across clean reopens and dirty stops") {
  static const uint64_t seed = testSeed("test_engine_model");
  const ModelConfig configs[] = {
      {4096, false, 1, false, Durability::Durable},
      {8192, true, 2, true, Durability::Durable},
      {16384, false, 2, false, Durability::Lazy},
      {32768, true, 1, true, Durability::Durable},
  };
  for (size_t i = 0; i < std::size(configs); ++i) {
    const ModelConfig& config = configs[i];
    SUBCASE(("page size " + std::to_string(config.pageSize) + (config.circular ? ", circular log" : "") + ", " +
             std::to_string(config.databases) + " database(s)")
                .c_str()) {
      runModel(config, seed + i);
    }
  }
}
