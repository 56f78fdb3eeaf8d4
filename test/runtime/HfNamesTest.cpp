//===- HfNamesTest.cpp - transformers tensor names to manifest names ------===//

#include "HfNames.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

using loom::rt::HfNormNaming;

namespace {

void expectPairs(HfNormNaming naming, std::initializer_list<std::pair<const char *, const char *>> pairs) {
  for (const auto &[hf, loomName] : pairs) {
    std::string out;
    ASSERT_TRUE(loom::rt::hfToLoomName(hf, naming, out)) << hf;
    EXPECT_EQ(out, loomName);
    ASSERT_TRUE(loom::rt::loomToHfName(loomName, naming, out)) << loomName;
    EXPECT_EQ(out, hf);
  }
}

TEST(HfNamesTest, MapsTheLlamaConvention) {
  expectPairs(HfNormNaming::PreFeedForward,
              {{"model.embed_tokens.weight", "embedding.weight"},
               {"model.norm.weight", "final_norm.weight"},
               {"lm_head.weight", "lm_head.weight"},
               {"model.layers.0.input_layernorm.weight", "layers.0.attn_norm.weight"},
               {"model.layers.11.self_attn.q_proj.weight", "layers.11.attention.q_proj.weight"},
               {"model.layers.2.self_attn.k_proj.bias", "layers.2.attention.k_proj.bias"},
               {"model.layers.2.self_attn.o_proj.weight", "layers.2.attention.o_proj.weight"},
               {"model.layers.5.self_attn.q_norm.weight", "layers.5.attention.q_norm.weight"},
               {"model.layers.1.post_attention_layernorm.weight", "layers.1.ffn_norm.weight"},
               {"model.layers.1.mlp.gate_proj.weight", "layers.1.ffn.gate_proj.weight"},
               {"model.layers.1.mlp.up_proj.weight", "layers.1.ffn.up_proj.weight"},
               {"model.layers.27.mlp.down_proj.weight", "layers.27.ffn.down_proj.weight"}});
}

TEST(HfNamesTest, MapsGemmaSandwichNorms) {
  expectPairs(HfNormNaming::PostNorms,
              {{"model.layers.0.input_layernorm.weight", "layers.0.attn_norm.weight"},
               {"model.layers.0.post_attention_layernorm.weight", "layers.0.post_attn_norm.weight"},
               {"model.layers.0.pre_feedforward_layernorm.weight", "layers.0.ffn_norm.weight"},
               {"model.layers.0.post_feedforward_layernorm.weight", "layers.0.post_ffn_norm.weight"}});
}

TEST(HfNamesTest, MapsPostNormsWithoutPreNorms) {
  // OLMo 2, EXAONE 4: post_attention_layernorm is after attention there too, and there is no input_layernorm.
  EXPECT_EQ(loom::rt::detectHfNormNaming({"model.layers.0.post_attention_layernorm.weight",
                                          "model.layers.0.post_feedforward_layernorm.weight"}),
            HfNormNaming::PostNorms);
  expectPairs(HfNormNaming::PostNorms,
              {{"model.layers.3.post_attention_layernorm.weight", "layers.3.post_attn_norm.weight"},
               {"model.layers.3.post_feedforward_layernorm.weight", "layers.3.post_ffn_norm.weight"},
               {"model.layers.3.self_attn.q_norm.weight", "layers.3.attention.q_norm.weight"}});
}

TEST(HfNamesTest, DetectsTheNormNaming) {
  EXPECT_EQ(loom::rt::detectHfNormNaming({"model.layers.0.post_attention_layernorm.weight"}),
            HfNormNaming::PreFeedForward);
  EXPECT_EQ(loom::rt::detectHfNormNaming({"model.layers.0.post_attention_layernorm.weight",
                                          "model.layers.0.pre_feedforward_layernorm.weight"}),
            HfNormNaming::PostNorms);
}

TEST(HfNamesTest, RejectsOtherNames) {
  std::string out;
  for (const char *name : {"model.layers.x.mlp.up_proj.weight", "model.layers.01.mlp.up_proj.weight",
                           "model.layers.3.mlp.fc1.weight", "model.layers.3", "embedding.weight",
                           "model.layers.1.pre_feedforward_layernorm.weight"})
    EXPECT_FALSE(loom::rt::hfToLoomName(name, HfNormNaming::PreFeedForward, out)) << name;
  EXPECT_TRUE(loom::rt::isHfName("model.norm.weight"));
  EXPECT_FALSE(loom::rt::isHfName("layers.0.attn_norm.weight"));
}

} // namespace

TEST(HfNamesTest, ReadsAMultimodalCheckpointAsItsTextModel) {
  using loom::rt::HfPart;
  EXPECT_TRUE(loom::rt::isHfMultimodal({"vision_tower.patch_conv.weight", "language_model.model.norm.weight"}));
  EXPECT_TRUE(loom::rt::isHfMultimodal({"model.language_model.norm.weight"}));
  EXPECT_FALSE(loom::rt::isHfMultimodal({"model.norm.weight", "lm_head.weight"}));
  const std::pair<const char *, const char *> text[] = {
      {"language_model.model.layers.3.self_attn.q_proj.weight", "model.layers.3.self_attn.q_proj.weight"},
      {"language_model.lm_head.weight", "lm_head.weight"},
      {"model.language_model.embed_tokens.weight", "model.embed_tokens.weight"},
      {"lm_head.weight", "lm_head.weight"},
  };
  for (const auto &[name, expected] : text) {
    std::string out;
    EXPECT_EQ(loom::rt::hfMultimodalPart(name, out), HfPart::Text) << name;
    EXPECT_EQ(out, expected);
  }
  for (const char *name : {"vision_tower.encoder.layers.0.mlp.fc1.weight", "vision_model.class_embedding",
                           "multi_modal_projector.linear_1.weight", "model.vision_tower.head.probe",
                           "model.multi_modal_projector.mm_soft_emb_norm.weight"}) {
    std::string out;
    EXPECT_EQ(loom::rt::hfMultimodalPart(name, out), HfPart::Vision) << name;
  }
}
