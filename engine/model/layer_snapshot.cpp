#include "engine/model/layer_snapshot.h"

#include <fstream>
#include <iterator>

#include <torch/serialize.h>
#include <torch/torch.h>

#include "engine/core/error.h"
#include "engine/core/zip_check.h"
#include "engine/model/pickle_check.h"

namespace bcjr::model {

const std::vector<std::pair<std::string, std::string>>& layer_snapshot_keys() {
  static const std::vector<std::pair<std::string, std::string>> keys = {
      {"attn_q_proj", "q_proj"},       {"attn_k_proj", "k_proj"},   {"attn_v_proj", "v_proj"},
      {"attn_o_proj", "o_proj"},       {"mlp_gate_proj", "gate_proj"}, {"mlp_up_proj", "up_proj"},
      {"mlp_down_proj", "down_proj"}};
  return keys;
}

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
// The unpickler takes a tensor's size, stride and offset from the file without checking them
// against the storage it read: a tensor that would reach past its storage is refused here, before
// anything touches its data.
void check_inside_storage(const torch::Tensor& t, const std::string& path, const std::string& key) {
  if (t.numel() == 0) return;
  BCJR_CHECK(t.storage_offset() >= 0, "layer snapshot ", path, ": tensor '", key, "' has a negative storage offset");
  int64_t last = t.storage_offset();  // the highest element index the view reaches
  for (int64_t d = 0; d < t.dim(); ++d) {
    BCJR_CHECK(t.stride(d) >= 0 && t.size(d) <= (int64_t(1) << 40) && t.stride(d) <= (int64_t(1) << 40),
               "layer snapshot ", path, ": tensor '", key, "' has an implausible size or stride");
    last += (t.size(d) - 1) * t.stride(d);
  }
  const uint64_t need = uint64_t(last + 1) * t.element_size();
  // A storage whose record is empty has no data at all, whatever size the pickle gave it.
  const uint64_t have = t.storage().data() == nullptr ? 0 : t.storage().nbytes();
  BCJR_CHECK(need <= have, "layer snapshot ", path, ": tensor '", key,
             "' reaches byte ", need, " of a storage of ", have, " bytes (corrupted file)");
}

}  // namespace

LayerSnapshot read_layer_snapshot(const std::string& path) {
  if (ends_with(path, ".pt") || ends_with(path, ".pth")) return read_layer_snapshot_pt(path);
  fail("layer snapshot ", path, ": unsupported format (expected a .pt dict of the 7 linears' weights)");
}

LayerSnapshot read_layer_snapshot_pt(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BCJR_CHECK(in, "layer snapshot ", path, ": cannot open the file");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BCJR_CHECK(!in.bad(), "layer snapshot ", path, ": read error");
  BCJR_CHECK(bytes.size() >= 4 && bytes[0] == 'P' && bytes[1] == 'K', "layer snapshot ", path,
             ": not a torch.save zip archive (written by torch.save with the default zip format?)");
  // LibTorch's reader trusts the archive's directory and the pickle's memo indices: both are
  // checked against the file first (docs/RELIABILITY.md, what fuzzing found).
  const auto* raw = reinterpret_cast<const unsigned char*>(bytes.data());
  bool pickle_seen = false;
  for (const ZipEntry& e : check_zip_bounds(raw, bytes.size(), "layer snapshot " + path)) {
    const bool is_pickle = e.name == "data.pkl" || ends_with(e.name, "/data.pkl");
    if (!is_pickle) continue;
    BCJR_CHECK(e.stored, "layer snapshot ", path, ": its data.pkl is compressed (torch.save stores it uncompressed)");
    check_torch_pickle(raw + e.data_offset, e.size, "layer snapshot " + path + " (data.pkl)");
    pickle_seen = true;
  }
  BCJR_CHECK(pickle_seen, "layer snapshot ", path, ": the archive has no data.pkl (not written by torch.save?)");
  c10::IValue value;
  try {
    value = torch::pickle_load(bytes);
  } catch (const std::exception& e) {
    // LibTorch's messages run over many lines with a C++ backtrace; the first line says it.
    std::string msg = e.what();
    fail("layer snapshot ", path, ": cannot unpickle: ", msg.substr(0, msg.find('\n')));
  }
  BCJR_CHECK(value.isGenericDict(), "layer snapshot ", path, ": holds a ", value.tagKind(),
             ", expected a dict of tensors");
  LayerSnapshot snap;
  snap.source = path;
  std::map<std::string, std::string> linear_of;
  for (auto& [key, linear] : layer_snapshot_keys()) linear_of[key] = linear;
  for (const auto& entry : value.toGenericDict()) {
    BCJR_CHECK(entry.key().isString(), "layer snapshot ", path, ": a key is a ", entry.key().tagKind(),
               ", expected strings");
    const std::string key = entry.key().toStringRef();
    auto it = linear_of.find(key);
    BCJR_CHECK(it != linear_of.end(), "layer snapshot ", path, ": unexpected key '", key,
               "' (expected attn_q_proj, attn_k_proj, attn_v_proj, attn_o_proj, mlp_gate_proj, mlp_up_proj, "
               "mlp_down_proj)");
    BCJR_CHECK(entry.value().isTensor(), "layer snapshot ", path, ": '", key, "' is a ", entry.value().tagKind(),
               ", expected a tensor");
    const torch::Tensor t = entry.value().toTensor();
    BCJR_CHECK(t.dim() == 2 && t.is_floating_point(), "layer snapshot ", path, ": tensor '", key,
               "' must be a 2-D float tensor [out, in], got ", t.dim(), "-D ", c10::toString(t.scalar_type()));
    check_inside_storage(t, path, key);
    snap.weights[it->second] = t.to(torch::kFloat32).contiguous();
  }
  for (auto& [key, linear] : layer_snapshot_keys())
    BCJR_CHECK(snap.weights.count(linear), "layer snapshot ", path, ": tensor '", key, "' is missing");
  return snap;
}

void install_layer_snapshot(LlamaModel& model, int64_t layer, const LayerSnapshot& snapshot) {
  // Check all seven first, so that a bad file leaves the model as it was.
  for (auto& [key, linear] : layer_snapshot_keys()) {
    auto it = snapshot.weights.find(linear);
    BCJR_CHECK(it != snapshot.weights.end(), "layer snapshot ", snapshot.source, ": tensor '", key, "' is missing");
    auto target = model->linear(layer, linear);
    const torch::Tensor& w = it->second;
    BCJR_CHECK(w.dim() == 2 && w.size(0) == target->out_features() && w.size(1) == target->in_features(),
               "layer snapshot ", snapshot.source, ": tensor '", key, "' is [", w.size(0), ", ",
               w.dim() > 1 ? w.size(1) : 0, "] but layer ", layer, "'s ", linear, " is [", target->out_features(),
               ", ", target->in_features(), "]");
  }
  for (auto& [key, linear] : layer_snapshot_keys())
    model->set_linear_weight(layer, linear, snapshot.weights.at(linear), snapshot.source + " tensor '" + key + "'");
}

}  // namespace bcjr::model
