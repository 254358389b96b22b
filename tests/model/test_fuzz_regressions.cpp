// Regression tests of what fuzzing the model readers found (docs/RELIABILITY.md), each named after
// what it guards, plus the hostile inputs the readers were hardened against while the fuzz
// targets were written. Each input must give a one-line bcjr::Error that names the file.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/model/gguf.h"
#include "engine/model/layer_snapshot.h"
#include "engine/model/llama_config.h"
#include "engine/model/model_loader.h"
#include "engine/model/safetensors.h"
#include "engine/model/tokenizer.h"
#include "tests/support/test_support.h"

using namespace bcjr;
using namespace bcjr::model;

namespace {

// The message of the bcjr::Error `read` throws ("" if it throws none), checked to be one line
// that names `path`.
template <typename F>
std::string refusal(const std::string& path, F&& read) {
  try {
    read();
  } catch (const bcjr::Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_NE(m.find(path), std::string::npos) << "does not name " << path << ": " << m;
    return m;
  }
  ADD_FAILURE() << path << " was accepted";
  return "";
}

// A torch.save snapshot of `tensors` ("name=rows,cols ...") written by Python at `path`.
bool python_snapshot(const std::string& path, const std::string& tensors) {
  const auto r = test::run_command(test::python() + " " + test::source_dir() +
                                   "/tests/model/write_torch_save_snapshot.py " + path + " " + tensors);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return r.exit_code == 0;
}

// The archive `from` written again by Python's zipfile as `to`, each record's bytes replaced by the
// Python expression `edit` of `i` (its ZipInfo) and `d` (its bytes).
bool rewrite_records(const std::string& from, const std::string& to, const std::string& edit) {
  const auto r = test::run_command(test::python() + " -c \"import zipfile; a = zipfile.ZipFile('" + from +
                                   "'); b = zipfile.ZipFile('" + to + "', 'w'); [b.writestr(i, (lambda d: " + edit +
                                   ")(a.read(i))) for i in a.infolist()]; b.close()\"");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return r.exit_code == 0;
}

}  // namespace

// Found by fuzz_snapshot_pt: torch.save's pickle gives each tensor a size that LibTorch's
// unpickler does not check against the storage record it read, so a storage shorter than its
// tensor (here: empty) was read past its end (a segfault) when the weights were converted.
TEST(FuzzRegressions, SnapshotStorageShorterThanItsTensorIsRefusedNotRead) {
  test::TempDir dir;
  const std::string good = dir.file("good.pt"), bad = dir.file("bad.pt");
  ASSERT_TRUE(python_snapshot(good, "attn_q_proj=4,4 attn_k_proj=2,4"));
  // The same archive with the second tensor's storage record emptied.
  ASSERT_TRUE(rewrite_records(good, bad, "b'' if i.filename.endswith('data/1') else d"));
  const std::string m = refusal(bad, [&] { read_layer_snapshot(bad); });
  EXPECT_NE(m.find("tensor 'attn_k_proj' reaches byte 32 of a storage of 0 bytes"), std::string::npos) << m;
}

// Found by fuzz_snapshot_pt (second campaign): a torch.save archive whose central directory gives
// an entry a local-header offset past the end of the file made LibTorch's zip reader (miniz) read
// freed memory while it opened the archive. The archive's directory is now checked against its
// bytes before LibTorch sees them (engine/core/zip_check.h).
TEST(FuzzRegressions, SnapshotZipEntryOutsideTheFileIsRefusedBeforeLibTorchReadsIt) {
  test::TempDir dir;
  const std::string good = dir.file("good.pt"), bad = dir.file("bad.pt");
  ASSERT_TRUE(python_snapshot(good, "attn_q_proj=4,4 attn_k_proj=2,4"));
  std::string bytes = read_file(good);
  // The third central directory entry's local header offset (46-byte entries start with PK\1\2;
  // the offset is the entry's last fixed field, at +42), moved 1 GiB out.
  size_t at = std::string::npos;
  for (int i = 0; i < 3; ++i) at = bytes.find(std::string("PK\x01\x02", 4), at == std::string::npos ? 0 : at + 4);
  ASSERT_NE(at, std::string::npos);
  for (int i = 0; i < 4; ++i) bytes[at + 42 + size_t(i)] = char(i == 3 ? 0x40 : 0);
  write_file_atomic(bad, bytes);
  const std::string m = refusal(bad, [&] { read_layer_snapshot(bad); });
  EXPECT_NE(m.find("not a valid zip archive: entry 3 of"), std::string::npos) << m;
  EXPECT_NE(m.find("local header (at byte 1073741824)"), std::string::npos) << m;
}

// Found by fuzz_snapshot_pt (second campaign): LibTorch's unpickler sizes its memo table from the
// index a PUT opcode names, so a snapshot whose data.pkl memoised at index 1947217771 made it
// allocate 31 GB. The pickle's opcodes are now walked first (engine/model/pickle_check.h).
TEST(FuzzRegressions, SnapshotPickleMemoIndexBeyondItsLengthIsRefusedNotAllocated) {
  test::TempDir dir;
  const std::string good = dir.file("good.pt"), bad = dir.file("bad.pt");
  ASSERT_TRUE(python_snapshot(good, "attn_q_proj=4,4"));
  // The archive again, its data.pkl's first memo (EMPTY_DICT BINPUT 0) made LONG_BINPUT 0x74102f6b.
  ASSERT_TRUE(rewrite_records(good, bad,
                              "d.replace(b'}q\\x00', b'}r\\x6b\\x2f\\x10\\x74', 1) if i.filename.endswith('data.pkl') else d"));
  const std::string m = refusal(bad, [&] { read_layer_snapshot(bad); });
  EXPECT_NE(m.find("(data.pkl): pickle opcode 0x72 at byte 3 names memo entry 1947217771"), std::string::npos) << m;
}

