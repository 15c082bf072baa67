#include "verify_output.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "json_writer.h"

namespace esekit::tools {
namespace {

std::string hexOffset(uint64_t offset) {
  char text[32];
  std::snprintf(text, sizeof text, "0x%" PRIx64, offset);
  return text;
}

std::string formatSeconds(double seconds) {
  char text[32];
  if (seconds < 1.0) {
    std::snprintf(text, sizeof text, "%.1f ms", seconds * 1000.0);
  } else {
    std::snprintf(text, sizeof text, "%.2f s", seconds);
  }
  return text;
}

std::string where(const Problem& problem) {
  std::string out;
  if (problem.page) {
    out = "page " + std::to_string(*problem.page);
  } else if (problem.sector) {
    out = "sector " + std::to_string(*problem.sector);
  } else {
    out = problem.area.empty() ? "file" : problem.area;
  }
  out += " (offset " + std::to_string(problem.fileOffset) + " = " + hexOffset(problem.fileOffset) + ")";
  return out;
}

std::string formatProblem(const Problem& problem) {
  std::string line = "  " + where(problem) + ": " +
                     (problem.tolerated ? std::string("tolerated (scratch database, never read back by ESE)") : std::string(verifyStatusName(problem.severity))) +
                     ": " + problem.reason;
  for (const CorrectedBit& bit : problem.bits) {
    line += "; bit " + std::to_string(bit.bit) + " of byte " + std::to_string(bit.pageOffset) +
            " (file offset " + std::to_string(bit.fileOffset) + ")";
  }
  if (problem.actualPage) line += "; data belongs to page " + std::to_string(*problem.actualPage);
  if (problem.error != JetError::Success) line += " [" + jetErrorLabel(problem.error) + "]";
  return line + "\n";
}

std::string formatCounts(const FileReport& report) {
  std::string out;
  for (const auto& [name, value] : report.counts) {
    if (value == 0 && name != "ok") continue;  // keep the line short: only classes that occur
    if (!out.empty()) out += ", ";
    std::string label = name;  // JSON keys use '_'; text reads "2 copies good"
    std::replace(label.begin(), label.end(), '_', ' ');
    out += std::to_string(value) + " " + label;
  }
  return out;
}

void writeError(JsonWriter& out, JetError error) {
  out.beginObject();
  out.key("name").string(jetErrorName(error));
  out.key("number").number(static_cast<int32_t>(error));
  out.endObject();
}

}  // namespace

std::string jetErrorLabel(JetError error) {
  return jetErrorName(error) + " (" + std::to_string(static_cast<int32_t>(error)) + ")";
}

std::string formatReportText(const FileReport& report, const TextOptions& options) {
  const bool clean = report.status == VerifyStatus::Ok || report.status == VerifyStatus::Skipped;
  if (options.quiet && clean) return {};

  char head[64];
  std::snprintf(head, sizeof head, "%-9s %-12s ", std::string(verifyStatusName(report.status)).c_str(),
                report.kind.c_str());
  std::string line = head + report.path.string() + ":";
  if (report.status == VerifyStatus::Error && !report.error.isOk()) {
    std::string message = report.error.message();
    // Every error line names an offset, also when the message itself does not.
    const JetError code = report.error.code();
    const bool openFailure = code == JetError::FileNotFound || code == JetError::FileAccessDenied ||
                             code == JetError::DiskIO || code == JetError::InvalidPath;
    if (!openFailure && message.find("offset") == std::string::npos && !report.problems.empty()) {
      message = "at offset " + std::to_string(report.problems.front().fileOffset) + ": " + message;
    }
    line += " " + message + " [" + jetErrorLabel(report.error.code()) + "]";
  } else {
    if (!report.summary.empty()) line += " " + report.summary;
    const std::string counts = formatCounts(report);
    if (!counts.empty()) line += (report.summary.empty() ? " " : "; ") + counts;
  }
  if (report.status != VerifyStatus::Skipped) line += " (" + formatSeconds(report.seconds) + ")";
  line += "\n";

  if (report.status != VerifyStatus::Error) {
    size_t shown = 0;
    for (const Problem& problem : report.problems) {
      if (shown++ == options.maxProblems) break;
      line += formatProblem(problem);
    }
    if (report.problemsTotal > shown && report.problemsTotal > options.maxProblems) {
      line += "  ... " + std::to_string(report.problemsTotal - std::min<uint64_t>(shown, options.maxProblems)) +
              " more problems (--json lists up to " + std::to_string(FileReport::kDefaultProblemCap) + ")\n";
    }
  }
  if (report.fixedCopy) line += "  corrected copy written to " + report.fixedCopy->string() + "\n";
  if (!report.fixNote.empty()) line += "  no corrected copy: " + report.fixNote + "\n";
  return line;
}

std::string formatReportJson(const FileReport& report) {
  JsonWriter out;
  out.beginObject();
  out.key("path").string(report.path.string());
  out.key("kind").string(report.kind);
  out.key("status").string(verifyStatusName(report.status));
  out.key("summary").string(report.summary);
  out.key("bytes").unsignedNumber(report.bytes);
  out.key("seconds").real(report.seconds, 6);
  out.key("counts").beginObject();
  for (const auto& [name, value] : report.counts) out.key(name).unsignedNumber(value);
  out.endObject();
  out.key("facts").beginObject();
  for (const auto& [name, value] : report.facts) out.key(name).string(value);
  out.endObject();
  out.key("problems").beginArray();
  for (const Problem& problem : report.problems) {
    out.beginObject();
    if (problem.page) out.key("page").unsignedNumber(*problem.page);
    if (problem.sector) out.key("sector").unsignedNumber(*problem.sector);
    out.key("area").string(problem.area);
    out.key("offset").unsignedNumber(problem.fileOffset);
    out.key("severity").string(verifyStatusName(problem.severity));
    out.key("reason").string(problem.reason);
    out.key("error");
    writeError(out, problem.error);
    if (!problem.bits.empty()) {
      out.key("bits").beginArray();
      for (const CorrectedBit& bit : problem.bits) {
        out.beginObject();
        out.key("offset").unsignedNumber(bit.fileOffset);
        out.key("page_offset").unsignedNumber(bit.pageOffset);
        out.key("bit").unsignedNumber(bit.bit);
        out.endObject();
      }
      out.endArray();
    }
    if (problem.actualPage) out.key("actual_page").unsignedNumber(*problem.actualPage);
    if (!problem.cause.empty()) out.key("cause").string(problem.cause);
    if (problem.tolerated) out.key("tolerated").boolean(true);
    out.endObject();
  }
  out.endArray();
  out.key("problems_total").unsignedNumber(report.problemsTotal);
  if (report.status == VerifyStatus::Error) {
    out.key("error").beginObject();
    out.key("name").string(jetErrorName(report.error.code()));
    out.key("number").number(report.error.number());
    out.key("message").string(report.error.message());
    out.endObject();
  }
  if (report.fixedCopy) out.key("fixed").string(report.fixedCopy->string());
  if (!report.fixNote.empty()) out.key("fix_note").string(report.fixNote);
  out.endObject();
  return out.text();
}

std::string formatTotals(const std::vector<VerifyStatus>& statuses) {
  uint64_t counts[5] = {};
  for (VerifyStatus s : statuses) ++counts[static_cast<size_t>(s)];
  std::string out = std::to_string(statuses.size()) + (statuses.size() == 1 ? " file:" : " files:");
  bool first = true;
  for (VerifyStatus s : {VerifyStatus::Ok, VerifyStatus::Corrected, VerifyStatus::Bad, VerifyStatus::Error,
                         VerifyStatus::Skipped}) {
    const uint64_t n = counts[static_cast<size_t>(s)];
    if (n == 0) continue;
    out += (first ? " " : ", ") + std::to_string(n) + " " + std::string(verifyStatusName(s));
    first = false;
  }
  return out + "\n";
}

}  // namespace esekit::tools
