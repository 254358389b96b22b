"""Builds the tokenizers the C++ tokenizer tests compare against, and their reference ids,
with Hugging Face's own `tokenizers` package (and `gguf` for the default model's vocabulary).

usage: tokenizer_reference.py WHICH GGUF TEXT OUTDIR     (WHICH: smollm, llama3, spm or exported)

Writes into OUTDIR, for each NAME in smollm, llama3 + llama3_str, spm + spm_legacy + spm_scores:
  NAME.tokenizer.json   the tokenizer
  NAME.cases.json       {"cases": [{"text", "ids" (no special tokens added), "ids_bos"
                        (the post-processor's specials added), "decoded"}]}
and spm_scores.spec.json: the metadata a GGUF "llama" (SentencePiece) vocabulary would carry
(tokens, scores, token types; no merges), for the from_spec test. WHICH "exported" reads
OUTDIR/exported.tokenizer.json (written by the C++ test) and writes exported.cases.json.
"""
import json
import os
import sys

import gguf
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")

TRICKY = [
    "Hello world",
    "Hello, world! How's it going? I'm fine; they're here, we've been, you'll see, he'd go.",
    "IT'S THE CAPS'S TEST, YOU'RE 'QUOTED' 'S",
    "  leading spaces and trailing spaces   ",
    "multiple     spaces\tand\ttabs\t\tand\n\nnewlines\r\nwindows\rmac\n \n  \n",
    "\n\n\n",
    " ",
    "a",
    "1234567890 12 123 1234 12345 3.14159 -42 1e10 0x1F 007",
    "Digits: ١٢٣ (Arabic-Indic) ½ ² Ⅻ",
    "Unicode: café naïve façade Ångström Ærø straße ĳ ǅ",
    "Combining: e\u0301 a\u0308 n\u0303 \u0915\u094d\u0937",
    "CJK: 你好，世界！日本語のテキスト。한국어 텍스트",
    "Emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ 🤖",
    "Mixed: résumé-naïve—dash–dash … «quotes» “smart” ‘single’",
    "Symbols: @#$%^&*()_+-=[]{}|;':\",./<>?`~ \\ //",
    "Code: def f(x):\n    return x**2  # square\n\tif (a && b) { c++; }",
    "URL https://example.com/path?q=1&r=2#frag and e-mail a.b@c.org",
    "Whitespace kinds:\u00a0nbsp\u2003em\u3000ideographic\u2028line\u2029para\u200bzwsp\u180emvs",
    "Greek Ελληνικά, Cyrillic русский язык, Hebrew עברית, Arabic العربية, Thai ภาษาไทย",
    "Hindi हिन्दी, Tamil தமிழ், Georgian ქართული, Armenian Հայերեն",
    "Math ∑∫√∞≠≤≥ ±×÷ αβγ 𝔸𝔹ℂ 𝟙𝟚𝟛",
    "Control \x01\x02\x1f\x7f chars",
    "'s 're 've 'll 'd 'm 't",
    "don't won't can't shan't y'all",
    "ALLCAPS lowercase MiXeDcAsE",
    "tab\tseparated\tvalues\t1\t2\t3",
    "trailing newline\n",
    "a" * 300 + " " + "ab" * 200,
    "The quick brown fox jumps over the lazy dog. " * 20,
]


def special_cases(specials):
    a, b = specials[0], specials[-1]
    return [
        f"{a}Hello{b}",
        f"text before {a} text after",
        f"{a}{a}{b}",
        f"no space{a}no space",
        f"{a}\nnewline after special\n{b}\n",
        f"partial {a[:-1]} not special",
    ]


def write_cases(tok, name, texts, outdir):
    cases = []
    for t in texts:
        ids = tok.encode(t, add_special_tokens=False).ids
        ids_bos = tok.encode(t, add_special_tokens=True).ids
        decoded = tok.decode(ids, skip_special_tokens=False)
        cases.append({"text": t, "ids": ids, "ids_bos": ids_bos, "decoded": decoded})
    with open(os.path.join(outdir, name + ".cases.json"), "w", encoding="utf-8") as f:
        json.dump({"cases": cases}, f, ensure_ascii=False)


def gguf_field(reader, key):
    f = reader.fields[key]
    t = f.types[0]
    if t == gguf.GGUFValueType.ARRAY:
        if f.types[1] == gguf.GGUFValueType.STRING:
            return [bytes(f.parts[i]).decode("utf-8") for i in f.data]
        return [int(f.parts[i][0]) for i in f.data]
    if t == gguf.GGUFValueType.STRING:
        return bytes(f.parts[f.data[0]]).decode("utf-8")
    return f.parts[f.data[0]].tolist()[0]


def smollm(gguf_path, texts, outdir):
    r = gguf.GGUFReader(gguf_path)
    tokens = gguf_field(r, "tokenizer.ggml.tokens")
    types = gguf_field(r, "tokenizer.ggml.token_type")
    merges = gguf_field(r, "tokenizer.ggml.merges")
    assert gguf_field(r, "tokenizer.ggml.model") == "gpt2" and gguf_field(r, "tokenizer.ggml.pre") == "smollm"
    # SmolLM2's own tokenizer.json: byte-level BPE, digits split one by one before the GPT-2
    # regex, control tokens (type 3) as special added tokens, no BOS added.
    model = models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=[tuple(m.split(" ")) for m in merges])
    tok = Tokenizer(model)
    tok.add_special_tokens([t for t, ty in zip(tokens, types) if ty == 3])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.decoder = decoders.ByteLevel()
    tok.save(os.path.join(outdir, "smollm.tokenizer.json"))
    tok = Tokenizer.from_file(os.path.join(outdir, "smollm.tokenizer.json"))
    specials = [t for t, ty in zip(tokens, types) if ty == 3]
    write_cases(tok, "smollm", texts + special_cases([specials[1], specials[2]]), outdir)


