//===- BenchCommand.cpp - `loom bench LIB_OR_SPEC` ----------------------===//
//
// Whole-model throughput: prefill and decode tokens/s over several
// repetitions, reported as median and spread (min..max) because single runs
// on a shared machine are noisy.
//
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "Generation.h"
#include "ModelOptions.h"
#include "ResourceUsage.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace llvm;

namespace {
cl::SubCommand sub("bench", "Measure prefill and decode throughput of a model");
loom::ModelTargetOptions model(sub);
cl::opt<std::string> weights("weights", cl::desc("Weights file (default: seeded random weights)"), cl::init(""),
                             cl::sub(sub));
cl::opt<int64_t> promptLength("prompt-len", cl::desc("Prompt tokens to prefill"), cl::init(64), cl::sub(sub));
cl::opt<int64_t> decodeCount("n", cl::desc("Tokens to decode"), cl::init(32), cl::sub(sub));
cl::opt<int> repetitions("reps", cl::desc("Repetitions"), cl::init(5), cl::sub(sub));
cl::opt<bool> json("json", cl::desc("Print JSON"), cl::sub(sub));

struct Summary {
  double median, min, max;
};
Summary summarize(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  double median = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
  return {median, values.front(), values.back()};
}

int run() {
  if (repetitions < 1 || promptLength < 1 || decodeCount < 2)
    return loom::reportError(createStringError("--reps and --prompt-len must be >= 1 and -n >= 2"));
  auto loaded = model.open(weights);
  if (!loaded)
    return loom::reportError(loaded.takeError());
  const loom::ModelApi &api = (*loaded)->api();
  if (auto err = (*loaded)->loadWeights(weights, /*seed=*/0))
    return loom::reportError(std::move(err));
  auto cache = (*loaded)->newCache(std::min<int64_t>(promptLength + decodeCount, (*loaded)->info().max_context));
  if (!cache)
    return loom::reportError(cache.takeError());
  std::vector<int32_t> prompt = loom::syntheticPrompt(promptLength, (*loaded)->info().vocab, 1);
  loom_sampler_params greedy{0.0f, 0, 1.0f, 0};
  loom_sampler *sampler = api.loom_sampler_create(&greedy);

  std::vector<double> prefill, decode;
  // One untimed warm-up run faults in the weights and spins up the thread pool.
  for (int rep = -1; rep < repetitions; ++rep) {
    api.loom_kv_cache_reset(*cache);
    auto stats = loom::generate(**loaded, *cache, prompt, decodeCount, sampler, [](int32_t) { return true; });
    if (!stats) {
      api.loom_sampler_free(sampler);
      return loom::reportError(stats.takeError());
    }
    if (rep >= 0) {
      prefill.push_back(stats->prefillTokensPerSecond());
      decode.push_back(stats->decodeTokensPerSecond());
    }
  }
  api.loom_sampler_free(sampler);
  Summary p = summarize(prefill), d = summarize(decode);
  const loom_model_info &info = (*loaded)->info();
  if (json) {
    json::OStream out(outs(), 2);
    out.object([&] {
      out.attribute("architecture", info.arch_name);
      out.attribute("numerics", info.numerics);
      out.attribute("kernels", info.kernels);
      out.attribute("threads", api.loom_num_threads());
      out.attribute("prompt_tokens", promptLength.getValue());
      out.attribute("decode_tokens", decodeCount.getValue());
      out.attribute("repetitions", repetitions.getValue());
      out.attribute("prefill_tokens_per_s", json::Object{{"median", p.median}, {"min", p.min}, {"max", p.max}});
      out.attribute("decode_tokens_per_s", json::Object{{"median", d.median}, {"min", d.min}, {"max", d.max}});
      out.attribute("peak_rss_bytes", static_cast<int64_t>(loom::peakResidentBytes()));
      out.attribute("kv_cache_bytes", static_cast<int64_t>(api.loom_kv_cache_bytes(*cache)));
      out.attribute("activation_bytes", info.activation_bytes);
    });
    outs() << "\n";
    return 0;
  }
  outs() << "architecture " << info.arch_name << ", numerics " << info.numerics << ", kernels " << info.kernels << ", threads " << api.loom_num_threads() << ", prompt " << promptLength
         << " tokens, decode " << decodeCount << " tokens, " << repetitions << " repetitions\n"
         << format("prefill: %.1f tokens/s median (min %.1f, max %.1f)\n", p.median, p.min, p.max)
         << format("decode:  %.1f tokens/s median (min %.1f, max %.1f)\n", d.median, d.min, d.max)
         << loom::peakMemoryLine(api.loom_kv_cache_bytes(*cache), info.activation_bytes);
  return 0;
}
} // namespace

loom::Command loom::benchCommand() { return {sub, run}; }
