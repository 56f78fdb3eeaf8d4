"""Loom's GGUF tokenizer (`loom tokenize`) against llama.cpp's (`Llama(vocab_only=True).tokenize`).

The same bytes go to both, with BOS/EOS added or not (llama.cpp's add_special) and special tokens parsed or not
(parse_special); the ids must be identical, and so must the bytes each id decodes to (`loom tokenize --decode`
against llama.cpp's token_to_piece with special tokens rendered). Vocabularies:

- SmolLM2-135M-Instruct's, as its bundled GGUF file holds it (byte-level BPE, pre-tokenizer "smollm");
- the same tokens and merges re-written under other pre-tokenizers (gpt-2, llama-bpe, qwen2, default,
  deepseek-llm, deepseek-coder), so each word-splitting rule is compared on a real vocabulary;
- a tiny SentencePiece vocabulary written here with the `gguf` package: byte tokens <0x00>..<0xFF>, scored
  pieces, control and user-defined tokens; once with llama.cpp's defaults and once without the space prefix
  and with EOS added.

The corpus mixes English, accents, CJK, emoji, digits and long numbers, whitespace runs, tabs and newlines,
code, contractions, special-token text and malformed UTF-8.
"""
import ctypes
import os
import subprocess
from pathlib import Path

import pytest

from llamacpp import import_reference, smollm2_path

REPO = Path(__file__).resolve().parents[2]

CORPUS = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "What is the capital of France?",
    "I'm sure you're right; we'll see what they'd say. It's DON'T and I'M and YOU'VE.",
    "naïve café, résumé, façade, Ångström, Straße, crème brûlée",
    "Ünïcödé façade — “quotes” ‘single’ «guillemets» …",
    "日本語のテキストです。中文文本，标点符号！",
    "한국어 텍스트와 Привет мир and Ελληνικά",
    "مرحبا بالعالم ١٢٣ and हिन्दी ४५६",
    "emoji 😀🤖🚀 family 👨‍👩‍👧 flags 🇫🇷 skin 👍🏽",
    "1234567890 3.14159 1,000,000 -42 +7e-10 0x1F 2024-11-22",
    "99999999999999999999999999999999",
    "    leading spaces",
    "trailing spaces    ",
    "multiple     internal      spaces",
    "tabs\tand\t\tdouble tabs\t",
    "line one\nline two\n\nline four\r\nwindows\r\n",
    " \n \n\t \r\n  ",
    "\n\n\n",
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; } // dot",
    "x <= y && y != z || !w; a->b; c::d; e => f; $var @decorator #tag %mod ^xor ~not `tick`",
    "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n",
    "text<|endoftext|>more text",
    "<s>[INST] hello [/INST]</s>",
    "<|im_start|><|im_start|>nested<|im_end|>",
    "non\u00a0breaking\u2003em\u3000ideographic\u2028line",
    "zero\u200bwidth\u200djoiner\ufeffbom",
    "mixed: café 123 日本 😀\ttab  two",
    "A",
    " ",
    "",
    "'s 't 're 've 'm 'll 'd 'S 'T 'RE",
    "hello hello hello world world",
    "ＦＵＬＬ　ＷＩＤＴＨ！１２３",
    "a\x00b\x01c\x1cd\x1fe\x7ff",
    b"malformed \xc3 utf8 \xff\xfe end \x80 ok",
    b"truncated at the end \xe2\x82",
    b"\xed\xa0\x80 surrogate and overlong \xc0\xaf",
]

SMOLLM_VARIANTS = ["gpt-2", "llama-bpe", "qwen2", "default", "deepseek-llm", "deepseek-coder"]


def as_bytes(text):
    return text if isinstance(text, bytes) else text.encode("utf-8")


class Loom:
    def __init__(self, binary, workdir):
        self.binary, self.workdir = binary, workdir

    def run(self, model, data, flags):
        text_file = self.workdir / "text.bin"
        text_file.write_bytes(data)
        cmd = [str(self.binary), "tokenize", str(model), "--file", str(text_file)] + flags
        result = subprocess.run(cmd, capture_output=True, timeout=120)
        assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stderr.decode(errors='replace')}"
        return result.stdout.decode("utf-8")

    def tokenize(self, model, data, add_special, parse_special):
        flags = ([] if add_special else ["--no-bos"]) + ([] if parse_special else ["--no-special"])
        line = self.run(model, data, flags).strip()
        return [int(x) for x in line.split(",")] if line else []

    def pieces(self, model, data):
        """[(id, bytes)] from `--decode` (BOS/EOS as the file says, special tokens parsed)."""
        out = []
        for line in self.run(model, data, ["--decode"]).splitlines():
            token, quoted = line.split("\t", 1)
            out.append((int(token), unquote(quoted)))
        return out


