//===- ArchSpec.h - A resolved architecture, the frontend's output -------===//
//
// The parser and semantic analysis turn a `.loom` spec into an ArchSpec: every
// hyper-parameter evaluated, `extends` and per-layer overrides applied, so each
// layer carries the full description of its components and of its residual
// block. MLIRGen consumes only this structure, never the AST, which keeps the
// language free to grow without touching IR generation.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_FRONTEND_ARCHSPEC_H
#define LOOM_FRONTEND_ARCHSPEC_H

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace loom {

/// A position in a spec file; flows into MLIR `FileLineColLoc`s.
struct SourceLoc {
  std::string file;
  unsigned line = 0;
  unsigned column = 0;
};

enum class NormKind { RMSNorm, LayerNorm };

struct NormSpec {
  NormKind kind = NormKind::RMSNorm;
  double eps = 1e-6;
  /// Gemma-style `x * (1 + w)`: the stored weight is an offset from one.
  bool unitOffset = false;
  /// LayerNorm only: whether a bias is learned.
  bool bias = false;
  /// As an attention's qk_norm: one norm over all heads' q (or k) together,
  /// before the head split (OLMo 2), instead of one per head (Qwen3, Gemma 3).
  /// Only meaningful there; a block cannot call such a norm.
  bool allHeads = false;
  /// RMSNorm only: false for a norm without learned scale (Llama 4's L2 QK-norm).
  bool weight = true;
  SourceLoc loc;
};

enum class RopeStyle { Half, Interleaved };

/// How a checkpoint stretched RoPE beyond its pre-training context. Each kind
/// rescales the frequency of every rotated pair by a factor that depends only
/// on these numbers, so the result is a table known at compile time.
enum class RopeScalingKind {
  /// Every frequency divided by `factor` (positions / factor): Gemma 3's global layers.
  Linear,
  /// Llama 3.1: wavelengths shorter than original/high kept, longer than
  /// original/low divided by `factor`, a linear blend in 1/wavelength between.
  Llama3,
  /// YaRN: the same kind of blend over the pairs between beta_fast and
  /// beta_slow rotations in the original context, and cos and sin scaled by
  /// `attentionFactor`.
  Yarn,
};

struct RopeScalingSpec {
  RopeScalingKind kind = RopeScalingKind::Linear;
  double factor = 1.0;
  /// Llama3 and Yarn: the pre-training context the bands are measured in.
  int64_t originalContext = 0;
  /// Llama3 only.
  double lowFreqFactor = 1.0, highFreqFactor = 4.0;
  /// Yarn only. `truncate` rounds the blend's bounds to whole pairs
  /// (transformers' default; gpt-oss turns it off).
  double betaFast = 32.0, betaSlow = 1.0;
  double attentionFactor = 1.0;
  bool truncate = true;
  SourceLoc loc;
};

struct RopeSpec {
  double theta = 10000.0;
  RopeStyle style = RopeStyle::Half;
  /// Fraction of head_dim that is rotated (partial RoPE: GLM, MiniMax).
  double fraction = 1.0;
  /// Absent: the frequencies are theta^(-2j / rotated dims) as they are.
  std::optional<RopeScalingSpec> scaling;
  SourceLoc loc;
};

/// Multi-head latent attention (DeepSeek V2/V3): queries and keys/values through low-rank projections, and a
/// decoupled RoPE key shared by all heads. The cache holds kvLoraRank + ropeDim values per position.
struct MLASpec {
  /// Rank of the query's compression; 0: the query is a plain projection.
  int64_t qLoraRank = 0;
  int64_t kvLoraRank = 0;
  /// Per head: query/key dimensions without and with RoPE, and the value's.
  int64_t nopeDim = 0, ropeDim = 0, valueDim = 0;
  /// The norm of the compressed query and of the compressed key-value.
  NormSpec norm;
};

/// Which keys a query may see. Global is plain causal attention.
enum class MaskKind { Global, SlidingWindow, Chunked };

struct AttentionSpec {
  int64_t heads = 0;
  int64_t kvHeads = 0;
  int64_t headDim = 0;
  /// Norm on q and k before RoPE: per head (Qwen3, Gemma 3), or over the
  /// whole projection when `qkNorm->allHeads` (OLMo 2).
  std::optional<NormSpec> qkNorm;
  /// Absent means NoPE.
  std::optional<RopeSpec> rope;
  bool qkvBias = false;
  bool outBias = false;
  MaskKind mask = MaskKind::Global;
  /// Window (SlidingWindow) or chunk (Chunked) length in tokens; 0 for Global.
  int64_t window = 0;
  /// Softmax scale; 0 means 1/sqrt(head_dim).
  double scale = 0.0;
  /// Elements of a value head; 0 means head_dim (MiMo, MLA-style heads differ).
  int64_t valueDim = 0;
  /// The values are multiplied by this before they are cached (MiMo-V2-Flash's attention_value_scale); 1: none.
  double valueScale = 1.0;
  /// Scores s become softcap * tanh(s / softcap) (Gemma 2, Grok); 0: none.
  double softcap = 0.0;
  /// A learned logit per query head joins the softmax (gpt-oss).
  bool sinks = false;
  /// The output is multiplied by sigmoid(gate_proj(x)) per element before o_proj (Qwen3-Next, Arcee).
  bool outputGate = false;
  /// The QK-norm comes after RoPE rather than before it (Llama 4).
  bool qkNormAfterRope = false;
  /// Llama 4's temperature tuning on NoPE layers: the query at position p is scaled by
  /// 1 + temperatureScale * ln(1 + floor((p + 1) / temperatureFloor)); 0: none.
  double temperatureScale = 0.0;
  int64_t temperatureFloor = 0;
  /// Multi-head latent attention; then headDim is nopeDim + ropeDim and valueDim the value's.
  std::optional<MLASpec> mla;
  SourceLoc loc;

  int64_t valueHeadDim() const { return valueDim > 0 ? valueDim : headDim; }
};

enum class FFNKind { SwiGLU, GeGLU, GeluMLP };

/// How a router chooses its experts (loom.route's flavours).
enum class RoutingKind { SoftmaxTopK, TopKSoftmax, SigmoidTopK, TopKSigmoid };
/// The gated activation inside each expert.
enum class ExpertActivationKind { SwiGLU, GeGLU, SwiGLUOai };

/// A mixture of experts: `MoE(experts = E, top_k = k, hidden = I, ...)`.
struct MoESpec {
  int64_t experts = 0;
  int64_t topK = 0;
  RoutingKind routing = RoutingKind::SoftmaxTopK;
  bool normalize = false;
  double scale = 1.0;
  int64_t groups = 1, groupTopK = 1;
  bool selectionBias = false;
  bool routerBias = false;
  /// The router's logits become cap * tanh(logits / cap) before routing (Grok); 0: not capped.
  double routerSoftcap = 0;
  ExpertActivationKind activation = ExpertActivationKind::SwiGLU;
  double alpha = 1.702, limit = 7.0;
  /// The routing weight scales each expert's input rather than its output (Llama 4).
  bool weightInput = false;
  /// Width of the always-on shared expert; 0: none.
  int64_t sharedHidden = 0;
  /// The shared expert's output is scaled per token by sigmoid(shared_gate x), a [1, d] projection (Qwen3-Next).
  bool sharedGate = false;
};

/// A feed-forward component: a dense MLP, or a mixture of experts when `moe` is set (then `hidden` and
/// `bias` describe each expert).
struct FFNSpec {
  FFNKind kind = FFNKind::SwiGLU;
  int64_t hidden = 0;
  bool bias = false;
  std::optional<MoESpec> moe;
  SourceLoc loc;
};

/// Gated DeltaNet (Qwen3-Next's linear attention): a token mixer whose cache is a fixed-size state. Its weights
/// are laid out as Qwen3-Next's: in_proj_qkvz holds per key head its q, k, then its value heads' v and z rows;
/// in_proj_ba per key head its value heads' b, then a rows.
struct DeltaNetSpec {
  int64_t kHeads = 0, vHeads = 0, kHeadDim = 0, vHeadDim = 0;
  /// Taps of the causal depthwise convolution over [q | k | v].
  int64_t convKernel = 4;
  /// The gated RMSNorm of each value head's output.
  NormSpec norm;
  SourceLoc loc;

  int64_t convChannels() const { return 2 * kHeads * kHeadDim + vHeads * vHeadDim; }
};

/// A named component instance of one layer. Each name owns one set of weights
/// per layer (`layers.<i>.<name>.<param>`); calling it twice shares them.
struct Component {
  std::string name;
  std::variant<NormSpec, AttentionSpec, FFNSpec, DeltaNetSpec> spec;
  SourceLoc loc;

  bool isNorm() const { return std::holds_alternative<NormSpec>(spec); }
  bool isAttention() const { return std::holds_alternative<AttentionSpec>(spec); }
  bool isFFN() const { return std::holds_alternative<FFNSpec>(spec); }
};

/// An expression of the residual block: `x`, a local, `a + b`, or `comp(e)`.
struct BlockExpr {
  enum class Kind { Var, Add, Call };
  Kind kind = Kind::Var;
  std::string name;                          // Var: variable; Call: component
  std::vector<std::unique_ptr<BlockExpr>> operands; // Add: 2; Call: 1
  SourceLoc loc;
};

/// `target = value`. The block reads `x` (the residual stream) and its final
/// assignment to `x` is the layer's output.
struct BlockStmt {
  std::string target;
  std::unique_ptr<BlockExpr> value;
  SourceLoc loc;
};

struct LayerSpec {
  int64_t index = 0;
  std::vector<Component> components; // only those the block uses, in first-use order
  /// Shared by layers with the same block text; never null after sema.
  std::shared_ptr<const std::vector<BlockStmt>> block;

  const Component *find(const std::string &name) const {
    for (const Component &c : components)
      if (c.name == name)
        return &c;
    return nullptr;
  }
};

/// Absolute position information added to the token embeddings.
enum class PositionKind {
  None,    ///< Positions enter through the attention (RoPE) or not at all (NoPE).
  Learned, ///< A learned table [max_context, d_model] (GPT-2): `position_embedding.weight`.
};

struct ArchSpec {
  std::string name;
  std::string file;
  SourceLoc loc;
  int64_t vocab = 0;
  int64_t dModel = 0;
  int64_t nLayers = 0;
  int64_t maxContext = 0;
  bool tieEmbeddings = false;
  /// Multiplier on token embeddings (Gemma: sqrt(d_model)); 1 otherwise.
  double embeddingScale = 1.0;
  /// The logits become logitSoftcap * tanh(logitScale * l / logitSoftcap) (Grok: 0.5 and 50; Gemma 2's
  /// soft-cap alone); 1 and 0 (no cap) otherwise.
  double logitScale = 1.0;
  double logitSoftcap = 0.0;
  PositionKind positions = PositionKind::None;
  NormSpec finalNorm;
  std::vector<LayerSpec> layers; // size nLayers
};

} // namespace loom

#endif // LOOM_FRONTEND_ARCHSPEC_H
