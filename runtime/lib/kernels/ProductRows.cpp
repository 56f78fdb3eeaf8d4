//===- ProductRows.cpp - Packing weights for the products -----------------===//
//
// loom_k_linear_packed_dtype and loom_k_pack_linear_weights: the load-time
// half of codegen/kernels/ProductRows.h, and the table of packed formats
// (PackedRows.h). Q4_0's file layout costs the products a scalar F16 decode
// per block and row, which dominated a 4-bit decode (docs/performance.md);
// the fast profile packs Q4_1, Q8_0, Q4_K and Q6_K too (Q4_K with its 6-bit
// scales and mins unpacked to bytes).
//
//===----------------------------------------------------------------------===//

#include "DeviceCopies.h"
#include "KernelErrors.h"
#include "PackedRows.h"
#include "ProductRows.h"
#include "loom/Runtime/Kernels.h"
#include "loom/Runtime/ModelABI.h"

#include <cstring>

using namespace loom::kernels;
using namespace loom::kernels::product_rows;

namespace {

/// Where row r's block b and its scale bytes lie in a packed Q4_0 matrix of `blocks` blocks per row.
struct PackedBlock {
  int64_t record;
  int r;
  static PackedBlock of(int64_t row, int64_t b, int64_t blocks) {
    return {(row / kGroupRows * blocks + b) * kRecordBytes, static_cast<int>(row % kGroupRows)};
  }
  int64_t nibbles(int c) const { return record + (c * kGroupRows + r) * kCodesPerLane; }
  int64_t scaleLow() const { return record + kScaleLowOffset + r; }
  int64_t scaleHigh() const { return record + kScaleHighOffset + r; }
};

constexpr int kNibbleChunks = kBlockElems / 2 / kCodesPerLane;

/// Q4_1: Q4_0's record of d and codes, then the mins.
void packQ4_1(const uint8_t *source, int64_t rows, int64_t columns, uint8_t *target) {
  const int64_t blocks = columns / kBlockElems;
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t record = (row / kGroupRows * blocks + b) * q4_1::kRecordBytes;
      const int r = static_cast<int>(row % kGroupRows);
      const uint8_t *block = source + (row * blocks + b) * q4_1::kFileBlockBytes;
      uint8_t *out = target + record;
      out[kScaleLowOffset + r] = block[0];
      out[kScaleHighOffset + r] = block[1];
      out[q4_1::kMinLowOffset + r] = block[2];
      out[q4_1::kMinHighOffset + r] = block[3];
      for (int c = 0; c < kNibbleChunks; ++c)
        std::memcpy(out + (c * kGroupRows + r) * kCodesPerLane, block + 4 + c * kCodesPerLane, kCodesPerLane);
    }
}

/// Where row r's block b lies in a packed Q8_0 matrix of `blocks` blocks per row.
struct PackedQ8Block {
  int64_t record;
  int r;
  static PackedQ8Block of(int64_t row, int64_t b, int64_t blocks) {
    return {(row / kGroupRows * blocks + b) * q8_0::kRecordBytes, static_cast<int>(row % kGroupRows)};
  }
  int64_t codes(int c) const { return record + (c * kGroupRows + r) * kCodesPerLane; }
  int64_t at(int offset) const { return record + offset + r; }
};

/// Q8_0's int8 codes as unsigned bytes code + 128, and back: the same flip of the top bit.
void flipCodes(const uint8_t *from, uint8_t *to) {
  for (int t = 0; t < kCodesPerLane; ++t)
    to[t] = from[t] ^ 0x80;
}

void packQ8_0(const uint8_t *source, int64_t rows, int64_t columns, uint8_t *target) {
  const int64_t blocks = columns / kBlockElems;
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t b = 0; b < blocks; ++b) {
      PackedQ8Block at = PackedQ8Block::of(row, b, blocks);
      const uint8_t *block = source + (row * blocks + b) * q8_0::kFileBlockBytes;
      target[at.at(q8_0::kScaleLowOffset)] = block[0];
      target[at.at(q8_0::kScaleHighOffset)] = block[1];
      for (int c = 0; c < q8_0::kChunks; ++c)
        flipCodes(block + 2 + c * kCodesPerLane, target + at.codes(c));
    }
}

