//===- RopeFreqs.h - A GGUF file's Llama 3.1 RoPE table ---------*- C++ -*-===//
//
// llama.cpp's converter stores Llama 3.1's RoPE scaling as a tensor,
// rope_freqs.weight: one F32 divisor per rotated pair. Loom computes the same
// table from the spec at compile time (the descriptor carries it), so the
// file's copy is not a weight to load but a statement about the model to
// check: a file made for another scaling must not run silently with the
// spec's.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_ROPEFREQS_H
#define LOOM_RUNTIME_ROPEFREQS_H

#include "Gguf.h"
#include "loom/Runtime/ModelABI.h"

#include <string>
#include <string_view>

namespace loom::rt {

inline constexpr std::string_view kRopeFreqsTensor = "rope_freqs.weight";

/// Whether `tensor` (the file's rope_freqs.weight) holds the divisors of the
/// model's descriptor, within F32 rounding of the converter's arithmetic;
/// records an error naming the tensor and the first differing pair if not.
bool checkRopeFreqs(const loom_model_desc &desc, const GgufTensor &tensor, const std::string &path);

} // namespace loom::rt

#endif // LOOM_RUNTIME_ROPEFREQS_H
