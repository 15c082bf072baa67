// see ese-format/page-format.md §2, §4, §5
#include "layout/page_builder.h"

#include <cstring>
#include <vector>

namespace esekit::engine::layout {
namespace {

// PGHDR offsets (page-format.md §2.1).
constexpr size_t kFreeOffset = 28;
constexpr size_t kMicFreeOffset = 32;
constexpr size_t kTagStateOffset = 34;

}  // namespace

PageBuilder::PageBuilder(MutableBytes page, const page::NewPage& init)
    : page_(page), pgno_(init.pgno), large_(page::isLargePage(page.size())), header_(page::headerSize(page.size())) {
  page::initializePage(page_, init);
  free_ = page_.size() - header_ - page::kTagSize;
}

void PageBuilder::setExternalHeader(Bytes header) {
  if (!header.empty()) std::memcpy(page_.data() + header_ + used_, header.data(), header.size());
  page::writeTag(page_, page::Tag::make(0, static_cast<uint16_t>(header.size()), static_cast<uint16_t>(used_), 0, large_));
  used_ += header.size();
  free_ -= header.size();
  storeLittleEndian<uint16_t>(page_.data() + kMicFreeOffset, static_cast<uint16_t>(used_));
  storeLittleEndian<uint16_t>(page_.data() + kFreeOffset, static_cast<uint16_t>(free_));
}

bool PageBuilder::appendNode(Bytes key, Bytes data, size_t prefixSize) {
  const uint8_t flags = prefixSize > 0 ? page::node_flag::Compressed : 0;
  const std::vector<uint8_t> line =
      page::encodeNode(flags, static_cast<uint16_t>(prefixSize), key.subspan(prefixSize), data, large_);
  // Small pages keep node flags in the tag; large pages in the line itself.
  return place(line, large_ ? 0 : flags);
}

bool PageBuilder::place(Bytes line, uint8_t tagFlags) {
  if (line.size() + page::kTagSize > free_) return false;
  std::memcpy(page_.data() + header_ + used_, line.data(), line.size());
  page::writeTag(page_, page::Tag::make(tags_, static_cast<uint16_t>(line.size()), static_cast<uint16_t>(used_), tagFlags, large_));
  ++tags_;
  used_ += line.size();
  free_ -= line.size() + page::kTagSize;
  storeLittleEndian<uint16_t>(page_.data() + kMicFreeOffset, static_cast<uint16_t>(used_));
  storeLittleEndian<uint16_t>(page_.data() + kFreeOffset, static_cast<uint16_t>(free_));
  storeLittleEndian<uint16_t>(page_.data() + kTagStateOffset, tags_);
  return true;
}

void PageBuilder::seal() { page::PageEditor(page_).seal(pgno_); }

}  // namespace esekit::engine::layout
