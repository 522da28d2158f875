// Evaluation throughput: per-pose errors of Protocols 1-3 (batched, no Python-
// style per-pose loop) in batches of 65,536 poses, as h36m-eval computes them.
//   build/bench/eval_bench [--benchmark_min_time=2]
// poses/s is the items_per_second counter; DESIGN/issue target for P1+P2:
// >= 200k poses/s on the 2-core CPU.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "hpe3d/core/runtime.h"
#include "hpe3d/eval/metrics.h"

namespace {

using hpe3d::eval::Protocol;

constexpr int64_t kBatch = 65536;

void run(benchmark::State& state, const std::vector<Protocol>& protocols) {
  hpe3d::core::init_process();
  hpe3d::core::set_threads(1, 2);  // batched 3x3 SVDs and reductions use torch's threads
  torch::manual_seed(0);
  auto gt = hpe3d::eval::root_centre(torch::randn({kBatch, 17, 3}) * 300);
  auto pred = gt + torch::randn({kBatch, 17, 3}) * 40;
  for (auto _ : state) {
    for (auto p : protocols) {
      auto e = hpe3d::eval::pose_errors(pred, gt, p);
      benchmark::DoNotOptimize(e.data_ptr<float>());
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_P1(benchmark::State& s) { run(s, {Protocol::kP1}); }
void BM_P2(benchmark::State& s) { run(s, {Protocol::kP2}); }
void BM_P3(benchmark::State& s) { run(s, {Protocol::kP3}); }
void BM_P1_P2(benchmark::State& s) { run(s, {Protocol::kP1, Protocol::kP2}); }
void BM_P1_P2_P3(benchmark::State& s) { run(s, {Protocol::kP1, Protocol::kP2, Protocol::kP3}); }

BENCHMARK(BM_P1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_P2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_P3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_P1_P2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_P1_P2_P3)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