def unquote(quoted):
    """The bytes of a piece as `loom tokenize --decode` prints it: in double quotes, with \\n \\t \\r \\" \\\\
    and \\xNN escapes, everything else as UTF-8."""
    assert quoted.startswith('"') and quoted.endswith('"'), quoted
    body, out, i = quoted[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        e = body[i + 1]
        if e == "x":
            out.append(int(body[i + 2:i + 4], 16))
            i += 4
            continue
        out += {"n": b"\n", "t": b"\t", "r": b"\r", '"': b'"', "\\": b"\\"}[e]
        i += 2
    return bytes(out)


def llama_piece(llama_cpp, llm, token):
    """llama.cpp's bytes for `token` (token_to_piece, special tokens rendered, no space stripped)."""
    size = 64
    while True:
        buf = ctypes.create_string_buffer(size)
        n = llama_cpp.llama_token_to_piece(llm._model.vocab, token, buf, size, 0, True)
        if n >= 0:
            return buf.raw[:n]
        size = -n


@pytest.fixture(scope="module")
def loom(tmp_path_factory):
    binary = Path(os.environ.get("LOOM_BIN") or REPO / "build" / "bin" / "loom")
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"loom binary not found at '{binary}' (build it, or set LOOM_BIN)", pytrace=False)
    return Loom(binary, tmp_path_factory.mktemp("tokenize"))


def compare(loom, llama_cpp, path, flags):
    """Tokenizes the corpus with both; returns the differences as readable lines."""
    llm = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
    differences = []
    for text in CORPUS:
        data = as_bytes(text)
        for add_special, parse_special in flags:
            want = llm.tokenize(data, add_bos=add_special, special=parse_special)
            got = loom.tokenize(path, data, add_special, parse_special)
            if got != want:
                differences.append(f"{data!r} add_special={add_special} parse_special={parse_special}:\n"
                                   f"  llama.cpp {want}\n  loom      {got}")
        for token, piece in loom.pieces(path, data):
            want = llama_piece(llama_cpp, llm, token)
            if piece != want:
                differences.append(f"{data!r}: token {token} decodes to {piece!r}, llama.cpp {want!r}")
    return differences


ALL_FLAGS = [(True, True), (True, False), (False, True), (False, False)]


def test_smollm2(loom):
    _, _, llama_cpp = import_reference()
    differences = compare(loom, llama_cpp, smollm2_path(), ALL_FLAGS)
    assert not differences, f"{len(differences)} of {len(CORPUS) * 4} differ:\n" + "\n".join(differences)


# --- SmolLM2's vocabulary under other pre-tokenizers ---------------------------------------------------


def write_vocab_only_gguf(gguf, path, tokenizer):
    """A GGUF file with a tiny llama architecture's hyper-parameters (llama.cpp reads them even with
    vocab_only), no tensors, and `tokenizer(writer)` writing the tokenizer keys."""
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_string("general.name", path.stem)
    for key, value in [("context_length", 256), ("embedding_length", 64), ("block_count", 1),
                       ("feed_forward_length", 128), ("attention.head_count", 4), ("attention.head_count_kv", 4),
                       ("rope.dimension_count", 16)]:
        writer.add_uint32(f"llama.{key}", value)
    writer.add_float32("llama.attention.layer_norm_rms_epsilon", 1e-5)
    tokenizer(writer)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def read_smollm2_vocabulary(gguf):
    reader = gguf.GGUFReader(str(smollm2_path()))

    def strings(key):
        field = reader.fields[key]
        return [bytes(field.parts[i]).decode("utf-8") for i in field.data]

    def ints(key):
        field = reader.fields[key]
        return [int(field.parts[i][0]) for i in field.data]

    def scalar(key):
        field = reader.fields[key]
        return int(field.parts[field.data[0]][0])

    return dict(tokens=strings("tokenizer.ggml.tokens"), types=ints("tokenizer.ggml.token_type"),
                merges=strings("tokenizer.ggml.merges"), bos=scalar("tokenizer.ggml.bos_token_id"),
                eos=scalar("tokenizer.ggml.eos_token_id"))