def llama3(train_text, texts, outdir):
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=3000, min_frequency=2, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator([train_text], trainer=trainer)
    bos = tok.token_to_id(specials[0])
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single=f"{specials[0]} $A", special_tokens=[(specials[0], bos)])])
    path = os.path.join(outdir, "llama3.tokenizer.json")
    tok.save(path)
    # Llama-3 looks a whole pre-token up in the vocabulary before merging.
    with open(path, encoding="utf-8") as f:
        j = json.load(f)
    j["model"]["ignore_merges"] = True
    with open(path, "w", encoding="utf-8") as f:
        json.dump(j, f, ensure_ascii=False)
    # The same tokenizer with merges in the older "a b" spelling and without ignore_merges.
    j["model"]["ignore_merges"] = False
    j["model"]["merges"] = [" ".join(m) if isinstance(m, list) else m for m in j["model"]["merges"]]
    with open(os.path.join(outdir, "llama3_str.tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(j, f, ensure_ascii=False)
    for name in ("llama3", "llama3_str"):
        t = Tokenizer.from_file(os.path.join(outdir, name + ".tokenizer.json"))
        write_cases(t, name, texts + special_cases(specials), outdir)


def spm(train_text, texts, outdir):
    specials = ["<unk>", "<s>", "</s>"]
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    # A small alphabet, so that rarer characters need the byte fallback.
    trainer = trainers.BpeTrainer(vocab_size=2000, min_frequency=2, special_tokens=specials, limit_alphabet=80,
                                  show_progress=False)
    tok.train_from_iterator([train_text], trainer=trainer)
    path = os.path.join(outdir, "spm.tokenizer.json")
    tok.save(path)
    with open(path, encoding="utf-8") as f:
        j = json.load(f)
    # SentencePiece keeps the 256 byte tokens in the vocabulary itself.
    vocab = j["model"]["vocab"]
    n = max(vocab.values()) + 1
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = n + b
    bos = vocab["<s>"]
    j["post_processor"] = {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                    {"Sequence": {"id": "A", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [bos], "tokens": ["<s>"]}}}
    j["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"},
        {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(j, f, ensure_ascii=False)
    # Llama-2's spelling of the same: normalizers put "▁" in front and for spaces, no pre-tokenizer.
    j["pre_tokenizer"] = None
    j["normalizer"] = {"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": "▁"},
        {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}
    with open(os.path.join(outdir, "spm_legacy.tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(j, f, ensure_ascii=False)
    spm_scores(j, outdir)
    for name in ("spm", "spm_legacy", "spm_scores"):
        t = Tokenizer.from_file(os.path.join(outdir, name + ".tokenizer.json"))
        write_cases(t, name, texts + special_cases(["<s>", "</s>"]), outdir)


def spm_scores(j, outdir):
    """A GGUF "llama" vocabulary (tokens + scores, no merges) and the tokenizer.json that
    transformers' SentencePiece converter makes of it: every split of a token into two tokens is
    a merge, ranked by the whole token's score."""
    vocab = j["model"]["vocab"]
    tokens = [None] * len(vocab)
    for t, i in vocab.items():
        tokens[i] = t
    scores = [-float(i) for i in range(len(tokens))]
    merges = []
    for i, t in enumerate(tokens):
        local = [(t[:k], t[k:], scores[i]) for k in range(1, len(t)) if t[:k] in vocab and t[k:] in vocab]
        merges += sorted(local, key=lambda m: (vocab[m[0]], vocab[m[1]]))
    merges.sort(key=lambda m: m[2], reverse=True)
    j = json.loads(json.dumps(j))
    j["model"]["merges"] = [[a, b] for a, b, _ in merges]
    with open(os.path.join(outdir, "spm_scores.tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(j, f, ensure_ascii=False)
    types = [6 if t.startswith("<0x") and len(t) == 6 else 2 if t == "<unk>" else 3 if t in ("<s>", "</s>") else 1
             for t in tokens]
    spec = {"model": "llama", "tokens": tokens, "scores": scores, "token_types": types,
            "bos_id": vocab["<s>"], "eos_id": vocab["</s>"], "unk_id": vocab["<unk>"], "add_bos": True,
            "add_space_prefix": True}
    with open(os.path.join(outdir, "spm_scores.spec.json"), "w", encoding="utf-8") as f:
        json.dump(spec, f, ensure_ascii=False)


def exported(texts, outdir):
    """Reference ids for a tokenizer.json this program wrote (OUTDIR/exported.tokenizer.json, e.g.
    from a GGUF's metadata), read by `tokenizers` exactly as a user's code would read it."""
    path = os.path.join(outdir, "exported.tokenizer.json")
    tok = Tokenizer.from_file(path)
    with open(path, encoding="utf-8") as f:
        specials = [a["content"] for a in json.load(f)["added_tokens"] if a["special"]]
    write_cases(tok, "exported", texts + (special_cases([specials[0], specials[-1]]) if specials else []), outdir)


def main():
    which, gguf_path, text_path, outdir = sys.argv[1:5]
    with open(text_path, encoding="utf-8", newline="") as f:  # the bytes as they are, CRLF included
        book = f.read()
    texts = TRICKY + [book]
    train = book[:300000]
    if which == "smollm":
        smollm(gguf_path, texts, outdir)
    elif which == "llama3":
        llama3(train, texts, outdir)
    elif which == "spm":
        spm(train, texts, outdir)
    elif which == "exported":
        exported(texts, outdir)
    else:
        sys.exit(f"unknown tokenizer family {which!r}")


if __name__ == "__main__":
    main()
