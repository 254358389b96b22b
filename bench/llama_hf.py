#!/usr/bin/env python3
"""The reference for bench/llama_gpu.cpp: the same Llama-3.2-1B-shaped model (random weights) run by
Hugging Face transformers in the same session, bf16, ctx 2048, batch 1, prefill of the whole sequence
with no KV cache. Prints tokens/s measured the same way (CUDA events, median of --reps after warm-up).

    python3 bench/llama_hf.py [--ctx 2048] [--reps 5] [--attn sdpa|eager]
"""
import argparse
import statistics

import torch
import transformers
from transformers import LlamaConfig, LlamaForCausalLM


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ctx", type=int, default=2048)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"])
    a = ap.parse_args()
    # Llama-3.2-1B's config.json (the same numbers as llama32_1b() in bench/llama_gpu.cpp).
    cfg = LlamaConfig(vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                      num_attention_heads=32, num_key_value_heads=8, head_dim=64, rms_norm_eps=1e-5,
                      rope_theta=500000.0, max_position_embeddings=131072, tie_word_embeddings=True,
                      rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                    "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
                      attn_implementation=a.attn)
    torch.manual_seed(1)
    model = LlamaForCausalLM(cfg).to("cuda", torch.bfloat16).eval()
    tokens = torch.randint(cfg.vocab_size, (a.batch, a.ctx), device="cuda")
    times = []
    with torch.no_grad():
        for i in range(a.reps + 2):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            model(input_ids=tokens, use_cache=False)
            end.record()
            torch.cuda.synchronize()
            if i >= 2:
                times.append(start.elapsed_time(end) / 1e3)
    s = statistics.median(times)
    print(f"llama_hf: transformers {transformers.__version__}, torch {torch.__version__}, {torch.cuda.get_device_name(0)}, "
          f"attn {a.attn}, bf16, ctx {a.ctx}, batch {a.batch}")
    print(f"llama_hf: forward {s * 1e3:.1f} ms (median of {a.reps}), {a.batch * a.ctx / s:.0f} tokens/s")


if __name__ == "__main__":
    main()
