//===- Model.cpp - Model lifetime, weights and the chunked forward --------===//

#include "Model.h"
#include "Checkpoint.h"
#include "Descriptor.h"
#include "Error.h"
#include "KVCache.h"
#include "PublicAPI.h"
#include "RandomInit.h"
#include "loom/Runtime/Kernels.h"

#include <algorithm>
#include <new>
#include <utility>

using namespace loom::rt;

loom_model *loom_model_create(void) {
  if (const char *why = loom_kernels_unavailable()) {
    fail("{}", why);
    return nullptr;
  }
  const loom_model_desc *desc = loom_generated_descriptor();
  if (!validateDescriptor(desc))
    return nullptr;
  loom_model *model = new (std::nothrow) loom_model;
  if (!model) {
    fail("out of memory allocating a model");
    return nullptr;
  }
  model->desc = desc;
  model->weights = WeightStore(size_t(desc->n_weights));
  if (!model->scratch.allocate(size_t(desc->scratch_bytes), "the forward pass's scratch memory")) {
    delete model;
    return nullptr;
  }
  return model;
}

void loom_model_free(loom_model *model) { delete model; }

void loom_model_get_info(const loom_model *model, loom_model_info *info) {
  if (!model || !info) {
    fail("loom_model_get_info: {} is NULL", model ? "info" : "model");
    return;
  }
  const loom_model_desc &desc = *model->desc;
  info->arch_name = desc.arch_name ? desc.arch_name : "";
  info->vocab = desc.vocab;
  info->d_model = desc.d_model;
  info->n_layers = desc.n_layers;
  info->max_context = desc.max_context;
  info->n_weights = desc.n_weights;
  info->kv_bytes_per_token = kvBytesPerToken(desc);
  info->numerics = loom_numerics_name(desc.numerics);
  info->activation_bytes = desc.scratch_bytes;
  info->kernels = loom_kernels_variant();
}

namespace {

const loom_weight_desc *manifestEntry(const loom_model *model, int64_t i, const char *caller) {
  if (!model) {
    fail("{}: model is NULL", caller);
    return nullptr;
  }
  if (i < 0 || i >= model->desc->n_weights) {
    fail("{}: weight index {} is outside [0, {})", caller, i, model->desc->n_weights);
    return nullptr;
  }
  return &model->desc->weights[i];
}

} // namespace

const char *loom_model_weight_name(const loom_model *model, int64_t i) {
  const loom_weight_desc *weight = manifestEntry(model, i, "loom_model_weight_name");
  return weight ? weight->name : nullptr;
}

int64_t loom_model_weight_shape(const loom_model *model, int64_t i, int64_t *shape) {
  const loom_weight_desc *weight = manifestEntry(model, i, "loom_model_weight_shape");
  if (!weight)
    return -1;
  if (!shape)
    return failStatus("loom_model_weight_shape: shape is NULL");
  std::copy(weight->shape, weight->shape + weight->rank, shape);
  return weight->rank;
}

int loom_model_load_weights(loom_model *model, const char *path) {
  if (!model || !path)
    return failStatus("loom_model_load_weights: {} is NULL", model ? "path" : "model");
  WeightStore store(size_t(model->desc->n_weights));
  if (!loadCheckpoint(*model->desc, path, store) || !store.packForProducts(*model->desc))
    return -1;
  model->weights = std::move(store);
  model->weightsLoaded = true;
  return 0;
}

int loom_model_init_random(loom_model *model, uint64_t seed, float stddev) {
  if (!model)
    return failStatus("loom_model_init_random: model is NULL");
  WeightStore store(size_t(model->desc->n_weights));
  if (!initRandomWeights(*model->desc, seed, stddev, store) || !store.packForProducts(*model->desc))
    return -1;
  model->weights = std::move(store);
  model->weightsLoaded = true;
  return 0;
}

namespace {

/// Everything that can make a forward pass fail is checked before the first
/// chunk runs, so a failed call leaves the cache exactly as it was.
bool checkForward(const loom_model *model, const loom_kv_cache *cache, const int32_t *tokens, int64_t n) {
  if (!model || !cache || !tokens)
    return fail("loom_model_forward: {} is NULL", !model ? "model" : !cache ? "cache" : "tokens");
  const loom_model_desc &desc = *model->desc;
  if (!model->weightsLoaded)
    return fail("the model has no weights: call loom_model_load_weights or loom_model_init_random first");
  if (cache->desc != model->desc)
    return fail("the KV cache was created for a different model");
  if (n < 1)
    return fail("a forward pass needs at least one token, got n = {}", n);
  if (n > cache->capacity - cache->position)
    return fail("prompt of {} tokens exceeds the context: position {} + {} > capacity {}", n, cache->position,
                n, cache->capacity);
  for (int64_t i = 0; i < n; ++i)
    if (tokens[i] < 0 || tokens[i] >= desc.vocab)
      return fail("token {} has id {}, outside the vocabulary [0, {})", i, tokens[i], desc.vocab);
  return true;
}

} // namespace

int loom_model_forward(loom_model *model, loom_kv_cache *cache, const int32_t *tokens, int64_t n, int all_logits,
                       float *logits) {
  if (!checkForward(model, cache, tokens, n))
    return -1;
  const loom_model_desc &desc = *model->desc;
  const int64_t start = cache->position;
  // The generated forward handles at most max_chunk tokens (its scratch is
  // sized for that). Chunks run in order, each appending to the caches what
  // the next one attends to.
  for (int64_t offset = 0; offset < n; offset += desc.max_chunk) {
    const int64_t length = std::min(desc.max_chunk, n - offset);
    // Rows first_logit_row..length-1 get logits; first_logit_row == length
    // asks for none, which lets the model skip the output projection.
    int64_t firstLogitRow = length;
    float *destination = nullptr;
    if (logits && all_logits) {
      firstLogitRow = 0;
      destination = logits + offset * desc.vocab;
    } else if (logits && offset + length == n) {
      firstLogitRow = length - 1;
      destination = logits;
    }
    loom_generated_forward(model->weights.table(), cache->views.data(), tokens + offset, length, start + offset,
                           firstLogitRow, model->scratch.data(), destination);
  }
  cache->position = start + n;
  return 0;
}
