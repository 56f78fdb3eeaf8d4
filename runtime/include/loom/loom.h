/*===- loom.h - The C API of a Loom-compiled model library --------------===*
 *
 * Every library produced by `loom compile` exports these functions. The model-
 * specific header `loom compile` writes beside the library repeats them with
 * the model's constants. Functions returning int return 0 on success and -1 on
 * error; loom_last_error() then describes the error (thread-local).
 *
 *===--------------------------------------------------------------------===*/
#ifndef LOOM_H
#define LOOM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct loom_model loom_model;
typedef struct loom_kv_cache loom_kv_cache;
typedef struct loom_sampler loom_sampler;

typedef struct loom_model_info {
  const char *arch_name;
  int64_t vocab;
  int64_t d_model;
  int64_t n_layers;
  int64_t max_context;
  int64_t n_weights;
  int64_t kv_bytes_per_token; /* over all layers, F32 */
  const char *numerics;       /* the numerics profile it was compiled with: "fast" or "ggml" */
  int64_t activation_bytes;   /* the forward pass's working memory, allocated once by loom_model_create */
  const char *kernels;        /* the kernel variant this CPU runs, e.g. "x86-64 avx512-vnni" */
} loom_model_info;

const char *loom_last_error(void);

/* Threads for all kernels of this library; 0 = one per hardware thread, and at most 256 (a larger count is
 * capped). loom_num_threads reports the count the kernels run with. */
void loom_set_num_threads(int32_t n);
int32_t loom_num_threads(void);

loom_model *loom_model_create(void);
void loom_model_free(loom_model *model);
void loom_model_get_info(const loom_model *model, loom_model_info *info);
/* Weight manifest: name, rank, shape of tensor i (0 <= i < n_weights). */
const char *loom_model_weight_name(const loom_model *model, int64_t i);
int64_t loom_model_weight_shape(const loom_model *model, int64_t i, int64_t *shape /* >= 4 */);

/* Loads every manifest tensor from a file (safetensors, a sharded checkpoint's *.index.json, or GGUF, detected
 * by its magic); names, shapes and dtypes are checked. */
int loom_model_load_weights(loom_model *model, const char *path);
/* Fills every weight with seeded N(0, stddev) values (norm weights with 1 + N(0, stddev)). */
int loom_model_init_random(loom_model *model, uint64_t seed, float stddev);

/* A cache for one sequence holding up to max_context tokens (0: the model's maximum), keys and values in F32. */
loom_kv_cache *loom_kv_cache_create(const loom_model *model, int64_t max_context);
/* Likewise with keys and values stored as kv_dtype: 0 (F32) or 1 (F16, half the memory; llama.cpp's default). */
loom_kv_cache *loom_kv_cache_create_typed(const loom_model *model, int64_t max_context, int32_t kv_dtype);
void loom_kv_cache_free(loom_kv_cache *cache);
int64_t loom_kv_cache_position(const loom_kv_cache *cache); /* tokens held */
int64_t loom_kv_cache_capacity(const loom_kv_cache *cache);
int loom_kv_cache_truncate(loom_kv_cache *cache, int64_t position);
void loom_kv_cache_reset(loom_kv_cache *cache);
size_t loom_kv_cache_bytes(const loom_kv_cache *cache);

/* Appends tokens to the sequence in cache and runs them. If all_logits, logits receives n x vocab
 * floats (one row per token), else only the last token's vocab floats. logits may be NULL. Errors
 * (token id out of range, sequence longer than the cache) leave the cache unchanged. */
int loom_model_forward(loom_model *model, loom_kv_cache *cache, const int32_t *tokens, int64_t n,
                       int all_logits, float *logits);

typedef struct loom_sampler_params {
  float temperature; /* <= 0: greedy */
  int32_t top_k;     /* <= 0: disabled */
  float top_p;       /* >= 1: disabled */
  uint64_t seed;
} loom_sampler_params;

loom_sampler *loom_sampler_create(const loom_sampler_params *params);
void loom_sampler_free(loom_sampler *sampler);
int32_t loom_sampler_sample(loom_sampler *sampler, const float *logits, int64_t vocab);

#ifdef __cplusplus
}
#endif

#endif /* LOOM_H */
