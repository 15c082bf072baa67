// Fast forms of the XOR+ECC and legacy XOR checksums (ese-format/checksums.md
// §2, §3, §8), with one kernel per vector width and a runtime choice.
//
// Why the ECC reduces to XORs (§3): p is the XOR of the indices r of the rows
// whose word has odd popcount, so bit k of p is the parity of the number of
// such rows with bit k of r set, i.e. the parity of popcount(X_k) where X_k is
// the XOR of all words whose row index has bit k set. q XORs ~r instead of r:
// q = p ^ ~0 when the number of odd rows is odd, and that number's parity is
// the parity of the total XOR T. r/s follow from T the same way with column
// indices. So one pass computes T and the X_k, with no per-row branches.
//
// Row index of a word = ((super * 8 + group) * 8 + vector) * lanes + lane:
// lane bits come from the lanes of T, vector/group bits from the accumulators
// below, and the few super-group bits from scalar parities.
#include <bit>
#include <cstring>
#include <utility>

#include "checksum/checksum_internal.h"
#include "esekit/format/checksum.h"

#define ESEKIT_ALWAYS_INLINE inline __attribute__((always_inline))

namespace esekit::checksum {
namespace {

typedef uint32_t Vector64 __attribute__((vector_size(8)));
typedef uint32_t Vector128 __attribute__((vector_size(16)));
#if defined(__x86_64__) || defined(__i386__)
#define ESEKIT_CHECKSUM_X86 1
typedef uint32_t Vector256 __attribute__((vector_size(32)));
typedef uint32_t Vector512 __attribute__((vector_size(64)));
#endif

// What the accumulation pass yields for one block.
struct EccSums {
  uint32_t total = 0;       // XOR of all words (= column parity)
  uint32_t rowParities = 0; // bit k = parity of X_k (see top of file)
};

// Parity of a word. __builtin_parity, not std::popcount: without -mpopcnt
// (baseline x86-64) popcount is a libgcc call, parity is inline xor + setnp.
ESEKIT_ALWAYS_INLINE uint32_t parity(uint32_t word) { return static_cast<uint32_t>(__builtin_parity(word)); }
ESEKIT_ALWAYS_INLINE uint32_t parity(uint64_t word) { return static_cast<uint32_t>(__builtin_parityll(word)); }

template <typename V>
ESEKIT_ALWAYS_INLINE void loadVector(V& out, const uint8_t* data) {
  std::memcpy(&out, data, sizeof(V));  // unaligned load
}

// Half-width vector of the same lanes, for horizontal folds.
template <typename V> struct Narrower;
template <> struct Narrower<Vector128> { using type = Vector64; };
#ifdef ESEKIT_CHECKSUM_X86
template <> struct Narrower<Vector256> { using type = Vector128; };
template <> struct Narrower<Vector512> { using type = Vector256; };
#endif

// Lower and upper halves as lane shuffles (no memory round trip, which would
// keep the accumulators on the stack).
ESEKIT_ALWAYS_INLINE void splitHalves(const Vector128& v, Vector64& low, Vector64& high) {
  low = __builtin_shufflevector(v, v, 0, 1);
  high = __builtin_shufflevector(v, v, 2, 3);
}
#ifdef ESEKIT_CHECKSUM_X86
ESEKIT_ALWAYS_INLINE void splitHalves(const Vector256& v, Vector128& low, Vector128& high) {
  low = __builtin_shufflevector(v, v, 0, 1, 2, 3);
  high = __builtin_shufflevector(v, v, 4, 5, 6, 7);
}
ESEKIT_ALWAYS_INLINE void splitHalves(const Vector512& v, Vector256& low, Vector256& high) {
  low = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
  high = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
}
#endif

// XOR-folds a vector by halving until 64 bits remain: keeps the parity of the
// whole vector, which is all the ECC needs from an accumulator.
template <typename V>
ESEKIT_ALWAYS_INLINE uint64_t foldTo64(const V& v) {
  if constexpr (sizeof(V) == 8) {
    return static_cast<uint64_t>(v[0]) | static_cast<uint64_t>(v[1]) << 32;
  } else {
    typename Narrower<V>::type low, high;
    splitHalves(v, low, high);
    return foldTo64(low ^ high);
  }
}

template <typename V>
ESEKIT_ALWAYS_INLINE uint32_t parityOf(const V& v) {
  return parity(foldTo64(v));
}

// XOR of all lanes. Sets bit k of laneParities to the parity of the lanes
// whose index has bit k set: at each halving those are the upper half.
template <typename V>
ESEKIT_ALWAYS_INLINE uint32_t foldLanes(const V& v, uint32_t& laneParities) {
  if constexpr (sizeof(V) == 8) {
    laneParities |= parity(static_cast<uint32_t>(v[1]));
    return v[0] ^ v[1];
  } else {
    constexpr unsigned kTopLaneBit = std::countr_zero(sizeof(V) / 4) - 1;
    typename Narrower<V>::type low, high;
    splitHalves(v, low, high);
    laneParities |= parityOf(high) << kTopLaneBit;
    return foldLanes(low ^ high, laneParities);
  }
}

template <typename V>
struct EccAccumulators {
  V total = {};
  V vectorBit0 = {}, vectorBit1 = {}, vectorBit2 = {};  // row bits lanes + 0..2
  V groupBit0 = {}, groupBit1 = {}, groupBit2 = {};     // row bits lanes + 3..5
};

// One group of 8 vectors: vector-index bits go to the accumulators, the XOR
// of the group to `sum`. Sharing the pair XORs keeps the whole ECC at about
// 2 vector XORs per loaded vector (fewer where the compiler fuses three-way
// XORs, e.g. AVX-512 vpternlogd), against 1 for the plain XOR checksum.
template <typename V>
ESEKIT_ALWAYS_INLINE void addGroup(const uint8_t* p, EccAccumulators<V>& acc, V& sum) {
  V v0, v1, v2, v3, v4, v5, v6, v7;
  // Verifying a file streams pages from memory: ask early for every cache
  // line 4 KiB ahead (possibly the next page; a prefetch never faults).
  // Measured: +10-30% on pages streamed from a 256 MiB buffer (bench/README.md).
  for (size_t line = 0; line < 8 * sizeof(V); line += 64) __builtin_prefetch(p + 4096 + line);
  loadVector(v0, p);
  loadVector(v1, p + 1 * sizeof(V));
  loadVector(v2, p + 2 * sizeof(V));
  loadVector(v3, p + 3 * sizeof(V));
  loadVector(v4, p + 4 * sizeof(V));
  loadVector(v5, p + 5 * sizeof(V));
  loadVector(v6, p + 6 * sizeof(V));
  loadVector(v7, p + 7 * sizeof(V));
  const V a = v0 ^ v1, b = v2 ^ v3, c = v4 ^ v5, d = v6 ^ v7;
  acc.vectorBit0 ^= (v1 ^ v3) ^ (v5 ^ v7);
  acc.vectorBit1 ^= b ^ d;
  acc.vectorBit2 ^= c ^ d;
  sum = (a ^ b) ^ (c ^ d);
}

// Group `Group` (0..7) of a super-group; its index bits are compile-time.
template <typename V, size_t Group>
ESEKIT_ALWAYS_INLINE void addGroupAt(const uint8_t* superStart, EccAccumulators<V>& acc, V& superXor) {
  V sum;
  addGroup(superStart + Group * 8 * sizeof(V), acc, sum);
  superXor ^= sum;
  if constexpr ((Group & 1) != 0) acc.groupBit0 ^= sum;
  if constexpr ((Group & 2) != 0) acc.groupBit1 ^= sum;
  if constexpr ((Group & 4) != 0) acc.groupBit2 ^= sum;
}

template <typename V, size_t... Groups>
ESEKIT_ALWAYS_INLINE void addSuperGroup(const uint8_t* p, EccAccumulators<V>& acc, V& superXor,
                                        std::index_sequence<Groups...>) {
  (addGroupAt<V, Groups>(p, acc, superXor), ...);
}

// size must be a non-zero multiple of 8 * sizeof(V).
template <typename V>
ESEKIT_ALWAYS_INLINE void eccSums(const uint8_t* data, size_t size, EccSums& out) {
  constexpr unsigned kLaneBits = std::countr_zero(sizeof(V) / 4);
  constexpr size_t kGroupBytes = 8 * sizeof(V);
  const size_t groups = size / kGroupBytes;
  const size_t fullSupers = groups / 8;

  EccAccumulators<V> acc;
  uint32_t superParities = 0;  // row bits lanes + 6..: bit j = parity over supers with bit j set
  for (size_t super = 0; super < fullSupers; ++super) {
    V superXor = {};
    addSuperGroup(data + super * 8 * kGroupBytes, acc, superXor, std::make_index_sequence<8>());
    acc.total ^= superXor;
    if (super != 0) superParities ^= static_cast<uint32_t>(super) & (0u - parityOf(superXor));
  }
  if (groups % 8 != 0) {  // blocks smaller than a super-group (2 KiB with 64-byte vectors)
    V superXor = {};
    for (size_t group = 0; group < groups % 8; ++group) {
      V sum;
      addGroup(data + (fullSupers * 8 + group) * kGroupBytes, acc, sum);
      superXor ^= sum;
      if (group & 1) acc.groupBit0 ^= sum;
      if (group & 2) acc.groupBit1 ^= sum;
      if (group & 4) acc.groupBit2 ^= sum;
    }
    acc.total ^= superXor;
    superParities ^= static_cast<uint32_t>(fullSupers) & (0u - parityOf(superXor));
  }

  uint32_t laneParities = 0;
  out.total = foldLanes(acc.total, laneParities);
  out.rowParities = laneParities | (parityOf(acc.vectorBit0) << kLaneBits) |
                    (parityOf(acc.vectorBit1) << (kLaneBits + 1)) | (parityOf(acc.vectorBit2) << (kLaneBits + 2)) |
                    (parityOf(acc.groupBit0) << (kLaneBits + 3)) | (parityOf(acc.groupBit1) << (kLaneBits + 4)) |
                    (parityOf(acc.groupBit2) << (kLaneBits + 5)) | (superParities << (kLaneBits + 6));
}

// XOR of all 32-bit words; size must be a multiple of 4 * sizeof(V).
template <typename V>
ESEKIT_ALWAYS_INLINE uint32_t xorWords(const uint8_t* data, size_t size) {
  V acc0 = {}, acc1 = {}, acc2 = {}, acc3 = {};
  for (size_t offset = 0; offset < size; offset += 4 * sizeof(V)) {
    V v0, v1, v2, v3;
    loadVector(v0, data + offset);
    loadVector(v1, data + offset + sizeof(V));
    loadVector(v2, data + offset + 2 * sizeof(V));
    loadVector(v3, data + offset + 3 * sizeof(V));
    acc0 ^= v0;
    acc1 ^= v1;
    acc2 ^= v2;
    acc3 ^= v3;
  }
  const uint64_t folded = foldTo64((acc0 ^ acc1) ^ (acc2 ^ acc3));
  return static_cast<uint32_t>(folded) ^ static_cast<uint32_t>(folded >> 32);
}

// One entry point per kernel; only these carry target attributes, so no
// vector type crosses a call boundary.
void eccSumsPortable(const uint8_t* data, size_t size, EccSums& out) { eccSums<Vector64>(data, size, out); }
void eccSumsVector128(const uint8_t* data, size_t size, EccSums& out) { eccSums<Vector128>(data, size, out); }
uint32_t xorWordsPortable(const uint8_t* data, size_t size) { return xorWords<Vector64>(data, size); }
uint32_t xorWordsVector128(const uint8_t* data, size_t size) { return xorWords<Vector128>(data, size); }
#ifdef ESEKIT_CHECKSUM_X86
__attribute__((target("avx2"))) void eccSumsAvx2(const uint8_t* data, size_t size, EccSums& out) {
  eccSums<Vector256>(data, size, out);
}
__attribute__((target("avx2"))) uint32_t xorWordsAvx2(const uint8_t* data, size_t size) {
  return xorWords<Vector256>(data, size);
}
__attribute__((target("avx512f"))) void eccSumsAvx512(const uint8_t* data, size_t size, EccSums& out) {
  eccSums<Vector512>(data, size, out);
}
__attribute__((target("avx512f"))) uint32_t xorWordsAvx512(const uint8_t* data, size_t size) {
  return xorWords<Vector512>(data, size);
}
#endif

struct KernelFunctions {
  void (*eccSums)(const uint8_t*, size_t, EccSums&);
  size_t eccUnit;  // eccSums needs a multiple of this many bytes
  uint32_t (*xorWords)(const uint8_t*, size_t);
  size_t xorUnit;  // xorWords needs a multiple of this many bytes
};

constexpr KernelFunctions kPortable{eccSumsPortable, 8 * sizeof(Vector64), xorWordsPortable, 4 * sizeof(Vector64)};

KernelFunctions functionsOf(Kernel kernel) {
  switch (kernel) {
    case Kernel::Vector128:
      return {eccSumsVector128, 8 * sizeof(Vector128), xorWordsVector128, 4 * sizeof(Vector128)};
#ifdef ESEKIT_CHECKSUM_X86
    case Kernel::Avx2:
      return {eccSumsAvx2, 8 * sizeof(Vector256), xorWordsAvx2, 4 * sizeof(Vector256)};
    case Kernel::Avx512:
      return {eccSumsAvx512, 8 * sizeof(Vector512), xorWordsAvx512, 4 * sizeof(Vector512)};
#endif
    default:
      return kPortable;
  }
}

Kernel bestKernel() {
#ifdef ESEKIT_CHECKSUM_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return Kernel::Avx512;
  if (__builtin_cpu_supports("avx2")) return Kernel::Avx2;
#endif
  return Kernel::Vector128;
}

// Chosen on first use (function-local statics: safe from other translation
// units' static initialisers and between threads).
Kernel chosenKernel() {
  static const Kernel kernel = bestKernel();
  return kernel;
}
const KernelFunctions& active() {
  static const KernelFunctions functions = functionsOf(chosenKernel());
  return functions;
}

ESEKIT_ALWAYS_INLINE uint64_t xorEccFrom(EccSums sums, Bytes block, uint32_t pgno, bool headerBlock) {
  if (headerBlock) {
    // Rows 0 and 1 hold the checksum and count as zero (§3): row 0 has no
    // index bits, row 1 only bit 0.
    const uint32_t word0 = loadLittleEndian<uint32_t>(block.data());
    const uint32_t word1 = loadLittleEndian<uint32_t>(block.data() + 4);
    sums.total ^= word0 ^ word1;
    sums.rowParities ^= parity(word1);
  }
  const uint32_t total = sums.total;
  const uint32_t oddCount = 0u - parity(total);
  const uint32_t p = sums.rowParities;
  const uint32_t q = p ^ oddCount;
  // Column index bit k is set in the columns selected by these masks.
  const uint32_t r = parity(total & 0xAAAAAAAAu) |
                     parity(total & 0xCCCCCCCCu) << 1 |
                     parity(total & 0xF0F0F0F0u) << 2 |
                     parity(total & 0xFF00FF00u) << 3 |
                     parity(total & 0xFFFF0000u) << 4;
  const uint32_t s = r ^ oddCount;
  const uint32_t rowMask = static_cast<uint32_t>(block.size() / 4) - 1;
  const uint32_t ecc = ((q & rowMask) << 21) | ((s & 31) << 16) | ((p & rowMask) << 5) | (r & 31);
  return (static_cast<uint64_t>(ecc) << 32) | (total ^ pgno);
}

ESEKIT_ALWAYS_INLINE uint64_t xorEccUsing(const KernelFunctions& functions, Bytes block, uint32_t pgno,
                                          bool headerBlock) {
  // Blocks the kernel cannot take whole (never the case for real pages or
  // segments) go to a narrower kernel or the reference.
  const KernelFunctions& use = block.size() % functions.eccUnit == 0 ? functions : kPortable;
  if (block.empty() || block.size() % use.eccUnit != 0) return xorEccReference(block, pgno, headerBlock);
  EccSums sums;
  use.eccSums(block.data(), block.size(), sums);
  return xorEccFrom(sums, block, pgno, headerBlock);
}

// XOR of the whole 32-bit words of `bytes` (a trailing partial word is ignored).
ESEKIT_ALWAYS_INLINE uint32_t xorAllWords(const KernelFunctions& functions, Bytes bytes) {
  const size_t wordBytes = bytes.size() & ~size_t{3};
  const size_t bulk = wordBytes - wordBytes % functions.xorUnit;
  uint32_t sum = bulk ? functions.xorWords(bytes.data(), bulk) : 0;
  for (size_t offset = bulk; offset < wordBytes; offset += 4) sum ^= loadLittleEndian<uint32_t>(bytes.data() + offset);
  return sum;
}

ESEKIT_ALWAYS_INLINE uint32_t legacyXorUsing(const KernelFunctions& functions, Bytes block) {
  if (block.size() < 4) return kLegacySeed;
  // Word 0 is the checksum slot: XOR it in with the rest, then cancel it (§2).
  return kLegacySeed ^ xorAllWords(functions, block) ^ loadLittleEndian<uint32_t>(block.data());
}

}  // namespace

uint64_t xorEcc(Bytes block, uint32_t pgno, bool headerBlock) { return xorEccUsing(active(), block, pgno, headerBlock); }

uint32_t legacyXor(Bytes block) { return legacyXorUsing(active(), block); }

uint32_t legacyLogBytes(uint32_t seed, Bytes bytes) {
  // Byte k lands at shift 8*(k%4), which is exactly a little-endian word load
  // of each 4-byte step from the range start (§8); only the tail is bytewise.
  uint32_t sum = seed ^ xorAllWords(active(), bytes);
  const size_t tail = bytes.size() & ~size_t{3};
  for (size_t k = tail; k < bytes.size(); ++k) sum ^= static_cast<uint32_t>(bytes[k]) << (8 * (k % 4));
  return sum;
}

Kernel activeKernel() { return chosenKernel(); }

bool kernelAvailable(Kernel kernel) {
  switch (kernel) {
    case Kernel::Reference:
    case Kernel::Portable:
    case Kernel::Vector128:
      return true;
#ifdef ESEKIT_CHECKSUM_X86
    case Kernel::Avx2:
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx2");
    case Kernel::Avx512:
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx512f");
#endif
    default:
      return false;
  }
}

const char* kernelName(Kernel kernel) {
  switch (kernel) {
    case Kernel::Reference: return "reference";
    case Kernel::Portable: return "portable";
    case Kernel::Vector128: return "vector128";
    case Kernel::Avx2: return "avx2";
    case Kernel::Avx512: return "avx512";
  }
  return "unknown";
}

uint64_t xorEccWith(Kernel kernel, Bytes block, uint32_t pgno, bool headerBlock) {
  if (kernel == Kernel::Reference || !kernelAvailable(kernel)) return xorEccReference(block, pgno, headerBlock);
  return xorEccUsing(functionsOf(kernel), block, pgno, headerBlock);
}

uint32_t legacyXorWith(Kernel kernel, Bytes block) {
  if (kernel == Kernel::Reference || !kernelAvailable(kernel)) return legacyXorReference(block);
  return legacyXorUsing(functionsOf(kernel), block);
}

}  // namespace esekit::checksum
