"""RoPE scaling against Hugging Face transformers: `loom import config.json` writes the scaling of a tiny
random-weight checkpoint's config, and `loom logits` on transformers' own model.safetensors must give the
logits of the transformers model loaded from the same directory (float32, eager attention).

Each config makes every part of its scaling matter within the test's 100 tokens: head_dim 32 and theta 1e4
over an original context of 64 positions put the wavelengths 2 pi 1e4^(j/16) of the 16 pairs on both sides
of the bands and inside them (llama3: pairs 0-1 kept, 2-4 blended, 5-15 divided; yarn: a ramp over pairs
0..5), and 100 tokens run well past the original context.

Tolerance 1e-4 max-abs over all positions, as the unscaled tests: both sides compute in float32, and Loom's
angles (ggml's iterated products divided by the scaled table) differ from transformers' (position times the
scaled inverse frequency) by a few ulps of the angle.
"""
import json
import subprocess

import pytest

VS_TRANSFORMERS = 1e-4
N_TOKENS = 100  # past the original context of 64 positions, and past one 64-token forward chunk


def llama_config(t, rope_parameters, head_dim=32):
    return t.LlamaConfig(vocab_size=300, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, head_dim=head_dim,
                         max_position_embeddings=256, rms_norm_eps=1e-5, tie_word_embeddings=False,
                         rope_parameters=rope_parameters)


LLAMA3 = {"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0, "low_freq_factor": 1.0,
          "high_freq_factor": 4.0, "original_max_position_embeddings": 64}
YARN = {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0, "original_max_position_embeddings": 64}


def gemma3_config(t):
    # Seven layers: the sixth is global, with linear scaling (Gemma 3 27B's global layers: positions / 8).
    return t.Gemma3TextConfig(vocab_size=288, hidden_size=64, intermediate_size=128, num_hidden_layers=7,
                              num_attention_heads=4, num_key_value_heads=2, head_dim=32,
                              max_position_embeddings=256, rms_norm_eps=1e-6, sliding_window=8,
                              rope_parameters={"full_attention": {"rope_type": "linear", "factor": 8.0,
                                                                  "rope_theta": 10000.0},
                                               "sliding_attention": {"rope_type": "default",
                                                                     "rope_theta": 10000.0}})


CASES = {
    "llama3": lambda t: llama_config(t, dict(LLAMA3)),
    # transformers 4's form of the same: "rope_scaling" and "rope_theta" beside it (rewritten below).
    "llama3-rope_scaling": lambda t: llama_config(t, dict(LLAMA3)),
    "yarn": lambda t: llama_config(t, dict(YARN)),
    # gpt-oss's form: bounds not truncated, and an explicit attention factor.
    "yarn-untruncated": lambda t: llama_config(t, dict(YARN, truncate=False, attention_factor=1.25, beta_fast=16.0,
                                                       beta_slow=2.0)),
    # DeepSeek's: the attention factor from mscale / mscale_all_dim.
    "yarn-mscale": lambda t: llama_config(t, dict(YARN, mscale=2.0, mscale_all_dim=1.0)),
    "gemma3-linear": gemma3_config,
}


def to_rope_scaling(config_path):
    """Rewrites a saved config.json into transformers 4's form: rope_scaling plus top-level rope_theta."""
    config = json.loads(config_path.read_text())
    params = config.pop("rope_parameters")
    config["rope_theta"] = params.pop("rope_theta")
    config["rope_scaling"] = params
    config_path.write_text(json.dumps(config, indent=2))


def random_checkpoint(ref, model_dir, config, gemma):
    torch = ref.torch
    with torch.device("meta"):
        skeleton = ref.transformers.AutoModelForCausalLM.from_config(config)
    gen = torch.Generator().manual_seed(11)
    tensors = {}
    for name, value in skeleton.state_dict().items():
        if "rotary_emb" in name or (config.tie_word_embeddings and name == "lm_head.weight"):
            continue
        shape = tuple(value.shape)
        if name.endswith("norm.weight"):
            w = (-0.5 if gemma else 0.5) + torch.rand(shape, generator=gen)
        elif name.endswith("embed_tokens.weight") or name == "lm_head.weight":
            w = (0.8 / config.hidden_size ** 0.5) * torch.randn(shape, generator=gen)
        else:
            w = 0.08 * torch.randn(shape, generator=gen)
        tensors[name] = w.contiguous()
    ref.safetensors_torch.save_file(tensors, str(model_dir / "model.safetensors"), metadata={"format": "pt"})


