// The result of verifying one file: what it is, the verdict, counts per
// class and the problems found. Produced by verifyFile(), printed as a text
// summary line or one JSON object per file (doc/cli.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "esekit/format/status.h"

namespace esekit::tools {

enum class VerifyStatus : uint8_t {
  Ok,         // everything checked verifies
  Corrected,  // damage found that is fully recoverable (single-bit errors; one bad copy of a redundant pair)
  Bad,        // damage that cannot be recovered
  Error,      // the file could not be verified at all (unreadable, not ESE, truncated, unknown version)
  Skipped,    // directory walk only: not ESE and no ESE name
};
std::string_view verifyStatusName(VerifyStatus status);

// Worst of two verdicts (Ok < Corrected < Bad < Error).
VerifyStatus worse(VerifyStatus a, VerifyStatus b);

// A single bit that was (or can be) corrected.
struct CorrectedBit {
  uint64_t fileOffset = 0;  // of the byte holding the bit
  uint32_t pageOffset = 0;  // byte inside its page / sector
  uint8_t bit = 0;          // 0 = least significant
};

struct Problem {
  // Where: exactly one of page / sector is set for page and segment problems;
  // neither for whole-file or header problems (then `area` names it).
  std::optional<uint64_t> page;
  std::optional<uint64_t> sector;
  std::string area;          // "header", "shadow header", "checkpoint copy 2", "page", "sector", "file"
  uint64_t fileOffset = 0;
  VerifyStatus severity = VerifyStatus::Bad;  // Corrected for recoverable ones
  std::string reason;
  JetError error = JetError::Success;
  std::vector<CorrectedBit> bits;
  std::optional<uint64_t> actualPage;  // wrong page number: the page the data belongs to
  std::string cause;       // finer classification from the component ("not-ese-page", ...), may be empty
  bool tolerated = false;  // listed, but not damage (scratch database pages); does not change the status
};

struct FileReport {
  std::filesystem::path path;
  std::string kind = "unknown";  // database, log, checkpoint, flush_map, patch, reserve_log, ...
  VerifyStatus status = VerifyStatus::Ok;
  std::string summary;           // human detail for the text line ("page size 4096, 192 pages")
  uint64_t bytes = 0;
  double seconds = 0;
  // Per-class counts in display order ("ok", "uninitialized", "corrected", ...).
  std::vector<std::pair<std::string, uint64_t>> counts;
  // Extra facts (generation, state, role, ...) as name -> text, in order.
  std::vector<std::pair<std::string, std::string>> facts;
  std::vector<Problem> problems;
  uint64_t problemsTotal = 0;  // may exceed problems.size() when the list was capped
  Status error;                // set when status == Error
  std::optional<std::filesystem::path> fixedCopy;  // --fix output written
  std::string fixNote;                            // why no copy was written, when asked for

  void addCount(std::string name, uint64_t value) { counts.emplace_back(std::move(name), value); }
  void addFact(std::string name, std::string value) { facts.emplace_back(std::move(name), std::move(value)); }
  // Appends a problem (up to `cap` listed; all counted) and raises the status.
  void addProblem(Problem problem, size_t cap = kDefaultProblemCap);
  // Makes the report an Error with one problem at `fileOffset`.
  void fail(const Status& status, uint64_t fileOffset, std::string area = "file");

  static constexpr size_t kDefaultProblemCap = 1000;
};

}  // namespace esekit::tools