@pytest.fixture(scope="module")
def smollm2_vocabulary():
    _, gguf, _ = import_reference()
    return read_smollm2_vocabulary(gguf)


@pytest.mark.parametrize("pre", SMOLLM_VARIANTS)
def test_smollm2_vocabulary_under_pre_tokenizer(loom, smollm2_vocabulary, tmp_path, pre):
    _, gguf, llama_cpp = import_reference()
    v = smollm2_vocabulary

    def tokenizer(writer):
        writer.add_tokenizer_model("gpt2")
        writer.add_tokenizer_pre(pre)
        writer.add_token_list(v["tokens"])
        writer.add_token_types(v["types"])
        writer.add_token_merges(v["merges"])
        writer.add_uint32("tokenizer.ggml.bos_token_id", v["bos"])
        writer.add_uint32("tokenizer.ggml.eos_token_id", v["eos"])
        # No add_bos_token: each pre-tokenizer's default applies (true for llama-bpe).

    path = tmp_path / f"smollm2-{pre}.gguf"
    write_vocab_only_gguf(gguf, path, tokenizer)
    differences = compare(loom, llama_cpp, path, [(True, True), (False, False)])
    assert not differences, f"{len(differences)} of {len(CORPUS) * 2} differ:\n" + "\n".join(differences)


# --- a SentencePiece vocabulary ----------------------------------------------------------------------

SPM_PIECES = [
    "\u2581", "\u2581\u2581", "\u2581\u2581\u2581\u2581", "\u2581t", "\u2581the", "th", "he", "\u2581a", "in", "er",
    "an", "\u2581hello", "hello", "ll", "llo", "\u2581world", "or", "ld", "\u2581w", "on", "\u2581is", "is", "at",
    "\u2581of", "\u2581c", "\u2581ca", "\u2581cap", "it", "al", "\u2581Fr", "ance", "é", "\u2581caf", "\u2581café",
    "日本", "語", "😀", "12", "123", "\u25811", "\u2581I", "'m", "'s", "re", "\u2581you", "\u2581we", "\u2581sure",
    "\n", "\u2581\n", "\t", "def", "\u2581def", "\u2581return", "(n", "):",
] + [chr(c) for c in range(ord("a"), ord("z") + 1)] + [chr(c) for c in range(ord("A"), ord("Z") + 1)] + list("0123456789.,;:!?'\"-()")


def spm_vocabulary():
    """<unk> <s> </s>, <0x00>..<0xFF>, the pieces (distinct; scores with ties), a user-defined and two
    control tokens."""
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [2, 3, 3] + [6] * 256
    scores = [0.0, 0.0, 0.0] + [0.0] * 256
    seen = set(tokens)
    for i, piece in enumerate(SPM_PIECES):
        if piece in seen:
            continue
        seen.add(piece)
        tokens.append(piece)
        types.append(1)
        scores.append(-float(i // 3))  # groups of three share a score: ties go to the leftmost pair
    for piece, kind in [("<|user|>", 4), ("<|im_start|>", 3), ("<|im_end|>", 3)]:
        tokens.append(piece)
        types.append(kind)
        scores.append(0.0)
    return tokens, types, scores


@pytest.mark.parametrize("variant", ["defaults", "no-space-prefix-with-eos"])
def test_sentencepiece(loom, tmp_path, variant):
    _, gguf, llama_cpp = import_reference()
    tokens, types, scores = spm_vocabulary()

    def tokenizer(writer):
        writer.add_tokenizer_model("llama")
        writer.add_token_list(tokens)
        writer.add_token_types(types)
        writer.add_token_scores(scores)
        writer.add_uint32("tokenizer.ggml.unknown_token_id", 0)
        writer.add_uint32("tokenizer.ggml.bos_token_id", 1)
        writer.add_uint32("tokenizer.ggml.eos_token_id", 2)
        if variant != "defaults":
            writer.add_bool("tokenizer.ggml.add_space_prefix", False)
            writer.add_bool("tokenizer.ggml.add_eos_token", True)

    path = tmp_path / f"spm-{variant}.gguf"
    write_vocab_only_gguf(gguf, path, tokenizer)
    differences = compare(loom, llama_cpp, path, ALL_FLAGS)
    assert not differences, f"{len(differences)} of {len(CORPUS) * 4} differ:\n" + "\n".join(differences)