// Found by fuzz_snapshot_pt (second campaign, after the memo fix): a data.pkl whose opcode took an
// item from an empty stack; LibTorch 1.13's unpickler does not check and crashed (SEGV at address
// -8). The pickle walk follows the stack's depth and marks (engine/model/pickle_check.h).
TEST(FuzzRegressions, SnapshotPickleThatPopsAnEmptyStackIsRefusedNotUnpickled) {
  test::TempDir dir;
  const std::string good = dir.file("good.pt"), bad = dir.file("bad.pt");
  ASSERT_TRUE(python_snapshot(good, "attn_q_proj=4,4"));
  // A TUPLE1 (0x85) before the pickle's first object, when the stack is still empty.
  ASSERT_TRUE(rewrite_records(good, bad, "d.replace(b'}q\\x00', b'\\x85}q\\x00', 1) if i.filename.endswith('data.pkl') else d"));
  const std::string m = refusal(bad, [&] { read_layer_snapshot(bad); });
  EXPECT_NE(m.find("(data.pkl): pickle opcode 0x85 at byte 2 needs 1 item(s) on the stack"), std::string::npos) << m;
}

TEST(FuzzRegressions, ConfigJsonLargerThanAnyRealOneIsRefusedBeforeItIsRead) {
  test::TempDir dir;
  const std::string path = dir.file("config.json");
  {
    std::ofstream f(path);
    f << "{\"pad\": \"" << std::string(17 << 20, 'x') << "\"}";
  }
  const std::string m = refusal(path, [&] { parse_hf_config(path); });
  EXPECT_NE(m.find("more than the 16777216 a config.json may have"), std::string::npos) << m;
}

TEST(FuzzRegressions, TokenizerIdFarBeyondTheVocabularyIsRefusedNotAllocated) {
  test::TempDir dir;
  const std::string path = dir.file("tokenizer.json");
  write_file_atomic(path, R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 2000000000}, "merges": ["a b"]}})");
  const std::string m = refusal(path, [&] { Tokenizer::from_tokenizer_json(path); });
  EXPECT_NE(m.find("token id 2000000000 for a vocabulary of 2 entries"), std::string::npos) << m;
}

// Found by fuzz_tokenizer_json (second campaign, under UBSan): a vocabulary id written as a float
// too large for int64 (7.47778e+27) was converted anyway, which is undefined behaviour. Ids must be
// JSON integers.
TEST(FuzzRegressions, TokenizerIdThatIsNotAnIntegerIsRefusedNotConverted) {
  test::TempDir dir;
  const std::string path = dir.file("tokenizer.json");
  write_file_atomic(path, R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 7.47778e27}, "merges": ["a b"]}})");
  std::string m = refusal(path, [&] { Tokenizer::from_tokenizer_json(path); });
  EXPECT_NE(m.find("token 'b' has id 7.47778e+27, not an integer"), std::string::npos) << m;
  write_file_atomic(path, R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]},
                             "added_tokens": [{"id": 1.5, "content": "<s>"}]})");
  m = refusal(path, [&] { Tokenizer::from_tokenizer_json(path); });
  EXPECT_NE(m.find("an added token has id 1.5, not an integer"), std::string::npos) << m;
}

// Found by fuzz_tokenizer_json (second campaign): a merge naming a token with a newline came back
// raw in "uses a token not in the vocabulary", a two-line error. Merge tokens are quoted escaped.
TEST(FuzzRegressions, MergeTokenWithANewlineIsQuotedOnOneLine) {
  test::TempDir dir;
  const std::string path = dir.file("tokenizer.json");
  write_file_atomic(path, R"({"model": {"type": "BPE", "vocab": {"u": 0, "v": 1, "uv": 2}, "merges": [["u", "\n"]]}})");
  const std::string m = refusal(path, [&] { Tokenizer::from_tokenizer_json(path); });
  EXPECT_NE(m.find("merge 0 ('u' '\\n') uses a token not in the vocabulary"), std::string::npos) << m;
}

TEST(FuzzRegressions, NamesFromAFileAreQuotedOnOneLine) {
  test::TempDir dir;
  const std::string path = dir.file("x.safetensors");
  // A tensor whose name holds a newline and an unknown dtype.
  const std::string header = R"({"a\nb": {"dtype": "Q9", "shape": [1], "data_offsets": [0, 4]}})";
  std::string bytes(8, '\0');
  const uint64_t n = header.size();
  std::memcpy(bytes.data(), &n, 8);
  write_file_atomic(path, bytes + header + std::string(4, '\0'));
  const std::string m = refusal(path, [&] { SafetensorsFile f(path); });
  EXPECT_NE(m.find("tensor 'a\\nb'"), std::string::npos) << m;
}

// Found by fuzz_safetensors_index (second campaign): a weight_map naming a shard whose file name
// holds a newline passed the index's check and came back in "cannot open" with the newline raw, a
// two-line error. Shard names with control characters are refused at the index, quoted.
TEST(FuzzRegressions, ShardNameWithANewlineIsRefusedAtTheIndexOnOneLine) {
  test::TempDir dir;
  const std::string index = dir.file("model.safetensors.index.json");
  write_file_atomic(dir.file("config.json"),
                    R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32, "hidden_size": 16,
                        "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                        "num_key_value_heads": 1, "tie_word_embeddings": true, "rms_norm_eps": 1e-5})");
  write_file_atomic(index, R"({"weight_map": {"model.norm.weight": "model-00001-of-00001.safet\nsors"}})");
  const std::string m = refusal(index, [&] { load_model(dir.path()); });
  EXPECT_NE(m.find("names 'model-00001-of-00001.safet\\nsors', not a file in the folder"), std::string::npos) << m;
}
