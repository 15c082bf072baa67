// Corpus facts shared by the log tests: every log file of shared/corpus with
// the header values INVENTORY.md lists for it (generation, version, sector
// size, header and file sectors), and small helpers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "corpus.h"
#include "esekit/format/log_file.h"

namespace esekit::test {

struct CorpusLog {
  std::string path;  // relative to the corpus root
  const char* set;   // INVENTORY matched set
  int32_t generation;
  const char* version;
  uint16_t sectorSize;
  uint16_t headerSectors;
  uint16_t fileSectors;
};

// Transcribed from INVENTORY.md (kind "log"), 61 files.
inline const std::vector<CorpusLog>& corpusLogs() {
  static const std::vector<CorpusLog> logs = {
    {"cortana-akarib/Indexed DB/edb.log", "S01", 8, "8.4000.5.16", 4096, 1, 128},
    {"cortana-akarib/Indexed DB/edb00006.log", "S01", 6, "8.4000.5.16", 4096, 1, 128},
    {"cortana-akarib/Indexed DB/edb00007.log", "S01", 7, "8.4000.5.16", 4096, 1, 128},
    {"cortana-akarib/Indexed DB/edbtmp.log", "S01", 5, "8.4000.5.16", 4096, 1, 128},
    {"datastore-dcheva/DataStore/Logs/edb.log", "S02", 91, "8.4000.60.140", 4096, 1, 320},
    {"datastore-dcheva/DataStore/Logs/edb00058.log", "S02", 88, "8.4000.60.140", 4096, 1, 320},
    {"datastore-dcheva/DataStore/Logs/edb00059.log", "S02", 89, "8.4000.60.140", 4096, 1, 320},
    {"datastore-dcheva/DataStore/Logs/edb0005A.log", "S02", 90, "8.4000.60.140", 4096, 1, 320},
    {"datastore-dcheva/DataStore/Logs/edbtmp.log", "S02", 87, "8.4000.60.140", 4096, 1, 320},
    {"edb-linuxwindows1234585/edb.log", "S04", 1, "8.4000.5.16", 4096, 1, 256},
    {"me5uts-appdata/IndexedDB/edb.log", "S05", 1, "8.4000.60.140", 4096, 1, 128},
    {"me5uts-appdata/IndexedDB/edb0000D.log", "S05", 13, "8.4000.60.140", 4096, 1, 128},
    {"me5uts-appdata/UnistoreUSS/USS00040.jtx", "S06", 64, "8.4000.60.140", 4096, 1, 768},
    {"me5uts-appdata/UnistoreUSS/USS00041.jtx", "S06", 65, "8.4000.60.140", 4096, 1, 768},
    {"me5uts-appdata/UnistoreUSS/USStmp.jtx", "S06", 63, "8.4000.60.140", 4096, 1, 768},
    {"museum/SRUM/Server2022/APTSimulatorVM/Clean/SRU/SRU.log", "S08", 2, "8.4000.90.200", 4096, 1, 16},
    {"museum/SRUM/Server2022/APTSimulatorVM/Clean/SRU/SRU00001.log", "S08", 1, "8.4000.90.200", 4096, 1, 16},
    {"museum/SRUM/Server2022/APTSimulatorVM/Clean_1DayLater/SRU/SRU.log", "S09", 5, "8.4000.90.200", 4096, 1, 16},
    {"museum/SRUM/Server2022/APTSimulatorVM/Clean_1DayLater/SRU/SRU00003.log", "S09", 3, "8.4000.90.200", 4096, 1, 16},
    {"museum/SRUM/Server2022/APTSimulatorVM/Clean_1DayLater/SRU/SRU00004.log", "S09", 4, "8.4000.90.200", 4096, 1, 16},
    {"museum/SRUM/Server2022/APTSimulatorVM/Clean_1DayLater/SRU/SRUtmp.log", "S09", 2, "8.4000.90.200", 4096, 1, 16},
    {"museum/SRUM/Win10/APTSimulatorVM/Clean/SRU.log", "S10", 32, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/APTSimulatorVM/Clean/SRU00019.log", "S10", 25, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/APTSimulatorVM/Clean/SRU0001A.log", "S10", 26, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/APTSimulatorVM/Clean/SRU0001B.log", "S10", 27, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/APTSimulatorVM/Clean/SRU0001C.log", "S10", 28, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/APTSimulatorVM/Clean/SRU0001D.log", "S10", 29, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/APTSimulatorVM/Clean/SRU0001E.log", "S10", 30, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/APTSimulatorVM/Clean/SRU0001F.log", "S10", 31, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/APTSimulatorVM/Clean/SRUtmp.log", "S10", 24, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Clean/SRU.log", "S11", 82, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Clean/SRU0004E.log", "S11", 78, "8.4000.5.16", 4096, 1, 16},
    {"museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Clean/SRU0004F.log", "S11", 79, "8.4000.5.16", 4096, 1, 16},
    {"museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Clean/SRU00050.log", "S11", 80, "8.4000.5.16", 4096, 1, 16},
    {"museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Clean/SRU00051.log", "S11", 81, "8.4000.5.16", 4096, 1, 16},
    {"museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Dirty/SRU.log", "S12", 82, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Dirty/SRU0004E.log", "S12", 78, "8.4000.5.16", 4096, 1, 16},
    {"museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Dirty/SRU0004F.log", "S12", 79, "8.4000.5.16", 4096, 1, 16},
    {"museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Dirty/SRU00050.log", "S12", 80, "8.4000.5.16", 4096, 1, 16},
    {"museum/SRUM/Win10/BelkasoftCTF_InsiderThreat/Dirty/SRU00051.log", "S12", 81, "8.4000.5.16", 4096, 1, 16},
    {"museum/SRUM/Win10/RathbunVM/Clean/SRU.log", "S13", 9, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/RathbunVM/Clean/SRU00003.log", "S13", 3, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/RathbunVM/Clean/SRU00004.log", "S13", 4, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/RathbunVM/Clean/SRU00005.log", "S13", 5, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/RathbunVM/Clean/SRU00006.log", "S13", 6, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/RathbunVM/Clean/SRU00007.log", "S13", 7, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/RathbunVM/Clean/SRU00008.log", "S13", 8, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/RathbunVM/Dirty/SRU.log", "S14", 9, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/RathbunVM/Dirty/SRU00003.log", "S14", 3, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/RathbunVM/Dirty/SRU00004.log", "S14", 4, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/RathbunVM/Dirty/SRU00005.log", "S14", 5, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/RathbunVM/Dirty/SRU00006.log", "S14", 6, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/RathbunVM/Dirty/SRU00007.log", "S14", 7, "8.4000.60.140", 4096, 1, 16},
    {"museum/SRUM/Win10/RathbunVM/Dirty/SRU00008.log", "S14", 8, "8.4000.60.140", 4096, 1, 16},
    {"secedit-horrorandscifi/edb.log", "S20", 1, "8.4000.60.140", 4096, 1, 256},
    {"unistore-frank1963/UnistoreDB/USS.log", "S22", 1, "8.4000.5.14", 4096, 1, 768},
    {"windowslivemail-kimberli13/edb.log", "S25", 2, "7.3704.15.0", 512, 8, 4096},
    {"windowslivemail-kimberli13/edb00001.log", "S25", 1, "7.3704.15.0", 512, 8, 4096},
    {"windowsmail-danyquenneville/Windows Mail/Backup/new/edb00001.log", "S27", 1, "7.3704.15.0", 4096, 1, 512},
    {"windowsmail-danyquenneville/Windows Mail/edb.log", "S26", 2, "7.3704.15.0", 4096, 1, 512},
    {"windowsmail-danyquenneville/Windows Mail/edb00001.log", "S26", 1, "7.3704.15.0", 4096, 1, 512},
  };
  return logs;
}

// Reads a corpus file; empty optional (test skipped) when there is no corpus.
inline std::optional<std::vector<uint8_t>> readCorpus(const std::string& relative) {
  auto path = corpusFile(relative);
  if (!path) return std::nullopt;
  return readFile(*path);
}

inline std::string fileNameOf(const std::string& relative) {
  return std::filesystem::path(relative).filename().string();
}

}  // namespace esekit::test
