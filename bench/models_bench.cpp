// Training-step throughput of the models (forward + backward + Adam step) on
// preloaded tensors, and the machine's float32 GEMM rate for reference.
//   build/bench/models_bench [--benchmark_min_time=2]
// Threads per DESIGN.md section 7: pose MLP 2 BLAS x 1 torch (GEMM-bound),
// ResNet-18 1 BLAS x 2 torch (oneDNN convolutions use torch's threads).
#include <cstdio>

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "hpe3d/core/model_config.h"
#include "hpe3d/core/runtime.h"
#include "hpe3d/models/cross_modal_vae.h"

namespace {

using hpe3d::models::Modality;

double g_gemm_gflops = 0.0;  // measured by BM_MatmulGflops, used for the fraction

void use_threads(int blas, int torch_threads, const char* what) {
  static std::string last;
  bool openblas = hpe3d::core::set_threads(blas, torch_threads);
  std::string now = std::string(what) + std::to_string(blas) + "x" + std::to_string(torch_threads);
  if (now != last) {
    std::printf("[bench] %s: %d BLAS thread(s) x %d torch thread(s)%s\n", what, blas, torch_threads,
                openblas ? "" : " (no OpenBLAS loaded: BLAS count ignored)");
    last = now;
  }
}

// 2 * n^3 FLOPs per float32 n x n matrix product.
void BM_MatmulGflops(benchmark::State& state) {
  use_threads(2, 1, "matmul");
  const int64_t n = 1024;
  auto a = torch::randn({n, n}), b = torch::randn({n, n}), c = torch::empty({n, n});
  for (auto _ : state) {
    torch::mm_out(c, a, b);
    benchmark::DoNotOptimize(c.data_ptr<float>());
  }
  const double flops = 2.0 * n * n * n;
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel("1024x1024 torch::mm, 2 BLAS x 1 torch");
}
BENCHMARK(BM_MatmulGflops)->Unit(benchmark::kMillisecond)->UseRealTime();

// Linear-layer FLOPs of one forward pass per sample: 2 * in * out per layer.
double linear_flops_per_sample(torch::nn::Module& m) {
  double f = 0;
  for (auto& child : m.modules(false))
    if (auto* lin = child->as<torch::nn::Linear>())
      f += 2.0 * lin->options.in_features() * lin->options.out_features();
  return f;
}

void BM_PoseVaeTrainStep(benchmark::State& state) {
  use_threads(2, 1, "pose VAE");
  const int64_t batch = state.range(0);
  torch::manual_seed(0);
  hpe3d::core::ModelConfig config;  // pose2d -> pose3d, hidden 1024, 2 blocks, latent 32
  auto model = hpe3d::models::make_model(config);
  model->train();
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  auto x = torch::randn({batch, 17 * 2}), y = torch::randn({batch, 16 * 3});
  for (auto _ : state) {
    opt.zero_grad();
    auto out = model->forward(Modality::kPose2d, Modality::kPose3d, x);
    auto& q = out.posterior;
    auto kl = -0.5 * (1 + q.logvar - q.mu.square() - q.logvar.exp()).sum(1).mean() / 48;
    (torch::mse_loss(out.reconstruction, y) + kl).backward();
    opt.step();
  }
  const double flops = 3.0 * linear_flops_per_sample(*model) * batch;  // fwd + bwd (2x fwd)
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["MFLOP/sample"] = 3.0 * linear_flops_per_sample(*model) * 1e-6;
  state.SetLabel("pose2d->pose3d, hidden 1024, 2 blocks, Adam, 2 BLAS x 1 torch");
}
BENCHMARK(BM_PoseVaeTrainStep)->Arg(256)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ResNet18TrainStep(benchmark::State& state) {
  use_threads(1, 2, "ResNet-18");
  const int64_t size = state.range(0), batch = state.range(1);
  torch::manual_seed(0);
  hpe3d::models::ResNet18Encoder enc(hpe3d::models::ResNet18EncoderOptions(32).input_size(size));
  enc->train();
  torch::optim::Adam opt(enc->parameters(), torch::optim::AdamOptions(1e-3));
  auto x = torch::randn({batch, 3, size, size});
  for (auto _ : state) {
    opt.zero_grad();
    auto q = enc(x);
    (q.mu.square().mean() + q.logvar.exp().mean()).backward();
    opt.step();
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.SetLabel("ResNet18Encoder fwd+bwd+Adam, 1 BLAS x 2 torch");
}
BENCHMARK(BM_ResNet18TrainStep)
    ->Args({64, 8})
    ->Args({128, 4})
    ->Args({256, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Reports the pose VAE's GFLOP/s as a fraction of the measured GEMM rate.
// With --benchmark_repetitions, the medians are used.
class FractionReporter : public benchmark::ConsoleReporter {
 public:
  static bool usable(const Run& run) {
    return run.run_type == Run::RT_Iteration ? run.repetitions <= 1
                                             : run.aggregate_name == "median";
  }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      auto it = run.counters.find("GFLOP/s");
      if (it == run.counters.end() || !usable(run)) continue;
      if (run.benchmark_name().rfind("BM_MatmulGflops", 0) == 0) g_gemm_gflops = it->second;
    }
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      auto it = run.counters.find("GFLOP/s");
      if (it != run.counters.end() && usable(run) &&
          run.benchmark_name().rfind("BM_PoseVae", 0) == 0 && g_gemm_gflops > 0)
        std::printf("[bench] %s: %.1f GFLOP/s = %.0f%% of the 1024^3 GEMM rate (%.1f GFLOP/s)\n",
                    run.benchmark_name().c_str(), it->second.value,
                    100.0 * it->second.value / g_gemm_gflops, g_gemm_gflops);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  hpe3d::core::init_process();
  std::printf("[bench] %d core(s); malloc thresholds raised (init_process)\n",
              hpe3d::core::cpu_cores());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  FractionReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
