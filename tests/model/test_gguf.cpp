// GGUF: the default model and a small file written by `gguf.GGUFWriter` read exactly as the
// `gguf` Python package reads them (metadata, tensor infos, dequantised values of every type), the
// llama-specific mapping (names, q/k rows, tokenizer), and damaged files refused with the file named.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <random>

#include "engine/core/error.h"
#include "engine/core/npy_tensor.h"
#include "engine/model/gguf.h"
#include "engine/model/gguf_llama.h"
#include "tests/model/formats_test_util.h"

using bcjr::model::GgufFile;
using bcjr::model::GgufValue;
using bcjr::model::GgufValueType;
using bcjr::test::message_has;
using bcjr::test::slurp;
using bcjr::test::spit;
using bcjr::test::TempDir;
using json = nlohmann::json;

namespace {

const char* kSmallScript = R"PY(
import json, sys, numpy as np, gguf
from gguf import GGMLQuantizationType as Q, GGUFValueType as V
from gguf.quants import quantize, dequantize
path, out = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(11)
w = gguf.GGUFWriter(path, "llama")
w.add_custom_alignment(64)
w.add_uint8("t.u8", 200); w.add_int8("t.i8", -100); w.add_uint16("t.u16", 60000); w.add_int16("t.i16", -30000)
w.add_uint32("t.u32", 4000000000); w.add_int32("t.i32", -2000000000); w.add_float32("t.f32", 1.1)
w.add_uint64("t.u64", 2**63 + 5); w.add_int64("t.i64", -2**62 - 3); w.add_float64("t.f64", 3.141592653589793)
w.add_bool("t.bool", True); w.add_string("t.str", "h\u00e9llo \u2713")
w.add_key_value("t.arr_i16", [1, -2, 3], V.ARRAY, sub_type=V.INT16)
w.add_array("t.arr_f", [0.5, -1.25]); w.add_array("t.arr_s", ["a", "bc d", ""]); w.add_array("t.arr_nested", [[1, 2], [3]])
ref = {}
def add(name, data, qtype, shape):
    w.add_tensor(name, data, raw_dtype=qtype)
x = (rng.standard_normal((3, 256)) * 0.7 + rng.standard_normal((3, 1)) * 0.3).astype(np.float32)
for qt in [Q.F32, Q.F16, Q.BF16, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0]:
    data = x if qt == Q.F32 else quantize(x, qt)
    w.add_tensor("q." + qt.name, data, raw_dtype=None if qt == Q.F32 else qt)
x = rng.standard_normal((2, 3, 64)).astype(np.float32)
w.add_tensor("q.Q8_0_3d", quantize(x, Q.Q8_0), raw_dtype=Q.Q8_0)
# gguf-py cannot quantise the K types: random blocks with sane f16 scales instead.
for qt, d_offsets in [(Q.Q4_K, [0, 2]), (Q.Q5_K, [0, 2]), (Q.Q6_K, [208])]:
    bs, ts = gguf.GGML_QUANT_SIZES[qt]
    raw = rng.integers(0, 256, (4, 2 * ts), dtype=np.uint8)
    for b in range(2):
        for o in d_offsets:
            d = rng.uniform(-0.02, 0.02, (4,)).astype(np.float16)
            raw[:, b * ts + o: b * ts + o + 2] = d.view(np.uint8).reshape(4, 2)
    w.add_tensor("q." + qt.name, raw, raw_dtype=qt)
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
r = gguf.GGUFReader(path)
listing = []
for t in r.tensors:
    shape = [int(s) for s in reversed(t.shape)]
    np.save(f"{out}/{t.name}.npy", np.ascontiguousarray(dequantize(t.data, t.tensor_type).reshape(shape).astype(np.float32)))
    listing.append({"name": t.name, "type": t.tensor_type.name, "shape": shape, "offset": int(t.data_offset)})
json.dump({"tensors": listing, "alignment": int(r.alignment)}, open(f"{out}/small.json", "w"))
)PY";

