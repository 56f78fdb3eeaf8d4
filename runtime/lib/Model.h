//===- Model.h - The state behind a loom_model handle -----------*- C++ -*-===//
#ifndef LOOM_RUNTIME_MODEL_H
#define LOOM_RUNTIME_MODEL_H

#include "Memory.h"
#include "WeightStore.h"
#include "loom/Runtime/ModelABI.h"

/// One instance of the compiled model: its weights and the scratch memory a
/// forward pass works in. A model is not thread-safe: a forward pass uses the
/// single scratch arena, so calls on one model must be serialized (separate
/// models of one library may run concurrently; the kernels' thread pool is
/// shared).
struct loom_model {
  /// Static, from the generated object; validated by loom_model_create.
  const loom_model_desc *desc = nullptr;
  /// Always n_weights entries; their data is null until weights are loaded.
  loom::rt::WeightStore weights;
  bool weightsLoaded = false;
  /// desc->scratch_bytes, enough for a chunk of max_chunk tokens.
  loom::rt::AlignedBuffer scratch;
};

#endif // LOOM_RUNTIME_MODEL_H
