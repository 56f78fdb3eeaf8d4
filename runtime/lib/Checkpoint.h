//===- Checkpoint.h - Loading manifest weights from checkpoints -*- C++ -*-===//
#ifndef LOOM_RUNTIME_CHECKPOINT_H
#define LOOM_RUNTIME_CHECKPOINT_H

#include "WeightStore.h"
#include "loom/Runtime/ModelABI.h"

#include <string>

namespace loom::rt {

/// Fills `store` (sized for the manifest) with every weight of `desc` from the
/// safetensors file at `path`, or from the shards a sharded checkpoint's
/// `*.index.json` (`{"weight_map": {"tensor": "shard.safetensors"}}`) names,
/// relative to the index's directory. The checkpoint must hold exactly the
/// manifest: a missing, mis-shaped or extra tensor is an error. Tensors may be
/// named as the manifest names them or as transformers does (HfNames.h). A file that
/// starts with the GGUF magic is read as GGUF (Gguf.h), its tensor names
/// mapped to the manifest's by GgufNames.cpp. Fused tensors are split into
/// their parts (FusedWeights.h); an MoE layer's experts, stored one tensor per
/// expert, are stacked into the manifest's [E, ...] weight (StackedWeights.h).
bool loadCheckpoint(const loom_model_desc &desc, const std::string &path, WeightStore &store);

} // namespace loom::rt

#endif // LOOM_RUNTIME_CHECKPOINT_H
