//===- BlockFormat.h - ggml's quantized block formats in Halide -*- C++ -*-===//
//
// GGUF matrices quantized by llama.cpp are rows of fixed-size blocks: a block
// of 32 elements holds F16 scales and packed integer codes. Kernels take such
// a matrix as raw bytes, uint8 [rowBytes, rows], and decode the codes of a
// block where they are used, so that a GEMV streams the compact bytes.
//
// Layouts (little-endian), element j of a block:
//   q8_0 (34 bytes): f16 d, int8 q[32];               x = d * q[j]
//   q4_0 (18 bytes): f16 d, uint8 nibbles[16];        x = d * (code(j) - 8)
//   q4_1 (20 bytes): f16 d, f16 m, uint8 nibbles[16]; x = d * code(j) + m
// where code(j) is the low nibble of nibbles[j] for j < 16 and the high nibble
// of nibbles[j - 16] otherwise.
//
// The k-quants pack 256 elements into a super-block of eight 32-element
// sub-blocks, each with its own small integer scale (and min). Kernels see
// them as rows of 32-element blocks like the others, block b being sub-block
// b % 8 of super-block b / 8:
//   q4_k (144 bytes): f16 d, f16 dmin, uint8 scales[12] (eight 6-bit scales
//     sc and mins mn, packed), uint8 nibbles[128]; sub-block s takes the low
//     (s even) or high (s odd) nibbles of bytes 32 (s / 2) .. + 31;
//     x = (d * sc[s]) * code - dmin * mn[s]
//   q6_k (210 bytes): uint8 ql[128] (low 4 bits), uint8 qh[64] (high 2 bits),
//     int8 scales[16] (one per 16 elements), f16 d; x = (d * scales[.]) *
//     (code - 32), code 6 bits.
// These decode as ggml's dequantize_row_q4_K / q6_K do.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_KERNELS_BLOCKFORMAT_H
#define LOOM_CODEGEN_KERNELS_BLOCKFORMAT_H

#include "WeightFormat.h"

#include "Halide.h"

#include <functional>
#include <map>
#include <string>

namespace loom::kernels {

enum class BlockFormat { Q8_0, Q4_0, Q4_1, Q4_K, Q6_K };

inline const std::map<std::string, BlockFormat> &blockFormatNames() {
  static const std::map<std::string, BlockFormat> names{{"q8_0", BlockFormat::Q8_0}, {"q4_0", BlockFormat::Q4_0},
                                                        {"q4_1", BlockFormat::Q4_1}, {"q4_k", BlockFormat::Q4_K},
                                                        {"q6_k", BlockFormat::Q6_K}};
  return names;
}

/// Elements of a block as kernels see it (a k-quant sub-block).
constexpr int kBlockElems = 32;
/// Blocks per k-quant super-block.
constexpr int kSubBlocks = 8;

inline bool isKQuant(BlockFormat format) { return format == BlockFormat::Q4_K || format == BlockFormat::Q6_K; }

/// Bytes of one encoded block: a 32-element block, or a k-quant's 256-element super-block.
inline int blockBytes(BlockFormat format) {
  switch (format) {
  case BlockFormat::Q8_0:
    return 34;
  case BlockFormat::Q4_0:
    return 18;
  case BlockFormat::Q4_1:
    return 20;
  case BlockFormat::Q4_K:
    return 144;
  case BlockFormat::Q6_K:
    return 210;
  }
  return 0;
}

/// Whether x = scale * code + offset has an offset (x then needs the block sums of its codes).
inline bool hasOffset(BlockFormat format) { return format == BlockFormat::Q4_1 || format == BlockFormat::Q4_K; }

/// Decodes one row of a block matrix: `byte(i)` is byte i of the row.
struct BlockRow {
  BlockFormat format;
  std::function<Halide::Expr(Halide::Expr)> byte;

  /// The F16 at byte offset `at` of the row, as F32 (exact).
  Halide::Expr half(const Halide::Expr &at) const {
    using namespace Halide;
    Expr bits = cast<uint16_t>(byte(at)) | (cast<uint16_t>(byte(at + 1)) << 8);
    return halfBitsToFloat(bits);
  }
  /// The byte offset of the encoded block holding 32-element block `block`.
  Halide::Expr start(const Halide::Expr &block) const {
    return isKQuant(format) ? block / kSubBlocks * blockBytes(format) : block * blockBytes(format);
  }

