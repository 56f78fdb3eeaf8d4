//===- WeightStore.h - Weight memory and the loom_tensor table --*- C++ -*-===//
//
// A WeightStore is the loom_tensor table that generated code indexes (one
// entry per manifest weight, in manifest order) together with the memory the
// entries point into: owned aligned buffers for converted or generated
// weights, and file mappings for F32 tensors used in place. Loaders fill a
// fresh store and the model adopts it only once every weight is set, so a
// failed load never leaves a model with a mix of old and new weights.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_WEIGHTSTORE_H
#define LOOM_RUNTIME_WEIGHTSTORE_H

#include "Memory.h"
#include "Safetensors.h"
#include "loom/Runtime/Tensor.h"

#include <cstddef>
#include <vector>

namespace loom::rt {

class WeightStore {
public:
  /// A table of `count` entries with null data.
  explicit WeightStore(size_t count = 0);

  const loom_tensor *table() const { return table_.data(); }

  /// Allocates owned F32 memory of `elements` floats for weight `index` and
  /// returns it for the caller to fill; nullptr (with an error naming `name`)
  /// if memory is exhausted.
  float *allocateF32(size_t index, size_t elements, const char *name);

  /// Sets weight `index` from a validated checkpoint tensor. Kernels get F32
  /// for now: F32 tensors are used in place when suitably aligned (`borrowed`
  /// is then set, and the caller must keep the file's mapping with
  /// keepMapping), F16 and BF16 are widened into owned memory, and other
  /// dtypes are an error naming `file` and the tensor.
  bool setFromTensor(size_t index, const SafetensorsTensor &tensor, const std::string &file, bool &borrowed);

  /// Keeps a file mapping alive as long as this store, for borrowed tensors.
  void keepMapping(MemoryMapping mapping);

private:
  std::vector<loom_tensor> table_;
  std::vector<AlignedBuffer> buffers_;
  std::vector<MemoryMapping> mappings_;
};

} // namespace loom::rt

#endif // LOOM_RUNTIME_WEIGHTSTORE_H
