//===- WeightStore.h - Weight memory and the loom_tensor table --*- C++ -*-===//
//
// A WeightStore is the loom_tensor table that generated code indexes (one
// entry per manifest weight, in manifest order) together with the memory the
// entries point into: owned aligned buffers for converted or generated
// weights, and file mappings for tensors used in place. Loaders fill a
// fresh store and the model adopts it only once every weight is set, so a
// failed load never leaves a model with a mix of old and new weights.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_WEIGHTSTORE_H
#define LOOM_RUNTIME_WEIGHTSTORE_H

#include "Memory.h"
#include "Safetensors.h"
#include "loom/Runtime/ModelABI.h"

#include <cstddef>
#include <vector>

namespace loom::rt {

/// Whether manifest weight `weight` reaches the kernels in its checkpoint's dtype: matrices and stacks of
/// matrices (rank >= 2: the linear and embedding weights, an MoE layer's [E, rows, columns] experts) do,
/// because the kernels dequantize inside the product. Biases are F32 at every rank (an expert bias is
/// [E, rows]), like every other weight (norm weights).
bool keepsCheckpointDtype(const loom_weight_desc &weight);

/// Bytes of a checkpoint file, in place.
struct ByteRun {
  const uint8_t *data;
  size_t bytes;
};

/// `bytes` bytes at `offset` of a safetensors tensor.
struct TensorSlice {
  const SafetensorsTensor *tensor;
  size_t offset;
  size_t bytes;
};

/// Where the elements of a weight [experts, rows, columns] lie in a checkpoint tensor that stores them in
/// another order: element (e, r, c) is the tensor's element first + e * expert + r * row + c * column. A
/// weight without an experts (or columns) dimension has 1 there.
struct ElementGather {
  int64_t experts, rows, columns;
  size_t first, expert, row, column;
};

class WeightStore {
public:
  /// A table of `count` entries with null data.
  explicit WeightStore(size_t count = 0);
  /// A GPU kit keeps device copies of weights keyed by their host memory; whenever that memory goes, the
  /// store has the kernels forget them (loom_kernels_forget_device_copies), lest new weights at the same
  /// address be read from an old copy.
  ~WeightStore();
  WeightStore(WeightStore &&other) noexcept;
  WeightStore &operator=(WeightStore &&other) noexcept;
  WeightStore(const WeightStore &) = delete;
  WeightStore &operator=(const WeightStore &) = delete;

  const loom_tensor *table() const { return table_.data(); }

  /// Allocates owned F32 memory of `elements` floats for weight `index` and
  /// returns it for the caller to fill; nullptr (with an error naming `name`)
  /// if memory is exhausted.
  float *allocateF32(size_t index, size_t elements, const char *name);

  /// Sets manifest weight `index` (`weight`) from a validated checkpoint tensor (see setFromFile), or from
  /// `rows` of its rows starting at `firstRow` when rows >= 0 (a part of a fused tensor).
  bool setFromTensor(size_t index, const loom_weight_desc &weight, const SafetensorsTensor &tensor,
                     const std::string &file, bool &borrowed, int64_t firstRow = 0, int64_t rows = -1);

  /// Sets manifest weight `index` (`weight`) to an owned copy of `slices` back to back, all of one dtype
  /// (experts stored one tensor each, stacked; the rows of every expert that a fused tensor gives a part),
  /// by setFromFile's rules for the dtype. Errors name `file` and the first slice's tensor.
  bool setFromSlices(size_t index, const loom_weight_desc &weight, const std::vector<TensorSlice> &slices,
                     const std::string &file);

  /// Sets weight `index` to the transpose of a validated [in, out] matrix (transformers' Conv1D), or of
  /// its columns firstColumn .. firstColumn + columns when columns >= 0 (a part of a fused tensor): an
  /// owned copy [columns, in] in the file's dtype (F32, or F16/BF16 if the kernels take it).
  bool setTransposed(size_t index, const SafetensorsTensor &tensor, const std::string &file, int64_t firstColumn = 0,
                     int64_t columns = -1);

