//===- LatentWeights.h - DeepSeek's kv_b from llama.cpp's halves -*- C++ -*-===//
//
// Multi-head latent attention expands the cached latent c by kv_b_proj
// [heads * (nope + value), rank]: each head's nope key rows, then its value
// rows. llama.cpp runs the absorbed form only, so its converter (since
// 2025) stores kv_b split and the key half transposed:
//
//   attn_k_b  ggml {nope, rank, heads}   = [heads, rank, nope]: W_UK_h^T
//   attn_v_b  ggml {rank, value, heads}  = [heads, value, rank]: W_UV_h
//
// Loom's manifest keeps kv_b whole (loom.mla_attend chooses per chunk
// between the expanded and the absorbed form), so the loader puts it back
// together. Transposing moves elements across quantization blocks, so the
// result is F32 whatever the halves' type: the MLA kernel reads kv_b as F32
// rows in either form anyway.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_LATENTWEIGHTS_H
#define LOOM_RUNTIME_LATENTWEIGHTS_H

#include "Gguf.h"
#include "WeightStore.h"

#include <string>
#include <string_view>

namespace loom::rt {

/// The manifest names of the two halves of kv_b weight `kvB` ("layers.3.attention.kv_b_proj.weight"), as
/// GgufNames.cpp names attn_k_b and attn_v_b; false for a weight that is no kv_b.
bool latentHalvesOf(std::string_view kvB, std::string &keys, std::string &values);

/// Sets weight `index` (`weight`, kv_b [heads * (nope + value), rank]) to an F32 copy assembled from `keys`
/// (attn_k_b) and `values` (attn_v_b). Their types may be F32, F16, BF16 or Q8_0 (widened or dequantized);
/// another type, or shapes that do not make `weight`, is an error naming `file` and the tensor.
bool setLatentKvB(size_t index, const loom_weight_desc &weight, const GgufTensor &keys, const GgufTensor &values,
                  const std::string &file, WeightStore &store);

} // namespace loom::rt

#endif // LOOM_RUNTIME_LATENTWEIGHTS_H