/// Where row r's super-block b lies in a packed Q4_K matrix of `supers` super-blocks per row.
struct PackedSuperBlock {
  int64_t record;
  int r;
  static PackedSuperBlock of(int64_t row, int64_t b, int64_t supers) {
    return {(row / kGroupRows * supers + b) * q4_k::kRecordBytes, static_cast<int>(row % kGroupRows)};
  }
  /// Codes 4c .. 4c + 3 of sub-block pair p.
  int64_t nibbles(int p, int c) const { return record + ((p * q4_k::kChunks + c) * kGroupRows + r) * kCodesPerLane; }
  int64_t scale(int s) const { return record + q4_k::kScaleOffset + s * kGroupRows + r; }
  int64_t min(int s) const { return record + q4_k::kMinOffset + s * kGroupRows + r; }
  int64_t at(int offset) const { return record + offset + r; }
};

/// ggml's get_scale_min_k4: sub-blocks 0-3 take 6 bits of one byte, 4-7 a nibble and 2 spare high bits.
void unpackScales(const uint8_t *q, uint8_t *scale, uint8_t *min) {
  for (int s = 0; s < 4; ++s) {
    scale[s] = q[s] & 63;
    min[s] = q[s + 4] & 63;
    scale[s + 4] = (q[s + 8] & 15) | ((q[s] >> 6) << 4);
    min[s + 4] = (q[s + 8] >> 4) | ((q[s + 4] >> 6) << 4);
  }
}

/// The inverse of unpackScales (every bit of the 12 bytes is used, so the file's bytes come back).
void packScales(const uint8_t *scale, const uint8_t *min, uint8_t *q) {
  for (int s = 0; s < 4; ++s) {
    q[s] = static_cast<uint8_t>(scale[s] | ((scale[s + 4] >> 4) << 6));
    q[s + 4] = static_cast<uint8_t>(min[s] | ((min[s + 4] >> 4) << 6));
    q[s + 8] = static_cast<uint8_t>((scale[s + 4] & 15) | ((min[s + 4] & 15) << 4));
  }
}

void packQ4_K(const uint8_t *source, int64_t rows, int64_t columns, uint8_t *target) {
  using namespace q4_k;
  const int64_t supers = columns / kSuperElems;
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t b = 0; b < supers; ++b) {
      PackedSuperBlock at = PackedSuperBlock::of(row, b, supers);
      const uint8_t *block = source + (row * supers + b) * kFileBlockBytes;
      for (int i = 0; i < 2; ++i) {
        target[at.at(kDLowOffset) + i * kGroupRows] = block[i];
        target[at.at(kDMinLowOffset) + i * kGroupRows] = block[2 + i];
      }
      uint8_t scale[kSubBlocks], min[kSubBlocks];
      unpackScales(block + kFileScalesOffset, scale, min);
      for (int s = 0; s < kSubBlocks; ++s) {
        target[at.scale(s)] = scale[s];
        target[at.min(s)] = min[s];
      }
      for (int p = 0; p < kSubBlocks / 2; ++p)
        for (int c = 0; c < kChunks; ++c)
          std::memcpy(target + at.nibbles(p, c), block + kFileCodesOffset + p * kBlockElems + c * kCodesPerLane,
                      kCodesPerLane);
    }
}

void unpackQ4_1Row(const uint8_t *packed, int64_t row, int64_t columns, uint8_t *out) {
  const int64_t blocks = columns / kBlockElems;
  const int r = static_cast<int>(row % kGroupRows);
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t *record = packed + (row / kGroupRows * blocks + b) * q4_1::kRecordBytes;
    uint8_t *block = out + b * q4_1::kFileBlockBytes;
    block[0] = record[kScaleLowOffset + r];
    block[1] = record[kScaleHighOffset + r];
    block[2] = record[q4_1::kMinLowOffset + r];
    block[3] = record[q4_1::kMinHighOffset + r];
    for (int c = 0; c < kNibbleChunks; ++c)
      std::memcpy(block + 4 + c * kCodesPerLane, record + (c * kGroupRows + r) * kCodesPerLane, kCodesPerLane);
  }
}

