//===- ModelDescriptor.h - The descriptor the lowering hands codegen -*- C++ -*-===//
//
// What `loom_generated_descriptor` returns (runtime/include/loom/Runtime/
// ModelABI.h), as the compiler holds it between the lowering and codegen: a
// module attribute, written and read only through this struct, so its keys are
// spelled once.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_PASSES_MODELDESCRIPTOR_H
#define LOOM_PASSES_MODELDESCRIPTOR_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include "loom/Runtime/ModelABI.h"

#include <cstdint>
#include <string>
#include <vector>

namespace loom {

struct WeightRecord {
  std::string name;
  llvm::SmallVector<int64_t, 4> shape;
  /// LOOM_ROPE_* and the head layout of a q/k projection RoPE rotates; 0 otherwise.
  int64_t ropePairing = 0, ropeHeadDim = 0, ropeDims = 0;
  /// LOOM_LAYOUT_*: whether the runtime may repack it for the products.
  int64_t layout = 0;
};

struct CacheRecord {
  std::string name;
  /// LOOM_CACHE_*.
  int64_t kind = 0;
  int64_t window = 0, kvHeads = 0, keyDim = 0, valueDim = 0;
  /// LOOM_CACHE_RECURRENT: its convolution's channels.
  int64_t convChannels = 0;

  bool isRecurrent() const { return kind == LOOM_CACHE_RECURRENT; }
  /// F32 bytes of a recurrent state (convolution tail and matrices); 0 for the kinds that grow with the sequence.
  int64_t stateBytes() const { return isRecurrent() ? (window * convChannels + kvHeads * keyDim * valueDim) * 4 : 0; }
};

struct ModelDescriptor {
  std::string name;
  int64_t vocab = 0, dModel = 0, nLayers = 0, maxContext = 0, maxChunk = 0, scratchBytes = 0;
  std::vector<WeightRecord> weights;
  std::vector<CacheRecord> caches;
  /// When every RoPE is one Llama 3.1 scaling, its per-pair frequency divisors (a GGUF file's
  /// rope_freqs.weight holds the same); empty otherwise.
  std::vector<float> ropeFreqDivisors;
  /// LOOM_NUMERICS_*: the profile whose kernels the lowering called.
  int64_t numerics = 0;

  /// K and V bytes one token adds over the caches that keep every position, F32.
  int64_t fullCacheBytesPerToken() const;
  /// Bytes of the recurrent states of one sequence, F32, whatever its length.
  int64_t recurrentStateBytes() const;

  mlir::DictionaryAttr toAttr(mlir::MLIRContext *context) const;
  /// Reads the module's descriptor attribute; emits an error if it is missing or malformed.
  static mlir::FailureOr<ModelDescriptor> read(mlir::ModuleOp module);
};

/// The module attribute holding the descriptor after `loom-lower-to-kernels`.
inline constexpr llvm::StringLiteral kDescriptorAttrName = "loom.descriptor";

} // namespace loom

#endif // LOOM_PASSES_MODELDESCRIPTOR_H
