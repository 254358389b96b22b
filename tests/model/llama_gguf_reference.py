"""An independent Llama forward over a GGUF file, in numpy fp64, for cross-checking the engine
on a real model. Weights come from the `gguf` package's reader and dequantiser; q and k are
used as GGUF stores them (rows permuted for llama.cpp's interleaved RoPE) with an interleaved
RoPE, so neither the engine's un-permutation nor its half-split RoPE is shared.

usage: llama_gguf_reference.py MODEL.gguf TOKENS(comma-separated) OUT.npy   (writes logits [T, vocab])
"""
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


def main():
    path, tokens, out = sys.argv[1], [int(t) for t in sys.argv[2].split(",")], sys.argv[3]
    r = GGUFReader(path)

    def meta(key):
        f = r.fields[key]
        return f.parts[f.data[0]][0]

    tensors = {t.name: t for t in r.tensors}

    def w(name):
        t = tensors[name]
        # GGML shapes list the fastest dimension first; dequantize gives [rows, cols].
        return dequantize(t.data, t.tensor_type).reshape([int(d) for d in reversed(t.shape)]).astype(np.float64)

    layers, heads, kv_heads = int(meta("llama.block_count")), int(meta("llama.attention.head_count")), int(meta("llama.attention.head_count_kv"))
    hidden, eps, base = int(meta("llama.embedding_length")), float(meta("llama.attention.layer_norm_rms_epsilon")), float(meta("llama.rope.freq_base"))
    hd = hidden // heads
    T = len(tokens)

    def rms(x, g):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * g

    theta = base ** (-np.arange(0, hd, 2) / hd)
    ang = np.arange(T)[:, None] * theta[None, :]
    cos, sin = np.cos(ang), np.sin(ang)

    def rope_interleaved(x):  # x [T, hd]: pairs (2i, 2i + 1)
        a, b = x[:, 0::2], x[:, 1::2]
        y = np.empty_like(x)
        y[:, 0::2], y[:, 1::2] = a * cos - b * sin, a * sin + b * cos
        return y

    emb = w("token_embd.weight")
    x = emb[tokens]
    causal = np.triu(np.full((T, T), -np.inf), 1)
    for l in range(layers):
        p = f"blk.{l}."
        xn = rms(x, w(p + "attn_norm.weight"))
        q, k, v = xn @ w(p + "attn_q.weight").T, xn @ w(p + "attn_k.weight").T, xn @ w(p + "attn_v.weight").T
        outs = []
        for h in range(heads):
            g = h // (heads // kv_heads)
            qh = rope_interleaved(q[:, h * hd:(h + 1) * hd])
            kg = rope_interleaved(k[:, g * hd:(g + 1) * hd])
            s = qh @ kg.T / np.sqrt(hd) + causal
            s = np.exp(s - s.max(-1, keepdims=True))
            outs.append((s / s.sum(-1, keepdims=True)) @ v[:, g * hd:(g + 1) * hd])
        x = x + np.concatenate(outs, -1) @ w(p + "attn_output.weight").T
        xn = rms(x, w(p + "ffn_norm.weight"))
        gate, up = xn @ w(p + "ffn_gate.weight").T, xn @ w(p + "ffn_up.weight").T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ w(p + "ffn_down.weight").T
    head = w("output.weight") if "output.weight" in tensors else emb
    np.save(out, rms(x, w("output_norm.weight")) @ head.T)


main()
