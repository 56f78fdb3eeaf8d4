//===- parser_fuzzer.cpp - libFuzzer entry point for the .loom frontend ---===//
//
// Feeds arbitrary bytes through the whole frontend (lexer, parser, semantic
// analysis) and, for inputs that resolve, through describeArchSpec. Crashes,
// sanitizer reports and timeouts are the findings; diagnostics are formatted
// (to exercise that path) and thrown away.
//
//===----------------------------------------------------------------------===//
#include "loom/Frontend/Frontend.h"

#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::SourceMgr sm;
  sm.setDiagHandler([](const llvm::SMDiagnostic &diag, void *) { diag.print(nullptr, llvm::nulls()); });
  llvm::StringRef source(reinterpret_cast<const char *>(data), size);
  if (std::optional<loom::ArchSpec> spec = loom::parseSpecBuffer(source, "fuzz.loom", sm))
    loom::describeArchSpec(*spec);
  return 0;
}
