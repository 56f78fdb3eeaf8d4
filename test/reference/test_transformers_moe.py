"""Mixtures of experts against transformers: each tiny configuration keeps its family's routing and layer
pattern; transformers writes config.json, the weights are random and saved under transformers' own names
(transformers 5 stores the experts fused, `mlp.experts.gate_up_proj` [E, 2I, d], and a second file stores
them per expert, as checkpoints on the Hub do; gpt-oss's are stacked in x @ W form, [E, d, 2I] with gate and up
interleaved, and have no per-expert form); `loom import config.json` writes the spec and
`loom logits` must give transformers' logits, with the experts run token by token
(`loom compile --moe-grouped-matmul=false`) and as grouped products (the default pipeline). DeepSeek's latent
attention runs absorbed for short chunks and decode steps (loom-absorb-mla) and expanded for long chunks;
`--absorb-mla=false` (always expanded) is compared too. gpt-oss's clamped SwiGLU has no grouped form, so its
experts run token by token in both pipelines.

Routers are random, so no two experts tie at the k-th place (ties would make transformers' choice
unspecified, docs/moe-mla-reference.md 1.3).

Tolerances (max-abs over every position's logits):
  1e-4  Loom vs transformers: both float32; summation orders differ.
  1e-5  incremental decode vs one batched pass; grouped vs token-by-token experts.
"""
import subprocess

import pytest

VS_TRANSFORMERS = 1e-4
SAME_MODEL = 1e-5


def _common(**overrides):
    values = dict(vocab_size=300, hidden_size=64, intermediate_size=96, num_hidden_layers=3,
                  num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=256,
                  rms_norm_eps=1e-6, attention_dropout=0.0, bos_token_id=None, eos_token_id=None,
                  pad_token_id=None, rope_parameters={"rope_type": "default", "rope_theta": 1e6})
    values.update(overrides)
    return values


def qwen3_moe(t):
    # Qwen3-30B-A3B's structure: every layer sparse, top-k renormalised.
    return t.Qwen3MoeConfig(**_common(num_experts=8, num_experts_per_tok=2, moe_intermediate_size=48,
                                      norm_topk_prob=True, decoder_sparse_step=1, mlp_only_layers=[],
                                      tie_word_embeddings=False))


def qwen3_moe_mixed(t):
    # Sparse every second layer except layer 3, dense elsewhere; weights not renormalised; top-4 of 16.
    return t.Qwen3MoeConfig(**_common(num_hidden_layers=5, num_experts=16, num_experts_per_tok=4,
                                      moe_intermediate_size=32, norm_topk_prob=False, decoder_sparse_step=2,
                                      mlp_only_layers=[3], tie_word_embeddings=True))


def deepseek_v3(t):
    # DeepSeek V3's structure: MLA (compressed q and kv, a shared RoPE key rotating adjacent pairs, YaRN whose
    # mscale_all_dim scales the softmax), a dense first layer, then 8 experts in 4 groups of which 2 are kept,
    # top-2 by biased sigmoid scores, renormalised and scaled by 2.5, plus a shared expert. The original
    # context of 16 puts most of the 70 tokens past it.
    yarn = {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 8.0, "original_max_position_embeddings": 16,
            "beta_fast": 32.0, "beta_slow": 1.0, "mscale": 1.0, "mscale_all_dim": 1.0}
    # (transformers sizes its RoPE tables by head_dim, which DeepSeek V3 sets to qk_rope_head_dim.)
    return t.DeepseekV3Config(**_common(head_dim=4, num_key_value_heads=4, moe_intermediate_size=16, n_shared_experts=1,
                                        n_routed_experts=8, routed_scaling_factor=2.5, kv_lora_rank=32,
                                        q_lora_rank=24, qk_rope_head_dim=4, v_head_dim=8, qk_nope_head_dim=8,
                                        n_group=4, topk_group=2, num_experts_per_tok=2, first_k_dense_replace=1,
                                        norm_topk_prob=True, max_position_embeddings=128, rope_parameters=yarn,
                                        tie_word_embeddings=False))


