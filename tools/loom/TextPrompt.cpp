//===- TextPrompt.cpp - `loom run --prompt`: text in, token ids out -------===//
#include "TextPrompt.h"

#include "Gguf.h"

using namespace llvm;

namespace loom {
namespace {

const char *chatFormatName(tokenizer::ChatFormat format) {
  switch (format) {
  case tokenizer::ChatFormat::ChatML:
    return "ChatML";
  case tokenizer::ChatFormat::Llama3:
    return "Llama 3";
  case tokenizer::ChatFormat::Gemma:
    return "Gemma";
  }
  return "?";
}

} // namespace

Expected<TextPrompt> encodeTextPrompt(const std::string &weightsPath, const std::string &text, bool raw,
                                      std::optional<std::string> system) {
  if (!rt::isGgufFile(weightsPath))
    return createStringError("'%s': --prompt needs the tokenizer stored in a GGUF file; for other weights "
                             "give token ids with --tokens",
                             weightsPath.c_str());
  auto tok = tokenizer::Tokenizer::fromFile(weightsPath);
  if (!tok)
    return tok.takeError();
  TextPrompt prompt{std::move(*tok), {}, "raw"};
  std::string wrapped = text;
  if (!raw && !prompt.tokenizer->chatTemplate().empty()) {
    auto chat = tokenizer::recognizeChatTemplate(prompt.tokenizer->chatTemplate());
    if (!chat)
      return joinErrors(createStringError("'%s': cannot format the prompt with the file's chat template "
                                          "(give --raw to feed the text as it is)",
                                          weightsPath.c_str()),
                        chat.takeError());
    wrapped = tokenizer::formatChatPrompt(*chat, text, system);
    prompt.wrapping = chatFormatName(chat->format);
  } else if (system) {
    return createStringError("--system needs a chat template, and %s",
                             raw ? "--raw feeds the text as it is" : "the weights file has none");
  }
  prompt.tokens = prompt.tokenizer->encode(wrapped, /*addSpecial=*/true, /*parseSpecial=*/!raw);
  if (prompt.tokens.empty())
    return createStringError("the prompt is empty after tokenization");
  return prompt;
}

} // namespace loom
