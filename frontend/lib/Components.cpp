//===- Components.cpp - Component constructors and their checks ----------===//
#include "Components.h"

#include "Diagnostics.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace llvm;

namespace loom::frontend {

//===----------------------------------------------------------------------===//
// The constructor table
//===----------------------------------------------------------------------===//

static constexpr StringRef kRopeStyles[] = {"half", "interleaved"};
static constexpr StringRef kMasks[] = {"global", "sliding_window", "chunked"};
// What a qk_norm normalizes over: each head's head_dim values, or all heads at once.
static constexpr StringRef kNormScopes[] = {"head", "all_heads"};
/// Values of the `positions` key besides `none` (Sema.cpp).
static constexpr StringRef kPositionKinds[] = {"learned"};

static const ParamInfo kRMSNormParams[] = {
    {"eps", ParamType::Number, false, {}},
    {"unit_offset", ParamType::Bool, false, {}},
    {"over", ParamType::Enum, false, kNormScopes},
    {"weight", ParamType::Bool, false, {}},
};
static const ParamInfo kLayerNormParams[] = {
    {"eps", ParamType::Number, false, {}},
    {"bias", ParamType::Bool, false, {}},
};
static const ParamInfo kRopeParams[] = {
    {"theta", ParamType::Number, false, {}},
    {"style", ParamType::Enum, false, kRopeStyles},
    {"fraction", ParamType::Number, false, {}},
    {"scaling", ParamType::RopeScaling, false, {}},
};
// RoPE scalings: the names and defaults of transformers' rope_parameters, with
// original_max_position_embeddings shortened to original_context.
static const ParamInfo kLinearScalingParams[] = {
    {"factor", ParamType::Number, true, {}},
};
static const ParamInfo kLlama3ScalingParams[] = {
    {"factor", ParamType::Number, true, {}},
    {"low_freq_factor", ParamType::Number, true, {}},
    {"high_freq_factor", ParamType::Number, true, {}},
    {"original_context", ParamType::Int, true, {}},
};
static const ParamInfo kYarnScalingParams[] = {
    {"factor", ParamType::Number, true, {}},
    {"original_context", ParamType::Int, true, {}},
    {"beta_fast", ParamType::Number, false, {}},
    {"beta_slow", ParamType::Number, false, {}},
    {"attention_factor", ParamType::Number, false, {}},
    {"truncate", ParamType::Bool, false, {}},
};
// The parameters shared by every attention kind; GQA adds kv_heads.
#define LOOM_ATTENTION_PARAMS                                                                                  \
  {"heads", ParamType::Int, true, {}}, {"head_dim", ParamType::Int, true, {}},                                \
      {"qk_norm", ParamType::Norm, false, {}}, {"rope", ParamType::Rope, true, {}},                           \
      {"qkv_bias", ParamType::Bool, false, {}}, {"out_bias", ParamType::Bool, false, {}},                     \
      {"mask", ParamType::Enum, false, kMasks}, {"window", ParamType::Int, false, {}},                        \
      {"scale", ParamType::Number, false, {}}, {"value_dim", ParamType::Int, false, {}},                       \
      {"value_scale", ParamType::Number, false, {}},                                                          \
      {"softcap", ParamType::Number, false, {}}, {"sinks", ParamType::Bool, false, {}},                       \
      {"output_gate", ParamType::Bool, false, {}}, {"qk_norm_after_rope", ParamType::Bool, false, {}},             \
      {"temperature_scale", ParamType::Number, false, {}}, {"temperature_floor", ParamType::Int, false, {}}
static const ParamInfo kGQAParams[] = {{"kv_heads", ParamType::Int, true, {}}, LOOM_ATTENTION_PARAMS};
static const ParamInfo kAttentionParams[] = {LOOM_ATTENTION_PARAMS};
static const ParamInfo kMLAParams[] = {
    {"heads", ParamType::Int, true, {}},
    {"q_lora_rank", ParamType::Int, false, {}},
    {"kv_lora_rank", ParamType::Int, true, {}},
    {"nope_dim", ParamType::Int, true, {}},
    {"rope_dim", ParamType::Int, true, {}},
    {"value_dim", ParamType::Int, true, {}},
    {"rope", ParamType::Rope, true, {}},
    {"norm", ParamType::Norm, false, {}},
    {"scale", ParamType::Number, false, {}},
};
#undef LOOM_ATTENTION_PARAMS
static const ParamInfo kFFNParams[] = {
    {"hidden", ParamType::Int, true, {}},
    {"bias", ParamType::Bool, false, {}},
};

static constexpr StringRef kRoutings[] = {"softmax_topk", "topk_softmax", "sigmoid_topk", "topk_sigmoid"};
// The experts' gate activation: SwiGLU (silu), GeGLU (gelu_tanh) or gpt-oss's clamped SwiGLU. Not "swiglu" and
// "geglu": enumerators are reserved names, and those are natural names for components.
static constexpr StringRef kExpertActivations[] = {"silu", "gelu_tanh", "swiglu_oai"};
static const ParamInfo kMoEParams[] = {
    {"experts", ParamType::Int, true, {}},
    {"top_k", ParamType::Int, true, {}},
    {"hidden", ParamType::Int, true, {}},
    {"routing", ParamType::Enum, false, kRoutings},
    {"normalize", ParamType::Bool, false, {}},
    {"scale", ParamType::Number, false, {}},
    {"groups", ParamType::Int, false, {}},
    {"group_top_k", ParamType::Int, false, {}},
    {"selection_bias", ParamType::Bool, false, {}},
    {"router_bias", ParamType::Bool, false, {}},
    {"router_softcap", ParamType::Number, false, {}},
    {"activation", ParamType::Enum, false, kExpertActivations},
    {"alpha", ParamType::Number, false, {}},
    {"limit", ParamType::Number, false, {}},
    {"bias", ParamType::Bool, false, {}},
    {"shared_hidden", ParamType::Int, false, {}},
    {"shared_gate", ParamType::Bool, false, {}},
    {"weight_input", ParamType::Bool, false, {}},
};

static const ParamInfo kGatedDeltaNetParams[] = {
    {"k_heads", ParamType::Int, true, {}},
    {"v_heads", ParamType::Int, true, {}},
    {"k_head_dim", ParamType::Int, true, {}},
    {"v_head_dim", ParamType::Int, true, {}},
    {"conv", ParamType::Int, false, {}},
    {"norm", ParamType::Norm, true, {}},
};

static const ConstructorInfo kConstructors[] = {
    {"RMSNorm", Constructor::RMSNorm, ComponentFamily::Norm, kRMSNormParams},
    {"LayerNorm", Constructor::LayerNorm, ComponentFamily::Norm, kLayerNormParams},
    {"RoPE", Constructor::RoPE, ComponentFamily::Rope, kRopeParams},
    {"linear", Constructor::Linear, ComponentFamily::RopeScaling, kLinearScalingParams},
    {"llama3", Constructor::Llama3, ComponentFamily::RopeScaling, kLlama3ScalingParams},
    {"yarn", Constructor::Yarn, ComponentFamily::RopeScaling, kYarnScalingParams},
    {"GQA", Constructor::GQA, ComponentFamily::Attention, kGQAParams},
    {"MHA", Constructor::MHA, ComponentFamily::Attention, kAttentionParams},
    {"MQA", Constructor::MQA, ComponentFamily::Attention, kAttentionParams},
    {"MLA", Constructor::MLA, ComponentFamily::Attention, kMLAParams},
    {"SwiGLU", Constructor::SwiGLU, ComponentFamily::FFN, kFFNParams},
    {"GeGLU", Constructor::GeGLU, ComponentFamily::FFN, kFFNParams},
    {"GeluMLP", Constructor::GeluMLP, ComponentFamily::FFN, kFFNParams},
    {"MoE", Constructor::MoE, ComponentFamily::FFN, kMoEParams},
    {"GatedDeltaNet", Constructor::GatedDeltaNet, ComponentFamily::LinearAttention, kGatedDeltaNetParams},
};

const ParamInfo *ConstructorInfo::findParam(StringRef param) const {
  for (const ParamInfo &info : params)
    if (info.name == param)
      return &info;
  return nullptr;
}

ArrayRef<ConstructorInfo> constructors() { return kConstructors; }

const ConstructorInfo *lookupConstructor(StringRef name) {
  for (const ConstructorInfo &info : kConstructors)
    if (info.name == name)
      return &info;
  return nullptr;
}

bool isEnumerator(StringRef name) {
  return name == "none" || is_contained(kRopeStyles, name) || is_contained(kMasks, name) ||
         is_contained(kNormScopes, name) || is_contained(kPositionKinds, name) || is_contained(kRoutings, name) ||
         is_contained(kExpertActivations, name);
}

//===----------------------------------------------------------------------===//
// Validation
//===----------------------------------------------------------------------===//

namespace {

/// Validates one component. Accessors report a problem with the argument
/// they read and return the default (or nothing) so that validation goes on
/// and reports every problem of the component at once.
class SpecBuilder {
public:
  SpecBuilder(ComponentValue &component, DiagnosticEmitter &diags)
      : component(component), ctor(*component.ctor), diags(diags) {}

