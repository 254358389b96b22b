#include "engine/quant/qat_checkpoint.h"

#include <torch/torch.h>

#include "engine/core/atomic_file.h"
#include "engine/core/error.h"
#include "engine/quant/quantized_checkpoint.h"

namespace bcjr::quant {
namespace {

std::string latent_key(const LinearKey& k) { return "latent." + std::to_string(k.first) + "." + k.second; }

}  // namespace

void write_qat_checkpoint(const std::string& path, const QatCheckpointState& s, const QuantParams& quant,
                          torch::optim::Optimizer* optimizer) {
  torch::serialize::OutputArchive a;
  nlohmann::json meta = {{"phase", s.phase},
                         {"phase_step", s.phase_step},
                         {"global_step", s.global_step},
                         {"schedule", s.schedule.to_json()},
                         {"config", s.config}};
  nlohmann::json paths = nlohmann::json::object();
  for (const auto& kv : s.latents) {
    a.write(latent_key(kv.first), kv.second.detach().to(torch::kCPU));  // readable without the GPU
    paths[latent_key(kv.first)] = s.paths.at(kv.first);
  }
  meta["paths"] = paths;
  archive_write_string(a, "meta", meta.dump());
  torch::serialize::OutputArchive hardened;
  write_quantized_linears(hardened, s.hardened, quant);
  a.write("hardened", hardened);
  if (!s.method_state.empty()) {
    torch::serialize::OutputArchive m;
    archive_write_tensors(m, s.method_state, "names");
    a.write("method", m);
  }
  if (optimizer) {
    torch::serialize::OutputArchive opt;
    optimizer->save(opt);
    a.write("optimizer", opt);
  }
  write_file_atomic(path, archive_bytes(a));
}

QatCheckpointReader::QatCheckpointReader(std::string path)
    : path_(std::move(path)), archive_(std::make_unique<torch::serialize::InputArchive>()) {
  archive_load_file(*archive_, path_);
  try {
    meta_ = nlohmann::json::parse(archive_read_string(*archive_, "meta", path_));
  } catch (const nlohmann::json::exception& e) {
    fail(path_, ": checkpoint metadata is not JSON: ", e.what());
  }
  torch::serialize::InputArchive hardened;
  archive_->read("hardened", hardened);
  hardened_ = read_quantized_linears(hardened, nullptr, path_);
  torch::serialize::InputArchive method;
  if (archive_->try_read("method", method)) method_state_ = archive_read_tensors(method, "names", path_);
  phase_ = meta_.at("phase").get<int64_t>();
  phase_step_ = meta_.at("phase_step").get<int64_t>();
  global_step_ = meta_.at("global_step").get<int64_t>();
  schedule_ = TemperatureSchedule::from_json(meta_.at("schedule"), path_);
}

QatCheckpointReader::~QatCheckpointReader() = default;

torch::Tensor QatCheckpointReader::latent(const LinearKey& key, at::IntArrayRef shape) const {
  torch::Tensor w;
  BCJR_CHECK(archive_->try_read(latent_key(key), w), path_, ": no W_latent for ", linear_label(key));
  BCJR_CHECK(w.sizes() == shape, path_, ": W_latent of ", linear_label(key), " has shape ", w.sizes());
  return w;
}

double QatCheckpointReader::path_length(const LinearKey& key) const {
  return meta_.at("paths").value(latent_key(key), 0.0);
}

void QatCheckpointReader::load_optimizer(torch::optim::Optimizer& optimizer) const {
  torch::serialize::InputArchive opt;
  archive_->read("optimizer", opt);
  optimizer.load(opt);
}

}  // namespace bcjr::quant