void unpackQ8_0Row(const uint8_t *packed, int64_t row, int64_t columns, uint8_t *out) {
  const int64_t blocks = columns / kBlockElems;
  for (int64_t b = 0; b < blocks; ++b) {
    PackedQ8Block at = PackedQ8Block::of(row, b, blocks);
    uint8_t *block = out + b * q8_0::kFileBlockBytes;
    block[0] = packed[at.at(q8_0::kScaleLowOffset)];
    block[1] = packed[at.at(q8_0::kScaleHighOffset)];
    for (int c = 0; c < q8_0::kChunks; ++c)
      flipCodes(packed + at.codes(c), block + 2 + c * kCodesPerLane);
  }
}

void unpackQ4_KRow(const uint8_t *packed, int64_t row, int64_t columns, uint8_t *out) {
  using namespace q4_k;
  const int64_t supers = columns / kSuperElems;
  for (int64_t b = 0; b < supers; ++b) {
    PackedSuperBlock at = PackedSuperBlock::of(row, b, supers);
    uint8_t *block = out + b * kFileBlockBytes;
    for (int i = 0; i < 2; ++i) {
      block[i] = packed[at.at(kDLowOffset) + i * kGroupRows];
      block[2 + i] = packed[at.at(kDMinLowOffset) + i * kGroupRows];
    }
    uint8_t scale[kSubBlocks], min[kSubBlocks];
    for (int s = 0; s < kSubBlocks; ++s) {
      scale[s] = packed[at.scale(s)];
      min[s] = packed[at.min(s)];
    }
    packScales(scale, min, block + kFileScalesOffset);
    for (int p = 0; p < kSubBlocks / 2; ++p)
      for (int c = 0; c < kChunks; ++c)
        std::memcpy(block + kFileCodesOffset + p * kBlockElems + c * kCodesPerLane, packed + at.nibbles(p, c),
                    kCodesPerLane);
  }
}

void unpackQ4_0Row(const uint8_t *packed, int64_t row, int64_t columns, uint8_t *out) {
  const int64_t blocks = columns / kBlockElems;
  for (int64_t b = 0; b < blocks; ++b) {
    PackedBlock at = PackedBlock::of(row, b, blocks);
    uint8_t *block = out + b * kQ4_0BlockBytes;
    block[0] = packed[at.scaleLow()];
    block[1] = packed[at.scaleHigh()];
    for (int c = 0; c < kNibbleChunks; ++c)
      std::memcpy(block + 2 + c * kCodesPerLane, packed + at.nibbles(c), kCodesPerLane);
  }
}

void packQ4_0(const uint8_t *source, int64_t rows, int64_t columns, uint8_t *target) {
  const int64_t blocks = columns / kBlockElems;
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t b = 0; b < blocks; ++b) {
      PackedBlock at = PackedBlock::of(row, b, blocks);
      const uint8_t *block = source + (row * blocks + b) * kQ4_0BlockBytes;
      target[at.scaleLow()] = block[0];
      target[at.scaleHigh()] = block[1];
      for (int c = 0; c < kNibbleChunks; ++c)
        std::memcpy(target + at.nibbles(c), block + 2 + c * kCodesPerLane, kCodesPerLane);
    }
}

/// Where row r's super-block b lies in a packed Q6_K matrix of `supers` super-blocks per row.
struct PackedQ6Block {
  int64_t record;
  int r;
  static PackedQ6Block of(int64_t row, int64_t b, int64_t supers) {
    return {(row / kGroupRows * supers + b) * q6_k::kRecordBytes, static_cast<int>(row % kGroupRows)};
  }
  /// Byte t of chunk c of low-nibble pair p, and of high-bit half h.
  int64_t nibble(int p, int c, int t) const {
    return record + ((p * q6_k::kChunks + c) * kGroupRows + r) * kCodesPerLane + t;
  }
  int64_t high(int h, int c, int t) const {
    return record + q6_k::kHighOffset + ((h * q6_k::kChunks + c) * kGroupRows + r) * kCodesPerLane + t;
  }
  int64_t at(int offset) const { return record + offset + r; }
};

