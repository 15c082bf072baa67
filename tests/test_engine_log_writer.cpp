// LogWriter behaviour a caller relies on: durability of flush(), group
// commit under concurrency, reserve logs on a full disk, rollover and
// truncation of old generations, header contents of new generations.
#include "engine_log_test_support.h"

#include <atomic>
#include <map>
#include <cstring>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

using namespace esekit;
using namespace esekit::test;

namespace {

std::vector<uint8_t> traceRecord(size_t textSize, uint8_t fill) {
  return encodeLogRecord(makeTrace(3, std::vector<uint8_t>(textSize, fill))).value();
}

// Reads a file through a new descriptor (what another process would see).
std::vector<uint8_t> readFresh(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  std::vector<uint8_t> bytes(std::filesystem::file_size(path));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    REQUIRE(n > 0);
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return bytes;
}

}  // namespace

TEST_CASE("after flush(position) returns, the record is in the file and scans back") {
  const std::filesystem::path directory = tempDir("log_durable");
  auto writer = englog::LogWriter::create(writerOptions(directory, 256 * 1024));
  REQUIRE(writer.isOk());
  for (int round = 0; round < 20; ++round) {
    const std::vector<uint8_t> record = traceRecord(10 + round * 97, static_cast<uint8_t>('a' + round));
    Result<LogPosition> position = (*writer)->append(record);
    REQUIRE(position.isOk());
    CHECK((*writer)->durableEnd() <= *position);  // not yet durable
    REQUIRE((*writer)->flush(*position).isOk());
    CHECK(*position < (*writer)->durableEnd());
    const std::vector<uint8_t> file = readFresh(directory / "edb.log");  // records are views into it
    Result<LogFileScan> scan = scanLogFile(file);
    REQUIRE_MESSAGE(scan.isOk(), scan.status().toString());
    REQUIRE(scan->records.size() >= 2);
    // The flush closed the record's segment with a Nop2 fill (as ESE does),
    // so the next record starts in a fresh sector and no later flush
    // rewrites a sector holding acknowledged records.
    const LogRecordView& fill = scan->records.back();
    CHECK(fill.type == LogRecordType::Nop2);
    CHECK(fill.position.sector == position->sector);
    CHECK(fill.position.byteOffset + fill.bytes.size() == 4096);
    CHECK((*writer)->end() == LogPosition{40, static_cast<uint16_t>(position->sector + 1), position->generation});
    const LogRecordView& last = scan->records[scan->records.size() - 2];
    CHECK(last.position == *position);
    CHECK(std::equal(last.bytes.begin(), last.bytes.end(), record.begin(), record.end()));
  }
  // One fdatasync per flush of a small commit.
  {
    const uint64_t before = (*writer)->statistics().fdatasyncs;
    Result<LogPosition> position = (*writer)->append(traceRecord(100, 'q'));
    REQUIRE(position.isOk());
    REQUIRE((*writer)->flush(*position).isOk());
    CHECK((*writer)->statistics().fdatasyncs == before + 1);
  }
  // Flushing what is already durable writes nothing.
  const uint64_t syncs = (*writer)->statistics().fdatasyncs;
  REQUIRE((*writer)->flush((*writer)->end()).isOk());
  CHECK((*writer)->statistics().fdatasyncs == syncs);
}

