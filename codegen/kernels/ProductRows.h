//===- ProductRows.h - Weights interleaved for the fast products -*- C++ -*-===//
//
// The runtime stores Q4_0 (and, in the fast profile, Q4_1, Q8_0, Q4_K and
// Q6_K) matrices that only loom_k_linear reads (the lowering marks them,
// LOOM_LAYOUT_PRODUCT_ROWS) in the layout its products
// want, once at load, as llama.cpp repacks them on x86: rows in groups of 16,
// and for each group and 32-element block one record of
//   bytes   0..255: nibbles, byte (4c + r) * 4 + t holding the stored byte
//                   4c + t of row r's block (low nibble: element 4c + t, high
//                   nibble: element 16 + 4c + t), c and t in 0..3, r in 0..15;
//   bytes 256..271: the low bytes of the 16 rows' F16 scales d;
//   bytes 272..287: their high bytes.
// One 64-byte load then holds four codes of each of the 16 rows, which is
// what an 8-bit dot product (vpdpbusd) sums into one 32-bit lane per row, and
// the scales of 16 rows widen together: the products need no per-row scalar
// work. The record is as large as the 16 blocks it replaces, so a GEMV
// streams as many bytes as with the file's layout.
//
// The generator (ProductRowsLinear.cpp) and the packer (runtime/lib/kernels/
// ProductRows.cpp) both read these constants.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_KERNELS_PRODUCTROWS_H
#define LOOM_CODEGEN_KERNELS_PRODUCTROWS_H

