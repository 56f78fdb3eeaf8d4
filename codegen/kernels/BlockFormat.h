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
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_KERNELS_BLOCKFORMAT_H
#define LOOM_CODEGEN_KERNELS_BLOCKFORMAT_H

#include "WeightFormat.h"

#include "Halide.h"

#include <functional>
#include <map>
#include <string>

namespace loom::kernels {

enum class BlockFormat { Q8_0, Q4_0, Q4_1 };

inline const std::map<std::string, BlockFormat> &blockFormatNames() {
  static const std::map<std::string, BlockFormat> names{
      {"q8_0", BlockFormat::Q8_0}, {"q4_0", BlockFormat::Q4_0}, {"q4_1", BlockFormat::Q4_1}};
  return names;
}

constexpr int kBlockElems = 32;

inline int blockBytes(BlockFormat format) {
  switch (format) {
  case BlockFormat::Q8_0:
    return 34;
  case BlockFormat::Q4_0:
    return 18;
  case BlockFormat::Q4_1:
    return 20;
  }
  return 0;
}

/// Decodes one row of a block matrix: `byte(i)` is byte i of the row.
struct BlockRow {
  BlockFormat format;
  std::function<Halide::Expr(Halide::Expr)> byte;

  /// The F16 at byte offset `at` of the row, as F32 (exact).
  Halide::Expr half(const Halide::Expr &at) const {
    using namespace Halide;
    Expr bits = cast<uint16_t>(byte(at)) | (cast<uint16_t>(byte(at + 1)) << 8);
    return widenToFloat(reinterpret<float16_t>(bits), WeightFormat::F16);
  }
  Halide::Expr start(const Halide::Expr &block) const { return block * blockBytes(format); }

  /// The block's scale d.
  Halide::Expr scale(const Halide::Expr &block) const { return half(start(block)); }
  /// Q4_1's offset m.
  Halide::Expr offset(const Halide::Expr &block) const { return half(start(block) + 2); }

  /// The signed integer code of element j of a block (d * code (+ m) is the value), as int16.
  Halide::Expr code(const Halide::Expr &block, const Halide::Expr &j) const {
    using namespace Halide;
    switch (format) {
    case BlockFormat::Q8_0:
      return cast<int16_t>(reinterpret<int8_t>(byte(start(block) + 2 + j)));
    case BlockFormat::Q4_0:
      return cast<int16_t>(nibble(start(block) + 2, j)) - 8;
    case BlockFormat::Q4_1:
      return cast<int16_t>(nibble(start(block) + 4, j));
    }
    return Expr();
  }

  /// Element j of a block, dequantized exactly as ggml's dequantize_row_* does.
  Halide::Expr value(const Halide::Expr &block, const Halide::Expr &j) const {
    using namespace Halide;
    Expr q = cast<float>(code(block, j));
    if (format == BlockFormat::Q4_1)
      return scale(block) * q + offset(block);
    return scale(block) * q;
  }

private:
  Halide::Expr nibble(const Halide::Expr &codes, const Halide::Expr &j) const {
    using namespace Halide;
    Expr packed = byte(codes + (j & 15));
    return select(j >= 16, packed >> 4, packed & 15);
  }
};

} // namespace loom::kernels

#endif // LOOM_CODEGEN_KERNELS_BLOCKFORMAT_H
