// RUN: loom-opt %s --loom-assign-caches --loom-lower-to-kernels -verify-diagnostics
// The ABI passes token ids and the first position through, nothing else: an embedding reads the
// forward's tokens or ids an op computed (loom.position_ids).

// expected-error @+1 {{must take (token ids, start position) to be lowered to kernels, it takes 'tensor<?xi32>', 'index', 'tensor<?xi32>'}}
func.func @forward(%tokens: tensor<?xi32>, %start: index, %ids: tensor<?xi32>) -> tensor<?x10xf32> attributes {loom.model = {name = "Tiny", vocab = 10 : i64, d_model = 8 : i64, n_layers = 0 : i64, max_context = 16 : i64}} {
  %emb = loom.weight "embedding.weight" : tensor<10x8xf32>
  %x = loom.embedding %ids, %emb : (tensor<?xi32>, tensor<10x8xf32>) -> tensor<?x8xf32>
  %logits = loom.lm_head %x, %emb : (tensor<?x8xf32>, tensor<10x8xf32>) -> tensor<?x10xf32>
  return %logits : tensor<?x10xf32>
}
