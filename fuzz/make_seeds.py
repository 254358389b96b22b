"""Writes the seed corpora of the fuzz targets (one folder per target under OUT) with the
ecosystem's own packages at the versions scripts/common.sh pins: numpy (.npy), safetensors,
gguf (a small Llama GGUF with its tokenizer, and the default model's real header), tokenizers
(tokenizer.json trained here on a page of the default text). Hand-written JSON for config.json and
tokenizer_config.json as Hugging Face writes them. The formats that are this program's own come
from its writers (seed_writer, run by scripts/fuzz). Seeds are generated, never committed.

usage: make_seeds.py OUT DEFAULT_MODEL.gguf DEFAULT_TEXT.txt
"""
import json
import os
import subprocess
import sys

import gguf
import numpy as np
from gguf import GGMLQuantizationType as Q
from gguf.quants import quantize
from safetensors.numpy import save_file
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")

# The tiny Llama of fuzz_safetensors_index.cpp (hidden 16, 1 layer, 2 heads, 1 kv head, vocab 32).
TINY = {"model.embed_tokens.weight": (32, 16), "model.norm.weight": (16,)}
for n, s in [("self_attn.q_proj", (16, 16)), ("self_attn.k_proj", (8, 16)), ("self_attn.v_proj", (8, 16)),
             ("self_attn.o_proj", (16, 16)), ("mlp.gate_proj", (32, 16)), ("mlp.up_proj", (32, 16)),
             ("mlp.down_proj", (16, 32)), ("input_layernorm", (16,)), ("post_attention_layernorm", (16,))]:
    TINY[f"model.layers.0.{n}.weight"] = s


def folder(out, target):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    return d


