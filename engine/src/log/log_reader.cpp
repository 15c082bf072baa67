// LogReader: generations from the start position to `<base>.log`, checked and
// scanned one at a time (ese-format/log-format.md §1, §6, §8).
#include "log/log_reader.h"

#include <algorithm>
#include <map>

#include "esekit/format/log_segment_writer.h"
#include "log/log_file_io.h"

namespace esekit::engine::log {

namespace fs = std::filesystem;

namespace {

struct Generation {
  int32_t generation = 0;
  fs::path path;
  LogFileHeader header;
  bool current = false;
};

Result<LogFileHeader> readHeader(const fs::path& path) {
  Result<io::File> file = io::File::openReadOnly(path);
  ESEKIT_RETURN_IF_ERROR(file);
  Result<uint64_t> size = file->size();
  ESEKIT_RETURN_IF_ERROR(size);
  if (*size < kLogFileHeaderSize)
    return Status(JetError::LogFileCorrupt, path.string() + ": " + std::to_string(*size) +
                                                " bytes, shorter than the 4096-byte log header");
  std::vector<uint8_t> bytes(kLogFileHeaderSize);
  ESEKIT_RETURN_IF_ERROR(file->readAt(0, bytes));
  const std::string context = path.string();
  Status status = verifyLogFileHeaderChecksum(bytes);
  if (!status.isOk()) return status.withContext(context);
  Result<LogFileHeader> header = parseLogFileHeader(bytes);
  if (!header.isOk()) return header.status().withContext(context);
  status = validateLogFileHeader(*header, *size);
  if (!status.isOk()) return status.withContext(context);
  return header;
}

}  // namespace

class LogReader::Impl {
 public:
  Status open(const fs::path& directory, const std::string& baseName, LogPosition start, const LogReaderOptions& options);
  Result<bool> next(LogRecordView& record);

  std::vector<Generation> generations;
  size_t fileIndex = 0;  // generation the last record came from
  LogPosition start;
  size_t nextGeneration = 0;  // index of the generation to load next
  // The generation being read.
  std::vector<uint8_t> file;
  std::optional<LogFileScan> scan;
  size_t nextRecord = 0;
  // The one before it, for the sequence check.
  std::optional<LogFileScan> previousScan;
  LogStreamTail tail;
  bool atEnd = false;
  std::vector<LogReaderNote> notes;

 private:
  Status load(size_t index);
};

Status LogReader::Impl::open(const fs::path& directory, const std::string& baseName, LogPosition startPosition,
                             const LogReaderOptions& options) {
  start = startPosition;
  std::string extension = options.extension;
  std::error_code error;
  if (extension.empty())
    extension = fs::exists(directory / LogWriter::currentFileName(baseName, "log"), error) ? "log"
                : fs::exists(directory / LogWriter::currentFileName(baseName, "jtx"), error) ? "jtx"
                                                                                                : "log";
  const fs::path currentPath = directory / LogWriter::currentFileName(baseName, extension);
  if (!fs::exists(currentPath, error))
    return Status(JetError::MissingLogFile, "current log file " + currentPath.string() + " is missing");
  Result<LogFileHeader> current = readHeader(currentPath);
  ESEKIT_RETURN_IF_ERROR(current);
  if (options.expectedSignature && !(current->logSignature == *options.expectedSignature))
    return Status(JetError::BadLogSignature, currentPath.string() + ": log signature " +
                                                 current->logSignature.toString() + " (header offset 44) is not " +
                                                 options.expectedSignature->toString() + " of this log stream");
  const int32_t currentGeneration = current->generation;

  // Archived generations by number, whatever their digit count (§1).
  std::map<int32_t, fs::path> archived;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory, error)) {
    const std::optional<LogFileName> name = parseLogFileName(entry.path().filename().string());
    if (!name || name->role != LogFileRole::Archived) continue;
    if (name->baseName != baseName || name->extension != extension) continue;
    archived.emplace(name->generation, entry.path());
  }
  if (error) return Status(JetError::DiskIO, "cannot list " + directory.string() + ": " + error.message());

  int32_t first = start.generation;
  if (first == 0) {  // oldest generation contiguous with the current one
    first = currentGeneration;
    while (first > 1 && archived.count(first - 1)) --first;
    start = LogPosition{0, 0, first};
  }
  if (first > currentGeneration)
    return Status(JetError::MissingLogFile, "log generation " + std::to_string(first) + " (start " + start.toString() +
                                                ") is beyond the current log " + currentPath.string() + " (generation " +
                                                std::to_string(currentGeneration) + ")");
  for (int32_t g = first; g < currentGeneration; ++g) {
    const auto found = archived.find(g);
    if (found == archived.end())
      return Status(JetError::MissingLogFile,
                    "log generation " + std::to_string(g) + " (" +
                        (directory / LogWriter::archivedFileName(baseName, extension, g)).string() +
                        ") is missing; needed from " + start.toString() + " to the current generation " +
                        std::to_string(currentGeneration));
    Result<LogFileHeader> header = readHeader(found->second);
    ESEKIT_RETURN_IF_ERROR(header);
    LogFileName name;
    name.role = LogFileRole::Archived;
    name.generation = g;
    Status named = checkLogFileName(name, *header);
    if (!named.isOk()) return named.withContext(found->second.string());
    generations.push_back({g, found->second, std::move(header.value()), false});
  }
  generations.push_back({currentGeneration, currentPath, std::move(current.value()), true});

  // One stream: same signature as `<base>.log`, chained headers (§8). The
  // accumulated checksum part of the chain is checked when scanning.
  const Signature& signature = generations.back().header.logSignature;
  LogFileScan headersOnly;
  headersOnly.format = LogFormat::Unsupported;
  for (size_t i = 0; i < generations.size(); ++i) {
    const Generation& g = generations[i];
    if (!(g.header.logSignature == signature))
      return Status(JetError::BadLogSignature, g.path.string() + ": log signature " + g.header.logSignature.toString() +
                                                   " (header offset 44) differs from " + signature.toString() + " of " +
                                                   currentPath.string() + ": not the same log stream");
    if (i > 0) {
      const Status chained = checkLogSequence(generations[i - 1].header, headersOnly, g.header);
      if (!chained.isOk()) return chained.withContext(g.path.string());
    }
  }
  return Status::ok();
}

