//===- Passes.td - Loom pass declarations --------------------*- tablegen -*-===//
#ifndef LOOM_PASSES
#define LOOM_PASSES

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Lowering
//===----------------------------------------------------------------------===//

def LoomLowerToKernelsPass : Pass<"loom-lower-to-kernels", "::mlir::ModuleOp"> {
  let summary = "Lower the loom forward function to kernel calls over a planned scratch arena";
  let description = [{
    Replaces `func.func @forward` (loom ops on tensors) with
    `func.func @loom_generated_forward`, the entry point described in
    runtime/include/loom/Runtime/ModelABI.h: raw pointers to the weight table,
    the per-layer KV caches, the token ids, a scratch arena and the logits.

    Every activation gets a slice of the scratch arena sized for `max-chunk`
    tokens. Slices are assigned by liveness over the (straight-line) forward
    function, so the arena holds only the values alive at once; head
    splits/merges are views of their operand and RoPE rotates in place when
    its operand dies there. Each op becomes a `func.call` to its kernel from
    runtime/include/loom/Runtime/Kernels.h. The module gets a `loom.descriptor`
    attribute (weight manifest, KV-cache layout, scratch size) from which
    codegen emits `loom_generated_descriptor`.

    Before:
    ```mlir
    %y = loom.rms_norm %x, %w {eps = 1.0e-06 : f64} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    ```
    After:
    ```mlir
    %in = llvm.getelementptr %scratch[0] : (!llvm.ptr) -> !llvm.ptr, i8
    %out = llvm.getelementptr %scratch[16384] : (!llvm.ptr) -> !llvm.ptr, i8
    %w = llvm.getelementptr %weights[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, i64)>
    func.call @loom_k_rms_norm(%in, %n, %c64, %w, %eps, %offset, %out) : (...) -> ()
    ```
  }];
  let options = [
    Option<"maxChunk", "max-chunk", "int64_t", /*default=*/"64",
           "Most tokens one call of the generated forward processes (sizes the arena)">
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::func::FuncDialect"];
}

#endif // LOOM_PASSES