  /// Sets weight `index` (`weight`) to an owned copy of the elements of a validated checkpoint tensor that
  /// `gather` picks (gpt-oss's experts, stored [E, in, out] with gate and up interleaved), by setFromFile's
  /// rules for the dtype. Errors name `file` and the tensor.
  bool setGathered(size_t index, const loom_weight_desc &weight, const SafetensorsTensor &tensor,
                   const ElementGather &gather, const std::string &file);

  /// Sets manifest weight `index` (`weight`) from `bytes` of `dtype` (a loom_dtype;
  /// `dtypeName` spells it for messages) at `data` in a file mapping:
  ///  - F32 is used in place when 4-byte aligned, else copied;
  ///  - matrices and stacks of matrices (keepsCheckpointDtype) of other dtypes
  ///    stay as they are (in place when 4-byte aligned, else copied) if the
  ///    kernel library supports the dtype (loom_kernels_supports), and are an
  ///    error naming it otherwise;
  ///  - other weights (norm weights, biases) of F16 and BF16 are widened to
  ///    F32, and of any other dtype are an error.
  /// `borrowed` is set when the entry points into the mapping: the caller
  /// must then keep the mapping with keepMapping. Errors name `file` and `name`.
  bool setFromFile(size_t index, const loom_weight_desc &weight, int64_t dtype, const char *dtypeName,
                   const uint8_t *data, size_t bytes, size_t elements, const std::string &file,
                   const std::string &name, bool &borrowed);

  /// As setFromFile, but from `runs` of the mapping back to back, always into an owned copy (a weight the
  /// file stores in pieces). `name` is the tensor the runs come from, for messages.
  bool setFromRuns(size_t index, const loom_weight_desc &weight, int64_t dtype, const char *dtypeName,
                   const std::vector<ByteRun> &runs, const std::string &file, const std::string &name);

  /// Replaces weight `index` (already set, `rows` rows of equal byte size, in any dtype) by an owned copy
  /// whose row r is the old row sources[r]. Errors name `name`.
  bool reorderRows(size_t index, int64_t rows, const std::vector<int64_t> &sources, const char *name);

  /// Repacks the matrices the descriptor lets the runtime store for the products (LOOM_LAYOUT_PRODUCT_ROWS)
  /// into the layout loom_k_linear reads fastest, where their dtype has one (loom_k_linear_packed_dtype),
  /// and gives back the memory their old data held. False (with an error) if memory is exhausted.
  bool packForProducts(const loom_model_desc &desc);

  /// Keeps a file mapping alive as long as this store, for borrowed tensors.
  void keepMapping(MemoryMapping mapping);

private:
  /// Whether `dtype` may stay as it is for `weight`; fails naming `file` and `name` for a dtype that can
  /// neither stay nor be widened. `toF32` is set for F16/BF16 that must become F32.
  bool checkDtype(const loom_weight_desc &weight, int64_t dtype, const char *dtypeName, const std::string &file,
                  const std::string &name, bool &toF32) const;
  /// Whether `data` lies in one of the store's file mappings.
  bool isMapped(const void *data) const;
  /// Gives back the memory of weight `index`'s data, about to be replaced: its owned buffer unless another
  /// entry points into it, or its pages of a file mapping.
  void release(size_t index);
  /// Has the kernels forget their device copies of every entry's memory.
  void forgetDeviceCopies() const;
  /// Adopts `buffer` as weight `index`'s data of `dtype` and `bytes`.
  void adopt(size_t index, AlignedBuffer buffer, int64_t dtype, size_t bytes);

  std::vector<loom_tensor> table_;
  std::vector<size_t> bytes_; ///< Per entry: the bytes its data spans.
  std::vector<AlignedBuffer> buffers_;
  std::vector<MemoryMapping> mappings_;
};

} // namespace loom::rt

#endif // LOOM_RUNTIME_WEIGHTSTORE_H
