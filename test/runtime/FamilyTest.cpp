//===- FamilyTest.cpp - Declared families' tensor names and transforms -----===//

#include "Family.h"
#include "WeightStore.h"
#include "loom/Runtime/Kernels.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

using namespace loom::rt;

namespace {

const Family &gpt2() {
  const Family *family = familyOfConfig("gpt2");
  EXPECT_NE(family, nullptr);
  return *family;
}

struct Names {
  const char *hf, *gguf, *loom;
  TensorTransform transform;
};

TEST(FamilyTest, Gpt2NamesBothConventionsAndTransposesConv1D) {
  const TensorTransform none = TensorTransform::None, transpose = TensorTransform::Transpose;
  const Names names[] = {
      {"transformer.wte.weight", "token_embd.weight", "embedding.weight", none},
      {"transformer.wpe.weight", "position_embd.weight", "position_embedding.weight", none},
      {"transformer.ln_f.bias", "output_norm.bias", "final_norm.bias", none},
      {"lm_head.weight", "output.weight", "lm_head.weight", none},
      {"transformer.h.0.ln_1.bias", "blk.0.attn_norm.bias", "layers.0.attn_norm.bias", none},
      {"transformer.h.3.attn.c_attn.weight", "blk.3.attn_qkv.weight", "layers.3.attention.qkv_proj.weight",
       transpose},
      {"transformer.h.3.attn.c_attn.bias", "blk.3.attn_qkv.bias", "layers.3.attention.qkv_proj.bias", none},
      {"transformer.h.11.attn.c_proj.weight", "blk.11.attn_output.weight", "layers.11.attention.o_proj.weight",
       transpose},
      {"transformer.h.1.ln_2.weight", "blk.1.ffn_norm.weight", "layers.1.ffn_norm.weight", none},
      {"transformer.h.1.mlp.c_fc.weight", "blk.1.ffn_up.weight", "layers.1.ffn.up_proj.weight", transpose},
      {"transformer.h.1.mlp.c_proj.weight", "blk.1.ffn_down.weight", "layers.1.ffn.down_proj.weight", transpose},
      {"transformer.h.1.mlp.c_proj.bias", "blk.1.ffn_down.bias", "layers.1.ffn.down_proj.bias", none},
  };
  for (const Names &n : names) {
    std::string out;
    TensorTransform transform = TensorTransform::None;
    bool buffer = true;
    ASSERT_TRUE(familyHfToLoom(gpt2(), n.hf, out, transform, buffer)) << n.hf;
    EXPECT_EQ(out, n.loom);
    EXPECT_EQ(transform, n.transform) << n.hf;
    EXPECT_FALSE(buffer);
    ASSERT_TRUE(familyLoomToHf(gpt2(), n.loom, out)) << n.loom;
    EXPECT_EQ(out, n.hf);
    ASSERT_TRUE(familyGgufToLoom(gpt2(), n.gguf, out)) << n.gguf;
    EXPECT_EQ(out, n.loom);
    ASSERT_TRUE(familyLoomToGguf(gpt2(), n.loom, out)) << n.loom;
    EXPECT_EQ(out, n.gguf);
  }
}

TEST(FamilyTest, Gpt2CheckpointsWithoutTheRootAndWithBuffers) {
  std::string out;
  TensorTransform transform = TensorTransform::None;
  bool buffer = false;
  // GPT-2's own checkpoint was saved from the base model: no "transformer." root.
  ASSERT_TRUE(familyHfToLoom(gpt2(), "wte.weight", out, transform, buffer));
  EXPECT_EQ(out, "embedding.weight");
  ASSERT_TRUE(familyHfToLoom(gpt2(), "h.2.mlp.c_fc.weight", out, transform, buffer));
  EXPECT_EQ(out, "layers.2.ffn.up_proj.weight");
  EXPECT_EQ(transform, TensorTransform::Transpose);
  // The causal mask is a buffer, not a weight.
  EXPECT_FALSE(familyHfToLoom(gpt2(), "h.2.attn.bias", out, transform, buffer));
  EXPECT_TRUE(buffer);
  EXPECT_FALSE(familyHfToLoom(gpt2(), "transformer.h.0.attn.masked_bias", out, transform, buffer));
  EXPECT_TRUE(buffer);
  // Names of other conventions are not GPT-2's.
  EXPECT_FALSE(familyHfToLoom(gpt2(), "model.layers.0.self_attn.q_proj.weight", out, transform, buffer));
  EXPECT_FALSE(buffer);
  EXPECT_FALSE(familyHfToLoom(gpt2(), "transformer.h.0.attn.q_proj.weight", out, transform, buffer));
  EXPECT_FALSE(familyGgufToLoom(gpt2(), "blk.0.attn_q.weight", out));
}

TEST(FamilyTest, DetectsTheFamilyByItsEmbedding) {
  EXPECT_EQ(detectHfFamily({"transformer.h.0.ln_1.weight", "transformer.wte.weight"}), &gpt2());
  EXPECT_EQ(detectHfFamily({"wte.weight"}), &gpt2());
  EXPECT_EQ(detectHfFamily({"model.embed_tokens.weight", "lm_head.weight"}), nullptr);
}

TEST(FamilyTest, EveryFamilyByEitherName) {
  EXPECT_EQ(familyOfGguf("gpt2"), &gpt2());
  ASSERT_NE(familyOfConfig("gemma3_text"), nullptr);
  EXPECT_EQ(familyOfGguf("gemma3"), familyOfConfig("gemma3_text"));
  EXPECT_TRUE(familyOfGguf("gemma3")->decoder.gemma);
  // Decoder families name their tensors by the shared layout and have their spec written by the importer.
  EXPECT_FALSE(familyOfGguf("llama")->declaresTensors());
  EXPECT_FALSE(familyOfGguf("llama")->declaresSpec());
  EXPECT_TRUE(familyOfGguf("llama")->decoder.ggufInterleaved);
  EXPECT_FALSE(familyOfGguf("qwen3")->decoder.ggufInterleaved);
  EXPECT_TRUE(gpt2().declaresTensors() && gpt2().declaresSpec());
  // Olmo 3 and EXAONE 4 have no GGUF import; Mistral's files convert as llama.
  EXPECT_EQ(familyOfConfig("olmo3")->ggufArch, "");
  EXPECT_EQ(familyOfGguf("mistral"), nullptr);
  EXPECT_EQ(familyOfConfig("phi3"), nullptr);
  // llama.cpp's names for DeepSeek V3 (and Kimi K2), gpt-oss, GLM-4.5 and Llama 4 (whose rows it keeps adjacent).
  EXPECT_EQ(familyOfGguf("deepseek2"), familyOfConfig("deepseek_v3"));
  EXPECT_EQ(familyOfGguf("gpt-oss"), familyOfConfig("gpt_oss"));
  EXPECT_EQ(familyOfGguf("glm4moe"), familyOfConfig("glm4_moe"));
  EXPECT_EQ(familyOfGguf("llama4"), familyOfConfig("llama4_text"));
  EXPECT_TRUE(familyOfGguf("llama4")->decoder.ggufInterleaved);
  EXPECT_EQ(supportedFamilies(/*gguf=*/true),
            "gpt2, llama, qwen2, qwen3, qwen3moe, deepseek2, gpt-oss, gemma3, olmo2, smollm3, glm4moe and llama4");
}

TEST(FamilyTest, TransposedWeightsAreColumnRunsOfTheFile) {
  // A [3, 4] Conv1D matrix (in 3, out 4) of F16 bits 0..11; the part taking columns 1..2 is its [2, 3]
  // transpose's rows 1..2, in the file's dtype.
  std::vector<uint16_t> bits(12);
  for (uint16_t i = 0; i < 12; ++i)
    bits[i] = i;
  SafetensorsTensor tensor{"h.0.mlp.c_fc.weight", SafetensorsDtype::F16, {3, 4},
                           reinterpret_cast<const uint8_t *>(bits.data()), bits.size() * 2};
  WeightStore store(2);
  ASSERT_TRUE(store.setTransposed(0, tensor, "file", 1, 2));
  ASSERT_TRUE(store.setTransposed(1, tensor, "file"));
  const loom_tensor &part = store.table()[0], &whole = store.table()[1];
  EXPECT_EQ(part.dtype, LOOM_DTYPE_F16);
  const auto *p = static_cast<const uint16_t *>(part.data), *w = static_cast<const uint16_t *>(whole.data);
  EXPECT_EQ(std::vector<uint16_t>(p, p + 6), (std::vector<uint16_t>{1, 5, 9, 2, 6, 10}));
  EXPECT_EQ(std::vector<uint16_t>(w, w + 12), (std::vector<uint16_t>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
}

TEST(FamilyTest, MiniMaxM2PerExpertNamesCarryTheExpertIndex) {
  const Family *minimax = familyOfConfig("minimax_m2");
  ASSERT_NE(minimax, nullptr);
  std::string loom;
  // The released checkpoints' per-expert tensors, the index kept as written for the stacking to check.
  ASSERT_NE(familyOwnHfToLoom(*minimax, "model.layers.3.block_sparse_moe.experts.17.w1.weight", loom), nullptr);
  EXPECT_EQ(loom, "layers.3.ffn.experts.17.gate_proj.weight");
  ASSERT_NE(familyOwnHfToLoom(*minimax, "model.layers.0.block_sparse_moe.experts.007.w2.weight", loom), nullptr);
  EXPECT_EQ(loom, "layers.0.ffn.experts.007.down_proj.weight");
  ASSERT_NE(familyOwnHfToLoom(*minimax, "model.layers.0.block_sparse_moe.e_score_correction_bias", loom), nullptr);
  EXPECT_EQ(loom, "layers.0.ffn.router.selection_bias");
  EXPECT_EQ(familyOwnHfToLoom(*minimax, "model.layers.0.block_sparse_moe.experts.x.w1.weight", loom), nullptr);
  EXPECT_EQ(familyOwnHfToLoom(*minimax, "model.layers.0.block_sparse_moe.experts..w1.weight", loom), nullptr);
  EXPECT_EQ(familyOwnHfToLoom(*minimax, "model.layers.0.block_sparse_moe.experts.1.w4.weight", loom), nullptr);
  // Messages name a stacked weight by the per-expert pattern; an expert's by its index.
  std::string hf;
  ASSERT_TRUE(familyOwnLoomToHf(*minimax, "layers.2.ffn.experts.up_proj.weight", hf));
  EXPECT_EQ(hf, "model.layers.2.block_sparse_moe.experts.<e>.w3.weight");
  ASSERT_TRUE(familyOwnLoomToHf(*minimax, "layers.2.ffn.experts.5.up_proj.weight", hf));
  EXPECT_EQ(hf, "model.layers.2.block_sparse_moe.experts.5.w3.weight");
  // transformers 5's checkpoint is told by the selection bias on the block, the released one by its block name;
  // GLM-4.5's names are all the shared layout's.
  EXPECT_EQ(detectHfDecoderFamily({"model.layers.0.mlp.gate.weight", "model.layers.0.mlp.e_score_correction_bias"}),
            minimax);
  EXPECT_EQ(detectHfDecoderFamily({"model.layers.0.block_sparse_moe.experts.0.w1.weight"}), minimax);
  EXPECT_EQ(detectHfDecoderFamily({"model.layers.0.mlp.gate.weight", "model.layers.0.mlp.gate.e_score_correction_bias",
                                   "model.layers.0.mlp.experts.gate_up_proj"}),
            nullptr);
}

TEST(FamilyTest, AfmoeAndMiMoV2FlashAreToldApartByTheirOwnNames) {
  const Family *afmoe = familyOfConfig("afmoe"), *mimo = familyOfConfig("mimo_v2_flash");
  ASSERT_NE(afmoe, nullptr);
  ASSERT_NE(mimo, nullptr);
  std::string loom;
  // AFMoE's block norms: post_attention_layernorm follows the attention here, where the shared layout has it
  // before the MLP.
  const std::pair<const char *, const char *> afmoeNames[] = {
      {"model.layers.4.post_attention_layernorm.weight", "layers.4.post_attn_norm.weight"},
      {"model.layers.4.pre_mlp_layernorm.weight", "layers.4.ffn_norm.weight"},
      {"model.layers.4.post_mlp_layernorm.weight", "layers.4.post_ffn_norm.weight"},
      {"model.layers.4.self_attn.gate_proj.weight", "layers.4.attention.gate_proj.weight"},
      {"model.layers.4.mlp.router.gate.weight", "layers.4.ffn.router.weight"},
      {"model.layers.4.mlp.expert_bias", "layers.4.ffn.router.selection_bias"},
  };
  for (const auto &[hf, manifest] : afmoeNames) {
    ASSERT_NE(familyOwnHfToLoom(*afmoe, hf, loom), nullptr) << hf;
    EXPECT_EQ(loom, manifest);
  }
  EXPECT_EQ(detectHfDecoderFamily({"model.layers.0.input_layernorm.weight", "model.layers.0.pre_mlp_layernorm.weight"}),
            afmoe);
  // MiMo-V2-Flash's released checkpoints name the sinks attention_sink_bias; transformers' the shared layout's way.
  ASSERT_NE(familyOwnHfToLoom(*mimo, "model.layers.1.self_attn.attention_sink_bias", loom), nullptr);
  EXPECT_EQ(loom, "layers.1.attention.sinks");
  EXPECT_EQ(detectHfDecoderFamily({"model.layers.1.self_attn.attention_sink_bias"}), mimo);
  EXPECT_EQ(detectHfDecoderFamily({"model.layers.1.self_attn.sinks", "model.layers.1.mlp.gate.weight"}), nullptr);
}

} // namespace
