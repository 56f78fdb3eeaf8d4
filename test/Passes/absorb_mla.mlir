// RUN: loom-opt %s --loom-absorb-mla -split-input-file | FileCheck %s
// Each loom.mla_attend gets the longest chunk for which the absorbed form does less work at any context:
// n < r (d_n + d_v) / (2r - d_n - d_v).

// DeepSeek V3's shapes (128 heads, rank 512, d_n = d_v = 128, d_r = 64): 512 x 256 / 768 = 170.67 -> 170.
// CHECK-LABEL: func.func @deepseek_v3
// CHECK: loom.mla_attend %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} at %{{.+}} {absorb_max_tokens = 170 : i64, scale = 1.352340e-01 : f64}
!latent = !loom.kv_cache<latent, window = 0, kv_heads = 1, key_dim = 576, value_dim = 0>
func.func @deepseek_v3(%qn: tensor<?x128x128xf32>, %qp: tensor<?x128x64xf32>, %c: !latent, %kvb: tensor<32768x512xf32>,
                       %s: index) -> tensor<?x128x128xf32> {
  %a = loom.mla_attend %qn, %qp, %c, %kvb at %s {scale = 0.135234 : f64}
      : tensor<?x128x128xf32>, tensor<?x128x64xf32>, !latent, tensor<32768x512xf32> -> tensor<?x128x128xf32>
  return %a : tensor<?x128x128xf32>
}

// -----

// A rank no larger than the heads' dimensions: absorbing always pays.
// CHECK-LABEL: func.func @small_rank
// CHECK: absorb_max_tokens = 2147483647 : i64
!latent = !loom.kv_cache<latent, window = 0, kv_heads = 1, key_dim = 20, value_dim = 0>
func.func @small_rank(%qn: tensor<?x2x16xf32>, %qp: tensor<?x2x4xf32>, %c: !latent, %kvb: tensor<64x16xf32>,
                      %s: index) -> tensor<?x2x16xf32> {
  %a = loom.mla_attend %qn, %qp, %c, %kvb at %s {scale = 0.2 : f64}
      : tensor<?x2x16xf32>, tensor<?x2x4xf32>, !latent, tensor<64x16xf32> -> tensor<?x2x16xf32>
  return %a : tensor<?x2x16xf32>
}
