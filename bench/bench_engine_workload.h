// Workloads shared by the engine benchmarks (bench_engine.cpp): the records,
// their insertion order, and the small interface each engine implements
// (bench_engine_{esekit,sqlite,lmdb}.cpp). See bench/README.md, "Engine vs
// SQLite and LMDB", for what each run does.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace esekit::bench {

using ByteSpan = std::span<const uint8_t>;

// A step's outcome: nullopt on success, otherwise what failed (the three
// engines have unrelated error types, so they are reported as text).
using Failure = std::optional<std::string>;

inline constexpr size_t kKeySize = 16;
inline constexpr size_t kValueSize = 100;

// How a write transaction's commit reaches the disk. Each engine maps it to
// its own setting (bench/README.md states the exact mapping).
enum class Commit { Durable, Lazy };

// The record with index i (0 <= i < count) has key = i as a 16-byte
// big-endian number, so key order = index order: inserting indices 0,1,2...
// appends, and a permutation of them inserts the same set in random order.
inline std::array<uint8_t, kKeySize> makeKey(uint64_t index) {
  std::array<uint8_t, kKeySize> key{};
  for (size_t i = 0; i < 8; ++i) key[kKeySize - 1 - i] = static_cast<uint8_t>(index >> (8 * i));
  return key;
}

inline uint64_t splitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// 100 pseudo-random bytes derived from the index alone (incompressible, so no
// engine gains from compressing values). The first 8 bytes are
// valueTag(index), which the point reads check.
inline std::array<uint8_t, kValueSize> makeValue(uint64_t index) {
  std::array<uint8_t, kValueSize> value{};
  uint64_t state = index;
  for (size_t offset = 0; offset < kValueSize; offset += 8) {
    const uint64_t word = splitMix64(state);
    std::memcpy(value.data() + offset, &word, std::min<size_t>(8, kValueSize - offset));
  }
  return value;
}

inline uint64_t valueTag(uint64_t index) {
  uint64_t state = index;
  return splitMix64(state);
}

// The order in which records are inserted or read: sequential = 0..count-1,
// random = a fixed permutation of the same indices (same seed every run and
// every engine).
enum class KeyOrder { Sequential, Random };

inline std::vector<uint32_t> recordOrder(uint32_t count, KeyOrder order) {
  std::vector<uint32_t> indices(count);
  for (uint32_t i = 0; i < count; ++i) indices[i] = i;
  if (order == KeyOrder::Random) {
    std::mt19937_64 rng(20240601);
    for (uint32_t i = count; i > 1; --i) {
      const uint32_t j = static_cast<uint32_t>(rng() % i);
      std::swap(indices[i - 1], indices[j]);
    }
  }
  return indices;
}

// One engine under test, used by one thread. The benchmark calls, per run:
// open, then begin/insert.../commit repeatedly, or beginReads/read.../endReads,
// then close. Every call returns a Failure naming what went wrong.
class EngineUnderTest {
 public:
  virtual ~EngineUnderTest() = default;

  // Opens (creating if needed) this engine's store in `directory`, an
  // existing directory of its own; `commit` selects the commit durability.
  [[nodiscard]] virtual Failure open(const std::filesystem::path& directory, Commit commit) = 0;
  // Starts a write transaction.
  [[nodiscard]] virtual Failure begin() = 0;
  // Inserts a new key (a duplicate is an error).
  [[nodiscard]] virtual Failure insert(ByteSpan key, ByteSpan value) = 0;
  // Commits the write transaction with the durability given to open().
  [[nodiscard]] virtual Failure commit() = 0;
  // Starts one read-only snapshot in which the following reads run.
  [[nodiscard]] virtual Failure beginReads() = 0;
  // Looks the key up; `value` views the value until the next call. A missing
  // key is a failure.
  [[nodiscard]] virtual Failure read(ByteSpan key, ByteSpan& value) = 0;
  [[nodiscard]] virtual Failure endReads() = 0;
  // Closes the store, leaving every commit durable on disk (a lazy run's
  // last commits included).
  [[nodiscard]] virtual Failure close() = 0;
};

std::unique_ptr<EngineUnderTest> makeSqliteEngine();
std::unique_ptr<EngineUnderTest> makeLmdbEngine();
std::unique_ptr<EngineUnderTest> makeEsekitEngine();

// Bytes the files under `directory` occupy on disk: allocated blocks, as
// `du` counts them (st_blocks * 512), not file lengths.
uint64_t diskUsage(const std::filesystem::path& directory);

}  // namespace esekit::bench
