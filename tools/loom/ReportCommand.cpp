//===- ReportCommand.cpp - `loom report SPEC` ---------------------------===//
//
// Figures come from the loom IR, not from the spec's text, so they describe
// exactly what would be compiled: parameters are the manifest, FLOPs are the
// projections and attention ops present in the forward function.
//
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "NumericsOption.h"
#include "SpecCompiler.h"

#include "loom/Codegen/Pipeline.h"
#include "loom/Dialect/LoomOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

using namespace llvm;

namespace {
cl::SubCommand sub("report", "Parameters, per-layer summary, KV-cache size and FLOPs of a spec");
cl::opt<std::string> spec(cl::Positional, cl::Required, cl::desc("<spec.loom>"), cl::sub(sub));
cl::opt<std::string> arch("arch", cl::desc("Architecture to select when the file defines several"), cl::init(""),
                          cl::sub(sub));
cl::opt<bool> json("json", cl::desc("Print JSON"), cl::sub(sub));
cl::opt<std::string> numerics("numerics",
                              cl::desc("Numerics profile the library would be compiled with: fast, or ggml"),
                              cl::init("fast"), cl::sub(sub));
cl::opt<int64_t> context("context", cl::desc("Context length for the KV-cache and FLOP figures (default: max_context)"),
                         cl::init(0), cl::sub(sub));
cl::opt<int64_t> maxChunk("max-chunk", cl::desc("Tokens per generated forward call (sizes ring and chunk caches)"),
                          cl::init(64), cl::sub(sub));
cl::opt<bool> specializeAttention("specialize-attention",
                                  cl::desc("Size windowed caches as loom-specialize-attention does (=false: all full)"),
                                  cl::init(true), cl::sub(sub));

struct LayerFigures {
  std::string summary;
  int64_t parameters = 0;
  /// K and V bytes (F32) of one position, over the layer's caches.
  int64_t kvBytesPerToken = 0;
  /// K and V bytes the runtime allocates for the layer at the report's context.
  int64_t kvBytesAtContext = 0;
  /// Bytes of the layer's recurrent state (F32), the same at any context.
  int64_t stateBytes = 0;
  int64_t projectionFlops = 0;
  /// Attention FLOPs for one token attending to `c` keys: perKey * min(c, window).
  int64_t attentionFlopsPerKey = 0;
  int64_t window = 0;
};

/// The layer index of a `layers.<i>.…` name.
std::optional<int64_t> layerOf(StringRef name) {
  int64_t layer;
  if (!name.consume_front("layers.") || name.split('.').first.getAsInteger(10, layer))
    return std::nullopt;
  return layer;
}

int64_t elements(mlir::Value v) {
  int64_t n = 1;
  for (int64_t d : mlir::cast<mlir::RankedTensorType>(v.getType()).getShape())
    n *= d;
  return n;
}

std::string fmtDouble(double v) {
  std::string text;
  raw_string_ostream(text) << format("%g", v);
  return text;
}

std::string layerSummary(const loom::LayerSpec &layer) {
  std::string text;
  raw_string_ostream os(text);
  for (const loom::Component &c : layer.components) {
    if (const auto *a = std::get_if<loom::AttentionSpec>(&c.spec)) {
      os << " " << c.name << "=attention(" << a->heads << "/" << a->kvHeads << " heads x " << a->headDim;
      if (a->mask == loom::MaskKind::SlidingWindow)
        os << ", window " << a->window;
      else if (a->mask == loom::MaskKind::Chunked)
        os << ", chunk " << a->window;
      os << (a->rope ? (", rope theta " + fmtDouble(a->rope->theta)) : std::string(", nope"))
         << (a->qkNorm ? ", qk-norm" : "") << ")";
    } else if (const auto *f = std::get_if<loom::FFNSpec>(&c.spec); f && f->moe) {
      os << " " << c.name << "=moe(" << f->moe->topK << " of " << f->moe->experts << " x " << f->hidden;
      if (f->moe->sharedHidden)
        os << ", shared " << f->moe->sharedHidden << (f->moe->sharedGate ? " gated" : "");
      os << ")";
    } else if (const auto *m = std::get_if<loom::DeltaNetSpec>(&c.spec)) {
      os << " " << c.name << "=gated_delta_net(" << m->kHeads << "/" << m->vHeads << " heads x " << m->kHeadDim << "/"
         << m->vHeadDim << ", conv " << m->convKernel << ")";
    } else if (const auto *f = std::get_if<loom::FFNSpec>(&c.spec)) {
      const char *kind = f->kind == loom::FFNKind::SwiGLU ? "swiglu" : f->kind == loom::FFNKind::GeGLU ? "geglu" : "gelu";
      os << " " << c.name << "=" << kind << "(" << f->hidden << ")";
    }
  }
  return text;
}

/// The kernel variant a library would run on this CPU, from the kernels' own probe: lib/loom/
/// libloom-kernel-variant.so beside this build's model-link.txt (codegen/lib/SharedLibraryLinker.cpp).
std::string kernelVariantOnThisCpu() {
  static int anchor;
  std::string exe = sys::fs::getMainExecutable(nullptr, &anchor);
  SmallString<256> path(sys::path::parent_path(sys::path::parent_path(exe)));
  sys::path::append(path, "lib", "loom", "libloom-kernel-variant.so");
  std::string error;
  auto library = sys::DynamicLibrary::getPermanentLibrary(path.c_str(), &error);
  if (!library.isValid())
    return "unknown (" + error + ")";
  auto probe = reinterpret_cast<const char *(*)()>(library.getAddressOfSymbol("loom_probe_kernel_variant"));
  return probe ? probe() : "unknown (no probe in " + std::string(path) + ")";
}

int run() {
  if (Error err = loom::checkNumericsProfile(numerics))
    return loom::reportError(std::move(err));
  const std::string kernels = kernelVariantOnThisCpu();
  loom::SpecSession session;
  auto parsed = session.parse(spec, arch);
  if (!parsed)
    return loom::reportError(parsed.takeError());
  auto module = session.buildIR();
  if (!module)
    return loom::reportError(module.takeError());
  const loom::ArchSpec &archSpec = **parsed;
  loom::PipelineOptions pipeline;
  pipeline.stopBeforeLowering = true;
  pipeline.maxChunk = maxChunk;
  pipeline.specializeAttention = specializeAttention;
  // The experts are counted on loom.experts, which says which weights are stacked experts and how many a
  // token uses; the grouped form computes the same products.
  pipeline.moeGroupedMatmul = false;
  if (failed(loom::runPipeline(*module, pipeline)))
    return loom::reportError(createStringError("compiling '%s' failed", spec.c_str()));
  const int64_t contextLength = context > 0 ? int64_t(context) : archSpec.maxContext;

  std::vector<LayerFigures> layers(archSpec.nLayers);
  for (const loom::LayerSpec &l : archSpec.layers)
    layers[l.index].summary = layerSummary(l);
  StringSet<> seen;
  int64_t totalParameters = 0, inactiveParameters = 0, globalProjectionFlops = 0;
  module->walk([&](mlir::Operation *op) {
    if (auto w = dyn_cast<loom::WeightOp>(op)) {
      if (!seen.insert(w.getName()).second)
        return;
      int64_t n = elements(w.getResult());
      totalParameters += n;
      if (std::optional<int64_t> layer = layerOf(w.getName()))
        layers[*layer].parameters += n;
    } else if (isa<loom::LinearOp, loom::LMHeadOp>(op)) {
      int64_t flops = 2 * elements(op->getOperand(1));
      auto name = op->getLoc()->findInstanceOf<mlir::NameLoc>();
      if (std::optional<int64_t> layer = name ? layerOf(name.getName().getValue()) : std::nullopt)
        layers[*layer].projectionFlops += flops;
      else
        globalProjectionFlops += flops;
    } else if (auto x = dyn_cast<loom::ExpertsOp>(op)) {
      // A token runs k of the E stacked experts: the rest of their weights is idle for it.
      int64_t experts = mlir::cast<mlir::RankedTensorType>(x.getGate().getType()).getDimSize(0);
      int64_t k = mlir::cast<mlir::RankedTensorType>(x.getExperts().getType()).getDimSize(1);
      int64_t stacked = elements(x.getGate()) + elements(x.getUp()) + elements(x.getDown());
      for (mlir::Value bias : x.getBiases())
        stacked += elements(bias);
      inactiveParameters += stacked / experts * (experts - k);
      auto name = op->getLoc()->findInstanceOf<mlir::NameLoc>();
      if (std::optional<int64_t> layer = name ? layerOf(name.getName().getValue()) : std::nullopt)
        layers[*layer].projectionFlops += 2 * (stacked / experts) * k;
    } else if (auto c = dyn_cast<loom::KVCacheOp>(op)) {
      // What the runtime allocates (runtime/lib/KVCache.cpp): every position for a full cache, a
      // window plus one chunk's worth of rows for ring and chunk caches.
      loom::KVCacheType type = c.getType();
      if (type.getKind() == loom::CacheKind::recurrent) {
        // A state, not rows: the convolution's tail and a key_dim x value_dim matrix per head.
        if (std::optional<int64_t> layer = layerOf(c.getName()))
          layers[*layer].stateBytes += (type.getWindow() * type.getConvChannels() +
                                        type.getKvHeads() * type.getKeyDim() * type.getValueDim()) * 4;
        return;
      }
      int64_t rowBytes = type.getKvHeads() * (type.getKeyDim() + type.getValueDim()) * 4;
      int64_t rows = type.getKind() == loom::CacheKind::full || type.getKind() == loom::CacheKind::latent
                         ? contextLength
                         : std::min(contextLength, type.getWindow() + int64_t(maxChunk) - 1);
      if (std::optional<int64_t> layer = layerOf(c.getName())) {
        layers[*layer].kvBytesPerToken += rowBytes;
        layers[*layer].kvBytesAtContext += rows * rowBytes;
      }
    } else if (auto a = dyn_cast<loom::AttendOp>(op)) {
      auto q = cast<mlir::RankedTensorType>(a.getQuery().getType()).getShape();
      auto name = op->getLoc()->findInstanceOf<mlir::NameLoc>();
      if (std::optional<int64_t> layer = name ? layerOf(name.getName().getValue()) : std::nullopt) {
        LayerFigures &f = layers[*layer];
        f.attentionFlopsPerKey += 2 * q[1] * (a.getCache().getType().getKeyDim() + a.getCache().getType().getValueDim());
        f.window = a.getWindow();
      }
    }
  });

  int64_t kvPerToken = 0, kvAtContext = 0, stateBytes = 0, flopsPerToken = globalProjectionFlops, attentionAtMax = 0;
  for (const LayerFigures &f : layers) {
    stateBytes += f.stateBytes;
    kvPerToken += f.kvBytesPerToken;
    kvAtContext += f.kvBytesAtContext;
    flopsPerToken += f.projectionFlops + f.attentionFlopsPerKey;
    int64_t keys = f.window > 0 ? std::min(f.window, contextLength) : contextLength;
    attentionAtMax += f.attentionFlopsPerKey * keys;
  }

  if (json) {
    json::OStream out(outs(), 2);
    out.object([&] {
      out.attribute("architecture", archSpec.name);
      out.attribute("numerics", numerics.getValue());
      out.attribute("kernels", kernels);
      out.attribute("parameters", totalParameters);
      out.attribute("active_parameters", totalParameters - inactiveParameters);
      out.attribute("kv_cache_bytes_per_token", kvPerToken);
      out.attribute("context", contextLength);
      out.attribute("kv_cache_bytes_at_context", kvAtContext);
      out.attribute("state_bytes_per_sequence", stateBytes);
      out.attribute("attention_specialized", bool(specializeAttention));
      out.attribute("max_context", archSpec.maxContext);
      out.attribute("flops_per_token", flopsPerToken);
      out.attribute("flops_per_token_at_context", flopsPerToken + attentionAtMax);
      out.attributeArray("layers", [&] {
        for (auto [i, f] : llvm::enumerate(layers))
          out.object([&] {
            out.attribute("index", static_cast<int64_t>(i));
            out.attribute("summary", StringRef(f.summary).trim());
            out.attribute("parameters", f.parameters);
            out.attribute("kv_cache_bytes_per_token", f.kvBytesPerToken);
            out.attribute("kv_cache_bytes_at_context", f.kvBytesAtContext);
            out.attribute("state_bytes", f.stateBytes);
            out.attribute("flops_per_token", f.projectionFlops + f.attentionFlopsPerKey);
          });
      });
    });
    outs() << "\n";
    return 0;
  }
  outs() << "architecture " << archSpec.name << "\n"
         << formatv("  numerics:                {0}\n", numerics.getValue())
         << formatv("  kernels on this CPU:     {0}\n", kernels)
         << formatv("  parameters:              {0} ({1:f2} B)\n", totalParameters, totalParameters / 1e9)
         << formatv("  active per token:        {0} ({1:f2} B)\n", totalParameters - inactiveParameters,
                    (totalParameters - inactiveParameters) / 1e9)
         << formatv("  KV cache per token:      {0} bytes (F32)\n", kvPerToken)
         << formatv("  KV cache at context:     {0} bytes ({1:f2} GiB, {2} tokens{3})\n", kvAtContext,
                    kvAtContext / double(1ull << 30), contextLength,
                    specializeAttention ? "" : ", every cache full")
         << (stateBytes > 0 ? formatv("  recurrent state:         {0} bytes per sequence ({1:f2} MiB, F32, at any "
                                      "context)\n",
                                      stateBytes, stateBytes / double(1ull << 20))
                                  .str()
                            : std::string())
         << formatv("  FLOPs per token:         {0} ({1:f2} GFLOP) at context 1, {2:f2} GFLOP at context {3}\n",
                    flopsPerToken, flopsPerToken / 1e9, (flopsPerToken + attentionAtMax) / 1e9, contextLength)
         << "  layers:\n";
  // Consecutive identical layers print as one range.
  for (size_t i = 0; i < layers.size();) {
    size_t j = i;
    while (j + 1 < layers.size() && layers[j + 1].summary == layers[i].summary &&
           layers[j + 1].parameters == layers[i].parameters)
      ++j;
    outs() << formatv("    {0,-9} {1} params,{2}\n", i == j ? formatv("{0}", i).str() : formatv("{0}-{1}", i, j).str(),
                      layers[i].parameters, layers[i].summary);
    i = j + 1;
  }
  return 0;
}
} // namespace

loom::Command loom::reportCommand() { return {sub, run}; }