def deepseek_plain_q(t):
    # Kimi K2's routing (no group limit) and DeepSeek V2-Lite's plain query projection (q_lora_rank null),
    # RoPE unscaled, weights not renormalised, two shared experts.
    return t.DeepseekV3Config(**_common(head_dim=8, num_key_value_heads=4, moe_intermediate_size=16, n_shared_experts=2,
                                        n_routed_experts=8, routed_scaling_factor=1.5, kv_lora_rank=16,
                                        q_lora_rank=None, qk_rope_head_dim=8, v_head_dim=12, qk_nope_head_dim=8,
                                        n_group=1, topk_group=1, num_experts_per_tok=3, first_k_dense_replace=0,
                                        norm_topk_prob=False, tie_word_embeddings=False,
                                        rope_parameters={"rope_type": "default", "rope_theta": 50000.0}))


def gpt_oss(t):
    # gpt-oss's structure: sliding-window (8) and full layers alternating, q/k/v/o biases and a learned sink per
    # head, YaRN with its ramp not truncated over an original context of 16, and in every layer 8 experts of
    # which the 4 largest biased router logits are chosen and weighted by a softmax over them, each a clamped
    # SwiGLU with biases (transformers' defaults: alpha 1.702, limit 7).
    yarn = {"rope_type": "yarn", "rope_theta": 150000.0, "factor": 8.0, "original_max_position_embeddings": 16,
            "beta_fast": 32.0, "beta_slow": 1.0, "truncate": False}
    return t.GptOssConfig(**_common(num_hidden_layers=4, num_local_experts=8, num_experts_per_tok=4, sliding_window=8,
                                    max_position_embeddings=128, rms_norm_eps=1e-5, rope_parameters=yarn,
                                    tie_word_embeddings=False))


def gpt_oss_clamped(t):
    # A limit small enough that the clamps bite (gate above, up on both sides), another alpha, no attention
    # biases (the sinks stay), top-2 of 8, windows on the layers layer_types lists, plain RoPE.
    return t.GptOssConfig(**_common(num_local_experts=8, num_experts_per_tok=2, swiglu_limit=0.6, swiglu_alpha=1.2,
                                    attention_bias=False, sliding_window=8,
                                    layer_types=["full_attention", "sliding_attention", "sliding_attention"],
                                    rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
                                    tie_word_embeddings=False))


CONFIGS = {"qwen3-moe": qwen3_moe, "qwen3-moe-mixed": qwen3_moe_mixed, "deepseek-v3": deepseek_v3,
           "deepseek-plain-q": deepseek_plain_q, "gpt_oss": gpt_oss, "gpt_oss_clamped": gpt_oss_clamped}
# gpt-oss's experts were always stacked: there is no per-expert checkpoint of it.
PER_EXPERT = [name for name in CONFIGS if not name.startswith("gpt_oss")]
SPEC_MUST_HAVE = {
    "qwen3-moe": ["ffn = MoE(experts = 8, top_k = 2, hidden = 48", "normalize = true"],
    "qwen3-moe-mixed": ["ffn = MoE(experts = 16, top_k = 4, hidden = 32", "normalize = false",
                        "dense_ffn = SwiGLU(hidden = 96)", "{ ffn = dense_ffn }"],
    "deepseek-v3": ["attention = MLA(heads = 4, q_lora_rank = 24, kv_lora_rank = 32", "style = interleaved",
                    "routing = sigmoid_topk", "groups = 4, group_top_k = 2, scale = 2.5, shared_hidden = 16",
                    "layers 0 { ffn = dense_ffn }"],
    "deepseek-plain-q": ["MLA(heads = 4, kv_lora_rank = 16", "scale = 1.5, shared_hidden = 32"],
    "gpt_oss": ["qkv_bias = true, out_bias = true, sinks = true", "truncate = false",
                "local_attention = attention(mask = sliding_window, window = 8)",
                "layers where (i + 1) % 2 != 0 { attention = local_attention }",
                "ffn = MoE(experts = 8, top_k = 4, hidden = 96", "routing = topk_softmax",
                "router_bias = true, bias = true", "activation = swiglu_oai, alpha = 1.702, limit = 7)"],
    "gpt_oss_clamped": ["head_dim = 16,\n                  sinks = true,", "top_k = 2",
                        "activation = swiglu_oai, alpha = 1.2, limit = 0.6)", "layers 1..2 { attention = local_attention }"],
}


