// Loading the default model: whole load (GGUF parse, parallel dequantisation, q/k un-permutation)
// and headers only, against the time to merely write the same number of fp32 values (a copy of
// an equally large tensor), measured in the same run.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "engine/core/assets.h"
#include "engine/model/gguf.h"
#include "engine/model/model_loader.h"

namespace {

template <typename F>
double median_seconds(int runs, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto a = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main() {
  const std::string path = bcjr::resolve_model_path("default");
  int64_t params = 0;
  const double full = median_seconds(3, [&] { params = bcjr::model::load_model(path).parameter_count; });
  bcjr::model::LoadOptions headers;
  headers.load_tensors = false;
  const double head = median_seconds(3, [&] { bcjr::model::load_model(path, nullptr, headers); });

  bcjr::model::GgufFile g(path);
  int64_t q41 = 0;
  const double dq = median_seconds(3, [&] {
    q41 = 0;
    for (const auto& t : g.tensors())
      if (t.type == bcjr::model::GgmlType::Q4_1) q41 += g.dequantize(t).numel();
  });

  torch::Tensor src = torch::rand({params});
  const double copy = median_seconds(3, [&] { torch::Tensor d = src.clone(); });

  std::printf("machine: 2-core Debian 12 CPU (as measured here), torch threads %d\n", torch::get_num_threads());
  std::printf("load_model(default)        %.3f s  (%lld parameters to fp32)\n", full, static_cast<long long>(params));
  std::printf("headers only               %.3f s\n", head);
  std::printf("Q4_1 dequantisation        %.3f s  (%.0f M elements/s)\n", dq, q41 / dq / 1e6);
  std::printf("reference: clone of %lld fp32 values  %.3f s\n", static_cast<long long>(params), copy);
  std::printf("load / reference           %.1fx\n", full / copy);
  return 0;
}
