// Checksum throughput against memcpy of the same sizes (bench/README.md).
//
// "cache":  one page, hot in L1/L2, processed again and again.
// "stream": a 256 MiB buffer of pages (larger than every cache) walked once
//           per iteration; the memcpy baseline copies each page into one
//           small hot buffer, so both sides read the same bytes from memory.
#include <benchmark/benchmark.h>

#include <cstring>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "esekit/format/checksum.h"

using namespace esekit;
using namespace esekit::checksum;

namespace {

constexpr size_t kPageSizes[] = {4096, 8192, 32768};
constexpr size_t kStreamBytes = size_t{256} << 20;

std::vector<uint8_t> randomPages(size_t bytes, size_t pageSize) {
  std::vector<uint8_t> data(bytes);
  std::mt19937_64 rng(1);
  for (size_t i = 0; i + 8 <= bytes; i += 8) {
    const uint64_t value = rng();
    std::memcpy(data.data() + i, &value, 8);
  }
  // Valid checksums, so checkPage takes the common (Ok) path.
  for (size_t offset = 0; offset + pageSize <= bytes; offset += pageSize) {
    const uint32_t pgno = static_cast<uint32_t>(offset / pageSize + 1);
    if (pageSize > 8192) storeLittleEndian<uint32_t>(data.data() + offset + 64, pgno);
    setPageChecksum(MutableBytes(data.data() + offset, pageSize), pgno);
  }
  return data;
}

// The stream buffer is shared by all stream benchmarks of one page size.
const std::vector<uint8_t>& streamBuffer(size_t pageSize) {
  static std::vector<uint8_t> buffers[3];
  const size_t index = pageSize == 4096 ? 0 : pageSize == 8192 ? 1 : 2;
  if (buffers[index].empty()) buffers[index] = randomPages(kStreamBytes, pageSize);
  return buffers[index];
}

void bytesProcessed(benchmark::State& state, size_t perIteration) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(perIteration));
}

// Runs `work(page, pgno)` on one hot page or on every page of the stream buffer.
template <typename Work>
void runPages(benchmark::State& state, size_t pageSize, bool stream, Work work) {
  if (!stream) {
    const std::vector<uint8_t> page = randomPages(pageSize, pageSize);
    for (auto _ : state) work(Bytes(page), 1u);
    bytesProcessed(state, pageSize);
    return;
  }
  const std::vector<uint8_t>& buffer = streamBuffer(pageSize);
  for (auto _ : state) {
    for (size_t offset = 0; offset < buffer.size(); offset += pageSize)
      work(Bytes(buffer.data() + offset, pageSize), static_cast<uint32_t>(offset / pageSize + 1));
  }
  bytesProcessed(state, buffer.size());
}

// Benchmark name from parts joined by '/' (append, not operator+: GCC 12
// reports a false -Wrestrict on "literal" + std::string at -O3).
std::string nameOf(std::initializer_list<std::string> parts) {
  std::string name;
  for (const std::string& part : parts) {
    if (!name.empty()) name.append("/");
    name.append(part);
  }
  return name;
}

void registerAll() {
  for (bool stream : {false, true}) {
    const std::string where = stream ? "stream" : "cache";
    for (size_t pageSize : kPageSizes) {
      const std::string size = std::to_string(pageSize);

      benchmark::RegisterBenchmark(nameOf({"memcpy", size, where}).c_str(), [pageSize, stream](benchmark::State& state) {
        std::vector<uint8_t> target(pageSize);
        runPages(state, pageSize, stream, [&](Bytes page, uint32_t) {
          std::memcpy(target.data(), page.data(), page.size());
          benchmark::ClobberMemory();
        });
      });

      benchmark::RegisterBenchmark(nameOf({"checkPage", size, where}).c_str(), [pageSize, stream](benchmark::State& state) {
        runPages(state, pageSize, stream, [](Bytes page, uint32_t pgno) {
          PageChecksumCheck check = checkPage(page, pgno);
          benchmark::DoNotOptimize(check);
        });
      });

      for (Kernel kernel : kAllKernels) {
        if (!kernelAvailable(kernel)) continue;
        // The reference is slow; only show it on hot pages.
        if (kernel == Kernel::Reference && stream) continue;
        const std::string name = std::string(kernelName(kernel));
        // xorEcc over the page as one block (the whole-page form of <= 8 KiB pages).
        benchmark::RegisterBenchmark(nameOf({"xorEcc", name, size, where}).c_str(), [pageSize, stream, kernel](benchmark::State& state) {
          runPages(state, pageSize, stream, [kernel](Bytes page, uint32_t pgno) {
            benchmark::DoNotOptimize(xorEccWith(kernel, page, pgno, true));
          });
        });
        benchmark::RegisterBenchmark(nameOf({"legacyXor", name, size, where}).c_str(), [pageSize, stream, kernel](benchmark::State& state) {
          runPages(state, pageSize, stream, [kernel](Bytes page, uint32_t) {
            benchmark::DoNotOptimize(legacyXorWith(kernel, page));
          });
        });
      }
    }
  }
  // Large-to-large copy, for reference: reads and writes 256 MiB.
  benchmark::RegisterBenchmark("memcpy/full/stream", [](benchmark::State& state) {
    const std::vector<uint8_t>& source = streamBuffer(8192);
    std::vector<uint8_t> target(source.size());
    for (auto _ : state) {
      std::memcpy(target.data(), source.data(), source.size());
      benchmark::ClobberMemory();
    }
    bytesProcessed(state, source.size());
  });
}

}  // namespace

int main(int argc, char** argv) {
  registerAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("checksum kernel", kernelName(activeKernel()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
