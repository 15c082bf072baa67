// Log file names, roles and placeholder content (ese-format/log-format.md §1,
// INVENTORY observation 5).
#include <algorithm>
#include <cctype>

#include "esekit/format/log_file.h"

namespace esekit {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool allHex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}
bool allDecimal(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// The 0xDA pattern of Win7-era pre-created logs: every byte 0xDA except each
// 16th, which is (0xDA + offset) & 0xFF.
bool isFillPattern(Bytes file) {
  for (size_t i = 0; i < file.size(); ++i) {
    const uint8_t expected = (i % 16) ? 0xDA : static_cast<uint8_t>((0xDA + i) & 0xFF);
    if (file[i] != expected) return false;
  }
  return true;
}

}  // namespace

std::string_view logFileRoleName(LogFileRole role) {
  switch (role) {
    case LogFileRole::Current: return "current";
    case LogFileRole::Archived: return "archived";
    case LogFileRole::Temporary: return "temporary";
    case LogFileRole::Reserve: return "reserve";
  }
  return "?";
}

std::optional<LogFileName> parseLogFileName(std::string_view fileName) {
  const size_t dot = fileName.rfind('.');
  if (dot == std::string_view::npos || dot < 3) return std::nullopt;
  const std::string_view stem = fileName.substr(0, dot);
  const std::string_view extension = fileName.substr(dot + 1);
  const std::string ext = lower(extension);
  LogFileName name;
  name.baseName = std::string(stem.substr(0, 3));
  name.extension = std::string(extension);
  const std::string_view suffix = stem.substr(3);
  if (ext == "jrs") {  // reserve logs: always "res" + 5 digits
    if (suffix.size() != 8 || lower(suffix.substr(0, 3)) != "res" || !allDecimal(suffix.substr(3))) return std::nullopt;
    name.role = LogFileRole::Reserve;
    name.reserveIndex = static_cast<uint32_t>(std::stoul(std::string(suffix.substr(3))));
    return name;
  }
  if (ext != "log" && ext != "jtx") return std::nullopt;
  if (suffix.empty()) {
    name.role = LogFileRole::Current;
    return name;
  }
  if (lower(suffix) == "tmp") {
    name.role = LogFileRole::Temporary;
    return name;
  }
  if ((suffix.size() == 5 || suffix.size() == 8) && allHex(suffix)) {
    const unsigned long generation = std::stoul(std::string(suffix), nullptr, 16);
    if (generation == 0 || generation > 0x7FFFFFFFul) return std::nullopt;
    name.role = LogFileRole::Archived;
    name.generation = static_cast<int32_t>(generation);
    return name;
  }
  return std::nullopt;
}

Status checkLogFileName(const LogFileName& name, const LogFileHeader& header) {
  if (name.role != LogFileRole::Archived || name.generation == header.generation) return Status::ok();
  return Status(JetError::LogGenerationMismatch,
                name.baseName + "...: file name says generation " + std::to_string(name.generation) +
                    ", header offset 4 says " + std::to_string(header.generation));
}

std::string_view logFileContentName(LogFileContent content) {
  switch (content) {
    case LogFileContent::LogHeader: return "log header";
    case LogFileContent::AllZero: return "all zero";
    case LogFileContent::FillPattern: return "0xDA fill pattern";
    case LogFileContent::Empty: return "empty file";
    case LogFileContent::Other: return "not an ESE log";
  }
  return "?";
}

LogFileContent classifyLogFileContent(Bytes file) {
  if (file.empty()) return LogFileContent::Empty;
  if (verifyLogFileHeaderChecksum(file).isOk()) return LogFileContent::LogHeader;
  if (std::all_of(file.begin(), file.end(), [](uint8_t b) { return b == 0; })) return LogFileContent::AllZero;
  if (isFillPattern(file)) return LogFileContent::FillPattern;
  return LogFileContent::Other;
}

LogFileIdentity identifyLogFile(std::string_view fileName, Bytes file) {
  LogFileIdentity id;
  id.name = parseLogFileName(fileName);
  id.content = classifyLogFileContent(file);
  if (id.content == LogFileContent::LogHeader) {
    Result<LogFileHeader> header = parseLogFileHeader(file);
    if (header.isOk()) id.headerGeneration = header->generation;
  }
  const bool placeholderName =
      id.name && (id.name->role == LogFileRole::Temporary || id.name->role == LogFileRole::Reserve);
  const std::string shown(fileName);
  if (placeholderName) {
    if (id.content == LogFileContent::AllZero || id.content == LogFileContent::FillPattern ||
        id.content == LogFileContent::Empty) {
      id.spare = true;
      id.summary = std::string(logFileRoleName(id.name->role)) + " log, unused (" +
                   std::string(logFileContentName(id.content)) + ")";
    } else if (id.headerGeneration) {
      id.recycled = true;
      id.summary = "recycled log of generation " + std::to_string(*id.headerGeneration) + " (" + shown +
                   "), not part of the current sequence";
    } else {
      id.summary = std::string(logFileRoleName(id.name->role)) + " log with no ESE log header (" +
                   std::string(logFileContentName(id.content)) + ")";
    }
    return id;
  }
  if (id.headerGeneration) {
    id.partOfSequence = true;
    id.summary = (id.name ? std::string(logFileRoleName(id.name->role)) + " log" : std::string("log")) +
                 " of generation " + std::to_string(*id.headerGeneration);
  } else {
    id.summary = std::string(logFileContentName(id.content));
  }
  return id;
}

}  // namespace esekit
