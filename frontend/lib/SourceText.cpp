//===- SourceText.cpp - Rejecting spec buffers that are not text ----------===//
#include "SourceText.h"

#include "Diagnostics.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace loom::frontend {

bool checkSourceText(const SourceMgr &sm, unsigned bufferId, DiagnosticEmitter &diags) {
  const MemoryBuffer &buffer = *sm.getMemoryBuffer(bufferId);
  StringRef text = buffer.getBuffer();
  const char *bad = nullptr;
  std::string what;
  raw_string_ostream os(what);

  // The first invalid UTF-8 sequence, and the first NUL (which UTF-8 allows); whichever comes first.
  const auto *begin = reinterpret_cast<const UTF8 *>(text.begin());
  const auto *valid = begin;
  if (!isLegalUTF8String(&valid, reinterpret_cast<const UTF8 *>(text.end()))) {
    bad = reinterpret_cast<const char *>(valid);
    os << "byte " << format_hex(static_cast<unsigned char>(*bad), 4) << " is not valid UTF-8";
  }
  size_t nul = text.find('\0');
  if (nul != StringRef::npos && (!bad || text.begin() + nul < bad)) {
    bad = text.begin() + nul;
    what.clear();
    os << "a NUL byte";
  }
  if (!bad)
    return true;

  StringRef hint = text.starts_with("GGUF") ? "; it is a GGUF file: give it as --weights" : "";
  diags.error(SMLoc::getFromPointer(bad), "not a .loom spec: the file holds binary data (" + what + ")" + hint);
  return false;
}

} // namespace loom::frontend