  bool build();

private:
  void fail(SMLoc loc, const Twine &message, ArrayRef<SMRange> ranges = {}) {
    diags.error(loc, message, ranges);
    ok = false;
  }
  void failAt(const ComponentArg &arg, const Twine &message) {
    fail(arg.valueRange.Start, message, arg.valueRange);
  }
  /// "<ctor> argument '<name>'", the subject of most messages.
  std::string subject(StringRef param) const { return (ctor.name + " argument '" + param + "'").str(); }

  bool checkType(const ComponentArg &arg, const ParamInfo &param);
  /// The argument for `param` if it was given with the right type.
  const ComponentArg *valid(StringRef param) const {
    const ComponentArg *arg = component.findArg(param);
    return arg && !is_contained(mistyped, param) ? arg : nullptr;
  }
  /// A positive integer of at most kMaxDimension, or nothing if absent or
  /// invalid.
  std::optional<int64_t> dimension(StringRef param);
  /// A number that must be positive; `fallback` if absent.
  double positiveNumber(StringRef param, double fallback);
  bool boolean(StringRef param, bool fallback);
  StringRef enumerator(StringRef param, StringRef fallback);

  NormSpec buildNorm();
  RopeSpec buildRope();
  RopeScalingSpec buildRopeScaling();
  AttentionSpec buildAttention();
  AttentionSpec buildMLA();
  FFNSpec buildFFN();
  MoESpec buildMoE();
  DeltaNetSpec buildDeltaNet();
  /// Checks the parts of the RoPE that depend on head_dim.
  void checkRotatedDims(const ComponentArg &ropeArg, const RopeSpec &rope, const ComponentArg &headDimArg,
                        int64_t headDim);

