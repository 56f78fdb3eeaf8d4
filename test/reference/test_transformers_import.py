"""Hugging Face checkpoints run as saved: `loom import config.json` writes the spec, and the model.safetensors
that transformers wrote (its own tensor names) is the weights file. Reference: the transformers model loaded
from the same directory, float32, eager attention.

Tolerance 1e-4 max-abs, as in test_transformers_logits.py: both compute in float32.
"""
import subprocess

import pytest

VS_TRANSFORMERS = 1e-4
N_TOKENS = 40  # several times Gemma's test window of 8


def llama_config(t):
    return t.LlamaConfig(vocab_size=300, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=256,
                         rms_norm_eps=1e-5, tie_word_embeddings=False,
                         rope_parameters={"rope_type": "default", "rope_theta": 500000.0})


def qwen3_config(t):
    return t.Qwen3Config(vocab_size=320, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, head_dim=32, max_position_embeddings=256,
                         rms_norm_eps=1e-6, tie_word_embeddings=True,
                         rope_parameters={"rope_type": "default", "rope_theta": 1e6})


def gemma3_config(t):
    # Seven layers: five sliding-window layers, the global sixth, and one more sliding layer.
    # query_pre_attn_scalar differs from head_dim so that the attention scale is the imported one.
    return t.Gemma3TextConfig(vocab_size=288, hidden_size=64, intermediate_size=128, num_hidden_layers=7,
                              num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                              max_position_embeddings=256, rms_norm_eps=1e-6, sliding_window=8,
                              query_pre_attn_scalar=24,
                              rope_parameters={"full_attention": {"rope_type": "default", "rope_theta": 1e6},
                                               "sliding_attention": {"rope_type": "default",
                                                                     "rope_theta": 10000.0}})


CONFIGS = {"llama": llama_config, "qwen3": qwen3_config, "gemma3": gemma3_config}


@pytest.mark.parametrize("family,pairing", [("llama", "half"), ("qwen3", "half"), ("gemma3", "half"),
                                             ("llama", "interleaved")])
def test_imported_config_and_checkpoint_match_transformers(family, pairing, ref, loom, tmp_path, record_diff):
    """pairing "interleaved": the imported spec is switched to GPT-J-style RoPE, so the loader must reorder the
    checkpoint's Q/K rows (which transformers keeps in NeoX halves) for it."""
    torch, t, np = ref.torch, ref.transformers, ref.np
    config = CONFIGS[family](t)
    config.save_pretrained(tmp_path)
    with torch.device("meta"):
        skeleton = t.AutoModelForCausalLM.from_config(config)
    gen = torch.Generator().manual_seed(7)
    tensors = {}
    for name, value in skeleton.state_dict().items():
        if "rotary_emb" in name or (config.tie_word_embeddings and name == "lm_head.weight"):
            continue
        shape = tuple(value.shape)
        if name.endswith("norm.weight"):
            # Gemma scales by (1 + w): weights around 0 there, around 1 elsewhere.
            low = -0.5 if family == "gemma3" else 0.5
            w = low + torch.rand(shape, generator=gen)
        elif name.endswith("embed_tokens.weight") or name == "lm_head.weight":
            w = (0.8 / config.hidden_size ** 0.5) * torch.randn(shape, generator=gen)
        else:
            w = 0.08 * torch.randn(shape, generator=gen)
        tensors[name] = w.contiguous()
    ref.safetensors_torch.save_file(tensors, str(tmp_path / "model.safetensors"), metadata={"format": "pt"})
    model = t.AutoModelForCausalLM.from_pretrained(tmp_path, dtype=torch.float32, attn_implementation="eager")
    model.eval()

    spec = tmp_path / "imported.loom"
    result = subprocess.run([str(loom.binary), "import", str(tmp_path / "config.json"), "-o", str(spec)],
                            capture_output=True, text=True)
    assert result.returncode == 0, f"loom import failed:\n{result.stderr}"
    assert "warning" not in result.stderr, result.stderr
    if pairing == "interleaved":
        spec.write_text(spec.read_text().replace("style = half", "style = interleaved"))

    tokens = [int(i) for i in np.random.default_rng(3).integers(0, config.vocab_size, size=N_TOKENS)]
    with torch.no_grad():
        expected = model(input_ids=torch.tensor([tokens]), use_cache=False).logits[0].numpy()
    got = loom.logits(spec, tmp_path / "model.safetensors", tokens, tmp_path / "logits.f32", config.vocab_size)
    diff = float(np.abs(got.astype(np.float64) - expected).max())
    record_diff(f"{family} ({pairing} RoPE spec) imported from config.json, transformers checkpoint", diff,
                VS_TRANSFORMERS)
    assert diff <= VS_TRANSFORMERS, (f"{family}: Loom (imported spec, HF checkpoint) vs transformers max-abs "
                                     f"{diff:.3e}\nspec:\n{spec.read_text()}")