def write_json(d, name, obj):
    with open(os.path.join(d, name), "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)


def npy(out, rng):
    d = folder(out, "fuzz_npy")
    np.save(os.path.join(d, "f32.npy"), rng.standard_normal((4, 16)).astype(np.float32))
    np.save(os.path.join(d, "i32.npy"), np.arange(12, dtype=np.int32).reshape(3, 4))
    np.save(os.path.join(d, "u8.npy"), np.arange(7, dtype=np.uint8))
    np.save(os.path.join(d, "bool.npy"), np.array([True, False, True]))
    np.save(os.path.join(d, "f16-3d.npy"), rng.standard_normal((2, 3, 4)).astype(np.float16))
    np.save(os.path.join(d, "f64-scalar.npy"), np.float64(3.5))
    np.save(os.path.join(d, "empty.npy"), np.zeros((0, 5), dtype=np.int64))
    np.save(os.path.join(d, "big-endian.npy"), np.arange(4, dtype=">f4"))
    np.save(os.path.join(d, "fortran.npy"), np.asfortranarray(np.ones((3, 2), dtype=np.float32)))
    with open(os.path.join(d, "v2.npy"), "wb") as f:
        np.lib.format.write_array(f, np.arange(6, dtype=np.int16).reshape(2, 3), version=(2, 0))


def safetensors_seeds(out, rng):
    d = folder(out, "fuzz_safetensors")
    save_file({"w": rng.standard_normal((4, 8)).astype(np.float32), "b": np.arange(3, dtype=np.int64),
               "h": rng.standard_normal((2, 2)).astype(np.float16), "m": np.array([True, False]),
               "s": np.array(2.0, dtype=np.float64)}, os.path.join(d, "mixed.safetensors"), metadata={"format": "pt"})
    save_file({"e": np.zeros((0, 3), dtype=np.float32), "u": np.arange(5, dtype=np.uint16),
               "i": np.arange(6, dtype=np.int8)}, os.path.join(d, "small.safetensors"))
    save_file({n: rng.standard_normal(s).astype(np.float32) for n, s in TINY.items()},
              os.path.join(d, "tiny-llama.safetensors"))
    d = folder(out, "fuzz_safetensors_index")
    shard = "model-00001-of-00001.safetensors"
    write_json(d, "index.json", {"metadata": {"total_size": sum(4 * int(np.prod(s)) for s in TINY.values())},
                                 "weight_map": {n: shard for n in TINY}})
    write_json(d, "missing.json", {"metadata": {}, "weight_map": {n: shard for n in list(TINY)[:3]}})


def gguf_seeds(out, rng, default_model):
    d = folder(out, "fuzz_gguf")
    # A tiny Llama as llama.cpp's converter writes one: hyper-parameters, a byte-level BPE tokenizer
    # and the weights in several ggml types.
    hidden, ff, vocab = 32, 64, 40
    w = gguf.GGUFWriter(os.path.join(d, "tiny-llama.gguf"), "llama")
    w.add_block_count(1)
    w.add_context_length(128)
    w.add_embedding_length(hidden)
    w.add_feed_forward_length(ff)
    w.add_head_count(4)
    w.add_head_count_kv(2)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm")
    tokens = ["<|endoftext|>", "<s>"] + [chr(c) for c in range(ord("a"), ord("a") + 26)] + \
             ["\u0120", "\u0120a", "ab", "ca", "ll", "Ca", "me", "Is", "hm", "ae", "el", "\u0120m"]
    w.add_token_list(tokens)
    w.add_token_types([3, 3] + [1] * (len(tokens) - 2))
    w.add_token_merges(["\u0120 a", "a b", "c a", "l l", "C a", "m e", "I s", "h m", "a e", "e l", "\u0120 m"])
    w.add_bos_token_id(1)
    w.add_eos_token_id(0)
    w.add_add_bos_token(True)

    def weight(name, shape, qt):
        x = (rng.standard_normal(shape) * 0.05).astype(np.float32)
        if qt == Q.F32:
            w.add_tensor(name, x)
        else:
            w.add_tensor(name, quantize(x, qt), raw_dtype=qt)
    weight("token_embd.weight", (vocab, hidden), Q.Q8_0)
    weight("output_norm.weight", (hidden,), Q.F32)
    weight("output.weight", (vocab, hidden), Q.F16)
    for n, shape, qt in [("attn_q", (hidden, hidden), Q.Q4_0), ("attn_k", (16, hidden), Q.Q4_1),
                         ("attn_v", (16, hidden), Q.Q5_0), ("attn_output", (hidden, hidden), Q.Q5_1),
                         ("ffn_gate", (ff, hidden), Q.Q8_0), ("ffn_up", (ff, hidden), Q.BF16),
                         ("ffn_down", (hidden, ff), Q.F16)]:
        weight(f"blk.0.{n}.weight", shape, qt)
    weight("blk.0.attn_norm.weight", (hidden,), Q.F32)
    weight("blk.0.ffn_norm.weight", (hidden,), Q.F32)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    # The K quant types, which gguf-py cannot quantise: random blocks with sane f16 scales.
    w = gguf.GGUFWriter(os.path.join(d, "k-quants.gguf"), "llama")
    for qt, offsets in [(Q.Q4_K, [0, 2]), (Q.Q5_K, [0, 2]), (Q.Q6_K, [208])]:
        _, ts = gguf.GGML_QUANT_SIZES[qt]
        raw = rng.integers(0, 256, (2, ts), dtype=np.uint8)
        for o in offsets:
            raw[:, o:o + 2] = rng.uniform(-0.02, 0.02, (2,)).astype(np.float16).view(np.uint8).reshape(2, 2)
        w.add_tensor("q." + qt.name, raw, raw_dtype=qt)
    w.add_array("t.nested", [[1, 2], [3]])
    w.add_array("t.strings", ["a", "bc d", ""])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    # The default model's real header (metadata and tensor infos, no tensor data).
    r = gguf.GGUFReader(default_model)
    header = min(t.data_offset for t in r.tensors)
    with open(default_model, "rb") as f, open(os.path.join(d, "default-model-header.gguf"), "wb") as g:
        g.write(f.read(header))


def hf_config_seeds(out):
    d = folder(out, "fuzz_hf_config")
    write_json(d, "smollm2-135m.json", {
        "architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0, "bos_token_id": 1,
        "eos_token_id": 2, "head_dim": 64, "hidden_act": "silu", "hidden_size": 576, "initializer_range": 0.041666666666666664,
        "intermediate_size": 1536, "max_position_embeddings": 8192, "mlp_bias": False, "model_type": "llama",
        "num_attention_heads": 9, "num_hidden_layers": 30, "num_key_value_heads": 3, "pretraining_tp": 1,
        "rms_norm_eps": 1e-05, "rope_scaling": None, "rope_theta": 100000, "tie_word_embeddings": True,
        "torch_dtype": "bfloat16", "transformers_version": "4.42.3", "use_cache": True, "vocab_size": 49152})
    write_json(d, "llama-3.2-1b.json", {
        "architectures": ["LlamaForCausalLM"], "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009],
        "hidden_size": 2048, "intermediate_size": 8192, "max_position_embeddings": 131072, "model_type": "llama",
        "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
        "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                         "original_max_position_embeddings": 8192, "rope_type": "llama3"},
        "rope_theta": 500000.0, "tie_word_embeddings": True, "torch_dtype": "bfloat16", "vocab_size": 128256})
    write_json(d, "tinyllama.json", {
        "architectures": ["LlamaForCausalLM"], "hidden_size": 2048, "intermediate_size": 5632,
        "num_attention_heads": 32, "num_hidden_layers": 22, "num_key_value_heads": 4, "vocab_size": 32000,
        "rope_scaling": None, "dtype": "float32"})


def tokenizer_seeds(out, text):
    d = folder(out, "fuzz_tokenizer_json")
    specials = ["<|begin_of_text|>", "<|end_of_text|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator([text], trainer=trainers.BpeTrainer(
        vocab_size=400, min_frequency=2, special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    bos = tok.token_to_id(specials[0])
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single=f"{specials[0]} $A", special_tokens=[(specials[0], bos)])])
    tok.save(os.path.join(d, "llama3-style.json"))

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                 pre_tokenizers.ByteLevel(add_prefix_space=False)])
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator([text], trainer=trainers.BpeTrainer(
        vocab_size=350, min_frequency=2, special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    tok.save(os.path.join(d, "smollm-style.json"))

    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first", split=True)
    tok.train_from_iterator([text], trainer=trainers.BpeTrainer(
        vocab_size=300, min_frequency=2, special_tokens=["<unk>", "<s>", "</s>"], limit_alphabet=60,
        show_progress=False))
    tok.save(os.path.join(d, "sentencepiece-style.json"))

    d = folder(out, "fuzz_tokenizer_config")
    write_json(d, "strings.json", {"add_bos_token": True, "add_eos_token": False, "bos_token": "<s>",
                                   "eos_token": "</s>", "model_max_length": 2048})
    write_json(d, "objects.json", {"bos_token": {"content": "<s>", "lstrip": False, "normalized": False,
                                                 "rstrip": False, "single_word": False, "__type": "AddedToken"},
                                   "eos_token": {"content": "</s>"}, "add_bos_token": False,
                                   "added_tokens_decoder": {"0": {"content": "<s>", "special": True}}})
    write_json(d, "empty.json", {})


def snapshot_seeds(out, here):
    d = folder(out, "fuzz_snapshot_pt")
    script = os.path.join(here, "..", "tests", "model", "write_torch_save_snapshot.py")
    keys = ["attn_q_proj=4,4", "attn_k_proj=2,4", "attn_v_proj=2,4", "attn_o_proj=4,4", "mlp_gate_proj=8,4",
            "mlp_up_proj=8,4", "mlp_down_proj=4,8"]
    subprocess.run([sys.executable, script, os.path.join(d, "layer.pt")] + keys, check=True)
    subprocess.run([sys.executable, script, os.path.join(d, "partial.pt")] + keys[:2], check=True)


def main():
    out, default_model, default_text = sys.argv[1], sys.argv[2], sys.argv[3]
    here = os.path.dirname(os.path.abspath(__file__))
    rng = np.random.default_rng(16)
    with open(default_text, encoding="utf-8", errors="replace") as f:
        text = f.read()[20000:60000]
    npy(out, rng)
    safetensors_seeds(out, rng)
    gguf_seeds(out, rng, default_model)
    hf_config_seeds(out)
    tokenizer_seeds(out, text)
    snapshot_seeds(out, here)


if __name__ == "__main__":
    main()