namespace loom::kernels::product_rows {

/// Rows interleaved in one group: one 32-bit lane each in a 512-bit vector.
constexpr int kGroupRows = 16;
/// Elements of a block, and the codes per row a 32-bit lane sums at once.
constexpr int kBlockElems = 32;
constexpr int kCodesPerLane = 4;
/// Bytes of a group's record for one block: nibbles, then low and high scale bytes.
constexpr int kNibbleBytes = kGroupRows * kBlockElems / 2;
constexpr int kScaleLowOffset = kNibbleBytes;
constexpr int kScaleHighOffset = kNibbleBytes + kGroupRows;
constexpr int kRecordBytes = kNibbleBytes + 2 * kGroupRows;
/// Bytes of a Q4_0 block in a GGUF file: the F16 scale, then 16 bytes of nibbles.
constexpr int kQ4_0BlockBytes = 18;

static_assert(kRecordBytes == kGroupRows * kQ4_0BlockBytes, "a record replaces its rows' blocks byte for byte");

/// Q4_1 (fast profile only: llama.cpp keeps Q4_1 as the file has it): the Q4_0 record (codes stored as they are,
/// 0..15), then the low and high bytes of the 16 rows' F16 mins m: x = d * code + m.
namespace q4_1 {
constexpr int kMinLowOffset = kRecordBytes;
constexpr int kMinHighOffset = kRecordBytes + kGroupRows;
constexpr int kRecordBytes = kMinHighOffset + kGroupRows;
constexpr int kFileBlockBytes = 20;
static_assert(kRecordBytes == kGroupRows * kFileBlockBytes, "a record replaces its rows' blocks byte for byte");
} // namespace q4_1

/// Q8_0 (fast profile only: llama.cpp keeps Q8_0 as the file has it on x86). A group's record for one block:
///   bytes   0..511: codes, byte (4c + r) * 4 + t holding code 4c + t of row r plus 128 (as uint8: what an
///                   unsigned-by-signed dot product takes; the products subtract 128 times the sum of x);
///   bytes 512..543: the low then high bytes of the 16 rows' F16 scales. As large as the 16 blocks.
namespace q8_0 {
constexpr int kChunks = kBlockElems / kCodesPerLane;
constexpr int kCodeBytes = kGroupRows * kBlockElems;
constexpr int kScaleLowOffset = kCodeBytes;
constexpr int kScaleHighOffset = kCodeBytes + kGroupRows;
constexpr int kRecordBytes = kCodeBytes + 2 * kGroupRows;
constexpr int kFileBlockBytes = 34;
static_assert(kRecordBytes == kGroupRows * kFileBlockBytes, "a record replaces its rows' blocks byte for byte");
} // namespace q8_0

/// Q4_K (fast profile only: llama.cpp's own repacked Q4_K kernels sum in another order). A group's record
/// for one 256-element super-block:
///   bytes    0..2047: nibbles, byte ((p * 8 + c) * 16 + r) * 4 + t holding byte 32p + 4c + t of row r's
///                     codes (low nibble: sub-block 2p, high: 2p + 1, element 4c + t), p in 0..3, c in 0..7;
///   bytes 2048..2175: the 6-bit scales, byte 2048 + s * 16 + r for sub-block s of row r, unpacked;
///   bytes 2176..2303: the 6-bit mins, likewise;
///   bytes 2304..2367: the low then high bytes of the 16 rows' F16 d, then of their dmin.
/// Unpacking the scales costs 64 bytes per 2304 (2.8%) and saves the products a 6-bit unpack per row.
namespace q4_k {
constexpr int kSuperElems = 256;
constexpr int kSubBlocks = 8;
constexpr int kChunks = kBlockElems / kCodesPerLane; ///< chunks of four codes per sub-block pair
constexpr int kNibbleBytes = kGroupRows * kSuperElems / 2;
constexpr int kScaleOffset = kNibbleBytes;
constexpr int kMinOffset = kScaleOffset + kSubBlocks * kGroupRows;
constexpr int kDLowOffset = kMinOffset + kSubBlocks * kGroupRows;
constexpr int kDHighOffset = kDLowOffset + kGroupRows;
constexpr int kDMinLowOffset = kDHighOffset + kGroupRows;
constexpr int kDMinHighOffset = kDMinLowOffset + kGroupRows;
constexpr int kRecordBytes = kDMinHighOffset + kGroupRows;
/// A Q4_K super-block in a GGUF file: F16 d, F16 dmin, 12 bytes of packed 6-bit scales and mins, codes.
constexpr int kFileBlockBytes = 144;
constexpr int kFileScalesOffset = 4;
constexpr int kFileCodesOffset = 16;
} // namespace q4_k

/// Q6_K (fast profile only: llama.cpp keeps Q6_K as the file has it on x86). Element e of a super-block has
/// the 6-bit code q(e) (the weight is d * scale[e / 16] * (q(e) - 32)); a group's record for one super-block:
///   bytes    0..2047: low nibbles, byte ((p * 8 + c) * 16 + r) * 4 + t holding q(64p + 4c + t) & 15 of row r
///                     in its low nibble and q(64p + 32 + 4c + t) & 15 in its high one, p in 0..3, c in 0..7;
///   bytes 2048..3071: high bits, byte 2048 + ((h * 8 + c) * 16 + r) * 4 + t holding q(128h + 32j + 4c + t) >> 4
///                     in bits 2j, 2j + 1 (j in 0..3), h in 0..1;
///   bytes 3072..3327: the int8 scales, byte 3072 + s * 16 + r for the 16 elements from 16s of row r;
///   bytes 3328..3359: the low then high bytes of the 16 rows' F16 d. As large as the 16 super-blocks.
/// So four elements of a row stay one 32-bit lane for the dot products, as in the file's 4+2-bit split.
namespace q6_k {
constexpr int kSuperElems = 256;
constexpr int kScaleElems = 16; ///< elements per scale
constexpr int kScales = kSuperElems / kScaleElems;
constexpr int kChunks = kBlockElems / kCodesPerLane; ///< chunks of four codes per 32 elements
constexpr int kNibbleBytes = kGroupRows * kSuperElems / 2;
constexpr int kHighOffset = kNibbleBytes;
constexpr int kHighBytes = kGroupRows * kSuperElems / 4;
constexpr int kScaleOffset = kHighOffset + kHighBytes;
constexpr int kDLowOffset = kScaleOffset + kScales * kGroupRows;
constexpr int kDHighOffset = kDLowOffset + kGroupRows;
constexpr int kRecordBytes = kDHighOffset + kGroupRows;
/// A Q6_K super-block in a GGUF file: 128 bytes of low nibbles, 64 of high bit pairs, 16 int8 scales, F16 d.
constexpr int kFileBlockBytes = 210;
constexpr int kFileHighOffset = 128;
constexpr int kFileScalesOffset = 192;
constexpr int kFileDOffset = 208;
static_assert(kRecordBytes == kGroupRows * kFileBlockBytes, "a record replaces its rows' blocks byte for byte");
} // namespace q6_k

} // namespace loom::kernels::product_rows

#endif // LOOM_CODEGEN_KERNELS_PRODUCTROWS_H
