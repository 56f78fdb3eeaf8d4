//===- FusedWeights.h - Manifest weights stored as rows of a fused tensor -*- C++ -*-===//
//
// Some checkpoints store the Q, K and V projections as one matrix
// (`attn_qkv` in GGUF, `qkv_proj` in transformers' Phi-3 family) and the gate
// and up projections as one (`gate_up_proj`), rows concatenated in that
// order. Loom's manifest always has the parts. Each part is a contiguous run
// of the fused tensor's rows (also for quantized blocks, which never cross a
// row), so the loaders use the run in place rather than copying.
//
// transformers 5 keeps an MoE layer's experts stacked and fuses their gate
// and up projections the same way: `mlp.experts.gate_up_proj` [E, 2I, d],
// expert e's rows 0..I-1 its gate and I..2I-1 its up projection. The stacked
// parts [E, I, d] are then a run of rows of every expert, one strided copy.
//
// transformers' Qwen3-Next doubles the query projection of its gated
// attention: `q_proj` holds, head after head, the head's query rows and then
// its output-gate rows. Its parts, Loom's q_proj and gate_proj, alternate in
// runs of one head's rows (the q_proj weight's rope_head_dim), also a strided
// copy.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_FUSEDWEIGHTS_H
#define LOOM_RUNTIME_FUSEDWEIGHTS_H

#include "loom/Runtime/ModelABI.h"

#include <cstdint>
#include <string>
#include <vector>

namespace loom::rt {

/// One manifest weight that is a run of rows of a fused checkpoint tensor.
struct FusedPart {
  std::string part;  ///< Manifest name, e.g. "layers.0.attention.k_proj.weight".
  std::string fused; ///< Name of the fused tensor in manifest terms, "layers.0.attention.qkv_proj.weight".
  int64_t firstRow;
  int64_t rows;
  /// Stacked experts (the part is [E, rows, in]): firstRow and rows count the rows of each expert's slice of
  /// the fused [E, fusedRows, in] tensor, and the part takes them from each of the `experts` slices. 0 for a
  /// part that is one run of the fused tensor's rows.
  int64_t experts = 0;
  /// > 0: the parts alternate in runs of `block` rows (one attention head each) rather than follow each other;
  /// the part is every n-th run of the fused tensor's rows, from run k for part k of n.
  int64_t block = 0;
};

/// The parts to take from fused tensors: for every fused name (manifest-side
/// spelling, "<prefix>.qkv_proj.<param>", "<prefix>.gate_up_proj.<param>" or "<prefix>.q_gate_proj.<param>")
/// in `available` whose parts are all manifest weights and none available on
/// its own. `fusedShape(name)` gives a fused tensor's shape in Loom's order.
/// Fails, naming `file` and the tensor, when the fused rows (of each expert,
/// for stacked parts) are not the sum of the parts'.
bool planFusedParts(const loom_model_desc &desc, const std::vector<std::string> &available,
                    std::vector<int64_t> (*fusedShape)(const void *context, const std::string &name),
                    const void *context, const std::string &file, std::vector<FusedPart> &parts);

/// The fused tensor, in manifest terms, that manifest weight `part` can be a part of: "<prefix>.gate_up_proj.<param>"
/// for "<prefix>.gate_proj.<param>". For messages about checkpoints whose only name for it is the fused one.
bool fusedNameOf(const std::string &part, std::string &fused);

} // namespace loom::rt

#endif // LOOM_RUNTIME_FUSEDWEIGHTS_H
