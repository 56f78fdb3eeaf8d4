/*===- ModelABI.h - What a compiled model object provides the runtime ---===*
 *
 * `loom compile` emits an object with exactly two symbols, linked with the
 * runtime archive into a shared library:
 *   - loom_generated_descriptor(): the model's static description (hyper-
 *     parameters, the weight manifest, the caches);
 *   - loom_generated_forward(): one forward pass over at most max_chunk tokens.
 * The runtime (runtime/lib/Model.cpp) owns weights, caches, chunking, scratch
 * memory and the public C API in loom.h.
 *
 *===--------------------------------------------------------------------===*/
#ifndef LOOM_RUNTIME_MODELABI_H
#define LOOM_RUNTIME_MODELABI_H

#include "loom/Runtime/Tensor.h"

#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LOOM_ABI_VERSION 7
#define LOOM_MAX_RANK 4

/* How a weight's rows pair the dimensions RoPE rotates, for the q/k projections of a layer with RoPE. The
 * checkpoint loaders need it: llama.cpp's converter reorders the Q/K rows of llama models into adjacent
 * pairs, transformers checkpoints keep NeoX halves. */
enum { LOOM_ROPE_NONE = 0, LOOM_ROPE_HALF = 1, LOOM_ROPE_INTERLEAVED = 2 };

/* How the runtime may store a weight. Values are part of the ABI. */
enum {
  LOOM_LAYOUT_AS_STORED = 0,    /* as the checkpoint has it (dequantized inside the kernels) */
  LOOM_LAYOUT_PRODUCT_ROWS = 1, /* only loom_k_linear reads it: the runtime may repack it at load into the
                                 * layout loom_k_linear_packed_dtype names */
};

typedef struct loom_weight_desc {
  const char *name;  /* e.g. "layers.0.attention.q_proj.weight" */
  int64_t rank;
  int64_t shape[LOOM_MAX_RANK];
  int64_t dtype;     /* the loom_dtype the spec declares (F32 for now) */
  int64_t rope_pairing;  /* LOOM_ROPE_*: rows are heads of rope_head_dim whose first rope_dims rotate */
  int64_t rope_head_dim;
  int64_t rope_dims;
  int64_t layout; /* LOOM_LAYOUT_* */
} loom_weight_desc;

/* What a cache holds and how many rows it keeps. Values are part of the ABI. */
enum {
  LOOM_CACHE_FULL = 0,  /* every position of the sequence: as many rows as the cache's capacity */
  LOOM_CACHE_RING = 1,  /* the last `window` positions: a ring of window + max_chunk - 1 rows */
  LOOM_CACHE_CHUNK = 2, /* the current attention chunk of `window` positions: window + max_chunk - 1 rows */
  LOOM_CACHE_LATENT = 3, /* MLA: every position's [c_kv | rotated shared key] as one key row; value_dim 0 */
  LOOM_CACHE_RECURRENT = 4, /* a linear-attention mixer's state, whatever the sequence's length: in `keys` the
                             * last `window` inputs of its causal convolution ([window, conv_channels], oldest
                             * first), in `values` one [key_dim, value_dim] matrix per head (kv_heads of them);
                             * always F32. It cannot roll back: only position 0 restarts it. */
};

/* One cache of the model. Caches are not layers: a layer may own several or share one. */
typedef struct loom_cache_desc {
  int64_t kind;      /* LOOM_CACHE_* */
  int64_t window;    /* RING and CHUNK: positions a query can see; FULL: 0 */
  int64_t kv_heads;
  int64_t key_dim;   /* elements of one head's key */
  int64_t value_dim; /* elements of one head's value */
  int64_t conv_channels; /* RECURRENT: channels of the convolution's input; 0 for the other kinds */
} loom_cache_desc;

/* The numerics profile a library was compiled with (`loom compile --numerics`, docs/numerics.md). Values are part of
 * the ABI. */
enum {
  LOOM_NUMERICS_FAST = 0, /* whatever order and approximation the kernels find fastest, within the tested bounds */
  LOOM_NUMERICS_GGML = 1, /* llama.cpp's results on x86: its summation orders and its half-precision GELU table */
};

/* The profiles' names, as `--numerics` takes them and `loom report` prints them: the one mapping. */
static inline const char *loom_numerics_name(int64_t profile) {
  return profile == LOOM_NUMERICS_GGML ? "ggml" : profile == LOOM_NUMERICS_FAST ? "fast" : "unknown";
}
/* The profile named `name`, or -1. */
static inline int64_t loom_numerics_from_name(const char *name) {
  for (int64_t profile = LOOM_NUMERICS_FAST; profile <= LOOM_NUMERICS_GGML; ++profile)
    if (strcmp(name, loom_numerics_name(profile)) == 0)
      return profile;
  return -1;
}

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
  int64_t n_caches;
  const loom_cache_desc *caches;
  /* When every RoPE of the model is one Llama 3.1 scaling: its per-pair frequency divisors (Kernels.h,
   * loom_k_rope), which is what a llama GGUF file's rope_freqs.weight holds; the loader checks a file's table
   * against them. 0 and NULL otherwise. */
  int64_t n_rope_freq_divisors;
  const float *rope_freq_divisors;
  int64_t numerics; /* LOOM_NUMERICS_* */
} loom_model_desc;

/* A cache as generated code and kernels see it: position p of the sequence lives in row p % rows of both
 * buffers, [rows, kv_heads, key_dim] and [rows, kv_heads, value_dim] of `dtype` elements (LOOM_DTYPE_F32 or
 * LOOM_DTYPE_F16, chosen when the cache is created). A FULL cache has rows >= every position it will hold,
 * so the row is the position. A RECURRENT cache is its state instead (LOOM_CACHE_RECURRENT): rows = window,
 * dtype F32. */
typedef struct loom_cache_view {
  void *keys;
  void *values;
  int64_t rows;
  int64_t dtype;
} loom_cache_view;

const loom_model_desc *loom_generated_descriptor(void);

/* Runs tokens[0..n) at positions start_pos.. (n <= max_chunk), reading and appending the caches (caches[i]
 * is the view of descriptor cache i) and writing the logits of rows first_logit_row..n-1 to logits
 * ((n - first_logit_row) x vocab). */
void loom_generated_forward(const loom_tensor *weights, const loom_cache_view *caches, const int32_t *tokens,
                            int64_t n, int64_t start_pos, int64_t first_logit_row, void *scratch, float *logits);

#ifdef __cplusplus
}
#endif

#endif /* LOOM_RUNTIME_MODELABI_H */
