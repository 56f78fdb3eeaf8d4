//===- Family.h - A model family declared in one place ----------*- C++ -*-===//
//
// What Loom needs to know about a model family is data, one file per family
// in families/ plus its line in Families.cpp: the names it goes by (a
// config.json's model_type, a GGUF file's general.architecture), the config
// and GGUF keys its import reads or may pass over (configKeys, ggufKeys; the
// keys every family shares are tools/loom/ImportKeys.h's), and either
//
//   - the structure of a decoder that neither file states (DecoderShape:
//     where the norms sit, what the QK-norm normalises over, which layers go
//     without RoPE or use a window, how llama.cpp laid out the Q/K rows), from
//     which `loom import` (tools/loom/Importer.cpp) writes the spec, the
//     tensors then being named by the decoder layout every such family shares
//     (HfNames.cpp, GgufNames.cpp) but for those the family declares itself
//     (ownLayerTensors: gpt-oss's router, sinks and x @ W experts); or
//   - for a family that layout does not fit (GPT-2), everything itself: how
//     its files spell the hyper-parameters, which of their values change the
//     computation in ways a spec cannot say, the spec those values fill in
//     (tools/loom/FamilyImport.cpp), and what transformers and llama.cpp call
//     each tensor, with the transform it needs at load time.
//
// The checkpoint loaders (Checkpoint.cpp) read the same entry. Header-only
// data and free of LLVM, so that the runtime can use it.
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
  /// The file stores [in, out] (transformers' Conv1D, GPT-2), or stacked experts as [E, in, out] (x @ W, gpt-oss):
  /// the weight is its transpose, expert by expert. A fused tensor's parts are then runs of its columns.
  Transpose,
};

/// One weight: the manifest name, and its names in transformers and GGUF files. Per-layer names are the
/// part after "layers.<i>.", "<hfRoot><hfLayers><i>." and "blk.<i>.". An empty name: that convention has
/// no such tensor.
struct FamilyTensor {
  std::string_view loom, hf, gguf;
  TensorTransform hfTransform = TensorTransform::None;
  /// A fused tensor (FusedWeights.h) whose parts alternate rather than follow each other: of n equal parts,
  /// part k is every n-th row (column, if transposed) from row k. gpt-oss interleaves gate and up this way.
  bool hfInterleaved = false;
};

/// Where a layer's norms sit; the spec's component names follow (docs/runtime.md, tensor names).
enum class BlockStyle {
  /// x += attention(attn_norm(x)); x += ffn(ffn_norm(x)): Llama, Qwen, Mistral, SmolLM3.
  PreNorm,
  /// x += post_attn_norm(attention(x)); x += post_ffn_norm(ffn(x)): OLMo 2/3, EXAONE 4.
  PostNorm,
  /// Both: Gemma 2/3.
  Sandwich,
};

enum class QkNorm {
  None,
  /// One RMSNorm per head over head_dim (Qwen3, Gemma 3, EXAONE 4).
  PerHead,
  /// One RMSNorm over the whole q (and k) projection, before the head split (OLMo 2/3).
  AllHeads,
};

/// Which layers attend without RoPE.
enum class NoPE {
  None,
  /// SmolLM3: the config's no_rope_layers (1 = RoPE), else every no_rope_layer_interval-th layer (4).
  EveryNth,
  /// EXAONE 4: the global (full-attention) layers, when the model has sliding-window layers at all.
  GlobalLayers,
};

/// Which layers use a sliding window.
enum class Sliding {
  None,
  /// Mistral: every layer, when sliding_window is set.
  AllLayers,
  /// Per layer from layer_types (or the family's pattern key): Gemma 3, Olmo 3, EXAONE 4, SmolLM3.
  LayerTypes,
};

