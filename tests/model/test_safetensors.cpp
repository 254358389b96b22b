// safetensors: files written by the `safetensors` Python package read back bit for bit, our
// writer's files accepted by the package, and damaged files refused with the file named.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/model/safetensors.h"
#include "tests/model/formats_test_util.h"

using bcjr::model::SafetensorsFile;
using bcjr::model::write_safetensors;
using bcjr::test::message_has;
using bcjr::test::slurp;
using bcjr::test::spit;
using bcjr::test::TempDir;

namespace {

std::string tensor_bytes(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), c.nbytes());
}

// Writes a file whose header is `header` (padded to 8 bytes) followed by `data_len` bytes.
std::string craft(const TempDir& dir, const std::string& name, const std::string& header, size_t data_len) {
  std::string h = header;
  h.append((8 - h.size() % 8) % 8, ' ');
  uint64_t n = h.size();
  std::string bytes(reinterpret_cast<const char*>(&n), 8);
  bytes += h;
  bytes.append(data_len, '\x01');
  spit(dir.file(name), bytes);
  return dir.file(name);
}

std::string error_of(const std::string& path) {
  return bcjr::test::error_message([&] { SafetensorsFile f(path); });
}

// The package's own serializer; BF16 and U16 come from uint16 bit patterns (numpy has no bf16).
const char* kWriteScript = R"PY(
import json, sys, numpy as np, safetensors
out = sys.argv[1]
rng = np.random.default_rng(7)
f32 = rng.standard_normal((5, 7)).astype(np.float32)
arrays = {
    "f32": ("float32", f32),
    "f16": ("float16", rng.standard_normal((3, 4, 5)).astype(np.float16)),
    "bf16": ("bfloat16", (f32.view(np.uint32) >> 16).astype(np.uint16)),
    "f64": ("float64", rng.standard_normal((6,))),
    "u8": ("uint8", rng.integers(0, 256, (9,), dtype=np.uint8)),
    "i8": ("int8", rng.integers(-128, 128, (2, 9), dtype=np.int8)),
    "i16": ("int16", rng.integers(-2**15, 2**15, (4, 3), dtype=np.int16)),
    "u16": ("uint16", rng.integers(0, 2**16, (5,), dtype=np.uint16)),
    "i32": ("int32", rng.integers(-2**31, 2**31, (3, 3), dtype=np.int32)),
    "i64": ("int64", rng.integers(-2**62, 2**62, (2, 2), dtype=np.int64)),
    "boolean": ("bool", rng.integers(0, 2, (7,)).astype(np.bool_)),
    "scalar": ("float32", np.array(3.25, dtype=np.float32)),
    "empty": ("float32", np.zeros((0, 3), dtype=np.float32)),
}
specs, expect = {}, {}
for name, (dtype, a) in arrays.items():
    a = np.ascontiguousarray(a)
    specs[name] = safetensors.TensorSpec(dtype=dtype, shape=list(a.shape), data_ptr=a.ctypes.data, data_len=a.nbytes)
    open(f"{out}/{name}.bin", "wb").write(a.tobytes())
    expect[name] = list(a.shape)
safetensors.serialize_file(specs, f"{out}/py.safetensors", metadata={"format": "pt", "note": "héllo"})
json.dump(expect, open(f"{out}/shapes.json", "w"))
)PY";

const char* kReadScript = R"PY(
import json, sys, safetensors
from safetensors import safe_open
path, out = sys.argv[1], sys.argv[2]
listing = {}
for name, t in safetensors.deserialize(open(path, "rb").read()):
    open(f"{out}/{name}.bin", "wb").write(bytes(t["data"]))
    listing[name] = {"dtype": t["dtype"], "shape": list(t["shape"])}
with safe_open(path, framework="numpy") as f:  # also the package's lazy reader
    meta = f.metadata()
    assert sorted(f.keys()) == sorted(listing)
json.dump({"tensors": listing, "metadata": meta}, open(f"{out}/listing.json", "w"))
)PY";

}  // namespace

