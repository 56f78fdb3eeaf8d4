//===- ChatTemplate.cpp - Prompts in a model's chat format -----------------===//
//
// A GGUF file carries its chat template as Jinja source. Rather than evaluate
// Jinja, Loom recognises the few formats it knows by their markers and writes
// one user turn (after an optional system turn) the way the template would,
// ending where the assistant's reply starts (add_generation_prompt), as
// llama.cpp's built-in formats do.
//
//===----------------------------------------------------------------------===//
#include "loom/Tokenizer/Tokenizer.h"

#include <fmt/format.h>

namespace loom::tokenizer {
namespace {

/// The text of a Jinja string literal with its escapes (\n, \t, \', \", \\) resolved.
std::string unescapeJinja(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char next = text[++i];
    out += next == 'n' ? '\n' : next == 't' ? '\t' : next == 'r' ? '\r' : next;
  }
  return out;
}

/// A system message a ChatML template writes as literal text when the conversation starts
/// without one: `'<|im_start|>system\n<text><|im_end|>` inside one string literal.
std::optional<std::string> chatMlDefaultSystem(std::string_view source) {
  static constexpr std::string_view kOpen = "<|im_start|>system";
  static constexpr std::string_view kClose = "<|im_end|>";
  for (size_t at = source.find(kOpen); at != std::string_view::npos; at = source.find(kOpen, at + 1)) {
    size_t start = at + kOpen.size();
    if (source.substr(start, 1) == "\n")
      start += 1;
    else if (source.substr(start, 2) == "\\n")
      start += 2;
    else
      continue;
    const size_t end = source.find(kClose, start);
    if (end == std::string_view::npos)
      break;
    const std::string_view text = source.substr(start, end - start);
    // The system turn built from the conversation's own message leaves the literal
    // (`'<|im_start|>system\n' + messages[0]['content']`); a default stays inside it.
    if (text.empty() || text.find_first_of("'\"") != std::string_view::npos ||
        text.find("{{") != std::string_view::npos || text.find("{%") != std::string_view::npos)
      continue;
    return unescapeJinja(text);
  }
  return std::nullopt;
}

} // namespace

llvm::Expected<ChatTemplate> recognizeChatTemplate(std::string_view templateText) {
  if (templateText.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the model has no chat template (tokenizer.chat_template); use --raw to "
                                   "give the prompt as it is");
  if (templateText.find("<|im_start|>") != std::string_view::npos)
    return ChatTemplate{ChatFormat::ChatML, chatMlDefaultSystem(templateText)};
  if (templateText.find("<|start_header_id|>") != std::string_view::npos)
    return ChatTemplate{ChatFormat::Llama3, std::nullopt};
  if (templateText.find("<start_of_turn>") != std::string_view::npos)
    return ChatTemplate{ChatFormat::Gemma, std::nullopt};
  std::string start(templateText.substr(0, 80));
  for (char &c : start)
    if (c == '\n')
      c = ' ';
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 fmt::format("the model's chat template is not one Loom knows (ChatML, Llama 3, "
                                             "Gemma); it starts \"{}...\"; use --raw to give the prompt as it is",
                                             start));
}

std::string formatChatPrompt(const ChatTemplate &chat, std::string_view user, std::optional<std::string_view> system) {
  std::optional<std::string_view> systemText = system;
  if (!systemText && chat.defaultSystem)
    systemText = *chat.defaultSystem;
  std::string out;
  switch (chat.format) {
  case ChatFormat::ChatML:
    if (systemText)
      out += fmt::format("<|im_start|>system\n{}<|im_end|>\n", *systemText);
    out += fmt::format("<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n", user);
    break;
  case ChatFormat::Llama3:
    // BOS (<|begin_of_text|>) comes from the tokenizer's add_bos_token.
    if (systemText)
      out += fmt::format("<|start_header_id|>system<|end_header_id|>\n\n{}<|eot_id|>", *systemText);
    out += fmt::format("<|start_header_id|>user<|end_header_id|>\n\n{}<|eot_id|>"
                       "<|start_header_id|>assistant<|end_header_id|>\n\n",
                       user);
    break;
  case ChatFormat::Gemma:
    // Gemma has no system role: the system text opens the user's turn.
    out += "<start_of_turn>user\n";
    if (systemText)
      out += fmt::format("{}\n\n", *systemText);
    out += fmt::format("{}<end_of_turn>\n<start_of_turn>model\n", user);
    break;
  }
  return out;
}

} // namespace loom::tokenizer