  /// The F32 factor of element j's code in block `block` (for all but Q6_K the same for every j).
  Halide::Expr scale(const Halide::Expr &block, const Halide::Expr &j) const {
    using namespace Halide;
    if (!isKQuant(format))
      return superScale(block);
    return superScale(block) * cast<float>(subScale(block, j));
  }
  /// The F16 scale of the encoded block holding `block` (a k-quant super-block's d), as F32.
  Halide::Expr superScale(const Halide::Expr &block) const {
    return half(start(block) + (format == BlockFormat::Q6_K ? 208 : 0));
  }
  /// A k-quant's small integer scale of element j of block `block`, as int32: Q4_K's 6-bit sc of the
  /// sub-block, Q6_K's int8 scale of the 16 elements.
  Halide::Expr subScale(const Halide::Expr &block, const Halide::Expr &j) const {
    using namespace Halide;
    if (format == BlockFormat::Q4_K)
      return kScale(block, false);
    // One int8 scale per 16 elements: 8 per half of 128, in the order of dequantize_row_q6_K.
    Expr sub = block % kSubBlocks;
    Expr index = sub / 4 * 8 + j / 16 + sub % 4 * 2;
    return cast<int32_t>(reinterpret<int8_t>(byte(start(block) + 192 + index)));
  }
  /// Q4_K's F16 dmin and the sub-block's 6-bit min: the offset is -(dmin * min).
  Halide::Expr superMin(const Halide::Expr &block) const { return half(start(block) + 2); }
  Halide::Expr subMin(const Halide::Expr &block) const { return kScale(block, true); }
  /// The offset of Q4_1 (m) and Q4_K (-dmin * mn) blocks.
  Halide::Expr offset(const Halide::Expr &block) const {
    using namespace Halide;
    if (format == BlockFormat::Q4_K)
      return -(superMin(block) * cast<float>(subMin(block)));
    return half(start(block) + 2);
  }

  /// The integer code of element j of a block (scale * code (+ offset) is the value), as int16.
  Halide::Expr code(const Halide::Expr &block, const Halide::Expr &j) const {
    using namespace Halide;
    switch (format) {
    case BlockFormat::Q8_0:
      return cast<int16_t>(reinterpret<int8_t>(byte(start(block) + 2 + j)));
    case BlockFormat::Q4_0:
      return cast<int16_t>(nibble(start(block) + 2, j)) - 8;
    case BlockFormat::Q4_1:
      return cast<int16_t>(nibble(start(block) + 4, j));
    case BlockFormat::Q4_K: {
      Expr sub = block % kSubBlocks;
      Expr packed = byte(start(block) + 16 + sub / 2 * 32 + j);
      return cast<int16_t>(select(sub % 2 == 0, packed & 15, packed >> 4));
    }
    case BlockFormat::Q6_K: {
      // Sub-block s is quarter s % 4 of half s / 4: low bits from ql (low nibbles for quarters 0 and 1,
      // high for 2 and 3, of bytes 0-31 for quarters 0 and 2, 32-63 for 1 and 3), high bits from qh.
      Expr sub = block % kSubBlocks, half128 = sub / 4, quarter = sub % 4;
      Expr ql = byte(start(block) + half128 * 64 + quarter % 2 * 32 + j);
      Expr low = select(quarter < 2, ql & 15, ql >> 4);
      Expr qh = byte(start(block) + 128 + half128 * 32 + j);
      Expr high = (qh >> cast<uint8_t>(quarter * 2)) & 3;
      return cast<int16_t>(low | (high << 4)) - 32;
    }
    }
    return Expr();
  }

  /// Q4_0's stored nibble of element j (its code plus 8), as uint8: what an unsigned-by-signed 8-bit dot
  /// product takes directly.
  Halide::Expr storedNibble(const Halide::Expr &block, const Halide::Expr &j) const {
    return nibble(start(block) + 2, j);
  }

  /// Element j of a block, dequantized exactly as ggml's dequantize_row_* does.
  Halide::Expr value(const Halide::Expr &block, const Halide::Expr &j) const {
    using namespace Halide;
    Expr q = cast<float>(code(block, j));
    if (hasOffset(format))
      return scale(block, j) * q + offset(block);
    return scale(block, j) * q;
  }

private:
  /// Q4_K's 6-bit scale (or, with `min`, min) of the sub-block holding `block`, unpacked as ggml's
  /// get_scale_min_k4: sub-blocks 0-3 take 6 bits of one byte, 4-7 a nibble plus 2 spare high bits.
  Halide::Expr kScale(const Halide::Expr &block, bool min) const {
    using namespace Halide;
    Expr sub = block % kSubBlocks;
    // Both sides of the select are evaluated; every index stays within the super-block's 144 bytes.
    auto scales = [&](Expr i) { return cast<int32_t>(byte(start(block) + 4 + i)); };
    if (min)
      return select(sub < 4, scales(sub + 4) & 63, (scales(sub + 4) >> 4) | ((scales(sub) >> 6) << 4));
    return select(sub < 4, scales(sub) & 63, (scales(sub + 4) & 15) | ((scales(sub - 4) >> 6) << 4));
  }

  Halide::Expr nibble(const Halide::Expr &codes, const Halide::Expr &j) const {
    using namespace Halide;
    Expr packed = byte(codes + (j & 15));
    return select(j >= 16, packed >> 4, packed & 15);
  }
};

} // namespace loom::kernels

#endif // LOOM_CODEGEN_KERNELS_BLOCKFORMAT_H
