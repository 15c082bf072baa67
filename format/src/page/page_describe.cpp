// FieldLists for `esekit dump page N` (text and JSON from one source).
#include <cstdio>

#include "esekit/format/page.h"

namespace esekit::page {
namespace {

constexpr size_t kDataBytesShown = 64;

std::string dbtimeText(int64_t dbtime) {
  switch (dbtime) {
    case kDbtimeNil: return "dbtimeNil";
    case kDbtimeInvalid: return "dbtimeInvalid";
    case kDbtimeShrunk: return "dbtimeShrunk";
    case kDbtimeRevert: return "dbtimeRevert";
    case kDbtimeRevertRoot: return "dbtimeRevertRoot";
    default: return hex64(static_cast<uint64_t>(dbtime)) + " (" + std::to_string(dbtime) + ")";
  }
}

}  // namespace

std::string hexBytes(Bytes bytes, size_t maxBytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const size_t shown = std::min(bytes.size(), maxBytes);
  std::string text;
  text.reserve(shown * 3 + 24);
  for (size_t i = 0; i < shown; ++i) {
    if (i) text += ' ';
    text += kDigits[bytes[i] >> 4];
    text += kDigits[bytes[i] & 15];
  }
  if (shown < bytes.size()) text += " ...(+" + std::to_string(bytes.size() - shown) + " bytes)";
  return text;
}

FieldList describe(const PageHeader& h) {
  FieldList f;
  f.unsignedNumber("checksum", h.checksum, hex64(h.checksum));
  f.number("dbtimeDirtied", h.dbtimeDirtied, dbtimeText(h.dbtimeDirtied));
  f.unsignedNumber("previousPage", h.previousPage);
  f.unsignedNumber("nextPage", h.nextPage);
  f.unsignedNumber("objectId", h.objectId);
  f.unsignedNumber("freeBytes", h.freeBytes);
  f.unsignedNumber("uncommittedFreeBytes", h.uncommittedFreeBytes);
  f.unsignedNumber("firstFreeOffset", h.firstFreeOffset);
  f.unsignedNumber("tagState", h.tagState, hex32(h.tagState));
  f.unsignedNumber("tagCount", h.tagCount());
  f.unsignedNumber("reservedTagCount", h.reservedTagCount(),
                   std::to_string(h.reservedTagCount()) + " (stored " + std::to_string(h.storedReservedTagCount()) + ")");
  f.unsignedNumber("flags", h.flags, hex32(h.flags) + " " + describeFlags(h.flags));
  f.text("flagNames", describeFlags(h.flags));
  f.text("flushType", flushTypeName(h.flushType()));
  if (h.large) {
    for (size_t k = 0; k < 3; ++k)
      f.unsignedNumber("blockChecksum" + std::to_string(k + 1), h.blockChecksums[k], hex64(h.blockChecksums[k]));
    f.unsignedNumber("pageNumber", h.pageNumber);
    f.text("reserved", hexBytes(Bytes(h.reserved.data(), h.reserved.size())));
  }
  return f;
}

FieldList describe(const PageView& view) {
  FieldList f;
  f.unsignedNumber("page.size", view.pageSize());
  f.text("page.layout", view.large() ? "large (80-byte header, 15-bit tags)" : "small (40-byte header, 13-bit tags)");
  f.nest("page.header", describe(view.header));
  f.unsignedNumber("page.nodeCount", view.nodes.size());
  const Bytes external = view.externalHeader();
  f.unsignedNumber("page.externalHeader.size", external.size());
  f.text("page.externalHeader.bytes", hexBytes(external));
  for (const Tag& tag : view.tags) {
    const std::string name = "page.tags." + std::to_string(tag.index);
    char raw[48];
    std::snprintf(raw, sizeof raw, "cb_ 0x%04x ib_ 0x%04x", unsigned{tag.sizeWord}, unsigned{tag.offsetWord});
    f.unsignedNumber(name + ".size", tag.size, std::to_string(tag.size) + " (" + raw + ")");
    f.unsignedNumber(name + ".offset", tag.offset);
  }
  return f;
}

FieldList describeNodes(const PageView& view) {
  FieldList f;
  const bool internal = view.internal();
  for (size_t i = 0; i < view.nodes.size(); ++i) {
    const Node& node = view.nodes[i];
    const std::string name = "nodes." + std::to_string(i);
    f.unsignedNumber(name + ".tag", node.tag);
    f.unsignedNumber(name + ".flags", node.flags, describeNodeFlags(node.flags));
    f.unsignedNumber(name + ".lineOffset", node.lineOffset);
    f.unsignedNumber(name + ".lineSize", node.lineSize);
    f.unsignedNumber(name + ".prefixSize", node.prefixSize);
    f.unsignedNumber(name + ".suffixSize", node.suffix.size());
    f.text(name + ".key", hexBytes(node.key()));
    f.unsignedNumber(name + ".dataSize", node.data.size());
    if (internal && node.data.size() == 4)
      f.unsignedNumber(name + ".childPage", loadLittleEndian<uint32_t>(node.data.data()));
    else
      f.text(name + ".data", hexBytes(node.data, kDataBytesShown));
  }
  return f;
}

}  // namespace esekit::page