/// The 6-bit codes of a Q6_K super-block in the file's layout (ggml's dequantize_row_q6_K without the
/// scales), and back.
void q6Codes(const uint8_t *block, uint8_t *q) {
  for (int half = 0; half < 2; ++half) {
    const uint8_t *ql = block + half * 64, *qh = block + q6_k::kFileHighOffset + half * 32;
    uint8_t *out = q + half * 128;
    for (int l = 0; l < 32; ++l) {
      out[l] = static_cast<uint8_t>((ql[l] & 15) | ((qh[l] & 3) << 4));
      out[l + 32] = static_cast<uint8_t>((ql[l + 32] & 15) | (((qh[l] >> 2) & 3) << 4));
      out[l + 64] = static_cast<uint8_t>((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
      out[l + 96] = static_cast<uint8_t>((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
    }
  }
}

void q6Bytes(const uint8_t *q, uint8_t *block) {
  for (int half = 0; half < 2; ++half) {
    uint8_t *ql = block + half * 64, *qh = block + q6_k::kFileHighOffset + half * 32;
    const uint8_t *in = q + half * 128;
    for (int l = 0; l < 32; ++l) {
      ql[l] = static_cast<uint8_t>((in[l] & 15) | ((in[l + 64] & 15) << 4));
      ql[l + 32] = static_cast<uint8_t>((in[l + 32] & 15) | ((in[l + 96] & 15) << 4));
      qh[l] = static_cast<uint8_t>((in[l] >> 4) | ((in[l + 32] >> 4) << 2) | ((in[l + 64] >> 4) << 4) |
                                   ((in[l + 96] >> 4) << 6));
    }
  }
}

void packQ6_K(const uint8_t *source, int64_t rows, int64_t columns, uint8_t *target) {
  using namespace q6_k;
  const int64_t supers = columns / kSuperElems;
  uint8_t q[kSuperElems];
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t b = 0; b < supers; ++b) {
      PackedQ6Block at = PackedQ6Block::of(row, b, supers);
      const uint8_t *block = source + (row * supers + b) * kFileBlockBytes;
      q6Codes(block, q);
      for (int c = 0; c < kChunks; ++c)
        for (int t = 0; t < kCodesPerLane; ++t) {
          for (int p = 0; p < 4; ++p) {
            const int e = 64 * p + kCodesPerLane * c + t;
            target[at.nibble(p, c, t)] = static_cast<uint8_t>((q[e] & 15) | ((q[e + 32] & 15) << 4));
          }
          for (int h = 0; h < 2; ++h) {
            uint8_t bits = 0;
            for (int j = 0; j < 4; ++j)
              bits = static_cast<uint8_t>(bits | ((q[128 * h + 32 * j + kCodesPerLane * c + t] >> 4) << (2 * j)));
            target[at.high(h, c, t)] = bits;
          }
        }
      for (int s = 0; s < kScales; ++s)
        target[at.at(kScaleOffset + s * kGroupRows)] = block[kFileScalesOffset + s];
      target[at.at(kDLowOffset)] = block[kFileDOffset];
      target[at.at(kDHighOffset)] = block[kFileDOffset + 1];
    }
}

void unpackQ6_KRow(const uint8_t *packed, int64_t row, int64_t columns, uint8_t *out) {
  using namespace q6_k;
  const int64_t supers = columns / kSuperElems;
  uint8_t q[kSuperElems];
  for (int64_t b = 0; b < supers; ++b) {
    PackedQ6Block at = PackedQ6Block::of(row, b, supers);
    uint8_t *block = out + b * kFileBlockBytes;
    for (int c = 0; c < kChunks; ++c)
      for (int t = 0; t < kCodesPerLane; ++t) {
        for (int p = 0; p < 4; ++p) {
          const int e = 64 * p + kCodesPerLane * c + t;
          const uint8_t nibbles = packed[at.nibble(p, c, t)];
          q[e] = nibbles & 15;
          q[e + 32] = nibbles >> 4;
        }
        for (int h = 0; h < 2; ++h)
          for (int j = 0; j < 4; ++j)
            q[128 * h + 32 * j + kCodesPerLane * c + t] |=
                static_cast<uint8_t>(((packed[at.high(h, c, t)] >> (2 * j)) & 3) << 4);
      }
    q6Bytes(q, block);
    for (int s = 0; s < kScales; ++s)
      block[kFileScalesOffset + s] = packed[at.at(kScaleOffset + s * kGroupRows)];
    block[kFileDOffset] = packed[at.at(kDLowOffset)];
    block[kFileDOffset + 1] = packed[at.at(kDHighOffset)];
  }
}

const PackedRowsFormat kFormats[] = {
    {LOOM_DTYPE_Q4_0_ROWS16, LOOM_DTYPE_Q4_0, "Q4_0", true, kBlockElems, kQ4_0BlockBytes, kRecordBytes, packQ4_0,
     unpackQ4_0Row},
    {LOOM_DTYPE_Q4_1_ROWS16, LOOM_DTYPE_Q4_1, "Q4_1", false, kBlockElems, q4_1::kFileBlockBytes,
     q4_1::kRecordBytes, packQ4_1, unpackQ4_1Row},
    {LOOM_DTYPE_Q8_0_ROWS16, LOOM_DTYPE_Q8_0, "Q8_0", false, kBlockElems, q8_0::kFileBlockBytes,
     q8_0::kRecordBytes, packQ8_0, unpackQ8_0Row},
    {LOOM_DTYPE_Q4_K_ROWS16, LOOM_DTYPE_Q4_K, "Q4_K", false, q4_k::kSuperElems, q4_k::kFileBlockBytes,
     q4_k::kRecordBytes, packQ4_K, unpackQ4_KRow},
    {LOOM_DTYPE_Q6_K_ROWS16, LOOM_DTYPE_Q6_K, "Q6_K", false, q6_k::kSuperElems, q6_k::kFileBlockBytes,
     q6_k::kRecordBytes, packQ6_K, unpackQ6_KRow},
};

} // namespace

const PackedRowsFormat *loom::kernels::packedRowsFormat(int64_t dtype) {
  for (const PackedRowsFormat &format : kFormats)
    if (format.packedDtype == dtype)
      return &format;
  return nullptr;
}

const PackedRowsFormat *loom::kernels::packedRowsFormatFor(int64_t dtype, int64_t numerics) {
  for (const PackedRowsFormat &format : kFormats)
    if (format.fileDtype == dtype && (numerics == LOOM_NUMERICS_FAST || format.inGgmlProfile))
      return &format;
  return nullptr;
}

int64_t loom_k_linear_packed_dtype(int64_t dtype, int64_t rows, int64_t columns, int64_t numerics, int64_t *bytes) {
  *bytes = 0;
  // The packed layouts are the CPU products'; a GPU kit's device products read the file's block rows.
  if (loom::kernels::kitDeviceInterface())
    return dtype;
  const PackedRowsFormat *format = packedRowsFormatFor(dtype, numerics);
  if (!format || rows <= 0 || columns <= 0 || rows % kGroupRows != 0 || columns % format->blockElems != 0)
    return dtype;
  *bytes = rows / kGroupRows * (columns / format->blockElems) * format->recordBytes;
  return format->packedDtype;
}

void loom_k_pack_linear_weights(const loom_tensor *w, int64_t rows, int64_t columns, void *out) {
  int64_t bytes;
  if (!w || !out)
    loom_kernel_fail("loom_k_pack_linear_weights: %s is NULL", w ? "out" : "w");
  if (loom_k_linear_packed_dtype(w->dtype, rows, columns, LOOM_NUMERICS_FAST, &bytes) == w->dtype)
    loom_kernel_fail("loom_k_pack_linear_weights: no packed layout for dtype %lld [%lld, %lld]",
                     static_cast<long long>(w->dtype), static_cast<long long>(rows),
                     static_cast<long long>(columns));
  packedRowsFormatFor(w->dtype, LOOM_NUMERICS_FAST)
      ->pack(static_cast<const uint8_t *>(w->data), rows, columns, static_cast<uint8_t *>(out));
}