TEST(Safetensors, FilesWrittenByThePackageReadBackBitForBit) {
  TempDir dir;
  bcjr::test::run_python(dir, "write.py", kWriteScript, "'" + dir.path() + "'");
  SafetensorsFile f(dir.file("py.safetensors"));
  const auto shapes = nlohmann::json::parse(slurp(dir.file("shapes.json")));
  const std::map<std::string, std::pair<std::string, c10::ScalarType>> want = {
      {"f32", {"F32", torch::kFloat32}},  {"f16", {"F16", torch::kFloat16}},   {"bf16", {"BF16", torch::kBFloat16}},
      {"f64", {"F64", torch::kFloat64}},  {"u8", {"U8", torch::kUInt8}},       {"i8", {"I8", torch::kInt8}},
      {"i16", {"I16", torch::kInt16}},    {"u16", {"U16", torch::kInt16}},     {"i32", {"I32", torch::kInt32}},
      {"i64", {"I64", torch::kInt64}},    {"boolean", {"BOOL", torch::kBool}}, {"scalar", {"F32", torch::kFloat32}},
      {"empty", {"F32", torch::kFloat32}}};
  ASSERT_EQ(f.tensors().size(), want.size());
  for (const auto& [name, dt] : want) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(f.has(name));
    EXPECT_EQ(f.info(name).dtype, dt.first);
    torch::Tensor t = f.tensor(name);
    EXPECT_EQ(t.scalar_type(), dt.second);
    EXPECT_EQ(t.sizes().vec(), shapes[name].get<std::vector<int64_t>>());
    EXPECT_EQ(tensor_bytes(t), slurp(dir.file(name + ".bin")));
  }
  // BF16 was made by truncating f32: the values must agree to bf16's precision.
  EXPECT_TRUE(torch::allclose(f.tensor("bf16").to(torch::kFloat32), f.tensor("f32"), 1e-2, 1e-2));
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_EQ(f.metadata().at("note"), "h\xc3\xa9llo");
}

TEST(Safetensors, OurWriterIsReadByThePackageAndByUs) {
  TempDir dir;
  torch::manual_seed(3);
  std::vector<std::pair<std::string, torch::Tensor>> tensors = {
      {"w.f32", torch::randn({4, 6})},
      {"w.f16", torch::randn({3, 5}).to(torch::kFloat16)},
      {"w.bf16", torch::randn({7}).to(torch::kBFloat16)},
      {"w.f64", torch::randn({2, 2}, torch::kFloat64)},
      {"packed.u8", torch::randint(0, 256, {11}, torch::kUInt8)},
      {"packed.i8", torch::randint(-128, 128, {3}, torch::kInt8)},
      {"packed.i16", torch::randint(-30000, 30000, {5}, torch::kInt16)},
      {"packed.i32", torch::randint(-100000, 100000, {2, 3}, torch::kInt32)},
      {"packed.i64", torch::randint(-100000, 100000, {4}, torch::kInt64)},
      {"mask", torch::randint(0, 2, {6}, torch::kInt64).to(torch::kBool)},
      {"transposed", torch::randn({3, 4}).t()},  // not contiguous: written in logical order
      {"scalar", torch::tensor(2.5f)},
  };
  const std::map<std::string, std::string> meta = {{"format", "pt"}, {"bcjr.run", "abc"}};
  write_safetensors(dir.file("ours.safetensors"), tensors, meta);

  bcjr::test::run_python(dir, "read.py", kReadScript, "'" + dir.file("ours.safetensors") + "' '" + dir.path() + "'");
  const auto listing = nlohmann::json::parse(slurp(dir.file("listing.json")));
  const auto got_meta = listing["metadata"].get<std::map<std::string, std::string>>();
  EXPECT_EQ(got_meta, meta);
  ASSERT_EQ(listing["tensors"].size(), tensors.size());
  SafetensorsFile back(dir.file("ours.safetensors"));
  EXPECT_EQ(back.metadata(), meta);
  for (const auto& [name, t] : tensors) {
    SCOPED_TRACE(name);
    const auto& entry = listing["tensors"][name];
    EXPECT_EQ(entry["dtype"].get<std::string>(), bcjr::model::torch_dtype_to_safetensors(t.scalar_type(), "test"));
    EXPECT_EQ(entry["shape"].get<std::vector<int64_t>>(), t.sizes().vec());
    EXPECT_EQ(slurp(dir.file(name + ".bin")), tensor_bytes(t));
    torch::Tensor r = back.tensor(name);
    EXPECT_EQ(r.scalar_type(), t.scalar_type());
    EXPECT_TRUE(torch::equal(r, t));
  }
}

