// ESE checksums, bit-exact: legacy XOR, XOR+ECC with single-bit correction,
// and the 4-block scheme of 16/32 KiB pages. See ese-format/checksums.md.
//
// All functions are pure and thread-safe. Block sizes are multiples of 32
// bytes; callers pass whole pages / segments / headers.
#pragma once

#include <cstdint>
#include <vector>

#include "esekit/format/bytes.h"

namespace esekit::checksum {

// Seed of the legacy XOR checksum (equals the database magic), §2.
inline constexpr uint32_t kLegacySeed = 0x89ABCDEF;
// Page flag that selects the XOR+ECC form on pages <= 8 KiB (fFlags offset 36), §4.1.
inline constexpr uint32_t kNewChecksumFormatFlag = 0x2000;

// §2: seed XOR every 32-bit word after the first (word 0 holds the checksum).
// Used for database header + shadow, checkpoint copies, log file headers,
// trailer pages. `block.size()` must be a multiple of 4.
uint32_t legacyXor(Bytes block);

// §3: 64-bit XOR+ECC checksum of one block. High 32 bits = ECC word, low 32
// bits = XOR of the words ^ pgno. With `headerBlock` the first 8 bytes (the
// checksum slot) are excluded. `block.size()` must be a power of two >= 32.
uint64_t xorEcc(Bytes block, uint32_t pgno, bool headerBlock);

// Which algorithm protects a page of this size and flags (§1, §4).
enum class PageScheme : uint8_t {
  Legacy,       // <= 8 KiB page without flag 0x2000: (pgno << 32) | legacyXor
  XorEcc,       // <= 8 KiB page with flag 0x2000: one xorEcc over the page
  LargeBlocks,  // 16/32 KiB page: four xorEcc blocks, stored at 0 and 40/48/56
};
PageScheme pageScheme(Bytes page);

// Outcome of verifying a database page or 4 KiB log segment.
struct PageChecksumCheck {
  enum class Verdict : uint8_t {
    Ok,           // every stored checksum matches
    Correctable,  // single-bit errors (at most one per block) that can be fixed
    Bad,          // mismatch that cannot be corrected
  };
  Verdict verdict = Verdict::Ok;
  PageScheme scheme = PageScheme::Legacy;
  // Page-absolute bit positions (byte * 8 + bit, LSB first) to flip, in the
  // order they were found; the first one is what ESE reports. Empty unless
  // Correctable.
  std::vector<uint32_t> flippedBits;
  // For the first block that did not match (block 0 when all match):
  // the checksum stored on the page and the one computed from its contents.
  uint32_t block = 0;
  uint64_t stored = 0;
  uint64_t computed = 0;
};

// Verifies `page` as page number `pgno` (§4, §5). For log segments pass the
// 4096-byte segment and its sector index. Does not modify the page.
PageChecksumCheck checkPage(Bytes page, uint32_t pgno);

// Flips the bits reported by a Correctable check, then re-verifies. Returns
// false (page unchanged) unless the corrected page verifies.
bool correctPage(MutableBytes page, uint32_t pgno, const PageChecksumCheck& check);

// Writes the checksum of `page` as ESE's SetPageChecksum does: flag 0x2000 is
// set (every page size); pages <= 8 KiB get one xorEcc; large pages get the block checksums at
// 40/48/56 then block 0 at 0 (§4.2).
void setPageChecksum(MutableBytes page, uint32_t pgno);

// Header checksum (database header/shadow/trailer, checkpoint, log header):
// stores legacyXor(block) in bytes 0-3.
void setHeaderChecksum(MutableBytes block);

// Legacy v7 log range checksum primitive (§8): seed XOR byte[k] << 8*(k%4),
// positions relative to the start of `bytes`.
uint32_t legacyLogBytes(uint32_t seed, Bytes bytes);

// ---------------------------------------------------------------------------
// Implementations of the checksum loops, for tests and benchmarks. xorEcc,
// legacyXor and legacyLogBytes use activeKernel(), picked once from the CPU.
enum class Kernel : uint8_t {
  Reference,  // row-by-row form of §2/§3, the oracle
  Portable,   // 8-byte generic vectors (any compiler target)
  Vector128,  // 16-byte vectors (SSE2 on x86-64, NEON on ARM)
  Avx2,       // 32-byte vectors, x86 with AVX2
  Avx512,     // 64-byte vectors, x86 with AVX-512F
};
inline constexpr Kernel kAllKernels[] = {Kernel::Reference, Kernel::Portable, Kernel::Vector128, Kernel::Avx2,
                                         Kernel::Avx512};
const char* kernelName(Kernel kernel);
// Compiled in and supported by this CPU.
bool kernelAvailable(Kernel kernel);
Kernel activeKernel();
// Same results as xorEcc / legacyXor computed by `kernel` (the reference
// when the kernel is not available).
uint64_t xorEccWith(Kernel kernel, Bytes block, uint32_t pgno, bool headerBlock);
uint32_t legacyXorWith(Kernel kernel, Bytes block);

}  // namespace esekit::checksum
