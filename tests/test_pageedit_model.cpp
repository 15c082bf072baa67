// Page edits against an in-memory model, checked with the independent page
// parser/validator and the checksum verifier after every step.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "esekit/format/checksum.h"
#include "esekit/format/page.h"
#include "esekit/format/page_edit.h"

using namespace esekit;
using namespace esekit::page;

namespace {

struct ModelNode {
  uint8_t flags;
  std::vector<uint8_t> key, data;
};

std::vector<uint8_t> randomBytes(std::mt19937& rng, size_t maxSize, size_t minSize = 0) {
  std::vector<uint8_t> out(minSize + rng() % (maxSize - minSize + 1));
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

void checkAgainstModel(MutableBytes page, uint32_t pgno, const std::vector<ModelNode>& model, Bytes externalHeader) {
  REQUIRE(checksum::checkPage(page, pgno).verdict == checksum::PageChecksumCheck::Verdict::Ok);
  REQUIRE_MESSAGE(validatePage(page).isOk(), validatePage(page).toString());
  auto view = parsePage(page);
  REQUIRE(view.isOk());
  REQUIRE(view->nodes.size() == model.size());
  CHECK(std::vector<uint8_t>(view->externalHeader().begin(), view->externalHeader().end()) ==
        std::vector<uint8_t>(externalHeader.begin(), externalHeader.end()));
  size_t used = 0;
  for (size_t i = 0; i < model.size(); ++i) {
    const Node& node = view->nodes[i];
    CHECK(node.flags == model[i].flags);
    CHECK(node.key() == model[i].key);
    CHECK(std::vector<uint8_t>(node.data.begin(), node.data.end()) == model[i].data);
    used += 2 + model[i].key.size() + model[i].data.size() + kTagSize;
  }
  // cbFree accounting: everything not used by lines, tags or the header.
  CHECK(view->header.freeBytes == page.size() - headerSize(page.size()) - kTagSize - externalHeader.size() - used);
}

}  // namespace

TEST_CASE("random node inserts, replaces, flag changes and deletes keep the page valid") {
  for (size_t pageSize : {4096u, 8192u, 16384u, 32768u}) {
    CAPTURE(pageSize);
    std::mt19937 rng(static_cast<uint32_t>(pageSize));
    std::vector<uint8_t> page(pageSize);
    const uint32_t pgno = 77;
    initializePage(page, {pgno, 12, 1000, flag::Leaf | flag::Root, 0, 0});
    PageEditor editor(page);
    std::vector<ModelNode> model;
    std::vector<uint8_t> externalHeader;
    size_t fullRefusals = 0;
    for (int step = 0; step < 1500; ++step) {
      const int op = static_cast<int>(rng() % 10);
      if (op < 5 || model.empty()) {
        ModelNode node{static_cast<uint8_t>(rng() % 4), randomBytes(rng, 40), randomBytes(rng, pageSize / 16, 1)};
        const uint16_t at = static_cast<uint16_t>(rng() % (model.size() + 1));
        const bool fits = editor.fits(node.key.size(), node.data.size());
        Status s = editor.insertNode(at, node.flags, node.key, node.data);
        CHECK(s.isOk() == fits);
        if (s.isOk()) model.insert(model.begin() + at, node);
        else ++fullRefusals;
      } else if (op < 7) {
        const uint16_t at = static_cast<uint16_t>(rng() % model.size());
        auto data = randomBytes(rng, pageSize / 12, 1);
        if (editor.replaceData(at, data).isOk()) model[at].data = data;
      } else if (op < 8) {
        const uint16_t at = static_cast<uint16_t>(rng() % model.size());
        const uint8_t flags = static_cast<uint8_t>(rng() % 4);
        REQUIRE(editor.setNodeFlags(at, flags).isOk());
        model[at].flags = flags;
      } else if (op < 9) {
        auto header = randomBytes(rng, 24);
        const bool fits = header.size() <= externalHeader.size() || header.size() - externalHeader.size() <= editor.freeBytes();
        Status s = editor.setExternalHeader(header);
        CHECK(s.isOk() == fits);
        if (s.isOk()) externalHeader = header;
      } else {
        const uint16_t at = static_cast<uint16_t>(rng() % model.size());
        REQUIRE(editor.deleteNode(at).isOk());
        model.erase(model.begin() + at);
      }
      editor.seal(pgno);
      checkAgainstModel(page, pgno, model, externalHeader);
    }
    CHECK(fullRefusals > 0);  // the workload did fill the page
    editor.reorganize();
    editor.seal(pgno);
    checkAgainstModel(page, pgno, model, externalHeader);
  }
}

TEST_CASE("editing refuses bad node indexes") {
  std::vector<uint8_t> page(8192);
  initializePage(page, {5, 9, 1, flag::Leaf, 0, 0});
  PageEditor editor(page);
  CHECK_FALSE(editor.deleteNode(0).isOk());
  CHECK_FALSE(editor.insertNode(1, 0, {}, Bytes()).isOk());
  const uint8_t data[] = {1};
  CHECK(editor.insertNode(0, 0, {}, data).isOk());
  CHECK_FALSE(editor.replaceData(1, data).isOk());
  CHECK(editor.nodeCount() == 1);
}