# Multimodal releases (Gemma 3 from 4B, Mistral Small 3.1, Llama 4 Scout and Maverick): the config's text_config is
# the text model, and the checkpoint holds it under "language_model." beside a vision encoder and its projector.
# Tiny vision sides: they are built and saved as transformers does, and never reached by a text prompt.
def gemma3_multimodal(t):
    return t.Gemma3Config(
        text_config=dict(vocab_size=300, hidden_size=64, intermediate_size=128, num_hidden_layers=7,
                         num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=256,
                         sliding_window=8, query_pre_attn_scalar=24),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                           image_size=28, patch_size=14),
        mm_tokens_per_image=4)


def mistral3_multimodal(t):
    return t.Mistral3Config(
        text_config=dict(model_type="mistral", vocab_size=300, hidden_size=64, intermediate_size=128,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                         max_position_embeddings=256, tie_word_embeddings=False),
        vision_config=dict(model_type="pixtral", hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                           num_attention_heads=2, image_size=28, patch_size=14, head_dim=16))


def llama4_multimodal(t):
    return t.Llama4Config(
        text_config=dict(vocab_size=300, hidden_size=64, intermediate_size=64, intermediate_size_mlp=128,
                         num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                         num_local_experts=4, num_experts_per_tok=1, interleave_moe_layer_step=2,
                         attention_chunk_size=8, max_position_embeddings=256),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                           image_size=28, patch_size=14, vision_output_dim=32, projector_input_dim=32,
                           projector_output_dim=32))


MULTIMODAL = {"gemma3": gemma3_multimodal, "mistral3": mistral3_multimodal, "llama4": llama4_multimodal}


@pytest.mark.parametrize("family", sorted(MULTIMODAL))
def test_multimodal_release_runs_its_text_model(family, ref, loom, tmp_path, record_diff):
    """`loom import` of the multimodal config.json and `loom logits` of the checkpoint transformers saved for the
    whole model (vision side included) equal transformers' logits for a text prompt."""
    torch, t, np = ref.torch, ref.transformers, ref.np
    config = MULTIMODAL[family](t)
    torch.manual_seed(11)
    model = t.AutoModelForImageTextToText.from_config(config, dtype=torch.float32)
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for name, param in model.named_parameters():
            # Random weights of a telling size rather than the initialiser's (Gemma's norms start at 0).
            if name.endswith("norm.weight"):
                param.copy_((-0.5 if family == "gemma3" else 0.5) + torch.rand(param.shape, generator=gen))
            else:
                param.copy_(0.08 * torch.randn(param.shape, generator=gen))
    model.save_pretrained(tmp_path)
    names = ref.safetensors_torch.load_file(str(tmp_path / "model.safetensors")).keys()
    assert any(n.startswith(("vision_tower.", "vision_model.")) for n in names), sorted(names)[:8]
    model = t.AutoModelForImageTextToText.from_pretrained(tmp_path, dtype=torch.float32, attn_implementation="eager")
    model.eval()

    spec = tmp_path / "imported.loom"
    result = subprocess.run([str(loom.binary), "import", str(tmp_path / "config.json"), "-o", str(spec)],
                            capture_output=True, text=True)
    assert result.returncode == 0, f"loom import failed:\n{result.stderr}"
    vocab = config.text_config.vocab_size
    tokens = [int(i) for i in np.random.default_rng(3).integers(0, vocab, size=N_TOKENS)]
    with torch.no_grad():
        expected = model(input_ids=torch.tensor([tokens]), use_cache=False).logits[0].numpy()
    got = loom.logits(spec, tmp_path / "model.safetensors", tokens, tmp_path / "logits.f32", vocab)
    diff = float(np.abs(got.astype(np.float64) - expected).max())
    record_diff(f"{family} multimodal release (text model) imported from config.json, transformers checkpoint",
                diff, VS_TRANSFORMERS)
    assert diff <= VS_TRANSFORMERS, (f"{family}: Loom vs transformers max-abs {diff:.3e}\n"
                                     f"spec:\n{spec.read_text()}")
