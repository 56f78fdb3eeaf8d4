/* loom-target-run: runs a model library on a target without the host's tools, as `loom logits` and
 * greedy `loom run` do, so that a cross-compiled library's results can be compared with the host's.
 *
 *   loom-target-run LIB.so (--weights FILE | --random-weights [--seed N]) --tokens 1,2,3
 *                   [--out LOGITS.bin [--decode-from N]] [--generate N] [--threads N] [--rerun-seed N]
 *                   [--kernels]
 *
 * --out writes float32 logits [n_tokens, vocab] as `loom logits` does (random weights: the runtime's
 * generator with stddev 0.02, as there); --decode-from N prefills N tokens in one pass and feeds the
 * rest one at a time. --generate N prints the N greedy tokens after the prompt as "generated: ...".
 * --kernels prints the kernel variant the library runs here as "kernels: ...".
 * --rerun-seed N (repeatable) runs the tokens once, then gives the model new random weights (seed N) and a
 * new KV cache and runs them again, reporting the last run: the weights and caches of each run are freed
 * while the library is loaded, and a later run may get their memory (what a GPU kit must not confuse with
 * the device copies it kept of them). */
#include "loom/loom.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API(X)                                                                                           \
  X(loom_last_error) X(loom_set_num_threads) X(loom_model_create) X(loom_model_free) X(loom_model_get_info) \
  X(loom_model_load_weights) X(loom_model_init_random) X(loom_kv_cache_create) X(loom_kv_cache_free)     \
  X(loom_model_forward)

#define DECLARE(name) static __typeof__(&name) p_##name;
API(DECLARE)

static int fail(const char *what, const char *detail) {
  fprintf(stderr, "loom-target-run: error: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  return 1;
}

static long long parseInt(const char *text, const char *flag) {
  char *end;
  errno = 0;
  long long value = strtoll(text, &end, 10);
  if (errno || end == text || *end) {
    fprintf(stderr, "loom-target-run: error: %s expects an integer, got '%s'\n", flag, text);
    exit(2);
  }
  return value;
}

/* Token ids from "1,2,3"; returns their count, or -1. */
static long long parseTokens(const char *text, int32_t **ids) {
  long long n = 1;
  for (const char *c = text; *c; ++c)
    n += *c == ',';
  *ids = malloc(sizeof(int32_t) * (size_t)n);
  char *copy = strdup(text), *save = NULL;
  long long count = 0;
  for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save))
    (*ids)[count++] = (int32_t)parseInt(item, "--tokens");
  free(copy);
  return count == n ? count : -1;
}

static size_t argmax(const float *row, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; ++i)
    if (row[i] > row[best])
      best = i;
  return best;
}

int main(int argc, char **argv) {
  const char *library = NULL, *weights = NULL, *tokensText = NULL, *out = NULL;
  int random = 0, printKernels = 0;
  long long seed = 0, decodeFrom = -1, generate = 0, threads = 0;
  enum { kMaxReruns = 4 };
  long long rerunSeeds[kMaxReruns];
  int reruns = 0;
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    int hasValue = i + 1 < argc;
    if (!strcmp(arg, "--random-weights"))
      random = 1;
    else if (!strcmp(arg, "--kernels"))
      printKernels = 1;
    else if (!strcmp(arg, "--weights") && hasValue)
      weights = argv[++i];
    else if (!strcmp(arg, "--seed") && hasValue)
      seed = parseInt(argv[++i], arg);
    else if (!strcmp(arg, "--tokens") && hasValue)
      tokensText = argv[++i];
    else if (!strcmp(arg, "--out") && hasValue)
      out = argv[++i];
    else if (!strcmp(arg, "--decode-from") && hasValue)
      decodeFrom = parseInt(argv[++i], arg);
    else if (!strcmp(arg, "--generate") && hasValue)
      generate = parseInt(argv[++i], arg);
    else if (!strcmp(arg, "--threads") && hasValue)
      threads = parseInt(argv[++i], arg);
    else if (!strcmp(arg, "--rerun-seed") && hasValue && reruns < kMaxReruns)
      rerunSeeds[reruns++] = parseInt(argv[++i], arg);
    else if (arg[0] != '-' && !library)
      library = arg;
    else {
      fprintf(stderr, "loom-target-run: error: unknown or incomplete argument '%s'\n", arg);
      return 2;
    }
  }
  if (!library || !tokensText || random == (weights != NULL) || (!out && generate <= 0) ||
      (reruns > 0 && !random)) {
    fprintf(stderr, "usage: %s LIB.so (--weights FILE | --random-weights [--seed N] [--rerun-seed N]) "
                    "--tokens 1,2,3 [--out FILE [--decode-from N]] [--generate N] [--threads N] [--kernels]\n", argv[0]);
    return 2;
  }

  void *lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    return fail("cannot load the model library", dlerror());
