//===- RopeScalingImport.h - RoPE scaling from checkpoint metadata -*- C++ -*-===//
//
// `loom import` writes the RoPE scaling a checkpoint was trained with:
//  - config.json: "rope_scaling" (transformers 4) or "rope_parameters"
//    (transformers 5), read with transformers' defaults;
//  - GGUF: `<arch>.rope.scaling.*` keys (linear, yarn) and, for Llama 3.1,
//    the rope_freqs.weight table llama.cpp's converter writes instead of
//    keys, whose llama3 parameters are recovered from the table.
// A scaling type Loom does not model is an error naming it: a spec without
// it would compute other positions than the checkpoint was trained for.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOOLS_ROPESCALINGIMPORT_H
#define LOOM_TOOLS_ROPESCALINGIMPORT_H

#include "loom/Frontend/ArchSpec.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>

namespace loom {
namespace rt {
class GgufFile;
}

/// The scaling of one RoPE parameter object (a "rope_scaling" object, or a
/// transformers 5 "rope_parameters" object or one of its per-layer-type
/// objects); none for rope type "default". `config` is the whole config, for
/// the keys transformers falls back on (original_max_position_embeddings,
/// max_position_embeddings). `what` says which RoPE, for messages.
llvm::Expected<std::optional<RopeScalingSpec>> ropeScalingFromConfig(const llvm::json::Object &rope,
                                                                    const llvm::json::Object &config,
                                                                    const std::string &path, llvm::StringRef what);

/// The scaling a GGUF file of architecture `arch` asks for; `theta` and
/// `rotaryDims` are its RoPE's, needed to read a rope_freqs.weight table.
llvm::Expected<std::optional<RopeScalingSpec>> ropeScalingFromGguf(const rt::GgufFile &file, const std::string &arch,
                                                                  double theta, int64_t rotaryDims);

} // namespace loom

#endif // LOOM_TOOLS_ROPESCALINGIMPORT_H
