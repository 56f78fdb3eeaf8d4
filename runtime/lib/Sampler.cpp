//===- Sampler.cpp - Choosing the next token from logits ------------------===//
//
// Greedy decoding takes the arg max. Otherwise the logits are restricted to
// the top_k largest, divided by the temperature and soft-maxed; top_p then
// keeps the smallest prefix of the candidates, sorted by probability, whose
// mass reaches top_p (at least one candidate), and a token is drawn from what
// remains in proportion to its probability. Ties always favour the lowest
// token id, so a sampler's choices depend only on its parameters, its seed and
// the logits it has seen.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "PublicAPI.h"
#include "Random.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <vector>

using namespace loom::rt;

namespace {

struct Candidate {
  float logit;
  int32_t id;
};

/// Larger logit first; lower id first among equal logits.
bool ranksBefore(const Candidate &a, const Candidate &b) {
  return a.logit != b.logit ? a.logit > b.logit : a.id < b.id;
}

} // namespace

struct loom_sampler {
  explicit loom_sampler(const loom_sampler_params &params) : params(params), random(params.seed) {}

  loom_sampler_params params;
  Random random;
  /// Reused between calls: sampling runs once per generated token.
  std::vector<Candidate> candidates;
  /// Unnormalized probabilities of the candidates.
  std::vector<double> weights;
};

loom_sampler *loom_sampler_create(const loom_sampler_params *params) {
  if (!params) {
    fail("loom_sampler_create: params is NULL");
    return nullptr;
  }
  if (std::isnan(params->temperature) || std::isnan(params->top_p)) {
    fail("sampler parameters must not be NaN (temperature {}, top_p {})", params->temperature, params->top_p);
    return nullptr;
  }
  loom_sampler *sampler = new (std::nothrow) loom_sampler(*params);
  if (!sampler)
    fail("out of memory allocating a sampler");
  return sampler;
}

void loom_sampler_free(loom_sampler *sampler) { delete sampler; }

namespace {

/// Finds the arg max (lowest id among equal maxima) after checking that the
/// logits admit a distribution: no NaN or +inf, and not all -inf. -inf is
/// allowed and means "never this token".
bool checkedArgMax(const float *logits, int64_t vocab, int64_t &best) {
  best = 0;
  for (int64_t i = 0; i < vocab; ++i) {
    if (std::isnan(logits[i]) || logits[i] == INFINITY)
      return fail("logit {} is {}", i, logits[i]);
    if (logits[i] > logits[best])
      best = i;
  }
  if (logits[best] == -INFINITY)
    return fail("every logit is -inf");
  return true;
}

/// Fills `candidates` with the tokens that may be drawn, in rank order where
/// the remaining steps need it.
void selectCandidates(loom_sampler &sampler, const float *logits, int64_t vocab) {
  std::vector<Candidate> &candidates = sampler.candidates;
  candidates.clear();
  for (int64_t i = 0; i < vocab; ++i)
    if (logits[i] != -INFINITY) // Probability zero: never drawn.
      candidates.push_back({logits[i], int32_t(i)});
  const int32_t topK = sampler.params.top_k;
  if (topK > 0 && size_t(topK) < candidates.size()) {
    std::partial_sort(candidates.begin(), candidates.begin() + topK, candidates.end(), ranksBefore);
    candidates.resize(size_t(topK));
  } else if (sampler.params.top_p < 1) {
    std::sort(candidates.begin(), candidates.end(), ranksBefore);
  }
}

} // namespace

int32_t loom_sampler_sample(loom_sampler *sampler, const float *logits, int64_t vocab) {
  if (!sampler || !logits)
    return failStatus("loom_sampler_sample: {} is NULL", sampler ? "logits" : "sampler");
  if (vocab <= 0 || vocab > INT32_MAX)
    return failStatus("loom_sampler_sample: vocab must be in [1, 2^31), got {}", vocab);
  int64_t best;
  if (!checkedArgMax(logits, vocab, best))
    return -1;
  const loom_sampler_params &params = sampler->params;
  if (params.temperature <= 0)
    return int32_t(best);

  selectCandidates(*sampler, logits, vocab);
  std::vector<Candidate> &candidates = sampler->candidates;
  std::vector<double> &weights = sampler->weights;
  // Unnormalized softmax in double, shifted by the max so that exp cannot overflow.
  const double maxLogit = logits[best];
  weights.resize(candidates.size());
  double total = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    weights[i] = std::exp((double(candidates[i].logit) - maxLogit) / double(params.temperature));
    total += weights[i];
  }

  size_t kept = candidates.size();
  if (params.top_p < 1) {
    const double mass = double(params.top_p) * total;
    double cumulative = 0;
    kept = 0;
    do
      cumulative += weights[kept++];
    while (kept < candidates.size() && cumulative < mass);
    total = cumulative;
  }

  const double target = sampler->random.uniform() * total;
  double cumulative = 0;
  size_t lastPossible = 0; // The arg max has weight 1, so some candidate is possible.
  for (size_t i = 0; i < kept; ++i) {
    cumulative += weights[i];
    if (target < cumulative)
      return candidates[i].id;
    if (weights[i] > 0)
      lastPossible = i;
  }
  // Rounding of `target` can reach the full sum; never answer a token of probability zero.
  return candidates[lastPossible].id;
}
