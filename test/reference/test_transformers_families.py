"""The dense families of examples/, each as a tiny model of the same structure: transformers writes its
config.json and model.safetensors (random weights, its own tensor names), `loom import config.json` writes
the spec, and `loom logits SPEC --weights model.safetensors` must give transformers' logits.

Each configuration keeps what makes its family itself, shrunk: enough layers for the sliding-window and NoPE
patterns to show (a NoPE or global layer with others after it) and a window of 8, so that 40 and 80 tokens
cross many window boundaries and (at 80) Loom's 64-token forward chunks; RoPE scaling (Olmo 3's YaRN,
EXAONE 4's Llama 3, Gemma 3's linear) with an original context of 16, so that the tokens reach past it.

Tolerances (max-abs over every position's logits, which spread over about [-4, 4]):
  1e-4  Loom vs transformers: both compute in float32; only summation orders differ.
  1e-5  Loom one token at a time through its caches (ring caches on sliding-window layers) vs Loom in one
        batched pass.
"""
import subprocess

import pytest

VS_TRANSFORMERS = 1e-4
INCREMENTAL = 1e-5
WINDOW = 8


def _common(**overrides):
    values = dict(vocab_size=300, hidden_size=64, intermediate_size=160, num_hidden_layers=6,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-6,
                  attention_dropout=0.0, bos_token_id=None, eos_token_id=None, pad_token_id=None)
    values.update(overrides)
    return values


def olmo2(t):
    # Post-norm block, QK-norm over the whole q (64 wide) and k (32 wide) projections.
    return t.Olmo2Config(**_common(num_hidden_layers=3, tie_word_embeddings=False,
                                   rope_parameters={"rope_type": "default", "rope_theta": 5e5}))


def olmo3(t):
    # Olmo 3's layers S S S F S S, without RoPE scaling (olmo3_yarn below has it).
    return t.Olmo3Config(**_common(num_key_value_heads=4, tie_word_embeddings=False, sliding_window=WINDOW,
                                   rope_parameters={"rope_type": "default", "rope_theta": 5e5}))


def smollm3(t):
    # Every fourth layer NoPE: layers 3 and 7 of 8, from no_rope_layer_interval.
    return t.SmolLM3Config(**_common(num_hidden_layers=8, tie_word_embeddings=True, no_rope_layer_interval=4,
                                     rope_parameters={"rope_type": "default", "rope_theta": 5e6}))


def smollm3_listed(t):
    # An explicit no_rope_layers that no period describes (1 = RoPE).
    return t.SmolLM3Config(**_common(num_hidden_layers=5, tie_word_embeddings=False,
                                     no_rope_layers=[1, 0, 1, 1, 0],
                                     rope_parameters={"rope_type": "default", "rope_theta": 5e6}))


def exaone4(t):
    # EXAONE 4.0 32B's shape: 3 sliding-window layers (RoPE) to 1 global (NoPE), post-norm, per-head QK-norm.
    return t.Exaone4Config(**_common(head_dim=32, tie_word_embeddings=False, sliding_window=WINDOW,
                                     sliding_window_pattern=4,
                                     rope_parameters={"rope_type": "default", "rope_theta": 1e6}))


def exaone4_full(t):
    # EXAONE 4.0 1.2B's shape: no window, so every layer rotates. (transformers needs layer_types here: it
    # would derive them from a pattern of 0.)
    return t.Exaone4Config(**_common(num_hidden_layers=3, head_dim=16, tie_word_embeddings=True,
                                     sliding_window=None, layer_types=["full_attention"] * 3,
                                     rope_parameters={"rope_type": "default", "rope_theta": 1e6}))


def mistral(t):
    # Mistral Small 3.1: heads * head_dim (128) wider than d_model, no window.
    return t.MistralConfig(**_common(num_hidden_layers=3, head_dim=32, tie_word_embeddings=False,
                                     sliding_window=None, rms_norm_eps=1e-5,
                                     rope_parameters={"rope_type": "default", "rope_theta": 1e9}))


def mistral_window(t):
    # Mistral 7B v0.1's window on every layer.
    return t.MistralConfig(**_common(num_hidden_layers=3, tie_word_embeddings=False, sliding_window=WINDOW,
                                     rms_norm_eps=1e-5,
                                     rope_parameters={"rope_type": "default", "rope_theta": 10000.0}))


