//===- QkLayout.h - Q/K projection rows between RoPE pairings ----*- C++ -*-===//
//
// RoPE rotates pairs of a head's dimensions: (j, j + d/2) in the NeoX/"half"
// pairing that transformers checkpoints use, (2j, 2j + 1) in the GPT-J/
// "interleaved" one. llama.cpp's converter reorders the rows of the Q and K
// projections of some families (runtime/lib/families/, ggufInterleaved) so that ggml can rotate adjacent pairs. The
// two are the same model: RoPE on half-paired rows equals RoPE on interleaved
// rows reordered alike, and attention scores are sums over a head's
// dimensions, in any order. So a checkpoint in either layout runs a spec in
// either pairing once the Q and K rows (and their biases) are reordered at
// load time; the loaders do that here rather than refusing the file.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_QKLAYOUT_H
#define LOOM_RUNTIME_QKLAYOUT_H

#include "WeightStore.h"
#include "loom/Runtime/ModelABI.h"

#include <string>

namespace loom::rt {

/// The row order of a checkpoint's Q/K projections.
enum class QkRowOrder {
  AsSpec,      ///< Written for the spec (Loom-named files): nothing to do.
  Half,        ///< transformers checkpoints (but Llama 4's); GGUF files of non-llama architectures.
  Interleaved, ///< GGUF files of the llama architecture; transformers checkpoints of Llama 4 (hfInterleavedRope).
};

/// Reorders, in `store`, the rows of every layer's q_proj and k_proj weights
/// and biases ("layers.<i>.<component>.{q,k}_proj.{weight,bias}") whose layer
/// pairs RoPE differently from `order`. Fails, naming `file` and the tensor,
/// for partial RoPE (rope_dims < head_dim), where the converter's reordering
/// is not defined.
bool adaptQkRows(const loom_model_desc &desc, QkRowOrder order, WeightStore &store, const std::string &file);

} // namespace loom::rt

#endif // LOOM_RUNTIME_QKLAYOUT_H
