//===- ModelDescriptor.cpp - The descriptor as a module attribute -------===//
#include "loom/Passes/ModelDescriptor.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;

namespace loom {
namespace {

// The keys, once.
constexpr llvm::StringLiteral kName = "name", kVocab = "vocab", kDModel = "d_model", kNLayers = "n_layers",
                              kMaxContext = "max_context", kMaxChunk = "max_chunk",
                              kScratchBytes = "scratch_bytes", kWeights = "weights", kCaches = "caches",
                              kShape = "shape", kRopePairing = "rope_pairing", kRopeHeadDim = "rope_head_dim", kLayout = "layout",
                              kRopeDims = "rope_dims", kKind = "kind", kWindow = "window", kKvHeads = "kv_heads",
                              kKeyDim = "key_dim", kValueDim = "value_dim", kConvChannels = "conv_channels",
                              kRopeFreqDivisors = "rope_freq_divisors", kNumerics = "numerics";

/// Reads typed fields of a dictionary, remembering the first one that is missing or mistyped.
class Reader {
public:
  explicit Reader(DictionaryAttr dict) : dict(dict) {}
  int64_t integer(StringRef key) {
    if (auto attr = dyn_cast_or_null<IntegerAttr>(dict.get(key)))
      return attr.getInt();
    missing(key);
    return 0;
  }
  std::string string(StringRef key) {
    if (auto attr = dyn_cast_or_null<StringAttr>(dict.get(key)))
      return attr.str();
    missing(key);
    return {};
  }
  ArrayRef<Attribute> array(StringRef key) {
    if (auto attr = dyn_cast_or_null<ArrayAttr>(dict.get(key)))
      return attr.getValue();
    missing(key);
    return {};
  }
  DictionaryAttr dictionary(Attribute attr, StringRef what) {
    if (auto d = dyn_cast<DictionaryAttr>(attr))
      return d;
    missing(what);
    return DictionaryAttr::get(dict.getContext());
  }
  std::optional<std::string> error;

private:
  void missing(StringRef key) {
    if (!error)
      error = key.str();
  }
  DictionaryAttr dict;
};

} // namespace

int64_t ModelDescriptor::fullCacheBytesPerToken() const {
  int64_t bytes = 0;
  for (const CacheRecord &cache : caches)
    if (!cache.isRecurrent())
      bytes += cache.kvHeads * (cache.keyDim + cache.valueDim) * 4;
  return bytes;
}

int64_t ModelDescriptor::recurrentStateBytes() const {
  int64_t bytes = 0;
  for (const CacheRecord &cache : caches)
    bytes += cache.stateBytes();
  return bytes;
}

DictionaryAttr ModelDescriptor::toAttr(MLIRContext *context) const {
  Builder b(context);
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  SmallVector<Attribute> weightAttrs;
  for (const WeightRecord &w : weights) {
    SmallVector<Attribute> dims;
    for (int64_t d : w.shape)
      dims.push_back(i64(d));
    SmallVector<NamedAttribute> entries{b.getNamedAttr(kName, b.getStringAttr(w.name)),
                                        b.getNamedAttr(kShape, b.getArrayAttr(dims))};
    if (w.ropePairing != 0) {
      entries.push_back(b.getNamedAttr(kRopePairing, i64(w.ropePairing)));
      entries.push_back(b.getNamedAttr(kRopeHeadDim, i64(w.ropeHeadDim)));
      entries.push_back(b.getNamedAttr(kRopeDims, i64(w.ropeDims)));
    }
    if (w.layout != 0)
      entries.push_back(b.getNamedAttr(kLayout, i64(w.layout)));
    weightAttrs.push_back(b.getDictionaryAttr(entries));
  }
  SmallVector<Attribute> cacheAttrs;
  for (const CacheRecord &c : caches) {
    SmallVector<NamedAttribute> entries{
        b.getNamedAttr(kName, b.getStringAttr(c.name)),   b.getNamedAttr(kKind, i64(c.kind)),
        b.getNamedAttr(kWindow, i64(c.window)),           b.getNamedAttr(kKvHeads, i64(c.kvHeads)),
        b.getNamedAttr(kKeyDim, i64(c.keyDim)),           b.getNamedAttr(kValueDim, i64(c.valueDim)),
    };
    if (c.convChannels != 0)
      entries.push_back(b.getNamedAttr(kConvChannels, i64(c.convChannels)));
    cacheAttrs.push_back(b.getDictionaryAttr(entries));
  }
  return b.getDictionaryAttr({
      b.getNamedAttr(kName, b.getStringAttr(name)),
      b.getNamedAttr(kVocab, i64(vocab)),
      b.getNamedAttr(kDModel, i64(dModel)),
      b.getNamedAttr(kNLayers, i64(nLayers)),
      b.getNamedAttr(kMaxContext, i64(maxContext)),
      b.getNamedAttr(kMaxChunk, i64(maxChunk)),
      b.getNamedAttr(kScratchBytes, i64(scratchBytes)),
      b.getNamedAttr(kWeights, b.getArrayAttr(weightAttrs)),
      b.getNamedAttr(kCaches, b.getArrayAttr(cacheAttrs)),
      b.getNamedAttr(kRopeFreqDivisors, b.getDenseF32ArrayAttr(ropeFreqDivisors)),
      b.getNamedAttr(kNumerics, i64(numerics)),
  });
}

FailureOr<ModelDescriptor> ModelDescriptor::read(ModuleOp module) {
  auto dict = module->getAttrOfType<DictionaryAttr>(kDescriptorAttrName);
  if (!dict)
    return module.emitError() << "has no '" << kDescriptorAttrName
                              << "' attribute: run loom-assign-caches first";
  Reader r(dict);
  ModelDescriptor d;
  d.name = r.string(kName);
  d.vocab = r.integer(kVocab);
  d.dModel = r.integer(kDModel);
  d.nLayers = r.integer(kNLayers);
  d.maxContext = r.integer(kMaxContext);
  d.maxChunk = r.integer(kMaxChunk);
  d.scratchBytes = r.integer(kScratchBytes);
  for (Attribute attr : r.array(kWeights)) {
    Reader w(r.dictionary(attr, kWeights));
    WeightRecord record{w.string(kName), {}};
    for (Attribute dim : w.array(kShape))
      record.shape.push_back(cast<IntegerAttr>(dim).getInt());
    auto weightDict = cast<DictionaryAttr>(attr);
    if (weightDict.get(kRopePairing)) {
      record.ropePairing = w.integer(kRopePairing);
      record.ropeHeadDim = w.integer(kRopeHeadDim);
      record.ropeDims = w.integer(kRopeDims);
    }
    if (weightDict.get(kLayout))
      record.layout = w.integer(kLayout);
    if (w.error && !r.error)
      r.error = w.error;
    d.weights.push_back(std::move(record));
  }
  for (Attribute attr : r.array(kCaches)) {
    Reader c(r.dictionary(attr, kCaches));
    d.caches.push_back({c.string(kName), c.integer(kKind), c.integer(kWindow), c.integer(kKvHeads),
                        c.integer(kKeyDim), c.integer(kValueDim)});
    if (cast<DictionaryAttr>(attr).get(kConvChannels))
      d.caches.back().convChannels = c.integer(kConvChannels);
    if (c.error && !r.error)
      r.error = c.error;
  }
  // Set by the lowering; loom-assign-caches's descriptor has none yet.
  if (dict.get(kNumerics))
    d.numerics = r.integer(kNumerics);
  if (auto divisors = dyn_cast_or_null<DenseF32ArrayAttr>(dict.get(kRopeFreqDivisors)))
    d.ropeFreqDivisors.assign(divisors.asArrayRef().begin(), divisors.asArrayRef().end());
  else if (!r.error)
    r.error = kRopeFreqDivisors.str();
  if (r.error)
    return module.emitError() << "has a malformed '" << kDescriptorAttrName << "': '" << *r.error
                              << "' is missing or mistyped";
  return d;
}

} // namespace loom