def per_expert(tensors, torch):
    """transformers 5's fused experts written back one tensor per expert, as Hub checkpoints hold them."""
    out = {}
    for key, value in tensors.items():
        if key.endswith("mlp.experts.gate_up_proj"):
            prefix = key[: -len("gate_up_proj")]
            half = value.shape[1] // 2
            for e in range(value.shape[0]):
                out[f"{prefix}{e}.gate_proj.weight"] = value[e, :half].contiguous()
                out[f"{prefix}{e}.up_proj.weight"] = value[e, half:].contiguous()
        elif key.endswith("mlp.experts.down_proj"):
            prefix = key[: -len("down_proj")]
            for e in range(value.shape[0]):
                out[f"{prefix}{e}.down_proj.weight"] = value[e].contiguous()
        else:
            out[key] = value
    return out


class MoeCase:
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
            if key.endswith("norm.weight"):
                w = 0.5 + torch.rand(shape, generator=gen)
            elif key.endswith("embed_tokens.weight") or key == "lm_head.weight":
                w = (0.8 / config.hidden_size ** 0.5) * torch.randn(shape, generator=gen)
            elif key.endswith(("mlp.gate.weight", "mlp.router.weight")):
                # routers spread wide, so that the top-k is never a near-tie
                w = 0.5 * torch.randn(shape, generator=gen)
            elif key.endswith("self_attn.sinks"):  # sinks of the scores' size, so that they take a visible share
                w = torch.randn(shape, generator=gen)
            else:
                w = 0.08 * torch.randn(shape, generator=gen)
            tensors[key] = w.contiguous()
        self.weights = workdir / "model.safetensors"
        ref.safetensors_torch.save_file(tensors, str(self.weights), metadata={"format": "pt"})
        self.per_expert_weights = workdir / "per-expert.safetensors"
        if name in PER_EXPERT:
            ref.safetensors_torch.save_file(per_expert(tensors, torch), str(self.per_expert_weights),
                                            metadata={"format": "pt"})
        self.model = t.AutoModelForCausalLM.from_pretrained(workdir, dtype=torch.float32,
                                                            attn_implementation="eager")
        self.model.eval()

        self.spec = workdir / "imported.loom"
        result = subprocess.run([str(loom.binary), "import", str(workdir / "config.json"), "-o", str(self.spec)],
                                capture_output=True, text=True)
        assert result.returncode == 0, f"loom import failed:\n{result.stderr}"
        assert "warning" not in result.stderr, result.stderr
        # The same spec with the experts run token by token, and with latent attention never absorbed.
        self.ungrouped = workdir / "ungrouped.so"
        self.expanded = workdir / "expanded.so"
        for lib, flag in ((self.ungrouped, "--moe-grouped-matmul=false"), (self.expanded, "--absorb-mla=false")):
            result = subprocess.run([str(loom.binary), "compile", str(self.spec), flag, "-o", str(lib)],
                                    capture_output=True, text=True)
            assert result.returncode == 0, f"loom compile {flag} failed:\n{result.stderr}"
        self._loom = {}

    def tokens(self, n):
        return [int(i) for i in self.ref.np.random.default_rng(n).integers(0, self.vocab, size=n)]

    def hf_logits(self, tokens):
        torch = self.ref.torch
        with torch.no_grad():
            return self.model(input_ids=torch.tensor([tokens]), use_cache=False).logits[0].numpy()

    def loom_logits(self, tokens, decode_from=None, grouped=True, weights=None, absorbed=True):
        weights = weights or self.weights
        key = (len(tokens), decode_from, grouped, str(weights), absorbed)
        if key not in self._loom:
            out = self.dir / f"logits-{len(self._loom)}.f32"
            target = self.spec if grouped and absorbed else self.ungrouped if absorbed else self.expanded
            self._loom[key] = self.loom.logits(target, weights, tokens, out, self.vocab, decode_from)
        return self._loom[key]


