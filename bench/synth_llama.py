#!/usr/bin/env python3
"""Writes a llama-shaped Hugging Face folder with weight-like random values
(from `slim-quant gen`), for measuring `slim-quant convert` on a model of a
realistic size: peak memory must stay near one tensor, not the model.

    python3 bench/synth_llama.py OUT_DIR [--layers 8] [--slim-quant bin/slim-quant]

The default shape is TinyLlama's (hidden 2048, 32 heads, 4 KV heads,
intermediate 5632, vocabulary 32000, untied) with 8 layers: 483 M
parameters, 1.93 GB of F32 in one model.safetensors. Each tensor is streamed
from `slim-quant gen` into the file, so the script itself holds no tensor.
"""
import argparse
import json
import os
import struct
import subprocess


def tensors(layers, hidden, heads, kv_heads, ff, vocab):
    hd = hidden // heads
    out = [("lm_head.weight", [vocab, hidden]), ("model.embed_tokens.weight", [vocab, hidden])]
    for i in range(layers):
        p = f"model.layers.{i}."
        out += [
            (p + "input_layernorm.weight", [hidden]),
            (p + "mlp.down_proj.weight", [hidden, ff]),
            (p + "mlp.gate_proj.weight", [ff, hidden]),
            (p + "mlp.up_proj.weight", [ff, hidden]),
            (p + "post_attention_layernorm.weight", [hidden]),
            (p + "self_attn.k_proj.weight", [kv_heads * hd, hidden]),
            (p + "self_attn.o_proj.weight", [hidden, hidden]),
            (p + "self_attn.q_proj.weight", [hidden, hidden]),
            (p + "self_attn.v_proj.weight", [kv_heads * hd, hidden]),
        ]
    out.append(("model.norm.weight", [hidden]))
    return sorted(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--hidden", type=int, default=2048)
    ap.add_argument("--heads", type=int, default=32)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--ff", type=int, default=5632)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--slim-quant", default="bin/slim-quant")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": a.hidden, "intermediate_size": a.ff, "num_attention_heads": a.heads,
        "num_key_value_heads": a.kv_heads, "num_hidden_layers": a.layers,
        "vocab_size": a.vocab, "max_position_embeddings": 2048, "rms_norm_eps": 1e-05,
        "rope_theta": 10000.0, "tie_word_embeddings": False, "torch_dtype": "float32",
    }
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    ts = tensors(a.layers, a.hidden, a.heads, a.kv_heads, a.ff, a.vocab)
    header, off = {}, 0
    for name, shape in ts:
        n = 4
        for d in shape:
            n *= d
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + n]}
        off += n
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(os.path.join(a.out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        f.flush()
        for seed, (name, shape) in enumerate(ts):
            rows, cols = (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0])
            if name.endswith("norm.weight"):
                f.write(struct.pack(f"<{cols}f", *([1.0] * cols)))
                f.flush()
                continue
            subprocess.run([a.slim_quant, "gen", "--rows", str(rows), "--cols", str(cols),
                            "--seed", str(seed + 1), "-o", "-"], stdout=f, check=True)
    print(f"{a.out}: {len(ts)} tensors, {off / 1e9:.2f} GB of F32")


if __name__ == "__main__":
    main()
