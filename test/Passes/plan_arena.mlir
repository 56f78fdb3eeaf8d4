// RUN: loom-opt %s --loom-plan-arena=max-chunk=4 -split-input-file -verify-diagnostics | FileCheck %s
// RUN: loom-opt %s --loom-plan-arena="max-chunk=4 fold-copies=false" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=NOFOLD
// Slices of 4 tokens, aligned to 64 bytes, placed first-fit by liveness: a slice is live from its
// definition to the last use of its pointer or of an address derived from it.

// CHECK: module attributes {loom.descriptor = {{{.*}}max_chunk = 4 : i64{{.*}}scratch_bytes = 512 : i64
// CHECK-LABEL: func.func @loom_generated_forward(
// CHECK-SAME: %[[SCRATCH:[a-z0-9]+]]: !llvm.ptr, %{{[a-z0-9]+}}: !llvm.ptr)
// CHECK-NOT: loom.scratch
// CHECK: %[[A:.+]] = llvm.getelementptr %[[SCRATCH]][0] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[B:.+]] = llvm.getelementptr %[[SCRATCH]][256] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: call @consume(%[[A]], %[[B]])
// %c takes %a's bytes, dead by now.
// CHECK: %[[C:.+]] = llvm.getelementptr %[[SCRATCH]][0] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: call @consume(%[[B]], %[[C]])
// The copy of %c, which dies at the copy, is %c itself; so is %e, which may alias %c where %c dies.
// CHECK-NOT: memcpy
// CHECK: call @rotate(%[[C]])
// CHECK: call @consume(%[[C]], %[[C]])
// %g, derived from %f, keeps %f alive: %h goes beside it.
// CHECK: %[[F:.+]] = llvm.getelementptr %[[SCRATCH]][0] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[G:.+]] = llvm.getelementptr %[[F]][64]
// CHECK: %[[H:.+]] = llvm.getelementptr %[[SCRATCH]][256] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: call @consume(%[[G]], %[[H]])

// Without folding, the copy and the reusable slice take bytes of their own.
// NOFOLD: scratch_bytes = 512 : i64
// NOFOLD: %[[B:.+]] = llvm.getelementptr %{{.+}}[256] : (!llvm.ptr) -> !llvm.ptr, i8
// NOFOLD: %[[C:.+]] = llvm.getelementptr %{{.+}}[0] : (!llvm.ptr) -> !llvm.ptr, i8
// NOFOLD: call @consume(%[[B]], %[[C]])
// NOFOLD: %[[D:.+]] = llvm.getelementptr %{{.+}}[128] : (!llvm.ptr) -> !llvm.ptr, i8
// NOFOLD: "llvm.intr.memcpy"(%[[D]], %[[C]], %{{.+}})
// NOFOLD: call @rotate(%[[D]])
// NOFOLD: %[[E:.+]] = llvm.getelementptr %{{.+}}[0] : (!llvm.ptr) -> !llvm.ptr, i8
// NOFOLD: call @consume(%[[D]], %[[E]])
module attributes {loom.descriptor = {caches = [], d_model = 16 : i64, max_chunk = 0 : i64, max_context = 8 : i64, n_layers = 0 : i64, name = "Slices", rope_freq_divisors = array<f32>, scratch_bytes = 0 : i64, vocab = 8 : i64, weights = []}} {
  func.func private @produce(!llvm.ptr)
  func.func private @consume(!llvm.ptr, !llvm.ptr)
  func.func private @rotate(!llvm.ptr)
  func.func @loom_generated_forward(%weights: !llvm.ptr, %caches: !llvm.ptr, %tokens: !llvm.ptr, %n: i64, %start: i64, %first: i64, %scratch: !llvm.ptr, %logits: !llvm.ptr) {
    %a = loom.scratch 64
    func.call @produce(%a) : (!llvm.ptr) -> ()
    %b = loom.scratch 64
    func.call @consume(%a, %b) : (!llvm.ptr, !llvm.ptr) -> ()
    %c = loom.scratch 32
    func.call @consume(%b, %c) : (!llvm.ptr, !llvm.ptr) -> ()
    %d = loom.scratch 32
    %bytes = llvm.mlir.constant(128 : i64) : i64
    "llvm.intr.memcpy"(%d, %c, %bytes) <{isVolatile = false}> : (!llvm.ptr, !llvm.ptr, i64) -> ()
    func.call @rotate(%d) : (!llvm.ptr) -> ()
    %e = loom.scratch 32 may_alias %d
    func.call @consume(%d, %e) : (!llvm.ptr, !llvm.ptr) -> ()
    %f = loom.scratch 64
    func.call @produce(%f) : (!llvm.ptr) -> ()
    %g = llvm.getelementptr %f[64] : (!llvm.ptr) -> !llvm.ptr, i8
    %h = loom.scratch 64
    func.call @consume(%g, %h) : (!llvm.ptr, !llvm.ptr) -> ()
    return
  }
}

// -----

// A copy from a slice still read afterwards stays a copy.
// CHECK-LABEL: func.func @loom_generated_forward
// CHECK: %[[X:.+]] = llvm.getelementptr %{{.+}}[0]
// CHECK: %[[Y:.+]] = llvm.getelementptr %{{.+}}[64]
// CHECK: "llvm.intr.memcpy"(%[[Y]], %[[X]], %{{.+}})
// CHECK: call @consume(%[[X]], %[[Y]])
module attributes {loom.descriptor = {caches = [], d_model = 16 : i64, max_chunk = 0 : i64, max_context = 8 : i64, n_layers = 0 : i64, name = "Copy", rope_freq_divisors = array<f32>, scratch_bytes = 0 : i64, vocab = 8 : i64, weights = []}} {
  func.func private @consume(!llvm.ptr, !llvm.ptr)
  func.func @loom_generated_forward(%weights: !llvm.ptr, %caches: !llvm.ptr, %tokens: !llvm.ptr, %n: i64, %start: i64, %first: i64, %scratch: !llvm.ptr, %logits: !llvm.ptr) {
    %x = loom.scratch 16
    %y = loom.scratch 16
    %bytes = llvm.mlir.constant(64 : i64) : i64
    "llvm.intr.memcpy"(%y, %x, %bytes) <{isVolatile = false}> : (!llvm.ptr, !llvm.ptr, i64) -> ()
    func.call @consume(%x, %y) : (!llvm.ptr, !llvm.ptr) -> ()
    return
  }
}

// -----

// expected-error @+1 {{expected 'loom_generated_forward': run loom-lower-to-kernels before planning the arena}}
module {
  func.func @forward() {
    return
  }
}