@pytest.mark.parametrize("case", list(CASES))
def test_scaled_rope_matches_transformers(case, ref, loom, tmp_path, record_diff):
    torch, t, np = ref.torch, ref.transformers, ref.np
    config = CASES[case](t)
    config.save_pretrained(tmp_path)
    if case == "llama3-rope_scaling":
        to_rope_scaling(tmp_path / "config.json")
        config = t.AutoConfig.from_pretrained(tmp_path)
    random_checkpoint(ref, tmp_path, config, gemma=case.startswith("gemma3"))
    model = t.AutoModelForCausalLM.from_pretrained(tmp_path, dtype=torch.float32, attn_implementation="eager")
    model.eval()

    spec = tmp_path / "imported.loom"
    result = subprocess.run([str(loom.binary), "import", str(tmp_path / "config.json"), "-o", str(spec)],
                            capture_output=True, text=True)
    assert result.returncode == 0, f"loom import failed:\n{result.stderr}"
    assert "warning" not in result.stderr, result.stderr
    kind = case.split("-")[0].replace("gemma3", "linear")
    assert f"scaling = {kind}(" in spec.read_text(), spec.read_text()

    tokens = [int(i) for i in np.random.default_rng(5).integers(0, config.vocab_size, size=N_TOKENS)]
    with torch.no_grad():
        expected = model(input_ids=torch.tensor([tokens]), use_cache=False).logits[0].numpy()
    got = loom.logits(spec, tmp_path / "model.safetensors", tokens, tmp_path / "logits.f32", config.vocab_size)
    diff = float(np.abs(got.astype(np.float64) - expected).max())
    record_diff(f"{case} RoPE scaling, {N_TOKENS} tokens, imported from config.json", diff, VS_TRANSFORMERS)
    assert diff <= VS_TRANSFORMERS, (f"{case}: Loom vs transformers max-abs {diff:.3e}\nspec:\n{spec.read_text()}")


def test_scaling_is_not_ignored(ref, loom, tmp_path):
    """The same checkpoint without its scaling gives clearly different logits: the test above would catch a
    scaling that is dropped anywhere between the config and the kernel."""
    torch, t, np = ref.torch, ref.transformers, ref.np
    config = llama_config(t, dict(LLAMA3))
    config.save_pretrained(tmp_path)
    random_checkpoint(ref, tmp_path, config, gemma=False)
    spec = tmp_path / "imported.loom"
    subprocess.run([str(loom.binary), "import", str(tmp_path / "config.json"), "-o", str(spec)], check=True)
    unscaled = tmp_path / "unscaled.loom"
    text = spec.read_text()
    unscaled.write_text(text[:text.index(", scaling = ")] + text[text.index(")", text.index(", scaling = ")) + 1:])
    tokens = [int(i) for i in np.random.default_rng(5).integers(0, config.vocab_size, size=N_TOKENS)]
    scaled = loom.logits(spec, tmp_path / "model.safetensors", tokens, tmp_path / "a.f32", config.vocab_size)
    plain = loom.logits(unscaled, tmp_path / "model.safetensors", tokens, tmp_path / "b.f32", config.vocab_size)
    assert float(np.abs(scaled.astype(np.float64) - plain).max()) > 1e-2


@pytest.mark.parametrize("rope_type", ["dynamic", "longrope", "proportional"])
def test_unmodelled_scaling_is_an_error(rope_type, loom, tmp_path):
    """A scaling Loom does not model fails the import, naming it; it is never dropped with a warning."""
    config = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "vocab_size": 300, "hidden_size": 64,
              "intermediate_size": 160, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
              "max_position_embeddings": 256, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
              "rope_scaling": {"rope_type": rope_type, "factor": 4.0}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    result = subprocess.run([str(loom.binary), "import", str(tmp_path / "config.json"), "-o",
                             str(tmp_path / "out.loom")], capture_output=True, text=True)
    assert result.returncode != 0
    assert f"'{rope_type}' RoPE scaling" in result.stderr and "does not model" in result.stderr, result.stderr
    assert not (tmp_path / "out.loom").exists()