#define LOOKUP(name)                                                                                     \
  if (!(p_##name = (__typeof__(&name))dlsym(lib, #name)))                                                  \
    return fail("the model library lacks", #name);
  API(LOOKUP)

  int32_t *tokens;
  long long n = parseTokens(tokensText, &tokens);
  if (n <= 0)
    return fail("--tokens must be a comma-separated list of token ids", tokensText);
  if (threads > 0)
    p_loom_set_num_threads((int32_t)threads);
  loom_model *model = p_loom_model_create();
  if (!model)
    return fail("cannot create the model", p_loom_last_error());
  loom_model_info info;
  p_loom_model_get_info(model, &info);
  if (printKernels)
    printf("kernels: %s\n", info.kernels);
  int loaded = random ? p_loom_model_init_random(model, (uint64_t)seed, 0.02f) : p_loom_model_load_weights(model, weights);
  if (loaded != 0)
    return fail("cannot load the weights", p_loom_last_error());
  size_t vocab = (size_t)info.vocab;
  long long batched = decodeFrom < 0 || decodeFrom > n ? n : decodeFrom;
  float *logits = malloc(sizeof(float) * vocab * (size_t)(n + (generate > 0 ? generate : 0)));
  loom_kv_cache *cache = NULL;
  for (int run = 0; run <= reruns; ++run) {
    if (run > 0) {
      p_loom_kv_cache_free(cache);
      if (p_loom_model_init_random(model, (uint64_t)rerunSeeds[run - 1], 0.02f) != 0)
        return fail("cannot load the weights", p_loom_last_error());
    }
    cache = p_loom_kv_cache_create(model, 0);
    if (!cache)
      return fail("cannot create the KV cache", p_loom_last_error());
    if (batched > 0 && p_loom_model_forward(model, cache, tokens, batched, 1, logits) != 0)
      return fail("forward failed", p_loom_last_error());
    for (long long i = batched; i < n; ++i)
      if (p_loom_model_forward(model, cache, tokens + i, 1, 1, logits + (size_t)i * vocab) != 0)
        return fail("forward failed", p_loom_last_error());
  }

  if (out) {
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(logits, sizeof(float) * vocab, (size_t)n, f) != (size_t)n || fclose(f) != 0)
      return fail("cannot write", out);
  }
  if (generate > 0) {
    printf("generated:");
    int32_t next = (int32_t)argmax(logits + (size_t)(n - 1) * vocab, vocab);
    for (long long i = 0; i < generate; ++i) {
      printf(" %d", next);
      if (i + 1 == generate)
        break;
      if (p_loom_model_forward(model, cache, &next, 1, 0, logits) != 0)
        return fail("forward failed", p_loom_last_error());
      next = (int32_t)argmax(logits, vocab);
    }
    printf("\n");
  }
  p_loom_kv_cache_free(cache);
  p_loom_model_free(model);
  free(logits);
  free(tokens);
  return 0;
}