// Dumps metadata and tensor infos of a GGUF file as the package reads them, with per-tensor sums
// of the dequantised values and whole .npy files for the sampled tensors.
const char* kDumpScript = R"PY(
import json, sys, numpy as np, gguf
from gguf.quants import dequantize
path, out = sys.argv[1], sys.argv[2]
samples = set(sys.argv[3].split(","))
r = gguf.GGUFReader(path)
meta = {}
for k, f in r.fields.items():
    if k.startswith("GGUF."):
        continue
    meta[k] = {"types": [t.name for t in f.types], "value": f.contents()}
tensors = []
for t in (r.tensors if sys.argv[3] != "meta" else []):
    shape = [int(s) for s in reversed(t.shape)]
    x = dequantize(t.data, t.tensor_type).reshape(shape).astype(np.float32)
    if t.name in samples:
        np.save(f"{out}/{t.name}.npy", np.ascontiguousarray(x))
    x64 = x.astype(np.float64)
    tensors.append({"name": t.name, "type": t.tensor_type.name, "shape": shape, "offset": int(t.data_offset),
                    "sum": float(x64.sum()), "abs_sum": float(np.abs(x64).sum())})
json.dump({"metadata": meta, "tensors": tensors, "alignment": int(r.alignment)}, open(f"{out}/model.json", "w"))
)PY";

// Samples compared element by element: every type of the default model (Q8_0 embedding, Q4_1
// weights, F32 norms), q and k (whose rows are permuted), first and last layer.
const char* kSamples =
    "token_embd.weight,blk.0.attn_q.weight,blk.0.attn_k.weight,blk.0.attn_v.weight,blk.0.attn_output.weight,"
    "blk.0.ffn_gate.weight,blk.0.ffn_up.weight,blk.0.ffn_down.weight,blk.0.attn_norm.weight,"
    "blk.29.ffn_down.weight,blk.29.attn_k.weight,output_norm.weight";

std::string upper(const char* s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

// Compares one metadata value with the package's reading of it (types[0] is its type,
// types[1] an array's element type, and so on for nested arrays).
::testing::AssertionResult same_value(const GgufValue& v, const json& types, size_t level, const json& want) {
  const std::string type = upper(bcjr::model::gguf_value_type_name(v.type));
  if (type != types[level].get<std::string>())
    return ::testing::AssertionFailure() << "type " << type << " vs " << types[level];
  switch (v.type) {
    case GgufValueType::STRING:
      return want == v.s ? ::testing::AssertionSuccess() : ::testing::AssertionFailure() << v.s << " vs " << want;
    case GgufValueType::FLOAT32:
    case GgufValueType::FLOAT64:
      return want.get<double>() == v.f ? ::testing::AssertionSuccess() : ::testing::AssertionFailure() << v.f;
    case GgufValueType::BOOL:
      return want.get<bool>() == (v.i != 0) ? ::testing::AssertionSuccess() : ::testing::AssertionFailure();
    case GgufValueType::UINT64:
      return want.get<uint64_t>() == v.u ? ::testing::AssertionSuccess() : ::testing::AssertionFailure() << v.u;
    case GgufValueType::ARRAY:
      break;
    default:
      return want.get<int64_t>() == v.i ? ::testing::AssertionSuccess() : ::testing::AssertionFailure() << v.i;
  }
  if (!want.is_array() || want.size() != v.array_size)
    return ::testing::AssertionFailure() << "array of " << v.array_size << " vs " << want.dump().substr(0, 80);
  for (size_t k = 0; k < v.array_size; ++k) {
    GgufValue e;
    e.type = v.element_type;
    switch (v.element_type) {
      case GgufValueType::ARRAY:
        e = v.items[k];
        break;
      case GgufValueType::STRING:
        e.s = v.strings[k];
        break;
      case GgufValueType::FLOAT32:
      case GgufValueType::FLOAT64:
        e.f = v.reals[k];
        break;
      default:
        e.i = v.ints[k];
        e.u = static_cast<uint64_t>(e.i);
        break;
    }
    auto r = same_value(e, types, level + 1, want[k]);
    if (!r) return r << " at element " << k;
  }
  return ::testing::AssertionSuccess();
}

// The package's reading of the default model: metadata only, or with every tensor's sums and
// the samples (which takes seconds).
json default_model_dump(const TempDir& dir, bool with_tensors) {
  bcjr::test::run_python(
      dir, "dump.py", kDumpScript,
      "'" + bcjr::test::default_model_path() + "' '" + dir.path() + "' " + (with_tensors ? kSamples : "meta"));
  return json::parse(slurp(dir.file("model.json")));
}

std::string error_of(const std::string& path) {
  return bcjr::test::error_message([&] { GgufFile g(path); });
}

void expect_same_tensors(const GgufFile& g, const json& listing, const std::string& dir, bool all_npy) {
  ASSERT_EQ(g.tensors().size(), listing.size());
  for (size_t i = 0; i < listing.size(); ++i) {
    const json& want = listing[i];
    const auto& t = g.tensors()[i];
    SCOPED_TRACE(t.name);
    EXPECT_EQ(t.name, want["name"].get<std::string>());
    EXPECT_EQ(bcjr::model::ggml_type_name(t.type), want["type"].get<std::string>());
    EXPECT_EQ(t.shape(), want["shape"].get<std::vector<int64_t>>());
    EXPECT_EQ(g.data_offset() + t.offset, want["offset"].get<uint64_t>());
    torch::Tensor ours = g.dequantize(t);
    if (want.contains("sum")) {
      torch::Tensor d = ours.to(torch::kFloat64);
      EXPECT_NEAR(d.sum().item<double>(), want["sum"].get<double>(), 1e-9 * want["abs_sum"].get<double>() + 1e-9);
      EXPECT_NEAR(d.abs().sum().item<double>(), want["abs_sum"].get<double>(), 1e-9 * want["abs_sum"].get<double>());
    }
    const std::string npy = dir + "/" + t.name + ".npy";
    if (!all_npy && !std::ifstream(npy)) continue;
    torch::Tensor ref = bcjr::load_npy_tensor(npy);
    ASSERT_EQ(ours.sizes(), ref.sizes());
    // The decoders do the package's float operations in the same order: equal to the bit.
    EXPECT_TRUE(torch::equal(ours, ref)) << "max |diff| " << (ours - ref).abs().max().item<float>();
  }
}

}  // namespace

