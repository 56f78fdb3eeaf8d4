//===- RunCommand.cpp - `loom run LIB_OR_SPEC` --------------------------===//
#include "Commands.h"
#include "Generation.h"
#include "ModelOptions.h"
#include "ResourceUsage.h"
#include "SpecCompiler.h"

#include "loom/Frontend/Frontend.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {
cl::SubCommand sub("run", "Generate tokens with a compiled model (a spec is compiled first, and cached)");
loom::ModelTargetOptions model(sub);
cl::opt<bool> randomWeights("random-weights", cl::desc("Use seeded random weights"), cl::sub(sub));
cl::opt<std::string> weights("weights", cl::desc("Weights file (safetensors)"), cl::init(""), cl::sub(sub));
cl::opt<int64_t> count("n", cl::desc("Tokens to generate"), cl::init(32), cl::sub(sub));
cl::opt<uint64_t> seed("seed", cl::desc("Seed for weights, prompt and sampling"), cl::init(0), cl::sub(sub));
cl::opt<std::string> tokens("tokens", cl::desc("Prompt token ids, e.g. 1,2,3"), cl::init(""), cl::sub(sub));
cl::opt<int64_t> promptLength("prompt-len", cl::desc("Length of the synthetic prompt when --tokens is absent"),
                              cl::init(16), cl::sub(sub));
cl::opt<float> temperature("temp", cl::desc("Sampling temperature (0: greedy)"), cl::init(0.0f), cl::sub(sub));
cl::opt<int> topK("top-k", cl::desc("Top-k sampling (0: off)"), cl::init(0), cl::sub(sub));
cl::opt<float> topP("top-p", cl::desc("Top-p sampling (1: off)"), cl::init(1.0f), cl::sub(sub));
cl::opt<int64_t> contextSize("ctx",
                             cl::desc("KV cache capacity in tokens (0: prompt + generated tokens; at most the "
                                      "model's max_context)"),
                             cl::init(0), cl::sub(sub));

int run() {
  if (randomWeights == !weights.empty())
    return loom::reportError(createStringError("give exactly one of --random-weights and --weights FILE"));
  bool fromSpec = !model.target.empty() && !loom::isModelLibrary(model.target);
  if (fromSpec) {
    loom::SpecSession session;
    auto spec = session.parse(model.target, model.arch);
    if (!spec)
      return loom::reportError(spec.takeError());
    outs() << loom::describeArchSpec(**spec);
  }
  auto loaded = model.open(weights);
  if (!loaded)
    return loom::reportError(loaded.takeError());
  const loom::ModelApi &api = (*loaded)->api();
  const loom_model_info &info = (*loaded)->info();
  if (!fromSpec)
    outs() << "architecture " << info.arch_name << ": vocab " << info.vocab << ", d_model " << info.d_model << ", "
           << info.n_layers << " layers, max context " << info.max_context << "\n";
  if (auto err = (*loaded)->loadWeights(weights, seed))
    return loom::reportError(std::move(err));

  std::vector<int32_t> prompt = loom::syntheticPrompt(promptLength, info.vocab, seed);
  if (!tokens.empty()) {
    auto parsed = loom::parseTokenList(tokens);
    if (!parsed)
      return loom::reportError(parsed.takeError());
    prompt = *parsed;
  }
  // A cache as long as this run needs, not the model's whole context: it is the largest allocation after
  // the weights.
  int64_t capacity = contextSize > 0 ? contextSize.getValue() : static_cast<int64_t>(prompt.size()) + count;
  auto cache = (*loaded)->newCache(std::min<int64_t>(capacity, info.max_context));
  if (!cache)
    return loom::reportError(cache.takeError());
  loom_sampler_params params{temperature, topK, topP, seed};
  loom_sampler *sampler = api.loom_sampler_create(&params);

  outs() << "prompt (" << prompt.size() << " tokens):";
  for (int32_t t : prompt)
    outs() << " " << t;
  outs() << "\ngenerated:";
  outs().flush();
  auto stats = loom::generate(**loaded, *cache, prompt, count, sampler, [](int32_t token) {
    outs() << " " << token;
    outs().flush();
    return true;
  });
  api.loom_sampler_free(sampler);
  outs() << "\n";
  if (!stats)
    return loom::reportError(stats.takeError());
  outs() << format("prefill: %.1f tokens/s (%lld tokens in %.3f s)\n", stats->prefillTokensPerSecond(),
                   static_cast<long long>(stats->promptTokens), stats->prefillSeconds)
         << format("decode:  %.1f tokens/s (%lld tokens in %.3f s)\n", stats->decodeTokensPerSecond(),
                   static_cast<long long>(stats->generatedTokens - 1), stats->decodeSeconds)
         << format("peak memory: %.1f MiB resident (KV cache %.1f MiB)\n", loom::peakResidentBytes() / 1048576.0,
                   api.loom_kv_cache_bytes(*cache) / 1048576.0);
  return 0;
}
} // namespace

loom::Command loom::runCommand() { return {sub, run}; }
