//===- GgufNames.cpp - GGUF tensor names to Loom manifest names -----------===//
//
// llama.cpp's converter names tensors by a fixed vocabulary (gguf-py's
// tensor_mapping): global tensors by role, per-layer tensors "blk.<i>.<role>".
// Loom's names follow the spec's component names (docs/dsl.md, "Weight
// names"); the table below is for specs written with the components of the
// llama family (attn_norm, attention, ffn_norm, ffn, final_norm), which is
// what `loom import` writes. Another family with other roles (Gemma's post
// norms, say) adds rows here.
//
//===----------------------------------------------------------------------===//

#include "Gguf.h"
#include "LayerName.h"

using namespace loom::rt;

namespace {

struct NamePair {
  std::string_view gguf;
  std::string_view loom;
};

constexpr NamePair kGlobalNames[] = {
    {"token_embd.weight", "embedding.weight"},
    {"output_norm.weight", "final_norm.weight"},
    {"output.weight", "lm_head.weight"},
};

/// After "blk.<i>." and "layers.<i>." respectively.
constexpr NamePair kLayerNames[] = {
    {"attn_norm.weight", "attn_norm.weight"},
    {"attn_qkv.weight", "attention.qkv_proj.weight"}, // fused: split into q/k/v (FusedWeights.h)
    {"attn_qkv.bias", "attention.qkv_proj.bias"},
    {"attn_q.weight", "attention.q_proj.weight"},
    {"attn_q.bias", "attention.q_proj.bias"},
    {"attn_k.weight", "attention.k_proj.weight"},
    {"attn_k.bias", "attention.k_proj.bias"},
    {"attn_v.weight", "attention.v_proj.weight"},
    {"attn_v.bias", "attention.v_proj.bias"},
    {"attn_output.weight", "attention.o_proj.weight"},
    {"attn_output.bias", "attention.o_proj.bias"},
    {"attn_q_norm.weight", "attention.q_norm.weight"},
    {"attn_k_norm.weight", "attention.k_norm.weight"},
    // Multi-head latent attention (deepseek2), laid out as transformers' (no RoPE row reordering). Old files
    // keep kv_b whole; newer ones split it into each head's key half (transposed) and value half, never
    // manifest weights themselves: the loader puts kv_b back together from them (LatentWeights.h).
    {"attn_q_a.weight", "attention.q_a_proj.weight"},
    {"attn_q_a_norm.weight", "attention.q_a_norm.weight"},
    {"attn_q_b.weight", "attention.q_b_proj.weight"},
    {"attn_kv_a_mqa.weight", "attention.kv_a_proj.weight"},
    {"attn_kv_a_norm.weight", "attention.kv_a_norm.weight"},
    {"attn_kv_b.weight", "attention.kv_b_proj.weight"},
    {"attn_k_b.weight", "attention.k_b_proj.weight"},
    {"attn_v_b.weight", "attention.v_b_proj.weight"},
    {"ffn_norm.weight", "ffn_norm.weight"},
    // The norms after each sub-layer of Gemma (sandwich) and OLMo 2 (post-norm only), which `loom import`
    // calls post_attn_norm and post_ffn_norm.
    {"post_attention_norm.weight", "post_attn_norm.weight"},
    {"post_ffw_norm.weight", "post_ffn_norm.weight"},
    {"ffn_gate.weight", "ffn.gate_proj.weight"},
    {"ffn_gate.bias", "ffn.gate_proj.bias"},
    {"ffn_up.weight", "ffn.up_proj.weight"},
    {"ffn_up.bias", "ffn.up_proj.bias"},
    {"ffn_down.weight", "ffn.down_proj.weight"},
    {"ffn_down.bias", "ffn.down_proj.bias"},
    // Mixture-of-experts layers: the router, DeepSeek's selection bias (llama.cpp gives it a ".bias" suffix),
    // the experts, stored stacked as the manifest has them (ggml {d, I, E} is [E, I, d]), and the shared expert.
    {"ffn_gate_inp.weight", "ffn.router.weight"},
    {"ffn_gate_inp.bias", "ffn.router.bias"},
    {"exp_probs_b.bias", "ffn.router.selection_bias"},
    {"ffn_gate_exps.weight", "ffn.experts.gate_proj.weight"},
    {"ffn_gate_exps.bias", "ffn.experts.gate_proj.bias"},
    {"ffn_up_exps.weight", "ffn.experts.up_proj.weight"},
    {"ffn_up_exps.bias", "ffn.experts.up_proj.bias"},
    {"ffn_down_exps.weight", "ffn.experts.down_proj.weight"},
    {"ffn_down_exps.bias", "ffn.experts.down_proj.bias"},
    {"ffn_gate_up_exps.weight", "ffn.experts.gate_up_proj.weight"}, // fused: split per expert (FusedWeights.h)
    {"ffn_gate_shexp.weight", "ffn.shared.gate_proj.weight"},
    {"ffn_up_shexp.weight", "ffn.shared.up_proj.weight"},
    {"ffn_down_shexp.weight", "ffn.shared.down_proj.weight"},
};

/// Maps `name` from one side of the tables to the other.
bool translate(std::string_view name, bool fromGguf, std::string &out) {
  for (const NamePair &pair : kGlobalNames)
    if (name == (fromGguf ? pair.gguf : pair.loom)) {
      out = fromGguf ? pair.loom : pair.gguf;
      return true;
    }
  std::string_view index, rest;
  if (!splitLayerName(name, fromGguf ? "blk." : "layers.", index, rest))
    return false;
  for (const NamePair &pair : kLayerNames)
    if (rest == (fromGguf ? pair.gguf : pair.loom)) {
      out = fromGguf ? "layers." : "blk.";
      out.append(index).append(".").append(fromGguf ? pair.loom : pair.gguf);
      return true;
    }
  return false;
}

} // namespace

bool loom::rt::ggufToLoomName(std::string_view gguf, std::string &loom) { return translate(gguf, true, loom); }

bool loom::rt::loomToGgufName(std::string_view loom, std::string &gguf) { return translate(loom, false, gguf); }