def qwen3_untied(t):
    # Qwen3-8B's shape: untied, per-head QK-norm, heads * head_dim != d_model.
    return t.Qwen3Config(**_common(num_hidden_layers=3, head_dim=32, tie_word_embeddings=False,
                                   rope_parameters={"rope_type": "default", "rope_theta": 1e6}))


def olmo3_yarn(t):
    # Olmo 3 7B's RoPE: YaRN (factor 8, attention factor 1.2079) on the full-attention layers only, with an
    # original context of 16 so that 40 and 80 tokens reach past it.
    yarn = {"rope_type": "yarn", "rope_theta": 5e5, "factor": 8.0, "original_max_position_embeddings": 16,
            "attention_factor": 1.2079441541679836, "beta_fast": 32.0, "beta_slow": 1.0}
    return t.Olmo3Config(**_common(num_key_value_heads=4, tie_word_embeddings=False, sliding_window=WINDOW,
                                   max_position_embeddings=16 * 8,  # what transformers expects of the factor
                                   rope_parameters={"full_attention": yarn,
                                                    "sliding_attention": {"rope_type": "default",
                                                                          "rope_theta": 5e5}}))


def exaone4_llama3(t):
    # EXAONE 4.0's Llama 3 scaling (factor 16, bands 1 and 4) on its RoPE (sliding-window) layers.
    return t.Exaone4Config(**_common(head_dim=32, tie_word_embeddings=False, sliding_window=WINDOW,
                                     sliding_window_pattern=4,
                                     rope_parameters={"rope_type": "llama3", "rope_theta": 1e6, "factor": 16.0,
                                                      "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                                      "original_max_position_embeddings": 16}))


def gemma3_linear(t):
    # Gemma 3 27B's shape: 5 sliding : 1 global, the global layers' RoPE stretched linearly by 8,
    # query_pre_attn_scalar (24) other than head_dim (16).
    return t.Gemma3TextConfig(**_common(num_hidden_layers=7, head_dim=16, sliding_window=WINDOW,
                                        query_pre_attn_scalar=24,
                                        rope_parameters={"full_attention": {"rope_type": "linear", "factor": 8.0,
                                                                            "rope_theta": 1e6},
                                                         "sliding_attention": {"rope_type": "default",
                                                                               "rope_theta": 10000.0}}))


CONFIGS = {"olmo2": olmo2, "olmo3": olmo3, "smollm3": smollm3, "smollm3-listed": smollm3_listed,
           "exaone4": exaone4, "exaone4-full": exaone4_full, "mistral": mistral, "mistral-window": mistral_window,
           "qwen3-untied": qwen3_untied, "olmo3-yarn": olmo3_yarn, "exaone4-llama3": exaone4_llama3,
           "gemma3-linear": gemma3_linear}
# What the imported spec must say for the family's structure to be there at all.
SPEC_MUST_HAVE = {
    "olmo2": ["over = all_heads", "post_attn_norm(attention(x))"],
    "olmo3": ["over = all_heads", "layers where (i + 1) % 4 != 0 { attention = local_attention }"],
    "smollm3": ["layers where (i + 1) % 4 == 0 { attention = nope_attention }"],
    "smollm3-listed": ["nope_attention = attention(rope = none)", "layers 1 {", "layers 4 {"],
    "exaone4": ["post_ffn_norm(ffn(x))", "rope = none", "local_attention"],
    "exaone4-full": ["post_ffn_norm(ffn(x))"],
    "mistral": ["head_dim = 32"],
    "mistral-window": ["mask = sliding_window, window = 8"],
    "qwen3-untied": ["qk_norm = RMSNorm(eps = eps)"],
    "olmo3-yarn": ["scaling = yarn(factor = 8, original_context = 16", "rope = RoPE(theta = 500000, style = half))"],
    "exaone4-llama3": ["scaling = llama3(factor = 16", "rope = none"],
    "gemma3-linear": ["scaling = linear(factor = 8)", "rope = RoPE(theta = 10000, style = half))"],
}


class ImportedCase:
    def __init__(self, name, ref, loom, workdir):
        torch, t = ref.torch, ref.transformers
        self.ref, self.loom, self.dir = ref, loom, workdir
        config = CONFIGS[name](t)
        config.save_pretrained(workdir)
        self.vocab = config.vocab_size
        with torch.device("meta"):
            skeleton = t.AutoModelForCausalLM.from_config(config)
        gen = torch.Generator().manual_seed(sum(map(ord, name)))
        tensors = {}
        for key, value in skeleton.state_dict().items():
            if "rotary_emb" in key or (config.tie_word_embeddings and key == "lm_head.weight"):
                continue
            shape = tuple(value.shape)
            if key.endswith("norm.weight"):  # scales uniform in [0.5, 1.5], so that every norm matters
                # (Gemma's RMSNorm scales by 1 + w)
                w = (-0.5 if config.model_type == "gemma3_text" else 0.5) + torch.rand(shape, generator=gen)
            elif key.endswith("embed_tokens.weight") or key == "lm_head.weight":
                w = (0.8 / config.hidden_size ** 0.5) * torch.randn(shape, generator=gen)
            else:
                w = 0.08 * torch.randn(shape, generator=gen)
            tensors[key] = w.contiguous()
        self.weights = workdir / "model.safetensors"
        ref.safetensors_torch.save_file(tensors, str(self.weights), metadata={"format": "pt"})
        self.model = t.AutoModelForCausalLM.from_pretrained(workdir, dtype=torch.float32,
                                                            attn_implementation="eager")
        self.model.eval()

        self.spec = workdir / "imported.loom"
        result = subprocess.run([str(loom.binary), "import", str(workdir / "config.json"), "-o", str(self.spec)],
                                capture_output=True, text=True)
        assert result.returncode == 0, f"loom import failed:\n{result.stderr}"
        assert "warning" not in result.stderr, result.stderr
        self._loom = {}

    def tokens(self, n):
        return [int(i) for i in self.ref.np.random.default_rng(n).integers(0, self.vocab, size=n)]

    def hf_logits(self, tokens):
        torch = self.ref.torch
        with torch.no_grad():
            return self.model(input_ids=torch.tensor([tokens]), use_cache=False).logits[0].numpy()

    def loom_logits(self, tokens, decode_from=None):
        key = (len(tokens), decode_from)
        if key not in self._loom:
            out = self.dir / f"logits-{len(tokens)}-{decode_from}.f32"
            self._loom[key] = self.loom.logits(self.spec, self.weights, tokens, out, self.vocab, decode_from)
        return self._loom[key]


@pytest.fixture(scope="module")
def imported_case(ref, loom, tmp_path_factory):
    cases = {}

    def get(name):
        if name not in cases:
            cases[name] = ImportedCase(name, ref, loom, tmp_path_factory.mktemp(name))
        return cases[name]

    return get


def max_abs(a, b):
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    return float(abs(a.astype("float64") - b.astype("float64")).max())


@pytest.mark.parametrize("name", list(CONFIGS))
def test_imported_spec_states_the_structure(name, imported_case):
    text = imported_case(name).spec.read_text()
    for needle in SPEC_MUST_HAVE[name]:
        assert needle in text, f"{name}: the imported spec lacks '{needle}':\n{text}"


@pytest.mark.parametrize("n_tokens", [40, 80])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_logits_match_transformers(name, n_tokens, imported_case, record_diff):
    case = imported_case(name)
    tokens = case.tokens(n_tokens)
    expected = case.hf_logits(tokens)
    got = case.loom_logits(tokens)
    diff = max_abs(got, expected)
    record_diff(f"{name} n={n_tokens} imported spec + transformers checkpoint vs transformers", diff,
                VS_TRANSFORMERS)
    worst = int(abs(got.astype("float64") - expected).max(axis=1).argmax())
    assert diff <= VS_TRANSFORMERS, (f"{name}, {n_tokens} tokens: Loom vs transformers max-abs {diff:.3e} "
                                     f"(worst at position {worst})\nspec:\n{case.spec.read_text()}")


@pytest.mark.parametrize("n_tokens,decode_from", [(40, 3), (80, 30)])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_incremental_decode_matches_batched(name, n_tokens, decode_from, imported_case, record_diff):
    case = imported_case(name)
    tokens = case.tokens(n_tokens)
    batched = case.loom_logits(tokens)
    incremental = case.loom_logits(tokens, decode_from=decode_from)
    diff = max_abs(incremental, batched)
    record_diff(f"{name} n={n_tokens} decode-from {decode_from} vs batched", diff, INCREMENTAL)
    assert diff <= INCREMENTAL, (f"{name}, {n_tokens} tokens, --decode-from {decode_from}: incremental vs "
                                 f"batched max-abs {diff:.3e}")
