/* An application embedding a Loom model library through its C API alone (dlopen, loom.h): loads the
 * weights, prefills a prompt of token ids, decodes greedily, and prints its own peak resident memory with
 * the sizes it is made of, so that a test can hold what embedding costs to the model's own bytes.
 *
 * usage: embed_and_generate LIBRARY WEIGHTS PROMPT_TOKENS DECODE_TOKENS
 * prints: tokens ID ID ... / peak_rss_bytes N / kv_cache_bytes N / activation_bytes N / logits_bytes N */
#include "loom/loom.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

/* This program's own peak (VmHWM), not getrusage's ru_maxrss: Linux carries the parent's size at fork into
 * the child's ru_maxrss across exec, and the parent here is a test's Python with torch loaded. */
static long long peakResidentKiB(void) {
  FILE *status = fopen("/proc/self/status", "r");
  char line[256];
  long long kib = -1;
  while (status && kib < 0 && fgets(line, sizeof line, status))
    if (sscanf(line, "VmHWM: %lld kB", &kib) != 1)
      kib = -1;
  if (status)
    fclose(status);
  return kib;
}

#define LOOKUP(name)                                                                                          \
  __typeof__(&name) p_##name = (__typeof__(&name))dlsym(lib, #name);                                        \
  if (!p_##name) {                                                                                            \
    fprintf(stderr, "missing symbol %s\n", #name);                                                            \
    return 2;                                                                                                 \
  }

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s LIBRARY WEIGHTS PROMPT_TOKENS DECODE_TOKENS\n", argv[0]);
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 2;
  }
  LOOKUP(loom_last_error) LOOKUP(loom_set_num_threads) LOOKUP(loom_model_create) LOOKUP(loom_model_get_info)
  LOOKUP(loom_model_load_weights) LOOKUP(loom_kv_cache_create) LOOKUP(loom_kv_cache_bytes)
  LOOKUP(loom_model_forward) LOOKUP(loom_kv_cache_free) LOOKUP(loom_model_free)
  long promptTokens = atol(argv[3]), decodeTokens = atol(argv[4]);

  p_loom_set_num_threads(2);
  loom_model *model = p_loom_model_create();
  if (!model || p_loom_model_load_weights(model, argv[2]) != 0) {
    fprintf(stderr, "loading %s: %s\n", argv[2], p_loom_last_error());
    return 1;
  }
  loom_model_info info;
  p_loom_model_get_info(model, &info);
  loom_kv_cache *cache = p_loom_kv_cache_create(model, promptTokens + decodeTokens);
  size_t logitsBytes = (size_t)info.vocab * sizeof(float);
  float *logits = malloc(logitsBytes);
  int32_t *tokens = malloc((size_t)(promptTokens + decodeTokens) * sizeof(int32_t));
  if (!cache || !logits || !tokens) {
    fprintf(stderr, "out of memory: %s\n", p_loom_last_error());
    return 1;
  }
  for (long i = 0; i < promptTokens; ++i)
    tokens[i] = (int32_t)((i * 7919 + 17) % info.vocab);
  long n = promptTokens, fed = 0;
  for (long step = 0; step <= decodeTokens; ++step) {
    if (p_loom_model_forward(model, cache, tokens + fed, n - fed, 0, logits) != 0) {
      fprintf(stderr, "forward: %s\n", p_loom_last_error());
      return 1;
    }
    fed = n;
    if (step == decodeTokens)
      break;
    int32_t best = 0;
    for (int64_t v = 1; v < info.vocab; ++v)
      if (logits[v] > logits[best])
        best = (int32_t)v;
    tokens[n++] = best;
  }
  printf("tokens");
  for (long i = promptTokens; i < n; ++i)
    printf(" %d", tokens[i]);
  printf("\npeak_rss_bytes %lld\nkv_cache_bytes %zu\nactivation_bytes %lld\nlogits_bytes %zu\n",
         peakResidentKiB() * 1024, p_loom_kv_cache_bytes(cache), (long long)info.activation_bytes, logitsBytes);
  p_loom_kv_cache_free(cache);
  p_loom_model_free(model);
  free(tokens);
  free(logits);
  return 0;
}
