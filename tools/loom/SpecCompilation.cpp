//===- SpecCompilation.cpp - Specs to cached libraries, for the run commands ===//
#include "SpecCompilation.h"

#include "Importer.h"
#include "SpecCompiler.h"
#include "loom/Frontend/Frontend.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <unistd.h>

using namespace llvm;

namespace loom {

Expected<std::string> importSpecIntoCache(const std::string &ggufWeights) {
  std::vector<std::string> notes;
  Expected<std::string> spec = importSpec(ggufWeights, "", notes);
  if (!spec)
    return spec.takeError();
  for (const std::string &note : notes)
    WithColor::warning(errs(), "loom") << note << "\n";

  auto dir = cacheDirectory();
  if (!dir)
    return dir.takeError();
  SmallString<256> path(*dir);
  sys::path::append(path, "imported");
  if (std::error_code ec = sys::fs::create_directories(path))
    return createStringError(ec, "cannot create '%s'", path.c_str());
  sys::path::append(path, (sys::path::stem(ggufWeights) + "-" + utohexstr(xxh3_64bits(*spec)) + ".loom").str());
  if (!sys::fs::exists(path)) {
    std::string partial = (path + formatv(".{0}.tmp", ::getpid())).str();
    {
      std::error_code ec;
      raw_fd_ostream out(partial, ec, sys::fs::OF_Text);
      if (ec)
        return createStringError(ec, "cannot write '%s'", partial.c_str());
      out << *spec;
    }
    if (std::error_code ec = sys::fs::rename(partial, path))
      return createStringError(ec, "cannot write '%s'", path.c_str());
  }
  return std::string(path);
}

Expected<std::string> compileSpecIntoCache(const std::string &spec, const std::string &architecture,
                                           const std::string &numerics) {
  return resolveModelLibrary(spec, architecture, numerics);
}

Expected<std::string> describeSpec(const std::string &spec, const std::string &architecture) {
  SpecSession session;
  auto parsed = session.parse(spec, architecture);
  if (!parsed)
    return parsed.takeError();
  return describeArchSpec(**parsed);
}

} // namespace loom
