// Evaluation throughput: per-pose errors of Protocols 1-3 (batched, no Python-
// style per-pose loop) in batches of 65,536 poses, as h36m-eval computes them.
//   build/bench/eval_bench [--benchmark_min_time=2]
// poses/s is the items_per_second counter (wall-clock time); target for P1+P2:
// >= 200k poses/s on the 2-core CPU.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "hpe3d/core/runtime.h"
#include "hpe3d/eval/evaluator.h"
#include "hpe3d/geometry/skeleton.h"
#include "hpe3d/eval/metrics.h"

namespace {

using hpe3d::eval::Protocol;

constexpr int64_t kBatch = 65536;

void run(benchmark::State& state, const std::vector<Protocol>& protocols) {
  hpe3d::core::init_process();
  hpe3d::core::set_threads(1, 2);  // batched 3x3 SVDs and reductions use torch's threads
  torch::manual_seed(0);
  auto gt = hpe3d::geometry::root_centre(torch::randn({kBatch, 17, 3}) * 300);
  auto pred = gt + torch::randn({kBatch, 17, 3}) * 40;
  for (auto _ : state) {
    for (auto p : protocols) {
      auto e = hpe3d::eval::pose_errors(pred, gt, p);
      benchmark::DoNotOptimize(e.data_ptr<float>());
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// The evaluator's accumulation of P1+P2+P3 per action and subject, with K
// hypotheses per pose (best-of-K and mean-of-K besides the deterministic one):
// what h36m-eval spends on the metrics, the network aside.
void run_evaluator(benchmark::State& state, int hypotheses) {
  hpe3d::core::init_process();
  hpe3d::core::set_threads(1, 2);
  torch::manual_seed(0);
  auto gt = hpe3d::geometry::root_centre(torch::randn({kBatch, 17, 3}) * 300);
  auto pred = gt + torch::randn({kBatch, 17, 3}) * 40;
  auto samples = hypotheses > 1 ? gt.unsqueeze(0) + torch::randn({hypotheses, kBatch, 17, 3}) * 60 : torch::Tensor();
  auto actions = torch::randint(15, {kBatch}, torch::kLong), subjects = torch::full({kBatch}, 9, torch::kLong);
  hpe3d::eval::EvalOptions options;
  options.protocols = {Protocol::kP1, Protocol::kP2, Protocol::kP3};
  options.hypotheses = hypotheses;
  std::vector<std::string> names(15, "action");
  for (auto _ : state) {
    hpe3d::eval::Evaluator evaluator(options, names);
    evaluator.add(pred, samples, gt, actions, subjects);
    benchmark::DoNotOptimize(evaluator.report().frames());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_P1(benchmark::State& s) { run(s, {Protocol::kP1}); }
void BM_P2(benchmark::State& s) { run(s, {Protocol::kP2}); }
void BM_P3(benchmark::State& s) { run(s, {Protocol::kP3}); }
void BM_P1_P2(benchmark::State& s) { run(s, {Protocol::kP1, Protocol::kP2}); }
void BM_P1_P2_P3(benchmark::State& s) { run(s, {Protocol::kP1, Protocol::kP2, Protocol::kP3}); }

BENCHMARK(BM_P1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_P2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_P3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_P1_P2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_P1_P2_P3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(run_evaluator, P1_P2_P3_K1, 1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(run_evaluator, P1_P2_P3_K10, 10)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
