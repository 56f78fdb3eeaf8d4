//===- SpecCompiler.cpp - Spec to artifacts, shared by the commands -----===//
#include "SpecCompiler.h"

#include "loom/Codegen/Artifacts.h"
#include "loom/Codegen/ObjectEmitter.h"
#include "loom/Frontend/Frontend.h"
#include "loom/MLIRGen/MLIRGen.h"
#include "loom/Passes/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/xxhash.h"

#include <unistd.h>

using namespace mlir;

namespace loom {

SpecSession::SpecSession() {
  registerLoomCompilerDialects(mlirContext);
  diagnostics = std::make_unique<SourceMgrDiagnosticHandler>(sourceMgr, &mlirContext);
}

llvm::Expected<const ArchSpec *> SpecSession::parse(const std::string &path, const std::string &architecture) {
  FrontendOptions options;
  options.architecture = architecture;
  spec = parseSpecFile(path, sourceMgr, options);
  if (!spec)
    return llvm::createStringError(""); // the frontend has reported every error
  return &*spec;
}

llvm::Expected<ModuleOp> SpecSession::buildIR() {
  module = buildModelIR(mlirContext, *spec);
  if (!module || failed(verify(*module)))
    return llvm::createStringError("'%s' could not be turned into valid loom IR", spec->file.c_str());
  return *module;
}

static llvm::Error writeFile(const std::string &path, llvm::function_ref<void(llvm::raw_ostream &)> write) {
  std::error_code ec;
  llvm::ToolOutputFile file(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError(ec, "cannot write '%s'", path.c_str());
  write(file.os());
  file.keep();
  return llvm::Error::success();
}

llvm::Error compileSpec(const CompileRequest &request, EmitKind kind, const std::string &output) {
  auto target = resolveTarget(request.target);
  if (!target)
    return target.takeError();
  if (auto err = checkNumericsForTarget(*target, request.pipeline.numerics))
    return err;
  SpecSession session;
  if (auto spec = session.parse(request.specPath, request.architecture); !spec)
    return spec.takeError();
  auto module = session.buildIR();
  if (!module)
    return module.takeError();

  PipelineOptions pipeline = request.pipeline;
  pipeline.stopBeforeLowering = kind == EmitKind::LoomMLIR;
  if (failed(runPipeline(*module, pipeline)))
    return llvm::createStringError("compiling '%s' failed", request.specPath.c_str());
  if (kind == EmitKind::LoomMLIR || kind == EmitKind::LoweredMLIR)
    return writeFile(output, [&](llvm::raw_ostream &os) {
      module->print(os, OpPrintingFlags().enableDebugInfo(request.printLocations));
    });

  // A CUDA library's device code is its kit's PTX, the same whatever the spec (every kernel is linked in).
  if (kind == EmitKind::Asm && target->family == TargetFamily::Cuda) {
    auto code = deviceCode(*target);
    if (!code)
      return code.takeError();
    return writeFile(output, [&](llvm::raw_ostream &os) { os << *code; });
  }
  auto machine = createTargetMachine(target->machine);
  if (!machine)
    return machine.takeError();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateToLLVMIR(*module, llvmContext, **machine);
  if (!llvmModule)
    return llvm::createStringError("translating '%s' to LLVM IR failed", request.specPath.c_str());
  if (kind == EmitKind::LLVM)
    return writeFile(output, [&](llvm::raw_ostream &os) { llvmModule->print(os, nullptr); });
  if (kind == EmitKind::Asm || kind == EmitKind::Obj) {
    std::error_code ec;
    llvm::ToolOutputFile file(output, ec, llvm::sys::fs::OF_None);
    if (ec)
      return llvm::createStringError(ec, "cannot write '%s'", output.c_str());
    if (auto err = emitNativeCode(*llvmModule, **machine,
                                  kind == EmitKind::Asm ? NativeFileKind::Assembly : NativeFileKind::Object,
                                  file.os()))
      return err;
    file.keep();
    return llvm::Error::success();
  }

  // Shared library: object in a temporary file, then link.
  llvm::SmallString<128> objectPath;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("loom-model", "o", objectPath))
    return llvm::createStringError(ec, "cannot create a temporary object file");
  llvm::FileRemover removeObject(objectPath);
  {
    std::error_code ec;
    llvm::raw_fd_ostream object(objectPath, ec);
    if (ec)
      return llvm::createStringError(ec, "cannot write '%s'", objectPath.c_str());
    if (auto err = emitNativeCode(*llvmModule, **machine, NativeFileKind::Object, object))
      return err;
  }
  if (auto err = linkSharedLibrary(objectPath, output, *target))
    return err;

  FailureOr<ModelDescriptor> descriptor = ModelDescriptor::read(*module);
  if (failed(descriptor))
    return llvm::createStringError("compiling '%s' left no model descriptor", request.specPath.c_str());
  llvm::StringRef stem = llvm::StringRef(output).ends_with(".so") ? llvm::StringRef(output).drop_back(3) : output;
  if (auto err = writeFile((stem + ".h").str(), [&](llvm::raw_ostream &os) {
        os << renderModelHeader(*descriptor, llvm::sys::path::filename(output));
      }))
    return err;
  return writeFile((stem + ".manifest.json").str(),
                   [&](llvm::raw_ostream &os) { os << renderManifest(*descriptor); });
}

llvm::Expected<std::string> cacheDirectory() {
  llvm::SmallString<256> dir;
  if (const char *env = std::getenv("LOOM_CACHE_DIR"))
    dir = env;
  else if (!llvm::sys::path::cache_directory(dir))
    dir = "/tmp";
  llvm::sys::path::append(dir, "loom");
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return llvm::createStringError(ec, "cannot create the cache directory '%s'", dir.c_str());
  return std::string(dir);
}

llvm::Expected<std::string> resolveModelLibrary(const std::string &specOrLibrary, const std::string &architecture,
                                                const std::string &numerics) {
  if (llvm::StringRef(specOrLibrary).ends_with(".so"))
    return specOrLibrary;
  auto spec = llvm::MemoryBuffer::getFile(specOrLibrary);
  if (!spec)
    return llvm::createStringError(spec.getError(), "cannot read '%s'", specOrLibrary.c_str());

  // The key covers the spec text, the selected architecture and numerics profile, the compiler binary itself
  // and the runtime and kernel archives a library is linked with.
  std::string exe = llvm::sys::fs::getMainExecutable(nullptr, reinterpret_cast<void *>(&resolveModelLibrary));
  llvm::sys::fs::file_status status;
  std::string stamp = exe + "\n" + architecture + "\n" + numerics + "\n";
  if (!llvm::sys::fs::status(exe, status))
    stamp += std::to_string(status.getLastModificationTime().time_since_epoch().count()) + "\n";
  auto host = resolveTarget({});
  if (!host)
    return host.takeError();
  auto fingerprint = runtimeLinkFingerprint(*host);
  if (!fingerprint)
    return fingerprint.takeError();
  uint64_t key = llvm::xxh3_64bits((*spec)->getBuffer()) ^ llvm::xxh3_64bits(stamp + *fingerprint);

  auto dir = cacheDirectory();
  if (!dir)
    return dir.takeError();
  llvm::SmallString<256> library(*dir);
  llvm::sys::path::append(library, (llvm::sys::path::stem(specOrLibrary) + "-" + llvm::utohexstr(key) + ".so").str());
  if (llvm::sys::fs::exists(library))
    return std::string(library);

  CompileRequest request;
  request.specPath = specOrLibrary;
  request.architecture = architecture;
  request.pipeline.numerics = numerics;
  // Compile under a private name first so concurrent runs never load a half-written library, then
  // move the library and its header and manifest into place.
  std::string partialStem = (library.str().drop_back(3) + llvm::formatv(".{0}.tmp", ::getpid())).str();
  if (auto err = compileSpec(request, EmitKind::SharedLibrary, partialStem + ".so"))
    return std::move(err);
  std::string finalStem = library.str().drop_back(3).str();
  for (const char *suffix : {".h", ".manifest.json", ".so"})
    if (std::error_code ec = llvm::sys::fs::rename(partialStem + suffix, finalStem + suffix))
      return llvm::createStringError(ec, "cannot move the compiled '%s' into '%s'", (partialStem + suffix).c_str(),
                                     (finalStem + suffix).c_str());
  return std::string(library);
}

} // namespace loom