/// Which mixture of experts a decoder family's sparse layers use (docs/moe-mla-reference.md).
enum class Experts {
  None,
  /// Qwen3-MoE: num_experts, num_experts_per_tok, moe_intermediate_size, norm_topk_prob; softmax then top-k;
  /// layer i is sparse unless listed in mlp_only_layers or (i + 1) % decoder_sparse_step != 0. GGUF:
  /// expert_count, expert_used_count, expert_feed_forward_length (llama.cpp renormalises always).
  Qwen,
  /// DeepSeek V3 (and Kimi K2, GLM-4.5): n_routed_experts, num_experts_per_tok, moe_intermediate_size; sigmoid
  /// scores with e_score_correction_bias for the choice, n_group/topk_group limiting it, norm_topk_prob and
  /// routed_scaling_factor on the weights; n_shared_experts always-on experts; the first first_k_dense_replace
  /// layers dense.
  DeepSeek,
  /// gpt-oss: num_local_experts experts of width intermediate_size in every layer, the num_experts_per_tok
  /// largest logits of a router with bias weighted by a softmax over them; each expert a clamped SwiGLU
  /// (swiglu_alpha, swiglu_limit) with biases.
  GptOss,
  /// MiniMax-M2: num_local_experts experts of width intermediate_size in every layer, the num_experts_per_tok best
  /// sigmoid scores plus e_score_correction_bias chosen, their plain scores renormalised; no groups, no scale, no
  /// shared expert.
  MiniMax,
  /// Llama 4: num_local_experts experts of width intermediate_size in the moe_layers (else every
  /// interleave_moe_layer_step-th layer), the num_experts_per_tok largest router logits chosen, each one's sigmoid
  /// scaling the expert's input; a shared expert as wide; the other layers dense of intermediate_size_mlp.
  Llama4,
  /// AFMoE (Arcee Trinity): num_experts experts of width moe_intermediate_size after num_dense_layers dense layers,
  /// the num_experts_per_tok best sigmoid scores plus expert_bias chosen, their plain scores renormalised and
  /// multiplied by route_scale; num_shared_experts always-on experts, one SwiGLU of their summed width.
  Afmoe,
};

/// A config.json key's value when the config leaves it out: what the family's transformers config class defaults
/// to.
struct ConfigDefault {
  std::string_view key;
  double value;
};

