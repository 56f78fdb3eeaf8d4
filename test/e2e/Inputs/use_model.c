/* A plain C program using a Loom model library through its generated header and dlopen.
 * Checks: the API runs end to end, incremental decode equals one batched pass (1e-5), a prompt
 * beyond the context is an error that leaves the cache usable, truncate rewinds the sequence. */
#include "libtiny.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N_TOKENS 12
#define PREFILL 5

static int failures = 0, passes = 0;
static void check(int ok, const char *what) {
  printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
  if (ok) ++passes; else ++failures;
}

#define LOOKUP(name)                                                                                 \
  __typeof__(&name) p_##name = (__typeof__(&name))dlsym(lib, #name);                             \
  if (!p_##name) { fprintf(stderr, "missing symbol %s\n", #name); return 2; }

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: %s LIBRARY\n", argv[0]); return 2; }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 2; }
  LOOKUP(loom_model_create) LOOKUP(loom_model_free) LOOKUP(loom_model_get_info)
  LOOKUP(loom_model_init_random) LOOKUP(loom_kv_cache_create) LOOKUP(loom_kv_cache_free)
  LOOKUP(loom_kv_cache_position) LOOKUP(loom_kv_cache_truncate) LOOKUP(loom_model_forward)
  LOOKUP(loom_last_error) LOOKUP(loom_set_num_threads)

  p_loom_set_num_threads(2);
  loom_model *model = p_loom_model_create();
  check(model != NULL, "create");
  loom_model_info info;
  p_loom_model_get_info(model, &info);
  printf("model %s vocab %lld layers %lld\n", info.arch_name, (long long)info.vocab, (long long)info.n_layers);
  check(info.vocab == LOOM_TINYQWEN3_VOCAB && info.n_layers == LOOM_TINYQWEN3_N_LAYERS, "header constants match");
  check(p_loom_model_init_random(model, 7, 0.05f) == 0, "random weights");

  int32_t tokens[N_TOKENS];
  for (int i = 0; i < N_TOKENS; ++i) tokens[i] = (i * 37 + 11) % LOOM_TINYQWEN3_VOCAB;
  size_t vocab = (size_t)info.vocab;
  float *batched = malloc(sizeof(float) * N_TOKENS * vocab);
  float *stepped = malloc(sizeof(float) * N_TOKENS * vocab);

  loom_kv_cache *cache = p_loom_kv_cache_create(model, 0);
  check(p_loom_model_forward(model, cache, tokens, N_TOKENS, 1, batched) == 0, "batched forward");
  check(p_loom_kv_cache_position(cache) == N_TOKENS, "position advanced");

  loom_kv_cache *cache2 = p_loom_kv_cache_create(model, 0);
  int ok = p_loom_model_forward(model, cache2, tokens, PREFILL, 1, stepped) == 0;
  for (int i = PREFILL; i < N_TOKENS && ok; ++i)
    ok = p_loom_model_forward(model, cache2, tokens + i, 1, 1, stepped + (size_t)i * vocab) == 0;
  check(ok, "prefill + one token at a time");
  double max_diff = 0, max_abs = 0;
  for (size_t i = 0; i < N_TOKENS * vocab; ++i) {
    double d = fabs((double)batched[i] - stepped[i]);
    if (d > max_diff || isnan(d)) max_diff = isnan(d) ? INFINITY : d;
    if (fabs(batched[i]) > max_abs) max_abs = fabs(batched[i]);
  }
  printf("incremental vs batched max-abs %.3g (logits up to %.3g)\n", max_diff, max_abs);
  check(max_diff <= 1e-5 && max_abs > 0, "incremental decode equals recompute within 1e-5");

  int32_t *long_prompt = calloc(LOOM_TINYQWEN3_MAX_CONTEXT, sizeof(int32_t));
  check(p_loom_model_forward(model, cache2, long_prompt, LOOM_TINYQWEN3_MAX_CONTEXT, 0, NULL) != 0,
        "prompt beyond the context is an error");
  printf("error: %s\n", p_loom_last_error());
  check(p_loom_kv_cache_position(cache2) == N_TOKENS, "failed forward leaves the cache unchanged");

  check(p_loom_kv_cache_truncate(cache2, PREFILL) == 0 && p_loom_kv_cache_position(cache2) == PREFILL, "truncate");
  float *again = malloc(sizeof(float) * vocab);
  check(p_loom_model_forward(model, cache2, tokens + PREFILL, 1, 0, again) == 0, "decode after truncate");
  double d2 = 0;
  for (size_t v = 0; v < vocab; ++v)
    d2 = fmax(d2, fabs((double)again[v] - batched[(size_t)PREFILL * vocab + v]));
  check(d2 <= 1e-5, "decode after truncate equals recompute");

  p_loom_kv_cache_free(cache);
  p_loom_kv_cache_free(cache2);
  p_loom_model_free(model);
  free(batched); free(stepped); free(long_prompt); free(again);
  printf("%d passed, %d failed\n", passes, failures);
  return failures != 0;
}
