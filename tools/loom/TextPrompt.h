//===- TextPrompt.h - `loom run --prompt`: text in, token ids out -*- C++ -*-===//
//
// A text prompt is encoded with the tokenizer stored in the GGUF weights file,
// inside the model's chat template (one user turn, the template's default
// system message unless one is given) unless the caller asks for raw text.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOOLS_TEXTPROMPT_H
#define LOOM_TOOLS_TEXTPROMPT_H

#include "loom/Tokenizer/Tokenizer.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace loom {

struct TextPrompt {
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
  std::vector<int32_t> tokens;
  /// How the text was wrapped: "raw", or the chat format's name.
  std::string wrapping;
};

/// Encodes `text` for the model in `weightsPath` (a GGUF file). `raw` skips the chat template; a file
/// without a chat template is fed raw text. An unrecognized template is an error that suggests --raw.
llvm::Expected<TextPrompt> encodeTextPrompt(const std::string &weightsPath, const std::string &text, bool raw,
                                            std::optional<std::string> system);

} // namespace loom

#endif // LOOM_TOOLS_TEXTPROMPT_H