  ComponentValue &component;
  const ConstructorInfo &ctor;
  DiagnosticEmitter &diags;
  /// Arguments whose type check failed; range checks skip them.
  SmallVector<StringRef, 2> mistyped;
  bool ok = true;
};

} // namespace

bool SpecBuilder::checkType(const ComponentArg &arg, const ParamInfo &param) {
  const Value &value = arg.value;
  auto familyOf = [&](const Value &v) { return v.getComponent().ctor->family; };
  switch (param.type) {
  case ParamType::Int:
    if (value.isNumber() && value.toExactInt())
      return true;
    failAt(arg, subject(param.name) + " must be an integer, got " + value.describe());
    return false;
  case ParamType::Number:
    if (value.isNumber())
      return true;
    failAt(arg, subject(param.name) + " must be a number, got " + value.describe());
    return false;
  case ParamType::Bool:
    if (value.is(Value::Kind::Bool))
      return true;
    failAt(arg, subject(param.name) + " must be true or false, got " + value.describe());
    return false;
  case ParamType::Enum:
    if (value.is(Value::Kind::Symbol) && is_contained(param.enumerators, value.getSymbol()))
      return true;
    failAt(arg, subject(param.name) + " must be one of " + join(param.enumerators, ", ") + "; got " +
                    value.describe());
    return false;
  case ParamType::Norm:
    if (value.is(Value::Kind::None) ||
        (value.is(Value::Kind::Component) && familyOf(value) == ComponentFamily::Norm))
      return true;
    failAt(arg, subject(param.name) + " must be a norm (RMSNorm or LayerNorm) or none, got " + value.describe());
    return false;
  case ParamType::Rope:
    if (value.is(Value::Kind::None) ||
        (value.is(Value::Kind::Component) && familyOf(value) == ComponentFamily::Rope))
      return true;
    failAt(arg, subject(param.name) + " must be RoPE(...) or none, got " + value.describe());
    return false;
  case ParamType::RopeScaling:
    if (value.is(Value::Kind::None) ||
        (value.is(Value::Kind::Component) && familyOf(value) == ComponentFamily::RopeScaling))
      return true;
    failAt(arg, subject(param.name) + " must be linear(...), llama3(...), yarn(...) or none, got " +
                    value.describe());
    return false;
  }
  llvm_unreachable("unknown parameter type");
}

std::optional<int64_t> SpecBuilder::dimension(StringRef param) {
  const ComponentArg *arg = valid(param);
  if (!arg)
    return std::nullopt;
  std::optional<int64_t> value = arg->value.toExactInt();
  if (*value <= 0) {
    failAt(*arg, subject(param) + " must be positive, got " + Twine(*value));
    return std::nullopt;
  }
  if (*value > kMaxDimension) {
    failAt(*arg, subject(param) + " must be at most " + Twine(kMaxDimension) + ", got " + Twine(*value));
    return std::nullopt;
  }
  return value;
}

double SpecBuilder::positiveNumber(StringRef param, double fallback) {
  const ComponentArg *arg = valid(param);
  if (!arg)
    return fallback;
  double value = arg->value.toDouble();
  if (value <= 0) {
    failAt(*arg, subject(param) + " must be positive, got " + formatNumber(value));
    return fallback;
  }
  return value;
}

bool SpecBuilder::boolean(StringRef param, bool fallback) {
  const ComponentArg *arg = valid(param);
  return arg ? arg->value.getBool() : fallback;
}

StringRef SpecBuilder::enumerator(StringRef param, StringRef fallback) {
  const ComponentArg *arg = valid(param);
  return arg ? arg->value.getSymbol() : fallback;
}

NormSpec SpecBuilder::buildNorm() {
  NormSpec norm;
  norm.loc = toSourceLoc(diags.getSourceMgr(), component.loc);
  if (ctor.kind == Constructor::RMSNorm) {
    norm.kind = NormKind::RMSNorm;
    norm.eps = positiveNumber("eps", 1e-6);
    norm.unitOffset = boolean("unit_offset", false);
    norm.allHeads = enumerator("over", "head") == "all_heads";
    norm.weight = boolean("weight", true);
  } else {
    norm.kind = NormKind::LayerNorm;
    norm.eps = positiveNumber("eps", 1e-5);
    norm.bias = boolean("bias", true);
  }
  return norm;
}

RopeSpec SpecBuilder::buildRope() {
  RopeSpec rope;
  rope.loc = toSourceLoc(diags.getSourceMgr(), component.loc);
  rope.theta = positiveNumber("theta", 10000.0);
  rope.style = enumerator("style", "half") == "interleaved" ? RopeStyle::Interleaved : RopeStyle::Half;
  rope.fraction = positiveNumber("fraction", 1.0);
  if (const ComponentArg *arg = valid("fraction"); arg && rope.fraction > 1.0) {
    failAt(*arg, "RoPE argument 'fraction' must be at most 1, got " + formatNumber(rope.fraction));
    rope.fraction = 1.0;
  }
  if (const ComponentArg *arg = valid("scaling"); arg && arg->value.is(Value::Kind::Component))
    rope.scaling = std::get<RopeScalingSpec>(arg->value.getComponent().spec);
  return rope;
}

RopeScalingSpec SpecBuilder::buildRopeScaling() {
  RopeScalingSpec scaling;
  scaling.loc = toSourceLoc(diags.getSourceMgr(), component.loc);
  scaling.kind = ctor.kind == Constructor::Linear   ? RopeScalingKind::Linear
                 : ctor.kind == Constructor::Llama3 ? RopeScalingKind::Llama3
                                                    : RopeScalingKind::Yarn;
  // A factor below 1 would shrink the context; transformers warns about it and no checkpoint does it.
  scaling.factor = positiveNumber("factor", 1.0);
  if (const ComponentArg *arg = valid("factor"); arg && scaling.factor < 1.0) {
    failAt(*arg, subject("factor") + " must be at least 1, got " + formatNumber(scaling.factor));
    scaling.factor = 1.0;
  }
  if (scaling.kind == RopeScalingKind::Linear)
    return scaling;
  scaling.originalContext = dimension("original_context").value_or(0);

  if (scaling.kind == RopeScalingKind::Llama3) {
    scaling.lowFreqFactor = positiveNumber("low_freq_factor", 1.0);
    scaling.highFreqFactor = positiveNumber("high_freq_factor", 4.0);
    // Equal factors are fine (Llama 4: no blend band); reversed ones would make the band negative.
    const ComponentArg *low = valid("low_freq_factor"), *high = valid("high_freq_factor");
    if (low && high && scaling.highFreqFactor < scaling.lowFreqFactor)
      failAt(*high, subject("high_freq_factor") + " (" + formatNumber(scaling.highFreqFactor) +
                        ") must be at least low_freq_factor (" + formatNumber(scaling.lowFreqFactor) + ")");
    return scaling;
  }

  scaling.betaFast = positiveNumber("beta_fast", 32.0);
  scaling.betaSlow = positiveNumber("beta_slow", 1.0);
  const ComponentArg *fast = valid("beta_fast"), *slow = valid("beta_slow");
  if ((fast || slow) && scaling.betaFast < scaling.betaSlow)
    failAt(fast ? *fast : *slow, "yarn needs beta_fast (" + formatNumber(scaling.betaFast) +
                                     ") at least beta_slow (" + formatNumber(scaling.betaSlow) + ")");
  // transformers' default when the config gives none: 0.1 ln(factor) + 1 (YaRN's "mscale").
  double defaultAttention = scaling.factor <= 1.0 ? 1.0 : 0.1 * std::log(scaling.factor) + 1.0;
  scaling.attentionFactor = positiveNumber("attention_factor", defaultAttention);
  scaling.truncate = boolean("truncate", true);
  return scaling;
}

void SpecBuilder::checkRotatedDims(const ComponentArg &ropeArg, const RopeSpec &rope,
                                   const ComponentArg &headDimArg, int64_t headDim) {
  if (rope.fraction == 1.0) {
    if (headDim % 2 != 0)
      failAt(headDimArg, "head_dim (" + Twine(headDim) + ") must be even when RoPE is applied");
    return;
  }
  // RoPE rotates pairs of dimensions, so the rotated part must be even.
  double rotated = rope.fraction * static_cast<double>(headDim);
  if (std::trunc(rotated) != rotated || static_cast<int64_t>(rotated) % 2 != 0)
    failAt(ropeArg, "RoPE rotates fraction " + formatNumber(rope.fraction) + " of head_dim " + Twine(headDim) +
                        " = " + formatNumber(rotated) + " dimensions; that must be an even integer");
}

AttentionSpec SpecBuilder::buildMLA() {
  AttentionSpec attn;
  attn.loc = toSourceLoc(diags.getSourceMgr(), component.loc);
  MLASpec mla;
  attn.heads = attn.kvHeads = dimension("heads").value_or(0);
  if (component.findArg("q_lora_rank"))
    mla.qLoraRank = dimension("q_lora_rank").value_or(0);
  mla.kvLoraRank = dimension("kv_lora_rank").value_or(0);
  mla.nopeDim = dimension("nope_dim").value_or(0);
  mla.ropeDim = dimension("rope_dim").value_or(0);
  mla.valueDim = dimension("value_dim").value_or(0);
  if (const ComponentArg *arg = valid("norm"); arg && arg->value.is(Value::Kind::Component))
    mla.norm = std::get<NormSpec>(arg->value.getComponent().spec);
  if (const ComponentArg *arg = valid("rope")) {
    if (!arg->value.is(Value::Kind::Component)) {
      failAt(*arg, "MLA needs RoPE for its decoupled key (rope_dim values)");
    } else {
      attn.rope = std::get<RopeSpec>(arg->value.getComponent().spec);
      if (attn.rope->fraction != 1.0)
        failAt(*arg, "MLA rotates all rope_dim values: its RoPE takes no fraction");
      else if (mla.ropeDim % 2 != 0)
        failAt(*component.findArg("rope_dim"), "rope_dim (" + Twine(mla.ropeDim) + ") must be even");
    }
  }
  attn.headDim = mla.nopeDim + mla.ropeDim;
  attn.valueDim = mla.valueDim;
  attn.scale = positiveNumber("scale", 0.0);
  attn.mla = mla;
  return attn;
}

AttentionSpec SpecBuilder::buildAttention() {
  if (ctor.kind == Constructor::MLA)
    return buildMLA();
  AttentionSpec attn;
  attn.loc = toSourceLoc(diags.getSourceMgr(), component.loc);
  std::optional<int64_t> heads = dimension("heads");
  std::optional<int64_t> headDim = dimension("head_dim");
  std::optional<int64_t> kvHeads;
  switch (ctor.kind) {
  case Constructor::MHA:
    kvHeads = heads;
    break;
  case Constructor::MQA:
    kvHeads = 1;
    break;
  default:
    kvHeads = dimension("kv_heads");
    if (heads && kvHeads && *heads % *kvHeads != 0)
      failAt(*component.findArg("kv_heads"),
             "heads (" + Twine(*heads) + ") is not divisible by kv_heads (" + Twine(*kvHeads) + ")");
    break;
  }
  attn.heads = heads.value_or(0);
  attn.kvHeads = kvHeads.value_or(0);
  attn.headDim = headDim.value_or(0);

  if (const ComponentArg *arg = valid("qk_norm"); arg && arg->value.is(Value::Kind::Component))
    attn.qkNorm = std::get<NormSpec>(arg->value.getComponent().spec);
  if (const ComponentArg *arg = valid("rope"); arg && arg->value.is(Value::Kind::Component)) {
    attn.rope = std::get<RopeSpec>(arg->value.getComponent().spec);
    if (headDim)
      checkRotatedDims(*arg, *attn.rope, *component.findArg("head_dim"), *headDim);
  }
  attn.qkvBias = boolean("qkv_bias", false);
  attn.outBias = boolean("out_bias", false);

  StringRef mask = enumerator("mask", "global");
  attn.mask = mask == "sliding_window" ? MaskKind::SlidingWindow
              : mask == "chunked"      ? MaskKind::Chunked
                                       : MaskKind::Global;
  // With a mistyped mask, whether a window is needed is unknown; the type
  // error says enough.
  const ComponentArg *windowArg = component.findArg("window");
  if (!is_contained(mistyped, "mask")) {
    if (attn.mask == MaskKind::Global) {
      if (windowArg)
        failAt(*windowArg, "'window' only applies with mask = sliding_window or chunked");
    } else if (!windowArg) {
      const ComponentArg *maskArg = component.findArg("mask");
      fail(maskArg->valueRange.Start, "mask = " + mask + " requires a 'window' argument", maskArg->valueRange);
    } else {
      attn.window = dimension("window").value_or(0);
    }
  }
  // Zero asks MLIRGen for the default 1/sqrt(head_dim).
  attn.scale = positiveNumber("scale", 0.0);
  if (component.findArg("value_dim"))
    attn.valueDim = dimension("value_dim").value_or(0);
  attn.valueScale = positiveNumber("value_scale", 1.0);
  attn.softcap = positiveNumber("softcap", 0.0);
  attn.sinks = boolean("sinks", false);
  attn.outputGate = boolean("output_gate", false);
  attn.qkNormAfterRope = boolean("qk_norm_after_rope", false);
  if (const ComponentArg *arg = valid("qk_norm_after_rope"); arg && attn.qkNormAfterRope) {
    if (!attn.qkNorm || attn.qkNorm->allHeads)
      failAt(*arg, "'qk_norm_after_rope' needs a per-head qk_norm");
    else if (!attn.rope)
      failAt(*arg, "'qk_norm_after_rope' needs RoPE");
  }
  // Temperature tuning is given by both its scale and its floor, or not at all.
  const ComponentArg *tempScale = component.findArg("temperature_scale"), *tempFloor = component.findArg("temperature_floor");
  if (tempScale && !tempFloor)
    failAt(*tempScale, "'temperature_scale' needs 'temperature_floor'");
  else if (tempFloor && !tempScale)
    failAt(*tempFloor, "'temperature_floor' needs 'temperature_scale'");
  attn.temperatureScale = positiveNumber("temperature_scale", 0.0);
  attn.temperatureFloor = tempFloor ? dimension("temperature_floor").value_or(0) : 0;
  return attn;
}

MoESpec SpecBuilder::buildMoE() {
  MoESpec moe;
  std::optional<int64_t> experts = dimension("experts"), topK = dimension("top_k");
  moe.experts = experts.value_or(0);
  moe.topK = topK.value_or(0);
  if (experts && topK && *topK > *experts)
    failAt(*component.findArg("top_k"), "top_k (" + Twine(*topK) + ") must be at most experts (" + Twine(*experts) + ")");
  StringRef routing = enumerator("routing", "softmax_topk");
  moe.routing = routing == "topk_softmax"   ? RoutingKind::TopKSoftmax
                : routing == "sigmoid_topk" ? RoutingKind::SigmoidTopK
                : routing == "topk_sigmoid" ? RoutingKind::TopKSigmoid
                                            : RoutingKind::SoftmaxTopK;
  moe.normalize = boolean("normalize", false);
  moe.scale = positiveNumber("scale", 1.0);
  moe.selectionBias = boolean("selection_bias", false);
  moe.routerBias = boolean("router_bias", false);
  moe.routerSoftcap = positiveNumber("router_softcap", 0.0);
  // Group-limited selection and the selection bias belong to the sigmoid routing of DeepSeek V3.
  bool sigmoid = moe.routing == RoutingKind::SigmoidTopK || is_contained(mistyped, "routing");
  for (StringRef param : {"groups", "group_top_k", "selection_bias"})
    if (const ComponentArg *arg = valid(param); arg && !sigmoid)
      failAt(*arg, "'" + param + "' only applies with routing = sigmoid_topk");
  moe.groups = dimension("groups").value_or(1);
  moe.groupTopK = dimension("group_top_k").value_or(1);
  if (const ComponentArg *arg = valid("groups"); arg && experts && *experts % moe.groups != 0)
    failAt(*arg, "groups (" + Twine(moe.groups) + ") must divide experts (" + Twine(*experts) + ")");
  if (const ComponentArg *arg = valid("group_top_k")) {
    if (moe.groupTopK > moe.groups)
      failAt(*arg, "group_top_k (" + Twine(moe.groupTopK) + ") must be at most groups (" + Twine(moe.groups) + ")");
    else if (experts && topK && *experts % moe.groups == 0 && moe.groupTopK * (*experts / moe.groups) < *topK)
      failAt(*arg, "the " + Twine(moe.groupTopK) + " kept groups of " + Twine(*experts / moe.groups) +
                       " experts hold fewer than top_k (" + Twine(*topK) + ") experts");
  }
  StringRef activation = enumerator("activation", "silu");
  moe.activation = activation == "gelu_tanh"    ? ExpertActivationKind::GeGLU
                   : activation == "swiglu_oai" ? ExpertActivationKind::SwiGLUOai
                                                : ExpertActivationKind::SwiGLU;
  bool oai = moe.activation == ExpertActivationKind::SwiGLUOai || is_contained(mistyped, "activation");
  for (StringRef param : {"alpha", "limit"})
    if (const ComponentArg *arg = valid(param); arg && !oai)
      failAt(*arg, "'" + param + "' only applies with activation = swiglu_oai");
  moe.alpha = positiveNumber("alpha", 1.702);
  moe.limit = positiveNumber("limit", 7.0);
  moe.weightInput = boolean("weight_input", false);
  if (component.findArg("shared_hidden"))
    moe.sharedHidden = dimension("shared_hidden").value_or(0);
  moe.sharedGate = boolean("shared_gate", false);
  if (const ComponentArg *arg = valid("shared_gate"); arg && moe.sharedGate && !component.findArg("shared_hidden"))
    failAt(*arg, "'shared_gate' gates the shared expert, which needs 'shared_hidden'");
  return moe;
}

FFNSpec SpecBuilder::buildFFN() {
  FFNSpec ffn;
  ffn.loc = toSourceLoc(diags.getSourceMgr(), component.loc);
  if (ctor.kind == Constructor::MoE) {
    ffn.kind = FFNKind::SwiGLU;
    ffn.hidden = dimension("hidden").value_or(0);
    ffn.bias = boolean("bias", false);
    ffn.moe = buildMoE();
    return ffn;
  }
  ffn.kind = ctor.kind == Constructor::SwiGLU  ? FFNKind::SwiGLU
             : ctor.kind == Constructor::GeGLU ? FFNKind::GeGLU
                                               : FFNKind::GeluMLP;
  ffn.hidden = dimension("hidden").value_or(0);
  // Classic GELU MLPs (GPT-2, BERT) carry biases; gated ones usually do not.
  ffn.bias = boolean("bias", ctor.kind == Constructor::GeluMLP);
  return ffn;
}

DeltaNetSpec SpecBuilder::buildDeltaNet() {
  DeltaNetSpec mixer;
  mixer.loc = toSourceLoc(diags.getSourceMgr(), component.loc);
  mixer.kHeads = dimension("k_heads").value_or(0);
  mixer.vHeads = dimension("v_heads").value_or(0);
  mixer.kHeadDim = dimension("k_head_dim").value_or(0);
  mixer.vHeadDim = dimension("v_head_dim").value_or(0);
  if (component.findArg("conv")) {
    std::optional<int64_t> taps = dimension("conv");
    if (taps && *taps < 2)
      failAt(*component.findArg("conv"), "GatedDeltaNet argument 'conv' must be at least 2 taps, got " + Twine(*taps));
    mixer.convKernel = taps.value_or(4);
  }
  if (mixer.kHeads > 0 && mixer.vHeads > 0 && mixer.vHeads % mixer.kHeads != 0)
    failAt(*component.findArg("v_heads"), "GatedDeltaNet's v_heads (" + Twine(mixer.vHeads) +
                                              ") must be a multiple of k_heads (" + Twine(mixer.kHeads) + ")");
  if (const ComponentArg *arg = valid("norm")) {
    if (!arg->value.is(Value::Kind::Component)) {
      failAt(*arg, "GatedDeltaNet needs the RMSNorm of its gated output, got none");
    } else {
      mixer.norm = std::get<NormSpec>(arg->value.getComponent().spec);
      if (mixer.norm.kind != NormKind::RMSNorm || !mixer.norm.weight || mixer.norm.allHeads)
        failAt(*arg, "GatedDeltaNet's output norm must be a per-head RMSNorm with a weight");
    }
  }
  return mixer;
}

bool SpecBuilder::build() {
  for (const ParamInfo &param : ctor.params) {
    if (component.findArg(param.name) || !param.required)
      continue;
    if (param.type == ParamType::Rope)
      fail(component.loc, ctor.name + " is missing required argument 'rope'; write 'rope = none' for attention "
                                      "without positional encoding");
    else
      fail(component.loc, ctor.name + " is missing required argument '" + param.name + "'");
  }
  for (const ComponentArg &arg : component.args)
    if (!checkType(arg, *ctor.findParam(arg.name)))
      mistyped.push_back(arg.name);

  switch (ctor.family) {
  case ComponentFamily::Norm:
    component.spec = buildNorm();
    break;
  case ComponentFamily::Rope:
    component.spec = buildRope();
    break;
  case ComponentFamily::RopeScaling:
    component.spec = buildRopeScaling();
    break;
  case ComponentFamily::Attention:
    component.spec = buildAttention();
    break;
  case ComponentFamily::FFN:
    component.spec = buildFFN();
    break;
  case ComponentFamily::LinearAttention:
    component.spec = buildDeltaNet();
    break;
  }
  return ok;
}

bool buildComponentSpec(ComponentValue &component, DiagnosticEmitter &diags) {
  return SpecBuilder(component, diags).build();
}

} // namespace loom::frontend
