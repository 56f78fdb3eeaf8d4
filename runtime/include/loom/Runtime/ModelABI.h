/*===- ModelABI.h - What a compiled model object provides the runtime ---===*
 *
 * `loom compile` emits an object with exactly two symbols, linked with the
 * runtime archive into a shared library:
 *   - loom_generated_descriptor(): the model's static description (hyper-
 *     parameters, the weight manifest, the KV-cache layout of every layer);
 *   - loom_generated_forward(): one forward pass over at most max_chunk tokens.
 * The runtime (runtime/lib/Model.cpp) owns weights, caches, chunking, scratch
 * memory and the public C API in loom.h.
 *
 *===--------------------------------------------------------------------===*/
#ifndef LOOM_RUNTIME_MODELABI_H
#define LOOM_RUNTIME_MODELABI_H

#include "loom/Runtime/Tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LOOM_ABI_VERSION 2
#define LOOM_MAX_RANK 4

typedef struct loom_weight_desc {
  const char *name;  /* e.g. "layers.0.attention.q_proj.weight" */
  int64_t rank;
  int64_t shape[LOOM_MAX_RANK];
  int64_t dtype;     /* the loom_dtype the spec declares (F32 for now) */
} loom_weight_desc;

/* How a layer's RoPE pairs the dimensions of a head. Checkpoint loaders need it: llama.cpp's converter
 * reorders the Q/K rows of llama models for adjacent pairs, transformers checkpoints keep NeoX halves. */
enum { LOOM_ROPE_NONE = 0, LOOM_ROPE_HALF = 1, LOOM_ROPE_INTERLEAVED = 2 };

typedef struct loom_layer_cache_desc {
  int64_t kv_heads;
  int64_t head_dim;
  int64_t mask;         /* LOOM_MASK_* (Kernels.h) */
  int64_t window;       /* tokens the layer can see; 0: the whole context */
  int64_t rope_pairing; /* LOOM_ROPE_*, of the keys (queries are paired alike) */
  int64_t rope_dims;    /* rotated dimensions of each head; 0 without RoPE */
} loom_layer_cache_desc;

typedef struct loom_model_desc {
  int64_t abi_version;
  const char *arch_name;
  int64_t vocab;
  int64_t d_model;
  int64_t n_layers;
  int64_t max_context;
  int64_t max_chunk;     /* tokens per loom_generated_forward call */
  int64_t scratch_bytes; /* scratch the forward needs for max_chunk tokens */
  int64_t n_weights;
  const loom_weight_desc *weights;
  const loom_layer_cache_desc *layers; /* n_layers entries */
} loom_model_desc;

const loom_model_desc *loom_generated_descriptor(void);

/* Runs tokens[0..n) at positions start_pos.. (n <= max_chunk), reading and appending the KV caches
 * (k_caches[l], v_caches[l] are [capacity, kv_heads, head_dim] F32, capacity <= max_context) and writing the logits of
 * rows first_logit_row..n-1 to logits ((n - first_logit_row) x vocab). */
void loom_generated_forward(const loom_tensor *weights, float *const *k_caches, float *const *v_caches,
                            const int32_t *tokens, int64_t n, int64_t start_pos, int64_t first_logit_row,
                            void *scratch, float *logits);

#ifdef __cplusplus
}
#endif

#endif /* LOOM_RUNTIME_MODELABI_H */
