//===- CompileCommand.cpp - `loom compile SPEC -o OUT` ------------------===//
#include "Commands.h"
#include "NumericsOption.h"
#include "SpecCompiler.h"

using namespace llvm;

namespace {
cl::SubCommand sub("compile", "Compile a spec into a shared library (plus C header and weight manifest)");
cl::opt<std::string> spec(cl::Positional, cl::Required, cl::desc("<spec.loom>"), cl::sub(sub));
cl::opt<std::string> output("o", cl::desc("Output file"), cl::value_desc("file"), cl::Required, cl::sub(sub));
cl::opt<std::string> arch("arch", cl::desc("Architecture to select when the file defines several"),
                          cl::init(""), cl::sub(sub));
cl::opt<loom::EmitKind> emit(
    "emit", cl::desc("What to produce"), cl::init(loom::EmitKind::SharedLibrary),
    cl::values(clEnumValN(loom::EmitKind::LoomMLIR, "loom-mlir", "loom dialect IR after the loom passes"),
               clEnumValN(loom::EmitKind::LoweredMLIR, "lowered-mlir", "LLVM-dialect IR calling the kernels"),
               clEnumValN(loom::EmitKind::LLVM, "llvm", "LLVM IR"),
               clEnumValN(loom::EmitKind::Asm, "asm", "target assembly"),
               clEnumValN(loom::EmitKind::Obj, "obj", "object file"),
               clEnumValN(loom::EmitKind::SharedLibrary, "so", "shared library + header + manifest")),
    cl::sub(sub));
cl::opt<std::string> triple("target",
                            cl::desc("Target: a triple (x86_64-linux-gnu, aarch64-linux-gnu), cuda or opencl (default: the host)"),
                            cl::init(""), cl::sub(sub));
cl::list<std::string> gpus("gpu", cl::desc("With --target cuda: a GPU architecture to run on, e.g. sm_90 (repeatable)"),
                           cl::sub(sub));
cl::opt<std::string> cpu("mcpu", cl::desc("Target CPU (default: the host CPU)"), cl::init(""), cl::sub(sub));
cl::opt<std::string> features("mattr", cl::desc("Target features, e.g. +avx2,+fma"), cl::init(""), cl::sub(sub));
cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimization level"), cl::init(3), cl::Prefix, cl::sub(sub));
cl::opt<int64_t> maxChunk("max-chunk", cl::desc("Tokens per generated forward call"), cl::init(64), cl::sub(sub));
cl::opt<bool> printIRAfterAll("print-ir-after-all", cl::desc("Print the IR after every pass"), cl::sub(sub));
cl::opt<bool> printLocations("print-locations", cl::desc("Print DSL source locations in MLIR output"),
                             cl::sub(sub));
cl::opt<bool> timePasses("time-passes", cl::desc("Report the time of every pass"), cl::sub(sub));
cl::opt<bool> printPipeline("print-pipeline",
                            cl::desc("Print the pass pipeline (loom-opt --pass-pipeline syntax) before running it"),
                            cl::sub(sub));
cl::opt<bool> fuseQKNormRoPE("fuse-qk-norm-rope",
                             cl::desc("QK-norm and RoPE as one kernel (=false for A/B runs)"), cl::init(true),
                             cl::sub(sub));
cl::opt<bool> foldCopies("fold-copies",
                         cl::desc("Fold copies into slices that die there when planning the arena (=false for A/B)"),
                         cl::init(true), cl::sub(sub));
cl::opt<bool> specializeAttention("specialize-attention",
                                  cl::desc("Ring and chunk caches for windowed attention (=false for A/B runs)"),
                                  cl::init(true), cl::sub(sub));

cl::opt<bool> absorbMLA("absorb-mla",
                        cl::desc("MLA absorbed for decode and short chunks (=false: always expanded, for A/B runs)"),
                        cl::init(true), cl::sub(sub));
cl::opt<bool> moeGroupedMatmul("moe-grouped-matmul",
                               cl::desc("Routed experts as grouped GEMMs (=false: token by token, for A/B runs)"),
                               cl::init(true), cl::sub(sub));
cl::opt<bool> moeFuseSharedExpert(
    "moe-fuse-shared-expert",
    cl::desc("A shared expert as wide as a routed one joins the grouped GEMMs (=false: a dense MLP, for A/B runs)"),
    cl::init(true), cl::sub(sub));

cl::opt<std::string> numerics("numerics",
                              cl::desc("Numerics profile: fast, or ggml (llama.cpp's results on x86; docs/numerics.md)"),
                              cl::init("fast"), cl::sub(sub));

int run() {
  loom::CompileRequest request;
  request.specPath = spec;
  request.architecture = arch;
  request.target = {triple, cpu, features, optLevel, std::vector<std::string>(gpus.begin(), gpus.end())};
  request.pipeline.maxChunk = maxChunk;
  request.pipeline.printIRAfterAll = printIRAfterAll;
  request.pipeline.timing = timePasses;
  request.pipeline.specializeAttention = specializeAttention;
  request.pipeline.fuseQKNormRoPE = fuseQKNormRoPE;
  request.pipeline.foldCopies = foldCopies;
  request.pipeline.moeGroupedMatmul = moeGroupedMatmul;
  request.pipeline.moeFuseSharedExpert = moeFuseSharedExpert;
  request.pipeline.absorbMLA = absorbMLA;
  if (llvm::Error err = loom::checkNumericsProfile(numerics))
    return loom::reportError(std::move(err));
  request.pipeline.numerics = numerics;
  if (printPipeline)
    request.pipeline.pipelineOut = &llvm::outs();
  request.printLocations = printLocations;
  if (auto err = loom::compileSpec(request, emit, output))
    return loom::reportError(std::move(err));
  return 0;
}
} // namespace

loom::Command loom::compileCommand() { return {sub, run}; }
