//===- ChatTemplateTest.cpp - Recognising chat templates, writing prompts --===//
#include "loom/Tokenizer/Tokenizer.h"

#include <gtest/gtest.h>

namespace loom::tokenizer {
namespace {

// SmolLM2-135M-Instruct's template, as its GGUF file stores it.
constexpr std::string_view kSmolLM2 =
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n"
    "You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

// Qwen2.5's default system message, with escaped newlines and a system turn built from the
// conversation before it.
constexpr std::string_view kQwen25 =
    "{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\\n' + messages[0]['content'] + "
    "'<|im_end|>\\n' }}{%- else %}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a "
    "helpful assistant.<|im_end|>\\n' }}{%- endif %}";

constexpr std::string_view kQwen3 =
    "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + "
    "'\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

constexpr std::string_view kLlama3 =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
    "message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{{ content }}{% endfor %}";

constexpr std::string_view kGemma =
    "{{ bos_token }}{% for message in messages %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + "
    "'<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}";

ChatTemplate recognize(std::string_view text) {
  auto chat = recognizeChatTemplate(text);
  if (!chat) {
    ADD_FAILURE() << llvm::toString(chat.takeError());
    return {ChatFormat::ChatML, std::nullopt};
  }
  return *chat;
}

TEST(ChatTemplate, SmolLM2InsertsItsDefaultSystemMessage) {
  const ChatTemplate chat = recognize(kSmolLM2);
  EXPECT_EQ(chat.format, ChatFormat::ChatML);
  EXPECT_EQ(chat.defaultSystem, "You are a helpful AI assistant named SmolLM, trained by Hugging Face");
  EXPECT_EQ(formatChatPrompt(chat, "Hi!"),
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
            "<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(formatChatPrompt(chat, "Hi!", std::string_view("Be brief.")),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatTemplate, EscapedDefaultSystemMessage) {
  EXPECT_EQ(recognize(kQwen25).defaultSystem, "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.");
}

TEST(ChatTemplate, ChatMlWithoutDefault) {
  const ChatTemplate chat = recognize(kQwen3);
  EXPECT_EQ(chat.defaultSystem, std::nullopt);
  EXPECT_EQ(formatChatPrompt(chat, "Hi"), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatTemplate, Llama3) {
  const ChatTemplate chat = recognize(kLlama3);
  EXPECT_EQ(chat.format, ChatFormat::Llama3);
  EXPECT_EQ(formatChatPrompt(chat, "Hi", std::string_view("S")),
            "<|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

TEST(ChatTemplate, Gemma) {
  const ChatTemplate chat = recognize(kGemma);
  EXPECT_EQ(chat.format, ChatFormat::Gemma);
  EXPECT_EQ(formatChatPrompt(chat, "Hi"), "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n");
  EXPECT_EQ(formatChatPrompt(chat, "Hi", std::string_view("S")),
            "<start_of_turn>user\nS\n\nHi<end_of_turn>\n<start_of_turn>model\n");
}

TEST(ChatTemplate, UnknownOrMissingSuggestsRaw) {
  for (std::string_view text : {std::string_view("{{ messages }} [INST]"), std::string_view("")}) {
    auto chat = recognizeChatTemplate(text);
    ASSERT_FALSE(chat);
    EXPECT_NE(llvm::toString(chat.takeError()).find("--raw"), std::string::npos);
  }
}

} // namespace
} // namespace loom::tokenizer
