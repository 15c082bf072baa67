#include "ese_file_names.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>

namespace esekit::tools {

bool hasEseFileName(const std::filesystem::path& path) {
  // Database extensions of Windows components (edb: most; dat: SRUM, WebCache;
  // mdb: UAL; sdb: secedit; dit: NTDS; vol: Unistore; msmessagestore: Windows
  // Mail) and the file names of ese-format/log-format.md §1.
  static constexpr std::array<std::string_view, 16> kExtensions{
      ".edb", ".dat", ".mdb", ".sdb", ".dit", ".vol", ".log", ".jtx",
      ".chk", ".jcp", ".jrs", ".jsl", ".jfm", ".pat", ".stm", ".msmessagestore"};
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(kExtensions.begin(), kExtensions.end(), extension) != kExtensions.end();
}

}  // namespace esekit::tools
