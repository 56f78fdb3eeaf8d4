//===- TestSupport.h - Handles and files for runtime tests ------*- C++ -*-===//
#ifndef LOOM_TEST_RUNTIME_TESTSUPPORT_H
#define LOOM_TEST_RUNTIME_TESTSUPPORT_H

#include "loom/loom.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace loom::test {

struct ModelDeleter {
  void operator()(loom_model *model) const { loom_model_free(model); }
};
struct CacheDeleter {
  void operator()(loom_kv_cache *cache) const { loom_kv_cache_free(cache); }
};
struct SamplerDeleter {
  void operator()(loom_sampler *sampler) const { loom_sampler_free(sampler); }
};
using ModelPtr = std::unique_ptr<loom_model, ModelDeleter>;
using CachePtr = std::unique_ptr<loom_kv_cache, CacheDeleter>;
using SamplerPtr = std::unique_ptr<loom_sampler, SamplerDeleter>;

/// A fresh directory, removed with everything in it when the object dies.
class ScratchDirectory {
public:
  ScratchDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "loom-runtime-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data()) ? pattern : std::string();
    EXPECT_FALSE(path_.empty()) << "cannot create a scratch directory";
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDirectory(const ScratchDirectory &) = delete;
  ScratchDirectory &operator=(const ScratchDirectory &) = delete;

  /// The path of `name` inside the directory.
  std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

inline void writeFile(const std::string &path, const std::string &contents) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(contents.data(), std::streamsize(contents.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

/// Expects a failed call's error message to contain `part`.
#define EXPECT_LAST_ERROR_CONTAINS(part)                                                                       \
  EXPECT_NE(std::string(loom_last_error()).find(part), std::string::npos)                                     \
      << "last error: \"" << loom_last_error() << "\"\nexpected it to contain: \"" << (part) << "\""

} // namespace loom::test

#endif // LOOM_TEST_RUNTIME_TESTSUPPORT_H
