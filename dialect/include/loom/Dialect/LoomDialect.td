//===- LoomDialect.td - The loom dialect ---------------------*- tablegen -*-===//
//
// `loom` describes a transformer forward pass at the level its architects
// think in: embeddings, norms, projections, attention with its mask and
// positional scheme, feed-forward variants and residual adds. Every
// hyper-parameter is an attribute, so architecture-aware passes (QK-norm+RoPE
// fusion, mask specialization, MLA absorption, MoE grouping) match on IR
// instead of on model names.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_DIALECT
#define LOOM_DIALECT

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Loom_Dialect : Dialect {
  let name = "loom";
  let cppNamespace = "::loom";
  let summary = "Transformer architectures as IR";
  let description = [{
    Values are F32 activations shaped `tensor<?x...>`, whose leading dynamic
    dimension is the number of tokens in the current chunk. Weights enter
    through `loom.weight`, named as in the model's weight manifest. State that
    outlives a call is a value too: `loom.kv_cache` introduces a cache,
    `loom.cache_append` extends it and `loom.attend` reads it, so passes can
    see, retype and resize caches, and incremental decode and full recompute
    share one IR.
  }];
  // The lowered form (loom.scratch) holds LLVM pointers.
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
}

class Loom_Op<string mnemonic, list<Trait> traits = []>
    : Op<Loom_Dialect, mnemonic, traits>;

#endif // LOOM_DIALECT