namespace {
void groupCommit(uint32_t fileSize) {
  CAPTURE(fileSize);
  const std::filesystem::path directory = tempDir("log_group");
  auto writer = englog::LogWriter::create(writerOptions(directory, fileSize));
  REQUIRE(writer.isOk());
  englog::LogWriter& log = **writer;
  const int threads = 8, commitsPerThread = 200;
  const uint64_t syncsBefore = log.statistics().fdatasyncs;
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  std::vector<std::vector<std::pair<LogPosition, std::vector<uint8_t>>>> committed(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < commitsPerThread; ++i) {
        std::vector<uint8_t> record = traceRecord(20 + (i * 13 + t * 7) % 200, static_cast<uint8_t>('A' + t));
        Result<LogPosition> position = log.append(record);
        if (!position.isOk() || !log.flush(*position).isOk()) {
          ++failures;
          return;
        }
        if (!(*position < log.durableEnd())) ++failures;
        committed[t].emplace_back(*position, std::move(record));
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  REQUIRE(failures == 0);
  const englog::LogWriterStatistics stats = log.statistics();
  const uint64_t syncs = stats.fdatasyncs - syncsBefore;
  const int commits = threads * commitsPerThread;
  MESSAGE(commits << " commits (append+flush) from " << threads << " threads: " << syncs << " fdatasyncs, "
                  << stats.flushWrites << " leader writes, " << stats.generationsCreated << " rollovers");
  CHECK(syncs < static_cast<uint64_t>(commits));
  REQUIRE(log.close().isOk());

  // Every committed record is in the log at the position append returned.
  const ReadBack back = readAll(directory);
  REQUIRE(back.records.size() == static_cast<size_t>(commits));
  std::map<uint64_t, const std::vector<uint8_t>*> byPosition;
  for (const auto& records : committed)
    for (const auto& [position, bytes] : records) byPosition[position.packed()] = &bytes;
  for (const auto& [position, bytes] : back.records) {
    const auto found = byPosition.find(position.packed());
    REQUIRE(found != byPosition.end());
    CHECK(*found->second == bytes);
  }
}
}  // namespace

TEST_CASE("group commit: concurrent committers share fdatasyncs") {
  groupCommit(1024 * 1024);  // no rollover
  groupCommit(64 * 1024);    // rollovers while other threads append and flush
}

TEST_CASE("rollover: names, chained headers, forced rollover, deleteGenerationsBefore") {
  const std::filesystem::path directory = tempDir("log_rollover");
  englog::LogWriterOptions options = writerOptions(directory, 64 * 1024);
  LogPosition checkpoint{0, 1, 1};
  options.checkpoint = [&] { return checkpoint; };
  options.databasePageSize = 32768;
  auto writer = englog::LogWriter::create(options);
  REQUIRE(writer.isOk());
  CHECK((*writer)->currentGeneration() == 1);
  for (const char* name : {"edb.log", "edbtmp.log", "edbres00001.jrs", "edbres00002.jrs"})
    CHECK_MESSAGE(std::filesystem::file_size(directory / name) == options.fileSize, name);
  REQUIRE((*writer)->append(traceRecord(40, 'x')).isOk());
  checkpoint = LogPosition{0, 1, 2};
  REQUIRE((*writer)->rollover().isOk());
  CHECK((*writer)->currentGeneration() == 2);
  CHECK(std::filesystem::exists(directory / "edb00001.log"));
  CHECK(std::filesystem::exists(directory / "edbtmp.log"));
  REQUIRE((*writer)->rollover().isOk());  // an empty generation rolls over too
  REQUIRE((*writer)->append(traceRecord(40, 'y')).isOk());
  REQUIRE((*writer)->rollover().isOk());
  CHECK((*writer)->currentGeneration() == 4);

  const auto header = [&](const char* name) {
    Result<LogFileHeader> h = parseLogFileHeader(fileBytes(directory / name));
    REQUIRE(h.isOk());
    return h.value();
  };
  const LogFileHeader first = header("edb00001.log"), second = header("edb00002.log");
  CHECK(second.previousGenerationCreated == first.created);
  CHECK(second.logSignature == first.logSignature);
  CHECK(second.checkpointAtCreation == LogPosition{0, 1, 2});
  CHECK(second.pageSize == 32768);
  CHECK(second.version == englog::kWriterLogVersion);
  CHECK(second.dbmsParameters.logFileSectors == 16);
  CHECK(first.previousLogChecksum == 0);
  CHECK(second.previousLogChecksum != 0);
  CHECK(header("edb00003.log").previousLogChecksum == 0);  // generation 2 had no segments

  REQUIRE((*writer)->deleteGenerationsBefore(3).isOk());
  CHECK_FALSE(std::filesystem::exists(directory / "edb00001.log"));
  CHECK_FALSE(std::filesystem::exists(directory / "edb00002.log"));
  CHECK(std::filesystem::exists(directory / "edb00003.log"));
  REQUIRE((*writer)->deleteGenerationsBefore(100).isOk());  // clamped: the current one stays
  CHECK(std::filesystem::exists(directory / "edb.log"));
  CHECK_FALSE(std::filesystem::exists(directory / "edb00003.log"));
  REQUIRE((*writer)->close().isOk());
  CHECK((*writer)->append(traceRecord(1, 'z')).status().code() == JetError::InvalidParameter);

  // A second create() on the same directory refuses to overwrite the stream.
  CHECK(englog::LogWriter::create(options).status().code() == JetError::InvalidParameter);
}

TEST_CASE("disk full: reserve logs let shutdown records through, other appends get LogDiskFull") {
  const std::filesystem::path directory = tempDir("log_diskfull");
  englog::LogWriterOptions options = writerOptions(directory, 32 * 1024);
  // The disk "fills up" after the reserves and the first temporary log exist.
  std::atomic<bool> full{false};
  int creations = 0;
  options.createFile = [&](const std::filesystem::path& path, uint64_t size) -> Status {
    ++creations;
    if (full) return Status(JetError::DiskFull, "no space for " + path.string() + " (simulated)");
    return englog::createZeroFilledFile(path, size);
  };
  auto writer = englog::LogWriter::create(options);
  REQUIRE(writer.isOk());
  CHECK(creations == 4);  // edb.log, 2 reserves, edbtmp.log
  full = true;
  const std::vector<uint8_t> record = traceRecord(500, 'd');
  // Fill generation 1 and roll into the pre-created edbtmp.log (generation 2):
  // the next temporary cannot be created, which is not yet an error.
  while ((*writer)->currentGeneration() < 2) REQUIRE((*writer)->append(record).isOk());
  CHECK_FALSE((*writer)->diskFull());
  // Filling generation 2 needs generation 3: no new file, so reserve 1 is used.
  Result<LogPosition> refused = LogPosition{};
  for (int i = 0; i < 100 && refused.isOk(); ++i) refused = (*writer)->append(record);
  REQUIRE_FALSE(refused.isOk());
  CHECK(refused.status().code() == JetError::LogDiskFull);
  CHECK((*writer)->diskFull());
  CHECK((*writer)->currentGeneration() == 3);
  CHECK_FALSE(std::filesystem::exists(directory / "edbres00001.jrs"));
  CHECK(std::filesystem::exists(directory / "edbres00002.jrs"));
  CHECK((*writer)->append(traceRecord(10, 'e')).status().code() == JetError::LogDiskFull);
  // Shutdown records still go in, into reserve 2 when reserve 1 fills up.
  std::vector<LogPosition> shutdown;
  for (int i = 0; i < 60; ++i) {  // more than one 32 KiB generation holds
    Result<LogPosition> position = (*writer)->appendForShutdown(record);
    REQUIRE_MESSAGE(position.isOk(), position.status().toString());
    shutdown.push_back(*position);
  }
  CHECK((*writer)->currentGeneration() == 4);
  CHECK((*writer)->statistics().reservesUsed == 2);
  Result<LogPosition> term = (*writer)->appendForShutdown(term2Record());
  REQUIRE(term.isOk());
  REQUIRE((*writer)->close().isOk());
  const ReadBack back = readAll(directory);
  CHECK(back.tail.cleanEnd);
  CHECK(back.records.back().first == *term);
  Result<LogFileHeader> current = parseLogFileHeader(fileBytes(directory / "edb.log"));
  REQUIRE(current.isOk());
  CHECK((current->flags & LogFileHeader::kReserveLogUsed) != 0);
}

TEST_CASE("disk full with no reserve left fails appendForShutdown with LogDiskFull") {
  const std::filesystem::path directory = tempDir("log_diskfull_none");
  englog::LogWriterOptions options = writerOptions(directory, 16 * 1024);
  options.reserveFiles = 0;
  bool full = false;
  options.createFile = [&](const std::filesystem::path& path, uint64_t size) -> Status {
    if (full) return Status(JetError::DiskFull, "no space (simulated)");
    return englog::createZeroFilledFile(path, size);
  };
  auto writer = englog::LogWriter::create(options);
  REQUIRE(writer.isOk());
  full = true;
  Status last;
  for (int i = 0; i < 100 && last.isOk(); ++i) last = toStatus((*writer)->appendForShutdown(traceRecord(900, 'n')));
  CHECK(last.code() == JetError::LogDiskFull);
  CHECK(last.message().find("no reserve") != std::string::npos);
}

TEST_CASE("checkpoint file: round trip, torn primary read from the shadow, missing, both bad") {
  const std::filesystem::path directory = tempDir("log_checkpoint");
  const std::filesystem::path path = directory / "edb.chk";
  CHECK(englog::readCheckpointFile(path).status().code() == JetError::CheckpointFileNotFound);
  Checkpoint checkpoint;
  checkpoint.checkpoint = LogPosition{0x28, 5, 7};
  checkpoint.databaseConsistencyPosition = LogPosition{0x28, 5, 7};
  checkpoint.logSignature = englog::newLogSignature(fixedTime(1));
  checkpoint.dbmsParameters.logFileSectors = 1280;
  AttachInfo attach;
  attach.dbid = 1;
  attach.nameBytes = {'x', 0};
  REQUIRE(setAttachments(checkpoint, {attach}).isOk());
  REQUIRE(englog::writeCheckpointFile(path, checkpoint).isOk());
  CHECK(std::filesystem::file_size(path) == kCheckpointFileSize);
  Result<Checkpoint> read = englog::readCheckpointFile(path);
  REQUIRE(read.isOk());
  CHECK(read->checkpoint == checkpoint.checkpoint);
  CHECK(read->logSignature == checkpoint.logSignature);
  CHECK(attachments(*read).value().size() == 1);

  // Rewrite with a later checkpoint; both copies change.
  checkpoint.checkpoint = LogPosition{0x40, 9, 8};
  REQUIRE(englog::writeCheckpointFile(path, checkpoint).isOk());
  std::vector<uint8_t> bytes = fileBytes(path);
  CHECK(std::memcmp(bytes.data(), bytes.data() + 4096, 4096) == 0);
  CHECK(englog::readCheckpointFile(path)->checkpoint == checkpoint.checkpoint);

  // A crash while the primary is rewritten: torn primary, intact shadow.
  std::vector<uint8_t> torn = bytes;
  std::mt19937 random(7);  // random bytes: an even number of equal XORs would cancel in the XOR checksum
  for (size_t i = 1024; i < 1536; ++i) torn[i] = static_cast<uint8_t>(random());  // attach area, not the file type
  writeBytes(path, torn);
  read = englog::readCheckpointFile(path);
  REQUIRE_MESSAGE(read.isOk(), read.status().toString());
  CHECK(read->checkpoint == checkpoint.checkpoint);

  for (size_t i = 4096 + 1024; i < 4096 + 1536; ++i) torn[i] = static_cast<uint8_t>(random());
  writeBytes(path, torn);
  CHECK(englog::readCheckpointFile(path).status().code() == JetError::CheckpointCorrupt);
}