TEST(Safetensors, ViewsOutliveTheFileObjectAndNeverWriteToDisk) {
  TempDir dir;
  torch::Tensor w = torch::randn({64, 32});
  write_safetensors(dir.file("a.safetensors"), {{"w", w}});
  const std::string before = slurp(dir.file("a.safetensors"));
  torch::Tensor view;
  {
    SafetensorsFile f(dir.file("a.safetensors"));
    view = f.tensor("w");
  }
  EXPECT_TRUE(torch::equal(view, w));
  view.mul_(2.0);  // the mapping is private: the file must not change
  EXPECT_TRUE(torch::equal(view, w * 2.0));
  EXPECT_EQ(slurp(dir.file("a.safetensors")), before);
}

TEST(Safetensors, TruncatedFilesAreRefusedNamingTheFile) {
  TempDir dir;
  write_safetensors(dir.file("good.safetensors"), {{"a", torch::randn({16, 16})}, {"b", torch::randn({8})}});
  const std::string good = slurp(dir.file("good.safetensors"));
  uint64_t header_len = 0;
  std::memcpy(&header_len, good.data(), 8);
  const size_t data_start = 8 + header_len;
  const std::vector<std::pair<size_t, std::string>> cuts = {{0, "shorter than the 8-byte header length"},
                                                            {5, "shorter than the 8-byte header length"},
                                                            {8 + header_len / 2, "header length"},
                                                            {data_start, "outside the data section"},
                                                            {good.size() - 1, "outside the data section"}};
  for (const auto& [len, what] : cuts) {
    SCOPED_TRACE(len);
    const std::string p = dir.file("cut" + std::to_string(len) + ".safetensors");
    spit(p, good.substr(0, len));
    EXPECT_TRUE(message_has(error_of(p), p, what));
  }
}

TEST(Safetensors, CorruptedHeadersAreRefusedNamingTheProblem) {
  TempDir dir;
  // Invalid JSON: the package's own file with its opening brace overwritten.
  write_safetensors(dir.file("good.safetensors"), {{"a", torch::randn({4})}});
  std::string bytes = slurp(dir.file("good.safetensors"));
  bytes[8] = 'x';
  spit(dir.file("json.safetensors"), bytes);
  EXPECT_TRUE(message_has(error_of(dir.file("json.safetensors")), dir.file("json.safetensors"), "invalid JSON"));

  EXPECT_TRUE(message_has(error_of(craft(dir, "overlap.safetensors",
                                         R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                         R"("b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})",
                                         24)),
                          "overlap.safetensors", "'a'", "'b'", "overlap"));
  EXPECT_TRUE(message_has(
      error_of(craft(dir, "range.safetensors", R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}})", 24)),
      "range.safetensors", "'a'", "outside the data section"));
  EXPECT_TRUE(message_has(
      error_of(craft(dir, "dtype.safetensors", R"({"a":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}})", 4)),
      "dtype.safetensors", "'a'", "unsupported safetensors dtype 'F8_E4M3'"));
  EXPECT_TRUE(message_has(
      error_of(craft(dir, "size.safetensors", R"({"a":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}})", 16)),
      "size.safetensors", "'a'", "need 20"));
  EXPECT_TRUE(message_has(
      error_of(craft(dir, "neg.safetensors", R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[-16,0]}})", 16)),
      "neg.safetensors", "non-negative"));
  EXPECT_TRUE(
      message_has(error_of(craft(dir, "noshape.safetensors", R"({"a":{"dtype":"F32","data_offsets":[0,16]}})", 16)),
                  "noshape.safetensors", "shape"));
  EXPECT_TRUE(message_has(error_of(craft(dir, "meta.safetensors", R"({"__metadata__":{"k":3}})", 0)),
                          "meta.safetensors", "__metadata__"));
  // A header length larger than the file.
  std::string huge(8, '\0');
  huge[7] = '\x10';
  huge += "{}";
  spit(dir.file("len.safetensors"), huge);
  EXPECT_TRUE(message_has(error_of(dir.file("len.safetensors")), "len.safetensors", "header length"));
}

TEST(Safetensors, WriterRefusesDuplicateAndReservedNames) {
  TempDir dir;
  EXPECT_THROW(write_safetensors(dir.file("d.safetensors"), {{"a", torch::zeros({1})}, {"a", torch::zeros({1})}}),
               bcjr::Error);
  EXPECT_THROW(write_safetensors(dir.file("m.safetensors"), {{"__metadata__", torch::zeros({1})}}), bcjr::Error);
  EXPECT_THROW(write_safetensors(dir.file("c.safetensors"), {{"c", torch::zeros({1}, torch::kComplexFloat)}}),
               bcjr::Error);
}