/// What a decoder family's files do not state and `loom import` must know to write its spec.
struct DecoderShape {
  BlockStyle block = BlockStyle::PreNorm;
  QkNorm qkNorm = QkNorm::None;
  NoPE nope = NoPE::None;
  Sliding sliding = Sliding::None;
  /// llama.cpp's converter permutes Q/K rows for ggml's adjacent-pair RoPE (its "normal" rope type).
  bool ggufInterleaved = false;
  /// Gemma: GeGLU, embeddings scaled by sqrt(d_model), transformers' RMSNorm scales stored as w in (1 + w),
  /// query_pre_attn_scalar, a RoPE base of its own for the sliding-window layers.
  bool gemma = false;
  /// Whether the checkpoint ties the LM head to the embedding when the config does not say.
  bool tiedByDefault = false;
  /// Q and K biases (Qwen2 has them whatever attention_bias says).
  bool qkvBiasAlways = false;
  /// A learned logit per head that joins the attention softmax (gpt-oss's sinks).
  bool attentionSinks = false;
  /// With Sliding::LayerTypes and no layer_types (nor pattern key) in the config: every globalEvery-th layer
  /// attends globally, the others through the window, as transformers fills in layer_types.
  int globalEvery = 4;
  /// RoPE parameters per layer type (transformers' rope_parameters["full_attention"] and
  /// ["sliding_attention"]): a config's plain rope_scaling stretches the full-attention layers only.
  bool ropePerLayerType = false;
  Experts experts = Experts::None;
  /// Multi-head latent attention (DeepSeek V2/V3): q_lora_rank, kv_lora_rank, qk_nope_head_dim,
  /// qk_rope_head_dim, v_head_dim; YaRN's mscale_all_dim scales the softmax (by mscale squared).
  bool latentAttention = false;
  /// Every RMSNorm (QK-norms and the final norm included) scales by 1 + w, transformers storing w (Qwen3-Next).
  bool zeroCentredNorms = false;
  /// The attention output is multiplied by the sigmoid of a gate that the query projection also gives
  /// (Qwen3-Next: each head's query rows, then its gate rows).
  bool gatedAttention = false;
  /// A shared expert of shared_expert_intermediate_size next to the routed ones, its output scaled per token
  /// by sigmoid(shared_expert_gate x) (Qwen3-Next).
  bool sharedExpertGate = false;
  /// layer_types (else every full_attention_interval-th layer attends, the others not) marks linear-attention
  /// layers (Qwen3-Next's Gated DeltaNet, sized by the linear_* keys), whose mixer replaces `attention`.
  bool linearAttentionLayers = false;
  /// The rotary fraction when the config gives no partial_rotary_factor (Qwen3-Next's 0.25).
  double defaultRopeFraction = 1.0;
  /// transformers' checkpoints rotate adjacent pairs of the Q/K rows (Llama 4 multiplies complex numbers): the
  /// spec from a config says `style = interleaved`, and such a checkpoint's rows load as they are.
  bool hfInterleavedRope = false;
  /// The RoPE base when the config gives none (transformers' default_theta); Gemma's is its own (Importer.cpp).
  double defaultRopeTheta = 10000;
  /// The config's use_qk_norm turns qkNorm on (GLM-4.5 has it, GLM-4.5-Air not); otherwise it is always there.
  bool qkNormSwitched = false;
  /// attention_bias gives q, k and v biases but o_proj none (GLM-4.5).
  bool attentionBiasWithoutOutput = false;
  /// With Experts::DeepSeek: the experts are the top k of a softmax over all router logits (DeepSeek V2's
  /// routing, Mistral 4), not of biased sigmoid scores; n_group must be 1.
  bool softmaxExpertScores = false;
  /// MiMo-V2-Flash: the sliding-window layers have KV heads (and sinks) of their own, value heads narrower than
  /// key heads, scaled by attention_value_scale; which layers are sparse comes from mlp_layer_types. Its released
  /// config spells much of this otherwise than transformers' (hybrid_layer_pattern, swa_*; Importer.cpp).
  bool mimo = false;
  /// The config class's defaults, for keys a released config may leave out (Gemma 3's multimodal releases give
  /// only what differs from Gemma3TextConfig's). They take precedence over the importer's generic fallbacks.
  std::span<const ConfigDefault> configDefaults = {};
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

/// What `loom import` makes of a config.json key or a GGUF metadata key (tools/loom/ImportKeys.h holds the keys
/// every family shares, and the checks): it must not drop anything that changes the computation.
enum class KeyUse {
  /// Read into the spec (or refused at values the spec cannot express).
  Modelled,
  /// Changes nothing the spec describes: provenance, training settings, what transformers ignores.
  Harmless,
  /// Harmless at its off value (null, false, 0, "", an empty list or object); otherwise `what`, which the
  /// import refuses.
  NeutralOnly,
};

struct KeyRule {
  std::string_view name;
  KeyUse use;
  std::string_view what = {};
  /// Matches every key that starts with `name`.
  bool prefix = false;
  /// Why `what` is an error; "Loom does not model" when empty.
  std::string_view why = {};
};

struct Family {
  /// transformers' model_type and llama.cpp's general.architecture; empty where Loom imports no such file.
  std::string_view configType = {}, ggufArch = {};
  /// For a decoder family: its structure. The fields below stay empty.
  DecoderShape decoder = {};

  // A family that declares its own tensors, keys and spec.
  /// transformers names are "<hfRoot><name>", global, or "<hfRoot><hfLayers><i>.<name>"; checkpoints saved
  /// from the bare base model (GPT-2's own on the Hub) have no root.
  std::string_view hfRoot = {}, hfLayers = {};
  std::span<const FamilyTensor> globals = {}, layers = {};
  /// Per-layer tensors that are not weights (GPT-2's causal-mask buffers): ignored when present.
  std::span<const std::string_view> hfBuffers = {};
  std::span<const FamilyKey> keys = {};
  std::span<const FamilyFixedKey> fixedKeys = {};
  /// Further config.json keys that do not change the computation (dropouts, heads of other model classes).
  /// Any config key neither here, nor among keys and fixedKeys, nor PreTrainedConfig's own bookkeeping
  /// (tools/loom/ImportKeys.h) is an import error: its effect is unknown.
  std::span<const std::string_view> hfHarmless = {};
  /// The spec, with "{key}" for each key's value and "{name}" for the architecture's name.
  std::string_view specTemplate = {};

