// Structural database check in the spirit of `esentutl /g`: every B-tree
// reachable from the catalog, every page's layout, the space trees, the
// catalog itself, every record and every long value.
// See ese-format/page-format.md, space-trees.md (§7: which pages are in use),
// records-and-catalog.md §5, §7.4, §8.
//
// Pure: the whole database file (header, shadow, pages) in memory in, a
// report out. Linear in the size of the database.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/fields.h"
#include "esekit/format/status.h"

namespace esekit::integrity {

enum class Severity : uint8_t {
  Error,    // the database is corrupt
  Warning,  // not corruption, but worth knowing (leaked pages, orphaned LVs)
};
const char* severityName(Severity severity);

struct Problem {
  Severity severity = Severity::Error;
  JetError error = JetError::DatabaseCorrupted;
  uint32_t page = 0;  // 0 when the problem is not about one page
  int node = -1;      // node index on the page, -1 when not about one node
  std::string tree;   // "table Foo / index Bar", "database root / OE", ...
  std::string message;

  // "error JET_errDatabaseCorrupted (-1206) page 12 node 3 [table Foo]: ..."
  std::string toString() const;
};

// One B-tree that was checked.
struct TreeSummary {
  std::string name;
  uint32_t objectId = 0;
  uint32_t rootPage = 0;
  uint32_t pages = 0;
  uint32_t depth = 0;    // levels (1 = the root is a leaf)
  uint64_t nodes = 0;    // every node of every page, flag-deleted ones included
  uint64_t entries = 0;  // live (not flag-deleted) leaf nodes
  uint64_t errors = 0;   // errors reported for this tree
};

struct IntegrityOptions {
  // Stop at the first error (warnings do not stop).
  bool stopAtFirst = false;
  // Problems listed in the report; later ones are only counted.
  size_t maxProblems = 10000;
  // Called with (trees done, trees known so far) after each tree; optional.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct IntegrityReport {
  uint32_t pageSize = 0;
  uint32_t filePages = 0;      // whole pages after the two header pages
  uint32_t databasePages = 0;  // pages owned by the database root (space-trees.md §5)
  bool dirty = false;          // header state is not a clean shutdown: space data may lag (space-trees.md §7)

  uint64_t trees = 0;       // B-trees walked, space trees included
  uint64_t pages = 0;       // pages reached from a tree
  uint64_t nodes = 0;
  uint64_t records = 0;     // live table records parsed
  uint64_t longValues = 0;  // LV roots checked
  uint64_t leakedPages = 0; // owned, not available, not reachable

  std::vector<Problem> problems;  // in the order found, at most options.maxProblems
  uint64_t errors = 0;            // all errors, listed or not
  uint64_t warnings = 0;
  bool stoppedEarly = false;      // stopAtFirst ended the check
  std::vector<TreeSummary> treeSummaries;

  bool ok() const { return errors == 0; }
};

// Checks a whole database file image. Fails only when the image cannot be
// checked at all (no usable database header, unsupported page size, file
// shorter than its header pages); everything else becomes a Problem.
Result<IntegrityReport> checkIntegrity(Bytes databaseImage, const IntegrityOptions& options = {});

// "integrity.verdict", "integrity.errors", "integrity.counts.*",
// "integrity.problems.<i>.*", "integrity.trees.<i>.*".
FieldList describe(const IntegrityReport& report);

// "ok", "ok with 3 warnings", "corrupt: 5 problems".
std::string verdict(const IntegrityReport& report);

}  // namespace esekit::integrity