TEST(Gguf, DefaultModelReadsAsTheGgufPackageReadsIt) {
  TempDir dir;
  const json want = default_model_dump(dir, true);
  GgufFile g(bcjr::test::default_model_path());
  EXPECT_EQ(g.version(), 3u);
  EXPECT_EQ(g.alignment(), want["alignment"].get<uint64_t>());
  ASSERT_EQ(g.metadata().size(), want["metadata"].size());
  for (const auto& [key, value] : g.metadata()) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(want["metadata"].contains(key));
    const json& w = want["metadata"][key];
    EXPECT_TRUE(same_value(value, w["types"], 0, w["value"]));
  }
  // Every tensor: name, type, shape, offset, and the sums of its values; the samples exactly.
  expect_same_tensors(g, want["tensors"], dir.path(), false);
  int sampled = 0;
  for (const auto& t : g.tensors()) sampled += std::ifstream(dir.file(t.name + ".npy")) ? 1 : 0;
  EXPECT_EQ(sampled, 12);
}

TEST(Gguf, EveryDequantisedTypeMatchesTheGgufPackage) {
  TempDir dir;
  bcjr::test::run_python(dir, "small.py", kSmallScript, "'" + dir.file("small.gguf") + "' '" + dir.path() + "'");
  const json want = json::parse(slurp(dir.file("small.json")));
  GgufFile g(dir.file("small.gguf"));
  EXPECT_EQ(g.alignment(), 64u);
  EXPECT_EQ(want["alignment"].get<uint64_t>(), 64u);
  expect_same_tensors(g, want["tensors"], dir.path(), true);
  std::set<std::string> types;
  for (const auto& t : g.tensors()) types.insert(bcjr::model::ggml_type_name(t.type));
  EXPECT_EQ(types, (std::set<std::string>{"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K",
                                          "Q6_K"}));
  // All were made from the same values: each decodes close to them, by its own precision (a decoder
  // reading the wrong bits or the wrong scale would not).
  const torch::Tensor x = g.dequantize("q.F32");
  const float range = x.abs().max().item<float>();
  for (const auto& [type, tol] : std::map<std::string, float>{{"F16", 1e-3f},
                                                              {"BF16", 8e-3f},
                                                              {"Q8_0", 1e-2f},
                                                              {"Q5_0", 0.05f},
                                                              {"Q5_1", 0.05f},
                                                              {"Q4_0", 0.1f},
                                                              {"Q4_1", 0.1f}}) {
    const float err = (g.dequantize("q." + type) - x).abs().max().item<float>();
    EXPECT_LT(err, tol * range) << type;
    EXPECT_GT(err, 0.0f) << type;  // they really are quantised
  }
}