@pytest.fixture(scope="module")
def moe_case(ref, loom, tmp_path_factory):
    cases = {}

    def get(name):
        if name not in cases:
            cases[name] = MoeCase(name, ref, loom, tmp_path_factory.mktemp(name))
        return cases[name]

    return get


def max_abs(a, b):
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    return float(abs(a.astype("float64") - b.astype("float64")).max())


@pytest.mark.parametrize("name", list(CONFIGS))
def test_imported_spec_states_the_experts(name, moe_case):
    text = moe_case(name).spec.read_text()
    for needle in SPEC_MUST_HAVE[name]:
        assert needle in text, f"{name}: the imported spec lacks '{needle}':\n{text}"


@pytest.mark.parametrize("grouped", [True, False], ids=["grouped", "token-by-token"])
@pytest.mark.parametrize("n_tokens", [7, 70])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_logits_match_transformers(name, n_tokens, grouped, moe_case, record_diff):
    case = moe_case(name)
    tokens = case.tokens(n_tokens)
    expected = case.hf_logits(tokens)
    got = case.loom_logits(tokens, grouped=grouped)
    diff = max_abs(got, expected)
    how = "grouped" if grouped else "token-by-token"
    record_diff(f"{name} n={n_tokens} {how} experts vs transformers", diff, VS_TRANSFORMERS)
    assert diff <= VS_TRANSFORMERS, f"{name}, {n_tokens} tokens, {how}: max-abs {diff:.3e}\n{case.spec.read_text()}"


@pytest.mark.parametrize("name", PER_EXPERT)
def test_per_expert_checkpoint_loads_the_same_model(name, moe_case):
    case = moe_case(name)
    tokens = case.tokens(7)
    assert max_abs(case.loom_logits(tokens, weights=case.per_expert_weights), case.loom_logits(tokens)) == 0.0


@pytest.mark.parametrize("name", list(CONFIGS))
def test_grouped_matches_token_by_token(name, moe_case, record_diff):
    case = moe_case(name)
    tokens = case.tokens(70)
    diff = max_abs(case.loom_logits(tokens), case.loom_logits(tokens, grouped=False))
    record_diff(f"{name} n=70 grouped vs token-by-token experts", diff, SAME_MODEL)
    assert diff <= SAME_MODEL


@pytest.mark.parametrize("grouped", [True, False], ids=["grouped", "token-by-token"])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_incremental_decode_matches_batched(name, grouped, moe_case, record_diff):
    case = moe_case(name)
    tokens = case.tokens(70)
    batched = case.loom_logits(tokens, grouped=grouped)
    incremental = case.loom_logits(tokens, decode_from=5, grouped=grouped)
    diff = max_abs(incremental, batched)
    how = "grouped" if grouped else "token-by-token"
    record_diff(f"{name} n=70 decode-from 5 vs batched ({how})", diff, SAME_MODEL)
    assert diff <= SAME_MODEL


@pytest.mark.parametrize("name", [n for n in CONFIGS if n.startswith("deepseek")])
def test_absorbed_matches_expanded(name, moe_case, record_diff):
    case = moe_case(name)
    tokens = case.tokens(70)
    for decode_from in (None, 5):
        diff = max_abs(case.loom_logits(tokens, decode_from=decode_from),
                       case.loom_logits(tokens, decode_from=decode_from, absorbed=False))
        record_diff(f"{name} n=70 decode-from {decode_from} absorbed vs expanded latent attention", diff, SAME_MODEL)
        assert diff <= SAME_MODEL
