//===- Family.h - A model family declared in one place ----------*- C++ -*-===//
//
// What Loom needs to know about a model family is data: how its config.json
// and GGUF metadata spell the hyper-parameters, which of their values change
// the computation in ways a spec cannot say, the spec those values fill in,
// and what transformers and llama.cpp call each tensor (with the transform a
// tensor needs at load time). A Family holds all of it, so adding a family
// is one file in families/ plus its line in Families.cpp; `loom import`
// (tools/loom/FamilyImport.cpp) and the checkpoint loaders (Checkpoint.cpp)
// read the same entry. Families written before this (llama, qwen, gemma)
// still use the older tables of HfNames.cpp and GgufNames.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_FAMILY_H
#define LOOM_RUNTIME_FAMILY_H

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace loom::rt {

/// How a checkpoint tensor becomes the manifest weight.
enum class TensorTransform {
  None,
  /// The file stores [in, out] (transformers' Conv1D, GPT-2): the weight is its transpose. A fused tensor's
  /// parts are then runs of its columns.
  Transpose,
};

/// One weight: the manifest name, and its names in transformers and GGUF files. Per-layer names are the
/// part after "layers.<i>.", "<hfRoot><hfLayers><i>." and "blk.<i>.". An empty name: that convention has
/// no such tensor.
struct FamilyTensor {
  std::string_view loom, hf, gguf;
  TensorTransform hfTransform = TensorTransform::None;
};

enum class KeyKind { Integer, Real, Boolean };

/// A hyper-parameter: `spec` is the placeholder in the spec template and the key the spec defines, `hf` the
/// config.json key, `gguf` the metadata key after "<architecture>.". `fallback` (DSL text) stands in when
/// the key is absent or null; without one the key is required. A config key "" is not in config.json (the
/// fallback applies). A GGUF key "" is not in the metadata:
/// `vocab` then comes from the tokenizer or the embedding, `tie_embeddings` from whether there is an
/// output matrix.
struct FamilyKey {
  std::string_view spec, hf, gguf;
  KeyKind kind;
  std::string_view fallback = {};
};

/// A config.json key whose value changes the computation: accepted when absent or one of `accepted`
/// (JSON texts separated by spaces); any other value is an import error naming the key.
struct FamilyFixedKey {
  std::string_view hf;
  std::string_view accepted;
  std::string_view why; ///< What another value would ask for, for the message.
};

struct Family {
  /// transformers' model_type and llama.cpp's general.architecture.
  std::string_view name;
  /// transformers names are "<hfRoot><name>", global, or "<hfRoot><hfLayers><i>.<name>"; checkpoints saved
  /// from the bare base model (GPT-2's own on the Hub) have no root.
  std::string_view hfRoot, hfLayers;
  std::span<const FamilyTensor> globals, layers;
  /// Per-layer tensors that are not weights (GPT-2's causal-mask buffers): ignored when present.
  std::span<const std::string_view> hfBuffers;
  std::span<const FamilyKey> keys;
  std::span<const FamilyFixedKey> fixedKeys;
  /// Further config.json keys that do not change the computation (dropouts, heads of other model classes).
  /// Any config key neither here, nor among keys and fixedKeys, nor PreTrainedConfig's own bookkeeping
  /// (tools/loom/ImportKeys.h) is an import error: its effect is unknown.
  std::span<const std::string_view> hfHarmless;
  /// The spec, with "{key}" for each key's value and "{name}" for the architecture's name.
  std::string_view specTemplate;
};

/// The family of this model_type / general.architecture, or null.
const Family *findFamily(std::string_view name);

/// The family whose transformers names `names` are: one of them is its token embedding. Null for none.
const Family *detectHfFamily(const std::vector<std::string_view> &names);

/// The manifest name of a tensor of `family`'s transformers checkpoints, and its transform; `buffer` is
/// set (and false returned) for a buffer that is not a weight. False for a name outside the family.
bool familyHfToLoom(const Family &family, std::string_view hf, std::string &loom, TensorTransform &transform,
                    bool &buffer);
/// The rooted transformers name of a manifest weight, for messages.
bool familyLoomToHf(const Family &family, std::string_view loom, std::string &hf);
bool familyGgufToLoom(const Family &family, std::string_view gguf, std::string &loom);
bool familyLoomToGguf(const Family &family, std::string_view loom, std::string &gguf);

} // namespace loom::rt

#endif // LOOM_RUNTIME_FAMILY_H