TEST(Gguf, MetadataOfEveryValueType) {
  TempDir dir;
  bcjr::test::run_python(dir, "small.py", kSmallScript, "'" + dir.file("small.gguf") + "' '" + dir.path() + "'");
  GgufFile g(dir.file("small.gguf"));
  EXPECT_EQ(g.get_string("general.architecture"), "llama");
  EXPECT_EQ(g.get_int("t.u8"), 200);
  EXPECT_EQ(g.get_int("t.i8"), -100);
  EXPECT_EQ(g.get_int("t.u16"), 60000);
  EXPECT_EQ(g.get_int("t.i16"), -30000);
  EXPECT_EQ(g.get_int("t.u32"), 4000000000LL);
  EXPECT_EQ(g.get_int("t.i32"), -2000000000);
  EXPECT_EQ(g.get_float("t.f32"), static_cast<double>(1.1f));
  EXPECT_EQ(g.find("t.u64")->u, (uint64_t(1) << 63) + 5);
  EXPECT_THROW(g.get_int("t.u64"), bcjr::Error);  // does not fit int64: refused, not wrapped
  EXPECT_EQ(g.get_int("t.i64"), -(int64_t(1) << 62) - 3);
  EXPECT_EQ(g.get_float("t.f64"), 3.141592653589793);
  EXPECT_TRUE(g.get_bool("t.bool"));
  EXPECT_EQ(g.get_string("t.str"), "h\xc3\xa9llo \xe2\x9c\x93");
  const GgufValue& ai = g.get_array("t.arr_i16");
  EXPECT_EQ(ai.element_type, GgufValueType::INT16);
  EXPECT_EQ(ai.ints, (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(g.get_array("t.arr_f").reals, (std::vector<double>{0.5, -1.25}));
  EXPECT_EQ(g.get_array("t.arr_s").strings, (std::vector<std::string>{"a", "bc d", ""}));
  const GgufValue& nested = g.get_array("t.arr_nested");
  ASSERT_EQ(nested.items.size(), 2u);
  EXPECT_EQ(nested.items[0].ints, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(nested.items[1].ints, (std::vector<int64_t>{3}));
  EXPECT_TRUE(message_has(bcjr::test::error_message([&] { g.get_string("t.u8"); }), "small.gguf", "'t.u8'", "uint8",
                          "expected a string"));
  EXPECT_THROW(g.get_int("no.such.key"), bcjr::Error);
}

TEST(Gguf, TruncatedAndCorruptedFilesAreRefusedNamingTheFile) {
  TempDir dir;
  bcjr::test::run_python(dir, "small.py", kSmallScript, "'" + dir.file("small.gguf") + "' '" + dir.path() + "'");
  const std::string good = slurp(dir.file("small.gguf"));
  const uint64_t data_offset = GgufFile(dir.file("small.gguf")).data_offset();
  for (size_t len : {size_t(0), size_t(3), size_t(8), size_t(20), size_t(24), size_t(60), size_t(300),
                     size_t(data_offset - 1), size_t(data_offset + 100), good.size() / 2 + 1}) {
    SCOPED_TRACE(len);
    const std::string p = dir.file("cut" + std::to_string(len) + ".gguf");
    spit(p, good.substr(0, len));
    EXPECT_TRUE(message_has(error_of(p), p));
    if (len >= 24 && len < data_offset) {
      EXPECT_TRUE(message_has(error_of(p), "corrupted"));
    }
  }
  std::string bad = good;
  bad[0] = 'X';
  spit(dir.file("magic.gguf"), bad);
  EXPECT_TRUE(message_has(error_of(dir.file("magic.gguf")), "magic.gguf", "not a GGUF file"));
  bad = good;
  bad[4] = 1;
  spit(dir.file("v1.gguf"), bad);
  EXPECT_TRUE(message_has(error_of(dir.file("v1.gguf")), "v1.gguf", "unsupported GGUF version 1"));
  bad = good;
  bad[8 + 7] = '\x7f';  // tensor_count in the quintillions
  spit(dir.file("count.gguf"), bad);
  EXPECT_TRUE(message_has(error_of(dir.file("count.gguf")), "count.gguf", "cannot fit"));

  // Random damage to the header: always a clean bcjr::Error or a valid file, never a crash or
  // another exception.
  std::mt19937 rng(5);
  int refused = 0;
  for (int trial = 0; trial < 300; ++trial) {
    bad = good;
    for (int k = 0; k < 3; ++k) bad[rng() % data_offset] = static_cast<char>(rng());
    spit(dir.file("fuzz.gguf"), bad);
    try {
      GgufFile g(dir.file("fuzz.gguf"));
      for (const auto& t : g.tensors())
        if (bcjr::model::ggml_type_traits(static_cast<uint32_t>(t.type)).dequantizable) g.dequantize(t);
    } catch (const bcjr::Error& e) {
      ++refused;
      EXPECT_TRUE(message_has(e.what(), "fuzz.gguf"));
    }
  }
  EXPECT_GT(refused, 50);
}

TEST(GgufLlama, TensorNamesMapToHuggingFaceNames) {
  using bcjr::model::hf_tensor_name;
  EXPECT_EQ(hf_tensor_name("token_embd.weight"), "model.embed_tokens.weight");
  EXPECT_EQ(hf_tensor_name("output_norm.weight"), "model.norm.weight");
  EXPECT_EQ(hf_tensor_name("output.weight"), "lm_head.weight");
  EXPECT_EQ(hf_tensor_name("blk.0.attn_q.weight"), "model.layers.0.self_attn.q_proj.weight");
  EXPECT_EQ(hf_tensor_name("blk.12.attn_k.weight"), "model.layers.12.self_attn.k_proj.weight");
  EXPECT_EQ(hf_tensor_name("blk.3.attn_v.weight"), "model.layers.3.self_attn.v_proj.weight");
  EXPECT_EQ(hf_tensor_name("blk.3.attn_output.weight"), "model.layers.3.self_attn.o_proj.weight");
  EXPECT_EQ(hf_tensor_name("blk.3.ffn_gate.weight"), "model.layers.3.mlp.gate_proj.weight");
  EXPECT_EQ(hf_tensor_name("blk.3.ffn_up.weight"), "model.layers.3.mlp.up_proj.weight");
  EXPECT_EQ(hf_tensor_name("blk.3.ffn_down.weight"), "model.layers.3.mlp.down_proj.weight");
  EXPECT_EQ(hf_tensor_name("blk.3.attn_norm.weight"), "model.layers.3.input_layernorm.weight");
  EXPECT_EQ(hf_tensor_name("blk.3.ffn_norm.weight"), "model.layers.3.post_attention_layernorm.weight");
  EXPECT_EQ(hf_tensor_name("blk.3.attn_q.bias"), "model.layers.3.self_attn.q_proj.bias");
  for (const char* bad : {"rope_freqs.weight", "blk.x.attn_q.weight", "blk.01.attn_q.weight", "blk..attn_q.weight",
                          "blk.1.attn_qkv.weight", "token_embd", "blk.1.attn_q.scale"})
    EXPECT_EQ(hf_tensor_name(bad), "") << bad;
}

TEST(GgufLlama, QkRowsAreUnpermutedToTheHalfSplitLayout) {
  // llama.cpp's converter: per head, HF row i < half goes to row 2i, row half + i to row 2i + 1.
  const int64_t heads = 3, head_dim = 8, in = 5;
  torch::Tensor hf = torch::randn({heads * head_dim, in});
  torch::Tensor gguf = torch::empty_like(hf);
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t i = 0; i < head_dim / 2; ++i) {
      gguf[h * head_dim + 2 * i] = hf[h * head_dim + i];
      gguf[h * head_dim + 2 * i + 1] = hf[h * head_dim + head_dim / 2 + i];
    }
  EXPECT_TRUE(torch::equal(bcjr::model::permute_qk_rows(hf, heads), gguf));
  EXPECT_TRUE(torch::equal(bcjr::model::unpermute_qk_rows(gguf, heads), hf));
  EXPECT_FALSE(torch::equal(bcjr::model::unpermute_qk_rows(gguf, 1), hf));  // the head count matters
  EXPECT_THROW(bcjr::model::unpermute_qk_rows(torch::randn({10, 2}), 3), bcjr::Error);
}

TEST(GgufLlama, ConfigAndTokenizerOfTheDefaultModel) {
  TempDir dir;
  const json meta = default_model_dump(dir, false)["metadata"];
  auto num = [&](const char* k) { return meta[k]["value"]; };
  GgufFile g(bcjr::test::default_model_path());
  const auto c = bcjr::model::llama_config_from_gguf(g);
  EXPECT_EQ(c.hidden_size, num("llama.embedding_length").get<int64_t>());
  EXPECT_EQ(c.intermediate_size, num("llama.feed_forward_length").get<int64_t>());
  EXPECT_EQ(c.num_hidden_layers, num("llama.block_count").get<int64_t>());
  EXPECT_EQ(c.num_attention_heads, num("llama.attention.head_count").get<int64_t>());
  EXPECT_EQ(c.num_key_value_heads, num("llama.attention.head_count_kv").get<int64_t>());
  EXPECT_EQ(c.head_dim, num("llama.rope.dimension_count").get<int64_t>());
  EXPECT_EQ(c.rms_norm_eps, num("llama.attention.layer_norm_rms_epsilon").get<double>());
  EXPECT_EQ(c.rope_theta, num("llama.rope.freq_base").get<double>());
  EXPECT_EQ(c.max_position_embeddings, num("llama.context_length").get<int64_t>());
  EXPECT_EQ(c.vocab_size, static_cast<int64_t>(num("tokenizer.ggml.tokens").size()));
  EXPECT_TRUE(c.tie_word_embeddings);  // the file has no output.weight
  EXPECT_EQ(c.bos_token_id, num("tokenizer.ggml.bos_token_id").get<int64_t>());
  EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{num("tokenizer.ggml.eos_token_id").get<int64_t>()});
  EXPECT_EQ(c.rope_scaling.type, "default");
  EXPECT_EQ(c.torch_dtype, "Q4_1");

  const auto s = bcjr::model::tokenizer_spec_from_gguf(g);
  EXPECT_EQ(s.kind, "bpe-bytelevel");  // tokenizer.ggml.model "gpt2"
  EXPECT_EQ(s.pre, num("tokenizer.ggml.pre").get<std::string>());
  EXPECT_EQ(s.tokens, num("tokenizer.ggml.tokens").get<std::vector<std::string>>());
  EXPECT_EQ(s.token_types, num("tokenizer.ggml.token_type").get<std::vector<int32_t>>());
  const auto merges = num("tokenizer.ggml.merges").get<std::vector<std::string>>();
  ASSERT_EQ(s.merges.size(), merges.size());
  for (size_t i = 0; i < merges.size(); ++i) ASSERT_EQ(s.merges[i].first + " " + s.merges[i].second, merges[i]);
  EXPECT_EQ(s.merges[0], (std::pair<std::string, std::string>{"\xc4\xa0", "t"}));  // "Ġ t"
  EXPECT_EQ(s.bos_id, num("tokenizer.ggml.bos_token_id").get<int32_t>());
  EXPECT_EQ(s.eos_id, num("tokenizer.ggml.eos_token_id").get<int32_t>());
  EXPECT_EQ(s.unk_id, num("tokenizer.ggml.unknown_token_id").get<int32_t>());
  EXPECT_EQ(s.pad_id, num("tokenizer.ggml.padding_token_id").get<int32_t>());
  EXPECT_EQ(s.add_bos, num("tokenizer.ggml.add_bos_token").get<bool>());
  EXPECT_TRUE(s.scores.empty());
  // Control tokens (type 3) such as <|im_start|> are matched verbatim.
  size_t controls = 0;
  for (int32_t t : s.token_types) controls += t == 3 || t == 4;
  EXPECT_EQ(s.special_ids.size(), controls);
  EXPECT_GT(controls, 0u);
}