  /// For a decoder family: the per-layer tensors its transformers checkpoints store otherwise than the shared
  /// decoder layout (HfNames.cpp) has them, each with its transform (gpt-oss's router, sinks and experts,
  /// stacked in x @ W form with gate and up interleaved). They take precedence over the shared layout; a
  /// checkpoint holding one that the shared layout does not know is of this family (detectHfDecoderFamily). A GGUF
  /// name declares how llama.cpp's files name the tensor where GgufNames.cpp's table does not fit (gpt-oss's sinks
  /// and its pre-FFN norm); an entry may have only that name. A "*" in both the transformers and the manifest
  /// name stands for an expert's index: one tensor per expert, which the loader stacks (MiniMax-M2's w1, w2, w3).
  std::span<const FamilyTensor> ownLayerTensors = {};

  /// For a decoder family: the config.json keys (configKeys) and GGUF metadata keys after "<architecture>."
  /// (ggufKeys) its import reads or knows to be harmless, beyond those every family shares (ImportKeys.h), in
  /// tables a family may share with another (several families read DeepSeek V3's keys). The first rule
  /// naming a key decides; a family's own come before the shared ones. Any other key is an import error.
  std::span<const std::span<const KeyRule>> configKeys = {}, ggufKeys = {};
  /// layer_types may give layers other kinds than full attention: the import reads it (else only
  /// "full_attention" is accepted).
  bool readsLayerTypes = false;
  /// The config's RoPE object holds a partial_rotary_factor that the import reads (Qwen3-Next, GLM-4.5 and
  /// MiniMax-M2 in transformers 5; Mistral 4's latent RoPE share); perLayerType: in each per-layer-type object
  /// (MiMo-V2-Flash). Elsewhere one other than 1 there is an error.
  bool ropeObjectHoldsRotaryFraction = false, perLayerTypeRopeHoldsRotaryFraction = false;

  /// Whether the family names its tensors itself rather than by the shared decoder layout.
  bool declaresTensors() const { return !layers.empty(); }
  /// Whether `loom import` fills specTemplate rather than writing a decoder's spec.
  bool declaresSpec() const { return !specTemplate.empty(); }
  /// The name messages use: the model_type, else the GGUF architecture.
  std::string_view displayName() const { return configType.empty() ? ggufArch : configType; }
};

/// The family of a config.json's model_type, or null.
const Family *familyOfConfig(std::string_view modelType);
/// The family of a GGUF file's general.architecture, or null.
const Family *familyOfGguf(std::string_view arch);
/// "a, b and c": the model_types (or, with `gguf`, the GGUF architectures) Loom imports, for messages.
std::string supportedFamilies(bool gguf);

/// The family declaring its tensors whose transformers names `names` are: one of them is its token
/// embedding. Null for none.
const Family *detectHfFamily(const std::vector<std::string_view> &names);

/// The manifest name of a tensor of `family`'s transformers checkpoints, and its transform; `buffer` is
/// set (and false returned) for a buffer that is not a weight. False for a name outside the family.
bool familyHfToLoom(const Family &family, std::string_view hf, std::string &loom, TensorTransform &transform,
                    bool &buffer);
/// The rooted transformers name of a manifest weight, for messages.
bool familyLoomToHf(const Family &family, std::string_view loom, std::string &hf);

/// The decoder family (ownLayerTensors) whose transformers checkpoint holds the tensors `names`: one of them is
/// "model.layers.<i>.<name>" for one of its own tensors, a name the shared layout does not know. Null for none.
const Family *detectHfDecoderFamily(const std::vector<std::string_view> &names);
/// One of a decoder family's own tensors, "model.layers.<i>.<hf>": its declaration, and its manifest name in
/// `loom`. Null for another name.
const FamilyTensor *familyOwnHfToLoom(const Family &family, std::string_view hf, std::string &loom);
/// The inverse, for messages: the transformers name of a manifest weight that is one of the family's own.
bool familyOwnLoomToHf(const Family &family, std::string_view loom, std::string &hf);
/// One of a decoder family's own tensors in a GGUF file, "blk.<i>.<gguf>" (gpt-oss's attn_sinks): its manifest
/// name. False for another name; the shared table (GgufNames.cpp) names the rest.
bool familyOwnGgufToLoom(const Family &family, std::string_view gguf, std::string &loom);
/// The inverse, for messages.
bool familyOwnLoomToGguf(const Family &family, std::string_view loom, std::string &gguf);
bool familyGgufToLoom(const Family &family, std::string_view gguf, std::string &loom);
bool familyLoomToGguf(const Family &family, std::string_view loom, std::string &gguf);

} // namespace loom::rt

#endif // LOOM_RUNTIME_FAMILY_H