Status LogReader::Impl::load(size_t index) {
  const Generation& g = generations[index];
  Result<std::vector<uint8_t>> bytes = io::readWholeFile(g.path);
  ESEKIT_RETURN_IF_ERROR(bytes);
  if (scan) {
    scan->records.clear();  // only the header and accumulated checksum are needed now
    scan->storage.clear();
    previousScan = std::move(scan);
  }
  scan.reset();
  file.clear();
  if (g.current) {
    Result<CurrentLogScan> result = scanCurrentLogFile(std::move(bytes.value()));
    if (!result.isOk()) return result.status().withContext(g.path.string());
    file = std::move(result->file);
    scan = std::move(result->scan);
    if (result->tornTailNote) notes.push_back({g.generation, g.path, *result->tornTailNote});
  } else {
    file = std::move(bytes.value());
    Result<LogFileScan> result = scanLogFile(file);
    if (!result.isOk()) return result.status().withContext(g.path.string());
    scan = std::move(result.value());
  }
  if (scan->header.generation != g.generation)
    return Status(JetError::LogGenerationMismatch, g.path.string() + " changed while reading: generation " +
                                                       std::to_string(scan->header.generation));
  for (const LogScanNote& note : scan->notes) notes.push_back({g.generation, g.path, note.message});
  if (previousScan) {
    const Status chained = checkLogSequence(previousScan->header, *previousScan, scan->header);
    if (!chained.isOk()) return chained.withContext(g.path.string());
  }
  nextRecord = 0;
  return Status::ok();
}

Result<bool> LogReader::Impl::next(LogRecordView& record) {
  if (atEnd) return false;
  while (true) {
    if (scan) {
      while (nextRecord < scan->records.size()) {
        const LogRecordView& candidate = scan->records[nextRecord++];
        if (candidate.position < start) continue;
        record = candidate;
        fileIndex = nextGeneration == 0 ? 0 : nextGeneration - 1;
        return true;
      }
    }
    if (nextGeneration == generations.size()) {
      tail = makeStreamTail(file, *scan);
      atEnd = true;
      return false;
    }
    ESEKIT_RETURN_IF_ERROR(load(nextGeneration));
    fileIndex = nextGeneration;
    ++nextGeneration;
  }
}

Result<std::vector<int32_t>> findLogGenerations(const LogReaderOptions& options) {
  std::vector<int32_t> found;
  std::error_code error;
  std::string extension = options.extension;
  if (extension.empty())
    extension = fs::exists(options.directory / LogWriter::currentFileName(options.baseName, "jtx"), error) &&
                        !fs::exists(options.directory / LogWriter::currentFileName(options.baseName, "log"), error)
                    ? "jtx"
                    : "log";
  if (!fs::exists(options.directory, error)) return found;
  for (const fs::directory_entry& entry : fs::directory_iterator(options.directory, error)) {
    const std::optional<LogFileName> name = parseLogFileName(entry.path().filename().string());
    if (!name || name->role != LogFileRole::Archived) continue;
    if (name->baseName != options.baseName || name->extension != extension) continue;
    found.push_back(name->generation);
  }
  if (error) return Status(JetError::DiskIO, "cannot list " + options.directory.string() + ": " + error.message());
  const fs::path current = options.directory / LogWriter::currentFileName(options.baseName, extension);
  if (fs::exists(current, error)) {
    Result<LogFileHeader> header = readHeader(current);
    ESEKIT_RETURN_IF_ERROR(header);
    found.push_back(header->generation);
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

Result<std::unique_ptr<LogReader>> LogReader::open(const LogReaderOptions& options, std::optional<LogPosition> start) {
  return open(options.directory, options.baseName, start.value_or(LogPosition{}), options);
}

LogReader::LogReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LogReader::~LogReader() = default;

Result<std::unique_ptr<LogReader>> LogReader::open(const fs::path& directory, const std::string& baseName,
                                                   LogPosition start, const LogReaderOptions& options) {
  auto impl = std::make_unique<Impl>();
  ESEKIT_RETURN_IF_ERROR(impl->open(directory, baseName, start, options));
  return std::unique_ptr<LogReader>(new LogReader(std::move(impl)));
}

Result<bool> LogReader::next(LogRecordView& record) { return impl_->next(record); }
int32_t LogReader::firstGeneration() const { return impl_->generations.front().generation; }
int32_t LogReader::currentGeneration() const { return impl_->generations.back().generation; }
fs::path LogReader::currentPath() const { return impl_->generations.back().path; }
fs::path LogReader::currentFile() const { return impl_->generations[impl_->fileIndex].path; }
const Signature& LogReader::signature() const { return impl_->generations.back().header.logSignature; }
LogPosition LogReader::startPosition() const { return impl_->start; }
const std::vector<AttachInfo>& LogReader::startAttachments() const { return impl_->generations.front().header.attachments; }
const LogStreamTail& LogReader::tail() const { return impl_->tail; }
bool LogReader::atEnd() const { return impl_->atEnd; }
const std::vector<LogReaderNote>& LogReader::notes() const { return impl_->notes; }

}  // namespace esekit::engine::log
