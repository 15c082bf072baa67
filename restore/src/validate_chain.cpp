// Checks across the files and sets of a backup chain (validate.h): one log
// stream, contiguous generations from what the databases require to the
// end, chained headers, set order and gaps.
#include <algorithm>
#include <map>
#include <set>

#include "apply_pages.h"
#include "validate_internal.h"

namespace esekit::restore::detail {
namespace fs = std::filesystem;

namespace {

// The stream the chain must belong to: the databases' (a dirty one first),
// else the manifest's, else the current log's, else the newest log's.
Signature streamSignature(const std::vector<SetState>& sets) {
  for (bool dirtyOnly : {true, false}) {
    for (const SetState& set : sets) {
      for (const DatabaseEntry& database : set.databases) {
        if (!dirtyOnly || database.database.requiredLow != 0) return database.database.logSignature;
      }
    }
  }
  for (const SetState& set : sets)
    if (set.manifest) return set.manifest->logSignature;
  const LogEntry* newest = nullptr;
  for (const SetState& set : sets) {
    for (const LogEntry& log : set.logs) {
      if (log.log.current) return log.header.logSignature;
      if (!newest || log.log.generation > newest->log.generation) newest = &log;
    }
  }
  return newest ? newest->header.logSignature : Signature{};
}

std::string rangeText(int32_t low, int32_t high) {
  return low == high ? "generation " + std::to_string(low)
                     : "generations " + std::to_string(low) + "-" + std::to_string(high);
}

}  // namespace

void checkChain(std::vector<SetState>& sets, Inspection& inspection) {
  ValidationReport& report = inspection.report;
  report.logSignature = streamSignature(sets);
  for (const SetState& set : sets) {
    if (!set.logs.empty() || set.manifest) {
      report.baseName = set.set.baseName;
      break;
    }
  }

  // A pages set (apply_pages.h) replaces the logs of the sets before it:
  // the replay starts from its own logs, over its pages.
  const std::optional<size_t> pagesIndex = lastPagesSet(sets);
  auto beforePages = [&](const SetState& set) {
    return pagesIndex && static_cast<size_t>(&set - sets.data()) < *pagesIndex;
  };
  if (pagesIndex) checkPagesBase(sets, *pagesIndex, inspection);

  // One stream: every log carries the stream's signature.
  std::map<int32_t, const LogEntry*> chain;
  for (const SetState& set : sets) {
    for (const LogEntry& log : set.logs) {
      if (beforePages(set)) continue;
      if (!(log.header.logSignature == report.logSignature)) {
        inspection.problem(JetError::BadLogSignature, log.log.file,
                           "log signature " + log.header.logSignature.toString() +
                               " (header offset 44) of generation " +
                               std::to_string(log.log.generation) + " is not the database's log signature " +
                               report.logSignature.toString() + ": this log belongs to another log stream",
                           log.log.generation, {}, 44);
        continue;
      }
      auto [it, inserted] = chain.emplace(log.log.generation, &log);
      if (!inserted) {
        // The same generation in two sets (an incremental repeating logs the
        // full already has) must be the same file.
        if (!(it->second->header.created == log.header.created)) {
          inspection.problem(JetError::InvalidLogSequence, log.log.file,
                             "generation " + std::to_string(log.log.generation) + " differs from the copy in " +
                                 it->second->log.file.string() + " (created " + log.header.created.toString() +
                                 " vs " + it->second->header.created.toString() + ")",
                             log.log.generation);
        }
        it->second = &log;  // the later set's copy
      }
    }
    for (const auto& [path, checkpoint] : set.checkpoints) {
      if (!(checkpoint.logSignature == report.logSignature)) {
        inspection.problem(JetError::BadCheckpointSignature, path,
                           "checkpoint log signature " + checkpoint.logSignature.toString() +
                               " is not the stream's " + report.logSignature.toString());
      }
    }
  }

  // Databases: one stream, and what they need.
  for (const SetState& set : sets) {
    for (const DatabaseEntry& database : set.databases) {
      const ValidatedDatabase& d = database.database;
      if (d.requiredLow != 0 && !(d.logSignature == report.logSignature)) {
        inspection.problem(JetError::BadLogSignature, d.file,
                           "database log signature " + d.logSignature.toString() + " differs from the chain's " +
                               report.logSignature.toString());
      }
      if (d.requiredLow == 0) continue;
      if (beforePages(set)) continue;  // the pages set's range below
      report.requiredLow = report.requiredLow == 0 ? d.requiredLow : std::min(report.requiredLow, d.requiredLow);
      report.requiredHigh = std::max(report.requiredHigh, d.requiredHigh);
    }
  }

  if (pagesIndex) {
    const ValidatedSet& pages = sets[*pagesIndex].set;
    report.requiredLow = report.requiredLow == 0 ? pages.firstGeneration : std::min(report.requiredLow, pages.firstGeneration);
    report.requiredHigh = std::max(report.requiredHigh, pages.lastGeneration);
  }

  // Sets in order, without gaps between them (by their stamps or logs).
  std::set<int32_t> reportedMissing;
  // Out of order first: a gap between sets given in the wrong order is not a gap.
  bool ordered = true;
  {
    const SetState* before = nullptr;
    for (const SetState& set : sets) {
      if (set.set.lastGeneration == 0) continue;
      if (before) {
        const ValidatedSet& a = before->set;
        const ValidatedSet& b = set.set;
        if (b.lastGeneration < a.lastGeneration || b.firstGeneration < a.firstGeneration) {
          inspection.problem(JetError::InvalidLogSequence, b.directory,
                             "out of order: this set holds " + rangeText(b.firstGeneration, b.lastGeneration) +
                                 ", the set before it (" + a.directory.string() + ") already " +
                                 rangeText(a.firstGeneration, a.lastGeneration) +
                                 "; give the sets oldest first (full, then incrementals)",
                             b.firstGeneration);
          ordered = false;
        }
      }
      before = &set;
    }
  }
  const SetState* previous = nullptr;
  for (const SetState& set : sets) {
    if (set.set.lastGeneration == 0) continue;
    if (previous) {
      const ValidatedSet& a = previous->set;
      const ValidatedSet& b = set.set;
      if (previous->manifest && set.manifest && !(previous->manifest->logSignature == set.manifest->logSignature)) {
        inspection.problem(JetError::BadLogSignature, b.directory,
                           "this backup belongs to another log stream than " + a.directory.string());
      } else if (ordered && b.firstGeneration > a.lastGeneration + 1 && !(pagesIndex && &set == &sets[*pagesIndex])) {
        inspection.problem(JetError::MissingLogFile, b.directory,
                           "gap in the backup chain: " + rangeText(a.lastGeneration + 1, b.firstGeneration - 1) +
                               " (" + archivedLogName(report.baseName, a.lastGeneration + 1) +
                               "...) are in no set: " + a.directory.string() + " ends at generation " +
                               std::to_string(a.lastGeneration) + ", this set starts at " +
                               std::to_string(b.firstGeneration),
                           a.lastGeneration + 1);
        for (int32_t g = a.lastGeneration + 1; g < b.firstGeneration; ++g) reportedMissing.insert(g);
      }
      if (ordered && set.manifest && set.manifest->previous && set.manifest->type != backup::BackupType::Pages) {
        const backup::BackupStamp& base = set.manifest->previous->stamp;
        bool found = false;
        for (const SetState& earlier : sets) {
          if (&earlier == &set) break;
          if (earlier.manifest && earlier.manifest->stamp.endGeneration == base.endGeneration &&
              earlier.manifest->stamp.startGeneration == base.startGeneration)
            found = true;
        }
        if (!found) {
          inspection.problem(JetError::InvalidLogSequence, set.set.directory,
                             "this " + set.set.backupType + " backup builds on a " +
                                 std::string(backup::backupTypeName(set.manifest->previous->type)) + " backup of " +
                                 rangeText(base.startGeneration, base.endGeneration) +
                                 " that is not among the sets given before it");
        }
      }
    }
    previous = &set;
  }

  if (chain.empty()) {
    if (report.requiredLow != 0) {
      inspection.problem(JetError::MissingLogFile, sets.front().set.directory,
                         "the databases need log " + rangeText(report.requiredLow, report.requiredHigh) +
                             " and the sets hold no log of their stream",
                         report.requiredLow);
    }
    return;
  }

  // Contiguous from the required minimum (or the oldest log) to the end.
  const int32_t newest = chain.rbegin()->first;
  const int32_t first = report.requiredLow != 0 ? report.requiredLow : chain.begin()->first;
  const int32_t last = std::max(newest, report.requiredHigh);
  const fs::path where = sets.back().set.directory;
  for (int32_t g = first; g <= last;) {
    if (chain.count(g)) {
      ++g;
      continue;
    }
    int32_t end = g;
    while (end + 1 <= last && !chain.count(end + 1)) ++end;
    bool already = true;
    for (int32_t m = g; m <= end; ++m) already = already && reportedMissing.count(m) != 0;
    if (!already) {
      std::string why = g < chain.begin()->first ? "the databases need logs from generation " + std::to_string(first)
                        : end > newest ? "the databases need logs up to generation " + std::to_string(last)
                                       : "the log generations present must be contiguous";
      inspection.problem(JetError::MissingLogFile, where / archivedLogName(report.baseName, g),
                         "missing log " + rangeText(g, end) + " (" + archivedLogName(report.baseName, g) +
                             (g == end ? "" : " to " + archivedLogName(report.baseName, end)) + "): " + why,
                         g);
    }
    g = end + 1;
  }

  // Consecutive generations chain (log-format.md §8).
  const LogEntry* before = nullptr;
  for (const auto& [generation, log] : chain) {
    if (generation < first) continue;
    if (before && before->log.generation + 1 == generation && before->scan) {
      const Status linked = checkLogSequence(before->header, *before->scan, log->header);
      if (!linked.isOk()) {
        inspection.problem(linked.code(), log->log.file,
                           linked.message() + " (previous generation in " + before->log.file.string() + ")",
                           generation);
      }
    }
    before = log;
  }

  // The replayable chain: contiguous from `first`.
  report.firstGeneration = first;
  report.lastGeneration = first - 1;
  while (chain.count(report.lastGeneration + 1)) ++report.lastGeneration;
  if (report.lastGeneration < first) report.firstGeneration = report.lastGeneration = 0;
}

}  // namespace esekit::restore::detail
